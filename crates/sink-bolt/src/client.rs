//! One statement against the server, made robust: transient errors are retried with exponential
//! backoff and jitter, a server that went away is waited for (bounded), and rows the server
//! refuses are isolated by splitting the batch until each refused row stands alone.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use neo4rs::{query, BoltList, BoltType, Graph};

use crate::plan::{Owner, Rows};
use crate::statements::relationships_in;

/// How a failed statement is handled.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    /// Worth another try as it is: deadlock, leader switch, concurrent update.
    Transient(String),
    /// The server cannot be reached; wait for it.
    Unavailable(String),
    /// The statement is refused for its data (constraint, bad value): split to find the rows.
    Refused(String),
    /// Nothing will make it work: credentials, missing database, syntax.
    Fatal(String),
}

/// Sorts a client error into a [`Failure`].
pub fn classify(e: &neo4rs::Error) -> Failure {
    use neo4rs::Error as E;
    match e {
        E::Neo4j(n) => {
            let code = n.code();
            let text = format!("{code}: {}", n.message());
            if code.contains("TransientError")
                || code.contains("DeadlockDetected")
                || n.message().contains("ConcurrentModification")
            {
                Failure::Transient(text)
            } else if code.contains("Security")
                || code.contains("DatabaseNotFound")
                || code.contains("Statement.SyntaxError")
                || code.contains("Statement.ParameterMissing")
            {
                Failure::Fatal(text)
            } else {
                Failure::Refused(text)
            }
        }
        E::AuthenticationError(m) => Failure::Fatal(format!("authentication failed: {m}")),
        E::IOError { .. } | E::ConnectionError => Failure::Unavailable(e.to_string()),
        // A failure reported at COMMIT arrives as an unexpected message with the code inside.
        E::UnexpectedMessage(m) => {
            let code = bolt_field(m, "code").unwrap_or_default();
            let text = match bolt_field(m, "message") {
                Some(message) => format!("{code}: {message}"),
                None => m.clone(),
            };
            if code.contains("TransientError") || code.contains("DeadlockDetected") {
                Failure::Transient(text)
            } else if code.contains("ClientError") && !code.contains("Security") {
                Failure::Refused(text)
            } else {
                Failure::Fatal(text)
            }
        }
        other => {
            let text = other.to_string();
            // The pool reports a lost or refused connection in its own words.
            if text.contains("onnection") || text.contains("pool") || text.contains("timed out") {
                Failure::Unavailable(text)
            } else {
                Failure::Fatal(text)
            }
        }
    }
}

/// The value of `field` in neo4rs's debug rendering of a FAILURE message's metadata.
fn bolt_field(text: &str, field: &str) -> Option<String> {
    let key = format!("value: \"{field}\" }}: String(BoltString {{ value: \"");
    let start = text.find(&key)? + key.len();
    let end = text[start..].find("\" })")? + start;
    Some(text[start..end].replace("\\\"", "\""))
}

/// Retry policy.
#[derive(Clone, Copy, Debug)]
pub struct Retry {
    /// Attempts after a transient error.
    pub max_retries: u32,
    /// How long an unreachable server is waited for.
    pub server_wait: Duration,
}

/// A row the server refused, with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Whose row it was.
    pub owner: Owner,
    /// The server's message.
    pub message: String,
}

/// Counters of what the retries did, for the report.
#[derive(Debug, Default)]
pub struct RetryStats {
    /// Transient errors retried.
    pub transient: AtomicU64,
    /// Retries while the server was unreachable.
    pub unavailable: AtomicU64,
    /// Statements split to isolate refused rows.
    pub splits: AtomicU64,
}

static JITTER: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);

/// A pseudo-random fraction in [0.5, 1.5) (xorshift; quality does not matter, spread does).
fn jitter() -> f64 {
    let mut x = JITTER.load(Ordering::Relaxed);
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    JITTER.store(x, Ordering::Relaxed);
    0.5 + (x >> 11) as f64 / (1u64 << 53) as f64
}

/// One statement in its own explicit transaction. (`Graph::run` would retry on its own, for up to
/// a minute and on any connection error, a wrong password included; the retries here are ours.)
pub async fn run_once(graph: &Graph, q: neo4rs::Query) -> Result<(), neo4rs::Error> {
    let mut txn = graph.start_txn().await?;
    txn.run(q).await?;
    txn.commit().await
}

