//! Connection and writer settings of the Bolt target.

use std::path::Path;
use std::time::Duration;

/// Where the server is: the URI as the user gave it, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoltTarget {
    /// `bolt://`, `neo4j://`, `bolt+s://` or `neo4j+s://` with host and port.
    pub uri: String,
}

impl BoltTarget {
    /// Accepts the four Bolt schemes with a host.
    pub fn parse(uri: &str) -> Option<BoltTarget> {
        let (scheme, rest) = uri.split_once("://")?;
        let host = rest.split(['/', '?']).next().unwrap_or_default();
        (["bolt", "neo4j", "bolt+s", "neo4j+s"].contains(&scheme) && !host.is_empty()).then(|| {
            BoltTarget {
                uri: uri.to_string(),
            }
        })
    }
}

/// The password, kept out of `Debug` output so that it cannot reach a log or a report.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Password(pub String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Everything the Bolt sink needs.
#[derive(Clone, Debug)]
pub struct BoltConfig {
    /// The server.
    pub target: BoltTarget,
    /// User name.
    pub user: String,
    /// Password.
    pub password: Password,
    /// Database name; `None` for the server's default.
    pub database: Option<String>,
    /// Parallel writers (connections).
    pub writers: usize,
    /// Learners per statement; relationship statements carry about as many rows.
    pub batch_rows: usize,
    /// Write the learners' relationships in rounds that keep writers off each other's hubs
    /// (see [`crate::plan`]); off where writing a relationship leaves its hub alone.
    pub hub_rounds: bool,
    /// Attempts of one statement after a transient error (deadlock, leader switch).
    pub max_retries: u32,
    /// How long to wait for a server that went away before failing the run.
    pub server_wait: Duration,
    /// Also write `LIVES_IN`, `RESIDES_IN` and `FROM_COUNTRY`.
    pub geo_relationships: bool,
    /// Skip learners stored with the same `content_hash`; replace the relationships of changed
    /// ones.
    pub incremental: bool,
    /// Delete stored learners the export does not hold.
    pub delete_missing: bool,
}

/// Reads a password from a file: the first line, without its line break.
pub fn read_password_file(path: &Path) -> std::io::Result<Password> {
    let text = std::fs::read_to_string(path)?;
    Ok(Password(
        text.lines().next().unwrap_or_default().to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bolt_uris() {
        for good in [
            "bolt://localhost:7687",
            "neo4j://db.example:7687",
            "bolt+s://h:1",
            "neo4j+s://h",
        ] {
            assert!(BoltTarget::parse(good).is_some(), "{good}");
        }
        for bad in ["bolt://", "http://h:7474", "bolt:h", "embedded:x"] {
            assert!(BoltTarget::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn the_password_never_prints() {
        let p = Password("s3cret".into());
        assert!(!format!("{p:?}").contains("s3cret"));
    }
}
