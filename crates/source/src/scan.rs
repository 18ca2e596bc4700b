//! The CSV scanner used by both passes: record boundaries, field bytes, positions.
//!
//! It follows `csv-core`'s reading rules exactly (`csv-core` is the reference the tests compare it
//! with, on table cases at every chunk size and on random bytes): a quote opens a quoted field only
//! at the start of a field, a doubled quote inside one is a literal quote, bytes after a closing
//! quote join the field, `\r`, `\n` and `\r\n` end a record, and blank lines are skipped.
//!
//! It is a push scanner: [`Scanner::feed`] takes the input in chunks of any size and reports to a
//! [`RecordSink`]: the bytes of each field (possibly in pieces), the end of each field, and the end
//! of each record with its line and byte range. Speed comes from never looking at bytes one by one
//! where it need not: inside quoted text (bios, JSON) it jumps from quote to quote, and inside
//! unquoted fields from delimiter to delimiter, with the bit masks of `blocks.rs`. The first pass,
//! which keeps only a few columns, goes further with `Scanner::feed_masked`: whole records read
//! from those masks (`mask_scan.rs`), the state machine taking over only where the quoting is not
//! RFC 4180's.

use crate::blocks::{Blocks, Stop};
use crate::mask_scan;

/// Where a record was, and whether it was whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordEnd {
    /// 1-based line on which the record starts.
    pub line: u64,
    /// Number of fields.
    pub fields: usize,
    /// False when the input ended inside a quoted field: the record was cut off.
    pub complete: bool,
    /// Byte offset of the record's first byte.
    pub start: u64,
    /// Byte offset just after the record (after its line terminator, if it had one).
    pub end: u64,
}

/// Receives what the scanner finds.
pub trait RecordSink {
    /// Bytes of field `field` of the current record, decoded (quotes removed); a field may come in
    /// several pieces.
    fn bytes(&mut self, field: usize, bytes: &[u8]);
    /// Field `field` of the current record ended.
    fn field_end(&mut self, field: usize);
    /// The record ended. Returning `false` pauses the scanner right after it.
    fn record_end(&mut self, record: RecordEnd) -> bool;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    StartRecord,
    StartField,
    InField,
    InQuoted,
    QuoteInQuoted,
}

/// The scanner's state between chunks.
#[derive(Clone, Debug)]
pub struct Scanner {
    delimiter: u8,
    state: State,
    field: usize,
    line: u64,
    record_line: u64,
    offset: u64,
    record_start: u64,
    /// Records [`Scanner::feed_masked`] left to the state machine for a quote the masks cannot read.
    irregular: u64,
}

impl Scanner {
    /// A scanner whose first byte is at `offset` on line `line` of the file.
    pub fn new(delimiter: u8, line: u64, offset: u64) -> Scanner {
        Scanner {
            delimiter,
            state: State::StartRecord,
            field: 0,
            line,
            record_line: line,
            offset,
            record_start: offset,
            irregular: 0,
        }
    }

    /// Bytes consumed so far (the starting offset included).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The current line: one more than the line breaks consumed so far.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Whether the bytes consumed so far end with a whole record (or with none at all).
    pub fn at_record_start(&self) -> bool {
        self.state == State::StartRecord
    }

