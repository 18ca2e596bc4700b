//! Byte-level cleaning of free text: NUL bytes out, invalid UTF-8 replaced, whitespace trimmed.
//!
//! A bad byte never costs the value: it is repaired and the repair is counted.

use std::borrow::Cow;

use learngraph_source::Field;

use crate::stats::{FieldStats, Repair};

/// Cleans one cell: removes NUL bytes, replaces invalid UTF-8 with U+FFFD and trims. Line breaks
/// inside are kept. Borrows from the row when nothing needed repair. `None` when nothing is left.
pub fn clean<'r>(raw: &'r [u8], field: Field, stats: &mut FieldStats) -> Option<Cow<'r, str>> {
    let trimmed = raw.trim_ascii();
    let text: Cow<'r, str> = if memchr::memchr(0, trimmed).is_some() {
        stats.repair(field, Repair::NulRemoved);
        let bytes: Vec<u8> = trimmed.iter().copied().filter(|&b| b != 0).collect();
        Cow::Owned(into_string(bytes, field, stats))
    } else {
        match std::str::from_utf8(trimmed) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => Cow::Owned(into_string(trimmed.to_vec(), field, stats)),
        }
    };
    match text {
        Cow::Borrowed(s) => {
            let s = s.trim();
            (!s.is_empty()).then_some(Cow::Borrowed(s))
        }
        Cow::Owned(s) => {
            let t = s.trim();
            (!t.is_empty()).then(|| Cow::Owned(t.to_owned()))
        }
    }
}

fn into_string(bytes: Vec<u8>, field: Field, stats: &mut FieldStats) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| {
        stats.repair(field, Repair::InvalidUtf8);
        String::from_utf8_lossy(e.as_bytes()).into_owned()
    })
}

/// Collapses every run of whitespace (line breaks included) to one space and trims.
pub fn collapse_whitespace(s: &str) -> String {
    let b = s.as_bytes();
    let clean = !b.first().is_some_and(u8::is_ascii_whitespace)
        && !b.last().is_some_and(u8::is_ascii_whitespace)
        && !b.windows(2).any(|w| w[0] == b' ' && w[1] == b' ')
        && !b.iter().any(|&c| c.is_ascii_whitespace() && c != b' ')
        && (s.is_ascii() || !s.chars().any(|c| c.is_whitespace() && c != ' '));
    if clean {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A lowercase key for vocabulary look-ups: dots, apostrophes and quotes removed; hyphens,
/// underscores and slashes to spaces; whitespace collapsed.
pub fn vocab_key(s: &str) -> String {
    let mut mapped = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '.' | '\'' | '’' | '"' | '`' => {}
            '-' | '_' | '/' | '–' => mapped.push(' '),
            c => mapped.extend(c.to_lowercase()),
        }
    }
    collapse_whitespace(&mapped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning_table() {
        let cases: &[(&[u8], Option<&str>, Option<Repair>)] = &[
            (b"  Amina  ", Some("Amina"), None),
            (b"", None, None),
            (b" \t ", None, None),
            (b"a\0b", Some("ab"), Some(Repair::NulRemoved)),
            (b"\0", None, Some(Repair::NulRemoved)),
            (b"caf\xE9", Some("caf\u{FFFD}"), Some(Repair::InvalidUtf8)),
            (b"line 1\r\nline 2", Some("line 1\r\nline 2"), None),
            ("مصر".as_bytes(), Some("مصر"), None),
        ];
        for (raw, want, repair) in cases {
            let mut stats = FieldStats::default();
            assert_eq!(
                clean(raw, Field::Bio, &mut stats).as_deref(),
                *want,
                "{raw:?}"
            );
            for r in Repair::ALL {
                let expected = u64::from(Some(*r) == *repair);
                assert_eq!(stats.repairs(Field::Bio, *r), expected, "{raw:?} {r:?}");
            }
        }
    }

    #[test]
    fn vocab_keys() {
        for (input, want) in [
            ("Bachelor's", "bachelors"),
            ("B.Sc.", "bsc"),
            ("Self-employed", "self employed"),
            ("  Prefer   not to say ", "prefer not to say"),
            ("MASTER’S", "masters"),
        ] {
            assert_eq!(vocab_key(input), want, "{input}");
        }
    }
}
