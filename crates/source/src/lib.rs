//! Extraction: a streaming, position-aware reader for learner exports.
//!
//! The source stage turns bytes into rows and rows into batches, and nothing more: it knows where
//! every row came from (file, line, byte), which rows are structurally broken, and which rows are
//! superseded by a later row with the same key. It does not interpret values; that is the
//! transform's job.
//!
//! - [`layout`]: maps the header's columns to the logical [`Field`]s, by configuration.
//! - [`scan`]: the RFC 4180 scanner both passes read with: fields, lines, byte ranges.
//! - [`mod@prescan`]: the first pass that finds duplicate keys, so that the later row can win; it
//!   scans blocks of the file in parallel, cut by `split`, reading their records from bit masks
//!   (`mask_scan`) where the quoting allows.
//! - [`batch`]: the second pass, cutting valid rows into owned [`RowBatch`]es for the workers.
//! - [`config`]: the column mapping and the sentinels, as a serde section.

pub mod batch;
mod blocks;
pub mod config;
pub mod error;
pub mod field;
pub mod layout;
mod mask_scan;
pub mod prescan;
pub mod scan;
mod split;

pub use batch::{BatchReader, MergedRow, RejectReason, RejectedRow, Row, RowBatch, RowMeta};
pub use config::{ColumnMapping, Sentinels, SourceConfig};
pub use error::SourceError;
pub use field::Field;
pub use layout::ColumnLayout;
pub use prescan::{prescan, prescan_collecting, Collected, DuplicateIndex};

/// Hash of a learner key, used to find duplicates without keeping the keys themselves.
///
/// 64 bits keep the duplicate index small (8 bytes per learner); the chance that two of 17 million
/// distinct keys collide is about one in 100,000 runs, documented in ARCHITECTURE.md.
pub fn key_hash(key: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(key)
}

/// Pinned pseudo-random input for the scanner and first-pass tests.
#[cfg(test)]
pub(crate) mod testing {
    /// The next value of a xorshift stream whose state is `x` (never 0).
    pub fn xorshift(x: &mut u64) -> u64 {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x
    }

    /// `len` bytes drawn from `alphabet` by the stream `x`.
    pub fn random_bytes(x: &mut u64, alphabet: &[u8], len: usize) -> Vec<u8> {
        (0..len)
            .map(|_| alphabet[(xorshift(x) % alphabet.len() as u64) as usize])
            .collect()
    }
}
