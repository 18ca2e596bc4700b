//! Skill lists to normalised skill names: `Python, SQL`, `python;sql` and `["Python","SQL"]` alike.
//!
//! The normalised name (the `Skill` key) is the trimmed, whitespace-collapsed, lowercased token, so
//! `python` and `Python ` are one skill; the spelling is kept as a display name candidate.

use learngraph_model::Key;
use learngraph_source::{Field, Sentinels};

use crate::memo::Memo;
use crate::plain_json::Parser;
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

/// Hands each string of a JSON array of plain strings (see `plain_json`) to `item`, read without
/// `serde_json`; `None` where the cell leaves that shape, after the strings before that point.
fn plain_strings<'a>(cell: &'a str, mut item: impl FnMut(&'a str)) -> Option<()> {
    let mut p = Parser::new(cell);
    p.array(|p| {
        item(p.string()?);
        Some(())
    })?;
    p.at_end().then_some(())
}

/// Splits and normalises a skills cell (already cleaned text) into `out`, a worker's reused
/// buffer (cleared first): unique skills sorted by name.
pub fn parse_skills(
    cell: &str,
    sentinels: &Sentinels,
    stats: &mut FieldStats,
    cache: &mut SkillCache,
    out: &mut Vec<SkillToken>,
) {
    out.clear();
    let mut push = |out: &mut Vec<SkillToken>, raw: &str| {
        if let Some(token) = cache.token(raw, sentinels) {
            if !out.iter().any(|s| s.name == token.name) {
                out.push(token);
            }
        }
    };
    let trimmed = cell.trim();
    if !trimmed.starts_with('[') {
        trimmed.split([',', ';', '|']).for_each(|s| push(out, s));
    } else if plain_strings(trimmed, |s| push(out, s)).is_none() {
        // Whole or nothing: a cell that leaves the plain shape half way goes to `serde_json`
        // as a whole.
        out.clear();
        match serde_json::from_str::<Vec<serde_json::Value>>(trimmed) {
            Ok(items) => {
                for item in &items {
                    if let Some(s) = item.as_str() {
                        push(out, s);
                    }
                }
            }
            Err(_) => {
                stats.repair(Field::SkillsList, Repair::SkillsJsonFallback);
                trimmed.split([',', ';', '|']).for_each(|s| push(out, s));
            }
        }
    }
    out.sort_by_key(|a| a.name);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(cell: &str) -> Vec<String> {
        let s = Sentinels::new(&["-99".into(), "N/A".into()]);
        let mut stats = FieldStats::default();
        let mut out = vec![token("stale")];
        parse_skills(cell, &s, &mut stats, &mut SkillCache::default(), &mut out);
        out.into_iter().map(|t| t.name.to_string()).collect()
    }

    fn token(name: &str) -> SkillToken {
        SkillToken {
            name: Key::from(name),
            display: Key::from(name),
        }
    }

    /// The plain reader's strings, or `None` where it hands the cell on.
    fn with_plain_reader(cell: &str) -> Option<Vec<&str>> {
        let mut items = Vec::new();
        plain_strings(cell, |s| items.push(s)).map(|()| items)
    }

    /// Where the plain reader answers, `serde_json` reads the same strings.
    fn readers_agree(cell: &str) {
        if let Some(plain) = with_plain_reader(cell) {
            let serde: Vec<serde_json::Value> =
                serde_json::from_str(cell).unwrap_or_else(|_| panic!("serde refuses {cell:?}"));
            let serde: Vec<&str> = serde.iter().map(|v| v.as_str().unwrap()).collect();
            assert_eq!(plain, serde, "{cell:?}");
        }
    }

    #[test]
    fn the_plain_reader_agrees_with_serde_json() {
        let base = r#"["Python", "Data Analysis","C++" ,"Énergie"]"#;
        for cell in [base, "[]", " [ ] ", r#"["a"]"#] {
            readers_agree(cell);
            assert!(with_plain_reader(cell).is_some(), "{cell}");
        }
        // Every one-byte edit of a well-formed cell.
        let bytes = base.as_bytes();
        for at in 0..=bytes.len() {
            for &b in b"[]{},:\" n\\\t" {
                let mut edits = vec![[&bytes[..at], &[b], &bytes[at..]].concat()];
                if at < bytes.len() {
                    edits.push([&bytes[..at], &bytes[at + 1..]].concat());
                    edits.push([&bytes[..at], &[b], &bytes[at + 1..]].concat());
                }
                for cell in edits {
                    if let Ok(cell) = String::from_utf8(cell) {
                        readers_agree(cell.trim());
                    }
                }
            }
        }
        for cell in [r#"["a" "b"]"#, r#"["a",]"#, r#"["a\u0041"]"#, r#"["a", 1]"#] {
            assert!(with_plain_reader(cell).is_none(), "{cell}");
        }
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
            // The plain reader reads `x,y` before it leaves the shape; the whole cell is then
            // split as text.
            (r#"["x,y" "z"]"#, &["x", r#"y" "z"#]),
        ];
        for (cell, want) in cases {
            assert_eq!(names(cell), *want, "{cell:?}");
        }
    }

    #[test]
    fn malformed_json_is_split_and_counted() {
        let s = Sentinels::new(&[]);
        let mut stats = FieldStats::default();
        let mut got = Vec::new();
        parse_skills(
            r#"["Python", "SQL"#,
            &s,
            &mut stats,
            &mut SkillCache::default(),
            &mut got,
        );
        assert_eq!(got.len(), 2);
        assert_eq!(
            stats.repairs(Field::SkillsList, Repair::SkillsJsonFallback),
            1
        );
        assert_eq!(&*got[0].display, "Python");
    }
}
