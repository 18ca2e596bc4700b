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
        // Every text cell of every row passes here, bios of kilobytes among them: the SIMD check
        // is several times std's on long text, and only says valid or not, which is all this needs.
        match simdutf8::basic::from_utf8(trimmed) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => Cow::Owned(into_string(trimmed.to_vec(), field, stats)),
        }
    };
    match text {
        Cow::Borrowed(s) => clean_text(s).map(Cow::Borrowed),
        Cow::Owned(s) => {
            let t = s.trim();
            (!t.is_empty()).then(|| Cow::Owned(t.to_owned()))
        }
    }
}

/// [`clean`] for a cell already known to be UTF-8 without NUL bytes (its row was checked whole):
/// only the trim is left.
pub fn clean_text(s: &str) -> Option<&str> {
    let s = s.trim_ascii();
    let s = if needs_unicode_trim(s) { s.trim() } else { s };
    (!s.is_empty()).then_some(s)
}

/// Whether `s`, already trimmed of ASCII whitespace, may still start or end with whitespace:
/// only when an end is not ASCII (a no-break space, an ideographic space) or is the one ASCII
/// whitespace that `trim_ascii` keeps, the vertical tab. Most cells are neither, and skip the
/// character-by-character trim.
fn needs_unicode_trim(s: &str) -> bool {
    let edge = |b: Option<&u8>| b.is_some_and(|&b| !b.is_ascii() || b == 0x0B);
    edge(s.as_bytes().first()) || edge(s.as_bytes().last())
}

fn into_string(bytes: Vec<u8>, field: Field, stats: &mut FieldStats) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| {
        stats.repair(field, Repair::InvalidUtf8);
        String::from_utf8_lossy(e.as_bytes()).into_owned()
    })
}

/// Collapses every run of whitespace (line breaks included) to one space and trims. Borrows
/// when `s` is already so, as nearly every value is.
pub fn collapse_whitespace(s: &str) -> Cow<'_, str> {
    if is_collapsed(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    Cow::Owned(out)
}

/// Whether `s` is already trimmed with single spaces only, as [`collapse_whitespace`] would
/// leave it.
///
/// Every name, programme and status of every row passes here, nearly all of them plain ASCII:
/// eight bytes are checked at a time, and text with a control or non-ASCII byte, which may hold
/// other whitespace, goes to [`is_collapsed_careful`].
fn is_collapsed(s: &str) -> bool {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const SPACES: u64 = 0x2020_2020_2020_2020;
    let mut words = s.as_bytes().chunks_exact(8);
    let mut prev_space = true; // a leading space fails too
    for word in &mut words {
        // Eight bytes by construction: the fallback is never taken (and compiled away).
        let x = u64::from_le_bytes(word.try_into().unwrap_or_default());
        // A byte below 0x20 keeps its high bit clear when 0x60 is added; without a high bit in
        // any byte, no addition carries into the next byte.
        if (x | !x.wrapping_add(0x6060_6060_6060_6060)) & HIGH != 0 {
            return is_collapsed_careful(s);
        }
        // The high bit of each byte that is a space.
        let spaces = !(x ^ SPACES).wrapping_add(0x7F7F_7F7F_7F7F_7F7F) & HIGH;
        if spaces & (spaces >> 8) != 0 || (prev_space && spaces & 0x80 != 0) {
            return false;
        }
        prev_space = spaces >> 63 != 0;
    }
    for &c in words.remainder() {
        if !(0x20..0x80).contains(&c) {
            return is_collapsed_careful(s);
        }
        let space = c == b' ';
        if space && prev_space {
            return false;
        }
        prev_space = space;
    }
    !prev_space || s.is_empty()
}

/// [`is_collapsed`] for text with control or non-ASCII characters, character by character.
fn is_collapsed_careful(s: &str) -> bool {
    let mut prev_space = true;
    for c in s.chars() {
        let space = c == ' ';
        if (space && prev_space) || (c.is_whitespace() && !space) {
            return false;
        }
        prev_space = space;
    }
    !prev_space || s.is_empty()
}

