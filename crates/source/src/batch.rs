//! The second pass: valid rows cut into owned batches, broken rows rejected, superseded rows merged.
//!
//! A [`RowBatch`] owns the decoded bytes of its rows back to back, so that it can cross a channel to
//! a transform worker with one allocation per batch rather than one per field (and its buffers are
//! recycled). Every record read lands in exactly one of three places of its batch: `rows`,
//! `rejected` or `merged`.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use crate::config::{Sentinels, SourceConfig};
use crate::error::SourceError;
use crate::field::Field;
use crate::layout::ColumnLayout;
use crate::prescan::{missing_key_column, DuplicateIndex};
use crate::scan::{Collect, RecordEnd, RecordSink, Scanner};

/// Keys longer than this are refused: no real learner id is, and they would bloat every index.
const MAX_KEY_BYTES: usize = 256;
/// A batch is cut when its field data passes this size, whatever its row count.
const MAX_BATCH_BYTES: usize = 32 << 20;
/// Read size.
const CHUNK: usize = 1 << 20;

/// Why a row was rejected to the quarantine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RejectReason {
    /// The file ended inside a quoted field: the row was cut off.
    UnterminatedQuote,
    /// The row has more or fewer fields than the header.
    FieldCount {
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// The key is empty or a sentinel.
    MissingKey,
    /// The key is present but unusable.
    InvalidKey(&'static str),
}

impl RejectReason {
    /// Stable short code, for counts in the report.
    pub fn code(&self) -> &'static str {
        match self {
            RejectReason::UnterminatedQuote => "unterminated_quote",
            RejectReason::FieldCount { expected, found } if found < expected => "too_few_fields",
            RejectReason::FieldCount { .. } => "too_many_fields",
            RejectReason::MissingKey => "missing_key",
            RejectReason::InvalidKey(_) => "invalid_key",
        }
    }
}

impl std::fmt::Display for RejectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RejectReason::UnterminatedQuote => {
                f.write_str("the file ends inside a quoted field (truncated row)")
            }
            RejectReason::FieldCount { expected, found } => {
                write!(
                    f,
                    "expected {expected} fields as in the header, found {found}"
                )
            }
            RejectReason::MissingKey => f.write_str("learner_id is empty or a sentinel"),
            RejectReason::InvalidKey(why) => write!(f, "learner_id {why}"),
        }
    }
}

/// A row that goes to the quarantine.
#[derive(Clone, Debug)]
pub struct RejectedRow {
    /// Index of the input file.
    pub file: usize,
    /// Line where the row starts.
    pub line: u64,
    /// Why.
    pub reason: RejectReason,
    /// The row's bytes as they are in the file, without its line terminator.
    pub raw: Vec<u8>,
}

/// A row superseded by a later row with the same key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergedRow {
    /// Index of the input file.
    pub file: usize,
    /// Line of the superseded row.
    pub line: u64,
    /// File index of the winning row.
    pub winner_file: usize,
    /// Line of the winning row.
    pub winner_line: u64,
}

/// Where a valid row came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowMeta {
    /// Line where the row starts.
    pub line: u64,
    /// Record number over the whole run, from 0.
    pub record: u64,
    /// Whether a decoded field of the row holds a NUL byte: one search per row. The cells of
    /// such a row are cleaned one by one; the rest (nearly all) are checked whole, see
    /// [`Row::get_text`].
    pub has_nul: bool,
}

/// Rows of one file, in order, owned.
#[derive(Clone, Debug)]
pub struct RowBatch {
    /// Sequence number, from 0, gap-free.
    pub seq: u64,
    /// Index of the input file.
    pub file: usize,
    /// Which column holds which field in these rows.
    pub layout: Arc<ColumnLayout>,
    data: Vec<u8>,
    ends: Vec<u32>,
    /// Valid rows' positions, in order.
    pub rows: Vec<RowMeta>,
    /// Rows rejected to the quarantine.
    pub rejected: Vec<RejectedRow>,
    /// Rows superseded by a later duplicate.
    pub merged: Vec<MergedRow>,
    /// Bytes of the input consumed once this batch was read, over all files.
    pub input_position: u64,
}

