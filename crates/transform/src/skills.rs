//! Skill lists to normalised skill names: `Python, SQL`, `python;sql` and `["Python","SQL"]` alike.
//!
//! The normalised name (the `Skill` key) is the trimmed, whitespace-collapsed, lowercased token, so
//! `python` and `Python ` are one skill; the spelling is kept as a display name candidate.

use learngraph_model::Key;
use learngraph_source::{Field, Sentinels};

use crate::memo::Memo;
use crate::stats::{FieldStats, Repair};
use crate::text::collapse_whitespace;

/// One skill token: its normalised key and the spelling it had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkillToken {
    /// Normalised name.
    pub name: Key,
    /// Trimmed original spelling.
    pub display: Key,
}

/// Normalised tokens by raw token, each spelling normalised once.
#[derive(Debug, Default)]
pub struct SkillCache(Memo<Option<SkillToken>>);

impl SkillCache {
    fn token(&mut self, raw: &str, sentinels: &Sentinels) -> Option<SkillToken> {
        self.0.get_or(raw.as_bytes(), || {
            let display = collapse_whitespace(raw.trim_matches(|c: char| {
                c.is_whitespace() || c == '"' || c == '\'' || c == '[' || c == ']'
            }));
            (!display.is_empty() && !sentinels.is_null(display.as_bytes())).then(|| SkillToken {
                name: Key::from(display.to_lowercase()),
                display: Key::from(display.as_ref()),
            })
        })
    }
}

/// Splits and normalises a skills cell (already cleaned text). Returns unique skills sorted by name.
pub fn parse_skills(
    cell: &str,
    sentinels: &Sentinels,
    stats: &mut FieldStats,
    cache: &mut SkillCache,
) -> Vec<SkillToken> {
    let mut out: Vec<SkillToken> = Vec::new();
    let mut push = |raw: &str| {
        if let Some(token) = cache.token(raw, sentinels) {
            if !out.iter().any(|s| s.name == token.name) {
                out.push(token);
            }
        }
    };
    let trimmed = cell.trim();
    if trimmed.starts_with('[') {
        match serde_json::from_str::<Vec<serde_json::Value>>(trimmed) {
            Ok(items) => {
                for item in &items {
                    if let Some(s) = item.as_str() {
                        push(s);
                    }
                }
            }
            Err(_) => {
                stats.repair(Field::SkillsList, Repair::SkillsJsonFallback);
                trimmed.split([',', ';', '|']).for_each(&mut push);
            }
        }
    } else {
        trimmed.split([',', ';', '|']).for_each(&mut push);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(cell: &str) -> Vec<String> {
        let s = Sentinels::new(&["-99".into(), "N/A".into()]);
        let mut stats = FieldStats::default();
        parse_skills(cell, &s, &mut stats, &mut SkillCache::default())
            .into_iter()
            .map(|t| t.name.to_string())
            .collect()
    }

    #[test]
    fn skills_table() {
        let cases: &[(&str, &[&str])] = &[
            (
                "Python, SQL, Data Analysis",
                &["data analysis", "python", "sql"],
            ),
            ("python;sql", &["python", "sql"]),
            (r#"["Python","SQL"]"#, &["python", "sql"]),
            ("Python, python , PYTHON", &["python"]),
            ("  Machine   Learning ,", &["machine learning"]),
            ("C++; C#, Node.js", &["c#", "c++", "node.js"]),
            ("Excel | Power BI", &["excel", "power bi"]),
            (r#"["Python", "SQL""#, &["python", "sql"]),
            (r#"[]"#, &[]),
            ("Python, N/A, -99", &["python"]),
            ("", &[]),
            ("Énergie, énergie", &["énergie"]),
        ];
        for (cell, want) in cases {
            assert_eq!(names(cell), *want, "{cell:?}");
        }
    }

    #[test]
    fn malformed_json_is_split_and_counted() {
        let s = Sentinels::new(&[]);
        let mut stats = FieldStats::default();
        let got = parse_skills(
            r#"["Python", "SQL"#,
            &s,
            &mut stats,
            &mut SkillCache::default(),
        );
        assert_eq!(got.len(), 2);
        assert_eq!(
            stats.repairs(Field::SkillsList, Repair::SkillsJsonFallback),
            1
        );
        assert_eq!(&*got[0].display, "Python");
    }
}
