//! One row to one [`Learner`]: every field through its normaliser, nulls and repairs counted.
//!
//! A [`Transformer`] belongs to one worker thread. It is deterministic: the same row, settings and
//! `today` give the same learner and the same `content_hash`, whichever worker runs it.

use std::borrow::Cow;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt, HashSet};
use learngraph_model::{
    City, Cohort, Country, Date, DateTime, Dimensions, Key, Learner, Program, Skill,
};
use learngraph_source::{ColumnLayout, Field, Row, RowBatch, Sentinels};
use xxhash_rust::xxh3::xxh3_64;

use crate::date::{parse_date, parse_timestamp, DateValue};
use crate::enrollments::{parse_enrollments, ParsedEnrollment, StatusCache};
use crate::geo::{CityMethod, GeoResolver, Method, Unresolved as GeoUnresolved};
use crate::intern::Interner;
use crate::memo::Memo;
use crate::privacy::Privacy;
use crate::skills::{parse_skills, SkillCache, SkillToken};
use crate::stats::{FieldStats, NullReason, Repair};
use crate::text::{clean, clean_text, collapse_whitespace};
use crate::vocab;

/// The learners of one batch, the dimension nodes they reference, and the batch's counters.
#[derive(Debug, Default)]
pub struct TransformedBatch {
    /// Sequence number of the source batch.
    pub seq: u64,
    /// Learners in input order.
    pub learners: Vec<Learner>,
    /// Dimension nodes referenced in this batch, each once, in order of first reference.
    pub candidates: Dimensions,
    /// Null and repair counters.
    pub stats: FieldStats,
    /// Geography values that did not resolve, with how often, per field.
    pub unresolved: Unresolved,
    /// Learners per country, city and skill, for the report's charts.
    pub tallies: Tallies,
}

/// Learners per country of residence, city of residence and skill.
#[derive(Debug, Default)]
pub struct Tallies {
    /// Learners by ISO alpha-2 code of residence.
    pub countries: HashMap<Key, u64>,
    /// Learners by city id.
    pub cities: HashMap<Key, u64>,
    /// Learners by skill name.
    pub skills: HashMap<Key, u64>,
}

impl Tallies {
    fn count(&mut self, l: &Learner) {
        let bump = |m: &mut HashMap<Key, u64>, k: Key| *m.entry(k).or_default() += 1;
        if let Some(c) = l.country_of_residence_code {
            bump(&mut self.countries, c);
        }
        if let Some(c) = l.city_of_residence_id {
            bump(&mut self.cities, c);
        }
        for &s in &l.skills {
            bump(&mut self.skills, s);
        }
    }

    /// Adds another set of tallies.
    pub fn merge(&mut self, other: Tallies) {
        for (mine, theirs) in [
            (&mut self.countries, other.countries),
            (&mut self.cities, other.cities),
            (&mut self.skills, other.skills),
        ] {
            for (k, n) in theirs {
                *mine.entry(k).or_default() += n;
            }
        }
    }
}

/// Values that did not resolve, by field, with their counts.
#[derive(Debug, Default)]
pub struct Unresolved {
    by_field: HashMap<Field, HashMap<String, u64>>,
}

impl Unresolved {
    fn add(&mut self, field: Field, value: &str, n: u64) {
        let values = self.by_field.entry(field).or_default();
        match values.get_mut(value) {
            Some(count) => *count += n,
            None => {
                values.insert(value.to_string(), n);
            }
        }
    }

    /// Adds another set of counts.
    pub fn merge(&mut self, other: Unresolved) {
        for (field, values) in other.by_field {
            for (value, n) in values {
                self.add(field, &value, n);
            }
        }
    }

    /// The values of `field`, spellings that fold alike (`Maadi`, `MAADI`) counted as one and
    /// shown in their most frequent spelling; most frequent first, ties by value.
    pub fn ranked(&self, field: Field) -> Vec<(&str, u64)> {
        let mut groups: HashMap<String, (&str, u64, u64)> = HashMap::new();
        for (value, &n) in self.by_field.get(&field).into_iter().flatten() {
            let g = groups
                .entry(crate::geo::fold::fold(value))
                .or_insert((value, 0, 0));
            g.1 += n;
            if n > g.2 || (n == g.2 && value.as_str() < g.0) {
                (g.0, g.2) = (value, n);
            }
        }
        let mut v: Vec<(&str, u64)> = groups
            .into_values()
            .map(|(s, total, _)| (s, total))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v
    }
}

/// Collects the dimension nodes of one batch, each once.
#[derive(Default)]
struct Candidates {
    /// Keys seen, by kind, by the address of their text: a [`Key`] is interned for the process,
    /// one address per text that is never freed, so a look-up hashes an address instead of text.
    seen: [HashSet<usize>; 5],
    dims: Dimensions,
}

/// The dimension kinds whose nodes are named by a [`Key`].
#[derive(Clone, Copy)]
enum Kind {
    Country,
    City,
    Skill,
    Cohort,
    Program,
}

