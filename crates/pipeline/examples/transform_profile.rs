//! The transform stage alone on one thread, for instruction counts that the machine's load does
//! not blur: generates an export (seed 3), reads it into batches, transforms them once to warm
//! the caches (as the first thousands of rows of a real run do), then times a second transform.
//!
//! `valgrind --tool=callgrind --toggle-collect='*transform_profile::measured*' \
//!   target/release/examples/transform_profile 20000` counts the second transform's
//! instructions; BENCHMARKS.md lists the figures. A second argument sets the rows per batch
//! (5,000 by default, as in a run). A third encodes the learners for the import files as a worker
//! does, in runs of that many learners as they are made (`0`: each batch once it is whole).

use std::sync::Arc;
use std::time::Instant;

use learngraph_model::{Date, Encoded, GraphSink, LearnerEncoder};
use learngraph_sink_import::{ImportDirConfig, ImportDirSink};
use learngraph_source::{prescan, BatchReader, RowBatch, Sentinels, SourceConfig};
use learngraph_transform::geo::GeoResolver;
use learngraph_transform::{Privacy, PrivacyMode, Transformer};

// The binary's allocator, so that allocation costs what it costs in a real run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rows: u64 = std::env::args().nth(1).map_or(Ok(20_000), |s| s.parse())?;
    let dir = tempfile::tempdir()?;
    let export = dir.path().join("learners.csv");
    learngraph_synth::generate(
        &learngraph_synth::GeneratorConfig { rows, seed: 3 },
        std::fs::File::create(&export)?,
    )?;
    let mut config = SourceConfig::default();
    if let Some(batch_rows) = std::env::args().nth(2) {
        config.batch_rows = batch_rows.parse()?;
    }
    let index = prescan(std::slice::from_ref(&export), &config, 1, &|_| {})?;
    let mut reader = BatchReader::new(&config, &index);
    let mut batches: Vec<RowBatch> = Vec::new();
    while let Some(b) = reader.next_batch()? {
        batches.push(b);
    }
    // The defaults of a real run: e-mails hashed with a salt, names kept.
    let mut t = Transformer::new(
        Sentinels::new(&config.sentinels),
        Privacy::with_salt(PrivacyMode::Hash, PrivacyMode::Keep, b"profile-salt"),
        Date::new(2026, 11, 23).ok_or("date")?,
        Arc::new(GeoResolver::new()),
    );
    let run: Option<usize> = std::env::args().nth(3).map(|s| s.parse()).transpose()?;
    let mut encoder = match run {
        Some(_) => ImportDirSink::new(ImportDirConfig {
            dir: dir.path().join("import"),
            geo_relationships: false,
        })
        .encoder(),
        None => None,
    };
    let mut work = Work {
        t: &mut t,
        encoder: encoder.as_deref_mut(),
        run: run.unwrap_or(0),
        encoded: Encoded::default(),
    };
    warm_up(&mut work, &batches);
    let started = Instant::now();
    let total = measured(&mut work, &batches);
    let s = started.elapsed().as_secs_f64();
    println!(
        "{total} learners in {s:.3} s, {:.0} rows/s",
        total as f64 / s
    );
    Ok(())
}

/// What a worker does with a batch: transform it, and encode it if there is an encoder.
struct Work<'a> {
    t: &'a mut Transformer,
    encoder: Option<&'a mut (dyn LearnerEncoder + 'static)>,
    /// Learners encoded at a time as they are made; 0: the whole batch once it is made.
    run: usize,
    encoded: Encoded,
}

#[inline(never)]
fn warm_up(work: &mut Work<'_>, batches: &[RowBatch]) -> usize {
    transform_all(work, batches)
}

#[inline(never)]
fn measured(work: &mut Work<'_>, batches: &[RowBatch]) -> usize {
    transform_all(work, batches)
}

/// Transforms every batch, reusing one learner vector and one encoding as the pipeline does.
fn transform_all(work: &mut Work<'_>, batches: &[RowBatch]) -> usize {
    let mut learners = Vec::new();
    let mut total = 0;
    for batch in batches {
        work.encoded.clear();
        let (encoder, encoded) = (&mut work.encoder, &mut work.encoded);
        let out = match (encoder, work.run) {
            (Some(e), run) if run > 0 => {
                work.t
                    .transform_batch_with(batch, learners, run, |made| e.append(made, encoded))
            }
            (encoder, _) => {
                let out = work.t.transform_batch(batch, learners);
                if let Some(e) = encoder {
                    e.append(&out.learners, encoded);
                }
                out
            }
        };
        if let Some(e) = work.encoder.as_mut() {
            e.finish(&mut work.encoded);
        }
        total += out.learners.len();
        learners = out.learners;
    }
    total
}
