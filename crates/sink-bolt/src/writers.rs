//! The parallel writers: one long-lived task per connection, fed phase after phase through a
//! queue of its own, so that a writer goes on to its next window as soon as it has finished its
//! last one, instead of waiting at every step for the slowest writer and for the sink to stage
//! the next window. (It runs at most one window ahead of the slowest: see below.)
//!
//! A window's work reaches the writers as phases ([`Writers::send`]): for writer `i`, the
//! statements of learner group `i` in one of the window's rounds (see [`crate::plan`]). A phase
//! needs no wait when nothing another writer may still be writing can share a node with it:
//! writer `i` alone writes learner group `i`, and without hub rounds every relationship of a
//! window is in its one round. With hub rounds, the writers meet on hub groups unless they are
//! in the same round, so the sink waits for every writer ([`Writers::sync`]) before each phase.
//!
//! The sink stages the next window while the writers write this one, and no further:
//! [`Writers::send`] returns only once each writer has taken its phase from its queue, so at most
//! two windows are held.

use std::sync::{Arc, Mutex, PoisonError};

use neo4rs::Graph;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::client::{run_isolating, Failure, Refusal, Retry, RetryStats, Statement};
use crate::plan::Rows;
use crate::statements::index_hubs;

/// One statement over rows that are sent in batches of at most `batch_rows`: a step of a writer's
/// phase, or of what the sink writes itself before it queues a window.
pub struct Step {
    /// The statement.
    pub statement: Statement,
    /// Its rows, not yet cut into batches.
    pub rows: Rows,
    /// A learner's relationships: each batch gets its `$hubs`, and must write every
    /// relationship of its rows ([`crate::client::run`]).
    pub relationships: bool,
}

impl Step {
    /// A statement over node (or dimension relationship) rows.
    pub fn rows(statement: Statement, rows: Rows) -> Step {
        Step {
            statement,
            rows,
            relationships: false,
        }
    }

    /// Runs the statement over the rows, `batch_rows` at a time; returns the rows the server
    /// refused.
    pub async fn run(
        self,
        graph: &Graph,
        batch_rows: usize,
        retry: Retry,
        stats: &RetryStats,
    ) -> Result<Vec<Refusal>, Failure> {
        let mut refused = Vec::new();
        for mut part in self.rows.into_chunks(batch_rows) {
            if self.relationships {
                part.hubs = Some(index_hubs(&mut part.rows));
            }
            refused.extend(run_isolating(graph, &self.statement, part, retry, stats).await?);
        }
        Ok(refused)
    }
}

enum Job {
    Phase(Vec<Step>),
    /// Answered once everything queued before it is written.
    Sync(oneshot::Sender<()>),
}

/// The writer tasks, and the rows the server refused them.
pub struct Writers {
    queues: Vec<mpsc::Sender<Job>>,
    tasks: Vec<Option<JoinHandle<Result<(), Failure>>>>,
    refused: Arc<Mutex<Vec<Refusal>>>,
}

impl Writers {
    /// Starts a writer on each of `graphs` (one connection each), on `runtime`.
    pub fn start(
        runtime: &tokio::runtime::Handle,
        graphs: Vec<Graph>,
        batch_rows: usize,
        retry: Retry,
        stats: &Arc<RetryStats>,
    ) -> Writers {
        let refused = Arc::new(Mutex::new(Vec::new()));
        let (queues, tasks) = graphs
            .into_iter()
            .map(|graph| {
                let (tx, rx) = mpsc::channel(1);
                let task = runtime.spawn(write(
                    graph,
                    rx,
                    batch_rows.max(1),
                    retry,
                    Arc::clone(stats),
                    Arc::clone(&refused),
                ));
                (tx, Some(task))
            })
            .unzip();
        Writers {
            queues,
            tasks,
            refused,
        }
    }

    /// Queues `phase[i]` for writer `i`, and returns once every writer has taken it from its
    /// queue, done with what it was writing before: the sink then stages the next window while
    /// the writers write this one, and no more than that is held.
    pub async fn send(&mut self, phase: Vec<Vec<Step>>) -> Result<(), Failure> {
        for (i, steps) in phase.into_iter().enumerate() {
            if !steps.is_empty() && self.queues[i].send(Job::Phase(steps)).await.is_err() {
                return Err(self.failure(i).await);
            }
        }
        for i in 0..self.queues.len() {
            // A free slot means the queue is empty; the permit is handed back unused.
            if self.queues[i].reserve().await.is_err() {
                return Err(self.failure(i).await);
            }
        }
        Ok(())
    }

    /// Waits until every writer has written everything queued so far.
    pub async fn sync(&mut self) -> Result<(), Failure> {
        let mut answers = Vec::with_capacity(self.queues.len());
        for i in 0..self.queues.len() {
            let (tx, rx) = oneshot::channel();
            if self.queues[i].send(Job::Sync(tx)).await.is_err() {
                return Err(self.failure(i).await);
            }
            answers.push(rx);
        }
        for (i, answer) in answers.into_iter().enumerate() {
            if answer.await.is_err() {
                return Err(self.failure(i).await);
            }
        }
        Ok(())
    }

    /// The rows refused since the last call.
    pub fn take_refused(&self) -> Vec<Refusal> {
        std::mem::take(&mut *self.refused.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Why writer `i` stopped: its queue closed because its task ended.
    async fn failure(&mut self, i: usize) -> Failure {
        match self.tasks[i].take() {
            Some(task) => match task.await {
                Ok(Err(failure)) => failure,
                Ok(Ok(())) => Failure::Fatal(format!("writer {i} stopped early")),
                Err(e) => Failure::Fatal(format!("writer {i} failed: {e}")),
            },
            None => Failure::Fatal(format!("writer {i} has already failed")),
        }
    }
}

/// A writer's loop: each phase's steps in order, each step's rows in batches.
async fn write(
    graph: Graph,
    mut queue: mpsc::Receiver<Job>,
    batch_rows: usize,
    retry: Retry,
    stats: Arc<RetryStats>,
    refused: Arc<Mutex<Vec<Refusal>>>,
) -> Result<(), Failure> {
    while let Some(job) = queue.recv().await {
        let steps = match job {
            Job::Phase(steps) => steps,
            Job::Sync(answer) => {
                // The sink may have stopped waiting (it failed elsewhere): nothing to tell.
                let _ = answer.send(());
                continue;
            }
        };
        for step in steps {
            let lost = step.run(&graph, batch_rows, retry, &stats).await?;
            if !lost.is_empty() {
                refused
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .extend(lost);
            }
        }
    }
    Ok(())
}
