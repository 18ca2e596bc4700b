//! The first pass: find every key that occurs more than once, and which of its rows wins.
//!
//! "Later row wins" cannot be decided while streaming forward without holding rows back, so the
//! source reads the export twice. This pass parses every record but keeps only a 64-bit hash per
//! key; at its end only the duplicated keys remain, each with the record that wins. It applies the
//! same structural checks as the second pass, so that a broken later duplicate does not beat a
//! good earlier row. Its sink keeps only the key column's bytes.
//!
//! It is the one part of a run that reads the whole export before anything else can start, so it
//! runs on several threads: a reader cuts the file into blocks (`split`), workers scan blocks and
//! note each valid record's key hash and line, and the calling thread applies the blocks in file
//! order to one set of seen keys, so that record numbers and winners are exactly those of one
//! sequential scan. A block is applied only once the scan of it proves that it ended at a record
//! boundary; when one does not, one scanner takes over from that block's start until a block
//! ends at a record boundary again, and the scan goes on in parallel from there.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crossbeam_channel::bounded;

use crate::batch::{check_record, open_export, ExportFile};
use crate::config::{Sentinels, SourceConfig};
use crate::error::SourceError;
use crate::scan::{RecordEnd, RecordSink, Scanner};
use crate::split::{Block, Splitter};
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
    pub rejected: BTreeMap<&'static str, u64>,
    /// Times the parallel scan handed over to one scanner, because a block did not end where a
    /// record ended (a stray quote; see `split`), until a block ended at a record boundary again.
    pub rescanned: usize,
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

/// Counts what the first pass hands over, block by block: each block of the export gets its own
/// collector (made on a worker thread), and the blocks' collectors are merged in file order.
pub trait Collector: Send {
    /// Counts the collected fields of one structurally valid row.
    fn add(&mut self, row: &Collected<'_>);
    /// Adds what `later`, which saw the rows after this one's, counted.
    fn merge(&mut self, later: Self)
    where
        Self: Sized;
}

/// Collects nothing.
impl Collector for () {
    fn add(&mut self, _row: &Collected<'_>) {}
    fn merge(&mut self, _later: ()) {}
}

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

/// What the scan of one file needs to know about it.
struct Plan<'a> {
    file: usize,
    path: &'a Path,
    delimiter: u8,
    width: usize,
    /// Collected fields and their columns.
    collect: Vec<(Field, usize)>,
    /// Per column, what its bytes are kept for: [`KEY`], and bit `i` for `collect[i]`. The
    /// scanner calls the sink once per field piece, so this is one look-up instead of a search.
    route: Vec<u32>,
    sentinels: &'a Sentinels,
}

/// The key bit of [`Plan::route`]; the others are indexes into [`Plan::collect`].
const KEY: u32 = 1 << 31;
const _: () = assert!(Field::ALL.len() < 31, "a route has a bit per field");

/// [`Plan::route`] for a file of `width` columns.
fn route(width: usize, key_col: usize, collect: &[(Field, usize)]) -> Vec<u32> {
    let mut route = vec![0; width];
    route[key_col] |= KEY;
    for (i, &(_, col)) in collect.iter().enumerate() {
        // At most one entry per field, and there are fewer fields than bits.
        route[col] |= 1 << i;
    }
    route
}

/// A structurally valid record, as the duplicate index needs it.
#[derive(Clone, Copy, Debug)]
struct Entry {
    hash: u64,
    line: u64,
    /// Record number within its part.
    record: u32,
}

/// What a scanner found in one stretch of a file, to be applied in file order.
struct Part<C> {
    block: Block,
    entries: Vec<Entry>,
    records: u32,
    rejected: BTreeMap<&'static str, u64>,
    collector: C,
    /// The scanner ended the stretch at the start of a record (see `split`).
    clean_end: bool,
}

/// A [`RecordSink`] that keeps the key column of each record (and any collected columns) and
/// notes each record in its part.
struct PartSink<'p, C> {
    plan: &'p Plan<'p>,
    key: Vec<u8>,
    collect: Vec<(Field, usize, Vec<u8>)>,
    entries: Vec<Entry>,
    records: u32,
    rejected: BTreeMap<&'static str, u64>,
    collector: C,
    /// Pause the scanner after the next record.
    pause: bool,
}

