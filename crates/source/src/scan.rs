//! A record scanner for the first pass: record boundaries, field counts and one field's value,
//! without decoding the other fields.
//!
//! It follows `csv-core`'s reading rules exactly (the second pass parses with `csv-core`, and both
//! passes must agree on what each record is): a quote opens a quoted field only at the start of a
//! field, a doubled quote inside one is a literal quote, bytes after a closing quote join the field,
//! `\r`, `\n` and `\r\n` end a record, and blank lines are skipped. The agreement is tested against
//! `csv-core` on table cases, on generated exports and on random bytes.
//!
//! Speed comes from not copying fields out: inside quoted text (bios, JSON) it jumps from quote to
//! quote with `memchr`, and only the key column's bytes are kept.

/// One scanned record.
#[derive(Debug, PartialEq, Eq)]
pub struct ScannedRecord<'a> {
    /// 1-based line on which the record starts.
    pub line: u64,
    /// Number of fields.
    pub fields: usize,
    /// Decoded bytes of the requested column (empty when the record is shorter).
    pub key: &'a [u8],
    /// False when the input ended inside a quoted field: the record was cut off.
    pub complete: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    StartRecord,
    StartField,
    InField,
    InQuoted,
    QuoteInQuoted,
}

/// A push scanner: feed it the bytes after the header in any chunk sizes, then `finish`.
pub struct KeyScanner {
    delimiter: u8,
    key_col: usize,
    state: State,
    field: usize,
    key: Vec<u8>,
    line: u64,
    record_line: u64,
}

impl KeyScanner {
    /// A scanner keeping column `key_col`; `first_line` is the line of the first byte fed.
    pub fn new(delimiter: u8, key_col: usize, first_line: u64) -> KeyScanner {
        KeyScanner {
            delimiter,
            key_col,
            state: State::StartRecord,
            field: 0,
            key: Vec::with_capacity(64),
            line: first_line,
            record_line: first_line,
        }
    }

    fn keep(&mut self, bytes: &[u8]) {
        if self.field == self.key_col {
            self.key.extend_from_slice(bytes);
        }
    }

    fn end_record(&mut self, complete: bool, emit: &mut impl FnMut(&ScannedRecord<'_>)) {
        emit(&ScannedRecord {
            line: self.record_line,
            fields: self.field + 1,
            key: &self.key,
            complete,
        });
        self.state = State::StartRecord;
        self.field = 0;
        self.key.clear();
    }

    /// Scans `chunk`, calling `emit` for every record that ends in it.
    pub fn feed(&mut self, chunk: &[u8], emit: &mut impl FnMut(&ScannedRecord<'_>)) {
        let d = self.delimiter;
        let mut i = 0;
        while i < chunk.len() {
            match self.state {
                State::InQuoted => {
                    // Quoted text is most of the file: jump to the next quote or line break.
                    match memchr::memchr2(b'"', b'\n', &chunk[i..]) {
                        None => {
                            self.keep(&chunk[i..]);
                            i = chunk.len();
                        }
                        Some(n) => {
                            let at = i + n;
                            if chunk[at] == b'\n' {
                                self.line += 1;
                                self.keep(&chunk[i..=at]);
                            } else {
                                self.keep(&chunk[i..at]);
                                self.state = State::QuoteInQuoted;
                            }
                            i = at + 1;
                        }
                    }
                    continue;
                }
                State::InField => {
                    // Inside an unquoted field a quote is literal: only a delimiter or a line
                    // break ends it, so jump straight there.
                    match memchr::memchr3(d, b'\n', b'\r', &chunk[i..]) {
                        None => {
                            self.keep(&chunk[i..]);
                            i = chunk.len();
                        }
                        Some(n) => {
                            let at = i + n;
                            self.keep(&chunk[i..at]);
                            let b = chunk[at];
                            i = at + 1;
                            if b == d {
                                self.field += 1;
                                self.state = State::StartField;
                            } else {
                                if b == b'\n' {
                                    self.line += 1;
                                }
                                self.end_record(true, emit);
                            }
                        }
                    }
                    continue;
                }
                state => {
                    let b = chunk[i];
                    i += 1;
                    if b == b'\n' {
                        self.line += 1;
                    }
                    let terminator = b == b'\n' || b == b'\r';
                    match state {
                        State::StartRecord if terminator => {}
                        State::StartRecord | State::StartField => {
                            if state == State::StartRecord {
                                self.record_line = self.line;
                            }
                            if b == b'"' {
                                self.state = State::InQuoted;
                            } else if b == d {
                                self.field += 1;
                                self.state = State::StartField;
                            } else if terminator {
                                self.end_record(true, emit);
                            } else {
                                self.keep(&[b]);
                                self.state = State::InField;
                            }
                        }
                        State::QuoteInQuoted => {
                            if b == b'"' {
                                // A doubled quote: one literal quote, still inside the quotes.
                                self.keep(b"\"");
                                self.state = State::InQuoted;
                            } else if b == d {
                                self.field += 1;
                                self.state = State::StartField;
                            } else if terminator {
                                self.end_record(true, emit);
                            } else {
                                self.keep(&[b]);
                                self.state = State::InField;
                            }
                        }
                        State::InQuoted | State::InField => {}
                    }
                }
            }
        }
    }

    /// Ends the input: emits a last record that had no line terminator.
    pub fn finish(&mut self, emit: &mut impl FnMut(&ScannedRecord<'_>)) {
        if self.state != State::StartRecord {
            let complete = self.state != State::InQuoted;
            self.end_record(complete, emit);
        }
    }
}

/// Whether `raw`, the bytes of a record that the end of the input ended, closes all its quotes.
pub(crate) fn closes_its_quotes(raw: &[u8]) -> bool {
    let mut s = KeyScanner::new(b',', usize::MAX, 1);
    let mut complete = true;
    let mut emit = |r: &ScannedRecord<'_>| complete = r.complete;
    s.feed(raw, &mut emit);
    s.finish(&mut emit);
    complete
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::{CsvReader, RawRecord};

    type Seen = Vec<(u64, usize, Vec<u8>, bool)>;

    fn with_csv_core(input: &[u8], key_col: usize) -> Seen {
        let mut r = CsvReader::with_capacity(input, b',', 7);
        let mut rec = RawRecord::default();
        let mut out = Vec::new();
        while r.read_record(&mut rec).unwrap() {
            let key = rec.get(key_col).unwrap_or_default().to_vec();
            out.push((rec.line(), rec.len(), key, rec.is_complete()));
        }
        out
    }

    fn with_scanner(input: &[u8], key_col: usize, chunk: usize) -> Seen {
        let mut s = KeyScanner::new(b',', key_col, 1);
        let mut out = Vec::new();
        let mut emit = |r: &ScannedRecord<'_>| {
            let key = if key_col < r.fields {
                r.key.to_vec()
            } else {
                Vec::new()
            };
            out.push((r.line, r.fields, key, r.complete));
        };
        for c in input.chunks(chunk.max(1)) {
            s.feed(c, &mut emit);
        }
        s.finish(&mut emit);
        out
    }

    fn agree(input: &[u8]) {
        for key_col in [0, 1, 2] {
            let want = with_csv_core(input, key_col);
            for chunk in [1, 2, 3, 5, 64, usize::MAX] {
                assert_eq!(
                    with_scanner(input, key_col, chunk),
                    want,
                    "key column {key_col}, chunk {chunk}, input {:?}",
                    String::from_utf8_lossy(input)
                );
            }
        }
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
            let input: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    alphabet[(x % alphabet.len() as u64) as usize]
                })
                .collect();
            agree(&input);
        }
    }
}