impl RowBatch {
    /// Number of records this batch accounts for (valid, rejected and merged).
    pub fn records(&self) -> u64 {
        (self.rows.len() + self.rejected.len() + self.merged.len()) as u64
    }

    /// The `i`-th valid row.
    pub fn row(&self, i: usize) -> Row<'_> {
        let w = self.layout.width();
        let start = if i == 0 {
            0
        } else {
            self.ends[i * w - 1] as usize
        };
        let ends = &self.ends[i * w..(i + 1) * w];
        let meta = self.rows[i];
        let end = ends.last().map_or(start, |&e| e as usize);
        // One UTF-8 check per row rather than one per cell: a cell of a checked row is then a
        // slice of its text, which costs a look at the two ends.
        let text = (!meta.has_nul)
            .then(|| simdutf8::basic::from_utf8(&self.data[start..end]).ok())
            .flatten();
        Row {
            data: &self.data,
            start,
            ends,
            text,
            meta,
        }
    }
}

/// A view of one valid row of a batch.
#[derive(Clone, Copy, Debug)]
pub struct Row<'a> {
    data: &'a [u8],
    start: usize,
    ends: &'a [u32],
    /// The row's decoded bytes, when they are UTF-8 and hold no NUL byte (nearly every row).
    text: Option<&'a str>,
    /// Where the row came from.
    pub meta: RowMeta,
}

impl<'a> Row<'a> {
    /// The decoded bytes of column `col`.
    pub fn get(&self, col: usize) -> &'a [u8] {
        let start = if col == 0 {
            self.start
        } else {
            self.ends[col - 1] as usize
        };
        &self.data[start..self.ends[col] as usize]
    }

    /// Column `col` as text, when the row is UTF-8 without NUL bytes and the column's ends fall
    /// between characters; `None` sends the caller to [`Row::get`] and its own repairs.
    pub fn get_text(&self, col: usize) -> Option<&'a str> {
        let start = if col == 0 {
            self.start
        } else {
            self.ends[col - 1] as usize
        };
        self.text?
            .get(start - self.start..self.ends[col] as usize - self.start)
    }
}

/// An input file as it was when the run began.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ExportFile {
    pub path: PathBuf,
    pub size: u64,
    pub modified: Option<SystemTime>,
}

/// An open export: the file, a read buffer, and the scanner positioned after the header.
pub(crate) struct ExportReader {
    path: PathBuf,
    file: File,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    eof: bool,
    finished: bool,
    scanner: Scanner,
}

impl ExportReader {
    /// Opens `path`, skips a UTF-8 byte-order mark and reads the header row.
    pub fn open(
        path: &Path,
        config: &SourceConfig,
    ) -> Result<(ExportReader, Vec<String>, ExportFile), SourceError> {
        let delimiter = u8::try_from(config.delimiter)
            .ok()
            .filter(u8::is_ascii)
            .ok_or(SourceError::BadDelimiter(config.delimiter))?;
        let file = File::open(path).map_err(|e| SourceError::io(path, e))?;
        let meta = file.metadata().map_err(|e| SourceError::io(path, e))?;
        let stamp = ExportFile {
            path: path.to_path_buf(),
            size: meta.len(),
            modified: meta.modified().ok(),
        };
        let mut r = ExportReader {
            path: path.to_path_buf(),
            file,
            buf: vec![0; CHUNK].into_boxed_slice(),
            pos: 0,
            filled: 0,
            eof: false,
            finished: false,
            scanner: Scanner::new(delimiter, 1, 0),
        };
        r.fill()?;
        while r.filled < 3 && !r.eof {
            r.fill_more()?;
        }
        if r.buf[..r.filled].starts_with(b"\xEF\xBB\xBF") {
            r.pos = 3;
            r.scanner = Scanner::new(delimiter, 1, 3);
        }
        let mut header = Collect::with_limit(1);
        r.scan(&mut header)?;
        let Some((fields, _)) = header.records.pop() else {
            return Err(SourceError::Empty {
                path: path.to_path_buf(),
            });
        };
        check_header(path, &fields)?;
        let header = fields
            .iter()
            .map(|f| String::from_utf8_lossy(f).trim().to_string())
            .collect();
        Ok((r, header, stamp))
    }

