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
///
/// Geography's typo search calls this for every name of a country against each distinct
/// unmatched spelling, so it allocates nothing per call: ASCII strings (nearly every folded
/// key) are compared as bytes, others through a per-thread character buffer, and only the three
/// rows the recurrence reads are kept, in a per-thread buffer.
pub fn edit_distance(a: &str, b: &str, bound: usize) -> usize {
    if a.is_ascii() && b.is_ascii() {
        return bounded_distance(a.as_bytes(), b.as_bytes(), bound);
    }
    thread_local! {
        static CHARS: std::cell::RefCell<(Vec<char>, Vec<char>)> = Default::default();
    }
    CHARS.with_borrow_mut(|(ca, cb)| {
        ca.clear();
        ca.extend(a.chars());
        cb.clear();
        cb.extend(b.chars());
        bounded_distance(ca, cb, bound)
    })
}

fn bounded_distance<T: PartialEq>(a: &[T], b: &[T], bound: usize) -> usize {
    if a.len().abs_diff(b.len()) > bound {
        return bound + 1;
    }
    // A cell more than `bound` off the diagonal holds more than `bound`: each row computes only
    // the band `i - bound ..= i + bound`. The rows start as `far` and the bands only move right,
    // so the cell right of a band is still `far`; the one left of it is set to `far`.
    let far = bound + 1;
    thread_local! {
        static ROWS: std::cell::RefCell<Vec<usize>> = Default::default();
    }
    ROWS.with_borrow_mut(|rows| {
        let w = b.len() + 1;
        rows.clear();
        rows.resize(3 * w, far);
        // Rows i-2, i-1 and i of the full matrix, in turn.
        let (mut before, mut prev, mut cur) = (0, w, 2 * w);
        for (j, cell) in rows[prev..prev + w].iter_mut().enumerate() {
            *cell = j.min(far);
        }
        for i in 1..=a.len() {
            let lo = i.saturating_sub(bound).max(1);
            let hi = (i + bound).min(b.len());
            rows[cur] = i.min(far);
            if lo > 1 {
                rows[cur + lo - 1] = far;
            }
            let mut row_min = rows[cur];
            for j in lo..=hi {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut v = (rows[prev + j] + 1)
                    .min(rows[cur + j - 1] + 1)
                    .min(rows[prev + j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    v = v.min(rows[before + j - 2] + 1);
                }
                rows[cur + j] = v.min(far);
                row_min = row_min.min(v);
            }
            if row_min > bound {
                return far;
            }
            (before, prev, cur) = (prev, cur, before);
        }
        rows[prev + b.len()].min(far)
    })
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
            ("", "", 0, 0),
            ("", "ab", 2, 2),
            ("abcd", "badc", 2, 2),
            ("ca", "abc", 3, 3),
            ("giza", "gzia", 1, 1),
            ("القاهرة", "القاهره", 1, 1),
            ("القاهرة", "لقاهرة", 1, 1),
            ("القاهرة", "cairo", 2, 3),
            ("mañana", "manana", 1, 1),
            ("ñ", "n", 0, 1),
        ] {
            assert_eq!(edit_distance(a, b, bound), want, "{a} {b}");
        }
    }

    /// The textbook full matrix, unbounded: what the bounded rolling rows must agree with.
    fn reference_distance(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let mut d: Vec<Vec<usize>> = (0..=a.len())
            .map(|i| (0..=b.len()).map(|j| if i == 0 { j } else { i }).collect())
            .collect();
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[a.len()][b.len()]
    }

    #[test]
    fn bounded_distances_agree_with_the_full_matrix_on_random_strings() {
        // ASCII and non-ASCII alphabets, so that both paths are taken.
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for alphabet in [&['a', 'b', 'c'][..], &['a', 'é', 'م', 'b']] {
            for case in 0..20_000 {
                let word = |x: &mut u64| -> String {
                    let len = crate::testing::xorshift(x) % 13;
                    (0..len)
                        .map(|_| {
                            alphabet[(crate::testing::xorshift(x) % alphabet.len() as u64) as usize]
                        })
                        .collect()
                };
                let (a, b) = (word(&mut x), word(&mut x));
                let bound = case % 4;
                let want = reference_distance(&a, &b).min(bound + 1);
                assert_eq!(edit_distance(&a, &b, bound), want, "{a:?} {b:?} {bound}");
            }
        }
    }
}
