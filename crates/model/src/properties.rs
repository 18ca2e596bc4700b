//! A node's or relationship's property values, handed to a [`PropertyWriter`] in the order of its
//! schema list ([`LEARNER_PROPERTIES`] and the others): the one place that order is written.
//!
//! Each sink encodes values its own way (CSV text, typed Parquet columns, Bolt maps), so each
//! implements [`PropertyWriter`]; none of them lists a node's properties again. A test checks
//! every `write_properties` against its schema list, name and type.
//!
//! [`LEARNER_PROPERTIES`]: crate::schema::LEARNER_PROPERTIES

use crate::graph::{City, Country, Enrollment, Learner};
use crate::key::Key;
use crate::schema::Ident;
use crate::value::{Date, DateTime};

/// Receives property values in schema order; `None` is a null (no property).
pub trait PropertyWriter {
    /// A `String` property.
    fn text(&mut self, name: Ident, value: Option<&str>);
    /// A `Long` property.
    fn long(&mut self, name: Ident, value: Option<i64>);
    /// A `Double` property.
    fn double(&mut self, name: Ident, value: Option<f64>);
    /// A `Date` property.
    fn date(&mut self, name: Ident, value: Option<Date>);
    /// A `DateTime` property.
    fn datetime(&mut self, name: Ident, value: Option<DateTime>);
    /// A `StringList` property.
    fn text_list(&mut self, name: Ident, value: &[Key]);
    /// A content hash: a `String` property of 16 hexadecimal digits ([`hex16`]).
    fn hash(&mut self, name: Ident, value: u64);
}

/// `v` as 16 lowercase hexadecimal digits, the stored form of `content_hash`.
pub fn hex16(v: u64) -> [u8; 16] {
    let mut out = [0; 16];
    for (i, digit) in out.iter_mut().enumerate() {
        *digit = b"0123456789abcdef"[((v >> ((15 - i) * 4)) & 15) as usize];
    }
    out
}

/// A property name, checked when the crate is built.
macro_rules! id {
    ($name:literal) => {{
        const NAME: Ident = Ident::new($name);
        NAME
    }};
}

impl Learner {
    /// Writes the learner's properties, key first.
    pub fn write_properties(&self, w: &mut impl PropertyWriter) {
        w.text(id!("learner_id"), Some(&self.learner_id));
        w.text(id!("full_name"), self.full_name.as_deref());
        w.text(id!("email"), self.email.as_deref());
        w.text(id!("gender"), self.gender.map(|g| g.as_str()));
        w.date(id!("birth_date"), self.birth_date);
        w.long(id!("birth_year"), self.birth_year.map(i64::from));
        let codes = [
            (
                id!("country_of_residence_code"),
                &self.country_of_residence_code,
            ),
            (id!("city_of_residence_id"), &self.city_of_residence_id),
            (id!("country_of_origin_code"), &self.country_of_origin_code),
        ];
        for (name, code) in codes {
            w.text(name, code.as_deref());
        }
        w.text(
            id!("education_level"),
            self.education_level.map(|e| e.as_str()),
        );
        w.text(id!("field_of_study"), self.field_of_study.as_deref());
        w.text(
            id!("employment_status"),
            self.employment_status.map(|e| e.as_str()),
        );
        w.text_list(id!("skills"), &self.skills);
        w.text(id!("bio"), self.bio.as_deref());
        w.datetime(id!("signup_at"), self.signup_at);
        w.datetime(id!("last_active_at"), self.last_active_at);
        w.double(id!("assessment_score"), self.assessment_score);
        w.long(id!("source_row"), i64::try_from(self.source_row).ok());
        w.hash(id!("content_hash"), self.content_hash);
    }
}

impl Enrollment {
    /// Writes the `ENROLLED_IN` properties (its ends are not properties).
    pub fn write_properties(&self, w: &mut impl PropertyWriter) {
        w.text(id!("status"), self.status.map(|s| s.as_str()));
        w.date(id!("enrolled_at"), self.enrolled_at);
        w.date(id!("completed_at"), self.completed_at);
        w.double(id!("score"), self.score);
    }
}

