//! The [`BoltSink`]: windows of learners written by parallel writers, hubs arranged so that the
//! writers never meet (see [`crate::plan`]).
//!
//! A window is `writers × batch_rows` learners. The dimension nodes first seen in it are written
//! first, on the pipeline's thread (one writer: they are few), so that they exist before any of the
//! window's relationships. The learner nodes and their relationships then go to the writers
//! ([`crate::writers`]) as `writers` rounds (one without `hub_rounds`): writer `i` creates the
//! learners of learner group `i` and writes their relationships in every round, each writer on a
//! connection of its own, so the records of a learner are only ever touched by one connection.
//! (ArcadeDB checks conflicts by page, not by record, so two writers that update different
//! learners stored on one page still conflict; see BENCHMARKS.md for the bucket layout that keeps
//! each connection's learners on pages of their own.) The pipeline's thread goes on to stage the
//! next window while the writers write this one, and hands it over once each writer has taken
//! the last (at most two windows are held); the bounded queues before the sink hold the transform
//! back, so memory stays flat.
//!
//! An incremental load first reads every stored learner's key and `content_hash`. Unchanged
//! learners are skipped; a changed learner's relationships are deleted at the start of its
//! window and written anew. Its `content_hash` is written last, after its relationships, so that
//! a learner whose writing a crash cut short does not look unchanged to the resumed run.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use learngraph_model::schema::{label, schema_statements, Ident};
use learngraph_model::{
    GraphSink, LearnerBatch, SinkError, StoredLearners, TargetRejected, WriteSummary,
};
use neo4rs::{query, ConfigBuilder, Graph};

use crate::client::{Failure, Refusal, Retry, RetryStats, Statement};
use crate::config::BoltConfig;
use crate::plan::{Grid, Owner, Rows};
use crate::statements::{
    self as st, create_learner_rels, key, merge_learner_rels, merge_rels, DIMENSION_RELS,
    LEARNER_RELS,
};
use crate::writers::{Step, Writers};

/// Loads the learner graph into a Bolt server.
pub struct BoltSink {
    config: BoltConfig,
    runtime: Option<tokio::runtime::Runtime>,
    graph: Option<Graph>,
    /// The writers, each on a connection of its own (with one writer, the pool's), so that a
    /// writer's transactions always reach the server on the same connection.
    writers: Option<Writers>,
    stats: Arc<RetryStats>,
    /// Dimension node rows of the current window, by label, and `IN_PROGRAM` / `IN_COUNTRY` rows.
    dimensions: Vec<(Ident, Ident, Rows)>,
    dimension_rels: [Rows; 2],
    learners: Rows,
    grid: Grid,
    rejected: Vec<TargetRejected>,
    /// Learners refused in the whole run, not counted as written.
    refused_learners: u64,
    /// The database held no learner when the run began: relationships are created, not merged.
    fresh: bool,
    /// Incremental: what the database held, and which of it the export holds.
    stored: StoredLearners,
    /// Incremental: the window's changed learners, and every written learner's `content_hash`.
    changed: Rows,
    hashes: Rows,
    summary: WriteSummary,
}

impl BoltSink {
    /// A sink for `config`; nothing is contacted until [`GraphSink::open`].
    pub fn new(config: BoltConfig) -> BoltSink {
        let grid = Grid::new(config.writers, config.hub_rounds, &LEARNER_RELS);
        let dimensions = [
            (label::SKILL, key::NAME),
            (label::PROGRAM, key::NAME),
            (label::COHORT, key::ID),
            (label::COUNTRY, key::CODE),
            (label::CITY, key::ID),
        ]
        .into_iter()
        .map(|(l, k)| (l, k, Rows::default()))
        .collect();
        BoltSink {
            config,
            runtime: None,
            graph: None,
            writers: None,
            stats: Arc::new(RetryStats::default()),
            dimensions,
            dimension_rels: [Rows::default(), Rows::default()],
            learners: Rows::default(),
            grid,
            rejected: Vec::new(),
            refused_learners: 0,
            fresh: false,
            stored: StoredLearners::default(),
            changed: Rows::default(),
            hashes: Rows::default(),
            summary: WriteSummary::default(),
        }
    }

