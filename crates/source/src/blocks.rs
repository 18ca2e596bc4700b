//! The scanner's byte search: the next quote, delimiter or line break in a chunk.
//!
//! A learner row has about twenty fields and, in its JSON cells, about thirty doubled quotes, so the
//! scanner searches some fifty times a row for a byte a few dozen bytes on. A `memchr` call per
//! search pays its set-up each time and reads the same bytes again from each new start. Here each
//! 64-byte block is classified once, with SIMD compares, into two bit masks (the bytes that matter
//! inside quotes, and those that matter outside), and every search in the block is a shift and a
//! count of trailing zeros. The first pass's masked scan (`mask_scan`) classifies its words with
//! the same routine (`masks`), into one mask per byte of the quoting ([`Syntax`]).

/// Bit `k` of each mask is set when byte `k` of the block is one the scanner stops at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Masks {
    /// Inside a quoted field: a quote or a line feed (counted for line numbers).
    quoted: u64,
    /// Inside an unquoted field: the delimiter, a line feed or a carriage return.
    unquoted: u64,
}

/// Which of the two masks a search uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// A quote or a line feed.
    Quoted,
    /// The delimiter, a line feed or a carriage return.
    Unquoted,
}

/// The classified blocks of one chunk: the block last classified, reused while searches stay in it.
pub(crate) struct Blocks<'c> {
    chunk: &'c [u8],
    delimiter: u8,
    /// The block covers `start..end` of the chunk; empty before the first search.
    start: usize,
    end: usize,
    masks: Masks,
}

impl<'c> Blocks<'c> {
    pub(crate) fn new(chunk: &'c [u8], delimiter: u8) -> Self {
        Blocks {
            chunk,
            delimiter,
            start: 0,
            end: 0,
            masks: Masks::default(),
        }
    }

    /// The position of the first byte at or after `from` that `stop` stops at, if the chunk has one.
    // Inlined into the scanner's loop: most searches end in the block at hand, in a few
    // instructions, which a call would double.
    #[inline(always)]
    pub(crate) fn find(&mut self, from: usize, stop: Stop) -> Option<usize> {
        let mut at = from;
        while at < self.chunk.len() {
            if at < self.start || at >= self.end {
                self.classify_from(at);
            }
            let mask = match stop {
                Stop::Quoted => self.masks.quoted,
                Stop::Unquoted => self.masks.unquoted,
            } >> (at - self.start);
            if mask != 0 {
                return Some(at + mask.trailing_zeros() as usize);
            }
            at = self.end;
        }
        None
    }

    /// Classifies the 64 bytes from `at` (fewer at the end of the chunk).
    #[inline(never)]
    fn classify_from(&mut self, at: usize) {
        let rest = &self.chunk[at..];
        self.masks = match rest.first_chunk::<64>() {
            Some(block) => classify(block, self.delimiter),
            None => {
                // The tail, padded; bits past its end are cleared, whatever the padding matched.
                let mut block = [0u8; 64];
                block[..rest.len()].copy_from_slice(rest);
                let m = classify(&block, self.delimiter);
                let valid = (1u64 << rest.len()) - 1;
                Masks {
                    quoted: m.quoted & valid,
                    unquoted: m.unquoted & valid,
                }
            }
        };
        self.start = at;
        self.end = at + 64;
    }
}

/// Classifies a block into the scanner's two masks (the line feed twice in the first, which
/// costs nothing: the same compare is made once).
fn classify(block: &[u8; 64], delimiter: u8) -> Masks {
    let [quoted, unquoted] = masks(block, [[b'"', b'\n', b'\n'], [delimiter, b'\n', b'\r']]);
    Masks { quoted, unquoted }
}

/// Classifies a block a byte at a time: the reference the scanner's masks are tested against.
#[cfg(test)]
fn classify_bytewise(block: &[u8; 64], delimiter: u8) -> Masks {
    let mut m = Masks::default();
    for (k, &b) in block.iter().enumerate() {
        m.quoted |= u64::from(b == b'"' || b == b'\n') << k;
        m.unquoted |= u64::from(b == delimiter || b == b'\n' || b == b'\r') << k;
    }
    m
}

/// The bytes of a 64-byte word that RFC 4180 gives a meaning to, one mask each: bit `k` is set
/// when byte `k` is one. The first pass's masked scan (`mask_scan`) reads a whole word from them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Syntax {
    pub quote: u64,
    pub delimiter: u64,
    pub line_feed: u64,
    pub carriage_return: u64,
}

