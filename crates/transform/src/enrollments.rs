//! The enrollments cell: a JSON array of `{program, cohort, status, enrolled_at, completed_at, score}`.
//!
//! Malformed JSON makes the whole cell null (counted); a single object is taken as a one-element
//! array; entries without a cohort are skipped and counted; values are normalised like the
//! learner's own (status vocabulary, dates, score range).
//!
//! The export's cells are compact JSON without escapes, which `plain_json` reads in half
//! the instructions `serde_json` takes; every other cell goes to `serde_json`.

use std::borrow::Cow;
use std::fmt;

use learngraph_model::{Date, Enrollment, EnrollmentStatus, Key};

use crate::intern::Interner;
use crate::memo::Memo;
use crate::plain_json::Parser;
use learngraph_source::Field;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::date::{parse_date, DateValue};
use crate::stats::{FieldStats, NullReason, Repair};
use crate::text::collapse_whitespace;
use crate::vocab::enrollment_status;

/// An enrollment with the programme its cohort belongs to.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedEnrollment {
    /// The relationship.
    pub enrollment: Enrollment,
    /// Programme name, when given; one key per name, as for cohort ids.
    pub program: Option<Key>,
}

/// One entry as the export writes it; strings borrow from the cell where JSON allows.
#[derive(Default, Deserialize)]
struct RawEnrollment<'a> {
    #[serde(borrow, default)]
    program: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    cohort: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    status: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    enrolled_at: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    completed_at: Option<Scalar<'a>>,
    #[serde(borrow, default)]
    score: Option<Scalar<'a>>,
}

/// A JSON value reduced to what an enrollment field can use: text, a number, or anything else.
enum Scalar<'a> {
    Text(Cow<'a, str>),
    Number(f64),
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Scalar<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Number(v as f64))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar<'a>, E> {
                Ok(Scalar::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Scalar<'a>, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Scalar<'a>, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// Hands each entry of a cell of the export's plain shape (see `plain_json`) to `item`, as it is
/// read; `None` where the cell leaves that shape, after the entries before that point.
fn with_plain_reader<'a>(cell: &'a str, mut item: impl FnMut(RawEnrollment<'a>)) -> Option<()> {
    let mut p = Parser::new(cell);
    if p.peek() == Some(b'{') {
        item(plain_object(&mut p)?);
    } else {
        p.array(|p| {
            item(plain_object(p)?);
            Some(())
        })?;
    }
    p.at_end().then_some(())
}

/// A flat object; `None` also for a key given twice, which `serde_json` refuses.
fn plain_object<'a>(p: &mut Parser<'a>) -> Option<RawEnrollment<'a>> {
    let mut e = RawEnrollment::default();
    let mut seen = 0u8;
    p.object(|p, key| {
        let value = plain_value(p)?;
        let mut ignored = None;
        let (bit, slot) = match key {
            "program" => (1, &mut e.program),
            "cohort" => (2, &mut e.cohort),
            "status" => (4, &mut e.status),
            "enrolled_at" => (8, &mut e.enrolled_at),
            "completed_at" => (16, &mut e.completed_at),
            "score" => (32, &mut e.score),
            _ => (0, &mut ignored),
        };
        if seen & bit != 0 {
            return None;
        }
        seen |= bit;
        *slot = value;
        Some(())
    })?;
    Some(e)
}

/// A value as an enrollment field holds it: `None` for JSON's `null`.
fn plain_value<'a>(p: &mut Parser<'a>) -> Option<Option<Scalar<'a>>> {
    match p.peek()? {
        b'"' => Some(Some(Scalar::Text(Cow::Borrowed(p.string()?)))),
        b'-' | b'0'..=b'9' => Some(Some(Scalar::Number(p.number()?))),
        b'n' => p.literal("null").map(|()| None),
        b't' => p.literal("true").map(|()| Some(Scalar::Other)),
        b'f' => p.literal("false").map(|()| Some(Scalar::Other)),
        _ => None,
    }
}