    /// Streams every stored learner's key and `content_hash` through `f`.
    fn for_each_stored(&self, mut f: impl FnMut(String, Option<String>)) -> Result<(), SinkError> {
        let (graph, runtime) = match (&self.graph, &self.runtime) {
            (Some(g), Some(r)) => (g, r),
            _ => return Err(self.error("read before open")),
        };
        runtime
            .block_on(crate::client::for_each_row(
                graph,
                st::STORED_LEARNERS,
                |row| {
                    if let Ok(id) = row.get::<String>("id") {
                        f(id, row.get::<String>("hash").ok());
                    }
                },
            ))
            .map_err(|e| self.error(format!("cannot read the stored learners: {e}")))
    }

    /// Incremental: reads every stored learner's `content_hash`.
    fn read_stored(&mut self) -> Result<(), SinkError> {
        let mut stored = StoredLearners::default();
        self.for_each_stored(|id, hash| {
            // No hash: a learner a crash cut short, never equal to the export's.
            let hash = hash.and_then(|h| u64::from_str_radix(&h, 16).ok());
            stored.insert(&id, hash.unwrap_or(0));
        })?;
        tracing::debug!(learners = stored.len(), "StoredLearnersRead");
        self.stored = stored;
        Ok(())
    }

    /// Incremental: finds the stored learners the export does not hold; deletes them if so
    /// configured.
    fn missing(&mut self) -> Result<(), SinkError> {
        if self.stored.is_empty() {
            return Ok(());
        }
        let mut missing = Vec::new();
        self.for_each_stored(|id, _| {
            if self.stored.is_missing(&id) {
                missing.push(id);
            }
        })?;
        self.summary.record_missing(&mut missing);
        if !self.config.delete_missing || missing.is_empty() {
            return Ok(());
        }
        let (graph, runtime) = match (&self.graph, &self.runtime) {
            (Some(g), Some(r)) => (g.clone(), r),
            _ => return Err(self.error("write before open")),
        };
        let statement = Statement::idempotent(st::DELETE_LEARNERS.to_string());
        let (retry, stats) = (self.retry(), Arc::clone(&self.stats));
        let batch_rows = self.config.batch_rows.max(1);
        let rows: Vec<neo4rs::BoltType> = missing.iter().map(|id| st::id_row(id)).collect();
        runtime
            .block_on(async {
                for part in rows.chunks(batch_rows) {
                    crate::client::run(&graph, &statement, part, None, retry, &stats).await?;
                }
                Ok::<(), Failure>(())
            })
            .map_err(|f| self.error(describe_failure(&f)))?;
        self.summary.learners_deleted = missing.len() as u64;
        Ok(())
    }

    fn error(&self, message: impl std::fmt::Display) -> SinkError {
        SinkError::Target {
            target: self.describe(),
            message: message.to_string(),
        }
    }

    fn retry(&self) -> Retry {
        Retry {
            max_retries: self.config.max_retries,
            server_wait: self.config.server_wait,
        }
    }

    /// Connects and checks that the server answers and accepts the credentials; the message says
    /// what to change.
    pub async fn connect_for(config: &BoltConfig) -> Result<Graph, String> {
        Self::connect(config)
            .await
            .map_err(|f| explain_connect(config, f))
    }

    async fn connect(config: &BoltConfig) -> Result<Graph, Failure> {
        let mut builder = ConfigBuilder::default()
            .uri(config.target.uri.as_str())
            .user(config.user.as_str())
            .password(config.password.0.as_str())
            .max_connections(config.writers + 1)
            .fetch_size(1000);
        if let Some(db) = &config.database {
            builder = builder.db(db.as_str());
        }
        let neo_config = builder
            .build()
            .map_err(|e| Failure::Fatal(format!("invalid connection settings: {e}")))?;
        let probe = async {
            let graph = Graph::connect(neo_config)
                .await
                .map_err(|e| crate::client::classify(&e))?;
            crate::client::run_once(&graph, query("RETURN 1"))
                .await
                .map_err(|e| crate::client::classify(&e))?;
            Ok::<Graph, Failure>(graph)
        };
        match tokio::time::timeout(Duration::from_secs(15), probe).await {
            Ok(result) => result,
            Err(_) => Err(Failure::Unavailable("no answer within 15 s".to_string())),
        }
    }

