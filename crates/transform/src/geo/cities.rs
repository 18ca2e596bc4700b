//! City resolution within a resolved country, from an embedded GeoNames gazetteer.
//!
//! The gazetteer (`data/cities.tsv.gz`, places with 1,000 inhabitants or more, sorted by country
//! code) is decompressed when the crate is built and read in place; each country's rows are found
//! by binary search and its name index is built the first time that country is asked for, so a
//! run pays only for the countries it meets.
//!
//! A name is looked up, in order: as given (name or any alternate name, folded like country
//! names); without place-type words (`City`, `State`, `Governorate`, `CBD`, …); without Arabic
//! articles (`El-Giza`, `Al Jizah` → `Giza`); then as a typo within a small edit distance of
//! exactly one place. Among places with one name, the most populous wins.

use std::borrow::Cow;
// Built from the embedded tables and looked up with cleaned export values: a fast hash, not SipHash.
use foldhash::HashMap;
use std::ops::Range;
use std::sync::{Mutex, OnceLock, PoisonError};

use learngraph_model::City;

use learngraph_source::layout::edit_distance;

use super::fold::{fold, ByLength};
use crate::memo::Memo;

/// `data/cities.tsv.gz`, decompressed by the build script.
pub(super) const GAZETTEER: &str = include_str!(concat!(env!("OUT_DIR"), "/cities.tsv"));
const ALIASES: &str = include_str!("../../data/city-aliases.tsv");

/// Place-type words that do not name the place.
const PLACE_WORDS: &[&str] = &[
    "city",
    "state",
    "governorate",
    "gov",
    "cbd",
    "town",
    "municipality",
    "district",
    "province",
    "region",
    "metropolitan",
    "metro",
    "county",
    "area",
    "centre",
    "center",
    "downtown",
    "capital",
    "fct",
];

/// Arabic definite articles, as transliterated.
const ARTICLES: &[&str] = &[
    "el", "al", "ad", "as", "ash", "at", "az", "ar", "an", "ed", "es",
];

/// How a city was recognised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CityMethod {
    /// Its name or an alternate name.
    Name,
    /// After removing place-type words or articles.
    Variant,
    /// A small typo of exactly one place's name.
    Fuzzy,
}

/// A place of the gazetteer.
#[derive(Clone, Debug)]
struct Place {
    geonames_id: u64,
    name: String,
    admin1: String,
    latitude: f64,
    longitude: f64,
    population: u64,
}

/// One country's places and the index of their names.
#[derive(Debug, Default)]
struct CountryCities {
    places: Vec<Place>,
    by_key: HashMap<String, Vec<u32>>,
    /// Keys long enough for typo matching.
    keys: ByLength<()>,
    /// Typo searches already run, by folded key. The pre-flight and every transform worker
    /// meet the same unmatched spellings (in their own cases and spacings, which fold alike);
    /// the search reads hundreds of names, so each key is searched once per run. The memo is
    /// bounded (a few hundred distinct unmatched spellings per country is what exports hold;
    /// a full memo in each of 250 countries would be about 70 MB).
    typos: Mutex<Memo<Option<u32>>>,
}

impl CountryCities {
    /// The place `key` is a typo of, searched once per key.
    fn typo(&self, key: &str) -> Option<u32> {
        let lock = || self.typos.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(&hit) = lock().get(key.as_bytes()) {
            return hit;
        }
        // Searched outside the lock: two workers may search one key at once, and agree.
        let found = fuzzy(self, key);
        lock().remember(key.as_bytes(), found);
        found
    }

    /// The most populous of the places with one name; the first listed on a tie.
    fn pick(&self, ids: &[u32]) -> u32 {
        ids.iter()
            .copied()
            .max_by_key(|&i| (self.places[i as usize].population, std::cmp::Reverse(i)))
            .unwrap_or(ids[0])
    }
}

/// The gazetteer: the text and each country's lazily built index.
#[derive(Debug)]
pub struct Gazetteer {
    text: &'static str,
    /// The rows, after the header comment.
    body: Range<usize>,
    /// By alpha-2 code (`AA` to `ZZ`, 26 × 26): `None` for a code without places.
    indexes: Vec<OnceLock<Option<CountryCities>>>,
}

