//! Throughput of the stages after reading, in rows/s, on a generated export: transform (one
//! worker), writing import files, and the whole pipeline end to end.

#![allow(missing_docs)] // criterion_group! and criterion_main! generate undocumented items

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use learngraph_model::{Date, GraphSink, LearnerBatch};
use learngraph_pipeline::{run, RunInput, Settings};
use learngraph_sink_import::{ImportDirConfig, ImportDirSink};
use learngraph_source::{prescan, BatchReader, RowBatch, Sentinels, SourceConfig};
use learngraph_transform::geo::GeoResolver;
use learngraph_transform::{DimensionRegistry, Privacy, PrivacyMode, Transformer};

// The binary's allocator, so that allocation costs what it costs in a real run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ROWS: u64 = 20_000;

fn today() -> Date {
    Date::new(2026, 11, 23).expect("date")
}

fn transformer() -> Transformer {
    Transformer::new(
        Sentinels::new(&SourceConfig::default().sentinels),
        Privacy::with_salt(PrivacyMode::Keep, PrivacyMode::Keep, b""),
        today(),
        Arc::new(GeoResolver::new()),
    )
}

fn stages(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let export = dir.path().join("learners.csv");
    let file = std::fs::File::create(&export).expect("create");
    learngraph_synth::generate(
        &learngraph_synth::GeneratorConfig {
            rows: ROWS,
            seed: 3,
        },
        file,
    )
    .expect("generate");
    let config = SourceConfig::default();
    let index = prescan(std::slice::from_ref(&export), &config, 1, &|_| {}).expect("prescan");
    let mut reader = BatchReader::new(&config, &index);
    let mut batches: Vec<RowBatch> = Vec::new();
    while let Some(b) = reader.next_batch().expect("batch") {
        batches.push(b);
    }

    let mut g = c.benchmark_group("stages");
    g.throughput(Throughput::Elements(ROWS));
    g.sample_size(10);
    g.bench_function("transform_one_worker", |b| {
        let mut t = transformer();
        b.iter(|| {
            batches
                .iter()
                .map(|batch| t.transform_batch(batch, Vec::new()).learners.len())
                .sum::<usize>()
        })
    });

    let mut t = transformer();
    let mut registry = DimensionRegistry::default();
    let learner_batches: Vec<LearnerBatch> = batches
        .iter()
        .map(|batch| {
            let out = t.transform_batch(batch, Vec::new());
            LearnerBatch {
                seq: out.seq,
                dimensions: registry.admit(out.candidates),
                learners: out.learners,
                encoded: None,
            }
        })
        .collect();
    g.bench_function("write_import_files", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("tempdir"),
            |out| {
                let mut sink = ImportDirSink::new(ImportDirConfig {
                    dir: out.path().to_path_buf(),
                    geo_relationships: false,
                });
                sink.open().expect("open");
                for batch in &learner_batches {
                    sink.write(batch).expect("write");
                }
                sink.finish().expect("finish")
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("pipeline_to_import_files", |b| {
        b.iter_batched(
            || tempfile::tempdir().expect("tempdir"),
            |out| {
                let mut settings = Settings::default();
                settings.output.dir = out.path().join("run");
                let mut sink = ImportDirSink::new(ImportDirConfig {
                    dir: out.path().join("import"),
                    geo_relationships: false,
                });
                let input = RunInput {
                    inputs: vec![export.clone()],
                    settings,
                    today: today(),
                    progress: false,
                    resume: false,
                    stop: Default::default(),
                };
                run(input, &mut sink).expect("run").rows.loaded
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