    /// Starts writing the window: changed learners' relationships deleted and dimensions written
    /// (waited for), then learners and relationships queued for the writers; a window with
    /// changed learners first waits for the writers.
    fn flush(&mut self) -> Result<(), SinkError> {
        if self.at_boundary() {
            return Ok(());
        }
        let graph = self
            .graph
            .clone()
            .ok_or_else(|| self.error("write before open"))?;
        let retry = self.retry();
        let stats = Arc::clone(&self.stats);
        let batch_rows = self.config.batch_rows.max(1);

        let step = |statement, rows| Step::rows(Statement::idempotent(statement), rows);
        let changed = std::mem::take(&mut self.changed);
        let waits = !changed.is_empty();
        // Written here, before the window is queued: changed learners' relationships deleted,
        // then the dimension nodes and their relationships.
        let mut prelude = vec![step(st::DELETE_LEARNER_RELS.to_string(), changed)];
        for (l, k, rows) in self.dimensions.iter_mut().filter(|d| !d.2.is_empty()) {
            prelude.push(step(
                st::merge_dimension_nodes(*l, *k),
                std::mem::take(rows),
            ));
        }
        for (kind, rows) in DIMENSION_RELS.iter().zip(self.dimension_rels.iter_mut()) {
            if !rows.is_empty() {
                prelude.push(step(merge_rels(kind), std::mem::take(rows)));
            }
        }
        let phases = self.phases();

        let (Some(runtime), Some(writers)) = (self.runtime.as_ref(), self.writers.as_mut()) else {
            return Err(self.error("write before open"));
        };
        let outcome: Result<Vec<Refusal>, Failure> = runtime.block_on(async {
            let mut refused = Vec::new();
            if waits {
                // The writers may still be writing these learners' relationships.
                writers.sync().await?;
            }
            for step in prelude {
                refused.extend(step.run(&graph, batch_rows, retry, &stats).await?);
            }
            if refused.iter().any(|r| r.owner.learner_id.is_empty()) {
                // A refused dimension node fails the run (below) before any learner refers to it.
                return Ok(refused);
            }
            let isolated = phases.len() > 1;
            for phase in phases {
                if isolated {
                    writers.sync().await?;
                }
                writers.send(phase).await?;
            }
            Ok(refused)
        });
        let refused = outcome.map_err(|f| self.error(describe_failure(&f)))?;
        self.reject(refused)?;
        self.reject_writers_refused()
    }

