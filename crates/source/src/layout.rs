//! Resolves the header of an export against the column mapping: which column holds which field.

use std::path::Path;

use crate::config::ColumnMapping;
use crate::error::SourceError;
use crate::field::Field;

/// Where each field is in a row of one export, and how wide its rows are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnLayout {
    index: [Option<usize>; Field::ALL.len()],
    header: Vec<String>,
}

impl ColumnLayout {
    /// Matches `header` against `mapping`: exact name first, then case- and space-insensitive.
    pub fn resolve(
        path: &Path,
        header: &[String],
        mapping: &ColumnMapping,
    ) -> Result<ColumnLayout, SourceError> {
        for (i, name) in header.iter().enumerate() {
            if let Some(j) = header[..i].iter().position(|h| h == name) {
                return Err(SourceError::DuplicateColumn {
                    path: path.to_path_buf(),
                    column: name.clone(),
                    first: j + 1,
                    second: i + 1,
                });
            }
        }
        let mut index = [None; Field::ALL.len()];
        for field in Field::ALL {
            let Some(column) = mapping.column(field) else {
                continue;
            };
            let found = header.iter().position(|h| h == column).or_else(|| {
                header
                    .iter()
                    .position(|h| h.trim().eq_ignore_ascii_case(column.trim()))
            });
            match found {
                Some(i) => index[field.index()] = Some(i),
                None => {
                    return Err(SourceError::MissingColumn {
                        path: path.to_path_buf(),
                        field: field.name(),
                        column: column.to_string(),
                        available: header.to_vec(),
                        closest: closest_match(column, header.iter().map(String::as_str))
                            .map(str::to_string),
                    })
                }
            }
        }
        Ok(ColumnLayout {
            index,
            header: header.to_vec(),
        })
    }

    /// Column index of `field`, or `None` when the export does not have it.
    pub fn column(&self, field: Field) -> Option<usize> {
        self.index[field.index()]
    }

    /// Number of columns every row must have.
    pub fn width(&self) -> usize {
        self.header.len()
    }

    /// The header's column names.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// Header columns that no field is mapped to (ignored, and reported).
    pub fn unmapped_columns(&self) -> Vec<String> {
        self.header
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.index.contains(&Some(*i)))
            .map(|(_, h)| h.clone())
            .collect()
    }
}

/// The candidate nearest to `wanted` by edit distance (case-insensitive), if it is close enough
/// to be a plausible typo: at most a third of the longer name's length.
pub fn closest_match<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let w = wanted.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (levenshtein(&w, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= w.chars().count().max(c.chars().count()).div_ceil(3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Edit distance between two strings, by characters.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn all_default() -> Vec<String> {
        Field::ALL.iter().map(|f| f.name().to_string()).collect()
    }

    #[test]
    fn resolves_defaults_in_any_order() {
        let mut h = all_default();
        h.reverse();
        h.push("extra".into());
        let l = ColumnLayout::resolve(Path::new("x.csv"), &h, &ColumnMapping::default()).unwrap();
        assert_eq!(l.column(Field::LearnerId), Some(16));
        assert_eq!(l.column(Field::AssessmentScore), Some(0));
        assert_eq!(l.unmapped_columns(), vec!["extra".to_string()]);
        assert_eq!(l.width(), 18);
    }

    #[test]
    fn a_missing_column_names_the_closest_one() {
        let mut h = all_default();
        h[0] = "learnerid".into();
        let err = ColumnLayout::resolve(Path::new("in.csv"), &h, &ColumnMapping::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("in.csv, line 1"), "{err}");
        assert!(err.contains("no column `learner_id`"), "{err}");
        assert!(err.contains("closest match: `learnerid`"), "{err}");
    }

    #[test]
    fn case_and_spaces_are_forgiven_and_absent_fields_allowed() {
        let mut h = all_default();
        h[2] = " EMAIL ".into();
        let mut m = ColumnMapping::default();
        m.0.insert(Field::Bio, String::new());
        h.retain(|c| c != "bio");
        let l = ColumnLayout::resolve(Path::new("x"), &h, &m).unwrap();
        assert_eq!(l.column(Field::Email), Some(2));
        assert_eq!(l.column(Field::Bio), None);
    }

    #[test]
    fn duplicate_header_names_are_refused() {
        let err = ColumnLayout::resolve(
            Path::new("x"),
            &header(&["a", "b", "a"]),
            &ColumnMapping::default(),
        )
        .unwrap_err();
        assert!(matches!(
            err,
            SourceError::DuplicateColumn {
                first: 1,
                second: 3,
                ..
            }
        ));
    }

    #[test]
    fn closest_match_table() {
        let cands = ["learner_id", "email", "country_of_residence"];
        for (wanted, want) in [
            ("learnerid", Some("learner_id")),
            ("Email", Some("email")),
            ("country_residence", Some("country_of_residence")),
            ("bio", None),
            ("zzzzzzzz", None),
        ] {
            assert_eq!(closest_match(wanted, cands), want, "{wanted}");
        }
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
    }
}
