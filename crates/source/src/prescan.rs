//! The first pass: find every key that occurs more than once, and which of its rows wins.
//!
//! "Later row wins" cannot be decided while streaming forward without holding rows back, so the
//! source reads the export twice. This pass parses every record but keeps only a 64-bit hash per
//! key; at its end only the duplicated keys remain, each with the record that wins. It applies the
//! same structural checks as the second pass, so that a broken later duplicate does not beat a
//! good earlier row. Its sink keeps only the key column's bytes.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};

use crate::batch::{check_record, open_export, ExportFile};
use crate::config::{Sentinels, SourceConfig};
use crate::error::SourceError;
use crate::scan::{RecordEnd, RecordSink};
use crate::Field;

/// The keys are already xxh3 hashes; hashing them again would be wasted work.
#[derive(Default)]
pub(crate) struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) type HashBuild = BuildHasherDefault<PassThroughHasher>;

/// What the first pass learned about the export.
#[derive(Debug, Default)]
pub struct DuplicateIndex {
    /// For each key seen more than once: the winning record's number and line.
    winners: HashMap<u64, Winner, HashBuild>,
    /// Records read (header rows excluded), over all files.
    pub records: u64,
    /// Bytes over all files.
    pub bytes: u64,
    /// Rows that will lose to a later row with the same key.
    pub superseded: u64,
    /// Rows the second pass will quarantine, by reason code.
    pub rejected: std::collections::BTreeMap<&'static str, u64>,
    /// The files, with their size and modification time, to detect a change before the second pass.
    pub(crate) files: Vec<ExportFile>,
}

/// The row that wins for a duplicated key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Winner {
    /// Record number over the whole run, from 0.
    pub record: u64,
    /// Index of the input file.
    pub file: usize,
    /// Line in that file.
    pub line: u64,
}

impl DuplicateIndex {
    /// The winning row for a key hash, when the key occurs more than once.
    pub fn winner(&self, key_hash: u64) -> Option<Winner> {
        self.winners.get(&key_hash).copied()
    }

    /// Number of distinct keys that occur more than once.
    pub fn duplicated_keys(&self) -> usize {
        self.winners.len()
    }

    /// The input files, in order.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|f| f.path.as_path())
    }

    /// The input files with their sizes in bytes, as the first pass found them.
    pub fn sizes(&self) -> impl Iterator<Item = (&Path, u64)> {
        self.files.iter().map(|f| (f.path.as_path(), f.size))
    }
}

/// Receives the collected fields of one valid row.
pub type OnValues<'a> = dyn FnMut(&Collected<'_>) + 'a;

/// The collected fields of one row, borrowed from the scanner's buffers.
pub struct Collected<'a> {
    fields: &'a [(Field, usize, Vec<u8>)],
}

impl Collected<'_> {
    /// The raw bytes of `field`, if it was collected and the export has it.
    pub fn get(&self, field: Field) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(f, _, _)| *f == field)
            .map(|(_, _, v)| v.as_slice())
    }
}

/// Keeps the key column of each record (and any collected columns) and records keys seen more
/// than once.
struct KeySink<'a, 'c> {
    key: Vec<u8>,
    key_col: usize,
    /// Collected columns: the field, its column, and the current record's bytes.
    collect: Vec<(Field, usize, Vec<u8>)>,
    on_values: &'c mut OnValues<'c>,
    width: usize,
    file: usize,
    sentinels: &'a Sentinels,
    seen: &'a mut HashSet<u64, HashBuild>,
    index: &'a mut DuplicateIndex,
}

impl RecordSink for KeySink<'_, '_> {
    fn bytes(&mut self, field: usize, bytes: &[u8]) {
        if field == self.key_col {
            self.key.extend_from_slice(bytes);
        }
        for (_, col, buf) in &mut self.collect {
            if *col == field {
                buf.extend_from_slice(bytes);
            }
        }
    }

    fn field_end(&mut self, _field: usize) {}

    fn record_end(&mut self, r: RecordEnd) -> bool {
        let record = self.index.records;
        self.index.records += 1;
        match check_record(r.complete, r.fields, &self.key, self.width, self.sentinels) {
            Ok(key) => {
                let hash = crate::key_hash(key);
                if !self.seen.insert(hash) {
                    self.index.superseded += 1;
                    let winner = Winner {
                        record,
                        file: self.file,
                        line: r.line,
                    };
                    self.index.winners.insert(hash, winner);
                }
                if !self.collect.is_empty() {
                    (self.on_values)(&Collected {
                        fields: &self.collect,
                    });
                }
            }
            Err(reason) => *self.index.rejected.entry(reason.code()).or_default() += 1,
        }
        self.key.clear();
        for (_, _, buf) in &mut self.collect {
            buf.clear();
        }
        // Pause now and then, so that the caller can report progress.
        self.index.records % PROGRESS_EVERY != 0
    }
}

/// Records between two progress reports of the first pass.
const PROGRESS_EVERY: u64 = 1 << 16;

/// Reads every file once and builds the [`DuplicateIndex`]. `progress` is told bytes read so far.
pub fn prescan(
    paths: &[PathBuf],
    config: &SourceConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<DuplicateIndex, SourceError> {
    prescan_collecting(paths, config, &[], progress, &mut |_| {})
}

/// [`prescan`], also handing the raw bytes of the `collect` fields of every structurally valid
/// row to `on_values` (rows that a later duplicate supersedes included): the pre-flight checks
/// see the data before anything is written.
pub fn prescan_collecting(
    paths: &[PathBuf],
    config: &SourceConfig,
    collect: &[Field],
    progress: &(dyn Fn(u64) + Sync),
    on_values: &mut OnValues<'_>,
) -> Result<DuplicateIndex, SourceError> {
    let sentinels = Sentinels::new(&config.sentinels);
    let mut seen: HashSet<u64, HashBuild> = HashSet::default();
    let mut index = DuplicateIndex::default();
    let mut first_header: Option<(PathBuf, Vec<String>)> = None;
    let mut done_bytes = 0;
    for (file_no, path) in paths.iter().enumerate() {
        let (mut reader, layout, file) = open_export(path, config, &mut first_header)?;
        let key_col = layout
            .column(crate::Field::LearnerId)
            .ok_or_else(|| missing_key_column(path, &layout))?;
        let mut sink = KeySink {
            key: Vec::with_capacity(64),
            key_col,
            collect: collect
                .iter()
                .filter_map(|&f| layout.column(f).map(|c| (f, c, Vec::new())))
                .collect(),
            on_values: &mut *on_values,
            width: layout.width(),
            file: file_no,
            sentinels: &sentinels,
            seen: &mut seen,
            index: &mut index,
        };
        while reader.scan(&mut sink)? {
            progress(done_bytes + reader.position());
        }
        done_bytes += reader.position();
        progress(done_bytes);
        index.bytes += file.size;
        index.files.push(file);
    }
    Ok(index)
}

pub(crate) fn missing_key_column(path: &Path, layout: &crate::ColumnLayout) -> SourceError {
    SourceError::MissingColumn {
        path: path.to_path_buf(),
        field: "learner_id",
        column: String::new(),
        available: layout.header().to_vec(),
        closest: None,
    }
}
