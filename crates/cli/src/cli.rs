//! The command line, as clap derive types. Help texts carry an example for every subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// The version with the git revision it was built from (see `build.rs`).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("LEARNGRAPH_GIT_REVISION"),
    ")"
);

/// Turn a messy learner export (CSV) into a clean property graph, with every row accounted for.
#[derive(Debug, Parser)]
#[command(name = "learngraph", version = VERSION, propagate_version = true)]
pub struct Cli {
    /// Print only warnings and errors; no progress bars.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// More log output (-v info, -vv debug, -vvv trace). LEARNGRAPH_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Log line format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a synthetic learner export, messiness included, and a manifest of what it holds.
    #[command(
        after_help = "Example:\n  learngraph generate --rows 1700000 --out learners.csv --seed 42"
    )]
    Generate(GenerateArgs),
    /// Load an export into a target.
    #[command(after_help = "Examples:\n  \
        learngraph load learners.csv                       (embedded database ./learngraph.lbdb)\n  \
        learngraph load learners.csv --target import-dir:graph-import\n  \
        learngraph load part1.csv part2.csv --config learngraph.toml --set pipeline.workers=4\n  \
        learngraph load learners.csv --resume              (continue a run that was stopped)\n  \
        learngraph load newer.csv --target bolt://db:7687 --incremental --delete-missing\n\n\
        Exit codes: 0 clean, 3 finished with quarantined rows, 2 usage or settings error, 1 failed, \
        130 stopped by Ctrl-C after a checkpoint.")]
    Load(LoadArgs),
    /// Watch a folder and load each new export that lands in it, incrementally, in the order they
    /// arrive; a bad file is reported and skipped. State and one report per file are kept in
    /// REPORT_DIR/watch.
    #[command(after_help = "Examples:\n  \
        learngraph watch incoming/                         (into ./learngraph.lbdb)\n  \
        learngraph watch incoming/ --target bolt://db:7687 --delete-missing\n  \
        learngraph watch incoming/ --once                  (apply what is there, then exit)\n\n\
        A file is taken once its size and modification time have not changed for one interval.\n\
        Exit codes (--once): 0 all applied, 3 a file was skipped or quarantined rows, 1 failed.")]
    Watch(WatchArgs),
    /// Pre-flight check of an export: rows, duplicates, rows to be quarantined, and geography
    /// coverage with every unresolved value, without writing anything.
    #[command(after_help = "Examples:\n  learngraph validate learners.csv\n  \
        learngraph validate learners.csv --json --set transform.geo.strict=true\n\n\
        Exit codes: 0 a load would pass the geography checks, 3 it would stop (strict mode or \
        coverage), 1 the export cannot be read.")]
    Validate(ValidateArgs),
    /// Ask a loaded graph a question: Cypher, or a built-in question (--preset), on the embedded
    /// database or a Bolt server. Results print as a table, JSON or CSV.
    #[command(after_help = "Examples:\n  \
        learngraph query 'MATCH (l:Learner) RETURN count(*) AS learners'\n  \
        learngraph query --preset learners-by-region\n  \
        learngraph query --preset learners-near-city --param city=Nairobi --param km=100\n  \
        learngraph query --preset learner --param id=L0000042 --format json\n  \
        learngraph query --preset list")]
    Query(QueryArgs),
    /// Resolve country and city names the way a load does.
    Geo {
        /// What to do.
        #[command(subcommand)]
        command: GeoCommand,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Examples:\n  learngraph completions bash > /etc/bash_completion.d/learngraph\n  \
        learngraph completions zsh > ~/.zfunc/_learngraph"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Inspect the settings.
    Config {
        /// What to do with them.
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

/// `geo` subcommands.
#[derive(Debug, Subcommand)]
pub enum GeoCommand {
    /// Resolve names: one result per line (input, code, canonical name, method, confidence or the
    /// reason it failed). Country names come from --country or, one per line, from stdin.
    #[command(after_help = "Examples:\n  \
        learngraph geo resolve --country Misr --country 'CÃ´te d'\\''Ivoire'\n  \
        learngraph geo resolve --city El-Giza --in EG --json\n  \
        cut -d, -f6 learners.csv | sort -u | learngraph geo resolve")]
    Resolve(ResolveArgs),
}

/// Arguments of `geo resolve`.
#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// A country name to resolve (repeatable); without it and without --city, stdin is read.
    #[arg(long)]
    pub country: Vec<String>,
    /// A city name to resolve (repeatable), within the country given by --in.
    #[arg(long, requires = "within")]
    pub city: Vec<String>,
    /// The country of --city: an ISO code or any name the resolver knows.
    #[arg(long = "in", id = "within", value_name = "COUNTRY")]
    pub within: Option<String>,
    /// One JSON object per line instead of TSV.
    #[arg(long)]
    pub json: bool,
}

/// `config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective settings (defaults, file, LEARNGRAPH_* variables and flags) as TOML.
    #[command(
        after_help = "Example:\n  LEARNGRAPH_PIPELINE__WORKERS=4 learngraph config print --config learngraph.toml"
    )]
    Print(SettingsArgs),
}

