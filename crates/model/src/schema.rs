//! Labels, relationship types and property names of the graph, as checked identifiers.
//!
//! Every name that a sink puts into a header or a Cypher statement comes from here. An [`Ident`] is
//! checked when it is made (at compile time for the constants below), so no value from the input can
//! ever become part of a statement's text: values travel only as parameters or CSV fields.

/// An identifier safe to place in a statement or header: ASCII letter or `_`, then letters, digits, `_`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ident(&'static str);

impl Ident {
    /// Checks `name`; in a `const` this fails the build, elsewhere it panics, on a bad identifier.
    pub const fn new(name: &'static str) -> Ident {
        assert!(Ident::is_valid(name), "invalid identifier");
        Ident(name)
    }

    /// Whether `name` is a plain identifier that needs no quoting anywhere.
    pub const fn is_valid(name: &str) -> bool {
        let b = name.as_bytes();
        if b.is_empty() || b.len() > 64 {
            return false;
        }
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            let ok = c == b'_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit());
            if !ok {
                return false;
            }
            i += 1;
        }
        true
    }

    /// The identifier's text.
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Display for Ident {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// Node labels.
pub mod label {
    use super::Ident;
    /// `Learner`.
    pub const LEARNER: Ident = Ident::new("Learner");
    /// `Country`.
    pub const COUNTRY: Ident = Ident::new("Country");
    /// `City`.
    pub const CITY: Ident = Ident::new("City");
    /// `Skill`.
    pub const SKILL: Ident = Ident::new("Skill");
    /// `Program`.
    pub const PROGRAM: Ident = Ident::new("Program");
    /// `Cohort`.
    pub const COHORT: Ident = Ident::new("Cohort");
}

/// Relationship types.
pub mod rel {
    use super::Ident;
    /// `(:Learner)-[:HAS_SKILL]->(:Skill)`.
    pub const HAS_SKILL: Ident = Ident::new("HAS_SKILL");
    /// `(:Learner)-[:ENROLLED_IN]->(:Cohort)`.
    pub const ENROLLED_IN: Ident = Ident::new("ENROLLED_IN");
    /// `(:Cohort)-[:IN_PROGRAM]->(:Program)`.
    pub const IN_PROGRAM: Ident = Ident::new("IN_PROGRAM");
    /// `(:City)-[:IN_COUNTRY]->(:Country)`.
    pub const IN_COUNTRY: Ident = Ident::new("IN_COUNTRY");
    /// `(:Learner)-[:LIVES_IN]->(:City)`, off in the hybrid model.
    pub const LIVES_IN: Ident = Ident::new("LIVES_IN");
    /// `(:Learner)-[:RESIDES_IN]->(:Country)`, off in the hybrid model.
    pub const RESIDES_IN: Ident = Ident::new("RESIDES_IN");
    /// `(:Learner)-[:FROM_COUNTRY]->(:Country)`, off in the hybrid model.
    pub const FROM_COUNTRY: Ident = Ident::new("FROM_COUNTRY");
}

/// The type of a property, as the targets know it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropType {
    /// UTF-8 text.
    String,
    /// 64-bit integer.
    Long,
    /// 64-bit float.
    Double,
    /// Calendar date.
    Date,
    /// Instant with time zone (always UTC here).
    DateTime,
    /// List of strings.
    StringList,
}

/// A property: its name and type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Property {
    /// Property name.
    pub name: Ident,
    /// Property type.
    pub ty: PropType,
}

const fn p(name: &'static str, ty: PropType) -> Property {
    Property {
        name: Ident::new(name),
        ty,
    }
}

/// Properties of `Learner` in the order sinks write them; the first is the key.
pub const LEARNER_PROPERTIES: &[Property] = &[
    p("learner_id", PropType::String),
    p("full_name", PropType::String),
    p("email", PropType::String),
    p("gender", PropType::String),
    p("birth_date", PropType::Date),
    p("birth_year", PropType::Long),
    p("country_of_residence_code", PropType::String),
    p("city_of_residence_id", PropType::String),
    p("country_of_origin_code", PropType::String),
    p("education_level", PropType::String),
    p("field_of_study", PropType::String),
    p("employment_status", PropType::String),
    p("skills", PropType::StringList),
    p("bio", PropType::String),
    p("signup_at", PropType::DateTime),
    p("last_active_at", PropType::DateTime),
    p("assessment_score", PropType::Double),
    p("source_row", PropType::Long),
    p("content_hash", PropType::String),
];