impl Candidates {
    /// True the first time `key` of `kind` is seen in this batch.
    fn first(&mut self, kind: Kind, key: &Key) -> bool {
        self.seen[kind as usize].insert(key.as_str().as_ptr() as usize)
    }
}

/// Results of a vocabulary normaliser by raw cell bytes: category columns hold few distinct
/// values, so each is normalised once per worker (the memo is bounded for those that do not).
type VocabCache<T> = Memo<Result<T, NullReason>>;

/// A country string's resolution: code, node and method, or why it did not resolve.
type CountryResult = Result<(Key, Arc<Country>, Method), NullReason>;

/// Resolved cities of one country (id, node, method) by cleaned text.
type CityCache = HashMap<String, Option<(Key, Arc<City>, Method)>>;

/// Turns rows into learners; one per worker thread.
pub struct Transformer {
    sentinels: Sentinels,
    privacy: Privacy,
    today: Date,
    geo: Arc<GeoResolver>,
    /// Resolved countries by cleaned text, each resolved once per worker (an export holds a few
    /// thousand distinct spellings), with its code's key: one look-up a cell.
    countries: HashMap<String, CountryResult>,
    /// Resolved cities (id and node) by country code, then cleaned text.
    cities: HashMap<Key, CityCache>,
    skills: SkillCache,
    keys: Interner,
    genders: VocabCache<learngraph_model::Gender>,
    education: VocabCache<learngraph_model::EducationLevel>,
    employment: VocabCache<learngraph_model::EmploymentStatus>,
    statuses: StatusCache,
    /// The encoding `content_hash` hashes, reused from row to row.
    hash_buf: Vec<u8>,
    /// A row's skills and enrollments as parsed, reused from row to row, so that each learner's
    /// own lists are allocated once, at their length.
    skill_tokens: Vec<SkillToken>,
    enrollments: Vec<ParsedEnrollment>,
}

impl Transformer {
    /// A transformer. `today` bounds plausible dates (no birth date or sign-up in the future).
    pub fn new(sentinels: Sentinels, privacy: Privacy, today: Date, geo: Arc<GeoResolver>) -> Self {
        Transformer {
            sentinels,
            privacy,
            today,
            geo,
            countries: HashMap::new(),
            cities: HashMap::new(),
            skills: SkillCache::default(),
            keys: Interner::default(),
            genders: VocabCache::default(),
            education: VocabCache::default(),
            employment: VocabCache::default(),
            statuses: StatusCache::default(),
            hash_buf: Vec::new(),
            skill_tokens: Vec::new(),
            enrollments: Vec::new(),
        }
    }

    /// Transforms every valid row of `batch` into `learners`, a vector to reuse (it is cleared):
    /// a batch's learners take over a megabyte, and a fresh one per batch costs page faults.
    pub fn transform_batch(
        &mut self,
        batch: &RowBatch,
        learners: Vec<Learner>,
    ) -> TransformedBatch {
        self.transform_batch_with(batch, learners, usize::MAX, |_| {})
    }

    /// [`Transformer::transform_batch`], handing each run of `run` learners (fewer at the end) to
    /// `made` as soon as they are made, while their text is still in this core's cache.
    pub fn transform_batch_with(
        &mut self,
        batch: &RowBatch,
        mut learners: Vec<Learner>,
        run: usize,
        mut made: impl FnMut(&[Learner]),
    ) -> TransformedBatch {
        let layout = &batch.layout;
        learners.clear();
        learners.reserve(batch.rows.len());
        let mut out = TransformedBatch {
            seq: batch.seq,
            learners,
            ..TransformedBatch::default()
        };
        let mut candidates = Candidates::default();
        let mut handed = 0;
        for i in 0..batch.rows.len() {
            let learner = self.transform_row(
                batch.row(i),
                layout,
                &mut candidates,
                &mut out.stats,
                &mut out.unresolved,
            );
            out.tallies.count(&learner);
            out.learners.push(learner);
            if out.learners.len() - handed >= run {
                made(&out.learners[handed..]);
                handed = out.learners.len();
            }
        }
        if handed < out.learners.len() {
            made(&out.learners[handed..]);
        }
        out.candidates = candidates.dims;
        out
    }