/// A statement, and the one to use instead once an attempt may have committed unseen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The statement to run.
    pub first: String,
    /// The idempotent form, for the attempts after a connection was lost mid-statement: the lost
    /// attempt may have committed, and only a `MERGE` can be replayed over it.
    pub replay: String,
}

impl Statement {
    /// A statement that is idempotent as it is.
    pub fn idempotent(text: String) -> Statement {
        Statement {
            first: text.clone(),
            replay: text,
        }
    }

    /// `create` into a database that held no learner when the run began (`fresh`): each learner
    /// is then new and written once, the first pass having merged its duplicates. `merge`
    /// otherwise, and for the replays after a lost connection.
    pub fn create_when_fresh(fresh: bool, create: String, merge: String) -> Statement {
        if fresh {
            Statement {
                first: create,
                replay: merge,
            }
        } else {
            Statement::idempotent(merge)
        }
    }
}

/// Whether a read statement returns at least one row.
pub async fn any_row(graph: &Graph, statement: &str) -> Result<bool, neo4rs::Error> {
    let mut txn = graph.start_txn().await?;
    let mut stream = txn.execute(query(statement)).await?;
    let found = stream.next(txn.handle()).await?.is_some();
    // Drain the stream before committing, as the protocol wants.
    while stream.next(txn.handle()).await?.is_some() {}
    txn.commit().await?;
    Ok(found)
}

/// Streams the rows of a read `statement` through `f`, in one transaction.
pub async fn for_each_row(
    graph: &Graph,
    statement: &str,
    mut f: impl FnMut(&neo4rs::Row),
) -> Result<(), neo4rs::Error> {
    let mut txn = graph.start_txn().await?;
    let mut stream = txn.execute(query(statement)).await?;
    while let Some(row) = stream.next(txn.handle()).await? {
        f(&row);
    }
    txn.commit().await?;
    Ok(())
}

/// A learner relationship statement (see [`crate::statements::merge_learner_rels`]) in its own
/// explicit transaction, committed only if it wrote `expected` relationships. Fewer means a
/// learner or hub node was missing: the transaction is rolled back and the rows refused, so that
/// [`run_isolating`] finds the ones at fault.
async fn run_counted(graph: &Graph, q: neo4rs::Query, expected: i64) -> Result<(), Failure> {
    let io = |e: neo4rs::Error| classify(&e);
    let mut txn = graph.start_txn().await.map_err(io)?;
    let mut stream = txn.execute(q).await.map_err(io)?;
    let mut written = 0;
    while let Some(row) = stream.next(txn.handle()).await.map_err(io)? {
        written += row.get::<i64>("written").unwrap_or(0);
    }
    if written != expected {
        txn.rollback().await.map_err(io)?;
        return Err(Failure::Refused(format!(
            "{MISSING_END}: {written} of {expected} relationships found both their ends"
        )));
    }
    txn.commit().await.map_err(io)
}

/// The refusal of a learner's relationships whose learner or hub node is not in the database.
const MISSING_END: &str = "a learner or hub node is missing";

