//! The row writer, and the bookkeeping that turns what was written into a [`Manifest`].

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use crate::data::{self, CountryData};
use crate::rng::{splitmix64, Rng, Weighted};

/// What to generate.
#[derive(Clone, Debug)]
pub struct GeneratorConfig {
    /// Data rows (the header is extra).
    pub rows: u64,
    /// Seed of the random stream.
    pub seed: u64,
}

/// Ground truth about a generated export: what a correct load of it must produce.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The seed.
    pub seed: u64,
    /// Records after the header.
    pub rows: u64,
    /// Distinct learners a load must hold.
    pub loaded: u64,
    /// Valid rows superseded by a later row with the same id.
    pub merged: u64,
    /// Rows a load must quarantine.
    pub quarantined: u64,
    /// Quarantined rows by reason code.
    pub quarantined_by_reason: BTreeMap<String, u64>,
    /// Nodes a load must create, by label (geography excluded: it depends on resolution).
    pub nodes: BTreeMap<String, u64>,
    /// Relationships a load must create, by type (geography excluded).
    pub relationships: BTreeMap<String, u64>,
    /// Loaded learners whose enrollments cell is malformed JSON.
    pub invalid_enrollments_json: u64,
    /// Loaded learners whose birth date does not exist (such as `2031-02-30`).
    pub impossible_birth_dates: u64,
    /// Loaded learners by ISO alpha-2 of residence; `-` for a sentinel or unresolvable name.
    pub residence_by_country: BTreeMap<String, u64>,
}

/// The winning row's facts for one learner id, kept until the end to count nodes.
#[derive(Clone, Copy, Default)]
struct Profile {
    valid: bool,
    skills: u64,
    cohorts: [u16; 3],
    n_cohorts: u8,
    invalid_json: bool,
    impossible_dob: bool,
    residence: u16,
}

const NO_COUNTRY: u16 = u16::MAX;
const COLUMNS: usize = 17;
const HEADER: &str = "learner_id,full_name,email,gender,date_of_birth,country_of_residence,city_of_residence,country_of_origin,education_level,field_of_study,employment_status,skills_list,bio,enrollments,signup_date,last_active_at,assessment_score";
const MONTHS: u32 = (data::COHORT_YEARS.1 - data::COHORT_YEARS.0 + 1) * 12;