/// The third tab-separated field of a gazetteer row: its country code.
pub(super) fn country_field(line: &str) -> Option<&str> {
    let mut tabs = memchr::memchr_iter(b'\t', line.as_bytes());
    let start = tabs.nth(1)? + 1;
    let end = tabs.next().unwrap_or(line.len());
    Some(&line[start..end])
}

/// The slot of an alpha-2 code among `AA` to `ZZ`.
fn slot(code: &str) -> Option<usize> {
    match code.as_bytes() {
        &[a @ b'A'..=b'Z', b @ b'A'..=b'Z'] => {
            Some(usize::from(a - b'A') * 26 + usize::from(b - b'A'))
        }
        _ => None,
    }
}

/// The first row of `text[rows]` (whole rows) whose country code is not `before` the sought one:
/// a binary search, as the rows are sorted by country code.
fn partition(text: &str, rows: Range<usize>, before: impl Fn(&str) -> bool) -> usize {
    let (mut lo, mut hi) = (rows.start, rows.end);
    // Every row before `lo` is before; no row from `hi` on is. Both are row starts.
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let start = memchr::memrchr(b'\n', &text.as_bytes()[lo..mid]).map_or(lo, |i| lo + i + 1);
        let end = memchr::memchr(b'\n', &text.as_bytes()[start..hi]).map_or(hi, |i| start + i + 1);
        if before(country_field(&text[start..end]).unwrap_or_default()) {
            lo = end;
        } else {
            hi = start;
        }
    }
    lo
}

/// `key` without `words`; borrowed when it holds none of them, as nearly every name does.
fn strip<'k>(key: &'k str, words: &[&str]) -> Cow<'k, str> {
    if !key.split(' ').any(|w| words.contains(&w)) {
        return Cow::Borrowed(key);
    }
    Cow::Owned(
        key.split(' ')
            .filter(|w| !words.contains(w))
            .collect::<Vec<_>>()
            .join(" "),
    )
}

impl Gazetteer {
    /// The embedded gazetteer; nothing is read until a country is asked for.
    pub fn load() -> Gazetteer {
        let text = GAZETTEER;
        let mut start = 0;
        while text[start..].starts_with('#') {
            start = text[start..]
                .find('\n')
                .map_or(text.len(), |i| start + i + 1);
        }
        Gazetteer {
            text,
            body: start..text.len(),
            indexes: (0..26 * 26).map(|_| OnceLock::new()).collect(),
        }
    }

    /// The byte range of the rows of `code`, found by binary search.
    pub(super) fn rows(&self, code: &str) -> Range<usize> {
        let start = partition(self.text, self.body.clone(), |cc| cc < code);
        start..partition(self.text, start..self.body.end, |cc| cc <= code)
    }

    fn country(&self, code: &str) -> Option<&CountryCities> {
        let cell = self.indexes.get(slot(code)?)?;
        cell.get_or_init(|| self.build(code)).as_ref()
    }

