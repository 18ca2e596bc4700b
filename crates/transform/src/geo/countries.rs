//! Country resolution: ISO codes, names in many languages and spellings, curated aliases, and
//! bounded typos, with ambiguity detected rather than guessed.
//!
//! The name table is built from `data/country-names.tsv` (generated from UN M49, CLDR and keshvar;
//! see `tools/geodata/build.py`) and `data/country-aliases.tsv` (curated). Every name is folded
//! into a key ([`fold`]); a key belongs to the country named by the highest-priority source:
//! curated (1) > English names (2) > other languages (3) > subdivisions such as "Lagos State" (4).
//! Two different countries for one key at the same level make the key ambiguous: it resolves to
//! nothing, with that reason. This is how "never a wrong code" is kept.

// Built from the embedded tables and looked up with cleaned export values: a fast hash, not SipHash.
use foldhash::HashMap;
use std::sync::Arc;

use learngraph_model::Country;

use learngraph_source::layout::edit_distance;

use super::fold::{fold, repair_mojibake, ByLength};

const COUNTRIES: &str = include_str!("../../data/countries.tsv");
const NAMES: &str = include_str!("../../data/country-names.tsv");
const ALIASES: &str = include_str!("../../data/country-aliases.tsv");

/// How a geography value was recognised (countries use the first eight, cities `Name`,
/// `Variant`, `Fuzzy` and `Unmatched`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// ISO 3166-1 alpha-2 code.
    Alpha2,
    /// ISO 3166-1 alpha-3 code.
    Alpha3,
    /// An English name (short, official, UN or CLDR).
    Name,
    /// A name in another language or script.
    Translation,
    /// A curated abbreviation, common, old or new name.
    Alias,
    /// A city typed as a country (`Dubai`, `Lagos`).
    CityAsCountry,
    /// A state or region typed as a country (`Niger State`, `Giza Governorate`).
    StateAsCountry,
    /// A name within a small edit distance of exactly one country's name.
    Fuzzy,
    /// A city name after removing place-type words or articles (`Nairobi CBD`, `El-Giza`).
    Variant,
    /// A city the gazetteer does not know: kept with its cleaned name, without coordinates.
    Unmatched,
}

impl Method {
    /// Every method, for counters.
    pub const ALL: [Method; 10] = [
        Method::Alpha2,
        Method::Alpha3,
        Method::Name,
        Method::Translation,
        Method::Alias,
        Method::CityAsCountry,
        Method::StateAsCountry,
        Method::Fuzzy,
        Method::Variant,
        Method::Unmatched,
    ];

    /// Stable code for reports.
    pub fn code(self) -> &'static str {
        match self {
            Method::Alpha2 => "alpha2",
            Method::Alpha3 => "alpha3",
            Method::Name => "name",
            Method::Translation => "translation",
            Method::Alias => "alias",
            Method::CityAsCountry => "city_as_country",
            Method::StateAsCountry => "state_as_country",
            Method::Fuzzy => "fuzzy",
            Method::Variant => "variant",
            Method::Unmatched => "unmatched",
        }
    }

    /// How sure the match is, from 0 to 1.
    pub fn confidence(self) -> f64 {
        match self {
            Method::Alpha2 | Method::Alpha3 | Method::Name | Method::Alias => 1.0,
            Method::Translation => 0.95,
            Method::CityAsCountry | Method::StateAsCountry => 0.9,
            Method::Fuzzy => 0.8,
            Method::Variant => 0.95,
            Method::Unmatched => 0.0,
        }
    }
}

/// Why a country string did not resolve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unresolved {
    /// The name fits several countries (`Congo`, `Korea`, `Guinea`), or a typo is as close to two.
    Ambiguous,
    /// No country has this name.
    Unknown,
}

/// A recognised country.
#[derive(Clone, Debug, PartialEq)]
pub struct CountryMatch {
    /// The `Country` node.
    pub country: Arc<Country>,
    /// How it was recognised.
    pub method: Method,
    /// The text was repaired from mojibake first.
    pub repaired: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Country(u16),
    Ambiguous,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    target: Target,
    level: u8,
    method: Method,
}

/// Every country and every name it is known by.
#[derive(Debug)]
pub struct CountryIndex {
    countries: Vec<Arc<Country>>,
    alpha2: HashMap<String, u16>,
    alpha3: HashMap<String, u16>,
    names: HashMap<String, Entry>,
    /// Keys of levels 1 and 2 long enough for typo matching.
    fuzzy: ByLength<Target>,
}

