//! The run report: `report.json` for machines and a short summary for people.
//!
//! It accounts for every input row (`loaded + merged + quarantined = read`) and never contains a
//! value from a personal-data column.

use std::collections::BTreeMap;
use std::path::PathBuf;

use learngraph_model::WriteSummary;
use learngraph_source::Field;
use learngraph_transform::learner::{Tallies, Unresolved};
use learngraph_transform::{FieldStats, NullReason};
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
    /// Set when this run resumed one that stopped: what the stopped run had committed. The row
    /// accounting covers both.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumed: Option<Resumed>,
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

/// What a resumed run found committed.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Resumed {
    /// Batches written before the stop (replayed through the transform, not written again).
    pub batches: u64,
    /// Rows in them.
    pub rows: u64,
    /// Input bytes they cover.
    pub input_bytes: u64,
}

/// Files of the run itself.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Outputs {
    /// `report.json`.
    pub report: PathBuf,
    /// `quarantine.jsonl`.
    pub quarantine: PathBuf,
}

/// What the report needs of the dimension nodes a run admits: names, regions, coordinates.
#[derive(Debug, Default)]
pub struct Places {
    countries: BTreeMap<String, (String, String)>,
    cities: BTreeMap<String, (String, String, f64, f64)>,
    skills: BTreeMap<String, String>,
}

/// Cities and skills listed in the report.
const TOP_CITIES: usize = 500;
const TOP_SKILLS: usize = 20;

impl Places {
    /// Remembers the dimension nodes of one batch.
    pub fn remember(&mut self, d: &learngraph_model::Dimensions) {
        for country in &d.countries {
            let region = country
                .region
                .as_ref()
                .map_or("unknown", |(name, _)| name.as_str());
            self.countries.insert(
                country.code.clone(),
                (country.name.clone(), region.to_string()),
            );
        }
        for city in &d.cities {
            if let (Some(lat), Some(lon)) = (city.latitude, city.longitude) {
                let place = (city.name.clone(), city.country_code.clone(), lat, lon);
                self.cities.insert(city.id.clone(), place);
            }
        }
        for skill in &d.skills {
            self.skills
                .insert(skill.name.clone(), skill.display_name.clone());
        }
    }

    /// Learners by region, country, city and skill, from the run's tallies.
    pub fn distribution(&self, tallies: &Tallies, loaded: u64) -> Distribution {
        let most_first =
            |v: &mut Vec<(String, u64)>| v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut by_region: BTreeMap<String, u64> = BTreeMap::new();
        let mut by_country: Vec<(String, String, u64)> = Vec::new();
        let mut placed = 0;
        for (code, &n) in &tallies.countries {
            let (name, region) = self.countries.get(&**code).cloned().unwrap_or_default();
            *by_region.entry(region).or_default() += n;
            by_country.push((code.to_string(), name, n));
            placed += n;
        }
        if loaded > placed {
            *by_region.entry("unknown".into()).or_default() += loaded - placed;
        }
        by_country.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        let mut by_region: Vec<(String, u64)> = by_region.into_iter().collect();
        most_first(&mut by_region);
        let mut cities: Vec<CityCount> = tallies
            .cities
            .iter()
            .filter_map(|(id, &n)| {
                let (name, country, latitude, longitude) = self.cities.get(&**id)?.clone();
                Some(CityCount {
                    id: id.to_string(),
                    name,
                    country,
                    latitude,
                    longitude,
                    learners: n,
                })
            })
            .collect();
        cities.sort_by(|a, b| b.learners.cmp(&a.learners).then(a.id.cmp(&b.id)));
        cities.truncate(TOP_CITIES);
        let mut top_skills: Vec<(String, u64)> = tallies
            .skills
            .iter()
            .map(|(k, &n)| {
                (
                    self.skills
                        .get(&**k)
                        .cloned()
                        .unwrap_or_else(|| k.to_string()),
                    n,
                )
            })
            .collect();
        most_first(&mut top_skills);
        top_skills.truncate(TOP_SKILLS);
        Distribution {
            by_region,
            by_country,
            cities,
            top_skills,
        }
    }
}

/// How many unresolved values the report lists per column.
const TOP_UNRESOLVED: usize = 50;

/// The geography section: per column, how values resolved and what did not.
pub fn geo_columns(
    stats: &FieldStats,
    unresolved: &Unresolved,
) -> BTreeMap<&'static str, GeoColumnReport> {
    let resolved = stats.resolved_by_field();
    [
        Field::CountryOfResidence,
        Field::CountryOfOrigin,
        Field::CityOfResidence,
    ]
    .into_iter()
    .map(|field| {
        let by_method = resolved.get(field.name()).cloned().unwrap_or_default();
        // A city the gazetteer does not know is kept, but it is not resolved.
        let unmatched = by_method.get("unmatched").copied().unwrap_or(0);
        let ok: u64 = by_method.values().sum::<u64>() - unmatched;
        let ambiguous = stats.nulls(field, NullReason::Ambiguous);
        let unknown = stats.nulls(field, NullReason::Unresolved) + unmatched;
        let ranked = unresolved.ranked(field);
        let column = GeoColumnReport {
            resolved_by_method: by_method,
            resolved: ok,
            ambiguous,
            unknown,
            coverage: ok as f64 / (ok + ambiguous + unknown).max(1) as f64,
            distinct_unresolved: ranked.len(),
            top_unresolved: ranked
                .into_iter()
                .take(TOP_UNRESOLVED)
                .map(|(v, n)| (v.to_string(), n))
                .collect(),
        };
        (field.name(), column)
    })
    .collect()
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
        if let Some(resumed) = &self.resumed {
            s += &format!(
                "  resumed: {} rows were committed before the stop and not written again\n",
                resumed.rows
            );
        }
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
        let written = |list: Vec<String>| {
            if list.is_empty() {
                "none written".to_string()
            } else {
                list.join(", ")
            }
        };
        s += &format!(
            "  nodes: {}\n  relationships: {}\n",
            written(nodes),
            written(rels)
        );
        let g = &self.graph;
        if g.learners_unchanged + g.learners_updated + g.learners_missing > 0 {
            s += &format!(
                "  learners: {} added, {} updated, {} unchanged, {} missing from this export{}\n",
                g.learners_added,
                g.learners_updated,
                g.learners_unchanged,
                g.learners_missing,
                if g.learners_deleted > 0 {
                    format!(" ({} deleted)", g.learners_deleted)
                } else if g.learners_missing > 0 {
                    " (kept; --delete-missing deletes them)".to_string()
                } else {
                    String::new()
                }
            );
        }
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