    /// The index of `code`'s places, or `None` when the gazetteer has none.
    fn build(&self, code: &str) -> Option<CountryCities> {
        let range = self.rows(code);
        if range.is_empty() {
            return None;
        }
        let mut c = CountryCities::default();
        // This country's curated aliases: (GeoNames id, name).
        let aliases: Vec<(&str, &str)> = ALIASES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| match l.split('\t').collect::<Vec<_>>()[..] {
                [cc, name, id] if cc == code => Some((id, name)),
                _ => None,
            })
            .collect();
        for line in self.text[range].lines() {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 8 {
                continue;
            }
            let i = c.places.len() as u32;
            c.places.push(Place {
                geonames_id: f[0].parse().unwrap_or(0),
                name: f[1].to_string(),
                admin1: f[3].to_string(),
                latitude: f[4].parse().unwrap_or(0.0),
                longitude: f[5].parse().unwrap_or(0.0),
                population: f[6].parse().unwrap_or(0),
            });
            let aliases = aliases
                .iter()
                .filter(|(id, _)| *id == f[0])
                .map(|(_, name)| *name);
            for name in std::iter::once(f[1]).chain(f[7].split('|')).chain(aliases) {
                let key = fold(name);
                if key.is_empty() {
                    continue;
                }
                // Also without articles and place-type words, as queries are tried.
                let bare = strip(&key, ARTICLES);
                let plain = strip(&key, PLACE_WORDS);
                let plain_bare = strip(&plain, ARTICLES);
                for k in [&*key, &*bare, &*plain, &*plain_bare] {
                    if k.is_empty() {
                        continue;
                    }
                    let ids = match c.by_key.get_mut(k) {
                        Some(ids) => ids,
                        None => c.by_key.entry(k.to_owned()).or_default(),
                    };
                    if !ids.contains(&i) {
                        ids.push(i);
                    }
                }
            }
        }
        c.keys = ByLength::new(
            c.by_key
                .keys()
                .filter(|k| k.chars().count() >= 4)
                .map(|k| (k.clone(), ())),
        );
        Some(c)
    }

    /// The place for `text` in the country `code`, and how it was found.
    pub fn resolve(&self, text: &str, code: &str) -> Option<(City, CityMethod)> {
        let c = self.country(code)?;
        let key = fold(text);
        let pick = |ids: &Vec<u32>| c.pick(ids);
        let found = if let Some(ids) = c.by_key.get(&key) {
            Some((pick(ids), CityMethod::Name))
        } else {
            let without_words = strip(&key, PLACE_WORDS);
            let without_both = strip(&without_words, ARTICLES);
            let variant = [&*without_words, &*without_both]
                .into_iter()
                .filter(|k| !k.is_empty() && *k != key)
                .find_map(|k| c.by_key.get(k));
            variant
                .map(|ids| (pick(ids), CityMethod::Variant))
                .or_else(|| c.typo(&key).map(|i| (i, CityMethod::Fuzzy)))
        }?;
        let p = &c.places[found.0 as usize];
        let city = City {
            id: format!("gn-{}", p.geonames_id),
            name: p.name.clone(),
            country_code: code.to_string(),
            admin1_code: (!p.admin1.is_empty()).then(|| p.admin1.clone()),
            latitude: Some(p.latitude),
            longitude: Some(p.longitude),
            population: Some(p.population),
            geonames_id: Some(p.geonames_id),
        };
        Some((city, found.1))
    }
}

/// A typo of exactly one place's name (names sharing the key count as one place only if they
/// are the same place). Short names (4 or 5 letters) accept only two swapped neighbours
/// (`Gzia` for `Giza`), and only when no other place is one edit away.
fn fuzzy(c: &CountryCities, key: &str) -> Option<u32> {
    let len = key.chars().count();
    let bound = match len {
        0..=3 => return None,
        4..=8 => 1,
        _ => 2,
    };
    let mut best = bound + 1;
    let mut hits: Vec<u32> = Vec::new();
    for (k, ()) in c.keys.near(len, bound) {
        let d = edit_distance(key, k, best.min(bound));
        if d < best {
            best = d;
            hits.clear();
        }
        if d == best && d <= bound {
            // A name stands for its most populous place, as in an exact match.
            let i = c.pick(&c.by_key[k]);
            if !hits.contains(&i) {
                hits.push(i);
            }
        }
    }
    let [only] = hits[..] else {
        return None;
    };
    if len <= 5 {
        let swapped = c
            .by_key
            .iter()
            .any(|(k, ids)| ids.contains(&only) && k.chars().count() == len && is_one_swap(key, k));
        if !swapped {
            return None;
        }
    }
    Some(only)
}

/// Whether `b` is `a` with two neighbouring characters swapped.
fn is_one_swap(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let diff: Vec<usize> = (0..a.len().min(b.len()))
        .filter(|&i| a[i] != b[i])
        .collect();
    a.len() == b.len() && matches!(diff[..], [i, j] if j == i + 1 && a[i] == b[j] && a[j] == b[i])
}
