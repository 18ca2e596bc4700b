//! The sink contract: what a batch is, what "written" means, and how a sink reports failure.
//!
//! The pipeline depends on [`GraphSink`], never on a concrete target. A sink is opened once, given
//! batches in increasing sequence order, and finished once:
//!
//! - [`GraphSink::open`] prepares the target (schema, files) before any data.
//! - [`GraphSink::write`] writes one batch: first the dimension nodes it introduces, then its
//!   learners and their relationships. When it returns `Ok`, the batch is durable as far as this sink
//!   can make it so; the pipeline may record it as committed.
//! - An `Err` from `open` or `write` fails the run: the pipeline stops feeding the sink and reports the
//!   error. Row-level problems never reach a sink; they were quarantined upstream.
//! - [`GraphSink::finish`] flushes and returns what was written.
//!
//! For crash-safe resume a sink also answers [`GraphSink::checkpoint`]: make everything written so
//! far durable and describe the state to continue from, which the pipeline journals. After a
//! crash, [`GraphSink::resume`] opens the sink at such a state instead of [`GraphSink::open`];
//! the batches after it then arrive again, and the sink must leave the target as if the run had
//! never stopped.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::graph::{Dimensions, Learner};

/// A batch of learners in input order, with the dimension nodes first referenced by them.
#[derive(Clone, Debug, Default)]
pub struct LearnerBatch {
    /// Sequence number, from 0, gap-free in the order batches are read.
    pub seq: u64,
    /// Dimension nodes new to this run, to be written before the learners.
    pub dimensions: Dimensions,
    /// The learners.
    pub learners: Vec<Learner>,
    /// The learners as the sink's [`LearnerEncoder`] encoded them on a transform thread; `None`
    /// when the sink has no encoder, or the batch did not pass one.
    pub encoded: Option<Encoded>,
}

/// A batch's learners encoded for a sink ahead of [`GraphSink::write`]: one buffer per output of
/// the sink's choosing, and its counts.
#[derive(Clone, Debug, Default)]
pub struct Encoded {
    /// The bytes for each output, in the order of the learners.
    pub outputs: Vec<Vec<u8>>,
    /// Counts of what the bytes hold (rows per output, for instance).
    pub counts: Vec<u64>,
}

impl Encoded {
    /// Empties the buffers and counts, keeping the buffers' memory for the next batch.
    pub fn clear(&mut self) {
        for output in &mut self.outputs {
            output.clear();
        }
        self.counts.clear();
    }
}

/// Encodes learners for one sink. Made by [`GraphSink::encoder`], one per transform worker, so
/// that a batch is encoded by the thread that made it, a few learners at a time right after they
/// were made, while their text is in that core's cache, and in parallel with the other workers,
/// rather than by the one thread that writes.
pub trait LearnerEncoder: Send {
    /// Appends the encoding of `learners` to `out`: to its buffers, and to its counts.
    fn append(&mut self, learners: &[Learner], out: &mut Encoded);

    /// Completes `out` once the batch's last learners are appended: for an encoder that gathers
    /// them and encodes the batch as a whole.
    fn finish(&mut self, out: &mut Encoded) {
        let _ = out;
    }

    /// Encodes `learners` into `out`, whose buffers are cleared first and then reused.
    fn encode(&mut self, learners: &[Learner], out: &mut Encoded) {
        out.clear();
        self.append(learners, out);
        self.finish(out);
    }
}

/// What a sink wrote, by label and by relationship type.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WriteSummary {
    /// Nodes written per label.
    pub nodes: BTreeMap<String, u64>,
    /// Relationships written per type.
    pub relationships: BTreeMap<String, u64>,
    /// Files the sink produced, if any.
    pub files: Vec<PathBuf>,
    /// Learners new to the target, counted by the sinks that compare with what the target holds
    /// (the embedded database; Bolt with `incremental`), like the counters below.
    pub learners_added: u64,
    /// Learners already in the target with the same `content_hash`, so not written again.
    pub learners_unchanged: u64,
    /// Learners already in the target with another `content_hash`, replaced (counted in `nodes`).
    pub learners_updated: u64,
    /// Learners in the target before the run that this export does not hold.
    pub learners_missing: u64,
    /// Of those, deleted with their relationships (`target.delete_missing`).
    pub learners_deleted: u64,
    /// Keys of missing learners, sorted, at most [`MISSING_SAMPLE`].
    pub missing_sample: Vec<String>,
}

/// How many keys of missing learners a summary lists.
pub const MISSING_SAMPLE: usize = 1000;