/// Arguments of `generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of data rows.
    #[arg(long)]
    pub rows: u64,
    /// Output file; the manifest is written beside it as FILE.manifest.json.
    #[arg(long)]
    pub out: PathBuf,
    /// Seed: the same seed writes the same bytes.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// Arguments of `load`.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Export file(s), read in order as one export (they must share one header).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Continue the run that stopped (crash, kill, Ctrl-C) from its last checkpoint, in the
    /// report folder's checkpoint.journal; the input and settings must be the same.
    #[arg(long)]
    pub resume: bool,
    /// Write only learners that are new or changed since the target was last loaded (always so
    /// on the embedded database); the report lists added, updated, unchanged and missing.
    #[arg(long)]
    pub incremental: bool,
    /// Delete the stored learners this export does not hold (implies --incremental).
    #[arg(long)]
    pub delete_missing: bool,
    /// Settings.
    #[command(flatten)]
    pub settings: SettingsArgs,
}

/// Arguments of `watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The folder new exports land in (`*.csv`; hidden files and others are ignored).
    pub dir: PathBuf,
    /// Seconds between looks at the folder.
    #[arg(long, default_value_t = 5.0)]
    pub interval: f64,
    /// Apply the exports waiting in the folder, then exit.
    #[arg(long)]
    pub once: bool,
    /// Delete the stored learners each export does not hold.
    #[arg(long)]
    pub delete_missing: bool,
    /// Settings.
    #[command(flatten)]
    pub settings: SettingsArgs,
}

/// Arguments of `query`.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// A read-only Cypher statement; parameters as $name, given with --param.
    #[arg(required_unless_present = "preset", conflicts_with = "preset")]
    pub cypher: Option<String>,
    /// A built-in question by name; `list` shows them all.
    #[arg(long)]
    pub preset: Option<String>,
    /// A parameter, NAME=VALUE (repeatable); VALUE is read as JSON when it parses, else as text.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// The target to query (default: the settings' target, ./learngraph.lbdb unless changed).
    #[arg(long)]
    pub target: Option<String>,
    /// Database on a Bolt server (default: the server's; NEO4J_DATABASE also sets it).
    #[arg(long)]
    pub database: Option<String>,
    /// Settings file (TOML).
    #[arg(long, env = "LEARNGRAPH_CONFIG")]
    pub config: Option<PathBuf>,
}

/// How query results print.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for people.
    Table,
    /// One JSON object: columns and rows.
    Json,
    /// CSV with a header row.
    Csv,
}

/// Arguments of `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Export file(s), as for `load`.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// The whole result as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// Settings.
    #[command(flatten)]
    pub settings: SettingsArgs,
}

/// The settings layers a command can take.
#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// Settings file (TOML).
    #[arg(long, env = "LEARNGRAPH_CONFIG")]
    pub config: Option<PathBuf>,
    /// Where the graph goes: embedded:DIR (the default, ./learngraph.lbdb), bolt://HOST:PORT
    /// (also neo4j://, bolt+s://, neo4j+s://; user and password from NEO4J_USERNAME and
    /// NEO4J_PASSWORD), or import-dir:DIR.
    #[arg(long)]
    pub target: Option<String>,
    /// Database on a Bolt server (default: the server's; NEO4J_DATABASE also sets it).
    #[arg(long)]
    pub database: Option<String>,
    /// Transform worker threads (0: one per core).
    #[arg(long)]
    pub workers: Option<usize>,
    /// Rows per batch.
    #[arg(long)]
    pub batch_rows: Option<usize>,
    /// Folder for report.json and quarantine.jsonl.
    #[arg(long)]
    pub report_dir: Option<PathBuf>,
    /// Any setting, as section.key=value (repeatable), e.g. --set transform.privacy.email=hash.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}
