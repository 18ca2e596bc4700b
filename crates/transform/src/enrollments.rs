//! The enrollments cell: a JSON array of `{program, cohort, status, enrolled_at, completed_at, score}`.
//!
//! Malformed JSON makes the whole cell null (counted); a single object is taken as a one-element
//! array; entries without a cohort are skipped and counted; values are normalised like the
//! learner's own (status vocabulary, dates, score range).

use learngraph_model::{Enrollment, EnrollmentStatus};
use learngraph_source::Field;
use serde_json::Value;

use crate::date::{parse_date, DateValue};
use crate::stats::{FieldStats, NullReason, Repair};
use crate::text::collapse_whitespace;
use crate::vocab::enrollment_status;

/// An enrollment with the programme its cohort belongs to.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedEnrollment {
    /// The relationship.
    pub enrollment: Enrollment,
    /// Programme name, when given.
    pub program: Option<String>,
}

fn text(v: Option<&Value>) -> Option<String> {
    let s = match v? {
        Value::String(s) => collapse_whitespace(s),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

fn date(v: Option<&Value>) -> Option<learngraph_model::Date> {
    match parse_date(&text(v)?) {
        Ok(DateValue::Full(d)) => Some(d),
        _ => None,
    }
}

/// A score from 0 to 100, as a number or numeric string.
pub fn score(v: Option<&Value>) -> Option<f64> {
    let x = match v? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    (x.is_finite() && (0.0..=100.0).contains(&x)).then_some(x)
}

/// Parses a non-null enrollments cell. `Err` only for JSON that does not parse or is not an
/// array of objects.
pub fn parse_enrollments(
    cell: &str,
    stats: &mut FieldStats,
) -> Result<Vec<ParsedEnrollment>, NullReason> {
    let value: Value = serde_json::from_str(cell).map_err(|_| NullReason::InvalidJson)?;
    let items = match value {
        Value::Array(items) => items,
        obj @ Value::Object(_) => vec![obj],
        _ => return Err(NullReason::InvalidJson),
    };
    let mut out: Vec<ParsedEnrollment> = Vec::with_capacity(items.len());
    for item in &items {
        let Value::Object(map) = item else {
            return Err(NullReason::InvalidJson);
        };
        let Some(cohort_id) = text(map.get("cohort")) else {
            stats.repair(Field::Enrollments, Repair::EnrollmentWithoutCohort);
            continue;
        };
        if out.iter().any(|e| e.enrollment.cohort_id == cohort_id) {
            stats.repair(Field::Enrollments, Repair::DuplicateEnrollment);
            continue;
        }
        let status: Option<EnrollmentStatus> =
            text(map.get("status")).and_then(|s| enrollment_status(&s).ok());
        out.push(ParsedEnrollment {
            enrollment: Enrollment {
                cohort_id,
                status,
                enrolled_at: date(map.get("enrolled_at")),
                completed_at: date(map.get("completed_at")),
                score: score(map.get("score")),
            },
            program: text(map.get("program")),
        });
    }
    out.sort_by(|a, b| a.enrollment.cohort_id.cmp(&b.enrollment.cohort_id));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_parses_fully() {
        let cell = r#"[{"program":"Data Science","cohort":"DS-2023-07","status":"graduated","enrolled_at":"2023-07-01","completed_at":"2024-01-15","score":87.5}]"#;
        let mut stats = FieldStats::default();
        let got = parse_enrollments(cell, &mut stats).unwrap();
        assert_eq!(got.len(), 1);
        let e = &got[0];
        assert_eq!(e.program.as_deref(), Some("Data Science"));
        assert_eq!(e.enrollment.cohort_id, "DS-2023-07");
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
            let got = parse_enrollments(cell, &mut stats).map(|v| v.len());
            assert_eq!(got, *want, "{cell}");
        }
    }

    #[test]
    fn bad_values_inside_become_nulls() {
        let mut stats = FieldStats::default();
        let got = parse_enrollments(
            r#"[{"cohort":"A-1","score":120,"enrolled_at":"2023-02-30","status":"??"}]"#,
            &mut stats,
        )
        .unwrap();
        let e = &got[0].enrollment;
        assert_eq!((e.score, e.enrolled_at, e.status), (None, None, None));
    }
}
