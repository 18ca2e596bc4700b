//! The transform stage alone on one thread, for instruction counts that the machine's load does
//! not blur: generates an export (seed 3), reads it into batches, transforms them once to warm
//! the caches (as the first thousands of rows of a real run do), then times a second transform.
//!
//! `valgrind --tool=callgrind --toggle-collect='*transform_profile::measured*' \
//!   target/release/examples/transform_profile 20000` counts the second transform's
//! instructions; BENCHMARKS.md lists the figures. A second argument sets the rows per batch
//! (5,000 by default, as in a run).

use std::sync::Arc;
use std::time::Instant;

use learngraph_model::Date;
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
    warm_up(&mut t, &batches);
    let started = Instant::now();
    let total = measured(&mut t, &batches);
    let s = started.elapsed().as_secs_f64();
    println!(
        "{total} learners in {s:.3} s, {:.0} rows/s",
        total as f64 / s
    );
    Ok(())
}

#[inline(never)]
fn warm_up(t: &mut Transformer, batches: &[RowBatch]) -> usize {
    transform_all(t, batches)
}

#[inline(never)]
fn measured(t: &mut Transformer, batches: &[RowBatch]) -> usize {
    transform_all(t, batches)
}

/// Transforms every batch, reusing one learner vector as the pipeline does.
fn transform_all(t: &mut Transformer, batches: &[RowBatch]) -> usize {
    let mut learners = Vec::new();
    let mut total = 0;
    for batch in batches {
        let out = t.transform_batch(batch, learners);
        total += out.learners.len();
        learners = out.learners;
    }
    total
}
