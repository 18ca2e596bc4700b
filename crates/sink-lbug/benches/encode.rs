//! Throughput, in learners/s, of the embedded target's encoder: what each transform worker does
//! for it on a first load (the learners and their relationships gathered column by column, 64
//! at a time, then written as Parquet row groups when the batch ends).

#![allow(missing_docs)] // criterion_group! and criterion_main! generate undocumented items

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use learngraph_model::{
    Date, DateTime, Encoded, Enrollment, EnrollmentStatus, GraphSink, Key, Learner,
};
use learngraph_sink_lbug::{LbugConfig, LbugSink};

// The binary's allocator, so that allocation costs what it costs in a real run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const BATCH: usize = 5_000;

/// A batch of learners with the spec's shape: names, e-mails, a bio of a few sentences, three
/// skills and two enrollments each, keys shared as the transform shares them.
fn learners() -> Vec<Learner> {
    let skills: Vec<Key> = [
        "python",
        "sql",
        "data analysis",
        "machine learning",
        "excel",
    ]
    .iter()
    .map(|s| Key::from(*s))
    .collect();
    let cohorts: Vec<Key> = (0..24)
        .map(|c| Key::from(format!("DS-2024-{c:02}")))
        .collect();
    let countries: Vec<Key> = ["NG", "KE", "GH", "EG"]
        .iter()
        .map(|c| Key::from(*c))
        .collect();
    let day = |n: usize| Date::from_days_since_epoch(19_000 + (n % 700) as i64);
    (0..BATCH)
        .map(|n| Learner {
            learner_id: format!("L{n:08}"),
            full_name: Some(format!("Learner Number {n}")),
            email: Some(format!("learner.{n}@example.org")),
            birth_date: day(n * 7),
            birth_year: Some(1990),
            country_of_residence_code: Some(countries[n % 4]),
            city_of_residence_id: Some(Key::from("2332459")),
            country_of_origin_code: Some(countries[(n + 1) % 4]),
            field_of_study: Some("Computer Science".into()),
            skills: (0..3).map(|s| skills[(n + s) % 5]).collect(),
            bio: Some(format!(
                "Learner {n} studies data. They like long walks through datasets, \
                 clean joins and honest dashboards; they came to the programme in year {}.",
                2020 + n % 5
            )),
            signup_at: day(n).map(DateTime::at_midnight),
            last_active_at: day(n + 30).map(DateTime::at_midnight),
            assessment_score: Some((n % 100) as f64),
            source_row: n as u64 + 2,
            content_hash: n as u64 * 0x9e37_79b9,
            enrollments: (0..2)
                .map(|e| Enrollment {
                    cohort_id: cohorts[(n + e) % 24],
                    status: Some(EnrollmentStatus::Completed),
                    enrolled_at: day(n + e),
                    completed_at: day(n + e + 90),
                    score: Some(71.5),
                })
                .collect(),
            ..Learner::default()
        })
        .collect()
}

fn encode(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    // A sink that was never opened holds no learner: it offers the first load's encoder.
    let sink = LbugSink::new(LbugConfig {
        dir: dir.path().join("db"),
        geo_relationships: false,
        buffer_pool_mib: 64,
        backward_edges: false,
        delete_missing: false,
    });
    let mut encoder = sink.encoder().expect("a first load's encoder");
    let batch = learners();
    let mut out = Encoded::default();

    let mut g = c.benchmark_group("write");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("encode_embedded_staging", |b| {
        b.iter(|| {
            for run in batch.chunks(64) {
                encoder.append(run, &mut out);
            }
            encoder.finish(&mut out);
            out.outputs.iter().map(Vec::len).sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, encode);
criterion_main!(benches);