    fn fill(&mut self) -> Result<(), SourceError> {
        self.pos = 0;
        self.filled = 0;
        self.fill_more()
    }

    fn fill_more(&mut self) -> Result<(), SourceError> {
        loop {
            match self.file.read(&mut self.buf[self.filled..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.filled += n;
                    return Ok(());
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(SourceError::io(&self.path, e)),
            }
        }
    }

    /// Feeds the scanner until the sink pauses (`Ok(true)`) or the file ends (`Ok(false)`).
    pub fn scan<S: RecordSink>(&mut self, sink: &mut S) -> Result<bool, SourceError> {
        loop {
            if self.pos < self.filled {
                let chunk = &self.buf[self.pos..self.filled];
                let n = self.scanner.feed(chunk, sink);
                self.pos += n;
                if n < chunk.len() {
                    return Ok(true);
                }
            }
            if self.finished {
                return Ok(false);
            }
            if self.eof {
                self.finished = true;
                self.scanner.finish(sink);
                return Ok(false);
            }
            self.fill()?;
        }
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> u64 {
        self.scanner.offset()
    }

    /// The scanner, for its line, state and delimiter.
    pub fn scanner(&self) -> &Scanner {
        &self.scanner
    }

    /// The bytes of `record` as they are in the file, without the line terminator.
    fn raw(&self, record: &RecordEnd) -> Result<Vec<u8>, SourceError> {
        let mut f = File::open(&self.path).map_err(|e| SourceError::io(&self.path, e))?;
        f.seek(SeekFrom::Start(record.start))
            .map_err(|e| SourceError::io(&self.path, e))?;
        let mut raw = vec![0; (record.end - record.start) as usize];
        f.read_exact(&mut raw)
            .map_err(|e| SourceError::io(&self.path, e))?;
        while let [.., b'\n' | b'\r'] = raw[..] {
            raw.pop();
        }
        Ok(raw)
    }
}

/// Refuses a first line that cannot be a header: binary bytes, or one column that is plainly
/// separated by another delimiter. A wrong but textual header is left to the column mapping,
/// whose error lists the columns found.
fn check_header(path: &Path, fields: &[Vec<u8>]) -> Result<(), SourceError> {
    let mut column = 1;
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            column += 1;
        }
        let binary = f.iter().position(|&b| b == 0 || (b < 0x20 && b != b'\t'));
        if let Some(at) = binary {
            return Err(SourceError::NotCsv {
                path: path.to_path_buf(),
                column: column + at,
                detail: format!("byte 0x{:02X} in the header; is this a binary file?", f[at]),
            });
        }
        if let Err(e) = std::str::from_utf8(f) {
            return Err(SourceError::NotCsv {
                path: path.to_path_buf(),
                column: column + e.valid_up_to(),
                detail: "the header is not UTF-8 text (a spreadsheet or compressed file?)".into(),
            });
        }
        column += f.len();
    }
    if let [only] = fields {
        let found = [(';', "semicolon"), ('\t', "tab"), ('|', "pipe")]
            .into_iter()
            .find(|(d, _)| only.contains(&(*d as u8)));
        if let Some((delimiter, name)) = found {
            return Err(SourceError::OtherDelimiter {
                path: path.to_path_buf(),
                delimiter,
                name,
            });
        }
    }
    Ok(())
}

/// Opens an export and resolves its layout; later files must have the first file's header.
pub(crate) fn open_export(
    path: &Path,
    config: &SourceConfig,
    first_header: &mut Option<(PathBuf, Vec<String>)>,
) -> Result<(ExportReader, ColumnLayout, ExportFile), SourceError> {
    let (reader, header, stamp) = ExportReader::open(path, config)?;
    match first_header {
        Some((first, h)) if *h != header => {
            return Err(SourceError::HeaderMismatch {
                path: path.to_path_buf(),
                first: first.clone(),
            })
        }
        Some(_) => {}
        None => *first_header = Some((path.to_path_buf(), header.clone())),
    }
    let layout = ColumnLayout::resolve(path, &header, &config.columns)?;
    Ok((reader, layout, stamp))
}

