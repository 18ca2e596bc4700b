//! Decompresses the embedded GeoNames gazetteer at build time.
//!
//! The repository keeps `data/cities.tsv.gz` (6 MB instead of 15 MB); the binary holds the text
//! itself, so a run reads it in place instead of inflating and copying it on every start.

use std::io::Read;
use std::path::PathBuf;

fn main() {
    let source = "data/cities.tsv.gz";
    println!("cargo::rerun-if-changed={source}");
    let gz = std::fs::read(source).expect("data/cities.tsv.gz is part of the crate");
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz.as_slice())
        .read_to_string(&mut text)
        .expect("data/cities.tsv.gz is valid gzip of UTF-8 text");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("cities.tsv"), text).expect("OUT_DIR is writable");
}
