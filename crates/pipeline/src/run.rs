//! The orchestration of one run: prescan, then reader, workers and collector at the same time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver, Sender};
use learngraph_model::{Date, Encoded, GraphSink, LearnerBatch, LearnerEncoder, SinkError};
use learngraph_source::{
    prescan_collecting, BatchReader, MergedRow, RejectedRow, RowBatch, Sentinels, SourceError,
};
use learngraph_transform::geo::GeoResolver;
use learngraph_transform::learner::{Tallies, Unresolved};
use learngraph_transform::{
    DimensionRegistry, FieldStats, Privacy, PrivacyError, TransformedBatch, Transformer,
};

use crate::journal::{Checkpoint, Fingerprint, Journal, Record};
use crate::preflight::{ColumnCheck, GeoCheck, GEO_FIELDS};
use crate::progress::Progress;
use crate::quarantine::Quarantine;
use crate::ratelimit::{Decision, RateLimit};
use crate::report::{
    geo_columns, DuplicateReport, InputReport, MergedSample, Outputs, Places, Resumed,
    RowAccounting, RunReport, Timings,
};
use crate::settings::Settings;

/// How many superseded rows the report lists by line.
const MERGED_SAMPLE: usize = 20;

/// Why a run failed. Row-level problems are not failures; they are in the quarantine.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The input could not be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// The sink could not write.
    #[error(transparent)]
    Sink(#[from] SinkError),
    /// The privacy settings cannot be applied.
    #[error(transparent)]
    Privacy(#[from] PrivacyError),
    /// The report or the quarantine could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Output {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The rows do not add up: a bug, reported rather than hidden.
    #[error("row accounting does not balance: {loaded} loaded + {merged} merged + {quarantined} quarantined != {read} read")]
    Unbalanced {
        /// Rows read.
        read: u64,
        /// Rows loaded.
        loaded: u64,
        /// Rows merged.
        merged: u64,
        /// Rows quarantined.
        quarantined: u64,
    },
    /// Strict mode: some country values do not resolve. Nothing was written.
    #[error("strict geography: {column} has {} value(s) that resolve to no single country, so nothing was written: {}. Fix the export, add an alias, or turn strict mode off (transform.geo.strict = false)", .values.len(), list(.values))]
    GeoStrict {
        /// The column.
        column: &'static str,
        /// Every unresolved value, its count, and why.
        values: Vec<(String, u64, &'static str)>,
    },
    /// Too few country values resolve. Nothing was written.
    #[error("geography coverage of {column} is {:.1}%, below the required {:.1}% (transform.geo.required_coverage), so nothing was written; most frequent unresolved values: {}", coverage * 100.0, required * 100.0, list(&.values[..values.len().min(20)]))]
    GeoCoverage {
        /// The column.
        column: &'static str,
        /// Share of values that resolve.
        coverage: f64,
        /// The setting.
        required: f64,
        /// Unresolved values, most frequent first.
        values: Vec<(String, u64, &'static str)>,
    },
    /// An earlier run of the same input and settings stopped before it finished.
    #[error("an earlier run of the same input and settings stopped after {rows} committed rows (journal: {}); run the same command with --resume to continue it, or delete the journal to start over", journal.display())]
    Unfinished {
        /// The journal.
        journal: PathBuf,
        /// Rows it had committed.
        rows: u64,
    },
    /// `--resume` of a run that finished: there is nothing to do.
    #[error("the run journaled in {} finished already; nothing to resume (its report is beside the journal)", journal.display())]
    AlreadyFinished {
        /// The journal.
        journal: PathBuf,
    },
    /// `--resume` of a run that is not the same as the one journaled.
    #[error("cannot resume the run journaled in {}: {why}; run without --resume to start over", journal.display())]
    ResumeRefused {
        /// The journal.
        journal: PathBuf,
        /// What differs.
        why: String,
    },
    /// Replaying the committed batches did not give the counts the journal holds (a bug, or a
    /// journal from elsewhere).
    #[error("resume check failed: the committed batches now hold {now}, the journal says {then}; run without --resume to start over")]
    ResumeMismatch {
        /// The counts replayed.
        now: String,
        /// The counts journaled.
        then: String,
    },
    /// Stopped by a signal after writing what was in flight and a checkpoint.
    #[error("interrupted: {rows} rows are committed and checkpointed in {}; run the same command with --resume to continue", journal.display())]
    Interrupted {
        /// The journal.
        journal: PathBuf,
        /// Rows committed.
        rows: u64,
    },
    /// A worker thread panicked (a bug).
    #[error("internal error: the {0} thread stopped unexpectedly")]
    Thread(&'static str),
}

fn list(values: &[(String, u64, &'static str)]) -> String {
    values
        .iter()
        .map(|(v, n, why)| format!("{v:?} x{n} ({why})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the first pass found: the duplicate index and the geography pre-flight.
pub struct Preflight {
    /// Duplicates, record counts, rows to be quarantined.
    pub index: learngraph_source::DuplicateIndex,
    /// Geography columns, resolved value by value.
    pub geo: BTreeMap<&'static str, ColumnCheck>,
}

impl Preflight {
    /// The first error strict mode or the required coverage raises, if any.
    pub fn verdict(&self, config: &learngraph_transform::GeoConfig) -> Result<(), PipelineError> {
        for column in ["country_of_residence", "country_of_origin"] {
            let Some(c) = self.geo.get(column) else {
                continue;
            };
            if config.strict && !c.unresolved.is_empty() {
                return Err(PipelineError::GeoStrict {
                    column,
                    values: c.unresolved.clone(),
                });
            }
            if c.coverage < config.required_coverage {
                return Err(PipelineError::GeoCoverage {
                    column,
                    coverage: c.coverage,
                    required: config.required_coverage,
                    values: c.unresolved.clone(),
                });
            }
        }
        Ok(())
    }
}

/// The first pass with its pre-flight checks; writes nothing.
pub fn preflight(
    inputs: &[PathBuf],
    settings: &Settings,
    geo: &GeoResolver,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Preflight, PipelineError> {
    let sentinels = Sentinels::new(&settings.source.sentinels);
    let (index, check) = prescan_collecting(
        inputs,
        &settings.source,
        &GEO_FIELDS,
        settings.workers(),
        progress,
        &|| GeoCheck::new(sentinels.clone()),
    )?;
    Ok(Preflight {
        index,
        geo: check.evaluate(geo),
    })
}

/// What to load, and the environment of the run.
pub struct RunInput {
    /// Input files, read in order as one export.
    pub inputs: Vec<PathBuf>,
    /// The settings.
    pub settings: Settings,
    /// Today's date: the upper bound of plausible dates.
    pub today: Date,
    /// Show progress bars (on a terminal).
    pub progress: bool,
    /// Continue the unfinished run journaled in the output folder.
    pub resume: bool,
    /// Set (by a signal handler) to stop reading; what is in flight is written and checkpointed.
    pub stop: Arc<AtomicBool>,
}

/// A batch on its way from a worker to the collector.
struct Transformed {
    batch: TransformedBatch,
    /// The worker that made it, which also frees it (see `transform_stage`).
    worker: usize,
    file: usize,
    rejected: Vec<RejectedRow>,
    merged: Vec<MergedRow>,
    records: u64,
    input_position: u64,
    /// The learners as the sink's encoder encoded them, when it has one.
    encoded: Option<Encoded>,
}

/// Runs the pipeline into `sink` and writes the report and the quarantine.
pub fn run(input: RunInput, sink: &mut dyn GraphSink) -> Result<RunReport, PipelineError> {
    let started = Instant::now();
    let settings = &input.settings;
    tracing::info!(
        inputs = input.inputs.len(),
        target = %sink.describe(),
        workers = settings.workers(),
        "RunStarted"
    );
    let privacy = Privacy::from_config(&settings.transform.privacy)?;

    // First pass: the duplicate index.
    let total_bytes: u64 = input
        .inputs
        .iter()
        .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    let bar = Progress::bytes("prescan", total_bytes, input.progress);
    let geo = Arc::new(GeoResolver::new());
    let checked = preflight(&input.inputs, settings, &geo, &|pos| bar.set(pos))?;
    bar.finish();
    checked.verdict(&settings.transform.geo)?;
    let index = checked.index;
    let out_dir = &settings.output.dir;
    std::fs::create_dir_all(out_dir).map_err(|source| PipelineError::Output {
        path: out_dir.clone(),
        source,
    })?;
    let prescan_s = started.elapsed().as_secs_f64();
    tracing::info!(
        records = index.records,
        duplicated_keys = index.duplicated_keys(),
        seconds = prescan_s,
        "PrescanFinished"
    );

    let quarantine_path = out_dir.join("quarantine.jsonl");
    let output_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| PipelineError::Output { path, source }
    };
    let (mut journal, watermark, today) = begin(&input, sink.describe(), out_dir)?;
    let mut quarantine = match &watermark {
        Some(w) => Quarantine::resume(
            &quarantine_path,
            w.quarantine_bytes,
            w.quarantined_by_reason.values().sum(),
        ),
        None => Quarantine::create(&quarantine_path),
    }
    .map_err(output_error(&quarantine_path))?;
    match &watermark {
        Some(w) => {
            tracing::info!(rows = w.records, batches = w.next_seq, "RunResumed");
            sink.resume(&w.sink)?
        }
        None => sink.open()?,
    }
    let mut checkpoints = Checkpoints {
        journal: &mut journal,
        interval: Duration::from_secs_f64(settings.pipeline.checkpoint_interval_s.max(0.0)),
        last: Instant::now(),
        replay: watermark.clone(),
    };

    // Second pass: reader -> workers -> collector (this thread) -> sink.
    let load_started = Instant::now();
    let workers = input.settings.workers();
    let in_flight = workers * settings.pipeline.batches_in_flight_per_worker.max(1);
    let (ticket_tx, ticket_rx) = bounded::<()>(in_flight);
    for _ in 0..in_flight {
        let _ = ticket_tx.send(());
    }
    let (raw_tx, raw_rx) = bounded::<RowBatch>(workers * 2);
    let (done_tx, done_rx) = bounded::<Transformed>(workers * 2);
    let (spare_tx, spare_rx) = bounded::<RowBatch>(in_flight);
    let (spent_txs, spent_rxs): (Vec<_>, Vec<_>) = (0..workers)
        .map(|_| bounded::<LearnerBatch>(in_flight))
        .unzip();
    let bar = Progress::bytes("load", index.bytes, input.progress);

    let outcome = thread::scope(|scope| -> Result<Collected, PipelineError> {
        let source_config = &settings.source;
        let index = &index;
        let stop = &input.stop;
        let reader = scope
            .spawn(move || read_stage(source_config, index, &ticket_rx, &raw_tx, &spare_rx, stop));
        let mut handles = Vec::with_capacity(workers);
        // Made before the collector borrows the sink for the rest of the run.
        let encoders: Vec<_> = (0..workers).map(|_| sink.encoder()).collect();
        for ((worker, spent_rx), encoder) in spent_rxs.into_iter().enumerate().zip(encoders) {
            let raw_rx = raw_rx.clone();
            let done_tx = done_tx.clone();
            let spare_tx = spare_tx.clone();
            let mut t = Transformer::new(
                Sentinels::new(&settings.source.sentinels),
                privacy.clone(),
                today,
                geo.clone(),
            );
            handles.push(scope.spawn(move || {
                let stage = Stage {
                    worker,
                    encoder,
                    input: &raw_rx,
                    out: &done_tx,
                    spare: &spare_tx,
                    spent: &spent_rx,
                };
                transform_stage(stage, &mut t)
            }));
        }
        drop((raw_rx, done_tx, spare_tx));
        let channels = Channels {
            input: &done_rx,
            tickets: &ticket_tx,
            spent: &spent_txs,
        };
        let collected = collect_stage(
            &channels,
            sink,
            &mut quarantine,
            &mut checkpoints,
            index,
            &bar,
        );
        // Unblock the reader and the workers if the collector stopped early.
        drop((done_rx, ticket_tx, spent_txs));
        let read = reader.join().map_err(|_| PipelineError::Thread("reader"))?;
        let mut transform_busy = Duration::ZERO;
        for h in handles {
            transform_busy += h.join().map_err(|_| PipelineError::Thread("transform"))?;
        }
        let mut collected = collected?;
        let (read_busy, unmapped, interrupted) = read?;
        collected.interrupted = interrupted;
        collected.read_busy = read_busy;
        collected.transform_busy = transform_busy;
        collected.unmapped = unmapped;
        Ok(collected)
    });
    bar.finish();
    let mut c = outcome?;
    let last_file = index.paths().last().map(PathBuf::from).unwrap_or_default();
    let replaying = checkpoints.replayed(c.next_seq);
    if c.interrupted {
        // Stopped while replaying, the journal's watermark is still the right one.
        if !replaying {
            checkpoints.write(&mut c, sink, &mut quarantine, &last_file, false)?;
        }
        return Err(PipelineError::Interrupted {
            journal: checkpoints.journal.path().to_path_buf(),
            rows: c.records.max(watermark.as_ref().map_or(0, |w| w.records)),
        });
    }
    if let Some(w) = watermark.as_ref().filter(|w| c.next_seq < w.next_seq) {
        return Err(PipelineError::ResumeMismatch {
            now: format!("{} batches", c.next_seq),
            then: format!("{} batches", w.next_seq),
        });
    }
    if !watermark.as_ref().is_some_and(|w| w.complete) {
        checkpoints.write(&mut c, sink, &mut quarantine, &last_file, true)?;
    }
    let graph = sink.finish()?;
    c.quarantine_refused(sink, &mut quarantine, &last_file)?;
    let load_s = load_started.elapsed().as_secs_f64();
    let (quarantine_path, quarantined) =
        quarantine
            .finish()
            .map_err(|source| PipelineError::Output {
                path: quarantine_path.clone(),
                source,
            })?;

    let read = index.records;
    let rows = RowAccounting {
        read,
        loaded: c.loaded,
        merged: c.merged,
        quarantined,
        quarantined_by_reason: c.quarantined_by_reason.clone(),
        balanced: c.loaded + c.merged + quarantined == read && c.records == read,
    };
    let total_s = started.elapsed().as_secs_f64();
    let paths: Vec<PathBuf> = index.paths().map(PathBuf::from).collect();
    let report_path = out_dir.join("report.json");
    let report = RunReport {
        version: env!("CARGO_PKG_VERSION"),
        inputs: index
            .sizes()
            .map(|(path, bytes)| InputReport {
                path: path.to_path_buf(),
                bytes,
            })
            .collect(),
        target: sink.describe(),
        resumed: watermark.map(|w| Resumed {
            batches: w.next_seq,
            rows: w.records,
            input_bytes: w.input_position,
        }),
        duplicates: DuplicateReport {
            duplicated_keys: index.duplicated_keys() as u64,
            sample: c
                .merged_sample
                .iter()
                .map(|m| MergedSample {
                    file: paths[m.file].clone(),
                    line: m.line,
                    winner_file: paths[m.winner_file].clone(),
                    winner_line: m.winner_line,
                })
                .collect(),
        },
        geo: geo_columns(&c.stats, &c.unresolved),
        distribution: c.places.distribution(&c.tallies, c.loaded),
        timeline: c.timeline.clone(),
        nulls: c.stats.nulls_by_field(),
        repairs: c.stats.repairs_by_field(),
        unmapped_columns: c.unmapped,
        cohort_program_conflicts: c.registry.cohort_program_conflicts,
        graph,
        timings: Timings {
            prescan_s,
            load_s,
            total_s,
            read_busy_s: c.read_busy.as_secs_f64(),
            transform_busy_s: c.transform_busy.as_secs_f64(),
            write_busy_s: c.write_busy.as_secs_f64(),
            workers,
            rows_per_s: read as f64 / total_s.max(1e-9),
            mb_per_s: index.bytes as f64 / 1e6 / total_s.max(1e-9),
            peak_rss_mib: crate::report::peak_rss_mib(),
        },
        outputs: Outputs {
            report: report_path.clone(),
            quarantine: quarantine_path,
        },
        rows,
        settings: input.settings.clone(),
    };
    let json = serde_json::to_vec_pretty(&report).map_err(|e| PipelineError::Output {
        path: report_path.clone(),
        source: e.into(),
    })?;
    std::fs::write(&report_path, json).map_err(|source| PipelineError::Output {
        path: report_path.clone(),
        source,
    })?;
    let html_path = out_dir.join("report.html");
    std::fs::write(&html_path, crate::report_html::render(&report)).map_err(|source| {
        PipelineError::Output {
            path: html_path.clone(),
            source,
        }
    })?;
    journal
        .append(&Record::Finished)
        .map_err(output_error(&out_dir.join(crate::journal::JOURNAL_FILE)))?;
    tracing::info!(
        read = report.rows.read,
        loaded = report.rows.loaded,
        merged = report.rows.merged,
        quarantined = report.rows.quarantined,
        seconds = report.timings.total_s,
        rows_per_s = report.timings.rows_per_s,
        "RunFinished"
    );
    if !report.rows.balanced {
        return Err(PipelineError::Unbalanced {
            read,
            loaded: report.rows.loaded,
            merged: report.rows.merged,
            quarantined: report.rows.quarantined,
        });
    }
    Ok(report)
}

/// Opens the journal: a new one, or the unfinished run's when resuming. Returns it with the
/// watermark to continue from and the run's "today".
fn begin(
    input: &RunInput,
    target: String,
    out_dir: &Path,
) -> Result<(Journal, Option<Checkpoint>, Date), PipelineError> {
    let journal_path = out_dir.join(crate::journal::JOURNAL_FILE);
    let io = |source| PipelineError::Output {
        path: journal_path.clone(),
        source,
    };
    let fingerprint = Fingerprint::of(&input.inputs, &input.settings, &target).map_err(io)?;
    let today = input.today.to_string();
    let recovered = Journal::read(out_dir).map_err(io)?;
    let same = |r: &crate::journal::Recovered| fingerprint.difference(&r.fingerprint).is_none();
    if input.resume && recovered.as_ref().is_some_and(|r| r.finished && same(r)) {
        return Err(PipelineError::AlreadyFinished {
            journal: journal_path,
        });
    }
    // A run that stopped before its first checkpoint committed nothing: start it again.
    let unfinished = recovered.filter(|r| !r.finished && r.watermark.is_some());
    let Some(r) = unfinished else {
        if input.resume {
            tracing::warn!(journal = %journal_path.display(), "NothingToResume");
        }
        let journal = Journal::begin(out_dir, &fingerprint, &today).map_err(io)?;
        return Ok((journal, None, input.today));
    };
    match (fingerprint.difference(&r.fingerprint), input.resume) {
        (None, true) => {
            let today = parse_date(&r.today).unwrap_or(input.today);
            let journal = Journal::reopen(out_dir, &r).map_err(io)?;
            Ok((journal, r.watermark, today))
        }
        (None, false) => Err(PipelineError::Unfinished {
            journal: journal_path,
            rows: r.watermark.map_or(0, |w| w.records),
        }),
        (Some(why), true) => Err(PipelineError::ResumeRefused {
            journal: journal_path,
            why,
        }),
        (Some(why), false) => {
            tracing::warn!(journal = %journal_path.display(), %why, "UnfinishedRunReplaced");
            let journal = Journal::begin(out_dir, &fingerprint, &today).map_err(io)?;
            Ok((journal, None, input.today))
        }
    }
}

fn parse_date(text: &str) -> Option<Date> {
    let mut parts = text.splitn(3, '-').map(|p| p.parse::<u32>().ok());
    Date::new(parts.next()??, parts.next()??, parts.next()??)
}

/// When and how the collector checkpoints, and what a resumed run replays.
struct Checkpoints<'j> {
    journal: &'j mut Journal,
    interval: Duration,
    last: Instant,
    /// The watermark of the run this one resumes: batches below it were written.
    replay: Option<Checkpoint>,
}

impl Checkpoints<'_> {
    /// Whether batch `seq` was written before the stop, so is only accounted for.
    fn replayed(&self, seq: u64) -> bool {
        self.replay.as_ref().is_some_and(|w| seq < w.next_seq)
    }

    /// After the last replayed batch: checks that the replay found what the journal holds, and
    /// takes over what only the target knew (the learners it refused).
    fn adopt(&self, c: &mut Collected) -> Result<(), PipelineError> {
        let Some(w) = &self.replay else {
            return Ok(());
        };
        let rejected = crate::quarantine::TARGET_REJECTED;
        let mut then = w.quarantined_by_reason.clone();
        let refused = then.remove(rejected).unwrap_or(0);
        let now: BTreeMap<String, u64> = c
            .quarantined_by_reason
            .iter()
            .filter(|(k, _)| **k != rejected)
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        let counts = |records, merged, q: &BTreeMap<String, u64>| {
            format!("{records} rows, {merged} merged, quarantined {q:?}")
        };
        if (c.records, c.merged, &now) != (w.records, w.merged, &then) {
            return Err(PipelineError::ResumeMismatch {
                now: counts(c.records, c.merged, &now),
                then: counts(w.records, w.merged, &then),
            });
        }
        c.loaded -= refused;
        if refused > 0 {
            c.quarantined_by_reason.insert(rejected, refused);
        }
        Ok(())
    }

    /// Whether a checkpoint is due after a batch.
    fn due(&self, sink: &dyn GraphSink) -> bool {
        let waited = self.last.elapsed();
        waited >= self.interval && (sink.at_boundary() || waited >= 3 * self.interval)
    }

    /// Makes everything written durable and journals it.
    fn write(
        &mut self,
        c: &mut Collected,
        sink: &mut dyn GraphSink,
        quarantine: &mut Quarantine,
        file: &Path,
        complete: bool,
    ) -> Result<(), PipelineError> {
        let state = sink.checkpoint()?;
        c.quarantine_refused(sink, quarantine, file)?;
        let quarantine_bytes = quarantine.sync().map_err(|source| PipelineError::Output {
            path: quarantine.path().to_path_buf(),
            source,
        })?;
        let record = Record::Checkpoint(Checkpoint {
            next_seq: c.next_seq,
            input_position: c.input_position,
            records: c.records,
            loaded: c.loaded,
            merged: c.merged,
            quarantined_by_reason: c
                .quarantined_by_reason
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            quarantine_bytes,
            complete,
            sink: state,
        });
        self.journal
            .append(&record)
            .map_err(|source| PipelineError::Output {
                path: self.journal.path().to_path_buf(),
                source,
            })?;
        tracing::debug!(next_seq = c.next_seq, complete, "CheckpointWritten");
        self.last = Instant::now();
        Ok(())
    }
}

/// Reads batches while tickets allow, until the input ends or `stop` is set. Returns its busy
/// time, the unmapped header columns, and whether it was stopped.
fn read_stage(
    config: &learngraph_source::SourceConfig,
    index: &learngraph_source::DuplicateIndex,
    tickets: &Receiver<()>,
    out: &Sender<RowBatch>,
    spare: &Receiver<RowBatch>,
    stop: &AtomicBool,
) -> Result<(Duration, Vec<String>, bool), PipelineError> {
    let mut reader = BatchReader::new(config, index);
    let mut busy = Duration::ZERO;
    let mut unmapped = Vec::new();
    loop {
        if tickets.recv().is_err() {
            break; // the collector stopped
        }
        if stop.load(Ordering::Relaxed) {
            tracing::info!("ReadingStopped");
            return Ok((busy, unmapped, true));
        }
        for used in spare.try_iter() {
            reader.recycle(used);
        }
        let t = Instant::now();
        let batch = reader.next_batch()?;
        busy += t.elapsed();
        let Some(batch) = batch else {
            reader.verify_complete()?;
            break;
        };
        if batch.seq == 0 {
            unmapped = batch.layout.unmapped_columns();
        }
        if out.send(batch).is_err() {
            break;
        }
    }
    Ok((busy, unmapped, false))
}

/// A transform worker's place in the pipeline.
struct Stage<'a> {
    worker: usize,
    /// The sink's encoder, when it has one.
    encoder: Option<Box<dyn LearnerEncoder>>,
    input: &'a Receiver<RowBatch>,
    out: &'a Sender<Transformed>,
    spare: &'a Sender<RowBatch>,
    spent: &'a Receiver<LearnerBatch>,
}

/// Learners a worker makes before it encodes them: few enough that their text is still in the
/// core's cache (a whole batch's is not).
const ENCODE_RUN: usize = 64;

/// Transforms batches, and encodes them when the sink has an encoder. Learners written by the
/// sink come back here to be dropped, and their encodings to be reused: freeing memory on the
/// thread that allocated it keeps the allocator's pages warm (freed from the collector, they
/// cost fresh, zeroed pages and page faults on every batch).
fn transform_stage(stage: Stage<'_>, t: &mut Transformer) -> Duration {
    let Stage {
        worker,
        mut encoder,
        input,
        out,
        spare,
        spent,
    } = stage;
    let mut busy = Duration::ZERO;
    let mut pool: Vec<Vec<learngraph_model::Learner>> = Vec::new();
    let mut encodings: Vec<Encoded> = Vec::new();
    for mut batch in input {
        for done in spent.try_iter() {
            let mut learners = done.learners;
            learners.clear();
            pool.push(learners);
            encodings.extend(done.encoded);
        }
        let started = Instant::now();
        let mut encoded = encoder.is_some().then(|| {
            let mut encoded = encodings.pop().unwrap_or_default();
            encoded.clear();
            encoded
        });
        let learners = pool.pop().unwrap_or_default();
        let transformed = t.transform_batch_with(&batch, learners, ENCODE_RUN, |made| {
            if let (Some(e), Some(out)) = (encoder.as_deref_mut(), encoded.as_mut()) {
                e.append(made, out);
            }
        });
        if let (Some(e), Some(out)) = (encoder.as_deref_mut(), encoded.as_mut()) {
            e.finish(out);
        }
        busy += started.elapsed();
        let item = Transformed {
            encoded,
            batch: transformed,
            worker,
            file: batch.file,
            records: batch.records(),
            input_position: batch.input_position,
            rejected: std::mem::take(&mut batch.rejected),
            merged: std::mem::take(&mut batch.merged),
        };
        if out.send(item).is_err() {
            break;
        }
        // The reader may be done already; then the buffers are simply dropped.
        let _ = spare.try_send(batch);
    }
    busy
}

/// What the collector gathered.
#[derive(Default)]
struct Collected {
    records: u64,
    loaded: u64,
    merged: u64,
    merged_sample: Vec<MergedRow>,
    quarantined_by_reason: BTreeMap<&'static str, u64>,
    stats: FieldStats,
    unresolved: Unresolved,
    tallies: Tallies,
    places: Places,
    timeline: Vec<(f64, u64, u64)>,
    registry: DimensionRegistry,
    read_busy: Duration,
    transform_busy: Duration,
    write_busy: Duration,
    unmapped: Vec<String>,
    /// Batches accounted for, and the input bytes they cover.
    next_seq: u64,
    input_position: u64,
    /// The reader was stopped by a signal.
    interrupted: bool,
}

impl Collected {
    /// Moves the learners the sink refused from loaded to quarantined. They are attributed to
    /// `file`, the file being read when the sink reported them.
    fn quarantine_refused(
        &mut self,
        sink: &mut dyn GraphSink,
        quarantine: &mut Quarantine,
        file: &Path,
    ) -> Result<(), PipelineError> {
        for refused in sink.take_rejected() {
            quarantine
                .write_refused(file, &refused)
                .map_err(|source| PipelineError::Output {
                    path: quarantine.path().to_path_buf(),
                    source,
                })?;
            self.loaded -= 1;
            *self
                .quarantined_by_reason
                .entry(crate::quarantine::TARGET_REJECTED)
                .or_default() += 1;
            tracing::warn!(line = refused.source_row, "RowRefusedByTarget");
        }
        Ok(())
    }
}

/// The collector's channels: transformed batches in; tickets and written batches back upstream.
struct Channels<'a> {
    input: &'a Receiver<Transformed>,
    tickets: &'a Sender<()>,
    spent: &'a [Sender<LearnerBatch>],
}

/// Puts batches back in order, de-duplicates dimensions, writes the quarantine and the sink.
fn collect_stage(
    channels: &Channels<'_>,
    sink: &mut dyn GraphSink,
    quarantine: &mut Quarantine,
    checkpoints: &mut Checkpoints<'_>,
    index: &learngraph_source::DuplicateIndex,
    bar: &Progress,
) -> Result<Collected, PipelineError> {
    let paths: Vec<PathBuf> = index.paths().map(PathBuf::from).collect();
    let mut c = Collected::default();
    let started = Instant::now();
    let mut quarantine_warnings = RateLimit::new(5, 1000);
    let mut pending: BTreeMap<u64, Transformed> = BTreeMap::new();
    let mut next = 0u64;
    for item in channels.input {
        pending.insert(item.batch.seq, item);
        while let Some(item) = pending.remove(&next) {
            next += 1;
            let Transformed {
                batch,
                worker,
                file,
                rejected,
                merged,
                records,
                input_position,
                encoded,
            } = item;
            let replayed = checkpoints.replayed(batch.seq);
            for row in &rejected {
                if replayed {
                    *c.quarantined_by_reason
                        .entry(row.reason.code())
                        .or_default() += 1;
                    continue;
                }
                if let Err(source) = quarantine.write(&paths[file], row) {
                    return Err(PipelineError::Output {
                        path: quarantine.path().to_path_buf(),
                        source,
                    });
                }
                *c.quarantined_by_reason
                    .entry(row.reason.code())
                    .or_default() += 1;
                // Line and reason only: the raw row may hold personal data. Info, not warn: the
                // summary reports the quarantine, and warnings would tear through the progress bar.
                match quarantine_warnings.hit() {
                    Decision::Log => tracing::info!(
                        file = %paths[file].display(),
                        line = row.line,
                        reason = row.reason.code(),
                        "RowQuarantined"
                    ),
                    Decision::Summary(suppressed) => tracing::info!(
                        file = %paths[file].display(),
                        line = row.line,
                        reason = row.reason.code(),
                        suppressed,
                        "RowQuarantined"
                    ),
                    Decision::Skip => {}
                }
            }
            c.merged += merged.len() as u64;
            let room = MERGED_SAMPLE.saturating_sub(c.merged_sample.len());
            c.merged_sample.extend(merged.into_iter().take(room));
            c.records += records;
            c.loaded += batch.learners.len() as u64;
            c.stats.add(&batch.stats);
            c.unresolved.merge(batch.unresolved);
            c.tallies.merge(batch.tallies);
            let out = LearnerBatch {
                seq: batch.seq,
                dimensions: c.registry.admit(batch.candidates),
                learners: batch.learners,
                encoded,
            };
            c.places.remember(&out.dimensions);
            c.next_seq = out.seq + 1;
            c.input_position = input_position;
            if replayed {
                sink.replayed(&out);
                if !checkpoints.replayed(c.next_seq) {
                    checkpoints.adopt(&mut c)?;
                }
            } else {
                let t = Instant::now();
                sink.write(&out)?;
                c.write_busy += t.elapsed();
                c.quarantine_refused(sink, quarantine, &paths[file])?;
                tracing::trace!(
                    seq = out.seq,
                    learners = out.learners.len(),
                    "BatchCommitted"
                );
                if checkpoints.due(sink) {
                    checkpoints.write(&mut c, sink, quarantine, &paths[file], false)?;
                }
            }
            // When the worker's queue is full the batch is simply dropped here.
            let _ = channels.spent[worker].try_send(out);
            bar.set(input_position);
            let t = started.elapsed().as_secs_f64();
            if c.timeline.last().is_none_or(|(last, _, _)| t - last >= 0.2) {
                c.timeline.push((t, c.records, input_position));
            }
            // A ticket back lets the reader start one more batch.
            let _ = channels.tickets.send(());
        }
    }
    Ok(c)
}
