//! Pre-flight checks: what the first pass sees before anything is written.
//!
//! During the prescan every structurally valid row hands its geography values to a [`GeoCheck`]
//! (one per block of the export, merged in file order).
//! Each distinct value is then resolved once, exactly as the transform will resolve it, so that
//! strict mode and the required coverage can stop a run before the target is touched, and
//! `learngraph validate` can print what a load would find. Counts are per row, including rows a
//! later duplicate supersedes.

use std::borrow::Cow;
use std::collections::BTreeMap;

// Three look-ups per row of the first pass: a fast hash (the values are the export's, not an
// attacker's) instead of SipHash.
use foldhash::HashMap;

use learngraph_source::prescan::Collector;
use learngraph_source::{Collected, Field, Sentinels};
use learngraph_transform::geo::{GeoResolver, Unresolved};
use learngraph_transform::text::clean;
use learngraph_transform::FieldStats;
use serde::Serialize;

/// The geography columns checked before a load.
pub const GEO_FIELDS: [Field; 3] = [
    Field::CountryOfResidence,
    Field::CountryOfOrigin,
    Field::CityOfResidence,
];

/// Distinct geography values of an export, with their counts.
///
/// Values are counted as the export spells them, bytes and all: a row costs three look-ups and
/// no cleaning, and each distinct spelling is cleaned once, in [`GeoCheck::evaluate`].
pub struct GeoCheck {
    sentinels: Sentinels,
    /// Country of residence: its rows, and their cities.
    residence: HashMap<Box<[u8]>, Residence>,
    origin: HashMap<Box<[u8]>, u64>,
}

/// The rows of one spelling of a country of residence.
#[derive(Default)]
struct Residence {
    rows: u64,
    /// City of residence, as spelt.
    cities: HashMap<Box<[u8]>, u64>,
}

/// The counts of [`GeoCheck`] by cleaned value, nulls left out.
#[derive(Default)]
struct Cleaned {
    countries: [HashMap<String, u64>; 2],
    /// City by country of residence.
    cities: HashMap<String, HashMap<String, u64>>,
}

/// One column's pre-flight result.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ColumnCheck {
    /// Non-empty, non-sentinel values.
    pub values: u64,
    /// Values that resolve.
    pub resolved: u64,
    /// `resolved / values`.
    pub coverage: f64,
    /// Every value that does not resolve: the value, its count, and why, most frequent first.
    pub unresolved: Vec<(String, u64, &'static str)>,
}

impl GeoCheck {
    /// An empty check, with the sentinels of the run.
    pub fn new(sentinels: Sentinels) -> GeoCheck {
        GeoCheck {
            sentinels,
            residence: HashMap::default(),
            origin: HashMap::default(),
        }
    }

    /// The counts by value as the transform will see it: cleaned, nulls left out.
    fn cleaned(&self) -> Cleaned {
        // Repairs made while cleaning are not reported here; the load counts them.
        let mut scratch = FieldStats::default();
        let mut tidy = |raw: &[u8]| -> Option<String> {
            if self.sentinels.is_null(raw) {
                return None;
            }
            clean(raw, Field::CountryOfResidence, &mut scratch).map(Cow::into_owned)
        };
        let mut out = Cleaned::default();
        for (raw, residence) in &self.residence {
            let Some(country) = tidy(raw) else { continue };
            *out.countries[0].entry(country.clone()).or_default() += residence.rows;
            let cities = out.cities.entry(country).or_default();
            for (raw, &n) in &residence.cities {
                if let Some(city) = tidy(raw) {
                    *cities.entry(city).or_default() += n;
                }
            }
        }
        for (raw, &n) in &self.origin {
            if let Some(country) = tidy(raw) {
                *out.countries[1].entry(country).or_default() += n;
            }
        }
        out
    }

