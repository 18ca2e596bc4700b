//! Synthetic learner exports that follow `learners-csv.md` in every respect, messiness included,
//! and a [`Manifest`] of what they hold, so that tests can check a load against ground truth that
//! was not computed by the code under test.
//!
//! Deterministic for a seed: the same rows, byte for byte, on every machine and version of Rust,
//! because the random generator ([`rng::Rng`]) is our own and every table is fixed.
//!
//! - [`data`]: countries (with their many spellings), cities, names, skills, programmes.
//! - [`rng`]: SplitMix64 seeding a xoshiro256** generator.
//! - [`generate`]: the row writer and the bookkeeping behind the manifest.

pub mod data;
mod generate;
pub mod rng;

pub use generate::{generate, GeneratorConfig, Manifest};
