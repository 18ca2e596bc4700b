//! The first pass's fast path: whole records read from bit masks, a 64-byte word at a time.
//!
//! The first pass needs little of a record: where it ends, the line it starts on, how many fields
//! it has, and the bytes of a few columns (the key, and those the pre-flight checks count). The
//! exact scanner (`scan`) stops at every field, every doubled quote and every quoted line break to
//! learn that; a learner row has some fifty such stops. Here each word is classified once
//! (`blocks::syntax`) and read as a whole:
//!
//! - the prefix XOR of its quote mask says which bytes are inside quotes, so the delimiters and
//!   line breaks that end a field or a record are one mask, however much quoted text lies between;
//! - line breaks, quoted ones included, are counted with one `popcount` a word.
//!
//! That reading of the quotes is `csv-core`'s (and the scanner's) only where the quoting is RFC
//! 4180's: every quote opens a field or doubles the quote before it, and every closing quote is
//! followed by another quote, the delimiter or a line break. So each word is checked for that
//! before its records are taken. At the first quote that breaks the rule, the exact scanner reads
//! from the start of the record it is in to the end of that record, and the masks go on from
//! there (`Scanner::feed_masked` switches between the two). Everything before that quote reads the
//! same either way, which is why the records found are exactly the scanner's (the tests compare
//! the two on random bytes, in chunks of every size).

use crate::blocks::{syntax, Syntax};
use crate::scan::{RecordEnd, RecordSink};

/// Where [`scan_records`] stopped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Stopped {
    /// Bytes consumed: up to just after the last line break that ended a record or a blank line.
    pub at: usize,
    /// The line of byte `at`.
    pub line: u64,
    /// The first quote that the masks cannot read, if one stopped them, counted from `at`.
    pub irregular: Option<usize>,
    /// The sink paused the scan after the record that ends at `at`.
    pub paused: bool,
}

/// Bit `k` is set when an odd number of the quotes in bits `0..=k` are set: the byte is inside
/// quotes, or is the quote that opens them.
#[inline]
fn inside_quotes(quotes: u64) -> u64 {
    let mut x = quotes;
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    x
}

/// Reads the whole records at the start of `data`, which starts at a record boundary at byte
/// `offset` of its file, on `line`, up to the first record that `data` ends in or that has a quote
/// the masks cannot read, or until the sink pauses.
///
/// The sink sees whole records only: for each, the bytes of the fields whose entry in `wanted` (by
/// column) is not zero, decoded and possibly in pieces, and the record's end; no field ends.
/// Columns past `wanted`'s end are not wanted.
pub(crate) fn scan_records<S: RecordSink>(
    data: &[u8],
    delimiter: u8,
    offset: u64,
    line: u64,
    wanted: &[u32],
    sink: &mut S,
) -> Stopped {
    let mut done = Stopped {
        at: 0,
        line,
        irregular: None,
        paused: false,
    };
    // The wanted fields of the record at hand, handed over when it is known to be whole.
    let mut spans: Vec<(usize, usize, usize)> = Vec::new();
    let (mut field, mut field_start, mut record_start, mut record_line) = (0, 0, 0, line);
    // The line of the word's first byte.
    let mut word_line = line;
    // All ones when the last word ended inside quotes.
    let mut in_quotes = 0u64;
    // Bit 0: the byte before the word ended a field or a record (or there was none) ...
    let mut after_end = 1u64;
    // ... or closed quotes.
    let mut after_close = 0u64;
    let mut p = 0;
    while p < data.len() {
        let (s, valid) = match data[p..].first_chunk::<64>() {
            Some(word) => (syntax(word, delimiter), u64::MAX),
            None => {
                let tail = &data[p..];
                let mut word = [0u8; 64];
                word[..tail.len()].copy_from_slice(tail);
                let valid = (1u64 << tail.len()) - 1;
                let s = syntax(&word, delimiter);
                let s = Syntax {
                    quote: s.quote & valid,
                    delimiter: s.delimiter & valid,
                    line_feed: s.line_feed & valid,
                    carriage_return: s.carriage_return & valid,
                };
                (s, valid)
            }
        };
        let inside = inside_quotes(s.quote) ^ in_quotes;
        let ends = (s.delimiter | s.line_feed | s.carriage_return) & !inside;
        let opens = s.quote & inside;
        let closes = s.quote & !inside;
        // A quote opens a field, or doubles a quote that closed just before it.
        let mut irregular = opens & !((ends << 1) | after_end | (closes << 1) | after_close);
        // A closing quote is followed by a quote, the delimiter or a line break. The word's last
        // byte is checked with the next word; the input's last byte ends a record that is left
        // to the scanner anyway.
        irregular |= closes & !((opens | ends) >> 1) & (valid >> 1);
        if after_close & !(opens | ends) & 1 == 1 {
            irregular |= 1;
        }
        let before = match irregular {
            0 => u64::MAX,
            bits => (1u64 << bits.trailing_zeros()) - 1,
        };
        let mut events = ends & before;
        while events != 0 {
            let k = events.trailing_zeros();
            events &= events - 1;
            let i = p + k as usize;
            if s.delimiter >> k & 1 == 1 {
                if wanted.get(field).is_some_and(|&w| w != 0) {
                    spans.push((field, field_start, i));
                }
                field += 1;
                field_start = i + 1;
                continue;
            }
            let line_feed = s.line_feed >> k & 1;
            let below = s.line_feed & ((1u64 << k) - 1);
            let next_line = word_line + u64::from(below.count_ones()) + line_feed;
            // A line break right after another (or at the start) is a blank line: no record.
            let mut go_on = true;
            if field > 0 || field_start < i {
                if wanted.get(field).is_some_and(|&w| w != 0) {
                    spans.push((field, field_start, i));
                }
                for &(f, a, b) in &spans {
                    hand_over(sink, f, &data[a..b]);
                }
                spans.clear();
                go_on = sink.record_end(RecordEnd {
                    line: record_line,
                    fields: field + 1,
                    complete: true,
                    start: offset + record_start as u64,
                    end: offset + i as u64 + 1,
                });
            }
            field = 0;
            field_start = i + 1;
            record_start = i + 1;
            record_line = next_line;
            done.at = i + 1;
            done.line = next_line;
            if !go_on {
                done.paused = true;
                return done;
            }
        }
        if irregular != 0 {
            done.irregular = Some(p + irregular.trailing_zeros() as usize - done.at);
            return done;
        }
        word_line += u64::from(s.line_feed.count_ones());
        in_quotes = (inside >> 63).wrapping_neg();
        after_end = ends >> 63;
        after_close = closes >> 63;
        p += 64;
    }
    done
}

