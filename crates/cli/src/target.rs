//! `--target` strings to sinks and query engines: the one place that knows the concrete targets, so
//! that the pipeline depends only on the `GraphSink` trait.

use std::path::PathBuf;

use learngraph_model::{GraphQuery, GraphSink, QueryError};
use learngraph_pipeline::settings::{BoltSettings, TargetConfig};
use learngraph_sink_bolt::config::{read_password_file, Password};
use learngraph_sink_bolt::{BoltConfig, BoltGraph, BoltSink, BoltTarget};
use learngraph_sink_import::{ImportDirConfig, ImportDirSink};
use learngraph_sink_lbug::{LbugConfig, LbugGraph, LbugSink};

/// A parsed target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// An embedded LadybugDB database in a folder.
    Embedded(PathBuf),
    /// A Bolt server.
    Bolt(BoltTarget),
    /// neo4j-admin import files in a folder.
    ImportDir(PathBuf),
}

/// Why a target string is not usable.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// A Bolt URI without a host.
    #[error("target `{0}`: expected bolt://HOST:PORT (or neo4j://, bolt+s://, neo4j+s://)")]
    BadBolt(String),
    /// The password file cannot be read.
    #[error("cannot read the password file {}: {source}", path.display())]
    PasswordFile {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Nothing learngraph knows.
    #[error("target `{0}`: unknown kind of target; expected embedded:DIR, bolt://HOST:PORT or import-dir:DIR")]
    Unknown(String),
    /// Import files are a whole graph, never a change to one.
    #[error("target `{0}` is a folder of import files, which always hold the whole export; --incremental and --delete-missing need a database target")]
    NotIncremental(String),
    /// The target cannot answer queries.
    #[error("target `{0}` is a folder of import files, which cannot answer queries; query the database they were imported into")]
    NotQueryable(String),
}

impl Target {
    /// Parses `embedded:DIR` (or `lbug:DIR`) and `import-dir:DIR`.
    pub fn parse(s: &str) -> Result<Target, TargetError> {
        let (scheme, rest) = s.split_once(':').unwrap_or((s, ""));
        match scheme {
            "embedded" | "lbug" if !rest.is_empty() => Ok(Target::Embedded(PathBuf::from(rest))),
            "import-dir" if !rest.is_empty() => Ok(Target::ImportDir(PathBuf::from(rest))),
            "bolt" | "neo4j" | "bolt+s" | "neo4j+s" => BoltTarget::parse(s)
                .map(Target::Bolt)
                .ok_or_else(|| TargetError::BadBolt(s.to_string())),
            _ => Err(TargetError::Unknown(s.to_string())),
        }
    }

    /// Builds the sink.
    pub fn sink(&self, config: &TargetConfig) -> Result<Box<dyn GraphSink>, TargetError> {
        Ok(match self {
            Target::Bolt(target) => Box::new(BoltSink::new(BoltConfig {
                incremental: config.incremental || config.delete_missing,
                delete_missing: config.delete_missing,
                ..bolt_config(target, &config.bolt, config.geo_relationships)?
            })),
            Target::Embedded(dir) => Box::new(LbugSink::new(LbugConfig {
                dir: dir.clone(),
                geo_relationships: config.geo_relationships,
                buffer_pool_mib: config.embedded.buffer_pool_mib,
                backward_edges: config.embedded.backward_edges,
                delete_missing: config.delete_missing,
            })),
            Target::ImportDir(_) if config.incremental || config.delete_missing => {
                return Err(TargetError::NotIncremental(config.uri.clone()))
            }
            Target::ImportDir(dir) => Box::new(ImportDirSink::new(ImportDirConfig {
                dir: dir.clone(),
                geo_relationships: config.geo_relationships,
            })),
        })
    }

    /// Opens the target for read queries.
    pub fn query_engine(
        &self,
        raw: &str,
        bolt: &BoltSettings,
    ) -> Result<Box<dyn GraphQuery>, QueryOpenError> {
        match self {
            Target::Bolt(target) => Ok(Box::new(BoltGraph::open(bolt_config(
                target, bolt, false,
            )?)?)),
            Target::Embedded(dir) => Ok(Box::new(LbugGraph::open(dir)?)),
            Target::ImportDir(_) => Err(TargetError::NotQueryable(raw.to_string()).into()),
        }
    }
}

/// The Bolt sink's configuration from the settings (where `NEO4J_USERNAME` and `NEO4J_DATABASE`
/// have been applied), with the password from `NEO4J_PASSWORD` or else the password file.
fn bolt_config(
    target: &BoltTarget,
    s: &BoltSettings,
    geo_relationships: bool,
) -> Result<BoltConfig, TargetError> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let password = match (env("NEO4J_PASSWORD"), &s.password_file) {
        (Some(p), _) => Password(p),
        (None, Some(path)) => {
            read_password_file(path).map_err(|source| TargetError::PasswordFile {
                path: path.clone(),
                source,
            })?
        }
        (None, None) => Password::default(),
    };
    Ok(BoltConfig {
        target: target.clone(),
        user: s.user.clone(),
        password,
        database: Some(s.database.clone()).filter(|d| !d.is_empty()),
        writers: s.writers.max(1),
        batch_rows: s.batch_rows.max(1),
        hub_rounds: s.hub_rounds,
        max_retries: s.max_retries,
        server_wait: std::time::Duration::from_secs(s.server_wait_s),
        geo_relationships,
        incremental: false,
        delete_missing: false,
    })
}

/// Why a target cannot be opened for queries.
#[derive(Debug, thiserror::Error)]
pub enum QueryOpenError {
    /// The target string does not allow queries.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// The target could not be opened.
    #[error(transparent)]
    Open(#[from] QueryError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_strings() {
        assert_eq!(
            Target::parse("import-dir:out").unwrap(),
            Target::ImportDir("out".into())
        );
        assert_eq!(
            Target::parse("embedded:g.lbdb").unwrap(),
            Target::Embedded("g.lbdb".into())
        );
        assert_eq!(
            Target::parse("lbug:/data/g").unwrap(),
            Target::Embedded("/data/g".into())
        );
        assert!(matches!(
            Target::parse("bolt://localhost:7687").unwrap(),
            Target::Bolt(_)
        ));
        assert!(matches!(
            Target::parse("neo4j://"),
            Err(TargetError::BadBolt(_))
        ));
        for unknown in ["import-dir:", "embedded:", "ftp://x", "learngraph.lbdb"] {
            assert!(
                matches!(Target::parse(unknown), Err(TargetError::Unknown(_))),
                "{unknown}"
            );
        }
    }
}
