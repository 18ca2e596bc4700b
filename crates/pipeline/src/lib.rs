//! The pipeline: settings, the staged parallel run, the quarantine and the run report.
//!
//! ```text
//!  prescan ──► reader thread ──► N transform workers ──► ordered collector ──► GraphSink
//!  (keys)      RowBatch           TransformedBatch        dims de-dup,          (import files,
//!                                                          quarantine, stats      Bolt, embedded)
//! ```
//!
//! The stages run concurrently, joined by bounded channels; a fixed number of batch tickets bounds
//! the batches in flight, so memory does not grow with the input. The collector hands batches to
//! the sink strictly in sequence order, so a run's output is the same whatever the thread timing.
//!
//! - [`settings`]: every knob, from defaults, a TOML file, `LEARNGRAPH_*` variables and flags.
//! - [`mod@run`]: the orchestration.
//! - [`quarantine`]: the JSONL file of rejected rows; [`ratelimit`]: repeated warnings, limited.
//! - [`report`]: `report.json` and the summary on stderr; [`report_html`]: `report.html`.
//! - [`journal`]: the checkpoint journal that crash-safe resume reads.
//! - [`mod@preflight`]: geography checks on the first pass (strict mode, coverage, `validate`).

pub mod journal;
pub mod preflight;
pub mod progress;
pub mod quarantine;
pub mod ratelimit;
pub mod report;
pub mod report_html;
pub mod run;
pub mod settings;

pub use report::RunReport;
pub use run::{preflight, run, PipelineError, Preflight, RunInput};
pub use settings::{Settings, SettingsError};