/// Runs `statement` with `$rows` bound to `rows`, retrying as the policy says. With `hubs`, the
/// statement writes a learner's relationships ([`crate::statements::merge_learner_rels`]) with
/// `$hubs` bound to it, and must write every relationship of `rows`: if it writes fewer (a
/// learner or hub node missing), it is rolled back and refused.
pub async fn run(
    graph: &Graph,
    statement: &Statement,
    rows: &[BoltType],
    hubs: Option<&BoltType>,
    retry: Retry,
    stats: &RetryStats,
) -> Result<(), Failure> {
    let mut attempt = 0u32;
    let mut unavailable_since: Option<Instant> = None;
    let mut text = statement.first.as_str();
    // A relationship statement's hubs, and what it must write: the same for every attempt.
    let counted = hubs.map(|hubs| (hubs, relationships_in(rows)));
    loop {
        let q = query(text).param("rows", BoltType::List(BoltList::from(rows.to_vec())));
        let started = Instant::now();
        let outcome = match counted {
            None => run_once(graph, q).await.map_err(|e| classify(&e)),
            Some((hubs, expected)) => {
                run_counted(graph, q.param("hubs", hubs.clone()), expected).await
            }
        };
        let failure = match outcome {
            Ok(()) => {
                tracing::debug!(
                    statement = text,
                    rows = rows.len(),
                    seconds = started.elapsed().as_secs_f64(),
                    "StatementCommitted"
                );
                return Ok(());
            }
            Err(failure) => failure,
        };
        let delay = match &failure {
            Failure::Transient(message) => {
                attempt += 1;
                if attempt > retry.max_retries {
                    return Err(Failure::Fatal(format!(
                        "still failing after {} retries: {message}",
                        retry.max_retries
                    )));
                }
                stats.transient.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(attempt, message = %message, "RetryScheduled");
                Duration::from_millis(50 << attempt.min(8))
            }
            Failure::Unavailable(message) => {
                // A transient error or a refusal rolled the transaction back; a lost
                // connection leaves it unknown, so what follows must be safe to replay.
                text = statement.replay.as_str();
                let since = *unavailable_since.get_or_insert_with(Instant::now);
                if since.elapsed() > retry.server_wait {
                    return Err(Failure::Unavailable(format!(
                        "the server has been unreachable for {} s: {message}",
                        retry.server_wait.as_secs()
                    )));
                }
                stats.unavailable.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(message = %message, "ServerUnavailable");
                Duration::from_millis(500)
            }
            Failure::Refused(_) | Failure::Fatal(_) => return Err(failure),
        };
        tokio::time::sleep(delay.mul_f64(jitter())).await;
    }
}

/// Runs `statement` over `rows`; when the server refuses the batch for its data, halves it until
/// the refused rows stand alone, and returns them with the server's message. The other rows load.
pub async fn run_isolating(
    graph: &Graph,
    statement: &Statement,
    rows: Rows,
    retry: Retry,
    stats: &RetryStats,
) -> Result<Vec<Refusal>, Failure> {
    let mut refused = Vec::new();
    let mut stack = vec![rows];
    while let Some(part) = stack.pop() {
        match run(
            graph,
            statement,
            &part.rows,
            part.hubs.as_ref(),
            retry,
            stats,
        )
        .await
        {
            Ok(()) => {}
            Err(Failure::Refused(message)) => {
                if part.len() == 1 {
                    refused.extend(part.owners.into_iter().map(|owner| Refusal {
                        owner,
                        message: message.clone(),
                    }));
                    continue;
                }
                stats.splits.fetch_add(1, Ordering::Relaxed);
                let Rows {
                    mut rows,
                    mut owners,
                    hubs,
                } = part;
                let half = rows.len() / 2;
                // Both halves keep the whole `$hubs`: their rows name hubs by position in it.
                stack.push(Rows {
                    rows: rows.split_off(half),
                    owners: owners.split_off(half),
                    hubs: hubs.clone(),
                });
                stack.push(Rows { rows, owners, hubs });
            }
            Err(other) => return Err(other),
        }
    }
    Ok(refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_at_commit_are_classified_by_their_code() {
        let at_commit = |code: &str, message: &str| {
            neo4rs::Error::UnexpectedMessage(format!(
                "unexpected response for COMMIT: Failure(Failure {{ metadata: BoltMap {{ value: {{BoltString {{ value: \"code\" }}: String(BoltString {{ value: \"{code}\" }}), BoltString {{ value: \"message\" }}: String(BoltString {{ value: \"{message}\" }})}} }} }})"
            ))
        };
        assert_eq!(
            classify(&at_commit(
                "Neo.TransientError.Transaction.DeadlockDetected",
                "page busy"
            )),
            Failure::Transient("Neo.TransientError.Transaction.DeadlockDetected: page busy".into())
        );
        assert_eq!(
            classify(&at_commit(
                "Neo.ClientError.Schema.ConstraintValidationFailed",
                "dup"
            )),
            Failure::Refused("Neo.ClientError.Schema.ConstraintValidationFailed: dup".into())
        );
        assert!(matches!(
            classify(&at_commit("Neo.ClientError.Security.Unauthorized", "no")),
            Failure::Fatal(_)
        ));
    }

    #[test]
    fn jitter_spreads_within_bounds() {
        let xs: Vec<f64> = (0..1000).map(|_| jitter()).collect();
        assert!(xs.iter().all(|x| (0.5..1.5).contains(x)));
        let low = xs.iter().filter(|x| **x < 1.0).count();
        assert!((300..700).contains(&low), "{low}");
    }
}