struct Country {
    alpha2: &'static str,
    spellings: Vec<&'static str>,
    cities: &'static [&'static [&'static str]],
}

struct Tables {
    countries: Vec<Country>,
    country_weights: Weighted,
    gender: Weighted,
    education: Weighted,
    employment: Weighted,
}

impl Tables {
    fn new() -> Tables {
        let mut countries: Vec<Country> = data::MAIN_COUNTRIES
            .iter()
            .map(|c: &CountryData| Country {
                alpha2: c.alpha2,
                spellings: c.spellings.to_vec(),
                cities: c.cities,
            })
            .collect();
        let mut weights: Vec<u64> = data::MAIN_COUNTRIES.iter().map(|c| c.weight).collect();
        for entry in data::TAIL_COUNTRIES.split('|') {
            let mut parts = entry.split(';');
            let (Some(a2), Some(a3), Some(name)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            if countries.iter().any(|c| c.alpha2 == a2) {
                continue;
            }
            // Tail countries are written by name or alpha-3; never alpha-2, since `NA` (Namibia)
            // is also a sentinel and the truth would be unknowable.
            countries.push(Country {
                alpha2: a2,
                spellings: vec![name, a3],
                cities: &[],
            });
            weights.push(3);
        }
        let w = |t: &[(&str, u64)]| Weighted::new(t.iter().map(|(_, w)| *w));
        Tables {
            countries,
            country_weights: Weighted::new(weights),
            gender: w(data::GENDERS),
            education: w(data::EDUCATION),
            employment: w(data::EMPLOYMENT),
        }
    }
}

/// What a row is, decided before it is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Normal,
    TooFew,
    TooMany,
    MissingKey,
    Truncated,
}

/// Writes a synthetic export of `config.rows` rows to `out` and returns its manifest.
pub fn generate(config: &GeneratorConfig, out: impl Write) -> io::Result<Manifest> {
    let tables = Tables::new();
    let mut rng = Rng::new(config.seed);
    let mut w = io::BufWriter::with_capacity(1 << 20, out);
    w.write_all(b"\xEF\xBB\xBF")?;
    w.write_all(HEADER.as_bytes())?;
    w.write_all(b"\r\n")?;

    let mut profiles: Vec<Profile> = Vec::with_capacity(config.rows as usize);
    let mut manifest = Manifest {
        seed: config.seed,
        rows: config.rows,
        ..Manifest::default()
    };
    let mut fields: [Vec<u8>; COLUMNS] = Default::default();
    let mut line: Vec<u8> = Vec::with_capacity(4096);

    for i in 0..config.rows {
        let kind = if i + 1 == config.rows && config.rows > 1 {
            Kind::Truncated
        } else {
            match rng.below(10_000) {
                0..=4 => Kind::TooFew,
                5..=9 => Kind::TooMany,
                10..=14 => Kind::MissingKey,
                _ => Kind::Normal,
            }
        };
        // 1.5% of rows re-export an earlier learner; broken rows reuse an id half of the time.
        let reuse = !profiles.is_empty()
            && match kind {
                Kind::Normal => rng.chance(0.015),
                Kind::TooFew | Kind::TooMany => rng.chance(0.5),
                _ => false,
            };
        let id_no = if reuse {
            rng.below(profiles.len() as u64) as usize
        } else {
            profiles.push(Profile {
                residence: NO_COUNTRY,
                ..Profile::default()
            });
            profiles.len() - 1
        };
        for f in &mut fields {
            f.clear();
        }
        let profile = write_learner(
            &mut rng,
            &tables,
            config.seed,
            id_no as u64,
            kind,
            &mut fields,
        );

        line.clear();
        let n = match kind {
            Kind::TooFew => COLUMNS - rng.range(1, 6) as usize,
            _ => COLUMNS,
        };
        for (j, f) in fields[..n].iter().enumerate() {
            if j > 0 {
                line.push(b',');
            }
            if kind == Kind::Truncated && j == 12 {
                // The bio's quote opens and the file ends: a row cut off mid-field.
                line.push(b'"');
                line.extend_from_slice(b"This row was cut off in the middle of its bio");
                break;
            }
            push_field(&mut line, f, rng.chance(0.03));
        }
        if kind == Kind::TooMany {
            for _ in 0..rng.range(1, 3) {
                line.extend_from_slice(b",extra");
            }
        }
        if kind != Kind::Truncated {
            line.extend_from_slice(if rng.chance(0.85) { b"\r\n" } else { b"\n" });
        }
        w.write_all(&line)?;

        match kind {
            Kind::Normal => {
                let slot = &mut profiles[id_no];
                if slot.valid {
                    manifest.merged += 1;
                }
                *slot = profile;
            }
            other => {
                let reason = match other {
                    Kind::TooFew => "too_few_fields",
                    Kind::TooMany => "too_many_fields",
                    Kind::MissingKey => "missing_key",
                    _ => "unterminated_quote",
                };
                manifest.quarantined += 1;
                *manifest
                    .quarantined_by_reason
                    .entry(reason.into())
                    .or_default() += 1;
            }
        }
    }
    w.flush()?;
    tally(&mut manifest, &profiles, &tables);
    Ok(manifest)
}

fn tally(m: &mut Manifest, profiles: &[Profile], tables: &Tables) {
    let mut skills = 0u64;
    let mut cohorts = vec![false; data::PROGRAMS.len() * MONTHS as usize];
    let (mut has_skill, mut enrolled_in) = (0, 0);
    for p in profiles.iter().filter(|p| p.valid) {
        m.loaded += 1;
        skills |= p.skills;
        has_skill += u64::from(p.skills.count_ones());
        enrolled_in += u64::from(p.n_cohorts);
        for &c in &p.cohorts[..usize::from(p.n_cohorts)] {
            cohorts[usize::from(c)] = true;
        }
        m.invalid_enrollments_json += u64::from(p.invalid_json);
        m.impossible_birth_dates += u64::from(p.impossible_dob);
        let code = match p.residence {
            NO_COUNTRY => "-",
            i => tables.countries[usize::from(i)].alpha2,
        };
        *m.residence_by_country.entry(code.into()).or_default() += 1;
    }
    let n_cohorts = cohorts.iter().filter(|&&c| c).count() as u64;
    let programs = (0..data::PROGRAMS.len())
        .filter(|p| cohorts[p * MONTHS as usize..(p + 1) * MONTHS as usize].contains(&true))
        .count() as u64;
    m.nodes = BTreeMap::from([
        ("Learner".into(), m.loaded),
        ("Skill".into(), u64::from(skills.count_ones())),
        ("Cohort".into(), n_cohorts),
        ("Program".into(), programs),
    ]);
    m.relationships = BTreeMap::from([
        ("HAS_SKILL".into(), has_skill),
        ("ENROLLED_IN".into(), enrolled_in),
        ("IN_PROGRAM".into(), n_cohorts),
    ]);
}

/// Writes one CSV field, quoted when it must be (and sometimes when it need not be).
fn push_field(line: &mut Vec<u8>, f: &[u8], force_quotes: bool) {
    if force_quotes || f.iter().any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        line.push(b'"');
        for &b in f {
            if b == b'"' {
                line.push(b'"');
            }
            line.push(b);
        }
        line.push(b'"');
    } else {
        line.extend_from_slice(f);
    }
}

