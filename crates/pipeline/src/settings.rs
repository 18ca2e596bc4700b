//! Every knob of a run in one serde tree, built from four layers, each overriding the one before:
//! defaults, the settings file (TOML), `LEARNGRAPH_SECTION__KEY` environment variables, and flags
//! (`--set section.key=value`, plus the dedicated flags of the CLI).
//!
//! Unknown settings are errors that name the nearest valid one, at every layer.

use std::path::{Path, PathBuf};

use learngraph_source::layout::closest_match;
use learngraph_source::SourceConfig;
use learngraph_transform::TransformConfig;
use serde::{Deserialize, Serialize};

/// The settings of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Reading: column mapping, sentinels, delimiter, batch size.
    pub source: SourceConfig,
    /// Normalisation: privacy.
    pub transform: TransformConfig,
    /// Parallelism and queues.
    pub pipeline: PipelineConfig,
    /// Where the graph goes.
    pub target: TargetConfig,
    /// Where the report and the quarantine go.
    pub output: OutputConfig,
}

/// Parallelism settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineConfig {
    /// Transform worker threads; 0 means one per core.
    pub workers: usize,
    /// Batches in flight between reading and writing, per worker.
    pub batches_in_flight_per_worker: usize,
    /// Seconds between checkpoints: at most this much work is redone after a crash. A sink in
    /// the middle of a unit (a Bolt window) is checkpointed at its next boundary, or after three
    /// intervals at the latest; 0 checkpoints after every batch.
    pub checkpoint_interval_s: f64,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            workers: 0,
            batches_in_flight_per_worker: 4,
            checkpoint_interval_s: 10.0,
        }
    }
}

/// Target settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TargetConfig {
    /// `embedded:DIR` (LadybugDB), `bolt://HOST:PORT` (and `neo4j://`, `bolt+s://`, `neo4j+s://`),
    /// or `import-dir:DIR` (neo4j-admin import files).
    pub uri: String,
    /// Also write `LIVES_IN`, `RESIDES_IN` and `FROM_COUNTRY` (off in the hybrid model).
    pub geo_relationships: bool,
    /// Write only what changed since the target was last loaded: learners whose `content_hash`
    /// is stored already are skipped. Always so on the embedded database; on Bolt it costs a read
    /// of every stored key first; import files are always a full load.
    pub incremental: bool,
    /// Delete the stored learners the export does not hold (they are reported either way).
    pub delete_missing: bool,
    /// The embedded database.
    pub embedded: EmbeddedConfig,
    /// A Bolt server.
    pub bolt: BoltSettings,
}

impl Default for TargetConfig {
    fn default() -> Self {
        TargetConfig {
            uri: "embedded:learngraph.lbdb".into(),
            geo_relationships: false,
            incremental: false,
            delete_missing: false,
            embedded: EmbeddedConfig::default(),
            bolt: BoltSettings::default(),
        }
    }
}

/// Settings of a Bolt target. The password is never a setting: it comes from `NEO4J_PASSWORD` or
/// from `password_file`, so that it cannot end up in a settings file, `config print` or a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BoltSettings {
    /// User name; `NEO4J_USERNAME` overrides it.
    pub user: String,
    /// A file whose first line is the password, when `NEO4J_PASSWORD` is not set.
    pub password_file: Option<PathBuf>,
    /// Database name; `NEO4J_DATABASE` and `--database` override it. Empty: the server's default.
    pub database: String,
    /// Parallel writers.
    pub writers: usize,
    /// Learners per statement.
    pub batch_rows: usize,
    /// Write the learners' relationships in rounds that keep parallel writers off each other's
    /// hubs, as a server that locks (Neo4j) or rewrites (ArcadeDB's bidirectional edges) both
    /// ends of a new relationship needs. Off, each writer writes its learners' relationships in
    /// one round: for ArcadeDB with `scripts/arcadedb.sh layout`, whose learners' relationship
    /// types leave the hubs alone.
    pub hub_rounds: bool,
    /// Retries of a statement after a transient error (deadlock, leader switch).
    pub max_retries: u32,
    /// Seconds to wait for a server that went away before failing the run.
    pub server_wait_s: u64,
}

