//! Read-stage throughput on a generated export (bytes/s): the bare `csv-core` scan (the floor of
//! everything), the first-pass key scanner, and the second-pass batch reader.

#![allow(missing_docs)] // criterion_group! and criterion_main! generate undocumented items

use std::io::Write;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use learngraph_source::scan::{KeyScanner, ScannedRecord};
use learngraph_source::{prescan, BatchReader, CsvReader, RawRecord, SourceConfig};

fn export(rows: u64) -> (tempfile::TempPath, Vec<u8>) {
    let mut bytes = Vec::new();
    learngraph_synth::generate(
        &learngraph_synth::GeneratorConfig { rows, seed: 7 },
        &mut bytes,
    )
    .expect("generate");
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(&bytes).expect("write");
    (file.into_temp_path(), bytes)
}

fn read(c: &mut Criterion) {
    let (path, bytes) = export(50_000);
    let mut g = c.benchmark_group("read");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.sample_size(20);
    g.bench_function("csv_core_bare_scan", |b| {
        b.iter(|| {
            let mut r = CsvReader::new(&bytes[..], b',');
            let mut rec = RawRecord::default();
            let mut n = 0u64;
            while r.read_record(&mut rec).expect("read") {
                n += 1;
            }
            n
        })
    });
    g.bench_function("key_scanner", |b| {
        b.iter(|| {
            let mut s = KeyScanner::new(b',', 0, 1);
            let mut n = 0u64;
            let mut emit = |r: &ScannedRecord<'_>| n += r.key.len() as u64;
            for chunk in bytes.chunks(1 << 20) {
                s.feed(chunk, &mut emit);
            }
            s.finish(&mut emit);
            n
        })
    });
    let config = SourceConfig::default();
    let paths = vec![path.to_path_buf()];
    g.bench_function("prescan", |b| {
        b.iter(|| prescan(&paths, &config, &|_| {}).expect("prescan").records)
    });
    let index = prescan(&paths, &config, &|_| {}).expect("prescan");
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