    /// The field delimiter.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    fn end_record<S: RecordSink>(&mut self, end: u64, complete: bool, sink: &mut S) -> bool {
        sink.field_end(self.field);
        let record = RecordEnd {
            line: self.record_line,
            fields: self.field + 1,
            complete,
            start: self.record_start,
            end,
        };
        self.state = State::StartRecord;
        self.field = 0;
        sink.record_end(record)
    }

    /// Scans `chunk` and returns how many of its bytes were consumed: all of them, unless the sink
    /// paused the scanner after a record; then the caller feeds the rest later.
    pub fn feed<S: RecordSink>(&mut self, chunk: &[u8], sink: &mut S) -> usize {
        let d = self.delimiter;
        let base = self.offset;
        let mut i = 0;
        let mut go_on = true;
        let mut blocks = Blocks::new(chunk, d);
        while go_on && i < chunk.len() {
            match self.state {
                // Its own loop while inside the quotes: a JSON cell has dozens of doubled quotes,
                // and none of them can end the field or the record.
                State::InQuoted => {
                    while i < chunk.len() {
                        let Some(at) = blocks.find(i, Stop::Quoted) else {
                            sink.bytes(self.field, &chunk[i..]);
                            i = chunk.len();
                            break;
                        };
                        if chunk[at] == b'\n' {
                            self.line += 1;
                            sink.bytes(self.field, &chunk[i..=at]);
                            i = at + 1;
                        } else if chunk.get(at + 1) == Some(&b'"') {
                            // A doubled quote: the text up to it and one literal quote in one
                            // piece, still inside the quotes.
                            sink.bytes(self.field, &chunk[i..=at]);
                            i = at + 2;
                        } else {
                            sink.bytes(self.field, &chunk[i..at]);
                            self.state = State::QuoteInQuoted;
                            i = at + 1;
                            break;
                        }
                    }
                }
                // Inside an unquoted field a quote is literal: only a delimiter or a line break
                // ends it.
                State::InField => match blocks.find(i, Stop::Unquoted) {
                    None => {
                        sink.bytes(self.field, &chunk[i..]);
                        i = chunk.len();
                    }
                    Some(at) => {
                        sink.bytes(self.field, &chunk[i..at]);
                        i = at + 1;
                        go_on = self.after_field(chunk[at], base + i as u64, sink);
                    }
                },
                State::StartRecord => {
                    let b = chunk[i];
                    if b == b'\n' || b == b'\r' {
                        self.line += u64::from(b == b'\n');
                        i += 1;
                    } else {
                        self.record_line = self.line;
                        self.record_start = base + i as u64;
                        self.state = State::StartField;
                    }
                }
                State::StartField => {
                    let b = chunk[i];
                    if b == b'"' {
                        i += 1;
                        self.state = State::InQuoted;
                    } else if b == d || b == b'\n' || b == b'\r' {
                        i += 1;
                        go_on = self.after_field(b, base + i as u64, sink);
                    } else {
                        // Not consumed: the field's search starts at this byte, so that an
                        // unquoted field reaches the sink in one piece rather than two.
                        self.state = State::InField;
                    }
                }
                State::QuoteInQuoted => {
                    let b = chunk[i];
                    if b == b'"' {
                        // A doubled quote: one literal quote, still inside the quotes.
                        i += 1;
                        sink.bytes(self.field, b"\"");
                        self.state = State::InQuoted;
                    } else if b == d || b == b'\n' || b == b'\r' {
                        i += 1;
                        go_on = self.after_field(b, base + i as u64, sink);
                    } else {
                        // Not consumed: bytes after a closing quote join the field, up to the
                        // next delimiter.
                        self.state = State::InField;
                    }
                }
            }
        }
        self.offset = base + i as u64;
        i
    }

    /// [`Scanner::feed`], reading whole records from bit masks (`mask_scan`) wherever their quoting
    /// lets it, and with the state machine elsewhere: in a record that a chunk ends in, and in one
    /// with a quote the masks cannot read. The records, lines and positions are `feed`'s.
    ///
    /// For the first pass, which keeps a few columns of each record: the sink is told every
    /// record's end, but of its fields only the bytes of those whose entry in `wanted` (by column)
    /// is not zero, and their ends only where the state machine reads. The second pass keeps every
    /// field, so it has nothing to skip, and reads with [`Scanner::feed`].
    pub(crate) fn feed_masked<S: RecordSink>(
        &mut self,
        chunk: &[u8],
        wanted: &[u32],
        sink: &mut S,
    ) -> usize {
        // With the delimiter one of the bytes the quoting is made of, the masks would mix them up.
        if matches!(self.delimiter, b'"' | b'\n' | b'\r') {
            return self.feed(chunk, sink);
        }
        let mut i = 0;
        loop {
            if self.state == State::StartRecord {
                let rest = &chunk[i..];
                let stopped = mask_scan::scan_records(
                    rest,
                    self.delimiter,
                    self.offset,
                    self.line,
                    wanted,
                    sink,
                );
                i += stopped.at;
                self.offset += stopped.at as u64;
                self.line = stopped.line;
                if stopped.paused {
                    return i;
                }
                let Some(irregular) = stopped.irregular else {
                    // What is left is the start of a record that the next chunk goes on with.
                    return i + self.feed(&chunk[i..], sink);
                };
                self.irregular += 1;
                // No record ends before the quote: the masks read every line break before it.
                i += self.feed(&chunk[i..=i + irregular], sink);
            }
            // Inside a record: the state machine reads on to its end.
            let mut one = OneRecord {
                sink: &mut *sink,
                sink_paused: false,
            };
            i += self.feed(&chunk[i..], &mut one);
            if i == chunk.len() || one.sink_paused {
                return i;
            }
        }
    }

    /// Records that [`Scanner::feed_masked`] read with the state machine because of a quote the
    /// masks cannot read.
    #[cfg(test)]
    pub(crate) fn irregular(&self) -> u64 {
        self.irregular
    }

    /// A delimiter or a line break `b` ended the current field, at offset `end` (just after `b`).
    // Inlined: called once a field, from three places in `feed`'s loop.
    #[inline(always)]
    fn after_field<S: RecordSink>(&mut self, b: u8, end: u64, sink: &mut S) -> bool {
        if b == self.delimiter {
            sink.field_end(self.field);
            self.field += 1;
            self.state = State::StartField;
            true
        } else {
            self.line += u64::from(b == b'\n');
            self.end_record(end, true, sink)
        }
    }

    /// Ends the input: reports a last record that had no line terminator.
    pub fn finish<S: RecordSink>(&mut self, sink: &mut S) {
        if self.state != State::StartRecord {
            let complete = self.state != State::InQuoted;
            let end = self.offset;
            self.end_record(end, complete, sink);
        }
    }
}