impl Default for BoltSettings {
    fn default() -> Self {
        BoltSettings {
            user: "neo4j".into(),
            password_file: None,
            database: String::new(),
            writers: 4,
            batch_rows: 5000,
            hub_rounds: true,
            max_retries: 8,
            server_wait_s: 120,
        }
    }
}

/// Settings of the embedded database.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmbeddedConfig {
    /// Memory LadybugDB may use for its page cache, in MiB.
    pub buffer_pool_mib: u64,
    /// Also store the learners' relationships backward (from the skill, cohort, city or
    /// country to the learner). Off, they are stored from the learner only: the load copies
    /// them in a half to two thirds of the time, directed patterns in either writing
    /// (`(l)-[:HAS_SKILL]->(s)`, `(s)<-[:HAS_SKILL]-(l)`) work, and an undirected one is
    /// refused. On: undirected patterns too, and a load about 2.5 s slower per 1.7M rows
    /// (BENCHMARKS.md). Decided when the database is created.
    pub backward_edges: bool,
}

impl Default for EmbeddedConfig {
    fn default() -> Self {
        EmbeddedConfig {
            buffer_pool_mib: 2048,
            backward_edges: false,
        }
    }
}

/// Output settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    /// Folder for `report.json` and `quarantine.jsonl`.
    pub dir: PathBuf,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            dir: PathBuf::from("learngraph-out"),
        }
    }
}

/// Why the settings cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The settings file cannot be read.
    #[error("cannot read the settings file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The settings file is not valid TOML.
    #[error("{}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A setting is unknown or has the wrong type.
    #[error("{origin}: {message}")]
    Invalid {
        /// Which layer: the file, an environment variable, or a flag.
        origin: String,
        /// What is wrong, with the nearest valid setting for an unknown one.
        message: String,
    },
    /// A `--set` override is not `key=value`.
    #[error("--set {0:?}: expected section.key=value")]
    BadOverride(String),
}

/// Environment variables that configure learngraph but are not settings (secrets, file names).
const NOT_SETTINGS: &[&str] = &["LEARNGRAPH_CONFIG", "LEARNGRAPH_SALT", "LEARNGRAPH_LOG"];

impl Settings {
    /// Builds the settings from the file (if any), the environment and the flag overrides
    /// (`section.key=value`, TOML values; bare words are strings).
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        overrides: &[String],
    ) -> Result<Settings, SettingsError> {
        let mut table = toml::Table::new();
        let mut origin = String::from("defaults");
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            table = text
                .parse()
                .map_err(|e: toml::de::Error| SettingsError::Syntax {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                })?;
            origin = format!("settings file {}", path.display());
            check(&table, &origin)?;
        }
        let mut env: Vec<(String, String)> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with("LEARNGRAPH_") && k.contains("__"))
            .filter(|(k, _)| !NOT_SETTINGS.contains(&k.as_str()))
            .collect();
        env.sort();
        for (key, value) in env {
            let path: Vec<String> = key["LEARNGRAPH_".len()..]
                .split("__")
                .map(str::to_lowercase)
                .collect();
            set_path(&mut table, &path, &value);
            check(&table, &format!("environment variable {key}"))?;
        }
        for o in overrides {
            let (key, value) = o
                .split_once('=')
                .ok_or_else(|| SettingsError::BadOverride(o.clone()))?;
            let path: Vec<String> = key.trim().split('.').map(str::to_string).collect();
            set_path(&mut table, &path, value.trim());
            check(&table, &format!("--set {key}"))?;
        }
        Settings::deserialize(toml::Value::Table(table)).map_err(|e| SettingsError::Invalid {
            origin,
            message: explain(&e.to_string()),
        })
    }

    /// The effective settings as TOML, as `config print` shows them.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot print settings: {e}\n"))
    }

    /// Number of transform workers, `workers = 0` resolved to the core count.
    pub fn workers(&self) -> usize {
        match self.pipeline.workers {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        }
    }
}