    /// The non-null bytes of `field`, or `None` with the reason counted.
    fn cell<'r>(
        &self,
        row: &Row<'r>,
        layout: &ColumnLayout,
        field: Field,
        stats: &mut FieldStats,
    ) -> Option<&'r [u8]> {
        cell(&self.sentinels, row, layout, field, stats)
    }

    /// The cleaned text of `field`, or `None` with the reason counted.
    fn text<'r>(
        &self,
        row: &Row<'r>,
        layout: &ColumnLayout,
        field: Field,
        stats: &mut FieldStats,
    ) -> Option<Cow<'r, str>> {
        // A cell of a row checked whole is text already: it is trimmed once, and the sentinels
        // and the Unicode trim look at that (the same answers as `cell` and `clean` give).
        if let Some(s) = layout.column(field).and_then(|col| row.get_text(col)) {
            let t = s.trim_ascii();
            if let Some(reason) = null_reason(&self.sentinels, t.as_bytes()) {
                stats.null(field, reason);
                return None;
            }
            let text = clean_text(t);
            if text.is_none() {
                stats.null(field, NullReason::Empty);
            }
            return text.map(Cow::Borrowed);
        }
        let raw = self.cell(row, layout, field, stats)?;
        let text = clean(raw, field, stats);
        if text.is_none() {
            stats.null(field, NullReason::Empty);
        }
        text
    }

    /// A normalised value, or `None` with the normaliser's reason counted.
    fn normalise<T>(
        &self,
        row: &Row<'_>,
        layout: &ColumnLayout,
        field: Field,
        stats: &mut FieldStats,
        f: impl FnOnce(&str) -> Result<T, NullReason>,
    ) -> Option<T> {
        let text = self.text(row, layout, field, stats)?;
        f(&text).map_err(|reason| stats.null(field, reason)).ok()
    }

    fn timestamp(&self, text: &str) -> Result<DateTime, NullReason> {
        let t = parse_timestamp(text)?;
        let earliest = Date::new(2000, 1, 1).map(DateTime::at_midnight);
        if Some(t) < earliest || t.date() > self.today {
            return Err(NullReason::OutOfRange);
        }
        Ok(t)
    }

    fn country(&mut self, text: &str) -> CountryResult {
        if let Some(hit) = self.countries.get(text) {
            return hit.clone();
        }
        let result = match self.geo.country(text) {
            Ok(m) => Ok((self.keys.key(&m.country.code), m.country, m.method)),
            Err(GeoUnresolved::Ambiguous) => Err(NullReason::Ambiguous),
            Err(GeoUnresolved::Unknown) => Err(NullReason::Unresolved),
        };
        self.countries.insert(text.to_owned(), result.clone());
        result
    }

    fn city(&mut self, text: &str, country_code: &Key) -> Option<(Key, Arc<City>, Method)> {
        if let Some(hit) = self.cities.get(country_code).and_then(|m| m.get(text)) {
            return hit.clone();
        }
        let resolved = self.geo.city(text, country_code).map(|(c, how)| {
            let method = match how {
                Some(CityMethod::Name) => Method::Name,
                Some(CityMethod::Variant) => Method::Variant,
                Some(CityMethod::Fuzzy) => Method::Fuzzy,
                None => Method::Unmatched,
            };
            (self.keys.key(&c.id), Arc::new(c), method)
        });
        self.cities
            .entry(*country_code)
            .or_default()
            .insert(text.to_string(), resolved.clone());
        resolved
    }

    fn resolve_country(
        &mut self,
        row: &Row<'_>,
        layout: &ColumnLayout,
        field: Field,
        candidates: &mut Candidates,
        stats: &mut FieldStats,
        unresolved: &mut Unresolved,
    ) -> Option<Key> {
        let text = self.text(row, layout, field, stats)?;
        match self.country(&text) {
            Ok((code, country, method)) => {
                stats.resolved(field, method);
                if candidates.first(Kind::Country, &code) {
                    candidates.dims.countries.push(Country::clone(&country));
                }
                Some(code)
            }
            Err(reason) => {
                stats.null(field, reason);
                unresolved.add(field, &text, 1);
                None
            }
        }
    }

    fn transform_row(
        &mut self,
        row: Row<'_>,
        layout: &ColumnLayout,
        candidates: &mut Candidates,
        stats: &mut FieldStats,
        unresolved: &mut Unresolved,
    ) -> Learner {
        use Field as F;
        let key_col = layout.column(F::LearnerId).unwrap_or(0);
        // The source checked that the key is valid UTF-8; a row that is text whole says so
        // without a second check.
        let learner_id = match row.get_text(key_col) {
            Some(s) => s.trim_ascii().to_owned(),
            None => String::from_utf8_lossy(row.get(key_col).trim_ascii()).into_owned(),
        };

        let full_name = self
            .text(&row, layout, F::FullName, stats)
            .map(|n| collapse_whitespace(&n).into_owned())
            .and_then(|n| self.private(F::FullName, Cow::Owned(n), stats));
        // Most addresses are lowercase ASCII already: then no copy is made before the value is
        // kept or hashed.
        let email = self.text(&row, layout, F::Email, stats).and_then(|s| {
            let e = if s.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) {
                Cow::Owned(s.to_lowercase())
            } else {
                s
            };
            if is_plausible_email(&e) {
                self.private(F::Email, e, stats)
            } else {
                stats.null(F::Email, NullReason::MalformedEmail);
                None
            }
        });
        let s = &self.sentinels;
        let gender = category(
            s,
            &mut self.genders,
            &row,
            layout,
            F::Gender,
            stats,
            vocab::gender,
        );

        let (mut birth_date, mut birth_year) = (None, None);
        let earliest_year = 1900;
        match self.normalise(&row, layout, F::DateOfBirth, stats, parse_date) {
            Some(DateValue::Full(d)) if d.year() >= earliest_year && d <= self.today => {
                birth_date = Some(d);
                birth_year = Some(d.year() as u16);
            }
            Some(DateValue::Year(y))
                if u32::from(y) >= earliest_year && u32::from(y) <= self.today.year() =>
            {
                stats.repair(F::DateOfBirth, Repair::YearOnly);
                birth_year = Some(y);
            }
            Some(_) => stats.null(F::DateOfBirth, NullReason::OutOfRange),
            None => {}
        }

        let country_of_residence_code = self.resolve_country(
            &row,
            layout,
            F::CountryOfResidence,
            candidates,
            stats,
            unresolved,
        );
        let country_of_origin_code = self.resolve_country(
            &row,
            layout,
            F::CountryOfOrigin,
            candidates,
            stats,
            unresolved,
        );
        let city_of_residence_id = match (
            self.text(&row, layout, F::CityOfResidence, stats),
            &country_of_residence_code,
        ) {
            (Some(_), None) => {
                stats.null(F::CityOfResidence, NullReason::NoCountry);
                None
            }
            (Some(city), Some(code)) => match self.city(&city, code) {
                Some((id, c, method)) => {
                    stats.resolved(F::CityOfResidence, method);
                    if method == Method::Unmatched {
                        unresolved.add(F::CityOfResidence, &city, 1);
                    }
                    if candidates.first(Kind::City, &id) {
                        candidates.dims.cities.push(City::clone(&c));
                    }
                    Some(id)
                }
                None => {
                    stats.null(F::CityOfResidence, NullReason::Unresolved);
                    None
                }
            },
            (None, _) => None,
        };

        let s = &self.sentinels;
        let education_level = category(
            s,
            &mut self.education,
            &row,
            layout,
            F::EducationLevel,
            stats,
            vocab::education,
        );
        let field_of_study = self
            .text(&row, layout, F::FieldOfStudy, stats)
            .map(|s| collapse_whitespace(&s).into_owned());
        let s = &self.sentinels;
        let employment_status = category(
            s,
            &mut self.employment,
            &row,
            layout,
            F::EmploymentStatus,
            stats,
            vocab::employment,
        );

        let mut skills = Vec::new();
        if let Some(cell) = self.text(&row, layout, F::SkillsList, stats) {
            let tokens = &mut self.skill_tokens;
            parse_skills(&cell, &self.sentinels, stats, &mut self.skills, tokens);
            skills.reserve_exact(tokens.len());
            for token in tokens.drain(..) {
                if candidates.first(Kind::Skill, &token.name) {
                    // Copied as `str`: a key's `to_string` goes through `Display` and its padding.
                    candidates.dims.skills.push(Skill {
                        name: String::from(&*token.name),
                        display_name: String::from(&*token.display),
                    });
                }
                skills.push(token.name);
            }
        }

        let bio = self.text(&row, layout, F::Bio, stats).map(Cow::into_owned);

        let mut enrollments = Vec::new();
        if let Some(cell) = self.text(&row, layout, F::Enrollments, stats) {
            let parsed = &mut self.enrollments;
            match parse_enrollments(&cell, stats, &mut self.keys, &mut self.statuses, parsed) {
                Ok(()) => {
                    enrollments.reserve_exact(parsed.len());
                    for p in parsed.drain(..) {
                        if let Some(program) = &p.program {
                            if candidates.first(Kind::Program, program) {
                                candidates.dims.programs.push(Program {
                                    name: String::from(&**program),
                                });
                            }
                        }
                        if candidates.first(Kind::Cohort, &p.enrollment.cohort_id) {
                            candidates.dims.cohorts.push(Cohort {
                                id: String::from(&*p.enrollment.cohort_id),
                                program: p.program.as_deref().map(str::to_string),
                            });
                        }
                        enrollments.push(p.enrollment);
                    }
                }
                Err(reason) => stats.null(F::Enrollments, reason),
            }
        }

        let signup_at = self.normalise(&row, layout, F::SignupDate, stats, |s| self.timestamp(s));
        let last_active_at =
            self.normalise(&row, layout, F::LastActiveAt, stats, |s| self.timestamp(s));
        let assessment_score = self.normalise(&row, layout, F::AssessmentScore, stats, |s| {
            let x: f64 = s.trim().parse().map_err(|_| NullReason::Unparseable)?;
            if x.is_finite() && (0.0..=100.0).contains(&x) {
                Ok(x)
            } else {
                Err(NullReason::OutOfRange)
            }
        });

        let mut learner = Learner {
            learner_id,
            full_name,
            email,
            gender,
            birth_date,
            birth_year,
            country_of_residence_code,
            city_of_residence_id,
            country_of_origin_code,
            education_level,
            field_of_study,
            employment_status,
            skills,
            bio,
            signup_at,
            last_active_at,
            assessment_score,
            source_row: row.meta.line,
            content_hash: 0,
            enrollments,
        };
        learner.content_hash = content_hash(&learner, &mut self.hash_buf);
        learner
    }

    fn private(&self, field: Field, value: Cow<'_, str>, stats: &mut FieldStats) -> Option<String> {
        let mode = if field == Field::Email {
            self.privacy.email_mode()
        } else {
            self.privacy.full_name_mode()
        };
        let out = self.privacy.apply(mode, value);
        if out.is_none() {
            stats.null(field, NullReason::PrivacyDropped);
        }
        out
    }
}

