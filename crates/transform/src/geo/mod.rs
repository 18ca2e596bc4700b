//! Geography: country and city strings to `Country` and `City` nodes, with no network and no
//! guessing. Data is embedded in the binary (see `data/ATTRIBUTION.md` for sources and licences).
//!
//! - [`fold`]: look-up keys (case, accents, punctuation, word order), mojibake repair.
//! - [`countries`]: ISO codes, names in many languages, curated aliases, typos; ambiguity detected.
//! - [`cities`]: the GeoNames gazetteer, searched within the resolved country.

pub mod cities;
pub mod countries;
pub mod fold;

use std::sync::OnceLock;

pub use cities::{CityMethod, Gazetteer};

use learngraph_model::City;

pub use countries::{CountryIndex, CountryMatch, Method, Unresolved};

/// Resolves country and city names. Built once per run and shared by the workers.
#[derive(Debug)]
pub struct GeoResolver {
    countries: CountryIndex,
    /// Its rows split by country on the first city look-up.
    cities: OnceLock<Gazetteer>,
}

impl Default for GeoResolver {
    fn default() -> Self {
        GeoResolver::new()
    }
}

impl GeoResolver {
    /// The resolver with its embedded data.
    pub fn new() -> GeoResolver {
        GeoResolver {
            countries: CountryIndex::load(),
            cities: OnceLock::new(),
        }
    }

    /// The country index.
    pub fn countries(&self) -> &CountryIndex {
        &self.countries
    }

    /// Resolves a cleaned, non-null country string.
    pub fn country(&self, raw: &str) -> Result<CountryMatch, Unresolved> {
        self.countries.resolve(raw)
    }

    /// Resolves a cleaned, non-null city string within a resolved country. A place the
    /// gazetteer knows gets its GeoNames id (`gn-360630`) and data; any other place keeps its
    /// cleaned name under a country-scoped slug id (`EG:maadi`) with no coordinates, and the
    /// method `None` says so. Two different places never share an id; one place written two
    /// ways does.
    pub fn city(&self, raw: &str, country_code: &str) -> Option<(City, Option<CityMethod>)> {
        let gazetteer = self.cities.get_or_init(Gazetteer::load);
        if let Some((city, method)) = gazetteer.resolve(raw, country_code) {
            return Some((city, Some(method)));
        }
        let name = crate::text::collapse_whitespace(raw).into_owned();
        let slug = slug(&name);
        if slug.is_empty() {
            return None;
        }
        let city = City {
            id: format!("{country_code}:{slug}"),
            name,
            country_code: country_code.to_string(),
            ..City::default()
        };
        Some((city, None))
    }
}

/// Lowercase letters and digits of any script, words joined by `-`.
pub fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
    out
}

#[cfg(test)]
mod tests;
