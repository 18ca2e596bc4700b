//! LadybugDB's DDL for the graph model, generated from the property lists of `learngraph-model`, so
//! that a property added there reaches the embedded target's tables with its type.

use learngraph_model::schema::{
    label, rel, Ident, PropType, Property, CITY_PROPERTIES, COUNTRY_PROPERTIES,
    ENROLLED_IN_PROPERTIES, LEARNER_PROPERTIES,
};

/// LadybugDB's type for a model property type.
fn column_type(ty: PropType) -> &'static str {
    match ty {
        PropType::String => "STRING",
        PropType::Long => "INT64",
        PropType::Double => "DOUBLE",
        PropType::Date => "DATE",
        PropType::DateTime => "TIMESTAMP",
        PropType::StringList => "STRING[]",
    }
}

const fn s(name: &'static str) -> Property {
    Property {
        name: Ident::new(name),
        ty: PropType::String,
    }
}

/// Properties of `Skill`, key first.
pub const SKILL_PROPERTIES: &[Property] = &[s("name"), s("display_name")];
/// Properties of `Program`, key first.
pub const PROGRAM_PROPERTIES: &[Property] = &[s("name")];
/// Properties of `Cohort`, key first.
pub const COHORT_PROPERTIES: &[Property] = &[s("id"), s("program")];

/// Node tables in load order (a relationship's ends are loaded before it): label and properties,
/// key first.
pub const NODE_TABLES: &[(Ident, &[Property])] = &[
    (label::SKILL, SKILL_PROPERTIES),
    (label::PROGRAM, PROGRAM_PROPERTIES),
    (label::COHORT, COHORT_PROPERTIES),
    (label::COUNTRY, COUNTRY_PROPERTIES),
    (label::CITY, CITY_PROPERTIES),
    (label::LEARNER, LEARNER_PROPERTIES),
];

/// Relationship tables: type, from, to, properties.
pub const REL_TABLES: &[(Ident, Ident, Ident, &[Property])] = &[
    (rel::IN_PROGRAM, label::COHORT, label::PROGRAM, &[]),
    (rel::IN_COUNTRY, label::CITY, label::COUNTRY, &[]),
    (rel::HAS_SKILL, label::LEARNER, label::SKILL, &[]),
    (
        rel::ENROLLED_IN,
        label::LEARNER,
        label::COHORT,
        ENROLLED_IN_PROPERTIES,
    ),
    (rel::LIVES_IN, label::LEARNER, label::CITY, &[]),
    (rel::RESIDES_IN, label::LEARNER, label::COUNTRY, &[]),
    (rel::FROM_COUNTRY, label::LEARNER, label::COUNTRY, &[]),
];

/// `CREATE … TABLE IF NOT EXISTS` statements for the whole model, nodes first.
pub fn ddl() -> Vec<String> {
    let columns = |props: &[Property]| {
        props
            .iter()
            .map(|p| format!(", {} {}", p.name, column_type(p.ty)))
            .collect::<String>()
    };
    let mut out = Vec::new();
    for (label, props) in NODE_TABLES {
        out.push(format!(
            "CREATE NODE TABLE IF NOT EXISTS {label}({key} {ty} PRIMARY KEY{rest})",
            key = props[0].name,
            ty = column_type(props[0].ty),
            rest = columns(&props[1..]),
        ));
    }
    for (ty, from, to, props) in REL_TABLES {
        out.push(format!(
            "CREATE REL TABLE IF NOT EXISTS {ty}(FROM {from} TO {to}{rest})",
            rest = columns(props),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_declared_with_typed_columns() {
        let ddl = ddl();
        assert_eq!(ddl.len(), NODE_TABLES.len() + REL_TABLES.len());
        let learner = ddl
            .iter()
            .find(|s| s.contains("TABLE IF NOT EXISTS Learner("))
            .unwrap();
        for col in [
            "learner_id STRING PRIMARY KEY",
            "birth_date DATE",
            "skills STRING[]",
            "signup_at TIMESTAMP",
            "assessment_score DOUBLE",
            "source_row INT64",
        ] {
            assert!(learner.contains(col), "{col} in {learner}");
        }
        assert!(ddl.contains(
            &"CREATE REL TABLE IF NOT EXISTS ENROLLED_IN(FROM Learner TO Cohort, status STRING, enrolled_at DATE, completed_at DATE, score DOUBLE)".to_string()
        ));
    }
}
