//! Built-in questions (`learngraph query --preset NAME`): Cypher that runs unchanged on the
//! embedded database and on a Bolt server, so that both targets give the same answers.
//!
//! The statements stay within the Cypher both LadybugDB and Neo4j-compatible servers accept: no
//! `^` or `pow` (distances square with a multiplication), no `round` (its arity differs), no map
//! projections, aggregation before a
//! key lookup rather than a join on a non-key property (LadybugDB has no secondary indexes, and a
//! Bolt server should not scan `Learner` once per country).

/// One built-in question.
#[derive(Clone, Copy, Debug)]
pub struct Preset {
    /// Name on the command line.
    pub name: &'static str,
    /// What it answers, for `--preset list`.
    pub about: &'static str,
    /// The statement.
    pub cypher: &'static str,
    /// Parameters with their defaults (`None`: the user must give it), as JSON text.
    pub params: &'static [(&'static str, Option<&'static str>)],
    /// Keep only the first N rows per value of the first column (rows come sorted by it), where N
    /// is the `top` parameter: Cypher has no portable "top N per group".
    pub top_per_group: bool,
}

/// Learners per value of a `Country` property, for the three geography levels.
macro_rules! by_country_property {
    ($prop:literal) => {
        concat!(
            "MATCH (l:Learner) WHERE l.country_of_residence_code IS NOT NULL \
             WITH l.country_of_residence_code AS code, count(*) AS n \
             MATCH (c:Country {code: code}) \
             RETURN c.",
            $prop,
            " AS ",
            $prop,
            ", sum(n) AS learners ORDER BY learners DESC, ",
            $prop
        )
    };
}

/// Great-circle distance in km between `c` (the centre, with `lat`/`lon`) and `d`, a `City`.
macro_rules! haversine {
    () => {
        "WITH d, n, sin(radians(d.latitude - lat) / 2) AS a, sin(radians(d.longitude - lon) / 2) AS b, lat \
         WITH d, n, a * a + cos(radians(lat)) * cos(radians(d.latitude)) * b * b AS h \
         WITH d, n, 2 * 6371.0088 * asin(sqrt(h)) AS km WHERE km <= $km \
         RETURN d.id AS city_id, d.name AS city, d.country_code AS country, km, n AS learners \
         ORDER BY km, city_id"
    };
}

