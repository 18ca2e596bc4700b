//! The second pass: valid rows cut into owned batches, broken rows rejected, superseded rows merged.
//!
//! A [`RowBatch`] owns the decoded bytes of its rows back to back, so that it can cross a channel to
//! a transform worker with one allocation per batch rather than one per field. Every record read
//! lands in exactly one of three places of its batch: `rows`, `rejected` or `merged`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use crate::config::{Sentinels, SourceConfig};
use crate::error::SourceError;
use crate::field::Field;
use crate::layout::ColumnLayout;
use crate::prescan::{missing_key_column, DuplicateIndex};
use crate::reader::{CsvReader, RawRecord};

/// Keys longer than this are refused: no real learner id is, and they would bloat every index.
const MAX_KEY_BYTES: usize = 256;
/// A batch is cut when its field data passes this size, whatever its row count.
const MAX_BATCH_BYTES: usize = 32 << 20;

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
    /// The row's bytes as they are in the file.
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
        Row {
            data: &self.data,
            start,
            ends: &self.ends[i * w..(i + 1) * w],
            meta: self.rows[i],
        }
    }

    fn push_row(&mut self, rec: &RawRecord, meta: RowMeta) {
        let (data, ends) = rec.parts();
        let base = self.data.len();
        self.data.extend_from_slice(data);
        // The batch's byte cap keeps every offset far below u32::MAX.
        self.ends.extend(ends.iter().map(|&e| (base + e) as u32));
        self.rows.push(meta);
    }
}

/// A view of one valid row of a batch.
#[derive(Clone, Copy, Debug)]
pub struct Row<'a> {
    data: &'a [u8],
    start: usize,
    ends: &'a [u32],
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
}

/// An input file as it was when the run began.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ExportFile {
    pub path: PathBuf,
    pub size: u64,
    pub modified: Option<SystemTime>,
}

/// Opens an export, reads its header and resolves the layout; later files must match the first.
pub(crate) fn open_export(
    path: &Path,
    config: &SourceConfig,
    first_header: &mut Option<(PathBuf, Vec<String>)>,
) -> Result<(CsvReader<File>, ColumnLayout, ExportFile), SourceError> {
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
    let mut reader = CsvReader::new(file, delimiter);
    let mut rec = RawRecord::default();
    if !reader
        .read_record(&mut rec)
        .map_err(|e| SourceError::io(path, e))?
    {
        return Err(SourceError::Empty {
            path: path.to_path_buf(),
        });
    }
    let header: Vec<String> = rec
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_string())
        .collect();
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

/// The structural checks every record passes before it is a row; returns the trimmed key.
pub(crate) fn classify<'r>(
    rec: &'r RawRecord,
    width: usize,
    key_col: usize,
    sentinels: &Sentinels,
) -> Result<&'r [u8], RejectReason> {
    let key = rec.get(key_col).unwrap_or_default();
    check_record(rec.is_complete(), rec.len(), key, width, sentinels)
}

/// The checks of [`classify`] on a record's facts, shared by both passes so that they agree.
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
    match std::str::from_utf8(key) {
        Err(_) => Err(RejectReason::InvalidKey("is not valid UTF-8")),
        Ok(k) if k.chars().any(char::is_control) => {
            Err(RejectReason::InvalidKey("contains a control character"))
        }
        Ok(_) => Ok(key),
    }
}

/// The second pass: yields [`RowBatch`]es over all input files in order.
pub struct BatchReader<'a> {
    config: &'a SourceConfig,
    index: &'a DuplicateIndex,
    sentinels: Sentinels,
    next_file: usize,
    current: Option<OpenFile>,
    first_header: Option<(PathBuf, Vec<String>)>,
    rec: RawRecord,
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
    reader: CsvReader<File>,
    layout: Arc<ColumnLayout>,
    key_col: usize,
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
            rec: RawRecord::default(),
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
            let path = &self.index.files[file.no].path;
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
            let mut eof = false;
            while batch.rows.len() < self.config.batch_rows.max(1)
                && batch.data.len() < MAX_BATCH_BYTES
            {
                if !file
                    .reader
                    .read_record(&mut self.rec)
                    .map_err(|e| SourceError::io(path, e))?
                {
                    eof = true;
                    break;
                }
                let record = self.record;
                self.record += 1;
                let line = self.rec.line();
                match classify(&self.rec, width, file.key_col, &self.sentinels) {
                    Err(reason) => batch.rejected.push(RejectedRow {
                        file: file.no,
                        line,
                        reason,
                        raw: self.rec.raw().to_vec(),
                    }),
                    Ok(key) => match self.index.winner(crate::key_hash(key)) {
                        Some(w) if w.record != record => batch.merged.push(MergedRow {
                            file: file.no,
                            line,
                            winner_file: w.file,
                            winner_line: w.line,
                        }),
                        Some(_) => {
                            self.winners_seen += 1;
                            batch.push_row(&self.rec, RowMeta { line, record });
                        }
                        _ => batch.push_row(&self.rec, RowMeta { line, record }),
                    },
                }
            }
            batch.input_position = self.done_bytes + file.reader.position();
            self.last_data = batch.data.len();
            if eof {
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