/// Properties of `ENROLLED_IN`.
pub const ENROLLED_IN_PROPERTIES: &[Property] = &[
    p("status", PropType::String),
    p("enrolled_at", PropType::Date),
    p("completed_at", PropType::Date),
    p("score", PropType::Double),
];

/// Properties of `Country` in write order; the first is the key.
pub const COUNTRY_PROPERTIES: &[Property] = &[
    p("code", PropType::String),
    p("alpha3", PropType::String),
    p("numeric", PropType::String),
    p("name", PropType::String),
    p("official_name", PropType::String),
    p("region", PropType::String),
    p("region_code", PropType::String),
    p("subregion", PropType::String),
    p("subregion_code", PropType::String),
    p("intermediate_region", PropType::String),
    p("intermediate_region_code", PropType::String),
    p("continent", PropType::String),
    p("latitude", PropType::Double),
    p("longitude", PropType::Double),
];

/// Properties of `City` in write order; the first is the key.
pub const CITY_PROPERTIES: &[Property] = &[
    p("id", PropType::String),
    p("name", PropType::String),
    p("country_code", PropType::String),
    p("admin1_code", PropType::String),
    p("latitude", PropType::Double),
    p("longitude", PropType::Double),
    p("population", PropType::Long),
    p("geonames_id", PropType::Long),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_checked() {
        for good in ["Learner", "HAS_SKILL", "_x", "a1"] {
            assert!(Ident::is_valid(good), "{good}");
        }
        for bad in ["", "1a", "a-b", "a b", "x`) DETACH DELETE n //", "é", "a.b"] {
            assert!(!Ident::is_valid(bad), "{bad}");
        }
    }

    #[test]
    #[should_panic(expected = "invalid identifier")]
    fn runtime_construction_of_a_bad_identifier_panics() {
        let name: &'static str = Box::leak(String::from("x) DELETE n").into_boxed_str());
        let _ = Ident::new(name);
    }
}

/// Each node label with its key property: the unique constraints of the graph.
pub const NODE_KEYS: &[(Ident, Ident)] = &[
    (label::LEARNER, Ident::new("learner_id")),
    (label::COUNTRY, Ident::new("code")),
    (label::CITY, Ident::new("id")),
    (label::SKILL, Ident::new("name")),
    (label::PROGRAM, Ident::new("name")),
    (label::COHORT, Ident::new("id")),
];

/// Secondary indexes the queries of `graph-model.md` need: (label, property). Not
/// `Learner.content_hash`: an incremental load reads every learner's in one scan, and no query
/// looks a learner up by it, while an index would cost every learner write.
pub const NODE_INDEXES: &[(Ident, Ident)] = &[
    (label::LEARNER, Ident::new("country_of_residence_code")),
    (label::LEARNER, Ident::new("city_of_residence_id")),
    (label::LEARNER, Ident::new("country_of_origin_code")),
    (label::COUNTRY, Ident::new("region")),
    (label::COUNTRY, Ident::new("subregion")),
    (label::COUNTRY, Ident::new("continent")),
    (label::CITY, Ident::new("country_code")),
];

/// Neo4j 5 Cypher that creates the constraints and indexes, idempotently, one statement each.
pub fn schema_statements() -> Vec<String> {
    let mut out = Vec::new();
    for (label, key) in NODE_KEYS {
        out.push(format!(
            "CREATE CONSTRAINT {l}_{k}_unique IF NOT EXISTS FOR (n:{label}) REQUIRE n.{key} IS UNIQUE",
            l = label.as_str().to_lowercase(),
            k = key
        ));
    }
    for (label, prop) in NODE_INDEXES {
        out.push(format!(
            "CREATE INDEX {l}_{prop} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})",
            l = label.as_str().to_lowercase()
        ));
    }
    out
}

#[cfg(test)]
mod statement_tests {
    use super::*;

    #[test]
    fn one_constraint_per_label_in_neo4j_5_syntax() {
        let s = schema_statements();
        assert!(s.contains(&"CREATE CONSTRAINT learner_learner_id_unique IF NOT EXISTS FOR (n:Learner) REQUIRE n.learner_id IS UNIQUE".to_string()));
        assert_eq!(
            s.iter()
                .filter(|s| s.starts_with("CREATE CONSTRAINT"))
                .count(),
            6
        );
        assert_eq!(s.len(), NODE_KEYS.len() + NODE_INDEXES.len());
    }
}
