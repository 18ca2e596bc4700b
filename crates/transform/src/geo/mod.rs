//! Geography: country and city strings to `Country` and `City` nodes.
//!
//! This first version passes the raw strings through, cleaned: the country "code" is the cleaned
//! name in upper case and a city is keyed by that code and a slug of its name. It exists so that the
//! pipeline, the sinks and the report have their final shape; the ISO/M49/GeoNames resolver replaces
//! the body of [`GeoResolver`] without changing its signature.

use learngraph_model::{City, Country};

use crate::text::collapse_whitespace;

/// A resolved country: its code and the node that carries it.
#[derive(Clone, Debug, PartialEq)]
pub struct CountryMatch {
    /// The `Country` node.
    pub country: Country,
}

/// Resolves country and city names.
#[derive(Clone, Debug, Default)]
pub struct GeoResolver;

impl GeoResolver {
    /// The resolver with its embedded data.
    pub fn new() -> GeoResolver {
        GeoResolver
    }

    /// Resolves a cleaned, non-null country string; `None` when it cannot be resolved.
    pub fn country(&self, raw: &str) -> Option<CountryMatch> {
        let name = collapse_whitespace(raw);
        if name.is_empty() {
            return None;
        }
        Some(CountryMatch {
            country: Country {
                code: name.to_uppercase(),
                name,
                ..Country::default()
            },
        })
    }

    /// Resolves a cleaned, non-null city string within a resolved country.
    pub fn city(&self, raw: &str, country_code: &str) -> Option<City> {
        let name = collapse_whitespace(raw);
        let slug = slug(&name);
        if slug.is_empty() {
            return None;
        }
        Some(City {
            id: format!("{country_code}:{slug}"),
            name,
            country_code: country_code.to_string(),
            ..City::default()
        })
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
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for (input, want) in [
            ("Cairo", "cairo"),
            ("6th of October City", "6th-of-october-city"),
            ("El-Giza", "el-giza"),
            ("  Nairobi  CBD ", "nairobi-cbd"),
            ("القاهرة", "القاهرة"),
            ("--", ""),
        ] {
            assert_eq!(slug(input), want, "{input}");
        }
    }

    #[test]
    fn cities_are_scoped_by_country() {
        let g = GeoResolver::new();
        let a = g.city("Alexandria", "EGYPT").unwrap();
        let b = g.city("Alexandria", "UNITED STATES").unwrap();
        assert_ne!(a.id, b.id);
        assert_eq!(g.city(" alexandria ", "EGYPT").unwrap().id, a.id);
    }
}
