//! The source section of the settings: which column holds which field, and what means "no value".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::field::Field;

/// Settings of the extraction stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SourceConfig {
    /// Column name for each field; a field mapped to `""` is absent from the export.
    pub columns: ColumnMapping,
    /// Values that mean "no value", compared case-insensitively after trimming.
    pub sentinels: Vec<String>,
    /// Field delimiter, one ASCII character.
    pub delimiter: char,
    /// Rows per batch handed to the transform workers.
    pub batch_rows: usize,
}

impl Default for SourceConfig {
    fn default() -> Self {
        SourceConfig {
            columns: ColumnMapping::default(),
            sentinels: ["-99", "-99.0", "N/A", "NA", "null", "none", ""]
                .map(String::from)
                .to_vec(),
            delimiter: ',',
            batch_rows: 4096,
        }
    }
}

/// Field to column name. Fields not listed keep their default column name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ColumnMapping(pub BTreeMap<Field, String>);

impl ColumnMapping {
    /// The column expected for `field`, or `None` when configured as absent.
    pub fn column(&self, field: Field) -> Option<&str> {
        match self.0.get(&field) {
            Some(name) if name.is_empty() => None,
            Some(name) => Some(name),
            None => Some(field.name()),
        }
    }
}

/// A compiled sentinel list, for fast case-insensitive checks on raw bytes.
#[derive(Clone, Debug)]
pub struct Sentinels {
    lowered: Vec<Vec<u8>>,
    longest: usize,
    /// Whether some sentinel starts with this byte (lowercase): every text cell of every row is
    /// checked, and nearly all of them start with a byte no sentinel does.
    starts: [bool; 256],
}

impl Sentinels {
    /// Compiles the configured list.
    pub fn new(values: &[String]) -> Sentinels {
        let lowered: Vec<Vec<u8>> = values
            .iter()
            .map(|v| v.trim().to_ascii_lowercase().into_bytes())
            .collect();
        let longest = lowered.iter().map(Vec::len).max().unwrap_or(0);
        let mut starts = [false; 256];
        for s in &lowered {
            if let Some(&b) = s.first() {
                starts[usize::from(b)] = true;
            }
        }
        Sentinels {
            lowered,
            longest,
            starts,
        }
    }

    /// Whether `value`, trimmed, is empty or one of the sentinels.
    pub fn is_null(&self, value: &[u8]) -> bool {
        let v = value.trim_ascii();
        let Some(&first) = v.first() else {
            return true;
        };
        v.len() <= self.longest
            && self.starts[usize::from(first.to_ascii_lowercase())]
            && self
                .lowered
                .iter()
                .any(|s| s.len() == v.len() && s.eq_ignore_ascii_case(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentinels_match_case_insensitively_after_trim() {
        let s = Sentinels::new(&SourceConfig::default().sentinels);
        for null in [
            "", "  ", "-99", " -99.0 ", "n/a", "N/A", "NULL", "None", "na",
        ] {
            assert!(s.is_null(null.as_bytes()), "{null:?}");
        }
        for value in [
            "-9", "-990", "nan", "Nairobi", "0", "Non", "Male", "X", "Nul", "-",
        ] {
            assert!(!s.is_null(value.as_bytes()), "{value:?}");
        }
        let custom = Sentinels::new(&[" UNKNOWN ".into(), "?".into()]);
        for (value, null) in [
            ("unknown", true),
            ("Unknown", true),
            (" ? ", true),
            ("Uganda", false),
        ] {
            assert_eq!(custom.is_null(value.as_bytes()), null, "{value:?}");
        }
    }

    #[test]
    fn mapping_defaults_and_absence() {
        let mut m = ColumnMapping::default();
        assert_eq!(m.column(Field::Bio), Some("bio"));
        m.0.insert(Field::Bio, "about_me".into());
        m.0.insert(Field::Email, String::new());
        assert_eq!(m.column(Field::Bio), Some("about_me"));
        assert_eq!(m.column(Field::Email), None);
    }
}