/// The structural checks every record passes before it is a row, shared by both passes so that
/// they agree; returns the trimmed key.
pub(crate) fn check_record<'k>(
    complete: bool,
    fields: usize,
    key: &'k [u8],
    width: usize,
    sentinels: &Sentinels,
) -> Result<&'k [u8], RejectReason> {
    if !complete {
        return Err(RejectReason::UnterminatedQuote);
    }
    if fields != width {
        return Err(RejectReason::FieldCount {
            expected: width,
            found: fields,
        });
    }
    if sentinels.is_null(key) {
        return Err(RejectReason::MissingKey);
    }
    let key = key.trim_ascii();
    if key.len() > MAX_KEY_BYTES {
        return Err(RejectReason::InvalidKey("is longer than 256 bytes"));
    }
    // Keys are ASCII nearly always: then the UTF-8 check is implied, and the control characters
    // are C0 and DEL, looked for in every byte without an early exit, which vectorises.
    let control = if key.is_ascii() {
        key.iter().fold(false, |c, &b| c | (b < 0x20) | (b == 0x7f))
    } else {
        match std::str::from_utf8(key) {
            Err(_) => return Err(RejectReason::InvalidKey("is not valid UTF-8")),
            Ok(k) => k.chars().any(char::is_control),
        }
    };
    if control {
        return Err(RejectReason::InvalidKey("contains a control character"));
    }
    Ok(key)
}

/// The second pass: yields [`RowBatch`]es over all input files in order.
pub struct BatchReader<'a> {
    config: &'a SourceConfig,
    index: &'a DuplicateIndex,
    sentinels: Sentinels,
    next_file: usize,
    current: Option<OpenFile>,
    first_header: Option<(PathBuf, Vec<String>)>,
    seq: u64,
    record: u64,
    done_bytes: u64,
    /// Data size of the last batch, to size the next one's buffer at once.
    last_data: usize,
    /// Buffers of batches the workers are done with, for reuse.
    spare: Vec<(Vec<u8>, Vec<u32>, Vec<RowMeta>)>,
    winners_seen: u64,
}

struct OpenFile {
    no: usize,
    reader: ExportReader,
    layout: Arc<ColumnLayout>,
    key_col: usize,
}

/// Receives scanned records into a batch: valid rows stay, others are taken back out.
struct BatchSink<'b> {
    batch: &'b mut RowBatch,
    /// Raw bytes to fetch for rejected rows: (index in `batch.rejected`, where).
    raw_wanted: Vec<(usize, RecordEnd)>,
    row_data_start: usize,
    row_ends_start: usize,
    key_col: usize,
    width: usize,
    limit: usize,
    sentinels: &'b Sentinels,
    index: &'b DuplicateIndex,
    record: &'b mut u64,
    winners_seen: &'b mut u64,
}

