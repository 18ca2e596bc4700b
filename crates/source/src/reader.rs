//! An RFC 4180 record reader that streams, never holds the file, and knows where each record was.
//!
//! `csv-core` does the parsing (quotes, doubled quotes, embedded newlines, CRLF/LF); this layer adds
//! what a loader needs on top of it: the record's starting line and byte, its raw bytes for the
//! quarantine, whether it was cut off by the end of the file inside a quoted field, and a skipped
//! UTF-8 byte-order mark. The same [`RawRecord`] is reused for every record, so reading allocates
//! only when a record is larger than any before it.

use std::io::Read;

use csv_core::ReadRecordResult;

const DEFAULT_BUFFER: usize = 256 * 1024;

/// One record: its decoded fields, its raw bytes and its position. Reused across reads.
#[derive(Clone, Debug, Default)]
pub struct RawRecord {
    fields: Vec<u8>,
    ends: Vec<usize>,
    len: usize,
    raw: Vec<u8>,
    line: u64,
    byte: u64,
    /// The record was ended by the end of the input rather than a line terminator.
    at_eof: bool,
}

impl RawRecord {
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for a record with no field (never returned by the reader).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The decoded bytes of field `i` (quotes removed, doubled quotes undoubled).
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        if i >= self.len {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.fields[start..self.ends[i]])
    }

    /// All fields in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        (0..self.len).filter_map(move |i| self.get(i))
    }

    /// The decoded bytes of all fields, back to back, and their end offsets.
    pub fn parts(&self) -> (&[u8], &[usize]) {
        (&self.fields[..self.ends_total()], &self.ends[..self.len])
    }

    fn ends_total(&self) -> usize {
        if self.len == 0 {
            0
        } else {
            self.ends[self.len - 1]
        }
    }

    /// The record's bytes as they stand in the file, without the line terminator.
    pub fn raw(&self) -> &[u8] {
        let mut r = &self.raw[..];
        while let [rest @ .., b'\n' | b'\r'] = r {
            r = rest;
        }
        r
    }

    /// 1-based line on which the record starts.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// 0-based byte offset at which the record starts.
    pub fn byte(&self) -> u64 {
        self.byte
    }

    /// False when the file ended inside this record's quoted field: the row was cut off.
    pub fn is_complete(&self) -> bool {
        // csv-core does not say in which state the input ended; the scanner knows, and it only
        // runs for the last record of a file.
        !self.at_eof || crate::scan::closes_its_quotes(&self.raw)
    }
}

/// Streams [`RawRecord`]s out of any reader.
pub struct CsvReader<R> {
    core: csv_core::Reader,
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    eof: bool,
    started: bool,
    line: u64,
    byte: u64,
}

impl<R: Read> CsvReader<R> {
    /// A reader with the default 256 KiB buffer.
    pub fn new(inner: R, delimiter: u8) -> Self {
        Self::with_capacity(inner, delimiter, DEFAULT_BUFFER)
    }

    /// A reader with a buffer of `capacity` bytes (at least 1); tests use tiny ones.
    pub fn with_capacity(inner: R, delimiter: u8, capacity: usize) -> Self {
        let core = csv_core::ReaderBuilder::new()
            .delimiter(delimiter)
            .double_quote(true)
            .build();
        CsvReader {
            core,
            inner,
            buf: vec![0; capacity.max(1)].into_boxed_slice(),
            pos: 0,
            filled: 0,
            eof: false,
            started: false,
            line: 1,
            byte: 0,
        }
    }

    /// Bytes consumed so far, byte-order mark included.
    pub fn position(&self) -> u64 {
        self.byte
    }

    /// The line on which the next record starts (before skipping blank lines).
    pub fn line(&self) -> u64 {
        self.line
    }