/// Passes one record on to a sink, and pauses the scanner after it.
struct OneRecord<'s, S> {
    sink: &'s mut S,
    /// The sink asked for the pause itself.
    sink_paused: bool,
}

impl<S: RecordSink> RecordSink for OneRecord<'_, S> {
    fn bytes(&mut self, field: usize, bytes: &[u8]) {
        self.sink.bytes(field, bytes);
    }
    fn field_end(&mut self, field: usize) {
        self.sink.field_end(field);
    }
    fn record_end(&mut self, record: RecordEnd) -> bool {
        self.sink_paused = !self.sink.record_end(record);
        false
    }
}

/// A sink that collects whole records as field lists (headers, tests).
#[derive(Debug, Default)]
pub struct Collect {
    current: Vec<Vec<u8>>,
    /// Records collected so far, with where they ended.
    pub records: Vec<(Vec<Vec<u8>>, RecordEnd)>,
    /// Stop after this many records (0: never).
    pub limit: usize,
}

impl Collect {
    /// A collector that pauses the scanner after `limit` records (0: never).
    pub fn with_limit(limit: usize) -> Collect {
        Collect {
            limit,
            ..Collect::default()
        }
    }
}

impl RecordSink for Collect {
    fn bytes(&mut self, field: usize, bytes: &[u8]) {
        if self.current.len() <= field {
            self.current.resize(field + 1, Vec::new());
        }
        self.current[field].extend_from_slice(bytes);
    }
    fn field_end(&mut self, field: usize) {
        if self.current.len() <= field {
            self.current.resize(field + 1, Vec::new());
        }
    }
    fn record_end(&mut self, record: RecordEnd) -> bool {
        self.records
            .push((std::mem::take(&mut self.current), record));
        self.limit == 0 || self.records.len() < self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use csv_core::ReadRecordResult;

    /// What both parsers must agree on, per record: starting line and decoded fields.
    type Seen = Vec<(u64, Vec<Vec<u8>>)>;

    /// The reference: csv-core, with lines counted by hand.
    fn with_csv_core(input: &[u8]) -> Seen {
        let mut rdr = csv_core::ReaderBuilder::new().build();
        let (mut out, mut ends) = (vec![0u8; input.len() + 16], vec![0usize; input.len() + 2]);
        let (mut pos, mut nout, mut nend) = (0, 0, 0);
        let mut record_start = 0;
        let mut seen = Vec::new();
        loop {
            let (res, nin, o, e) =
                rdr.read_record(&input[pos..], &mut out[nout..], &mut ends[nend..]);
            pos += nin;
            nout += o;
            nend += e;
            match res {
                ReadRecordResult::Record => {
                    let consumed = &input[record_start..pos];
                    let blank = consumed
                        .iter()
                        .take_while(|&&b| b == b'\n' || b == b'\r')
                        .count();
                    let line = 1 + input[..record_start + blank]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count() as u64;
                    let mut fields = Vec::new();
                    let mut start = 0;
                    for &end in &ends[..nend] {
                        fields.push(out[start..end].to_vec());
                        start = end;
                    }
                    seen.push((line, fields));
                    (nout, nend, record_start) = (0, 0, pos);
                }
                ReadRecordResult::End => break,
                ReadRecordResult::InputEmpty if pos == input.len() && nout == 0 && nend == 0 => {
                    // Only blank lines since the last record.
                    record_start = pos;
                }
                _ => {}
            }
        }
        seen
    }

    /// The scanner's records with their completeness, fed in chunks of `chunk` bytes.
    fn with_scanner(input: &[u8], chunk: usize) -> Vec<(u64, Vec<Vec<u8>>, bool)> {
        let mut s = Scanner::new(b',', 1, 0);
        let mut c = Collect::default();
        for piece in input.chunks(chunk.max(1)) {
            let n = s.feed(piece, &mut c);
            assert_eq!(n, piece.len());
        }
        s.finish(&mut c);
        assert_eq!(s.offset(), input.len() as u64);
        c.records
            .into_iter()
            .map(|(fields, r)| {
                assert_eq!(r.fields, fields.len());
                (r.line, fields, r.complete)
            })
            .collect()
    }

    /// The scanner gives `want` (lines and fields) for `input` fed in chunks of every size,
    /// so that each field crosses a chunk boundary.
    fn scans_to(input: &[u8], want: &Seen) {
        for chunk in [1, 2, 3, 5, 7, 16, 64, usize::MAX] {
            let got: Seen = with_scanner(input, chunk)
                .into_iter()
                .map(|(l, f, _)| (l, f))
                .collect();
            assert_eq!(
                got,
                *want,
                "chunk {chunk}, input {:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    fn agree(input: &[u8]) {
        scans_to(input, &with_csv_core(input));
    }

    #[test]
    fn agrees_with_csv_core_on_table_cases() {
        let cases: &[&[u8]] = &[
            b"a,b\n1,2\n",
            b"a,b\r\n1,2\r\n3,4",
            b"\"x\ny\",2\n3\n",
            b"\"he said \"\"hi\"\"\",2\n",
            b"\"ab\"cd,e\n",
            b"ab\"cd\",e\n",
            b" \"a\",b\n",
            b"a\n\n\r\n\r\r1\n",
            b"a\rb\rc",
            b",\n,,\n",
            b"\"\"\n\"\"\"\"\n",
            b"1,\"unfinished\nbio",
            b"1,\"closed\"",
            b"x\0y,2\n\xFF\xFE,3",
            b"\"a\"\"\n\"\"b\",c\r\nd",
            b"",
            b"\n\n",
            b"a,\"b\r\nc\"\r\n",
            b"\"\nb\"\",a\",\"\r\r,\rb\0,\r,\r",
        ];
        for input in cases {
            agree(input);
        }
    }

    #[test]
    fn agrees_with_csv_core_on_random_bytes() {
        // A pinned xorshift stream over an alphabet that stresses every state.
        let alphabet = b"ab,,\"\"\n\r \0";
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for case in 0..3000 {
            let len = (case % 60) + 1;
            let input = crate::testing::random_bytes(&mut x, alphabet, len);
            agree(&input);
        }
        // Longer inputs, so that searches run across the 64-byte blocks the scanner classifies.
        let alphabet = b"abcdefgh,\"\"\n\r";
        for case in 0..400 {
            let len = 60 + case % 200;
            let input = crate::testing::random_bytes(&mut x, alphabet, len);
            agree(&input);
        }
    }

    /// Expected records of one case: fields and starting line.
    type Expected<'a> = &'a [(&'a [&'a [u8]], u64)];

    fn check(input: &[u8], expected: Expected<'_>) {
        let want: Seen = expected
            .iter()
            .map(|(f, line)| (*line, f.iter().map(|s| s.to_vec()).collect()))
            .collect();
        scans_to(input, &want);
    }

    #[test]
    fn reader_cases() {
        let cases: &[(&[u8], Expected<'_>)] = &[
            (b"a,b\n1,2\n", &[(&[b"a", b"b"], 1), (&[b"1", b"2"], 2)]),
            (b"a,b\r\n1,2\r\n", &[(&[b"a", b"b"], 1), (&[b"1", b"2"], 2)]),
            (
                b"a,b\r\n1,2\n3,4\r\n",
                &[(&[b"a", b"b"], 1), (&[b"1", b"2"], 2), (&[b"3", b"4"], 3)],
            ),
            (
                b"a\n\"x\ny\nz\",2\n3\n",
                &[(&[b"a"], 1), (&[b"x\ny\nz", b"2"], 2), (&[b"3"], 5)],
            ),
            (
                b"a\n\"he said \"\"hi\"\"\",2\n",
                &[(&[b"a"], 1), (&[b"he said \"hi\"", b"2"], 2)],
            ),
            (b"a\n\"1,2\",3\n", &[(&[b"a"], 1), (&[b"1,2", b"3"], 2)]),
            (b"a\nx\0y,2\n", &[(&[b"a"], 1), (&[b"x\0y", b"2"], 2)]),
            (b"a\n\n\n1\n", &[(&[b"a"], 1), (&[b"1"], 4)]),
            (
                b"a,b\n1\n1,2,3\n",
                &[(&[b"a", b"b"], 1), (&[b"1"], 2), (&[b"1", b"2", b"3"], 3)],
            ),
            (b"a\n,\n", &[(&[b"a"], 1), (&[b"", b""], 2)]),
            (b"a\n\"\"\n", &[(&[b"a"], 1), (&[b""], 2)]),
            (
                b"a\n\xF0\x9F\x98\x80\n",
                &[(&[b"a"], 1), (&["\u{1F600}".as_bytes()], 2)],
            ),
            (b"a\n\xFF\xFEz\n", &[(&[b"a"], 1), (&[b"\xFF\xFEz"], 2)]),
            (b"a\n1,2", &[(&[b"a"], 1), (&[b"1", b"2"], 2)]),
        ];
        for (input, expected) in cases {
            check(input, expected);
        }
    }

    #[test]
    fn a_long_field_crosses_many_chunks() {
        let bio = "x\"".repeat(50_000);
        let input = format!(
            "a,b\n\"{}\",{}\n",
            bio.replace('"', "\"\""),
            "y,".repeat(100)
        );
        for chunk in [4096, 1 << 20] {
            let got = with_scanner(input.as_bytes(), chunk);
            assert_eq!(got[1].1[0], bio.as_bytes());
            assert_eq!(
                got[1].1.len(),
                102,
                "bio, 100 fields, and the empty one after the last comma"
            );
        }
    }

    #[test]
    fn completeness_table() {
        for (input, complete) in [
            (&b"a,\"b"[..], false),
            (b"a,\"b\"", true),
            (b"a,\"b\r", false),
            (b"a,b\"c", true),
            (b"a,\"b\"\"", false),
            (b"a,\"b\nc\"\n", true),
        ] {
            let got = with_scanner(input, 2);
            assert_eq!(
                got.last().map(|r| r.2),
                Some(complete),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn positions_and_pauses() {
        let input = b"h1,h2\r\n\r\n\"a\"\"b\",c\r\nd,e";
        let mut s = Scanner::new(b',', 1, 0);
        let mut c = Collect::with_limit(1);
        let n = s.feed(input, &mut c);
        assert_eq!(c.records.len(), 1, "paused after the first record");
        assert_eq!(
            c.records[0].1,
            RecordEnd {
                line: 1,
                fields: 2,
                complete: true,
                start: 0,
                end: 6
            }
        );
        c.limit = 0;
        let rest = s.feed(&input[n..], &mut c);
        assert_eq!(n + rest, input.len());
        s.finish(&mut c);
        let ends: Vec<RecordEnd> = c.records.iter().map(|r| r.1).collect();
        assert_eq!(
            ends[1],
            RecordEnd {
                line: 3,
                fields: 2,
                complete: true,
                start: 9,
                end: 18
            }
        );
        assert_eq!(&input[9..17], b"\"a\"\"b\",c");
        assert_eq!(
            ends[2],
            RecordEnd {
                line: 4,
                fields: 2,
                complete: true,
                start: 19,
                end: 22
            }
        );
        assert_eq!(c.records[1].0, vec![b"a\"b".to_vec(), b"c".to_vec()]);
    }
}
