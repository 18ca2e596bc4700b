//! Read-stage throughput on a generated export (bytes/s): a bare scan with the `csv` crate (the
//! floor: nothing that parses CSV can be faster), our scanner alone, the first pass (prescan),
//! and the second pass (batch reader).

#![allow(missing_docs)] // criterion_group! and criterion_main! generate undocumented items

use std::io::Write;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use learngraph_source::scan::{RecordEnd, RecordSink, Scanner};
use learngraph_source::{prescan, BatchReader, SourceConfig};

/// Counts records and touches nothing else.
struct Count(u64);

impl RecordSink for Count {
    fn bytes(&mut self, _: usize, _: &[u8]) {}
    fn field_end(&mut self, _: usize) {}
    fn record_end(&mut self, _: RecordEnd) -> bool {
        self.0 += 1;
        true
    }
}

fn read(c: &mut Criterion) {
    let mut bytes = Vec::new();
    learngraph_synth::generate(
        &learngraph_synth::GeneratorConfig {
            rows: 50_000,
            seed: 7,
        },
        &mut bytes,
    )
    .expect("generate");
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(&bytes).expect("write");
    let path = file.into_temp_path();

    let mut g = c.benchmark_group("read");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.sample_size(20);
    g.bench_function("csv_crate_bare_scan", |b| {
        b.iter(|| {
            let mut r = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(&bytes[..]);
            let mut rec = csv::ByteRecord::new();
            let mut n = 0u64;
            while r.read_byte_record(&mut rec).expect("read") {
                n += 1;
            }
            n
        })
    });
    g.bench_function("scanner", |b| {
        b.iter(|| {
            let mut s = Scanner::new(b',', 1, 0);
            let mut count = Count(0);
            for chunk in bytes.chunks(1 << 20) {
                s.feed(chunk, &mut count);
            }
            s.finish(&mut count);
            count.0
        })
    });
    let config = SourceConfig::default();
    let paths = vec![path.to_path_buf()];
    // The first pass on one thread, and on two (a reader and two scanners over 4 MiB blocks).
    for threads in [1, 2] {
        g.bench_function(format!("prescan_{threads}_threads"), |b| {
            b.iter(|| {
                prescan(&paths, &config, threads, &|_| {})
                    .expect("prescan")
                    .records
            })
        });
    }
    let index = prescan(&paths, &config, 1, &|_| {}).expect("prescan");
    g.bench_function("batch_reader", |b| {
        b.iter(|| {
            let mut r = BatchReader::new(&config, &index);
            let mut n = 0;
            while let Some(batch) = r.next_batch().expect("batch") {
                n += batch.rows.len();
                r.recycle(batch);
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, read);
criterion_main!(benches);