fn check(table: &toml::Table, origin: &str) -> Result<(), SettingsError> {
    Settings::deserialize(toml::Value::Table(table.clone()))
        .map(drop)
        .map_err(|e| SettingsError::Invalid {
            origin: origin.to_string(),
            message: explain(&e.to_string()),
        })
}

/// Inserts `value` at a dotted path. The value is read as TOML (`4`, `true`, `["a","b"]`) when it
/// parses as such, else taken as a string.
fn set_path(table: &mut toml::Table, path: &[String], value: &str) {
    let parsed = format!("v = {value}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.to_string()));
    let mut t = table;
    for (i, key) in path.iter().enumerate() {
        if i + 1 == path.len() {
            t.insert(key.clone(), parsed);
            return;
        }
        let entry = t
            .entry(key.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        let Some(next) = entry.as_table_mut() else {
            return;
        };
        t = next;
    }
}

/// Adds "did you mean" to serde's unknown-field message.
fn explain(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message).trim().to_string();
    let Some(rest) = message.split("unknown field `").nth(1) else {
        return message.trim().to_string();
    };
    let unknown = rest.split('`').next().unwrap_or_default();
    let expected: Vec<&str> = rest
        .split("expected ")
        .nth(1)
        .unwrap_or_default()
        .split('`')
        .skip(1)
        .step_by(2)
        .collect();
    match closest_match(unknown, expected.iter().copied()) {
        Some(near) => format!("{first} (did you mean `{near}`?)"),
        None => message.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn layers_override_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.toml");
        std::fs::write(
            &file,
            "[pipeline]\nworkers = 3\n[source]\nbatch_rows = 100\n",
        )
        .unwrap();
        let s = Settings::load(
            Some(&file),
            env(&[
                ("LEARNGRAPH_PIPELINE__WORKERS", "5"),
                ("LEARNGRAPH_SALT", "secret"),
                ("HOME", "/x"),
            ]),
            &[
                "source.batch_rows=7".into(),
                "source.columns.learner_id=id".into(),
            ],
        )
        .unwrap();
        assert_eq!(s.pipeline.workers, 5, "environment beats file");
        assert_eq!(s.source.batch_rows, 7, "flag beats file");
        assert_eq!(
            s.source.columns.column(learngraph_source::Field::LearnerId),
            Some("id")
        );
        assert_eq!(s.target, TargetConfig::default());
    }

    #[test]
    fn lists_and_strings_from_the_environment() {
        let s = Settings::load(
            None,
            env(&[
                ("LEARNGRAPH_SOURCE__SENTINELS", r#"["-1", "missing"]"#),
                ("LEARNGRAPH_TARGET__URI", "import-dir:/tmp/x"),
            ]),
            &[],
        )
        .unwrap();
        assert_eq!(s.source.sentinels, vec!["-1", "missing"]);
        assert_eq!(s.target.uri, "import-dir:/tmp/x");
    }

    #[test]
    fn unknown_settings_name_the_nearest_valid_one() {
        let err = Settings::load(None, env(&[]), &["pipeline.wrokers=2".into()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("--set pipeline.wrokers"), "{err}");
        assert!(err.contains("did you mean `workers`"), "{err}");
        let err = Settings::load(None, env(&[("LEARNGRAPH_SORCE__X", "1")]), &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("LEARNGRAPH_SORCE__X") && err.contains("`source`"),
            "{err}"
        );
    }

    #[test]
    fn printed_settings_load_back_identically() {
        let s = Settings::load(None, env(&[]), &["pipeline.workers=2".into()]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.toml");
        std::fs::write(&file, s.to_toml()).unwrap();
        assert_eq!(Settings::load(Some(&file), env(&[]), &[]).unwrap(), s);
    }
}
