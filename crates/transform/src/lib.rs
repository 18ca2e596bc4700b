//! Transformation: raw rows in, typed [`Learner`](learngraph_model::Learner)s and dimension nodes out.
//!
//! Everything here is pure computation: no I/O, no clock (today's date is given), no shared state.
//! A [`Transformer`] is owned by one worker thread and keeps its caches to itself; the
//! [`DimensionRegistry`] runs on the single ordered collector and decides which dimension nodes are
//! new to the run.
//!
//! - [`text`]: byte-level cleaning (NUL bytes, invalid UTF-8, whitespace) with counted repairs.
//! - [`date`]: the date and timestamp formats of the spec.
//! - [`vocab`]: gender, education, employment and enrollment status to small vocabularies.
//! - [`skills`]: comma, semicolon or JSON-array skill lists to normalised names.
//! - [`enrollments`]: the enrollments JSON to cohorts, programmes and `ENROLLED_IN`.
//! - `plain_json`: the export's compact JSON read without `serde_json`, for the two above.
//! - [`privacy`]: keep, salted hash or drop for personal data.
//! - [`geo`]: country and city resolution.
//! - [`intern`]: one shared key per distinct repeated string.
//! - [`memo`]: a bounded memo, each repeated spelling normalised once.
//! - [`stats`]: why values became null, and what was repaired, per field.
//! - [`learner`]: the row-to-learner function that uses all of the above.
//! - [`dims`]: run-wide de-duplication of dimension nodes.

pub mod config;
pub mod date;
pub mod dims;
pub mod enrollments;
pub mod geo;
pub mod intern;
pub mod learner;
pub mod memo;
mod plain_json;
pub mod privacy;
pub mod skills;
pub mod stats;
pub mod text;
pub mod vocab;

pub use config::{GeoConfig, PrivacyConfig, PrivacyMode, TransformConfig};
pub use dims::DimensionRegistry;
pub use learner::{TransformedBatch, Transformer};
pub use privacy::{Privacy, PrivacyError};
pub use stats::{FieldStats, NullReason, Repair};

/// Pinned pseudo-random input for the tests that hold a fast path to a reference.
#[cfg(test)]
pub(crate) mod testing {
    /// A xorshift stream with a fixed seed: every run draws the same values.
    pub struct Draws(u64);

    impl Draws {
        pub fn new() -> Draws {
            Draws(0x9E37_79B9_7F4A_7C15)
        }

        /// A value below `n`.
        pub fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
    }
}
