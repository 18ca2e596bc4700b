//! Folding free text into look-up keys: case, accents, punctuation and word order do not matter.
//!
//! `fold("Côte d’Ivoire")`, `fold("COTE D'IVOIRE")` and `fold("Ivoire, Cote d")` are one key.
//! Arabic marks and letter variants fold the same way (hamza seats, tatweel, diacritics).
//! Typo distances are [`learngraph_source::layout::edit_distance`], shared with column names;
//! [`ByLength`] hands a typo search only the names whose length can be within its bound.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// The look-up key of `s`: decomposed, marks removed, lowercase, punctuation to spaces
/// (apostrophes and dots removed), the word `the` dropped, words sorted.
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        fold_ascii(s)
    } else {
        fold_unicode(s)
    }
}

/// [`fold`] of ASCII text, which decomposition leaves as it is and which holds no marks: a
/// run folds every name of each country it meets (tens of thousands, most of them ASCII), and
/// the decomposing iterator costs some hundred instructions a character.
fn fold_ascii(s: &str) -> String {
    // The words, lowercase, each followed by one space.
    let mut spaced = String::with_capacity(s.len() + 1);
    let mut in_word = false;
    for b in s.bytes() {
        match b {
            b'\'' | b'`' | b'.' => {}
            b if b.is_ascii_alphanumeric() => {
                spaced.push(char::from(b.to_ascii_lowercase()));
                in_word = true;
            }
            _ if in_word => {
                spaced.push(' ');
                in_word = false;
            }
            _ => {}
        }
    }
    if in_word {
        spaced.push(' ');
    }
    let mut words: Vec<&str> = spaced.split_terminator(' ').collect();
    let before = words.len();
    words.retain(|w| *w != "the");
    if words.len() == before && words.is_sorted() {
        spaced.pop();
        return spaced;
    }
    words.sort_unstable();
    words.join(" ")
}

fn fold_unicode(s: &str) -> String {
    // NFKD is each character's compatibility decomposition, then the canonical reordering of
    // combining marks; the marks are dropped here, so the reordering (and the buffer the
    // `nfkd` iterator keeps for it) is not needed.
    key_of_decomposed(|take| {
        for c in s.chars() {
            decompose_compatible(c, &mut *take);
        }
    })
}

/// The key of a text that `feed` hands over decomposed, one character at a time.
fn key_of_decomposed(feed: impl FnOnce(&mut dyn FnMut(char))) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    feed(&mut |c| {
        if is_combining_mark(c) || matches!(c, '\'' | '’' | '‘' | '`' | '´' | '.' | '\u{0640}')
        {
            return;
        }
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    });
    if !word.is_empty() {
        words.push(word);
    }
    words.retain(|w| w != "the");
    words.sort_unstable();
    words.join(" ")
}

/// Text that was UTF-8, read as Windows-1252 and written again as UTF-8 (`CÃ´te d'Ivoire`):
/// the repaired text, or `None` when `s` does not look like that.
pub fn repair_mojibake(s: &str) -> Option<String> {
    if !s
        .chars()
        .any(|c| matches!(c, 'Ã' | 'Â' | 'Ø' | 'Ù' | 'Ð' | 'Ñ' | 'â'))
    {
        return None;
    }
    let mut bytes = Vec::with_capacity(s.len());
    for c in s.chars() {
        bytes.push(cp1252_byte(c)?);
    }
    String::from_utf8(bytes).ok().filter(|r| r != s)
}

/// The Windows-1252 byte that displays as `c`, if any.
fn cp1252_byte(c: char) -> Option<u8> {
    const HIGH: [(char, u8); 27] = [
        ('€', 0x80),
        ('‚', 0x82),
        ('ƒ', 0x83),
        ('„', 0x84),
        ('…', 0x85),
        ('†', 0x86),
        ('‡', 0x87),
        ('ˆ', 0x88),
        ('‰', 0x89),
        ('Š', 0x8A),
        ('‹', 0x8B),
        ('Œ', 0x8C),
        ('Ž', 0x8E),
        ('‘', 0x91),
        ('’', 0x92),
        ('“', 0x93),
        ('”', 0x94),
        ('•', 0x95),
        ('–', 0x96),
        ('—', 0x97),
        ('˜', 0x98),
        ('™', 0x99),
        ('š', 0x9A),
        ('›', 0x9B),
        ('œ', 0x9C),
        ('ž', 0x9E),
        ('Ÿ', 0x9F),
    ];
    match u32::from(c) {
        n @ 0..=0x7F | n @ 0xA0..=0xFF => Some(n as u8),
        // Bytes 0x81, 0x8D, 0x8F, 0x90, 0x9D have no Windows-1252 glyph; decoders pass them through.
        n @ (0x81 | 0x8D | 0x8F | 0x90 | 0x9D) => Some(n as u8),
        _ => HIGH.iter().find(|(g, _)| *g == c).map(|(_, b)| *b),
    }
}

/// Names for a typo search, each with what it stands for, sorted by length in characters: an edit
/// distance is at least the difference of the lengths, so a search reads only the names whose
/// length is within its bound of the query's, not every name of a country.
#[derive(Debug)]
pub struct ByLength<T> {
    names: Vec<(usize, String, T)>,
}

impl<T> Default for ByLength<T> {
    fn default() -> Self {
        ByLength { names: Vec::new() }
    }
}

