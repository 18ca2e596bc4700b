//! `learngraph watch DIR`: applies each export that lands in a folder, incrementally and in the
//! order they arrive, and keeps going after a bad file.
//!
//! The state lives in `REPORT_DIR/watch/state.json`: every file taken, with its size,
//! modification time and outcome, so that a restarted watch applies nothing twice. Each file's run
//! has its own report folder, `REPORT_DIR/watch/FILE/`, holding its journal: a watch killed in
//! the middle of a file resumes that file when it starts again.
//!
//! A file that cannot be loaded for what it holds (unreadable, no key column, failing the
//! geography checks) is recorded as skipped and the watch goes on. A failure of the target (a
//! server away longer than the sink waits) is not the file's fault: the watch stops applying, so
//! that no later export overtakes it, and tries again at its next look.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use anyhow::Context;
use learngraph_pipeline::{PipelineError, RunInput, Settings};
use serde::{Deserialize, Serialize};

use crate::cli::WatchArgs;
use crate::target::Target;
use crate::{today, UsageError, EXIT_INTERRUPTED, EXIT_QUARANTINED};

/// What the watch has taken, in order.
#[derive(Default, Serialize, Deserialize)]
struct State {
    files: Vec<Taken>,
}

/// One file taken: applied or skipped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Taken {
    name: String,
    bytes: u64,
    modified_ns: u64,
    outcome: Outcome,
    /// The summary of the run, or why the file was skipped.
    message: String,
    report_dir: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Outcome {
    Applied,
    Skipped,
}

/// A file in the folder, as last seen.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Seen {
    name: String,
    path: PathBuf,
    bytes: u64,
    modified_ns: u64,
}

/// Runs the watch; returns the exit code.
pub fn watch(args: WatchArgs, quiet: bool) -> anyhow::Result<u8> {
    let mut settings = crate::settings(&args.settings)?;
    settings.target.incremental = true;
    settings.target.delete_missing |= args.delete_missing;
    let target = Target::parse(&settings.target.uri).map_err(|e| UsageError(e.into()))?;
    // Refuses a target that cannot load incrementally before any file is taken.
    target
        .sink(&settings.target)
        .map_err(|e| UsageError(e.into()))?;
    let home = settings.output.dir.join("watch");
    std::fs::create_dir_all(&home).with_context(|| format!("cannot create {}", home.display()))?;
    let state_path = home.join("state.json");
    let mut state: State = match std::fs::read(&state_path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a watch state", state_path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
        Err(e) => return Err(e).context(format!("cannot read {}", state_path.display())),
    };
    let stop = crate::stop_on_signal();
    let interval = Duration::from_secs_f64(args.interval.max(0.05));
    tracing::info!(dir = %args.dir.display(), target = %settings.target.uri, "WatchStarted");
    let mut last_look: HashMap<String, Seen> = HashMap::new();
    let mut troubled = false;
    loop {
        let now = look(&args.dir)?;
        let ready: Vec<Seen> = now
            .iter()
            .filter(|f| !state.files.iter().any(|t| t.is(f)))
            // A file still being written changes between looks; --once takes what is there.
            .filter(|f| args.once || last_look.get(&f.name) == Some(*f))
            .map(|f| (*f).clone())
            .collect();
        last_look = now.into_iter().map(|f| (f.name.clone(), f)).collect();
        for file in ready {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            let report_dir = home.join(&file.name);
            match apply(&file, &target, &settings, &report_dir, quiet, &stop) {
                Ok(summary) => {
                    troubled |= summary.1;
                    state
                        .files
                        .push(Taken::of(&file, Outcome::Applied, summary.0, report_dir));
                }
                // Finished before a crash of the watch kept it from saving its state.
                Err(e @ PipelineError::AlreadyFinished { .. }) => {
                    state.files.push(Taken::of(
                        &file,
                        Outcome::Applied,
                        e.to_string(),
                        report_dir,
                    ));
                }
                Err(e @ PipelineError::Interrupted { .. }) => {
                    eprintln!("learngraph: {e} (the watch resumes it when started again)");
                    return Ok(EXIT_INTERRUPTED);
                }
                Err(e @ (PipelineError::Sink(_) | PipelineError::Output { .. })) => {
                    if args.once {
                        return Err(e).context(format!("cannot apply {}", file.path.display()));
                    }
                    tracing::error!(file = %file.path.display(), error = %e, "WatchApplyFailed");
                    break; // tried again at the next look, before any later file
                }
                Err(e) => {
                    troubled = true;
                    tracing::error!(file = %file.path.display(), error = %e, "WatchFileSkipped");
                    if !quiet {
                        eprintln!("learngraph: skipped {}: {e}", file.path.display());
                    }
                    state.files.push(Taken::of(
                        &file,
                        Outcome::Skipped,
                        e.to_string(),
                        report_dir,
                    ));
                }
            }
            save(&state_path, &state)?;
        }
        if args.once || stop.load(Ordering::Relaxed) {
            break;
        }
        sleep_unless_stopped(interval, &stop);
    }
    Ok(if troubled { EXIT_QUARANTINED } else { 0 })
}

