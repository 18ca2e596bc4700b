//! `learngraph`: the command-line shell over the library crates. Parses flags, sets up logging,
//! builds settings and the sink, runs the pipeline, and turns the outcome into an exit code.
//!
//! Exit codes: 0 clean run, 3 run finished with quarantined rows, 2 usage or settings error,
//! 1 failed run, 130 stopped by a signal after a checkpoint.

mod cli;
mod geo;
mod query;
mod target;
mod watch;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use std::io::Write;

use anyhow::Context;
use clap::Parser;
use learngraph_model::Date;
use learngraph_pipeline::{PipelineError, RunInput, Settings};

use target::Target;

use cli::{Cli, Command, ConfigCommand, GeoCommand, LoadArgs, SettingsArgs, ValidateArgs};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turns transparent huge pages off for this process. The allocator asks the kernel for huge
/// pages, which the kernel zeroes 2 MiB at a time when they are first touched, and again whenever
/// the allocator touches memory it had given back. Without them a 1.7M-row import spends half the
/// system time and 8 % less wall time; the embedded and Bolt targets neither gain nor lose, except
/// where the kernel gives huge pages to every region, and there the embedded target gains 10 %
/// (BENCHMARKS.md, "Transparent huge pages off").
fn disable_transparent_huge_pages() {
    // Best effort: a failure leaves the kernel's default, as on other systems.
    #[cfg(target_os = "linux")]
    let _ = nix::sys::prctl::set_thp_disable(true);
}

/// Exit code of a run that finished but quarantined rows.
pub(crate) const EXIT_QUARANTINED: u8 = 3;
/// Exit code of a usage or settings error.
const EXIT_USAGE: u8 = 2;
/// Exit code of a run stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells do).
pub(crate) const EXIT_INTERRUPTED: u8 = 130;

/// An error in what the user asked for (settings, target), as opposed to a failure while doing it.
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) anyhow::Error);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl std::error::Error for UsageError {}

fn main() -> ExitCode {
    disable_transparent_huge_pages();
    let cli = Cli::parse();
    init_logging(&cli);
    match dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        // A reader that stopped early (`| head`) is not an error.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let code = if e.is::<UsageError>() { EXIT_USAGE } else { 1 };
            eprintln!("error: {e:#}");
            ExitCode::from(code)
        }
    }
}

fn init_logging(cli: &Cli) {
    let default = match (cli.quiet, cli.verbose) {
        (true, _) => "warn",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("LEARNGRAPH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if cli.log_format == cli::LogFormat::Json {
        builder.json().init();
    } else {
        builder.with_target(false).init();
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Generate(args) => {
            let file = std::fs::File::create(&args.out)
                .with_context(|| format!("cannot create {}", args.out.display()))?;
            let manifest = learngraph_synth::generate(
                &learngraph_synth::GeneratorConfig {
                    rows: args.rows,
                    seed: args.seed,
                },
                file,
            )
            .with_context(|| format!("cannot write {}", args.out.display()))?;
            let manifest_path = manifest_path(&args.out);
            std::fs::write(&manifest_path, serde_json::to_vec_pretty(&manifest)?)
                .with_context(|| format!("cannot write {}", manifest_path.display()))?;
            if !cli.quiet {
                eprintln!(
                    "learngraph: wrote {} rows to {} (manifest: {})",
                    manifest.rows,
                    args.out.display(),
                    manifest_path.display()
                );
            }
            Ok(0)
        }
        Command::Load(args) => load(args, cli.quiet),
        Command::Watch(args) => watch::watch(args, cli.quiet),
        Command::Validate(args) => validate(args),
        Command::Query(args) => {
            let mut overrides = neo4j_env_overrides();
            if let Some(d) = &args.database {
                overrides.push(format!("target.bolt.database={}", toml_string(d)));
            }
            let settings = Settings::load(args.config.as_deref(), std::env::vars(), &overrides)
                .map_err(|e| UsageError(e.into()))?;
            let target = args.target.clone().unwrap_or(settings.target.uri.clone());
            query::run(&args, &target, &settings.target.bolt)
        }
        Command::Geo {
            command: GeoCommand::Resolve(args),
        } => geo::resolve(&args),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "learngraph", &mut std::io::stdout());
            Ok(0)
        }
        Command::Config {
            command: ConfigCommand::Print(args),
        } => {
            print!("{}", settings(&args)?.to_toml());
            Ok(0)
        }
    }
}

/// The manifest of a generated export sits beside it: `FILE.manifest.json`.
fn manifest_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".manifest.json");
    PathBuf::from(name)
}

/// Neo4j's own variables for user and database, as settings overrides: above the settings file
/// and `LEARNGRAPH_*` variables, below flags.
fn neo4j_env_overrides() -> Vec<String> {
    [
        ("NEO4J_USERNAME", "target.bolt.user"),
        ("NEO4J_DATABASE", "target.bolt.database"),
    ]
    .iter()
    .filter_map(|(var, key)| {
        let value = std::env::var(var).ok().filter(|v| !v.is_empty())?;
        Some(format!("{key}={}", toml_string(&value)))
    })
    .collect()
}