/// The non-null bytes of `field`, or `None` with the reason counted.
fn cell<'r>(
    sentinels: &Sentinels,
    row: &Row<'r>,
    layout: &ColumnLayout,
    field: Field,
    stats: &mut FieldStats,
) -> Option<&'r [u8]> {
    let Some(col) = layout.column(field) else {
        stats.null(field, NullReason::ColumnAbsent);
        return None;
    };
    let v = row.get(col);
    match null_reason(sentinels, v.trim_ascii()) {
        Some(reason) => {
            stats.null(field, reason);
            None
        }
        None => Some(v),
    }
}

/// Why a cell, trimmed of ASCII whitespace, is null: empty, or one of the sentinels.
fn null_reason(sentinels: &Sentinels, trimmed: &[u8]) -> Option<NullReason> {
    if trimmed.is_empty() {
        Some(NullReason::Empty)
    } else if sentinels.is_null(trimmed) {
        Some(NullReason::Sentinel)
    } else {
        None
    }
}

/// A vocabulary field through its cache; nulls are counted as on the uncached path. A free
/// function, so that the cache and the sentinels borrow different fields of the transformer.
fn category<T: Copy>(
    sentinels: &Sentinels,
    cache: &mut VocabCache<T>,
    row: &Row<'_>,
    layout: &ColumnLayout,
    field: Field,
    stats: &mut FieldStats,
    normalise: fn(&str) -> Result<T, NullReason>,
) -> Option<T> {
    let raw = cell(sentinels, row, layout, field, stats)?;
    let result = cache.get_or(raw, || {
        let mut scratch = FieldStats::default();
        clean(raw, field, &mut scratch)
            .ok_or(NullReason::Empty)
            .and_then(|text| normalise(&text))
    });
    result.map_err(|reason| stats.null(field, reason)).ok()
}