impl Country {
    /// Writes the country's properties, key first.
    pub fn write_properties(&self, w: &mut impl PropertyWriter) {
        w.text(id!("code"), Some(&self.code));
        w.text(id!("alpha3"), self.alpha3.as_deref());
        w.text(id!("numeric"), self.numeric.as_deref());
        w.text(id!("name"), Some(&self.name));
        w.text(id!("official_name"), self.official_name.as_deref());
        let areas = [
            (id!("region"), id!("region_code"), &self.region),
            (id!("subregion"), id!("subregion_code"), &self.subregion),
            (
                id!("intermediate_region"),
                id!("intermediate_region_code"),
                &self.intermediate_region,
            ),
        ];
        for (name, code_name, area) in areas {
            w.text(name, area.as_ref().map(|(name, _)| name.as_str()));
            w.text(code_name, area.as_ref().map(|(_, code)| code.as_str()));
        }
        w.text(id!("continent"), self.continent.as_deref());
        w.double(id!("latitude"), self.latitude);
        w.double(id!("longitude"), self.longitude);
    }
}

impl City {
    /// Writes the city's properties, key first.
    pub fn write_properties(&self, w: &mut impl PropertyWriter) {
        w.text(id!("id"), Some(&self.id));
        w.text(id!("name"), Some(&self.name));
        w.text(id!("country_code"), Some(&self.country_code));
        w.text(id!("admin1_code"), self.admin1_code.as_deref());
        w.double(id!("latitude"), self.latitude);
        w.double(id!("longitude"), self.longitude);
        w.long(
            id!("population"),
            self.population.and_then(|p| i64::try_from(p).ok()),
        );
        w.long(
            id!("geonames_id"),
            self.geonames_id.and_then(|g| i64::try_from(g).ok()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{
        PropType, Property, CITY_PROPERTIES, COUNTRY_PROPERTIES, ENROLLED_IN_PROPERTIES,
        LEARNER_PROPERTIES,
    };

    /// Records the name and type of every property written.
    #[derive(Default)]
    struct Names(Vec<Property>);

    impl Names {
        fn push(&mut self, name: Ident, ty: PropType) {
            self.0.push(Property { name, ty });
        }
    }

    impl PropertyWriter for Names {
        fn text(&mut self, name: Ident, _: Option<&str>) {
            self.push(name, PropType::String);
        }
        fn long(&mut self, name: Ident, _: Option<i64>) {
            self.push(name, PropType::Long);
        }
        fn double(&mut self, name: Ident, _: Option<f64>) {
            self.push(name, PropType::Double);
        }
        fn date(&mut self, name: Ident, _: Option<Date>) {
            self.push(name, PropType::Date);
        }
        fn datetime(&mut self, name: Ident, _: Option<DateTime>) {
            self.push(name, PropType::DateTime);
        }
        fn text_list(&mut self, name: Ident, _: &[Key]) {
            self.push(name, PropType::StringList);
        }
        fn hash(&mut self, name: Ident, _: u64) {
            self.push(name, PropType::String);
        }
    }

    fn written(write: impl FnOnce(&mut Names)) -> Vec<Property> {
        let mut names = Names::default();
        write(&mut names);
        names.0
    }

    #[test]
    fn every_writer_follows_its_schema_list() {
        let cases: [(&str, Vec<Property>, &[Property]); 4] = [
            (
                "Learner",
                written(|w| Learner::default().write_properties(w)),
                LEARNER_PROPERTIES,
            ),
            (
                "ENROLLED_IN",
                written(|w| {
                    let e = Enrollment {
                        cohort_id: "c".into(),
                        status: None,
                        enrolled_at: None,
                        completed_at: None,
                        score: None,
                    };
                    e.write_properties(w)
                }),
                ENROLLED_IN_PROPERTIES,
            ),
            (
                "Country",
                written(|w| Country::default().write_properties(w)),
                COUNTRY_PROPERTIES,
            ),
            (
                "City",
                written(|w| City::default().write_properties(w)),
                CITY_PROPERTIES,
            ),
        ];
        for (what, got, want) in cases {
            assert_eq!(got, want, "{what}");
        }
    }

    #[test]
    fn hashes_are_sixteen_lowercase_hex_digits() {
        for (v, want) in [
            (0, "0000000000000000"),
            (0xdead_beef, "00000000deadbeef"),
            (u64::MAX, "ffffffffffffffff"),
            (0x0123_4567_89ab_cdef, "0123456789abcdef"),
        ] {
            assert_eq!(std::str::from_utf8(&hex16(v)).unwrap(), want);
        }
    }
}