fn learner_id(seed: u64, n: u64) -> String {
    let mut x = n ^ seed.rotate_left(17);
    let h = splitmix64(&mut x);
    if h % 5 == 0 {
        let g = splitmix64(&mut x);
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            h >> 32,
            (h >> 16) & 0xFFFF,
            h & 0xFFF,
            0x8000 | (g >> 48) & 0x3FFF,
            g & 0xFFFF_FFFF_FFFF
        )
    } else {
        format!("L{:07}", n + 1)
    }
}

fn variant(rng: &mut Rng, s: &str, out: &mut Vec<u8>) {
    match rng.below(20) {
        0..=2 => out.extend_from_slice(s.to_lowercase().as_bytes()),
        3..=4 => out.extend_from_slice(s.to_uppercase().as_bytes()),
        5..=6 => {
            out.extend_from_slice(b"  ");
            out.extend_from_slice(s.as_bytes());
            out.push(b' ');
        }
        _ => out.extend_from_slice(s.as_bytes()),
    }
}

const SENTINELS: &[&str] = &["-99", "N/A", "", "null", "-99.0"];

fn sentinel(rng: &mut Rng) -> &'static str {
    SENTINELS[rng.below(SENTINELS.len() as u64) as usize]
}

fn weighted_str(rng: &mut Rng, table: &[(&'static str, u64)], w: &Weighted) -> &'static str {
    table[w.sample(rng)].0
}

/// Fills the 17 fields of a learner and returns the facts a correct load must derive from them.
fn write_learner(
    rng: &mut Rng,
    t: &Tables,
    seed: u64,
    id_no: u64,
    kind: Kind,
    f: &mut [Vec<u8>; COLUMNS],
) -> Profile {
    let mut p = Profile {
        valid: kind == Kind::Normal,
        residence: NO_COUNTRY,
        ..Profile::default()
    };
    // learner_id
    if kind == Kind::MissingKey {
        f[0].extend_from_slice(rng.pick(&["", "-99", "N/A", "  "]).as_bytes());
    } else {
        f[0].extend_from_slice(learner_id(seed, id_no).as_bytes());
    }
    // full_name
    let given = *rng.pick(data::GIVEN_NAMES);
    let family = *rng.pick(data::FAMILY_NAMES);
    if !rng.chance(0.03) {
        let sep = if rng.chance(0.05) { "   " } else { " " };
        let _ = write!(f[1], "{given}{sep}{family}");
    }
    // email
    let handle = *rng.pick(&[
        "amina", "mo", "kwame", "grace", "youssef", "abebe", "ngozi", "sipho", "nour", "omar",
    ]);
    let domain = *rng.pick(&[
        "gmail.com",
        "yahoo.com",
        "outlook.com",
        "alustudent.com",
        "hotmail.fr",
    ]);
    match rng.below(100) {
        0..=1 => {
            let _ = write!(f[2], "{handle}{id_no}@");
        }
        2 => {
            let _ = write!(f[2], "{handle} {id_no}@{domain}");
        }
        3..=7 => {}
        8..=10 => {
            let _ = write!(
                f[2],
                "{}{id_no}@{}",
                handle.to_uppercase(),
                domain.to_uppercase()
            );
        }
        _ => {
            let _ = write!(f[2], "{handle}.{id_no}@{domain}");
        }
    }
    // gender
    f[3].extend_from_slice(weighted_str(rng, data::GENDERS, &t.gender).as_bytes());
    // date_of_birth
    let (y, m, d) = (rng.range(1960, 2006), rng.range(1, 12), rng.range(1, 28));
    match rng.below(1000) {
        0..=4 => {
            p.impossible_dob = true;
            f[4].extend_from_slice(
                rng.pick(&["2031-02-30", "31/04/1999", "1999-13-01", "30/02/2001"])
                    .as_bytes(),
            );
        }
        5..=449 => {
            let _ = write!(f[4], "{y:04}-{m:02}-{d:02}");
        }
        450..=699 => {
            let _ = write!(f[4], "{d:02}/{m:02}/{y:04}");
        }
        700..=749 => {
            let _ = write!(f[4], "{y}");
        }
        750..=899 => f[4].extend_from_slice(b"-99"),
        _ => {}
    }
    // country_of_residence and city
    let roll = rng.below(100);
    let ci = t.country_weights.sample(rng);
    let country = &t.countries[ci];
    if roll < 3 {
        f[5].extend_from_slice(sentinel(rng).as_bytes());
    } else if roll < 4 {
        f[5].extend_from_slice(rng.pick(data::UNRESOLVABLE_COUNTRIES).as_bytes());
    } else {
        p.residence = ci as u16;
        let s = if rng.chance(0.5) {
            country.spellings[0]
        } else {
            *rng.pick(&country.spellings)
        };
        f[5].extend_from_slice(s.as_bytes());
        if !country.cities.is_empty() && !rng.chance(0.08) {
            let city = country.cities[(rng.below(country.cities.len() as u64 * 2) as usize)
                .min(rng.below(country.cities.len() as u64) as usize)];
            let name = if rng.chance(0.6) {
                city[0]
            } else {
                *rng.pick(city)
            };
            if rng.chance(0.01) && name.is_ascii() && name.len() > 3 {
                // A typo: two neighbouring letters swapped.
                let mut b = name.as_bytes().to_vec();
                let k = rng.range(1, b.len() as u64 - 2) as usize;
                b.swap(k, k + 1);
                f[6].extend_from_slice(&b);
            } else {
                variant(rng, name, &mut f[6]);
            }
        }
    }
    if f[6].is_empty() && rng.chance(0.3) {
        f[6].extend_from_slice(b"-99");
    }
    // country_of_origin
    if rng.chance(0.85) && p.residence != NO_COUNTRY {
        f[7].extend_from_slice(rng.pick(&country.spellings).as_bytes());
    } else if rng.chance(0.9) {
        let other = &t.countries[t.country_weights.sample(rng)];
        f[7].extend_from_slice(other.spellings[0].as_bytes());
    } else {
        f[7].extend_from_slice(sentinel(rng).as_bytes());
    }
    // education, field of study, employment
    f[8].extend_from_slice(weighted_str(rng, data::EDUCATION, &t.education).as_bytes());
    match rng.below(100) {
        0..=9 => f[9].extend_from_slice(b"-99"),
        10..=14 => {}
        _ => f[9].extend_from_slice(rng.pick(data::FIELDS_OF_STUDY).as_bytes()),
    }
    f[10].extend_from_slice(weighted_str(rng, data::EMPLOYMENT, &t.employment).as_bytes());
    // skills_list
    let n_skills = rng.below(7);
    let mut chosen: Vec<usize> = Vec::with_capacity(8);
    while (chosen.len() as u64) < n_skills {
        let s = rng.below(data::SKILLS.len() as u64) as usize;
        if !chosen.contains(&s) {
            chosen.push(s);
        }
    }
    for &s in &chosen {
        p.skills |= 1 << s;
    }
    if let (true, Some(&first)) = (rng.chance(0.1), chosen.first()) {
        chosen.push(first); // the same skill twice in one cell, in another case
    }
    if chosen.is_empty() {
        f[11].extend_from_slice(rng.pick(&["", "-99", "[]"]).as_bytes());
    } else {
        match rng.below(20) {
            0..=10 => join_skills(rng, &chosen, b", ", &mut f[11]),
            11..=14 => join_skills(rng, &chosen, b";", &mut f[11]),
            15 => join_skills(rng, &chosen, b" | ", &mut f[11]),
            _ => {
                f[11].push(b'[');
                for (k, &s) in chosen.iter().enumerate() {
                    if k > 0 {
                        f[11].push(b',');
                    }
                    f[11].push(b'"');
                    variant(rng, data::SKILLS[s], &mut f[11]);
                    f[11].push(b'"');
                }
                f[11].push(b']');
            }
        }
    }
    // bio
    write_bio(rng, &mut f[12]);
    // enrollments
    let n_enr = [0, 1, 1, 1, 1, 1, 2, 2, 2, 3][rng.below(10) as usize];
    if n_enr == 0 {
        f[13].extend_from_slice(rng.pick(&["[]", "[]", "", "-99"]).as_bytes());
    } else {
        let mut json = Vec::with_capacity(256);
        json.push(b'[');
        let mut k = 0;
        while k < n_enr {
            let prog = rng.below(data::PROGRAMS.len() as u64) as u16;
            let month = rng.below(u64::from(MONTHS)) as u16;
            let cohort = prog * MONTHS as u16 + month;
            if p.cohorts[..k].contains(&cohort) {
                continue;
            }
            p.cohorts[k] = cohort;
            if k > 0 {
                json.push(b',');
            }
            let (name, prefix) = data::PROGRAMS[usize::from(prog)];
            let year = data::COHORT_YEARS.0 + u32::from(month) / 12;
            let mon = u32::from(month) % 12 + 1;
            let status = *rng.pick(data::ENROLLMENT_STATUSES);
            let _ = write!(
                json,
                r#"{{"program":"{name}","cohort":"{prefix}-{year}-{mon:02}","status":"{status}","enrolled_at":"{year}-{mon:02}-01""#
            );
            if matches!(status, "graduated" | "completed") {
                let _ = write!(
                    json,
                    r#","completed_at":"{}-{:02}-15""#,
                    year + 1,
                    rng.range(1, 12)
                );
            }
            match rng.below(10) {
                0..=5 => {
                    let _ = write!(json, r#","score":{}.{}"#, rng.range(40, 99), rng.below(10));
                }
                6 => {
                    let _ = write!(json, r#","score":"{}""#, rng.range(40, 100));
                }
                7 => json.extend_from_slice(br#","score":null"#),
                _ => {}
            }
            json.push(b'}');
            k += 1;
        }
        json.push(b']');
        if rng.chance(0.005) {
            p.invalid_json = true;
            if rng.chance(0.5) {
                let cut = rng.range(1, json.len() as u64 - 2) as usize;
                json.truncate(cut);
            } else {
                for b in &mut json {
                    if *b == b'"' {
                        *b = b'\'';
                    }
                }
            }
        } else {
            p.n_cohorts = n_enr as u8;
        }
        f[13].extend_from_slice(&json);
    }
    // signup_date, last_active_at
    let (sy, sm, sd) = (rng.range(2019, 2025), rng.range(1, 12), rng.range(1, 28));
    let (h, mi, s) = (rng.below(24), rng.below(60), rng.below(60));
    match rng.below(20) {
        0..=9 => {
            let _ = write!(f[14], "{sy}-{sm:02}-{sd:02}T{h:02}:{mi:02}:{s:02}Z");
        }
        10..=15 => {
            let _ = write!(f[14], "{sy}-{sm:02}-{sd:02} {h:02}:{mi:02}:{s:02}");
        }
        16..=18 => {
            let _ = write!(f[14], "{sd:02}/{sm:02}/{sy}");
        }
        _ => {}
    }
    let ly = (sy + rng.below(2)).min(2025);
    match rng.below(10) {
        0..=6 => {
            let _ = write!(
                f[15],
                "{ly}-{:02}-{:02}T{:02}:{:02}:00Z",
                rng.range(1, 12),
                rng.range(1, 28),
                rng.below(24),
                rng.below(60)
            );
        }
        7..=8 => {
            let _ = write!(
                f[15],
                "{ly}-{:02}-{:02} 08:30:00",
                rng.range(1, 12),
                rng.range(1, 28)
            );
        }
        _ => {}
    }
    // assessment_score
    match rng.below(20) {
        0..=11 => {
            let _ = write!(f[16], "{}.{}", rng.range(20, 99), rng.below(10));
        }
        12..=13 => {
            let _ = write!(f[16], "{}", rng.range(0, 100));
        }
        14 => f[16].extend_from_slice(b"-99"),
        15 => f[16].extend_from_slice(b"-99.0"),
        16 => f[16].extend_from_slice(b"N/A"),
        _ => {}
    }
    p
}

fn join_skills(rng: &mut Rng, chosen: &[usize], sep: &[u8], out: &mut Vec<u8>) {
    for (k, &s) in chosen.iter().enumerate() {
        if k > 0 {
            out.extend_from_slice(sep);
        }
        variant(rng, data::SKILLS[s], out);
    }
}

fn write_bio(rng: &mut Rng, out: &mut Vec<u8>) {
    let roll = rng.below(100_000);
    if roll < 10_000 {
        return;
    }
    let parts = match roll {
        10_000..=24_999 => rng.range(2, 5),   // several lines
        25_000..=29_999 => rng.range(20, 80), // long
        99_999 => 1500,                       // about 100 KB
        _ => 1,
    };
    for k in 0..parts {
        if k > 0 {
            out.extend_from_slice(if parts > 1 && rng.chance(0.7) {
                b"\n"
            } else {
                b" "
            });
        }
        out.extend_from_slice(rng.pick(data::BIO_PARTS).as_bytes());
    }
    match rng.below(1000) {
        0 => out.insert(out.len() / 2, 0),            // a NUL byte
        1 => out.extend_from_slice(b" caf\xE9 \xFF"), // Latin-1 bytes: invalid UTF-8
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let run = |seed| {
            let mut buf = Vec::new();
            let m = generate(&GeneratorConfig { rows: 2000, seed }, &mut buf).unwrap();
            (buf, m)
        };
        let (a, ma) = run(7);
        let (b, mb) = run(7);
        let (c, _) = run(8);
        assert_eq!(a, b);
        assert_eq!(ma, mb);
        assert_ne!(a, c);
        assert!(a.starts_with(b"\xEF\xBB\xBFlearner_id,"));
    }

    #[test]
    fn the_manifest_accounts_for_every_row() {
        let m = generate(
            &GeneratorConfig {
                rows: 20_000,
                seed: 3,
            },
            io::sink(),
        )
        .unwrap();
        assert_eq!(m.loaded + m.merged + m.quarantined, m.rows);
        assert!(m.merged > 100, "duplicates are present: {}", m.merged);
        for reason in [
            "too_few_fields",
            "too_many_fields",
            "missing_key",
            "unterminated_quote",
        ] {
            assert!(
                m.quarantined_by_reason.get(reason).copied().unwrap_or(0) > 0,
                "{reason}"
            );
        }
        assert!(m.invalid_enrollments_json > 0 && m.impossible_birth_dates > 0);
        let eg = m.residence_by_country["EG"];
        assert!(
            eg > m.residence_by_country["GH"] && eg > m.loaded / 10,
            "Egypt leads"
        );
        assert!(
            m.residence_by_country.len() > 150,
            "a long tail: {}",
            m.residence_by_country.len()
        );
    }
}