fn opt(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

fn pair(name: &str, code: &str) -> Option<(String, String)> {
    (!name.is_empty()).then(|| (name.to_string(), code.to_string()))
}

impl CountryIndex {
    /// Builds the index from the embedded tables.
    pub fn load() -> CountryIndex {
        let mut countries = Vec::new();
        let (mut alpha2, mut alpha3) = (HashMap::default(), HashMap::default());
        for line in COUNTRIES
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let f: Vec<&str> = line.split('\t').collect();
            let get = |i: usize| f.get(i).copied().unwrap_or_default();
            let idx = countries.len() as u16;
            alpha2.insert(get(0).to_string(), idx);
            if !get(1).is_empty() {
                alpha3.insert(get(1).to_string(), idx);
            }
            countries.push(Arc::new(Country {
                code: get(0).to_string(),
                alpha3: opt(get(1)),
                numeric: opt(get(2)),
                name: get(3).to_string(),
                official_name: opt(get(4)),
                region: pair(get(5), get(6)),
                subregion: pair(get(7), get(8)),
                intermediate_region: pair(get(9), get(10)),
                continent: opt(get(11)),
                latitude: get(12).parse().ok(),
                longitude: get(13).parse().ok(),
            }));
        }
        let mut index = CountryIndex {
            countries,
            alpha2,
            alpha3,
            names: HashMap::default(),
            fuzzy: ByLength::default(),
        };
        for line in ALIASES
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let f: Vec<&str> = line.split('\t').collect();
            let (name, code, method) = (
                f[0],
                f.get(1).copied().unwrap_or("!"),
                f.get(2).copied().unwrap_or(""),
            );
            let method = match method {
                "city" => Method::CityAsCountry,
                "state" => Method::StateAsCountry,
                _ => Method::Alias,
            };
            index.add(name, code, 1, method);
        }
        for line in NAMES
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let f: Vec<&str> = line.split('\t').collect();
            let level: u8 = f.get(2).and_then(|l| l.parse().ok()).unwrap_or(3);
            let method = match level {
                2 => Method::Name,
                3 => Method::Translation,
                _ => Method::StateAsCountry,
            };
            index.add(f[0], f.get(1).copied().unwrap_or(""), level, method);
        }
        index.fuzzy = ByLength::new(
            index
                .names
                .iter()
                .filter(|(k, e)| e.level <= 2 && k.chars().count() >= 5)
                .map(|(k, e)| (k.clone(), e.target)),
        );
        index
    }

    fn add(&mut self, name: &str, code: &str, level: u8, method: Method) {
        let target = match code {
            "!" => Target::Ambiguous,
            c => match self.alpha2.get(c) {
                Some(&i) => Target::Country(i),
                None => return,
            },
        };
        let key = fold(name);
        if key.is_empty() {
            return;
        }
        let entry = Entry {
            target,
            level,
            method,
        };
        match self.names.get_mut(&key) {
            None => {
                self.names.insert(key, entry);
            }
            Some(e) if level < e.level => *e = entry,
            Some(e) if level == e.level && e.target != target => e.target = Target::Ambiguous,
            Some(_) => {}
        }
    }

    /// Every country, in alpha-2 order.
    pub fn countries(&self) -> &[Arc<Country>] {
        &self.countries
    }

    /// The country with this alpha-2 code.
    pub fn by_alpha2(&self, code: &str) -> Option<&Arc<Country>> {
        self.alpha2
            .get(code)
            .map(|&i| &self.countries[usize::from(i)])
    }

    fn found(&self, i: u16, method: Method, repaired: bool) -> CountryMatch {
        CountryMatch {
            country: self.countries[usize::from(i)].clone(),
            method,
            repaired,
        }
    }

    /// Resolves free text to one country, or says why not.
    pub fn resolve(&self, text: &str) -> Result<CountryMatch, Unresolved> {
        match self.exact(text, false) {
            Err(Unresolved::Unknown) => {}
            other => return other,
        }
        if let Some(fixed) = repair_mojibake(text) {
            match self.exact(&fixed, true) {
                Err(Unresolved::Unknown) => {}
                other => return other,
            }
        }
        self.fuzzy(&fold(text))
    }

    fn exact(&self, text: &str, repaired: bool) -> Result<CountryMatch, Unresolved> {
        let t = text.trim();
        if (t.len() == 2 || t.len() == 3) && t.bytes().all(|b| b.is_ascii_alphabetic()) {
            let upper = t.to_ascii_uppercase();
            let (table, method) = if t.len() == 2 {
                (&self.alpha2, Method::Alpha2)
            } else {
                (&self.alpha3, Method::Alpha3)
            };
            if let Some(&i) = table.get(&upper) {
                return Ok(self.found(i, method, repaired));
            }
        }
        match self.names.get(&fold(t)) {
            Some(Entry {
                target: Target::Country(i),
                method,
                ..
            }) => Ok(self.found(*i, *method, repaired)),
            Some(Entry {
                target: Target::Ambiguous,
                ..
            }) => Err(Unresolved::Ambiguous),
            None => Err(Unresolved::Unknown),
        }
    }

    /// A typo: accepted only when every nearest name, within the bound, is one country's.
    fn fuzzy(&self, key: &str) -> Result<CountryMatch, Unresolved> {
        let len = key.chars().count();
        let bound = match len {
            0..=4 => return Err(Unresolved::Unknown),
            5..=6 => 1,
            _ => 2,
        };
        let mut best = bound + 1;
        let mut hits: Vec<Target> = Vec::new();
        for (k, target) in self.fuzzy.near(len, bound) {
            let d = edit_distance(key, k, best.min(bound));
            if d < best {
                best = d;
                hits.clear();
            }
            if d == best && d <= bound && !hits.contains(target) {
                hits.push(*target);
            }
        }
        match hits[..] {
            [] => Err(Unresolved::Unknown),
            [Target::Country(i)] => Ok(self.found(i, Method::Fuzzy, false)),
            _ => Err(Unresolved::Ambiguous),
        }
    }
}
