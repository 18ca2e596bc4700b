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
        .map(|c| {
            let bound = w.chars().count().max(c.chars().count()).div_ceil(3);
            (edit_distance(&w, &c.to_lowercase(), bound), bound, c)
        })
        .filter(|(d, bound, _)| d <= bound)
        .map(|(d, _, c)| (d, c))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Damerau–Levenshtein distance (adjacent transpositions count once), by characters, giving up
/// (returning `bound + 1`) as soon as the distance must exceed `bound`.
pub fn edit_distance(a: &str, b: &str, bound: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > bound {
        return bound + 1;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (j, cell) in d.iter_mut().take(w).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        d[i * w] = i;
        let mut row_min = d[i * w];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
            row_min = row_min.min(v);
        }
        if row_min > bound {
            return bound + 1;
        }
    }
    d[a.len() * w + b.len()].min(bound + 1)
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
    }

    #[test]
    fn bounded_distances() {
        for (a, b, bound, want) in [
            ("nigeria", "nigera", 2, 1),
            ("nigeria", "nigreia", 2, 1),
            ("kenya", "keyna", 1, 1),
            ("chad", "china", 3, 3),
            ("chad", "china", 1, 2),
            ("egypt", "egypt", 1, 0),
            ("ethiopia", "ethiopa", 1, 1),
            ("a", "abcdef", 2, 3),
        ] {
            assert_eq!(edit_distance(a, b, bound), want, "{a} {b}");
        }
    }
}
