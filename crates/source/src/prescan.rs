//! The first pass: find every key that occurs more than once, and which of its rows wins.
//!
//! "Later row wins" cannot be decided while streaming forward without holding rows back, so the
//! source reads the export twice. This pass parses every record but keeps only a 64-bit hash per
//! key; at its end only the duplicated keys remain, each with the record that wins. It applies the
//! same structural checks as the second pass, so that a broken later duplicate does not beat a
//! good earlier row. It reads with the [`KeyScanner`], which decodes only the key column.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use crate::batch::{check_record, open_export, ExportFile};
use crate::config::{Sentinels, SourceConfig};
use crate::error::SourceError;
use crate::scan::{KeyScanner, ScannedRecord};

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
}

/// Reads every file once and builds the [`DuplicateIndex`]. `progress` is told bytes read so far.
pub fn prescan(
    paths: &[PathBuf],
    config: &SourceConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<DuplicateIndex, SourceError> {
    let sentinels = Sentinels::new(&config.sentinels);
    let mut seen: HashSet<u64, HashBuild> = HashSet::default();
    let mut index = DuplicateIndex::default();
    let mut first_header: Option<(PathBuf, Vec<String>)> = None;
    let mut done_bytes = 0;
    let mut buf = vec![0u8; 1 << 20];
    for (file_no, path) in paths.iter().enumerate() {
        // The header is read by the same reader as in the second pass; the body by the scanner.
        let (reader, layout, file) = open_export(path, config, &mut first_header)?;
        let key_col = layout
            .column(crate::Field::LearnerId)
            .ok_or_else(|| missing_key_column(path, &layout))?;
        let (body_start, body_line) = (reader.position(), reader.line());
        drop(reader);
        let mut input = File::open(path).map_err(|e| SourceError::io(path, e))?;
        input
            .seek(SeekFrom::Start(body_start))
            .map_err(|e| SourceError::io(path, e))?;
        let delimiter = config.delimiter as u8;
        let mut scanner = KeyScanner::new(delimiter, key_col, body_line);
        let width = layout.width();
        let mut on_record = |r: &ScannedRecord<'_>| {
            let record = index.records;
            index.records += 1;
            let Ok(key) = check_record(r.complete, r.fields, r.key, width, &sentinels) else {
                return;
            };
            let hash = crate::key_hash(key);
            if !seen.insert(hash) {
                index.superseded += 1;
                let winner = Winner {
                    record,
                    file: file_no,
                    line: r.line,
                };
                index.winners.insert(hash, winner);
            }
        };
        let mut read = body_start;
        loop {
            let n = match input.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(SourceError::io(path, e)),
            };
            scanner.feed(&buf[..n], &mut on_record);
            read += n as u64;
            progress(done_bytes + read);
        }
        scanner.finish(&mut on_record);
        done_bytes += read;
        index.bytes += file.size;
        index.files.push(file);
    }
    progress(done_bytes);
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