/// A lowercase key for vocabulary look-ups: dots, apostrophes and quotes removed; hyphens,
/// underscores and slashes to spaces; whitespace collapsed.
pub fn vocab_key(s: &str) -> Cow<'_, str> {
    // Most category values are already a key ("graduated", "male"): no allocation for them.
    if is_collapsed(s)
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b' ')
    {
        return Cow::Borrowed(s);
    }
    let mut mapped = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '.' | '\'' | '’' | '"' | '`' => {}
            '-' | '_' | '/' | '–' => mapped.push(' '),
            c => mapped.extend(c.to_lowercase()),
        }
    }
    Cow::Owned(collapse_whitespace(&mapped).into_owned())
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
            (" \u{A0}Amina\u{3000} ".as_bytes(), Some("Amina"), None),
            (b"\x0bAmina\x0b", Some("Amina"), None),
            ("\u{A0}".as_bytes(), None, None),
            (
                "Amina \u{2003}Yusuf".as_bytes(),
                Some("Amina \u{2003}Yusuf"),
                None,
            ),
            ("é".as_bytes(), Some("é"), None),
        ];
        for (raw, want, repair) in cases {
            let mut stats = FieldStats::default();
            assert_eq!(
                clean(raw, Field::Bio, &mut stats).as_deref(),
                *want,
                "{raw:?}"
            );
            // A cell of a row checked whole (UTF-8, no NUL byte) is only trimmed, to the same text.
            if let Ok(s) = std::str::from_utf8(raw) {
                if !s.contains('\0') {
                    assert_eq!(clean_text(s), *want, "{raw:?}");
                    assert_eq!(*repair, None, "{raw:?}");
                }
            }
            for r in Repair::ALL {
                let expected = u64::from(Some(*r) == *repair);
                assert_eq!(stats.repairs(Field::Bio, *r), expected, "{raw:?} {r:?}");
            }
        }
    }

    #[test]
    fn collapsing_table() {
        for (input, want) in [
            ("a b", "a b"),
            ("  a   b ", "a b"),
            ("a\tb", "a b"),
            ("a\nb", "a b"),
            ("a\u{00A0}b", "a b"),
            ("مصر  القاهرة", "مصر القاهرة"),
            ("مصر القاهرة", "مصر القاهرة"),
            (" x", "x"),
            ("x ", "x"),
            ("", ""),
            ("a\u{0B}b", "a b"),
            ("a\u{01}b", "a\u{01}b"),
            ("eight ch  nine", "eight ch nine"),
            ("seven c  nine", "seven c nine"),
            ("12345678 ", "12345678"),
            ("1234567 ", "1234567"),
            ("1234567 8 ", "1234567 8"),
        ] {
            assert_eq!(collapse_whitespace(input), want, "{input:?}");
            assert_eq!(is_collapsed(input), input == want, "{input:?}");
        }
    }

    #[test]
    fn collapsed_by_words_as_by_characters() {
        let mut draws = crate::testing::Draws::new();
        let mut next = |n: usize| draws.below(n);
        // Spaces, letters, and the bytes that send a word to the careful path, at every offset.
        let alphabet = [
            " ", " ", "a", "b", "\t", "\n", "\u{0B}", "\u{01}", "é", "\u{A0}",
        ];
        for _ in 0..50_000 {
            // Half the strings plain ASCII, which the word-wise path decides alone.
            let letters = if next(2) == 0 { 4 } else { alphabet.len() };
            let s: String = (0..next(40)).map(|_| alphabet[next(letters)]).collect();
            let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(is_collapsed(&s), s == collapsed, "{s:?}");
            assert_eq!(is_collapsed_careful(&s), s == collapsed, "{s:?}");
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
            ("graduated", "graduated"),
            ("in_progress", "in progress"),
        ] {
            assert_eq!(vocab_key(input), want, "{input}");
        }
    }
}