/// Hands the raw bytes of a field to the sink, decoded. A quoted field the masks read is its
/// text between two quotes, with every quote in it doubled.
fn hand_over<S: RecordSink>(sink: &mut S, field: usize, raw: &[u8]) {
    let [b'"', text @ .., b'"'] = raw else {
        sink.bytes(field, raw);
        return;
    };
    let mut text = text;
    while let Some(q) = memchr::memchr(b'"', text) {
        sink.bytes(field, &text[..=q]);
        text = &text[q + 2..];
    }
    sink.bytes(field, text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Scanner;

    /// The wanted fields of a record: column and bytes.
    type Fields = Vec<(usize, Vec<u8>)>;

    /// Keeps the wanted fields and the end of each record, as the first pass's sink does.
    #[derive(Debug, Default, PartialEq)]
    struct Kept {
        wanted: Vec<u32>,
        current: Fields,
        records: Vec<(Fields, RecordEnd)>,
    }

    impl RecordSink for Kept {
        fn bytes(&mut self, field: usize, bytes: &[u8]) {
            // The scanner may leave out an empty piece that the masks hand over.
            if bytes.is_empty() {
                return;
            }
            if self.wanted.get(field).is_some_and(|&w| w != 0) {
                match self.current.last_mut() {
                    Some((f, kept)) if *f == field => kept.extend_from_slice(bytes),
                    _ => self.current.push((field, bytes.to_vec())),
                }
            }
        }
        fn field_end(&mut self, _field: usize) {}
        fn record_end(&mut self, record: RecordEnd) -> bool {
            let fields = std::mem::take(&mut self.current);
            self.records.push((fields, record));
            true
        }
    }

    /// Scans `input` in chunks of `chunk` bytes with the masks and with the state machine alone,
    /// asserts that they find the same records and end in the same state, and returns how many
    /// records the masks left to the state machine.
    fn agree_in_chunks(input: &[u8], wanted: &[u32], chunk: usize, last: bool) -> u64 {
        let run = |masked: bool| {
            let mut kept = Kept {
                wanted: wanted.to_vec(),
                ..Kept::default()
            };
            let mut scanner = Scanner::new(b',', 7, 100);
            for piece in input.chunks(chunk) {
                let n = if masked {
                    scanner.feed_masked(piece, wanted, &mut kept)
                } else {
                    scanner.feed(piece, &mut kept)
                };
                assert_eq!(n, piece.len());
            }
            if last {
                scanner.finish(&mut kept);
            }
            (kept, scanner)
        };
        let ((masked, m), (exact, e)) = (run(true), run(false));
        let shown = String::from_utf8_lossy(input);
        assert_eq!(
            masked.records, exact.records,
            "{shown:?} {wanted:?} {chunk}"
        );
        assert_eq!(
            (m.at_record_start(), m.line(), m.offset()),
            (e.at_record_start(), e.line(), e.offset()),
            "{shown:?}"
        );
        m.irregular()
    }

    fn agree(input: &[u8], wanted: &[u32], last: bool) -> u64 {
        let whole = agree_in_chunks(input, wanted, input.len().max(1), last);
        for chunk in [1, 7, 64, 100] {
            agree_in_chunks(input, wanted, chunk, last);
        }
        whole
    }

    #[test]
    fn inside_quotes_is_a_running_parity() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..1000 {
            let quotes = crate::testing::xorshift(&mut x);
            let mut parity = 0;
            let mut want = 0u64;
            for k in 0..64 {
                parity ^= quotes >> k & 1;
                want |= parity << k;
            }
            assert_eq!(inside_quotes(quotes), want, "{quotes:064b}");
        }
    }

    #[test]
    fn records_read_from_masks_are_the_scanners() {
        // (input, how many records the state machine must read)
        let cases: &[(&[u8], u64)] = &[
            (b"a,b\n1,2\n", 0),
            (b"a,b\r\n1,2\r\n3,4", 0),
            (b"\"x\ny\",2\n3\n", 0),
            (b"\"he said \"\"hi\"\"\",2\n", 0),
            (b"a\n\n\r\n\r\r1\n", 0),
            (b",\n,,\n", 0),
            (b"\"\"\n\"\"\"\"\n", 0),
            (b"\"a\"\"\n\"\"b\",c\r\nd", 0),
            // Bytes after a closing quote join the field: the state machine reads that record.
            (b"\"ab\"cd,e\nx,y\n", 1),
            // A quote inside an unquoted field is text.
            (b"1,2\nab\"cd\",e\n\"q\",r\n", 1),
            (b" \"a\",b\nc\n", 1),
            // The input ends inside quotes.
            (b"1,\"unfinished\nbio", 0),
            (b"1,\"closed\"", 0),
        ];
        for &(input, irregular) in cases {
            for last in [true, false] {
                let got = agree(input, &[1, 0, 1], last);
                assert_eq!(got, irregular, "{:?}", String::from_utf8_lossy(input));
            }
        }
    }

    #[test]
    fn words_and_their_borders() {
        // A quoted field and its quotes at every position around the word borders: the carries
        // of the quotes, of a closing quote and of a field's end cross them.
        for pad in 0..140 {
            let field = "x".repeat(pad);
            for input in [
                format!("{field},\"a\"\"b\",c\n\"d\",e\n"),
                format!("{field}\"\",\"\"\n1\n"),
                format!("\"{field}\"\n\"\"\"{field}\",\n"),
                format!("{field},\"a\"b\n2\n"),
            ] {
                agree(input.as_bytes(), &[1, 1, 1], true);
            }
        }
    }

    #[test]
    fn random_bytes() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut irregular = 0;
        for case in 0..3000 {
            let alphabet: &[u8] = if case % 2 == 0 {
                b"ab,,\"\"\n\r \0"
            } else {
                b"abcdefgh,,,\n\"\"\"\""
            };
            let len = 1 + case % 300;
            let input = crate::testing::random_bytes(&mut x, alphabet, len);
            let wanted: Vec<u32> = (0..4).map(|k| (case >> k & 1) as u32).collect();
            irregular += agree(&input, &wanted, case % 3 != 0);
        }
        assert!(irregular > 0, "the random cases reach the state machine");
    }

    #[test]
    fn a_sink_that_pauses_is_obeyed() {
        // The third record has a stray quote: the state machine reads it.
        let input = b"a,b\n\"c\"\"\",d\n\nx\"y,z\ne,f\r\ng,h";
        // Where each call stops and on which line, with the records found, one record a call.
        let stops = |masked: bool| {
            let mut scanner = Scanner::new(b',', 1, 0);
            let mut paused = crate::scan::Collect::with_limit(1);
            let (mut at, mut stops) = (0, Vec::new());
            while at < input.len() {
                at += if masked {
                    scanner.feed_masked(&input[at..], &[1, 1], &mut paused)
                } else {
                    scanner.feed(&input[at..], &mut paused)
                };
                stops.push((at, scanner.line()));
                paused.limit += 1;
            }
            scanner.finish(&mut paused);
            (stops, paused.records)
        };
        let (at, records) = stops(true);
        // After "a,b\n"; after the quoted field's line; after the blank line and the stray quote's
        // record; after "e,f\r"; the end.
        assert_eq!(at, [(4, 2), (12, 3), (19, 5), (23, 5), (27, 6)]);
        let fields: Vec<_> = records.iter().map(|r| r.0.clone()).collect();
        let want: Vec<Vec<&[u8]>> = vec![
            vec![b"a", b"b"],
            vec![b"c\"", b"d"],
            vec![b"x\"y", b"z"],
            vec![b"e", b"f"],
            vec![b"g", b"h"],
        ];
        assert_eq!(fields, want);
        assert_eq!((at, records), stops(false));
    }

    #[test]
    fn well_formed_exports_are_read_from_masks_alone() {
        let mut x: u64 = 0x1234_5678_9ABC_DEF1;
        let mut export = String::from("id,bio,json\n");
        for row in 0..2000 {
            let n = crate::testing::xorshift(&mut x);
            let bio = "line\nwith \"quotes\", commas ".repeat((n % 5) as usize);
            let json = r#"[{"name":"x","at":1}]"#.repeat((n >> 8) as usize % 3);
            let end = if n >> 16 & 1 == 1 { "\r\n" } else { "\n" };
            export.push_str(&format!(
                "L{row},\"{}\",\"{}\"{end}",
                bio.replace('"', "\"\""),
                json.replace('"', "\"\"")
            ));
        }
        assert_eq!(agree(export.as_bytes(), &[1, 0, 1], true), 0);
    }
}