pub(crate) fn settings(args: &SettingsArgs) -> anyhow::Result<Settings> {
    let mut overrides = neo4j_env_overrides();
    overrides.extend(args.set.iter().cloned());
    if let Some(d) = &args.database {
        overrides.push(format!("target.bolt.database={}", toml_string(d)));
    }
    if let Some(t) = &args.target {
        overrides.push(format!("target.uri={}", toml_string(t)));
    }
    if let Some(w) = args.workers {
        overrides.push(format!("pipeline.workers={w}"));
    }
    if let Some(b) = args.batch_rows {
        overrides.push(format!("source.batch_rows={b}"));
    }
    if let Some(d) = &args.report_dir {
        overrides.push(format!("output.dir={}", toml_string(&d.to_string_lossy())));
    }
    Settings::load(args.config.as_deref(), std::env::vars(), &overrides)
        .map_err(|e| UsageError(e.into()).into())
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn load(args: LoadArgs, quiet: bool) -> anyhow::Result<u8> {
    let mut settings = settings(&args.settings)?;
    settings.target.incremental |= args.incremental || args.delete_missing;
    settings.target.delete_missing |= args.delete_missing;
    let target = Target::parse(&settings.target.uri).map_err(|e| UsageError(e.into()))?;
    let mut sink = target
        .sink(&settings.target)
        .map_err(|e| UsageError(e.into()))?;
    let stop = stop_on_signal();
    let outcome = learngraph_pipeline::run(
        RunInput {
            inputs: args.inputs,
            settings,
            today: today(),
            progress: !quiet,
            resume: args.resume,
            stop,
        },
        sink.as_mut(),
    );
    let report = match outcome {
        Ok(report) => report,
        Err(e @ PipelineError::Interrupted { .. }) => {
            eprintln!("learngraph: {e}");
            return Ok(EXIT_INTERRUPTED);
        }
        Err(e @ PipelineError::AlreadyFinished { .. }) => {
            if !quiet {
                eprintln!("learngraph: {e}");
            }
            return Ok(0);
        }
        Err(e @ (PipelineError::Unfinished { .. } | PipelineError::ResumeRefused { .. })) => {
            return Err(UsageError(e.into()).into())
        }
        Err(e) => return Err(e.into()),
    };
    if !quiet {
        eprint!("{}", report.summary());
    }
    Ok(if report.rows.quarantined > 0 {
        EXIT_QUARANTINED
    } else {
        0
    })
}

/// A flag the first Ctrl-C (or SIGTERM) sets, so that the run stops reading, writes what is in
/// flight, checkpoints and says how to resume. A second signal exits at once: the journal is
/// consistent at every moment, so the resume still works.
pub(crate) fn stop_on_signal() -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let installed = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            eprintln!(
                "\nlearngraph: stopped at once; the last checkpoint stands (resume with --resume)"
            );
            std::process::exit(i32::from(EXIT_INTERRUPTED));
        }
        eprintln!("\nlearngraph: stopping after the batches in flight (again to stop at once)");
    });
    if let Err(e) = installed {
        tracing::warn!(error = %e, "SignalHandlerNotInstalled");
    }
    stop
}

fn validate(args: ValidateArgs) -> anyhow::Result<u8> {
    let settings = settings(&args.settings)?;
    let geo = learngraph_transform::geo::GeoResolver::new();
    let started = std::time::Instant::now();
    let checked = learngraph_pipeline::preflight(&args.inputs, &settings, &geo, &|_| {})?;
    let verdict = checked.verdict(&settings.transform.geo);
    let would = |v: &Result<(), learngraph_pipeline::PipelineError>| match v {
        Ok(()) => "proceed".to_string(),
        Err(e) => format!("stop before writing anything: {e}"),
    };
    let index = &checked.index;
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    if args.json {
        let out = serde_json::json!({
            "rows": index.records,
            "superseded_by_later_duplicates": index.superseded,
            "to_quarantine": index.rejected,
            "geo": checked.geo,
            "strict_mode": settings.transform.geo.strict,
            "required_coverage": settings.transform.geo.required_coverage,
            "a_load_would": would(&verdict),
        });
        writeln!(w, "{}", serde_json::to_string_pretty(&out)?)?;
    } else {
        writeln!(
            w,
            "{} rows in {:.1} s; {} would merge into a later duplicate; to quarantine: {:?}",
            index.records,
            started.elapsed().as_secs_f64(),
            index.superseded,
            index.rejected
        )?;
        for (column, c) in &checked.geo {
            writeln!(
                w,
                "\n{column}: {:.2}% of {} values resolve; {} distinct values do not:",
                c.coverage * 100.0,
                c.values,
                c.unresolved.len()
            )?;
            for (value, n, why) in &c.unresolved {
                writeln!(w, "  {n:>8}  {value}  ({why})")?;
            }
        }
        let strict = learngraph_transform::GeoConfig {
            strict: true,
            ..settings.transform.geo.clone()
        };
        writeln!(w, "\nwith these settings a load would {}", would(&verdict))?;
        let strictly = checked.verdict(&strict).map_err(|_| ());
        writeln!(
            w,
            "in strict mode a load would {}",
            if strictly.is_ok() {
                "proceed"
            } else {
                "stop: a country value does not resolve"
            }
        )?;
    }
    w.flush()?;
    Ok(if verdict.is_ok() { 0 } else { EXIT_QUARANTINED })
}

pub(crate) fn today() -> Date {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    Date::from_days_since_epoch(days as i64).expect("the system clock is within years 1 to 9999")
}
