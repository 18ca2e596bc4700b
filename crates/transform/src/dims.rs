//! Run-wide de-duplication of dimension nodes: each Skill, Program, Cohort, Country and City is
//! handed to the sink once, by the first batch (in input order) that references it.
//!
//! The registry runs on the ordered collector, so "first" means first in the file, whatever the
//! worker timing: a skill's display name is the spelling of its first occurrence.

use std::collections::{HashMap, HashSet};

use learngraph_model::Dimensions;

/// The dimension keys written so far in this run.
#[derive(Debug, Default)]
pub struct DimensionRegistry {
    skills: HashSet<String>,
    programs: HashSet<String>,
    cohorts: HashMap<String, Option<String>>,
    countries: HashSet<String>,
    cities: HashSet<String>,
    /// Cohorts referenced with a different programme than the one they were first seen with.
    pub cohort_program_conflicts: u64,
}

impl DimensionRegistry {
    /// Keeps only the candidates not seen before, and remembers them.
    pub fn admit(&mut self, candidates: Dimensions) -> Dimensions {
        let Dimensions {
            skills,
            programs,
            cohorts,
            countries,
            cities,
        } = candidates;
        let mut cohorts_new = Vec::new();
        for c in cohorts {
            match self.cohorts.get(&c.id) {
                Some(p) => {
                    if c.program.is_some() && *p != c.program {
                        self.cohort_program_conflicts += 1;
                    }
                }
                None => {
                    self.cohorts.insert(c.id.clone(), c.program.clone());
                    cohorts_new.push(c);
                }
            }
        }
        Dimensions {
            skills: skills
                .into_iter()
                .filter(|s| self.skills.insert(s.name.clone()))
                .collect(),
            programs: programs
                .into_iter()
                .filter(|p| self.programs.insert(p.name.clone()))
                .collect(),
            cohorts: cohorts_new,
            countries: countries
                .into_iter()
                .filter(|c| self.countries.insert(c.code.clone()))
                .collect(),
            cities: cities
                .into_iter()
                .filter(|c| self.cities.insert(c.id.clone()))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use learngraph_model::{Cohort, Skill};

    #[test]
    fn each_dimension_is_admitted_once_and_first_spelling_wins() {
        let mut r = DimensionRegistry::default();
        let skill = |n: &str, d: &str| Skill {
            name: n.into(),
            display_name: d.into(),
        };
        let first = r.admit(Dimensions {
            skills: vec![skill("python", "Python")],
            cohorts: vec![Cohort {
                id: "A".into(),
                program: Some("X".into()),
            }],
            ..Dimensions::default()
        });
        assert_eq!(first.skills, vec![skill("python", "Python")]);
        let second = r.admit(Dimensions {
            skills: vec![skill("python", "PYTHON"), skill("sql", "SQL")],
            cohorts: vec![Cohort {
                id: "A".into(),
                program: Some("Y".into()),
            }],
            ..Dimensions::default()
        });
        assert_eq!(second.skills, vec![skill("sql", "SQL")]);
        assert!(second.cohorts.is_empty());
        assert_eq!(r.cohort_program_conflicts, 1);
    }
}