impl<'p, C: Collector> PartSink<'p, C> {
    fn new(plan: &'p Plan<'p>, entries: Vec<Entry>, collector: C) -> Self {
        PartSink {
            plan,
            key: Vec::with_capacity(64),
            collect: plan
                .collect
                .iter()
                .map(|&(f, c)| (f, c, Vec::new()))
                .collect(),
            entries,
            records: 0,
            rejected: BTreeMap::new(),
            collector,
            pause: false,
        }
    }

    /// What was found in `block`, scanned by this sink alone.
    fn into_part(self, block: Block, clean_end: bool) -> Part<C> {
        Part {
            block,
            entries: self.entries,
            records: self.records,
            rejected: self.rejected,
            collector: self.collector,
            clean_end,
        }
    }

    /// Hands over what was found since the last call, as a part of `block`; the sink goes on
    /// with `entries` and `collector` (a record may continue in the next block).
    fn take(
        &mut self,
        block: Block,
        entries: Vec<Entry>,
        collector: C,
        clean_end: bool,
    ) -> Part<C> {
        Part {
            block,
            entries: std::mem::replace(&mut self.entries, entries),
            records: std::mem::take(&mut self.records),
            rejected: std::mem::take(&mut self.rejected),
            collector: std::mem::replace(&mut self.collector, collector),
            clean_end,
        }
    }
}

impl<C: Collector> RecordSink for PartSink<'_, C> {
    // Inlined into the scanner's loop: most pieces go to no column the first pass keeps, and a
    // call cost more than the look-up that says so.
    #[inline(always)]
    fn bytes(&mut self, field: usize, bytes: &[u8]) {
        // Columns past the header's width belong to a record that is rejected anyway.
        let Some(&route) = self.plan.route.get(field) else {
            return;
        };
        if route & KEY != 0 {
            self.key.extend_from_slice(bytes);
        }
        let mut rest = route & !KEY;
        while rest != 0 {
            self.collect[rest.trailing_zeros() as usize]
                .2
                .extend_from_slice(bytes);
            rest &= rest - 1;
        }
    }

    fn field_end(&mut self, _field: usize) {}

    fn record_end(&mut self, r: RecordEnd) -> bool {
        let plan = self.plan;
        match check_record(r.complete, r.fields, &self.key, plan.width, plan.sentinels) {
            Ok(key) => {
                self.entries.push(Entry {
                    hash: crate::key_hash(key),
                    line: r.line,
                    record: self.records,
                });
                if !self.collect.is_empty() {
                    self.collector.add(&Collected {
                        fields: &self.collect,
                    });
                }
            }
            Err(reason) => *self.rejected.entry(reason.code()).or_default() += 1,
        }
        self.records += 1;
        self.key.clear();
        for (_, _, buf) in &mut self.collect {
            buf.clear();
        }
        !self.pause
    }
}

/// The duplicate index being built, and the collector of the parts applied so far.
struct Totals<C> {
    seen: HashSet<u64, HashBuild>,
    index: DuplicateIndex,
    collector: C,
    /// Bytes of all the input files, to size `seen` once from the first part's record length.
    input_bytes: u64,
}