/// Adds `n` to the count of `name`; a sink counts per learner, so the name is copied only the
/// first time.
fn add(counts: &mut BTreeMap<String, u64>, name: crate::schema::Ident, n: u64) {
    match counts.get_mut(name.as_str()) {
        Some(count) => *count += n,
        None => {
            counts.insert(name.to_string(), n);
        }
    }
}

impl WriteSummary {
    /// Adds `n` nodes of `label`.
    pub fn add_nodes(&mut self, label: crate::schema::Ident, n: u64) {
        add(&mut self.nodes, label, n);
    }

    /// Adds `n` relationships of `rel_type`.
    pub fn add_relationships(&mut self, rel_type: crate::schema::Ident, n: u64) {
        add(&mut self.relationships, rel_type, n);
    }

    /// Adds a batch's dimension nodes, with their `IN_PROGRAM` and `IN_COUNTRY` relationships.
    pub fn add_dimensions(&mut self, d: &Dimensions) {
        use crate::schema::{label, rel};
        self.add_nodes(label::SKILL, d.skills.len() as u64);
        self.add_nodes(label::PROGRAM, d.programs.len() as u64);
        self.add_nodes(label::COHORT, d.cohorts.len() as u64);
        self.add_nodes(label::COUNTRY, d.countries.len() as u64);
        self.add_nodes(label::CITY, d.cities.len() as u64);
        let in_program = d.cohorts.iter().filter(|c| c.program.is_some()).count();
        self.add_relationships(rel::IN_PROGRAM, in_program as u64);
        self.add_relationships(rel::IN_COUNTRY, d.cities.len() as u64);
    }
}

/// Why a sink could not write.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// A file could not be created or written.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The target refused the data or could not be reached; the message is the target's own.
    #[error("{target}: {message}")]
    Target {
        /// The target, as the user named it (never with a password).
        target: String,
        /// What went wrong.
        message: String,
    },
}

/// A learner whose row the target refused (a constraint, a value it cannot store): the pipeline
/// quarantines it with the target's message instead of counting it as loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetRejected {
    /// Key of the learner.
    pub learner_id: String,
    /// Line of the export where its row starts.
    pub source_row: u64,
    /// The target's message.
    pub message: String,
}

/// A destination for the learner graph. See the module documentation for the calling protocol.
pub trait GraphSink: Send {
    /// Prepares the target before any batch.
    fn open(&mut self) -> Result<(), SinkError>;

    /// Writes one batch; batches arrive in increasing `seq` order.
    fn write(&mut self, batch: &LearnerBatch) -> Result<(), SinkError>;

    /// An encoder for the transform workers, whose output [`GraphSink::write`] then takes from
    /// [`LearnerBatch::encoded`]; `None` for a sink that encodes in `write`.
    fn encoder(&self) -> Option<Box<dyn LearnerEncoder>> {
        None
    }

    /// Flushes what is buffered and reports what was written.
    fn finish(&mut self) -> Result<WriteSummary, SinkError>;

    /// The target's name for messages and reports (never with credentials).
    fn describe(&self) -> String;

    /// Learners the target refused since the last call (see [`TargetRejected`]).
    fn take_rejected(&mut self) -> Vec<TargetRejected> {
        Vec::new()
    }

    /// A batch written before the crash that this run resumes: not to be written again, but to
    /// be taken into account (a sink that reports learners missing from the export marks its
    /// learners as seen).
    fn replayed(&mut self, batch: &LearnerBatch) {
        let _ = batch;
    }

    /// Whether the sink is at the end of a unit of writing, so that a checkpoint now costs
    /// nothing extra (a Bolt sink in the middle of a window would write a short one).
    fn at_boundary(&self) -> bool {
        true
    }

    /// Makes every batch written so far durable and returns the state to resume from.
    fn checkpoint(&mut self) -> Result<serde_json::Value, SinkError>;

    /// Opens the target to continue a run from a state [`GraphSink::checkpoint`] returned: what it
    /// wrote after that state is undone or will be overwritten by the batches that follow.
    fn resume(&mut self, state: &serde_json::Value) -> Result<(), SinkError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{label, rel};

    #[test]
    fn counts_add_up_by_name() {
        let mut s = WriteSummary::default();
        for n in [1, 2, 0, 4] {
            s.add_nodes(label::LEARNER, n);
            s.add_relationships(rel::HAS_SKILL, n * 10);
        }
        s.add_nodes(label::SKILL, 0);
        assert_eq!(s.nodes["Learner"], 7);
        assert_eq!(
            s.nodes["Skill"], 0,
            "a label counted zero times is still listed"
        );
        assert_eq!(s.relationships["HAS_SKILL"], 70);
        assert_eq!(s.relationships.len(), 1);
    }
}