impl RecordSink for BatchSink<'_> {
    fn bytes(&mut self, _field: usize, bytes: &[u8]) {
        self.batch.data.extend_from_slice(bytes);
    }

    fn field_end(&mut self, _field: usize) {
        // The batch's byte cap keeps every offset far below u32::MAX.
        self.batch.ends.push(self.batch.data.len() as u32);
    }

    fn record_end(&mut self, r: RecordEnd) -> bool {
        let record = *self.record;
        *self.record += 1;
        let key = if self.key_col < r.fields {
            let e = &self.batch.ends[self.row_ends_start..];
            let start = if self.key_col == 0 {
                self.row_data_start
            } else {
                e[self.key_col - 1] as usize
            };
            &self.batch.data[start..e[self.key_col] as usize]
        } else {
            &[][..]
        };
        let keep = match check_record(r.complete, r.fields, key, self.width, self.sentinels) {
            Err(reason) => {
                self.raw_wanted.push((self.batch.rejected.len(), r));
                self.batch.rejected.push(RejectedRow {
                    file: self.batch.file,
                    line: r.line,
                    reason,
                    raw: Vec::new(),
                });
                false
            }
            Ok(key) => match self.index.winner(crate::key_hash(key)) {
                Some(w) if w.record != record => {
                    self.batch.merged.push(MergedRow {
                        file: self.batch.file,
                        line: r.line,
                        winner_file: w.file,
                        winner_line: w.line,
                    });
                    false
                }
                winner => {
                    *self.winners_seen += u64::from(winner.is_some());
                    true
                }
            },
        };
        if keep {
            let has_nul = memchr::memchr(0, &self.batch.data[self.row_data_start..]).is_some();
            self.batch.rows.push(RowMeta {
                line: r.line,
                record,
                has_nul,
            });
        } else {
            self.batch.data.truncate(self.row_data_start);
            self.batch.ends.truncate(self.row_ends_start);
        }
        self.row_data_start = self.batch.data.len();
        self.row_ends_start = self.batch.ends.len();
        self.batch.rows.len() < self.limit && self.batch.data.len() < MAX_BATCH_BYTES
    }
}

impl<'a> BatchReader<'a> {
    /// Starts the second pass over the files the first pass read.
    pub fn new(config: &'a SourceConfig, index: &'a DuplicateIndex) -> Self {
        BatchReader {
            config,
            index,
            sentinels: Sentinels::new(&config.sentinels),
            next_file: 0,
            current: None,
            first_header: None,
            seq: 0,
            record: 0,
            done_bytes: 0,
            last_data: 0,
            spare: Vec::new(),
            winners_seen: 0,
        }
    }

    /// Checks, once every batch was read, that this pass met the same records and the same
    /// winning rows as the first pass. A difference would mean a learner was lost; it is an error.
    pub fn verify_complete(&self) -> Result<(), SourceError> {
        let winners = self.index.duplicated_keys() as u64;
        if self.record != self.index.records || self.winners_seen != winners {
            return Err(SourceError::PassesDisagree {
                first: self.index.records,
                second: self.record,
                winners,
                winners_seen: self.winners_seen,
            });
        }
        Ok(())
    }

    /// Hands back a batch that was transformed, so that its buffers serve a later batch
    /// (fresh multi-megabyte buffers for every batch cost page faults).
    pub fn recycle(&mut self, batch: RowBatch) {
        if self.spare.len() < 8 {
            let RowBatch {
                mut data,
                mut ends,
                mut rows,
                ..
            } = batch;
            data.clear();
            ends.clear();
            rows.clear();
            self.spare.push((data, ends, rows));
        }
    }

    fn open_next(&mut self) -> Result<bool, SourceError> {
        let Some(expected) = self.index.files.get(self.next_file) else {
            return Ok(false);
        };
        let (reader, layout, stamp) =
            open_export(&expected.path, self.config, &mut self.first_header)?;
        if stamp != *expected {
            return Err(SourceError::Changed {
                path: expected.path.clone(),
            });
        }
        let key_col = layout
            .column(Field::LearnerId)
            .ok_or_else(|| missing_key_column(&expected.path, &layout))?;
        self.current = Some(OpenFile {
            no: self.next_file,
            reader,
            layout: Arc::new(layout),
            key_col,
        });
        self.next_file += 1;
        Ok(true)
    }

