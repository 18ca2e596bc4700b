//! The floor of every load: a bare scan of an export with the `csv` crate, nothing else.
//! `scripts/bench.sh` runs it on the benchmark file and prints each load as a ratio to it.
//!
//! Usage: `cargo run --release -p learngraph-source --example bare_scan -- FILE`

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: bare_scan FILE")?;
    let started = Instant::now();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_path(&path)?;
    let mut record = csv::ByteRecord::new();
    let mut rows = 0u64;
    while reader.read_byte_record(&mut record)? {
        rows += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!("{rows} {seconds:.3} {:.0}", rows as f64 / seconds);
    Ok(())
}