    /// The staged window's learner nodes and relationships as the writers' phases: `phases[r][i]`
    /// is what writer `i` writes in round `r` (see [`crate::plan`]). Writer `i` creates learner
    /// group `i` in the first phase, and sets its `content_hash`es after its last relationships.
    fn phases(&mut self) -> Vec<Vec<Vec<Step>>> {
        let fresh = self.fresh;
        let with_hash = self.learner_rows_hold_hash();
        let learner_statement = Statement::create_when_fresh(
            fresh,
            st::create_learners(with_hash),
            st::merge_learners(with_hash),
        );
        let set_hashes = Statement::idempotent(st::SET_CONTENT_HASH.to_string());
        let mut learners = self.grid.split_learners(std::mem::take(&mut self.learners));
        let mut hashes = self.grid.split_learners(std::mem::take(&mut self.hashes));
        let mut phases: Vec<Vec<Vec<Step>>> = self
            .grid
            .take_rounds()
            .into_iter()
            .map(|round| {
                round
                    .into_iter()
                    .map(|work| {
                        work.into_iter()
                            .map(|(kind, rows)| Step {
                                statement: Statement::create_when_fresh(
                                    fresh,
                                    create_learner_rels(&kind),
                                    merge_learner_rels(&kind),
                                ),
                                rows,
                                relationships: true,
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        if let Some(first) = phases.first_mut() {
            for (i, steps) in first.iter_mut().enumerate() {
                let rows = std::mem::take(&mut learners[i]);
                if !rows.is_empty() {
                    steps.insert(0, Step::rows(learner_statement.clone(), rows));
                }
            }
        }
        if let Some(last) = phases.last_mut() {
            for (i, steps) in last.iter_mut().enumerate() {
                let rows = std::mem::take(&mut hashes[i]);
                if !rows.is_empty() {
                    steps.push(Step::rows(set_hashes.clone(), rows));
                }
            }
        }
        phases
    }

    /// Whether a learner's node row, and so its statement, holds its `content_hash`: not in an
    /// incremental load, which sets the hashes last (see `SET_CONTENT_HASH`).
    fn learner_rows_hold_hash(&self) -> bool {
        !self.config.incremental
    }

    /// Keeps the learners among `refused`; a refused dimension node fails the run.
    fn reject(&mut self, refused: Vec<Refusal>) -> Result<(), SinkError> {
        for r in refused {
            // A dimension node belongs to no learner: there is no row to quarantine for it, and
            // the learners that refer to it would lose their relationships.
            if r.owner.learner_id.is_empty() {
                return Err(self.error(format!(
                    "the server refused a dimension node (Skill, Program, Cohort, Country or City): {}",
                    r.message
                )));
            }
            if !self
                .rejected
                .iter()
                .any(|x| x.learner_id == r.owner.learner_id)
            {
                self.refused_learners += 1;
                self.rejected.push(TargetRejected {
                    learner_id: r.owner.learner_id,
                    source_row: r.owner.source_row,
                    message: r.message,
                });
            }
        }
        Ok(())
    }

    /// Writes the staged window and waits until the writers have written everything.
    fn drain(&mut self) -> Result<(), SinkError> {
        self.flush()?;
        let (Some(runtime), Some(writers)) = (self.runtime.as_ref(), self.writers.as_mut()) else {
            return Ok(());
        };
        let outcome = runtime.block_on(writers.sync());
        outcome.map_err(|f| self.error(describe_failure(&f)))?;
        self.reject_writers_refused()
    }

    /// Keeps the learners whose rows the writers' server refused since the last call.
    fn reject_writers_refused(&mut self) -> Result<(), SinkError> {
        let refused = self.writers.as_ref().map(Writers::take_refused);
        self.reject(refused.unwrap_or_default())
    }

    fn stage(&mut self, batch: &LearnerBatch) {
        let d = &batch.dimensions;
        let none = || Owner {
            learner_id: String::new(),
            source_row: 0,
        };
        // In the order of `new`: Skill, Program, Cohort, Country, City.
        let dims = &mut self.dimensions;
        for s in &d.skills {
            dims[0].2.push(st::skill_row(s), none());
        }
        for p in &d.programs {
            dims[1].2.push(st::program_row(p), none());
        }
        for c in &d.cohorts {
            dims[2].2.push(st::cohort_row(c), none());
            if let Some(p) = &c.program {
                self.dimension_rels[0].push(st::rel_row(&c.id, p), none());
            }
        }
        for c in &d.countries {
            dims[3].2.push(st::country_row(c), none());
        }
        for c in &d.cities {
            dims[4].2.push(st::city_row(c), none());
            self.dimension_rels[1].push(st::rel_row(&c.id, &c.country_code), none());
        }
        self.summary.add_dimensions(d);

        let incremental = self.config.incremental;
        let with_hash = self.learner_rows_hold_hash();
        let mut written = 0u64;
        for l in &batch.learners {
            let owner = Owner {
                learner_id: l.learner_id.clone(),
                source_row: l.source_row,
            };
            if incremental {
                match self.stored.visit(&l.learner_id) {
                    Some(hash) => {
                        if hash == l.content_hash {
                            self.summary.learners_unchanged += 1;
                            continue;
                        }
                        self.summary.learners_updated += 1;
                        self.changed.push(st::id_row(&l.learner_id), owner.clone());
                    }
                    None => self.summary.learners_added += 1,
                }
                let row = st::hash_row(&l.learner_id, l.content_hash);
                self.hashes.push(row, owner.clone());
            }
            written += 1;
            self.learners
                .push(st::learner_row(l, with_hash), owner.clone());
            for s in &l.skills {
                self.grid.push(0, s, st::hub_entry(s), &owner);
            }
            for e in &l.enrollments {
                let entry = st::enrollment_entry(e);
                self.grid.push(1, &e.cohort_id, entry, &owner);
            }
            self.summary
                .add_relationships(LEARNER_RELS[0].ty, l.skills.len() as u64);
            self.summary
                .add_relationships(LEARNER_RELS[1].ty, l.enrollments.len() as u64);
            if self.config.geo_relationships {
                for (i, hub) in [
                    (2, &l.city_of_residence_id),
                    (3, &l.country_of_residence_code),
                    (4, &l.country_of_origin_code),
                ] {
                    if let Some(hub) = hub {
                        self.grid.push(i, hub, st::hub_entry(hub), &owner);
                        self.summary.add_relationships(LEARNER_RELS[i].ty, 1);
                    }
                }
            }
        }
        self.summary.add_nodes(label::LEARNER, written);
    }
}

fn explain_connect(config: &BoltConfig, f: Failure) -> String {
    match f {
        Failure::Fatal(m) if m.contains("uthentication") || m.contains("Security") => format!(
            "the server refused the credentials of user `{}` ({m}); set NEO4J_USERNAME and \
             NEO4J_PASSWORD, or target.bolt.password_file",
            config.user
        ),
        other => describe_failure(&other),
    }
}

fn describe_failure(f: &Failure) -> String {
    match f {
        Failure::Transient(m) | Failure::Refused(m) | Failure::Fatal(m) => m.clone(),
        Failure::Unavailable(m) => format!(
            "cannot reach the server ({m}); check that it is running and that target.uri \
             (--target) names its Bolt address"
        ),
    }
}

impl GraphSink for BoltSink {
    fn open(&mut self) -> Result<(), SinkError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| self.error(format!("cannot start the I/O runtime: {e}")))?;
        let graph = runtime
            .block_on(Self::connect_for(&self.config))
            .map_err(|m| self.error(m))?;
        let mut writer_graphs = Vec::new();
        if self.config.writers > 1 {
            // A pool of `writers + 1` connections: one, for one writer.
            let one = BoltConfig {
                writers: 0,
                ..self.config.clone()
            };
            for _ in 0..self.config.writers {
                let g = runtime
                    .block_on(Self::connect_for(&one))
                    .map_err(|m| self.error(m))?;
                writer_graphs.push(g);
            }
        } else {
            writer_graphs.push(graph.clone());
        }
        // Schema first: the unique constraints make every MERGE an index lookup.
        for statement in schema_statements() {
            runtime
                .block_on(crate::client::run(
                    &graph,
                    &Statement::idempotent(statement.clone()),
                    &[],
                    None,
                    self.retry(),
                    &self.stats,
                ))
                .map_err(|f| {
                    self.error(format!(
                        "cannot create the schema ({statement}): {}",
                        describe_failure(&f)
                    ))
                })?;
        }
        let has_learners = runtime
            .block_on(crate::client::any_row(
                &graph,
                "MATCH (l:Learner) RETURN l.learner_id LIMIT 1",
            ))
            .map_err(|e| self.error(e))?;
        self.fresh = !has_learners;
        tracing::debug!(fresh = self.fresh, "BoltTargetOpened");
        self.writers = Some(Writers::start(
            runtime.handle(),
            writer_graphs,
            self.config.batch_rows,
            self.retry(),
            &self.stats,
        ));
        self.graph = Some(graph);
        self.runtime = Some(runtime);
        if self.config.incremental && has_learners {
            self.read_stored()?;
        }
        Ok(())
    }

    fn write(&mut self, batch: &LearnerBatch) -> Result<(), SinkError> {
        self.stage(batch);
        if self.learners.len() >= self.config.writers.max(1) * self.config.batch_rows.max(1) {
            self.flush()?;
        }
        Ok(())
    }

    fn replayed(&mut self, batch: &LearnerBatch) {
        for l in &batch.learners {
            self.stored.visit(&l.learner_id);
        }
    }

    fn at_boundary(&self) -> bool {
        self.learners.is_empty() && self.dimensions.iter().all(|d| d.2.is_empty())
    }

    fn checkpoint(&mut self) -> Result<serde_json::Value, SinkError> {
        // A window cut short is only a smaller window; a committed statement is durable.
        self.drain()?;
        Ok(serde_json::json!({
            "summary": self.summary,
            "refused_learners": self.refused_learners,
        }))
    }

    fn resume(&mut self, state: &serde_json::Value) -> Result<(), SinkError> {
        let summary = serde_json::from_value(state["summary"].clone())
            .map_err(|e| self.error(format!("the checkpoint is not one of this sink: {e}")))?;
        self.open()?;
        self.summary = summary;
        self.refused_learners = state["refused_learners"].as_u64().unwrap_or(0);
        // The batches after the checkpoint may be partly written: merge, never create twice.
        self.fresh = false;
        Ok(())
    }

    fn finish(&mut self) -> Result<WriteSummary, SinkError> {
        self.drain()?;
        self.missing()?;
        let s = &self.stats;
        tracing::info!(
            transient_retries = s.transient.load(Ordering::Relaxed),
            unavailable_retries = s.unavailable.load(Ordering::Relaxed),
            splits = s.splits.load(Ordering::Relaxed),
            "BoltWritesFinished"
        );
        if let Some(n) = self.summary.nodes.get_mut(label::LEARNER.as_str()) {
            *n -= self.refused_learners;
        }
        self.graph = None;
        self.writers = None;
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_secs(5));
        }
        Ok(std::mem::take(&mut self.summary))
    }

    fn describe(&self) -> String {
        self.config.target.uri.clone()
    }

    fn take_rejected(&mut self) -> Vec<TargetRejected> {
        std::mem::take(&mut self.rejected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{BoltTarget, Password};
    use learngraph_model::{Date, Enrollment, Key, Learner};
    use std::collections::BTreeMap;

    fn sink(writers: usize, hub_rounds: bool) -> BoltSink {
        BoltSink::new(BoltConfig {
            target: BoltTarget::parse("bolt://127.0.0.1:7687").unwrap(),
            user: "neo4j".into(),
            password: Password::default(),
            database: None,
            writers,
            batch_rows: 7,
            hub_rounds,
            max_retries: 0,
            server_wait: Duration::ZERO,
            geo_relationships: true,
            incremental: true,
            delete_missing: false,
        })
    }

    fn learner(n: usize) -> Learner {
        let key = |s: String| Key::from(s.as_str());
        Learner {
            learner_id: format!("L{n}"),
            skills: (0..n % 4).map(|s| key(format!("skill{s}"))).collect(),
            enrollments: (0..n % 3)
                .map(|c| Enrollment {
                    cohort_id: key(format!("C{c}")),
                    status: None,
                    enrolled_at: Date::new(2024, 1, 1),
                    completed_at: None,
                    score: None,
                })
                .collect(),
            country_of_residence_code: (n % 2 == 0).then(|| key("EG".into())),
            ..Learner::default()
        }
    }

    /// What the phases send, by learner: (phase, writer, what) for each step row of it.
    fn by_learner(phases: Vec<Vec<Vec<Step>>>) -> BTreeMap<String, Vec<(usize, usize, String)>> {
        let mut seen: BTreeMap<String, Vec<(usize, usize, String)>> = BTreeMap::new();
        for (p, phase) in phases.into_iter().enumerate() {
            for (w, steps) in phase.into_iter().enumerate() {
                for step in steps {
                    let what = if step.relationships {
                        "rels".to_string()
                    } else if step.statement.first.contains("content_hash") {
                        "hash".to_string()
                    } else {
                        assert!(
                            step.statement.first.contains(":Learner"),
                            "{}",
                            step.statement.first
                        );
                        "learner".to_string()
                    };
                    for owner in step.rows.owners {
                        seen.entry(owner.learner_id)
                            .or_default()
                            .push((p, w, what.clone()));
                    }
                }
            }
        }
        seen
    }

    #[test]
    fn each_learner_is_written_by_one_writer_node_first_hash_last() {
        let batch = LearnerBatch {
            seq: 0,
            dimensions: Default::default(),
            learners: (0..60).map(learner).collect(),
            encoded: None,
        };
        // (writers, hub rounds) → phases.
        for (writers, hub_rounds, phases) in [(1, true, 1), (3, true, 3), (3, false, 1)] {
            let mut sink = sink(writers, hub_rounds);
            sink.stage(&batch);
            let staged = sink.phases();
            assert_eq!(
                staged.len(),
                phases,
                "{writers} writers, hub rounds {hub_rounds}"
            );
            assert!(staged.iter().all(|phase| phase.len() == writers));
            let seen = by_learner(staged);
            assert_eq!(seen.len(), 60);
            for (id, steps) in seen {
                let writer = steps[0].1;
                assert!(
                    steps.iter().all(|s| s.1 == writer),
                    "{id}: one writer, {steps:?}"
                );
                assert_eq!((steps[0].0, steps[0].2.as_str()), (0, "learner"), "{id}");
                let last = steps.last().unwrap();
                assert_eq!((last.0, last.2.as_str()), (phases - 1, "hash"), "{id}");
                let n: usize = id[1..].parse().unwrap();
                let rels = steps.iter().filter(|s| s.2 == "rels").count();
                // One row per kind and hub group: at least one per kind, at most one per hub.
                let kinds = [n % 4 > 0, n % 3 > 0, n % 2 == 0]
                    .iter()
                    .filter(|k| **k)
                    .count();
                let hubs = n % 4 + n % 3 + usize::from(n % 2 == 0);
                assert!(
                    (kinds..=hubs).contains(&rels),
                    "{id}: {rels} rows, {steps:?}"
                );
            }
            assert!(sink.at_boundary(), "the window was handed over whole");
        }
    }
}