impl Taken {
    fn of(file: &Seen, outcome: Outcome, message: String, report_dir: PathBuf) -> Taken {
        Taken {
            name: file.name.clone(),
            bytes: file.bytes,
            modified_ns: file.modified_ns,
            outcome,
            message,
            report_dir,
        }
    }

    /// The same file: a file replaced under the same name is a new export.
    fn is(&self, f: &Seen) -> bool {
        (self.name.as_str(), self.bytes, self.modified_ns)
            == (f.name.as_str(), f.bytes, f.modified_ns)
    }
}

/// Loads one file incrementally; returns the run's summary and whether it quarantined rows.
fn apply(
    file: &Seen,
    target: &Target,
    settings: &Settings,
    report_dir: &Path,
    quiet: bool,
    stop: &Arc<AtomicBool>,
) -> Result<(String, bool), PipelineError> {
    let mut settings = settings.clone();
    settings.output.dir = report_dir.to_path_buf();
    let mut sink = target.sink(&settings.target).map_err(|e| {
        PipelineError::Sink(learngraph_model::SinkError::Target {
            target: settings.target.uri.clone(),
            message: e.to_string(),
        })
    })?;
    tracing::info!(file = %file.path.display(), "WatchApplying");
    let report = learngraph_pipeline::run(
        RunInput {
            inputs: vec![file.path.clone()],
            settings,
            today: today(),
            progress: !quiet,
            // A file a killed watch left half-loaded is resumed; otherwise this starts afresh.
            resume: true,
            stop: Arc::clone(stop),
        },
        sink.as_mut(),
    )?;
    let summary = report.summary();
    if !quiet {
        eprint!("learngraph: applied {}\n{summary}", file.path.display());
    }
    Ok((summary, report.rows.quarantined > 0))
}

/// The `*.csv` files of `dir`, oldest first (then by name).
fn look(dir: &Path) -> anyhow::Result<Vec<Seen>> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the folder {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read the folder {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !name.to_ascii_lowercase().ends_with(".csv") {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let modified_ns = meta
            .modified()
            .ok()
            .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as u64);
        files.push(Seen {
            name,
            path: entry.path(),
            bytes: meta.len(),
            modified_ns,
        });
    }
    files.sort_by(|a, b| (a.modified_ns, &a.name).cmp(&(b.modified_ns, &b.name)));
    Ok(files)
}

/// Writes the state beside and renames it over, so that a crash leaves the old or the new.
fn save(path: &Path, state: &State) -> anyhow::Result<()> {
    let fresh = path.with_extension("json.new");
    std::fs::write(&fresh, serde_json::to_vec_pretty(state)?)
        .with_context(|| format!("cannot write {}", fresh.display()))?;
    std::fs::rename(&fresh, path).with_context(|| format!("cannot write {}", path.display()))
}

fn sleep_unless_stopped(interval: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(50);
    let mut slept = Duration::ZERO;
    while slept < interval && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(step);
        slept += step;
    }
}