/// One `@`, a non-empty local part, a dotted domain, no spaces: enough to tell an address from noise.
fn is_plausible_email(e: &str) -> bool {
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A stable hash of everything the graph stores about a learner except `source_row`.
///
/// Each value is written with a tag and a length, so that no two different learners encode alike;
/// the encoding is part of the incremental-load contract and changes only with a version note
/// (the tests pin two digests). The encoding goes into `buf` (cleared first, a worker's reused
/// buffer) and is hashed in one call: forty streaming updates of a few bytes each cost about a
/// third more (callgrind), and one-shot XXH3 of the bytes equals the streaming digest of them.
fn content_hash(l: &Learner, buf: &mut Vec<u8>) -> u64 {
    fn s(buf: &mut Vec<u8>, tag: u8, v: Option<&str>) {
        buf.push(tag);
        match v {
            Some(v) => {
                buf.extend_from_slice(&(v.len() as u64).to_le_bytes());
                buf.extend_from_slice(v.as_bytes());
            }
            None => buf.push(0xFF),
        }
    }
    fn n(buf: &mut Vec<u8>, tag: u8, v: Option<i64>) {
        buf.push(tag);
        match v {
            Some(v) => buf.extend_from_slice(&v.to_le_bytes()),
            None => buf.push(0xFF),
        }
    }
    let date = |d: Option<Date>| d.map(|d| d.days_since_epoch());
    let time = |t: Option<DateTime>| t.map(|t| t.unix_seconds());
    let float = |x: Option<f64>| x.map(|x| x.to_bits() as i64);
    buf.clear();
    s(buf, 1, Some(&l.learner_id));
    s(buf, 2, l.full_name.as_deref());
    s(buf, 3, l.email.as_deref());
    s(buf, 4, l.gender.map(|g| g.as_str()));
    n(buf, 5, date(l.birth_date));
    n(buf, 6, l.birth_year.map(i64::from));
    s(buf, 7, l.country_of_residence_code.as_deref());
    s(buf, 8, l.city_of_residence_id.as_deref());
    s(buf, 9, l.country_of_origin_code.as_deref());
    s(buf, 10, l.education_level.map(|e| e.as_str()));
    s(buf, 11, l.field_of_study.as_deref());
    s(buf, 12, l.employment_status.map(|e| e.as_str()));
    for skill in &l.skills {
        s(buf, 13, Some(skill));
    }
    s(buf, 14, l.bio.as_deref());
    n(buf, 15, time(l.signup_at));
    n(buf, 16, time(l.last_active_at));
    n(buf, 17, float(l.assessment_score));
    for e in &l.enrollments {
        s(buf, 18, Some(&e.cohort_id));
        s(buf, 19, e.status.map(|x| x.as_str()));
        n(buf, 20, date(e.enrolled_at));
        n(buf, 21, date(e.completed_at));
        n(buf, 22, float(e.score));
    }
    xxh3_64(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PrivacyMode;
    use learngraph_source::{prescan, BatchReader, SourceConfig};

    const HEADER: &str = "learner_id,full_name,email,gender,date_of_birth,country_of_residence,city_of_residence,country_of_origin,education_level,field_of_study,employment_status,skills_list,bio,enrollments,signup_date,last_active_at,assessment_score";

    fn transform(rows: &[&str], privacy: Privacy) -> (Vec<Learner>, Dimensions, FieldStats) {
        transform_bytes(rows.join("\n").as_bytes(), privacy)
    }

    /// `transform` of rows given as bytes, which need not be UTF-8.
    fn transform_bytes(body: &[u8], privacy: Privacy) -> (Vec<Learner>, Dimensions, FieldStats) {
        let dir = std::env::temp_dir().join(format!("lg-transform-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("t{}.csv", xxhash_rust::xxh3::xxh3_64(body)));
        std::fs::write(&path, [HEADER.as_bytes(), b"\n", body, b"\n"].concat()).unwrap();
        let config = SourceConfig::default();
        let index = prescan(std::slice::from_ref(&path), &config, 1, &|_| {}).unwrap();
        let mut reader = BatchReader::new(&config, &index);
        let batch = reader.next_batch().unwrap().unwrap();
        let mut t = Transformer::new(
            Sentinels::new(&config.sentinels),
            privacy,
            Date::new(2026, 11, 23).unwrap(),
            Arc::new(GeoResolver::new()),
        );
        let out = t.transform_batch(&batch, Vec::new());
        std::fs::remove_file(&path).unwrap();
        (out.learners, out.candidates, out.stats)
    }

    fn keep() -> Privacy {
        Privacy::with_salt(PrivacyMode::Keep, PrivacyMode::Keep, b"")
    }

    /// The learners are handed over in runs of the size asked, the last one shorter, each once
    /// and in order; the batch is the one `transform_batch` makes.
    #[test]
    fn learners_are_handed_over_in_runs_as_they_are_made() {
        let dir = std::env::temp_dir().join(format!("lg-transform-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("runs.csv");
        let rows: String = (1..=7)
            .map(|i| format!("L{i},Name {i}{}\n", ",".repeat(15)))
            .collect();
        std::fs::write(&path, format!("{HEADER}\n{rows}")).unwrap();
        let config = SourceConfig::default();
        let index = prescan(std::slice::from_ref(&path), &config, 1, &|_| {}).unwrap();
        let batch = BatchReader::new(&config, &index)
            .next_batch()
            .unwrap()
            .unwrap();
        let mut t = Transformer::new(
            Sentinels::new(&config.sentinels),
            keep(),
            Date::new(2026, 11, 23).unwrap(),
            Arc::new(GeoResolver::new()),
        );
        let mut runs: Vec<Vec<String>> = Vec::new();
        let out = t.transform_batch_with(&batch, Vec::new(), 3, |made| {
            runs.push(made.iter().map(|l| l.learner_id.clone()).collect());
        });
        let sizes: Vec<usize> = runs.iter().map(Vec::len).collect();
        assert_eq!(sizes, [3, 3, 1]);
        let handed: Vec<String> = runs.concat();
        let ids: Vec<String> = out.learners.iter().map(|l| l.learner_id.clone()).collect();
        assert_eq!(handed, ids);
        assert_eq!(ids, (1..=7).map(|i| format!("L{i}")).collect::<Vec<_>>());
        assert_eq!(out.learners, t.transform_batch(&batch, Vec::new()).learners);
        std::fs::remove_file(&path).unwrap();
    }

    /// Each dimension node is offered once per batch, however many rows name it and however
    /// its name is spelt.
    #[test]
    fn a_batch_offers_each_dimension_once() {
        let enrolled = r#""[{""program"":""Data Science"",""cohort"":""DS-1"",""status"":""active""},{""program"":""Data Science"",""cohort"":""DS-2"",""status"":""active""}]""#;
        let rows: Vec<String> = ["egypt", "Egypt", " EGYPT", "EG"]
            .iter()
            .enumerate()
            .map(|(i, country)| {
                format!("L{i},,,,,{country},Cairo,Kenya,,,,\"Python, sql, python\",,{enrolled},,,")
            })
            .collect();
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let (learners, dims, _) = transform(&rows, keep());
        assert_eq!(learners.len(), 4);
        let mut countries: Vec<&str> = dims.countries.iter().map(|c| c.code.as_str()).collect();
        countries.sort_unstable();
        assert_eq!(countries, ["EG", "KE"]);
        assert_eq!(dims.cities.len(), 1);
        assert_eq!(dims.skills.len(), 2);
        assert_eq!(dims.programs.len(), 1);
        let cohorts: Vec<&str> = dims.cohorts.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(cohorts, ["DS-1", "DS-2"]);
    }

    /// Rows are checked whole (UTF-8, no NUL byte) and the cells of the others are repaired one by
    /// one: each NUL byte and each invalid sequence is mended and counted, whichever row and field
    /// it is in, and a character is never cut where a cell ends.
    #[test]
    fn nul_bytes_and_cut_characters_are_repaired_cell_by_cell() {
        let empty = ",".repeat(14);
        let rows = [
            format!("L1,Ami\0na,{empty}"),
            format!("L2,Amina,{empty}"),
            format!("L3,Amina,\0a@b.org{empty}"),
            format!("L4,Am\0ina\0,{empty}"),
        ];
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        let (learners, _, stats) = transform(&rows, keep());
        let names: Vec<_> = learners.iter().map(|l| l.full_name.as_deref()).collect();
        assert_eq!(names, [Some("Amina"); 4]);
        assert_eq!(learners[2].email.as_deref(), Some("a@b.org"));
        assert_eq!(stats.repairs(Field::FullName, Repair::NulRemoved), 2);
        assert_eq!(stats.repairs(Field::Email, Repair::NulRemoved), 1);

        // The row's bytes are UTF-8 as a whole, but the name ends with the first byte of `é`
        // and the email starts with its second: each cell is repaired on its own.
        let row = [b"L1,Amina\xC3,\xA9a@b.org".as_slice(), empty.as_bytes()].concat();
        let (learners, _, stats) = transform_bytes(&row, keep());
        assert_eq!(learners[0].full_name.as_deref(), Some("Amina\u{FFFD}"));
        assert_eq!(learners[0].email.as_deref(), Some("\u{FFFD}a@b.org"));
        assert_eq!(stats.repairs(Field::FullName, Repair::InvalidUtf8), 1);
        assert_eq!(stats.repairs(Field::Email, Repair::InvalidUtf8), 1);
    }

    #[test]
    fn a_full_row_is_normalised_field_by_field() {
        let row = r#"L1,  Amina   Yusuf ,Amina@Example.ORG ,F,12/04/1998,egypt ,Cairo,Nigeria,BSc,Computer  Science,Self-employed,"Python, python ,SQL","Line 1
Line 2","[{""program"":""Data Science"",""cohort"":""DS-2023-07"",""status"":""graduated"",""enrolled_at"":""2023-07-01"",""score"":87.5}]",2023-07-01 09:12:44,2024-01-02T10:00:00+02:00,87.5"#;
        let (learners, dims, stats) = transform(&[row], keep());
        let l = &learners[0];
        assert_eq!(l.learner_id, "L1");
        assert_eq!(l.full_name.as_deref(), Some("Amina Yusuf"));
        assert_eq!(l.email.as_deref(), Some("amina@example.org"));
        assert_eq!(l.gender, Some(learngraph_model::Gender::Female));
        assert_eq!(
            l.birth_date.map(|d| d.to_string()).as_deref(),
            Some("1998-04-12")
        );
        assert_eq!(l.birth_year, Some(1998));
        assert_eq!(l.country_of_residence_code.as_deref(), Some("EG"));
        assert_eq!(l.country_of_origin_code.as_deref(), Some("NG"));
        assert_eq!(
            l.city_of_residence_id.as_deref(),
            Some("gn-360630"),
            "GeoNames: Cairo"
        );
        assert_eq!(
            l.education_level,
            Some(learngraph_model::EducationLevel::Bachelor)
        );
        assert_eq!(l.field_of_study.as_deref(), Some("Computer Science"));
        assert_eq!(
            l.employment_status,
            Some(learngraph_model::EmploymentStatus::SelfEmployed)
        );
        assert_eq!(l.skills, vec![Key::from("python"), Key::from("sql")]);
        assert_eq!(l.bio.as_deref(), Some("Line 1\nLine 2"));
        assert_eq!(l.enrollments.len(), 1);
        assert_eq!(l.signup_at.unwrap().to_string(), "2023-07-01T09:12:44Z");
        assert_eq!(
            l.last_active_at.unwrap().to_string(),
            "2024-01-02T08:00:00Z"
        );
        assert_eq!(l.assessment_score, Some(87.5));
        assert_eq!(l.source_row, 2);
        // The digest is stored by the databases for incremental loads: a change of encoding would
        // make every stored learner look changed, so the value itself is pinned.
        assert_eq!(
            l.content_hash, 15_267_124_699_224_724_916,
            "content_hash of the full row"
        );
        let displays: Vec<&str> = dims
            .skills
            .iter()
            .map(|s| s.display_name.as_str())
            .collect();
        assert_eq!(displays, ["Python", "SQL"]);
        assert_eq!(dims.countries.len(), 2);
        assert_eq!(dims.cohorts[0].program.as_deref(), Some("Data Science"));
        assert_eq!(
            stats.nulls_by_field().len(),
            0,
            "{:?}",
            stats.nulls_by_field()
        );
    }

    #[test]
    fn bad_values_become_counted_nulls_and_the_row_survives() {
        let row = "L2,,not-an-email,Prefer not to say,2031-02-30,-99,Lagos,N/A,astronaut,-99,??,,,[{oops,yesterday,2099-01-01,120";
        let (learners, _, stats) = transform(&[row], keep());
        let l = &learners[0];
        use NullReason::*;
        for (field, reason) in [
            (Field::FullName, Empty),
            (Field::Email, MalformedEmail),
            (Field::Gender, Declined),
            (Field::DateOfBirth, ImpossibleDate),
            (Field::CountryOfResidence, Sentinel),
            (Field::CityOfResidence, NoCountry),
            (Field::CountryOfOrigin, Sentinel),
            (Field::EducationLevel, Unrecognised),
            (Field::FieldOfStudy, Sentinel),
            (Field::EmploymentStatus, Unrecognised),
            (Field::SkillsList, Empty),
            (Field::Bio, Empty),
            (Field::Enrollments, InvalidJson),
            (Field::SignupDate, Unparseable),
            (Field::LastActiveAt, OutOfRange),
            (Field::AssessmentScore, OutOfRange),
        ] {
            assert_eq!(stats.nulls(field, reason), 1, "{field} {reason:?}");
        }
        let expected = Learner {
            learner_id: "L2".into(),
            source_row: 2,
            content_hash: l.content_hash,
            ..Learner::default()
        };
        assert_eq!(*l, expected);
        assert_eq!(
            l.content_hash, 9_562_834_864_990_591_175,
            "content_hash of a learner of nulls"
        );
    }

    #[test]
    fn category_caches_count_every_null() {
        let rows = [
            "L1,,,-99,,,,,,,,,,,,,",
            "L2,,,-99,,,,,,,,,,,,,",
            "L3,,,x,,,,,,,,,,,,,",
            "L4,,,x,,,,,,,,,,,,,",
        ];
        let (_, _, stats) = transform(&rows, keep());
        assert_eq!(stats.nulls(Field::Gender, NullReason::Sentinel), 2);
        assert_eq!(stats.nulls(Field::Gender, NullReason::Unrecognised), 2);
    }

    #[test]
    fn privacy_hashes_and_drops() {
        let row = "L3,Amina Yusuf,a@b.org,,,,,,,,,,,,,,";
        let p = Privacy::with_salt(PrivacyMode::Hash, PrivacyMode::Drop, b"pepper");
        let (learners, _, stats) = transform(&[row], p);
        let l = &learners[0];
        assert_eq!(l.full_name, None);
        assert_eq!(stats.nulls(Field::FullName, NullReason::PrivacyDropped), 1);
        let email = l.email.as_deref().unwrap();
        assert_eq!(email.len(), 64);
        assert!(!email.contains("a@b.org"));
        // One address however it is cased: the hash is of the normalised value.
        let p = || Privacy::with_salt(PrivacyMode::Hash, PrivacyMode::Drop, b"pepper");
        for spelling in ["A@B.org", " a@b.ORG ", "\"a@b.org\""] {
            let row = format!("L3,Amina Yusuf,{spelling},,,,,,,,,,,,,,");
            let (others, _, _) = transform(&[row.as_str()], p());
            assert_eq!(others[0].email.as_deref(), Some(email), "{spelling}");
        }
    }

    #[test]
    fn the_content_hash_tracks_content_not_position() {
        let a = "L4,Ann,,,,,,,,,,Python,,,,,";
        let b = "L4,Ann,,,,,,,,,,python ; PYTHON,,,,,";
        let c = "L4,Anne,,,,,,,,,,Python,,,,,";
        let (la, _, _) = transform(&[a], keep());
        let (lb, _, _) = transform(&["L0,x,,,,,,,,,,,,,,,", b], keep());
        let (lc, _, _) = transform(&[c], keep());
        assert_eq!(
            la[0].content_hash, lb[1].content_hash,
            "same content, other line"
        );
        assert_ne!(la[0].source_row, lb[1].source_row);
        assert_ne!(la[0].content_hash, lc[0].content_hash);
    }

    #[test]
    fn year_only_birth_dates_keep_the_year() {
        let rows = ["L5,,,,1998,,,,,,,,,,,,", "L6,,,,1850,,,,,,,,,,,,"];
        let (learners, _, stats) = transform(&rows, keep());
        assert_eq!(
            (learners[0].birth_date, learners[0].birth_year),
            (None, Some(1998))
        );
        assert_eq!(stats.repairs(Field::DateOfBirth, Repair::YearOnly), 1);
        assert_eq!(learners[1].birth_year, None);
        assert_eq!(stats.nulls(Field::DateOfBirth, NullReason::OutOfRange), 1);
    }
}