/// A text value with its whitespace collapsed; borrowed from the cell when nothing changed.
fn text<'v>(v: &'v Option<Scalar<'_>>) -> Option<Cow<'v, str>> {
    let s = match v.as_ref()? {
        Scalar::Text(s) => collapse_whitespace(s),
        Scalar::Number(n) => Cow::Owned(n.to_string()),
        Scalar::Other => return None,
    };
    (!s.is_empty()).then_some(s)
}

fn date(v: &Option<Scalar<'_>>) -> Option<Date> {
    match v.as_ref()? {
        Scalar::Text(s) => match parse_date(s) {
            Ok(DateValue::Full(d)) => Some(d),
            _ => None,
        },
        _ => None,
    }
}

/// A score from 0 to 100, as a number or numeric string.
fn score(v: &Option<Scalar<'_>>) -> Option<f64> {
    let x = match v.as_ref()? {
        Scalar::Number(n) => *n,
        Scalar::Text(s) => s.trim().parse().ok()?,
        Scalar::Other => return None,
    };
    (x.is_finite() && (0.0..=100.0).contains(&x)).then_some(x)
}

/// The entries of a trimmed cell of any shape JSON allows.
fn with_serde(cell: &str) -> Result<Vec<RawEnrollment<'_>>, NullReason> {
    if cell.starts_with('{') {
        Ok(vec![
            serde_json::from_str(cell).map_err(|_| NullReason::InvalidJson)?
        ])
    } else {
        serde_json::from_str(cell).map_err(|_| NullReason::InvalidJson)
    }
}

/// Enrollment statuses by their text, normalised once per spelling.
pub type StatusCache = Memo<Option<EnrollmentStatus>>;

/// Parses a non-null enrollments cell into `out`, a worker's reused buffer (cleared first), sorted
/// by cohort. `Err` only for JSON that does not parse or is not an array of objects (or one
/// object).
pub fn parse_enrollments(
    cell: &str,
    stats: &mut FieldStats,
    keys: &mut Interner,
    statuses: &mut StatusCache,
    out: &mut Vec<ParsedEnrollment>,
) -> Result<(), NullReason> {
    out.clear();
    let cell = cell.trim();
    let mut entries = Entries {
        out,
        keys,
        statuses,
        without_cohort: 0,
        repeated: 0,
    };
    // Whole or nothing: a cell that leaves the plain shape halfway is read again by `serde_json`,
    // from an empty list, so the entries the plain reader took first are not counted twice.
    if with_plain_reader(cell, |item| entries.add(&item)).is_none() {
        entries.out.clear();
        (entries.without_cohort, entries.repeated) = (0, 0);
        for item in with_serde(cell)? {
            entries.add(&item);
        }
    }
    let (without_cohort, repeated) = (entries.without_cohort, entries.repeated);
    stats.add_repairs(
        Field::Enrollments,
        Repair::EnrollmentWithoutCohort,
        without_cohort,
    );
    stats.add_repairs(Field::Enrollments, Repair::DuplicateEnrollment, repeated);
    out.sort_by_key(|a| a.enrollment.cohort_id);
    Ok(())
}

/// A cell's entries on their way into the worker's buffer.
struct Entries<'w> {
    out: &'w mut Vec<ParsedEnrollment>,
    keys: &'w mut Interner,
    statuses: &'w mut StatusCache,
    /// Entries skipped for having no cohort.
    without_cohort: u64,
    /// Entries skipped for repeating an earlier entry's cohort.
    repeated: u64,
}