/// Every built-in question.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "learners-by-region",
        about: "Learners per UN M49 region of residence",
        cypher: by_country_property!("region"),
        params: &[],
        top_per_group: false,
    },
    Preset {
        name: "learners-by-subregion",
        about: "Learners per UN M49 subregion of residence",
        cypher: by_country_property!("subregion"),
        params: &[],
        top_per_group: false,
    },
    Preset {
        name: "learners-by-continent",
        about: "Learners per continent of residence",
        cypher: by_country_property!("continent"),
        params: &[],
        top_per_group: false,
    },
    Preset {
        name: "learners-by-country",
        about: "Learners per country of residence (the `limit` largest)",
        cypher: "MATCH (l:Learner) WHERE l.country_of_residence_code IS NOT NULL \
                 WITH l.country_of_residence_code AS code, count(*) AS n \
                 MATCH (c:Country {code: code}) \
                 RETURN c.code AS code, c.name AS country, n AS learners \
                 ORDER BY learners DESC, code LIMIT $limit",
        params: &[("limit", Some("50"))],
        top_per_group: false,
    },
    Preset {
        name: "learners-by-city",
        about: "Learners per city of residence (the `limit` largest)",
        cypher: "MATCH (l:Learner) WHERE l.city_of_residence_id IS NOT NULL \
                 WITH l.city_of_residence_id AS id, count(*) AS n \
                 MATCH (c:City {id: id}) \
                 RETURN c.id AS city_id, c.name AS city, c.country_code AS country, n AS learners \
                 ORDER BY learners DESC, city_id LIMIT $limit",
        params: &[("limit", Some("50"))],
        top_per_group: false,
    },
    Preset {
        name: "top-skills-per-region",
        about: "The `top` most common skills in each UN M49 region of residence",
        cypher: "MATCH (l:Learner)-[:HAS_SKILL]->(s:Skill) \
                 WHERE l.country_of_residence_code IS NOT NULL \
                 WITH l.country_of_residence_code AS code, s.name AS skill, count(*) AS n \
                 MATCH (c:Country {code: code}) \
                 RETURN c.region AS region, skill, sum(n) AS learners \
                 ORDER BY region, learners DESC, skill",
        params: &[("top", Some("5"))],
        top_per_group: true,
    },
    Preset {
        name: "completion-by-country",
        about: "Enrollments, completions and completion rate (%) per country of residence",
        cypher: "MATCH (l:Learner)-[e:ENROLLED_IN]->(:Cohort) \
                 WHERE l.country_of_residence_code IS NOT NULL \
                 WITH l.country_of_residence_code AS code, count(*) AS enrollments, \
                      sum(CASE WHEN e.status = 'completed' THEN 1 ELSE 0 END) AS completed \
                 RETURN code, enrollments, completed, \
                        100.0 * completed / enrollments AS completion_pct \
                 ORDER BY code",
        params: &[],
        top_per_group: false,
    },
    Preset {
        name: "learners-near-city",
        about: "Learners per city within `km` of the city `city` (an id, or a name: the most populous)",
        cypher: concat!(
            "MATCH (c:City) WHERE c.id = $city OR c.name = $city \
             WITH c ORDER BY c.population DESC LIMIT 1 \
             WITH c.latitude AS lat, c.longitude AS lon \
             MATCH (l:Learner) WHERE l.city_of_residence_id IS NOT NULL \
             WITH lat, lon, l.city_of_residence_id AS id, count(*) AS n \
             MATCH (d:City {id: id}) WHERE d.latitude IS NOT NULL ",
            haversine!()
        ),
        params: &[("city", None), ("km", Some("50"))],
        top_per_group: false,
    },
    Preset {
        name: "learners-near-point",
        about: "Learners per city within `km` of the point (`lat`, `lon`)",
        cypher: concat!(
            "MATCH (l:Learner) WHERE l.city_of_residence_id IS NOT NULL \
             WITH l.city_of_residence_id AS id, count(*) AS n \
             MATCH (d:City {id: id}) WHERE d.latitude IS NOT NULL \
             WITH d, n, $lat AS lat, $lon AS lon ",
            haversine!()
        ),
        params: &[("lat", None), ("lon", None), ("km", Some("50"))],
        top_per_group: false,
    },
    Preset {
        name: "learner",
        about: "One learner by `id`, with skills, enrollments, country and city",
        cypher: "MATCH (l:Learner {learner_id: $id}) \
                 OPTIONAL MATCH (l)-[:HAS_SKILL]->(s:Skill) \
                 WITH l, collect(s.name) AS skills \
                 OPTIONAL MATCH (l)-[e:ENROLLED_IN]->(k:Cohort) \
                 WITH l, skills, collect(CASE WHEN k IS NULL THEN NULL ELSE k.id + ':' + coalesce(e.status, '') END) AS enrollments \
                 OPTIONAL MATCH (c:Country {code: l.country_of_residence_code}) \
                 OPTIONAL MATCH (t:City {id: l.city_of_residence_id}) \
                 RETURN l AS learner, skills, enrollments, c.name AS country, c.region AS region, \
                        t.name AS city, t.latitude AS latitude, t.longitude AS longitude",
        params: &[("id", None)],
        top_per_group: false,
    },
];

/// The preset called `name`.
pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_parameters_appear_in_the_statements() {
        for (i, p) in PRESETS.iter().enumerate() {
            assert!(
                PRESETS[i + 1..].iter().all(|q| q.name != p.name),
                "{}",
                p.name
            );
            for (name, _) in p.params {
                let used =
                    p.cypher.contains(&format!("${name}")) || (p.top_per_group && *name == "top");
                assert!(used, "{}: ${name} unused", p.name);
            }
            for word in p
                .cypher
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
            {
                if let Some(name) = word.strip_prefix('$') {
                    assert!(
                        p.params.iter().any(|(n, _)| *n == name),
                        "{}: ${name} undeclared",
                        p.name
                    );
                }
            }
        }
    }
}
