//! `--target` strings to sinks: the one place that knows the concrete targets, so that the
//! pipeline depends only on the `GraphSink` trait.

use std::path::PathBuf;

use learngraph_model::GraphSink;
use learngraph_sink_import::{ImportDirConfig, ImportDirSink};

/// A parsed target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// neo4j-admin import files in a folder.
    ImportDir(PathBuf),
}

/// Why a target string is not usable.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// A scheme learngraph knows but does not support yet.
    #[error(
        "target `{0}`: this kind of target is not available in this version; use import-dir:DIR"
    )]
    NotYet(String),
    /// Nothing learngraph knows.
    #[error("target `{0}`: unknown kind of target; expected import-dir:DIR")]
    Unknown(String),
}

impl Target {
    /// Parses `import-dir:DIR`.
    pub fn parse(s: &str) -> Result<Target, TargetError> {
        if let Some(dir) = s.strip_prefix("import-dir:") {
            if !dir.is_empty() {
                return Ok(Target::ImportDir(PathBuf::from(dir)));
            }
        }
        let scheme = s.split(':').next().unwrap_or_default();
        if ["bolt", "neo4j", "bolt+s", "neo4j+s", "embedded", "lbug"].contains(&scheme) {
            return Err(TargetError::NotYet(s.to_string()));
        }
        Err(TargetError::Unknown(s.to_string()))
    }

    /// Builds the sink.
    pub fn sink(&self, geo_relationships: bool) -> Box<dyn GraphSink> {
        match self {
            Target::ImportDir(dir) => Box::new(ImportDirSink::new(ImportDirConfig {
                dir: dir.clone(),
                geo_relationships,
            })),
        }
    }
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
        assert!(matches!(
            Target::parse("bolt://localhost:7687"),
            Err(TargetError::NotYet(_))
        ));
        assert!(matches!(
            Target::parse("import-dir:"),
            Err(TargetError::Unknown(_))
        ));
        assert!(matches!(
            Target::parse("ftp://x"),
            Err(TargetError::Unknown(_))
        ));
    }
}
