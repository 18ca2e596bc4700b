//! The learner graph as typed Rust values, and the contract every sink fulfils.
//!
//! This crate is the meeting point of the pipeline: the transform stage produces the types defined
//! here, and every sink (import files, Bolt, embedded) consumes them. It does no I/O and has no heavy
//! dependencies, so that every other crate can depend on it.
//!
//! - [`value`]: calendar dates and UTC timestamps, with their ISO 8601 forms.
//! - [`graph`]: nodes and relationships of the model in `graph-model.md`.
//! - [`schema`]: labels, relationship types and property names as checked identifiers.
//! - [`properties`]: a node's property values in schema order, for any sink's encoding.
//! - [`sink`]: the [`GraphSink`] trait and the batches it is given.
//! - [`stored`]: what a target held before an incremental load ([`StoredLearners`]).
//! - [`query`]: the [`GraphQuery`] trait and the result [`Table`] of read queries.
//! - [`presets`]: the built-in questions, the same Cypher on every queryable target.

pub mod graph;
mod key;
pub mod presets;
pub mod properties;
pub mod query;
pub mod schema;
pub mod sink;
pub mod stored;
pub mod value;

pub use graph::{
    City, Cohort, Country, Dimensions, EducationLevel, EmploymentStatus, Enrollment,
    EnrollmentStatus, Gender, Learner, Program, Skill,
};
pub use key::Key;
pub use properties::PropertyWriter;
pub use query::{GraphQuery, Param, QueryError, Table};
pub use sink::{
    Encoded, GraphSink, LearnerBatch, LearnerEncoder, SinkError, TargetRejected, WriteSummary,
    MISSING_SAMPLE,
};
pub use stored::StoredLearners;
pub use value::{Date, DateTime};
