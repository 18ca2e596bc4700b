//! The run report: `report.json` for machines and a short summary for people.
//!
//! It accounts for every input row (`loaded + merged + quarantined = read`) and never contains a
//! value from a personal-data column.

use std::collections::BTreeMap;
use std::path::PathBuf;

use learngraph_model::WriteSummary;
use serde::Serialize;

use crate::settings::Settings;

/// Everything a run did.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    /// learngraph version.
    pub version: &'static str,
    /// Inputs, in order.
    pub inputs: Vec<InputReport>,
    /// The target, as named (never with a password).
    pub target: String,
    /// Row accounting.
    pub rows: RowAccounting,
    /// Keys that occur more than once, and a sample of superseded rows.
    pub duplicates: DuplicateReport,
    /// Null values by field and reason.
    pub nulls: BTreeMap<&'static str, BTreeMap<&'static str, u64>>,
    /// Repaired values by field and repair.
    pub repairs: BTreeMap<&'static str, BTreeMap<&'static str, u64>>,
    /// Geography: how country values were resolved, coverage, and what did not resolve.
    pub geo: BTreeMap<&'static str, GeoColumnReport>,
    /// Header columns no field maps to (ignored).
    pub unmapped_columns: Vec<String>,
    /// Cohorts seen with two different programmes (the first is kept).
    pub cohort_program_conflicts: u64,
    /// What the sink wrote.
    pub graph: WriteSummary,
    /// Where the learners are and what they know, for the charts.
    pub distribution: Distribution,
    /// Progress over time: (seconds into the load, rows accounted for, input bytes read).
    pub timeline: Vec<(f64, u64, u64)>,
    /// Where the time went.
    pub timings: Timings,
    /// Output files of the run itself.
    pub outputs: Outputs,
    /// The effective settings.
    pub settings: Settings,
}

/// Resolution of one geography column.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GeoColumnReport {
    /// Non-null values resolved, by method.
    pub resolved_by_method: BTreeMap<&'static str, u64>,
    /// Values resolved.
    pub resolved: u64,
    /// Values that fit several countries.
    pub ambiguous: u64,
    /// Values no country has (for cities: places the gazetteer does not know, kept by name).
    pub unknown: u64,
    /// `resolved / (resolved + ambiguous + unknown)`; empty and sentinel cells are not counted.
    pub coverage: f64,
    /// Distinct values that did not resolve.
    pub distinct_unresolved: usize,
    /// The most frequent values that did not resolve, with their counts.
    pub top_unresolved: Vec<(String, u64)>,
}

/// Learners by place and skill.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Distribution {
    /// Learners by UN M49 region of residence (`unknown` for no resolved country).
    pub by_region: Vec<(String, u64)>,
    /// Learners by country of residence: code, name, learners; most first.
    pub by_country: Vec<(String, String, u64)>,
    /// The cities with most learners that have coordinates.
    pub cities: Vec<CityCount>,
    /// The most common skills: display name, learners.
    pub top_skills: Vec<(String, u64)>,
}

/// Learners in one city.
#[derive(Clone, Debug, Serialize)]
pub struct CityCount {
    /// City id.
    pub id: String,
    /// Canonical name.
    pub name: String,
    /// ISO alpha-2 of its country.
    pub country: String,
    /// Latitude.
    pub latitude: f64,
    /// Longitude.
    pub longitude: f64,
    /// Learners living there.
    pub learners: u64,
}

/// One input file.
#[derive(Clone, Debug, Serialize)]
pub struct InputReport {
    /// Path.
    pub path: PathBuf,
    /// Size in bytes.
    pub bytes: u64,
}

/// Every row read, and where it went.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RowAccounting {
    /// Records after the header, over all files.
    pub read: u64,
    /// Rows written as learners.
    pub loaded: u64,
    /// Rows superseded by a later row with the same `learner_id`.
    pub merged: u64,
    /// Rows in the quarantine.
    pub quarantined: u64,
    /// Quarantined rows by reason code.
    pub quarantined_by_reason: BTreeMap<&'static str, u64>,
    /// Whether `loaded + merged + quarantined = read` (checked by the run itself).
    pub balanced: bool,
}

/// Duplicate keys.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DuplicateReport {
    /// Distinct keys that occur more than once.
    pub duplicated_keys: u64,
    /// The first superseded rows, with the row that won.
    pub sample: Vec<MergedSample>,
}

/// One superseded row.
#[derive(Clone, Debug, Serialize)]
pub struct MergedSample {
    /// Input file of the superseded row.
    pub file: PathBuf,
    /// Its line.
    pub line: u64,
    /// Input file of the winning row.
    pub winner_file: PathBuf,
    /// The winning row's line.
    pub winner_line: u64,
}

/// Wall-clock and busy times, in seconds.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Timings {
    /// The duplicate-finding first pass.
    pub prescan_s: f64,
    /// The second pass, all stages overlapped.
    pub load_s: f64,
    /// Everything, start to finish.
    pub total_s: f64,
    /// Time the reader spent reading and cutting batches.
    pub read_busy_s: f64,
    /// Time the workers spent transforming, summed over workers.
    pub transform_busy_s: f64,
    /// Time the sink spent writing.
    pub write_busy_s: f64,
    /// Transform workers.
    pub workers: usize,
    /// Rows read per second over the whole run.
    pub rows_per_s: f64,
    /// Input megabytes (10^6) per second over the whole run.
    pub mb_per_s: f64,
    /// Peak resident memory of the process, in MiB (where the OS tells it).
    pub peak_rss_mib: Option<f64>,
}

/// Peak resident set size of this process in MiB, from `/proc/self/status` (Linux).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// Files of the run itself.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Outputs {
    /// `report.json`.
    pub report: PathBuf,
    /// `quarantine.jsonl`.
    pub quarantine: PathBuf,
}

impl RunReport {
    /// A few lines for a person, on stderr at the end of a run.
    pub fn summary(&self) -> String {
        let r = &self.rows;
        let mut s = format!(
            "learngraph: {} rows read: {} loaded, {} merged into a later duplicate, {} quarantined{}\n",
            r.read,
            r.loaded,
            r.merged,
            r.quarantined,
            if r.balanced { "" } else { "  (ACCOUNTING MISMATCH)" }
        );
        if !r.quarantined_by_reason.is_empty() {
            let reasons: Vec<String> = r
                .quarantined_by_reason
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            s += &format!(
                "  quarantine: {} ({})\n",
                reasons.join(", "),
                self.outputs.quarantine.display()
            );
        }
        let nodes: Vec<String> = self
            .graph
            .nodes
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let rels: Vec<String> = self
            .graph
            .relationships
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        s += &format!(
            "  nodes: {}\n  relationships: {}\n",
            nodes.join(", "),
            rels.join(", ")
        );
        let t = &self.timings;
        s += &format!(
            "  {:.1} s ({:.1} s prescan + {:.1} s load), {:.0} rows/s, {:.0} MB/s, peak {} MiB, {} workers -> {}\n  report: {} (and report.html beside it)\n",
            t.total_s,
            t.prescan_s,
            t.load_s,
            t.rows_per_s,
            t.mb_per_s,
            t.peak_rss_mib.map_or("?".into(), |m| format!("{m:.0}")),
            t.workers,
            self.target,
            self.outputs.report.display()
        );
        s
    }
}
