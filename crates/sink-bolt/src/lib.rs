//! The production target: the learner graph loaded into Neo4j, or any Bolt 4.4 server that speaks
//! Cypher (Memgraph, ArcadeDB), with parallel writers that never lock the same node at once.
//!
//! - [`config`]: where the server is, who logs in (the password from the environment or a file,
//!   never from a log), and how many writers with how large batches.
//! - [`statements`]: every Cypher statement the sink sends; values only as parameters.
//! - [`plan`]: how a window of learners becomes batches, and why parallel writers do not meet on a
//!   hub (`Skill`, `Cohort`, `City`, `Country`).
//! - [`client`]: one statement with retries (transient errors, a server that went away) and the
//!   splitting that isolates rows the server refuses.
//! - [`writers`]: the parallel writers, each on its own connection with its own queue.
//! - [`sink`]: the [`BoltSink`].
//! - [`query`]: [`BoltGraph`], read queries over Bolt, values converted to JSON.

pub mod client;
pub mod config;
pub mod plan;
pub mod query;
pub mod sink;
pub mod statements;
pub mod writers;

pub use config::{BoltConfig, BoltTarget};
pub use query::BoltGraph;
pub use sink::BoltSink;
