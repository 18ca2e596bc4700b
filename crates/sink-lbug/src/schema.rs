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
///
/// LadybugDB stores a relationship table in both directions by default, properties included,
/// and its `COPY` builds both. Without `backward_edges`, the tables that leave a learner (five
/// of the seven, and the millions of rows) are stored forward only (`STORAGE_DIRECTION =
/// 'fwd'`): their copies take a half to two thirds of the time, and a query reaches them from
/// the learner, which every directed pattern can (LadybugDB refuses only undirected ones on
/// such a table).
/// The small dimension tables keep both directions. A table is created once, so the choice is
/// the one the database was created with.
pub fn ddl(backward_edges: bool) -> Vec<String> {
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
        let forward_only = !backward_edges && *from == label::LEARNER;
        out.push(format!(
            "CREATE REL TABLE IF NOT EXISTS {ty}(FROM {from} TO {to}{rest}){with}",
            rest = columns(props),
            with = if forward_only {
                " WITH (STORAGE_DIRECTION = 'fwd')"
            } else {
                ""
            },
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_declared_with_typed_columns() {
        let ddl = ddl(true);
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

    #[test]
    fn only_the_learners_relationships_are_stored_forward_only_by_default() {
        let forward_only: Vec<String> = ddl(false)
            .into_iter()
            .filter(|s| s.ends_with(" WITH (STORAGE_DIRECTION = 'fwd')"))
            .collect();
        let from_learner = REL_TABLES
            .iter()
            .filter(|(_, from, _, _)| *from == label::LEARNER)
            .count();
        assert_eq!(forward_only.len(), from_learner, "{forward_only:?}");
        assert!(forward_only.iter().all(|s| s.contains("(FROM Learner TO ")));
        assert!(ddl(true).iter().all(|s| !s.contains("STORAGE_DIRECTION")));
    }
}