    /// Resolves every distinct value once and sums up each column.
    pub fn evaluate(&self, geo: &GeoResolver) -> BTreeMap<&'static str, ColumnCheck> {
        let counts = self.cleaned();
        let mut out = BTreeMap::new();
        for (i, field) in [Field::CountryOfResidence, Field::CountryOfOrigin]
            .into_iter()
            .enumerate()
        {
            let mut c = ColumnCheck::default();
            for (value, &n) in &counts.countries[i] {
                c.values += n;
                match geo.country(value) {
                    Ok(_) => c.resolved += n,
                    Err(Unresolved::Ambiguous) => {
                        c.unresolved.push((value.clone(), n, "ambiguous"))
                    }
                    Err(Unresolved::Unknown) => c.unresolved.push((value.clone(), n, "unknown")),
                }
            }
            out.insert(field.name(), finish(c));
        }
        let mut c = ColumnCheck::default();
        // One line per place, however its country and its own name were spelt: by city id,
        // shown in its most frequent spelling.
        let mut missing: HashMap<String, (BTreeMap<String, u64>, &'static str)> =
            HashMap::default();
        let pairs = counts
            .cities
            .iter()
            .flat_map(|(country, cities)| cities.iter().map(move |(city, n)| (country, city, n)));
        for (country, city, &n) in pairs {
            c.values += n;
            let (id, shown, why) = match geo.country(country) {
                Err(_) => (format!("?:{city}"), city.clone(), "no_country"),
                Ok(m) => match geo.city(city, &m.country.code) {
                    Some((_, Some(_))) => {
                        c.resolved += n;
                        continue;
                    }
                    Some((place, None)) => (
                        place.id,
                        format!("{city} ({})", m.country.code),
                        "unmatched",
                    ),
                    None => (format!("?:{city}"), city.clone(), "unmatched"),
                },
            };
            *missing
                .entry(id)
                .or_insert((BTreeMap::new(), why))
                .0
                .entry(shown)
                .or_default() += n;
        }
        c.unresolved = missing
            .into_values()
            .map(|(spellings, why)| {
                let total = spellings.values().sum();
                let shown = spellings
                    .into_iter()
                    .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
                    .map(|(s, _)| s)
                    .unwrap_or_default();
                (shown, total, why)
            })
            .collect();
        out.insert(Field::CityOfResidence.name(), finish(c));
        out
    }
}

impl Collector for GeoCheck {
    /// Counts one row's values (as handed over by the prescan). A spelling already seen costs a
    /// look-up, not an allocation.
    fn add(&mut self, row: &Collected<'_>) {
        if let Some(country) = row.get(Field::CountryOfResidence) {
            let residence = match self.residence.get_mut(country) {
                Some(r) => r,
                None => self.residence.entry(country.into()).or_default(),
            };
            residence.rows += 1;
            if let Some(city) = row.get(Field::CityOfResidence) {
                bump(&mut residence.cities, city);
            }
        }
        if let Some(origin) = row.get(Field::CountryOfOrigin) {
            bump(&mut self.origin, origin);
        }
    }

    fn merge(&mut self, later: GeoCheck) {
        for (country, theirs) in later.residence {
            let mine = self.residence.entry(country).or_default();
            mine.rows += theirs.rows;
            add_counts(&mut mine.cities, theirs.cities);
        }
        add_counts(&mut self.origin, later.origin);
    }
}

fn add_counts(into: &mut HashMap<Box<[u8]>, u64>, from: HashMap<Box<[u8]>, u64>) {
    for (value, n) in from {
        *into.entry(value).or_default() += n;
    }
}

fn bump(counts: &mut HashMap<Box<[u8]>, u64>, value: &[u8]) {
    match counts.get_mut(value) {
        Some(n) => *n += 1,
        None => {
            counts.insert(value.into(), 1);
        }
    }
}

fn finish(mut c: ColumnCheck) -> ColumnCheck {
    c.coverage = if c.values == 0 {
        1.0
    } else {
        c.resolved as f64 / c.values as f64
    };
    c.unresolved
        .sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_counted_and_resolved_as_the_transform_would() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        let header = learngraph_source::Field::ALL.map(|f| f.name()).join(",");
        // Columns 6, 7 and 8 are residence, city and origin; the last row is structurally broken.
        // Egypt and Maadi come in three and two spellings, which count as one value each.
        let rows = [
            "L1,,,,,Egypt,Cairo,EG,,,,,,,,,",
            "L2,,,,,egypt ,Maadi,-99,,,,,,,,,",
            "L3,,,,,Congo,Kinshasa,Nigeria,,,,,,,,,",
            "L4,,,,,Atlantis,,,,,,,,,,,",
            "L5,,,,, EGYPT,Maadi  ,,,,,,,,,,",
            "L6,,,,,Nowhere",
        ];
        std::fs::write(&path, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
        let mut settings = crate::Settings::default();
        settings.source.sentinels = vec!["-99".into()];
        let sentinels = Sentinels::new(&settings.source.sentinels);
        let (_, check) = learngraph_source::prescan_collecting(
            &[path],
            &settings.source,
            &GEO_FIELDS,
            1,
            &|_| {},
            &|| GeoCheck::new(sentinels.clone()),
        )
        .unwrap();
        let r = check.evaluate(&GeoResolver::new());
        let res = &r["country_of_residence"];
        assert_eq!((res.values, res.resolved), (5, 3));
        assert_eq!(
            res.unresolved,
            vec![
                ("Atlantis".into(), 1, "unknown"),
                ("Congo".into(), 1, "ambiguous")
            ]
        );
        assert_eq!(
            r["country_of_origin"].values, 2,
            "the sentinel and the empty cell are nulls"
        );
        let city = &r["city_of_residence"];
        assert_eq!((city.values, city.resolved), (4, 1));
        assert!(city
            .unresolved
            .contains(&("Maadi (EG)".into(), 2, "unmatched")));
        assert!(city
            .unresolved
            .contains(&("Kinshasa".into(), 1, "no_country")));
    }
}
