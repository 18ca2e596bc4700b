//! The embedded target: the learner graph in a LadybugDB database, a folder on disk that needs no
//! server, and read queries against it.
//!
//! LadybugDB loads fastest through `COPY … FROM` a file, not through per-row statements, so the
//! sink stages every batch as files (typed Parquet for the learners and their relationships, CSV
//! for the dimension tables) and bulk-copies them when the run finishes: dimension tables first,
//! then learners, then the learners' relationships.
//!
//! Loading into a database that already holds a graph compares each learner's `content_hash` with
//! the stored one: an unchanged learner is skipped, a changed one is deleted with its relationships
//! (one set-based statement per 10,000 keys) and copied again, a new one is copied. Dimension nodes
//! already present are skipped. A second load of the same export therefore writes nothing.
//!
//! - [`schema`]: node and relationship tables, derived from the model's property lists.
//! - [`sink`]: the [`LbugSink`], staging and bulk copy.
//! - `learner_tables`: the learners and their relationships encoded as Parquet row groups, by
//!   the transform workers on a first load.
//! - `staged_parquet`: the Parquet files the learners and their relationships are staged in.
//! - [`query`]: [`LbugGraph`], read queries with parameters, values converted to JSON.
//!
//! The C++ library is linked as a shared library built once by `scripts/setup.sh`; see
//! `DEVELOPERS.md`.

mod learner_tables;
pub mod query;
pub mod schema;
pub mod sink;
mod staged_parquet;

pub use query::LbugGraph;
pub use sink::{LbugConfig, LbugSink};

use std::path::{Path, PathBuf};

/// The database file inside the target folder; the folder also holds the staging area.
pub const DATABASE_FILE: &str = "graph.lbug";

/// Path of the database file of the target folder `dir`.
pub fn database_path(dir: &Path) -> PathBuf {
    dir.join(DATABASE_FILE)
}