impl<T> ByLength<T> {
    /// Indexes `names`, which are distinct (the keys of an index); equal lengths are kept in
    /// name order.
    pub fn new(names: impl IntoIterator<Item = (String, T)>) -> Self {
        let mut names: Vec<(usize, String, T)> = names
            .into_iter()
            .map(|(k, t)| (k.chars().count(), k, t))
            .collect();
        // Distinct names never compare equal, so an unstable sort gives the one order.
        names.sort_unstable_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        ByLength { names }
    }

    /// The names whose length in characters is within `bound` of `len`.
    pub fn near(&self, len: usize, bound: usize) -> impl Iterator<Item = (&str, &T)> {
        let lo = self.names.partition_point(|(l, ..)| l + bound < len);
        let hi = self.names.partition_point(|(l, ..)| *l <= len + bound);
        self.names[lo..hi].iter().map(|(_, k, t)| (k.as_str(), t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_table() {
        for (a, b) in [
            ("Côte d’Ivoire", "COTE D'IVOIRE"),
            ("Côte d'Ivoire", "cote divoire"),
            ("Korea, Republic of", "Republic of Korea"),
            ("The Gambia", "gambia"),
            ("  egypt ", "EGYPT"),
            ("São Tomé and Príncipe", "sao tome and principe"),
            ("Türkiye", "turkiye"),
            ("U.S.A.", "usa"),
            ("مِصْر", "مصر"),
            ("الأردن", "الاردن"),
            ("Guinea-Bissau", "guinea bissau"),
        ] {
            assert_eq!(fold(a), fold(b), "{a:?} vs {b:?}");
        }
        for (text, key) in [
            ("", ""),
            ("...", ""),
            ("The", ""),
            ("  Giza ", "giza"),
            ("the Gambia", "gambia"),
            ("Ivoire, Cote d'", "cote d ivoire"),
            ("Republic of Korea", "korea of republic"),
            ("6th of October", "6th october of"),
            ("a  -  b", "a b"),
        ] {
            assert_eq!(fold(text), key, "{text:?}");
        }
        for (a, b) in [
            ("Niger", "Nigeria"),
            ("Guinea", "Guinea-Bissau"),
            ("Sudan", "South Sudan"),
        ] {
            assert_ne!(fold(a), fold(b), "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn ascii_folds_as_unicode_does() {
        let mut draws = crate::testing::Draws::new();
        let mut next = |n: usize| draws.below(n);
        let pieces = [
            "the", "The", "a", "B", "7", " ", "  ", ",", "-", ".", "'", "`", "\t", "cairo", "al",
        ];
        for _ in 0..20_000 {
            let s: String = (0..next(8)).map(|_| pieces[next(pieces.len())]).collect();
            assert_eq!(fold_ascii(&s), fold_unicode(&s), "{s:?}");
        }
    }

    /// The fold as first written: through the `nfkd` iterator, which also reorders marks.
    fn fold_by_nfkd(s: &str) -> String {
        use unicode_normalization::UnicodeNormalization;
        key_of_decomposed(|take| s.nfkd().for_each(take))
    }

    #[test]
    fn unicode_folds_as_through_nfkd() {
        let tricky = [
            "Hà Nội",
            "Ǆemal",
            "ﬁnland",
            "Ｔｏｋｙｏ",
            "서울",
            "ᾼθήνα",
            "Ελλάδα",
            "Straße",
            "İstanbul",
            "a\u{0301}\u{0323}b",
            "a\u{0323}\u{0301}b",
            "مِصْر",
            "الأردن",
            "①②",
        ];
        // Every name and alternate name of every fifth place, in every script the gazetteer has.
        let places = super::super::cities::GAZETTEER
            .lines()
            .filter(|l| !l.starts_with('#'))
            .step_by(5)
            .flat_map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                let alternates = f.get(7).copied().unwrap_or_default();
                std::iter::once(f[1]).chain(alternates.split('|'))
            });
        let mut checked = 0;
        for name in tricky.into_iter().chain(places) {
            assert_eq!(fold(name), fold_by_nfkd(name), "{name:?}");
            checked += 1;
        }
        assert!(checked > 50_000, "{checked}");
    }

    #[test]
    fn mojibake_table() {
        for (broken, fixed) in [
            ("CÃ´te d'Ivoire", Some("Côte d'Ivoire")),
            ("TÃ¼rkiye", Some("Türkiye")),
            (
                "SÃ£o TomÃ© and PrÃ\u{AD}ncipe",
                Some("São Tomé and Príncipe"),
            ),
            ("Côte d'Ivoire", None),
            ("Egypt", None),
        ] {
            assert_eq!(repair_mojibake(broken).as_deref(), fixed, "{broken}");
        }
    }

    #[test]
    fn by_length_reads_only_names_within_the_bound() {
        let index = ByLength::new(
            [
                "cairo",
                "giza",
                "alexandria",
                "aswan",
                "luxor",
                "qena",
                "القاهرة",
            ]
            .map(|k| (k.to_string(), ())),
        );
        let near = |len, bound| -> Vec<&str> { index.near(len, bound).map(|(k, _)| k).collect() };
        assert_eq!(near(5, 0), ["aswan", "cairo", "luxor"]);
        assert_eq!(near(4, 1), ["giza", "qena", "aswan", "cairo", "luxor"]);
        assert_eq!(near(7, 0), ["القاهرة"]);
        assert_eq!(near(10, 2), ["alexandria"]);
        assert_eq!(near(1, 1), Vec::<&str>::new());
        assert_eq!(near(20, 2), Vec::<&str>::new());
    }
}