impl<C: Collector> Totals<C> {
    /// Applies the next part of file `file`: its records follow every record applied before.
    /// Returns the part's block and (emptied) entries, for reuse.
    fn apply(&mut self, part: Part<C>, file: usize) -> (Block, Vec<Entry>) {
        if self.seen.capacity() == 0 && part.records > 0 {
            // Growing to millions of keys one doubling at a time rehashes every key about twice
            // over, on the thread every block waits for; one estimate avoids that. A first block
            // of short rows can overestimate: the estimate is capped (past it, the set grows as
            // it would have), and only the table's control bytes are touched until keys arrive.
            const MAX_ESTIMATE: u64 = 1 << 24;
            let record_bytes = (part.block.data.len() as u64 / u64::from(part.records)).max(1);
            let expected = (self.input_bytes / record_bytes).min(MAX_ESTIMATE);
            self.seen
                .reserve(usize::try_from(expected + expected / 16).unwrap_or(0));
        }
        let index = &mut self.index;
        for e in &part.entries {
            if !self.seen.insert(e.hash) {
                index.superseded += 1;
                let winner = Winner {
                    record: index.records + u64::from(e.record),
                    file,
                    line: e.line,
                };
                index.winners.insert(e.hash, winner);
            }
        }
        index.records += u64::from(part.records);
        for (reason, n) in part.rejected {
            *index.rejected.entry(reason).or_default() += n;
        }
        self.collector.merge(part.collector);
        let mut entries = part.entries;
        entries.clear();
        (part.block, entries)
    }
}

/// Hand-overs to one scanner per file after which it scans the rest of the file alone.
const MAX_HAND_OVERS: usize = 8;

/// Bytes per block of the parallel first pass: large enough that the hand-over costs little,
/// small enough that a few blocks in flight per thread stay a few MiB.
const BLOCK_BYTES: usize = 4 << 20;