impl Entries<'_> {
    fn add(&mut self, item: &RawEnrollment<'_>) {
        let Some(cohort_id) = text(&item.cohort) else {
            self.without_cohort += 1;
            return;
        };
        if self
            .out
            .iter()
            .any(|e| *e.enrollment.cohort_id == *cohort_id)
        {
            self.repeated += 1;
            return;
        }
        let status: Option<EnrollmentStatus> = text(&item.status).and_then(|s| {
            self.statuses
                .get_or(s.as_bytes(), || enrollment_status(&s).ok())
        });
        self.out.push(ParsedEnrollment {
            enrollment: Enrollment {
                cohort_id: self.keys.key(&cohort_id),
                status,
                enrolled_at: date(&item.enrolled_at),
                completed_at: date(&item.completed_at),
                score: score(&item.score),
            },
            program: text(&item.program).map(|p| self.keys.key(&p)),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `parse_enrollments` into a buffer that holds a stale entry, which the parse must clear.
    fn parse(
        cell: &str,
        stats: &mut FieldStats,
        statuses: &mut StatusCache,
    ) -> Result<Vec<ParsedEnrollment>, NullReason> {
        let mut keys = Interner::default();
        let mut out = Vec::new();
        parse_enrollments(
            r#"{"cohort":"stale"}"#,
            stats,
            &mut keys,
            statuses,
            &mut out,
        )?;
        assert_eq!(out.len(), 1);
        *stats = FieldStats::default();
        parse_enrollments(cell, stats, &mut keys, statuses, &mut out).map(|()| out)
    }

    #[test]
    fn the_spec_example_parses_fully() {
        let cell = r#"[{"program":"Data Science","cohort":"DS-2023-07","status":"graduated","enrolled_at":"2023-07-01","completed_at":"2024-01-15","score":87.5}]"#;
        let mut stats = FieldStats::default();
        let got = parse(cell, &mut stats, &mut StatusCache::default()).unwrap();
        assert_eq!(got.len(), 1);
        let e = &got[0];
        assert_eq!(e.program.as_deref(), Some("Data Science"));
        assert_eq!(&*e.enrollment.cohort_id, "DS-2023-07");
        assert_eq!(e.enrollment.status, Some(EnrollmentStatus::Completed));
        assert_eq!(e.enrollment.enrolled_at.unwrap().to_string(), "2023-07-01");
        assert_eq!(e.enrollment.completed_at.unwrap().to_string(), "2024-01-15");
        assert_eq!(e.enrollment.score, Some(87.5));
    }

    #[test]
    fn enrollment_cells_table() {
        // (cell, Ok(number of enrollments) or the null reason)
        let cases: &[(&str, Result<usize, NullReason>)] = &[
            ("[]", Ok(0)),
            (r#"{"cohort":"A-1"}"#, Ok(1)),
            (r#"[{"cohort":"A-1"},{"cohort":"B-2","score":"90"}]"#, Ok(2)),
            (r#"[{"cohort":"A-1"},{"cohort":"A-1"}]"#, Ok(1)),
            (r#"[{"program":"X"}]"#, Ok(0)),
            (
                r#"[{"cohort":"A-1","score":120,"enrolled_at":"2023-02-30"}]"#,
                Ok(1),
            ),
            (r#"[{"cohort":"A-1""#, Err(NullReason::InvalidJson)),
            ("not json", Err(NullReason::InvalidJson)),
            ("[1,2]", Err(NullReason::InvalidJson)),
            ("42", Err(NullReason::InvalidJson)),
        ];
        for (cell, want) in cases {
            let mut stats = FieldStats::default();
            let got = parse(cell, &mut stats, &mut StatusCache::default()).map(|v| v.len());
            assert_eq!(got, *want, "{cell}");
        }
    }

    /// The entries the plain reader hands over, if it reads the whole cell.
    fn plain(cell: &str) -> Option<Vec<RawEnrollment<'_>>> {
        let mut items = Vec::new();
        with_plain_reader(cell, |item| items.push(item)).map(|()| items)
    }

    #[test]
    fn a_cell_the_plain_reader_gives_up_on_halfway_counts_its_entries_once() {
        // (cell, cohorts, entries without a cohort, repeated entries): the escape in each last
        // entry sends the cell to serde_json after the plain reader took the entries before it.
        let cases: &[(&str, &[&str], u64, u64)] = &[
            (r#"[{"program":"X"},{"cohort":"A\u0042"}]"#, &["AB"], 1, 0),
            (
                r#"[{"cohort":"A"},{"cohort":"A"},{"cohort":"B\"C"}]"#,
                &["A", "B\"C"],
                0,
                1,
            ),
        ];
        for &(cell, cohorts, without_cohort, repeated) in cases {
            assert!(plain(cell).is_none(), "{cell}");
            let mut stats = FieldStats::default();
            let got = parse(cell, &mut stats, &mut StatusCache::default()).unwrap();
            let got: Vec<&str> = got.iter().map(|e| &*e.enrollment.cohort_id).collect();
            assert_eq!(got, cohorts, "{cell}");
            let repairs = |r| stats.repairs(Field::Enrollments, r);
            assert_eq!(
                (
                    repairs(Repair::EnrollmentWithoutCohort),
                    repairs(Repair::DuplicateEnrollment)
                ),
                (without_cohort, repeated),
                "{cell}"
            );
        }
    }

    /// What a parse gave, comparable: each entry's six fields as text.
    fn describe(items: &[RawEnrollment<'_>]) -> Vec<[String; 6]> {
        let one = |v: &Option<Scalar<'_>>| match v {
            None => "null".to_string(),
            Some(Scalar::Text(t)) => format!("text {t:?}"),
            Some(Scalar::Number(n)) => format!("number {:x}", n.to_bits()),
            Some(Scalar::Other) => "other".to_string(),
        };
        items
            .iter()
            .map(|e| {
                [
                    &e.program,
                    &e.cohort,
                    &e.status,
                    &e.enrolled_at,
                    &e.completed_at,
                    &e.score,
                ]
                .map(one)
            })
            .collect()
    }

    /// Where the plain reader answers, `serde_json` answers the same; where `serde_json` refuses a
    /// cell, the plain reader does not answer. The cell is trimmed, as `parse_enrollments` does.
    fn readers_agree(cell: &str) {
        let cell = cell.trim();
        if let Some(plain) = plain(cell) {
            let serde = with_serde(cell).unwrap_or_else(|_| panic!("serde refuses {cell:?}"));
            assert_eq!(describe(&plain), describe(&serde), "{cell:?}");
        }
    }

    #[test]
    fn the_plain_reader_agrees_with_serde_json_on_tables() {
        let cells = [
            "[]",
            " [ ] ",
            r#"{"cohort":"A-1"}"#,
            r#"[{"program":"Data Science","cohort":"DS-2023-07","status":"graduated","enrolled_at":"2023-07-01","completed_at":"2024-01-15","score":87.5}]"#,
            r#"[ { "cohort" : "A-1" , "score" : -0 } , {"cohort":"B","score":"90"} ]"#,
            r#"[{"cohort":"A","score":null,"status":true,"program":false}]"#,
            r#"[{"cohort":"A","extra":1,"more":"x","none":null}]"#,
            r#"[{"cohort":"A","extra":[1]}]"#,
            r#"[{"cohort":"A","extra":{"a":1}}]"#,
            r#"[{"cohort":"A","cohort":"B"}]"#,
            r#"[{"cohort":"A","score":null,"score":1}]"#,
            r#"[{"cohort":"A\u0042"}]"#,
            r#"[{"cohort":"A\"B"}]"#,
            "[{\"cohort\":\"A\tB\"}]",
            r#"[{"cohort":"A","score":1e2}]"#,
            r#"[{"cohort":"A","score":01}]"#,
            r#"[{"cohort":"A","score":1.}]"#,
            r#"[{"cohort":"A","score":.5}]"#,
            r#"[{"cohort":"A","score":-}]"#,
            r#"[{"cohort":"A","score":12345678901234567}]"#,
            r#"[{"cohort":"A","score":0.1234567890123}]"#,
            r#"[{"cohort":"A","score":nul}]"#,
            r#"[{"cohort":"A"},]"#,
            r#"[{"cohort":"A",}]"#,
            r#"[{"cohort":"A"}"#,
            r#"[{"cohort":"A"}] x"#,
            r#"[{"cohort":"A"}]]"#,
            r#"{"cohort":"A"},{"cohort":"B"}"#,
            r#"[{}]"#,
            r#"[{"cohort":"Ünïcode ✓"}]"#,
            "[1,2]",
            "42",
            "not json",
            "",
        ];
        for cell in cells {
            readers_agree(cell);
        }
        // The common shapes are read without serde_json.
        for cell in [
            cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6],
        ] {
            assert!(plain(cell).is_some(), "{cell}");
        }
    }

    #[test]
    fn the_plain_reader_reads_numbers_as_serde_json_does() {
        let mut draws = crate::testing::Draws::new();
        let mut next = |n: usize| draws.below(n);
        for _ in 0..20_000 {
            let int = (0..1 + next(8))
                .map(|_| next(10).to_string())
                .collect::<String>();
            let int = int.trim_start_matches('0');
            let int = if int.is_empty() { "0" } else { int };
            let frac = (0..next(9))
                .map(|_| next(10).to_string())
                .collect::<String>();
            let sign = if next(3) == 0 { "-" } else { "" };
            let number = if frac.is_empty() {
                format!("{sign}{int}")
            } else {
                format!("{sign}{int}.{frac}")
            };
            let cell = format!(r#"[{{"cohort":"A","score":{number}}}]"#);
            readers_agree(&cell);
            if int.len() + frac.len() <= 15 {
                assert!(plain(&cell).is_some(), "{cell}");
            }
        }
    }

    /// Cells one edit away from well-formed ones: a byte of JSON's syntax inserted, removed or
    /// replaced at every position.
    #[test]
    fn the_plain_reader_agrees_with_serde_json_on_edited_cells() {
        let bases = [
            r#"[{"program":"Data Science","cohort":"DS-2023-07","status":"graduated","enrolled_at":"2023-07-01","score":87.5},{"cohort":"X","score":null,"completed_at":"2024-01-15"}]"#,
            r#"{"cohort":"A-1","score":-12.25,"status":true}"#,
        ];
        let syntax = b"[]{}\",:.-0e nt\\";
        let mut answered = 0;
        for base in bases {
            let bytes = base.as_bytes();
            for at in 0..=bytes.len() {
                for &b in syntax {
                    let mut edits = vec![
                        [&bytes[..at], &[b], &bytes[at..]].concat(),
                        [&bytes[..at], &bytes[(at + 1).min(bytes.len())..]].concat(),
                    ];
                    if at < bytes.len() {
                        edits.push([&bytes[..at], &[b], &bytes[at + 1..]].concat());
                    }
                    for cell in edits {
                        let cell = String::from_utf8(cell).unwrap();
                        readers_agree(&cell);
                        answered += usize::from(plain(&cell).is_some());
                    }
                }
            }
        }
        assert!(
            answered > 1000,
            "the plain reader answered only {answered} cells"
        );
    }

    #[test]
    fn bad_values_inside_become_nulls() {
        let mut stats = FieldStats::default();
        let got = parse(
            r#"[{"cohort":"A-1","score":120,"enrolled_at":"2023-02-30","status":"??"}]"#,
            &mut stats,
            &mut StatusCache::default(),
        )
        .unwrap();
        let e = &got[0].enrollment;
        assert_eq!((e.score, e.enrolled_at, e.status), (None, None, None));
    }

    #[test]
    fn statuses_are_normalised_through_the_memo() {
        let cell = r#"[{"cohort":"A","status":"Graduated"},{"cohort":"B","status":"graduated"},{"cohort":"C","status":"??"}]"#;
        let mut statuses = StatusCache::default();
        let got = parse(cell, &mut FieldStats::default(), &mut statuses).unwrap();
        let got: Vec<_> = got.iter().map(|e| e.enrollment.status).collect();
        assert_eq!(
            got,
            [
                Some(EnrollmentStatus::Completed),
                Some(EnrollmentStatus::Completed),
                None
            ]
        );
        assert_eq!(statuses.len(), 3, "one entry per spelling");
    }
}