    fn fill(&mut self) -> std::io::Result<()> {
        self.pos = 0;
        self.filled = 0;
        loop {
            match self.inner.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.filled = n;
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Skips a UTF-8 byte-order mark at the very start, even when it straddles buffer refills.
    fn skip_bom(&mut self) -> std::io::Result<()> {
        self.started = true;
        const BOM: &[u8] = b"\xEF\xBB\xBF";
        let mut matched = 0;
        let mut held = Vec::new();
        while matched < BOM.len() {
            if self.pos == self.filled {
                if self.eof {
                    break;
                }
                self.fill()?;
                continue;
            }
            if self.buf[self.pos] != BOM[matched] {
                break;
            }
            held.push(self.buf[self.pos]);
            self.pos += 1;
            matched += 1;
        }
        if matched == BOM.len() {
            self.byte += 3;
        } else if !held.is_empty() {
            // A partial BOM is data: hand it back to the parser ahead of the buffer.
            let rest = self.buf[self.pos..self.filled].to_vec();
            held.extend_from_slice(&rest);
            if held.len() > self.buf.len() {
                self.buf = vec![0; held.len()].into_boxed_slice();
            }
            self.buf[..held.len()].copy_from_slice(&held);
            self.pos = 0;
            self.filled = held.len();
        }
        Ok(())
    }

    /// Reads the next record into `rec`; `Ok(false)` at the end of the input.
    pub fn read_record(&mut self, rec: &mut RawRecord) -> std::io::Result<bool> {
        if !self.started {
            self.skip_bom()?;
        }
        if rec.fields.is_empty() {
            rec.fields.resize(1024, 0);
        }
        if rec.ends.is_empty() {
            rec.ends.resize(32, 0);
        }
        rec.raw.clear();
        rec.len = 0;
        rec.line = self.line;
        rec.byte = self.byte;
        let (mut nout, mut nend) = (0, 0);
        rec.at_eof = false;
        loop {
            if self.pos == self.filled && !self.eof {
                self.fill()?;
            }
            let input = &self.buf[self.pos..self.filled];
            rec.at_eof = input.is_empty();
            let (res, nin, out, ends) =
                self.core
                    .read_record(input, &mut rec.fields[nout..], &mut rec.ends[nend..]);
            let consumed = &input[..nin];
            rec.raw.extend_from_slice(consumed);
            self.line += consumed.iter().filter(|&&b| b == b'\n').count() as u64;
            self.byte += nin as u64;
            self.pos += nin;
            nout += out;
            nend += ends;
            match res {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let n = rec.fields.len() * 2;
                    rec.fields.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = rec.ends.len() * 2;
                    rec.ends.resize(n, 0);
                }
                ReadRecordResult::Record => {
                    rec.len = nend;
                    // csv-core skips blank lines silently; move the record's position past them.
                    let blank = rec
                        .raw
                        .iter()
                        .take_while(|&&b| b == b'\n' || b == b'\r')
                        .count();
                    if blank > 0 {
                        rec.line += rec.raw[..blank].iter().filter(|&&b| b == b'\n').count() as u64;
                        rec.byte += blank as u64;
                        rec.raw.drain(..blank);
                    }
                    return Ok(true);
                }
                ReadRecordResult::End => return Ok(false),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A parsed record as the tests compare it: fields as strings, line, and completeness.
    type Parsed = (Vec<String>, u64, bool);
    /// Expected records of one case: fields and starting line.
    type Expected<'a> = &'a [(&'a [&'a str], u64)];

    fn parse(input: &[u8], capacity: usize) -> Vec<Parsed> {
        let mut r = CsvReader::with_capacity(input, b',', capacity);
        let mut rec = RawRecord::default();
        let mut out = Vec::new();
        while r.read_record(&mut rec).unwrap() {
            let fields = rec
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            out.push((fields, rec.line(), rec.is_complete()));
        }
        assert_eq!(r.position(), input.len() as u64, "every byte accounted for");
        out
    }

    /// Every case runs with buffers from 1 byte up, so that each field crosses a refill.
    fn check(input: &[u8], expected: Expected<'_>) {
        for cap in [1, 2, 3, 5, 7, 16, 64, 1 << 16] {
            let got = parse(input, cap);
            let want: Vec<Parsed> = expected
                .iter()
                .map(|(f, line)| (f.iter().map(|s| s.to_string()).collect(), *line, true))
                .collect();
            let got_cmp: Vec<Parsed> = got.iter().map(|(f, l, _)| (f.clone(), *l, true)).collect();
            assert_eq!(got_cmp, want, "buffer capacity {cap}, input {input:?}");
        }
    }

    #[test]
    fn reader_cases() {
        let cases: &[(&[u8], Expected<'_>)] = &[
            (b"a,b\n1,2\n", &[(&["a", "b"], 1), (&["1", "2"], 2)]),
            (b"a,b\r\n1,2\r\n", &[(&["a", "b"], 1), (&["1", "2"], 2)]),
            (
                b"a,b\r\n1,2\n3,4\r\n",
                &[(&["a", "b"], 1), (&["1", "2"], 2), (&["3", "4"], 3)],
            ),
            (
                b"\xEF\xBB\xBFa,b\n1,2",
                &[(&["a", "b"], 1), (&["1", "2"], 2)],
            ),
            (b"\xEF\xBBa\n", &[(&["\u{FFFD}a"], 1)]),
            (
                b"a\n\"x\ny\nz\",2\n3\n",
                &[(&["a"], 1), (&["x\ny\nz", "2"], 2), (&["3"], 5)],
            ),
            (
                b"a\n\"he said \"\"hi\"\"\",2\n",
                &[(&["a"], 1), (&["he said \"hi\"", "2"], 2)],
            ),
            (b"a\n\"1,2\",3\n", &[(&["a"], 1), (&["1,2", "3"], 2)]),
            (b"a\nx\0y,2\n", &[(&["a"], 1), (&["x\0y", "2"], 2)]),
            (b"a\n\n\n1\n", &[(&["a"], 1), (&["1"], 4)]),
            (
                b"a,b\n1\n1,2,3\n",
                &[(&["a", "b"], 1), (&["1"], 2), (&["1", "2", "3"], 3)],
            ),
            (b"a\n,\n", &[(&["a"], 1), (&["", ""], 2)]),
            (b"a\n\"\"\n", &[(&["a"], 1), (&[""], 2)]),
            (
                b"a\n\xF0\x9F\x98\x80\n",
                &[(&["a"], 1), (&["\u{1F600}"], 2)],
            ),
        ];
        for (input, expected) in cases {
            check(input, expected);
        }
    }

    #[test]
    fn invalid_utf8_bytes_pass_through_untouched() {
        let mut r = CsvReader::with_capacity(&b"a\n\xFF\xFEz\n"[..], b',', 2);
        let mut rec = RawRecord::default();
        assert!(r.read_record(&mut rec).unwrap());
        assert!(r.read_record(&mut rec).unwrap());
        assert_eq!(rec.get(0), Some(&b"\xFF\xFEz"[..]));
    }

    #[test]
    fn a_cut_off_quoted_field_is_incomplete() {
        for cap in [1, 4, 1024] {
            let got = parse(b"a,b\n1,\"unfinished\nbio", cap);
            assert_eq!(got.len(), 2);
            assert!(got[0].2);
            assert!(!got[1].2, "capacity {cap}");
            let ok = parse(b"a,b\n1,\"finished\"", cap);
            assert!(
                ok[1].2,
                "a last row without newline but closed quotes is complete"
            );
        }
    }

    #[test]
    fn raw_bytes_and_positions_are_kept() {
        let input = b"h1,h2\r\n\r\n\"a\"\"b\",c\r\nd,e";
        let mut r = CsvReader::with_capacity(&input[..], b',', 3);
        let mut rec = RawRecord::default();
        r.read_record(&mut rec).unwrap();
        assert_eq!(rec.raw(), b"h1,h2");
        r.read_record(&mut rec).unwrap();
        assert_eq!(rec.raw(), b"\"a\"\"b\",c");
        assert_eq!((rec.line(), rec.byte()), (3, 9));
        r.read_record(&mut rec).unwrap();
        assert_eq!(rec.raw(), b"d,e");
        assert_eq!((rec.line(), rec.byte()), (4, 19));
        assert!(!r.read_record(&mut rec).unwrap());
    }

    #[test]
    fn a_long_field_grows_the_record_buffers() {
        let bio = "x".repeat(150_000);
        let input = format!("a,b\n\"{bio}\",{}\n", "y,".repeat(100));
        let got = parse(input.as_bytes(), 4096);
        assert_eq!(got[1].0[0].len(), 150_000);
        assert_eq!(
            got[1].0.len(),
            102,
            "bio, 100 fields, and the empty one after the last comma"
        );
    }
}