/// Reads every file once and builds the [`DuplicateIndex`], with `threads` scanning threads.
/// `progress` is told bytes read so far.
pub fn prescan(
    paths: &[PathBuf],
    config: &SourceConfig,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<DuplicateIndex, SourceError> {
    let (index, ()) = prescan_collecting(paths, config, &[], threads, progress, &|| ())?;
    Ok(index)
}

/// [`prescan`], also handing the raw bytes of the `collect` fields of every structurally valid
/// row to a [`Collector`] (rows that a later duplicate supersedes included), so that the
/// pre-flight checks see the data before anything is written. `make` makes an empty collector.
pub fn prescan_collecting<C: Collector>(
    paths: &[PathBuf],
    config: &SourceConfig,
    collect: &[Field],
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
    make: &(dyn Fn() -> C + Sync),
) -> Result<(DuplicateIndex, C), SourceError> {
    prescan_in_blocks(paths, config, collect, threads, BLOCK_BYTES, progress, make)
}

fn prescan_in_blocks<C: Collector>(
    paths: &[PathBuf],
    config: &SourceConfig,
    collect: &[Field],
    threads: usize,
    block_bytes: usize,
    progress: &(dyn Fn(u64) + Sync),
    make: &(dyn Fn() -> C + Sync),
) -> Result<(DuplicateIndex, C), SourceError> {
    let sentinels = Sentinels::new(&config.sentinels);
    let mut totals = Totals {
        seen: HashSet::default(),
        index: DuplicateIndex::default(),
        collector: make(),
        input_bytes: paths
            .iter()
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum(),
    };
    let mut first_header: Option<(PathBuf, Vec<String>)> = None;
    let mut done_bytes = 0;
    // Each field once, whatever the caller asked: a column's route has one bit per field.
    let mut fields = collect.to_vec();
    fields.sort_unstable();
    fields.dedup();
    for (file_no, path) in paths.iter().enumerate() {
        let (reader, layout, file) = open_export(path, config, &mut first_header)?;
        let key_col = layout
            .column(crate::Field::LearnerId)
            .ok_or_else(|| missing_key_column(path, &layout))?;
        let collected: Vec<(Field, usize)> = fields
            .iter()
            .filter_map(|&f| layout.column(f).map(|c| (f, c)))
            .collect();
        let plan = Plan {
            file: file_no,
            path,
            delimiter: reader.scanner().delimiter(),
            width: layout.width(),
            route: route(layout.width(), key_col, &collected),
            collect: collected,
            sentinels: &sentinels,
        };
        // The header is read; the records start after it, at a record boundary.
        let (offset, line) = (reader.position(), reader.scanner().line());
        drop(reader);
        let progress = |at: u64| progress(done_bytes + at);
        if threads > 1 {
            // In parallel, until a block does not end at a record boundary; then with one
            // scanner until one does, and in parallel again from there.
            let rescanned_before = totals.index.rescanned;
            let mut from = Some((offset, line));
            while let Some((offset, line)) = from {
                from = scan_parallel(
                    &plan,
                    offset,
                    line,
                    threads,
                    block_bytes,
                    &mut totals,
                    make,
                    &progress,
                )?;
                if let Some((offset, line)) = from {
                    totals.index.rescanned += 1;
                    // A file full of stray quotes would be read ahead and thrown away again and
                    // again; after a few hand-overs one scanner reads the rest.
                    let resync = totals.index.rescanned - rescanned_before < MAX_HAND_OVERS;
                    from = scan_sequential(
                        &plan,
                        offset,
                        line,
                        block_bytes,
                        resync,
                        &mut totals,
                        make,
                        &progress,
                    )?;
                }
            }
        } else {
            scan_sequential(
                &plan,
                offset,
                line,
                block_bytes,
                false,
                &mut totals,
                make,
                &progress,
            )?;
        }
        progress(file.size);
        done_bytes += file.size;
        totals.index.bytes += file.size;
        totals.index.files.push(file);
    }
    Ok((totals.index, totals.collector))
}

/// Opens `plan`'s file at `offset` and cuts it into blocks.
fn splitter(
    plan: &Plan<'_>,
    offset: u64,
    line: u64,
    block_bytes: usize,
) -> Result<Splitter<File>, SourceError> {
    let mut input = File::open(plan.path).map_err(|e| SourceError::io(plan.path, e))?;
    input
        .seek(SeekFrom::Start(offset))
        .map_err(|e| SourceError::io(plan.path, e))?;
    Ok(Splitter::new(input, plan.path, offset, line, block_bytes))
}

/// Scans a file from `offset` (a record boundary on `line`) with one scanner: to its end, or, when
/// `resync`, through the first block (the one whose parallel scan failed: the quote that misled
/// the splitter is in it) and on to the next record boundary, whose offset and line it returns.
#[allow(clippy::too_many_arguments)]
fn scan_sequential<C: Collector>(
    plan: &Plan<'_>,
    offset: u64,
    line: u64,
    block_bytes: usize,
    resync: bool,
    totals: &mut Totals<C>,
    make: &(dyn Fn() -> C + Sync),
    progress: &dyn Fn(u64),
) -> Result<Option<(u64, u64)>, SourceError> {
    let mut split = splitter(plan, offset, line, block_bytes)?;
    let mut scanner = Scanner::new(plan.delimiter, line, offset);
    let mut sink = PartSink::new(plan, Vec::new(), make());
    let mut buf = Vec::new();
    let mut first = true;
    while let Some(block) = split.next_block(buf)? {
        // Past the first block, a resync pauses at the first record end.
        sink.pause = resync && !first && !block.last;
        scanner.feed_masked(&block.data, &plan.route, &mut sink);
        if block.last {
            scanner.finish(&mut sink);
        }
        let part = sink.take(block, Vec::new(), make(), true);
        let (block, entries) = totals.apply(part, plan.file);
        if resync && !block.last && scanner.at_record_start() {
            progress(scanner.offset());
            return Ok(Some((scanner.offset(), scanner.line())));
        }
        progress(block.end());
        sink.entries = entries;
        buf = block.data;
        first = false;
    }
    Ok(None)
}

/// Scans a file from `offset` (a record boundary on `line`) in blocks on `threads` threads, and
/// applies the parts in file order. Returns where a sequential scan must take over when a block
/// turns out not to end at a record boundary (see `split`).
#[allow(clippy::too_many_arguments)]
fn scan_parallel<C: Collector>(
    plan: &Plan<'_>,
    offset: u64,
    line: u64,
    threads: usize,
    block_bytes: usize,
    totals: &mut Totals<C>,
    make: &(dyn Fn() -> C + Sync),
    progress: &dyn Fn(u64),
) -> Result<Option<(u64, u64)>, SourceError> {
    let mut split = splitter(plan, offset, line, block_bytes)?;
    // Buffers circulate: splitter, worker, this thread, and back; their number bounds memory.
    let buffers = 2 * threads + 2;
    let (work_tx, work_rx) = bounded::<(Block, Vec<Entry>)>(threads);
    let (done_tx, done_rx) = bounded::<Part<C>>(buffers);
    let (free_tx, free_rx) = bounded::<(Vec<u8>, Vec<Entry>)>(buffers);
    std::thread::scope(|s| {
        let reader = s.spawn(move || -> Result<(), SourceError> {
            let mut made = 0;
            loop {
                let (data, entries) = match free_rx.try_recv() {
                    Ok(bufs) => bufs,
                    Err(_) if made < buffers => {
                        made += 1;
                        (
                            Vec::with_capacity(block_bytes + block_bytes / 8),
                            Vec::new(),
                        )
                    }
                    Err(_) => match free_rx.recv() {
                        Ok(bufs) => bufs,
                        Err(_) => return Ok(()),
                    },
                };
                let Some(block) = split.next_block(data)? else {
                    return Ok(());
                };
                if work_tx.send((block, entries)).is_err() {
                    return Ok(());
                }
            }
        });
        for _ in 0..threads {
            let (work_rx, done_tx) = (work_rx.clone(), done_tx.clone());
            s.spawn(move || {
                for (block, entries) in work_rx {
                    let mut scanner = Scanner::new(plan.delimiter, block.line, block.offset);
                    let mut sink = PartSink::new(plan, entries, make());
                    scanner.feed_masked(&block.data, &plan.route, &mut sink);
                    if block.last {
                        scanner.finish(&mut sink);
                    }
                    let clean_end = scanner.at_record_start();
                    if done_tx.send(sink.into_part(block, clean_end)).is_err() {
                        return;
                    }
                }
            });
        }
        drop((work_rx, done_tx));

        let mut waiting: BTreeMap<u64, Part<C>> = BTreeMap::new();
        let mut next = 0;
        let mut outcome = None;
        'parts: for part in &done_rx {
            waiting.insert(part.block.seq, part);
            while let Some(part) = waiting.remove(&next) {
                next += 1;
                // Every part before this one ended at a record boundary, so this one began at
                // one; if it does not end at one too, the next part began in the wrong place.
                if !part.clean_end && !part.block.last {
                    outcome = Some(Some((part.block.offset, part.block.line)));
                    break 'parts;
                }
                let (block, entries) = totals.apply(part, plan.file);
                progress(block.end());
                if block.last {
                    outcome = Some(None);
                    break 'parts;
                }
                let _ = free_tx.send((block.data, entries));
            }
        }
        // Stop the threads: they find their channels closed.
        drop((done_rx, free_tx, waiting));
        let read = reader
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        match (read, outcome) {
            (Err(e), None) => Err(e),
            (_, Some(outcome)) => Ok(outcome),
            // Only a worker that panicked (a bug) ends the parts before the last block.
            (Ok(()), None) => unreachable!("the parts ended before the last block"),
        }
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects the city of every valid row, in the order the rows are applied.
    #[derive(Default)]
    struct Cities(Vec<Vec<u8>>);

    impl Collector for Cities {
        fn add(&mut self, row: &Collected<'_>) {
            self.0
                .push(row.get(Field::CityOfResidence).unwrap_or_default().to_vec());
        }
        fn merge(&mut self, later: Cities) {
            self.0.extend(later.0);
        }
    }

    /// Everything the first pass learns, in a comparable form.
    #[derive(Debug, PartialEq)]
    struct Found {
        records: u64,
        superseded: u64,
        rejected: BTreeMap<&'static str, u64>,
        winners: Vec<(u64, Winner)>,
        cities: Vec<Vec<u8>>,
    }

    fn scan(path: &Path, threads: usize, block: usize) -> (Found, usize) {
        let (index, cities) = prescan_in_blocks(
            &[path.to_path_buf()],
            &SourceConfig::default(),
            &[Field::CityOfResidence],
            threads,
            block,
            &|_| {},
            &Cities::default,
        )
        .unwrap();
        let mut winners: Vec<_> = index.winners.iter().map(|(&k, &w)| (k, w)).collect();
        winners.sort_by_key(|(_, w)| w.record);
        let found = Found {
            records: index.records,
            superseded: index.superseded,
            rejected: index.rejected,
            winners,
            cities: cities.0,
        };
        (found, index.rescanned)
    }

    /// Scans `path` with one scanner, then in blocks of many sizes on 2 and 3 threads, and
    /// asserts that every scan found the same; returns the one scanner's result and how many
    /// block scans needed a rescan with blocks of at least `long` bytes (smaller blocks may fall
    /// inside one record, and then the splitter gives up guessing).
    fn blocks_agree(path: &Path, sizes: &[usize], long: usize) -> (Found, usize) {
        let (want, _) = scan(path, 1, 1 << 20);
        let mut rescans = 0;
        for &block in sizes {
            for threads in [2, 3] {
                let (got, rescanned) = scan(path, threads, block);
                assert_eq!(got, want, "{threads} threads, blocks of {block} bytes");
                if block >= long {
                    rescans += rescanned;
                }
            }
        }
        (want, rescans)
    }

    fn header() -> String {
        Field::ALL.map(|f| f.name()).join(",")
    }

    #[test]
    fn blocks_scanned_in_parallel_find_what_one_scanner_finds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        let file = std::fs::File::create(&path).unwrap();
        let manifest = learngraph_synth::generate(
            &learngraph_synth::GeneratorConfig {
                rows: 3000,
                seed: 7,
            },
            file,
        )
        .unwrap();
        let (found, rescans) = blocks_agree(&path, &[97, 4096, 65_536, 1 << 20], 65_536);
        // And what one scanner found is the generator's ground truth.
        assert_eq!(found.records, manifest.rows);
        assert_eq!(found.superseded, manifest.merged);
        assert_eq!(found.rejected.values().sum::<u64>(), manifest.quarantined);
        assert_eq!(rescans, 0, "the generator writes no stray quotes");
    }

    /// Rows of random fields: keys that repeat, quoted line breaks, doubled quotes, `\r\n`,
    /// rows of the wrong width, and (when `stray`) quotes inside unquoted fields.
    fn random_export(seed: u64, rows: usize, stray: bool) -> String {
        let mut x = seed | 1;
        let mut next = move |n: u64| crate::testing::xorshift(&mut x) % n;
        let width = Field::ALL.len();
        let mut out = header() + "\n";
        for _ in 0..rows {
            let fields = match next(20) {
                0 => width - 1,
                1 => width + 1,
                _ => width,
            };
            for f in 0..fields {
                if f > 0 {
                    out.push(',');
                }
                let cell = match (f, next(8)) {
                    (0, _) => format!("k{}", next(40)),
                    (_, 0) => "\"two\nlines\"".to_string(),
                    (_, 1) => "\"say \"\"hi\"\",\r\nthen go\"".to_string(),
                    (_, 2) if stray => "5'11\" tall".to_string(),
                    (_, 3) => String::new(),
                    (_, n) => format!("v{n}"),
                };
                out.push_str(&cell);
            }
            out.push_str(if next(3) == 0 { "\r\n" } else { "\n" });
        }
        out
    }

    #[test]
    fn random_rows_across_block_boundaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        let mut rescans = 0;
        for seed in 0..12 {
            let stray = seed % 2 == 1;
            std::fs::write(&path, random_export(seed, 200, stray)).unwrap();
            let (found, rescanned) = blocks_agree(&path, &[1, 13, 64, 333, 2048], 333);
            assert!(found.superseded > 0 && !found.rejected.is_empty());
            if !stray {
                assert_eq!(
                    rescanned, 0,
                    "seed {seed}: only stray quotes mislead the cut"
                );
            }
            rescans += rescanned;
        }
        assert!(rescans > 0, "the stray quotes never forced a rescan");
    }

    #[test]
    fn after_a_stray_quote_the_blocks_go_parallel_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        let mut export = random_export(3, 600, false);
        // Two stray quotes far apart, in unquoted cells of their own rows.
        for row in ["k1,5'11\" tall", "k2,ab\"c"] {
            let at = export.len() / 3 * if row == "k1,5'11\" tall" { 1 } else { 2 };
            let at = at + export[at..].find('\n').unwrap() + 1;
            let cells = ",".repeat(Field::ALL.len() - 2);
            export.insert_str(at, &format!("{row}{cells}\n"));
        }
        std::fs::write(&path, export).unwrap();
        let (want, _) = scan(&path, 1, 1 << 20);
        // Blocks small enough that a quoted line break follows each stray quote within its block.
        let (got, rescanned) = scan(&path, 2, 4096);
        assert_eq!(got, want);
        assert_eq!(
            rescanned, 2,
            "one hand-over per stray quote, parallel in between"
        );
    }

    #[test]
    fn random_bytes_across_block_boundaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        let alphabet = b"k1,,\"\"\n\r \0";
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for case in 0..200 {
            let body = crate::testing::random_bytes(&mut x, alphabet, case * 3 + 1);
            let mut input = (header() + "\n").into_bytes();
            input.extend_from_slice(&body);
            std::fs::write(&path, &input).unwrap();
            blocks_agree(&path, &[1, 7, 64], usize::MAX);
        }
    }

    /// Collects the key and two other fields of every valid row, key first.
    #[derive(Default)]
    struct KeyAndPlace(Vec<[String; 3]>);

    impl Collector for KeyAndPlace {
        fn add(&mut self, row: &Collected<'_>) {
            let get = |f| String::from_utf8_lossy(row.get(f).unwrap_or_default()).into_owned();
            self.0.push([
                get(Field::LearnerId),
                get(Field::CountryOfResidence),
                get(Field::CityOfResidence),
            ]);
        }
        fn merge(&mut self, later: KeyAndPlace) {
            self.0.extend(later.0);
        }
    }

    #[test]
    fn collected_fields_are_the_decoded_cells_of_valid_rows() {
        // Raw cells of the key, country and city columns, the cells after them (`None`: the
        // usual empty ones), and what the first pass collects (`None`: the row is rejected).
        type Case<'a> = (
            &'a str,
            &'a str,
            &'a str,
            Option<&'a str>,
            Option<[&'a str; 3]>,
        );
        let cases: &[Case] = &[
            ("L1", "Egypt", "Cairo", None, Some(["L1", "Egypt", "Cairo"])),
            (
                "\"L2\"",
                "\"C\"\"te d'Ivoire\"",
                "\"Abidjan,\nPlateau\"",
                None,
                Some(["L2", "C\"te d'Ivoire", "Abidjan,\nPlateau"]),
            ),
            ("L3", "", "\"\"", None, Some(["L3", "", ""])),
            // Bytes after a closing quote join the field, as in csv-core.
            (
                "L4",
                "\"Ke\"nya",
                "Nairobi",
                None,
                Some(["L4", "Kenya", "Nairobi"]),
            ),
            ("L5", "Ghana", "Accra", Some(",x"), None),
            ("L6", "Ghana", "Accra", Some(""), None),
        ];
        let names: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
        let mut export = format!("{}\n", names.join(","));
        let usual_tail = ",".repeat(Field::ALL.len() - 7);
        for (key, country, city, tail, _) in cases {
            let tail = tail.unwrap_or(&usual_tail);
            export.push_str(&format!("{key},,,,,{country},{city}{tail}\n"));
        }
        let want: Vec<[String; 3]> = cases
            .iter()
            .filter_map(|c| c.4.map(|w| w.map(String::from)))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        std::fs::write(&path, export).unwrap();
        for (threads, block) in [(1, 1 << 20), (2, 7), (3, 31)] {
            let (index, got) = prescan_in_blocks(
                std::slice::from_ref(&path),
                &SourceConfig::default(),
                // Repeated and out of order on purpose: each field is collected once.
                &[
                    Field::CityOfResidence,
                    Field::LearnerId,
                    Field::CountryOfResidence,
                    Field::CityOfResidence,
                ],
                threads,
                block,
                &|_| {},
                &KeyAndPlace::default,
            )
            .unwrap();
            assert_eq!(got.0, want, "{threads} threads, blocks of {block} bytes");
            assert_eq!(index.records, cases.len() as u64);
        }
    }
}