    /// Reads the next batch; `Ok(None)` when every file is done.
    pub fn next_batch(&mut self) -> Result<Option<RowBatch>, SourceError> {
        loop {
            if self.current.is_none() && !self.open_next()? {
                return Ok(None);
            }
            let Some(file) = self.current.as_mut() else {
                continue;
            };
            let width = file.layout.width();
            let (data, ends, rows) = self.spare.pop().unwrap_or_else(|| {
                (
                    Vec::with_capacity(self.last_data + self.last_data / 8),
                    Vec::with_capacity(self.config.batch_rows * width),
                    Vec::with_capacity(self.config.batch_rows),
                )
            });
            let mut batch = RowBatch {
                seq: self.seq,
                file: file.no,
                layout: file.layout.clone(),
                data,
                ends,
                rows,
                rejected: Vec::new(),
                merged: Vec::new(),
                input_position: 0,
            };
            let mut sink = BatchSink {
                batch: &mut batch,
                raw_wanted: Vec::new(),
                row_data_start: 0,
                row_ends_start: 0,
                key_col: file.key_col,
                width,
                limit: self.config.batch_rows.max(1),
                sentinels: &self.sentinels,
                index: self.index,
                record: &mut self.record,
                winners_seen: &mut self.winners_seen,
            };
            let more = file.reader.scan(&mut sink)?;
            let raw_wanted = std::mem::take(&mut sink.raw_wanted);
            for (i, where_) in raw_wanted {
                batch.rejected[i].raw = file.reader.raw(&where_)?;
            }
            batch.input_position = self.done_bytes + file.reader.position();
            self.last_data = batch.data.len();
            if !more {
                self.done_bytes += file.reader.position();
                self.current = None;
            }
            if batch.records() == 0 {
                continue;
            }
            self.seq += 1;
            return Ok(Some(batch));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SourceConfig;

    /// What `check_record` answers for a key.
    type Checked<'k> = Result<&'k [u8], RejectReason>;

    fn check(key: &[u8]) -> Checked<'_> {
        let sentinels = Sentinels::new(&SourceConfig::default().sentinels);
        check_record(true, 3, key, 3, &sentinels)
    }

    #[test]
    fn keys_table() {
        let long = [b'k'; MAX_KEY_BYTES + 1];
        let control = Err(RejectReason::InvalidKey("contains a control character"));
        let cases: &[(&[u8], Checked<'_>)] = &[
            (b"L0000002", Ok(b"L0000002")),
            (
                b" dd0045d1-4435-43fb-8e99-b395336eb274 ",
                Ok(b"dd0045d1-4435-43fb-8e99-b395336eb274"),
            ),
            ("Lé-7".as_bytes(), Ok("Lé-7".as_bytes())),
            (b"", Err(RejectReason::MissingKey)),
            (b" -99 ", Err(RejectReason::MissingKey)),
            (&long[1..], Ok(&long[1..])),
            (
                &long,
                Err(RejectReason::InvalidKey("is longer than 256 bytes")),
            ),
            (b"L\x01", control.clone()),
            (b"L\x1f7", control.clone()),
            (b"L\x7f", control.clone()),
            ("L\u{85}é".as_bytes(), control.clone()),
            ("é\u{9f}".as_bytes(), control),
            (
                b"L\xff",
                Err(RejectReason::InvalidKey("is not valid UTF-8")),
            ),
        ];
        for (key, want) in cases {
            assert_eq!(check(key), *want, "{key:?}");
        }
        let sentinels = Sentinels::new(&SourceConfig::default().sentinels);
        assert_eq!(
            check_record(false, 3, b"L1", 3, &sentinels),
            Err(RejectReason::UnterminatedQuote)
        );
        assert_eq!(
            check_record(true, 2, b"L1", 3, &sentinels),
            Err(RejectReason::FieldCount {
                expected: 3,
                found: 2
            })
        );
    }

    /// The ASCII path answers as the general one (UTF-8, then `char::is_control`) on random keys
    /// with control bytes, DEL and bytes just around them.
    #[test]
    fn ascii_keys_are_checked_as_any_text_is() {
        let alphabet = b"aZ09-_ \x00\x01\x1f\x20\x7e\x7f";
        let mut x: u64 = 0x6A09_E667_F3BC_C908;
        for len in 1..80 {
            for _ in 0..200 {
                let key = crate::testing::random_bytes(&mut x, alphabet, len);
                let general = match std::str::from_utf8(key.trim_ascii()) {
                    Ok(k) => k.chars().any(char::is_control),
                    Err(_) => unreachable!("ASCII"),
                };
                let got = check(&key);
                if got != Err(RejectReason::MissingKey) {
                    assert_eq!(got.is_err(), general, "{key:?}: {got:?}");
                }
            }
        }
    }
}