/// Classifies a word into its [`Syntax`].
// Inlined into the masked scan's loop (its one caller), as it was before it shared `masks`.
#[inline(always)]
pub(crate) fn syntax(word: &[u8; 64], delimiter: u8) -> Syntax {
    let [quote, delimiter, line_feed, carriage_return] =
        masks(word, [[b'"'], [delimiter], [b'\n'], [b'\r']]);
    Syntax {
        quote,
        delimiter,
        line_feed,
        carriage_return,
    }
}

/// For each group of bytes, the mask of the word's bytes that are one of the group's: bit `k` is
/// set when byte `k` is. With SSE2, which every x86-64 processor has: a group's compares are
/// joined before each 16-byte lane becomes bits, so that a mask costs one bit extraction a lane
/// however many bytes it stands for. Inlined, so that the groups are constants.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn masks<const N: usize, const G: usize>(word: &[u8; 64], groups: [[u8; G]; N]) -> [u64; N] {
    use safe_arch::{
        cmp_eq_mask_i8_m128i as eq, load_unaligned_m128i, move_mask_i8_m128i,
        set_splat_i8_m128i as splat,
    };
    const { assert!(G > 0, "a group has a byte") };
    let needles = groups.map(|group| group.map(|b| splat(b as i8)));
    let mut out = [0u64; N];
    for (k, lane) in word.chunks_exact(16).enumerate() {
        let v = load_unaligned_m128i(lane.try_into().expect("16 bytes"));
        for (mask, group) in out.iter_mut().zip(&needles) {
            let mut hit = eq(v, group[0]);
            for &needle in &group[1..] {
                hit |= eq(v, needle);
            }
            *mask |= u64::from(move_mask_i8_m128i(hit) as u16) << (16 * k);
        }
    }
    out
}

#[cfg(not(target_arch = "x86_64"))]
fn masks<const N: usize, const G: usize>(word: &[u8; 64], groups: [[u8; G]; N]) -> [u64; N] {
    let mut out = [0u64; N];
    for (k, b) in word.iter().enumerate() {
        for (mask, group) in out.iter_mut().zip(&groups) {
            *mask |= u64::from(group.contains(b)) << k;
        }
    }
    out
}

/// [`syntax`] a byte at a time: the reference the SIMD version is tested against.
#[cfg(test)]
fn syntax_bytewise(word: &[u8; 64], delimiter: u8) -> Syntax {
    let mut s = Syntax::default();
    for (k, &b) in word.iter().enumerate() {
        s.quote |= u64::from(b == b'"') << k;
        s.delimiter |= u64::from(b == delimiter) << k;
        s.line_feed |= u64::from(b == b'\n') << k;
        s.carriage_return |= u64::from(b == b'\r') << k;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simd_and_bytewise_classification_agree() {
        let alphabet = b"a,;\"\n\r\0\x80\xFF\t";
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..2000 {
            let block: [u8; 64] = crate::testing::random_bytes(&mut x, alphabet, 64)
                .try_into()
                .unwrap();
            for d in [b',', b';', b'\t', 0x80] {
                assert_eq!(
                    classify(&block, d),
                    classify_bytewise(&block, d),
                    "{block:?}"
                );
                assert_eq!(syntax(&block, d), syntax_bytewise(&block, d), "{block:?}");
            }
        }
    }

    /// The first byte each search finds, against a plain search, from every start, for chunks of
    /// every length around a block's.
    #[test]
    fn find_returns_the_next_stop_from_any_position() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for len in [0, 1, 5, 63, 64, 65, 127, 128, 129, 300] {
            let chunk = crate::testing::random_bytes(&mut x, b"abcdefgh,\"\n\r", len);
            let plain = |from: usize, stop: Stop| {
                chunk[from.min(len)..]
                    .iter()
                    .position(|&b| match stop {
                        Stop::Quoted => b == b'"' || b == b'\n',
                        Stop::Unquoted => b == b',' || b == b'\n' || b == b'\r',
                    })
                    .map(|n| from + n)
            };
            // One `Blocks` for the whole walk, as the scanner uses it: forward, switching masks.
            let mut blocks = Blocks::new(&chunk, b',');
            for from in 0..=len {
                for stop in [Stop::Quoted, Stop::Unquoted] {
                    assert_eq!(
                        blocks.find(from, stop),
                        plain(from, stop),
                        "{len} {from} {stop:?}"
                    );
                }
            }
            let mut blocks = Blocks::new(&chunk, b',');
            for from in (0..=len).rev().step_by(7) {
                assert_eq!(
                    blocks.find(from, Stop::Unquoted),
                    plain(from, Stop::Unquoted)
                );
            }
        }
    }
}
