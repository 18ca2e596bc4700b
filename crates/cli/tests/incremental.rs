//! Incremental loads, end to end on both database targets: an export, then a newer one with known
//! additions, changes (a skill removed, a property emptied) and removals. The result is compared
//! learner by learner and edge by edge with a clean load of the newer export, and the report's added /
//! updated / unchanged / missing with what the two clean loads say.

// Test helpers fail the test on any surprise, like the tests themselves.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

/// Writes the newer export: every tenth record removed, every tenth (+1) left with one skill,
/// every tenth (+3) without its assessment score, and every tenth (+2) copied as a new learner.
fn newer_export(older: &Path, newer: &Path) {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(older)
        .unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .unwrap()
    };
    let (id, skills, score) = (
        column("learner_id"),
        column("skills_list"),
        column("assessment_score"),
    );
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_path(newer)
        .unwrap();
    writer.write_record(&headers).unwrap();
    let mut added = Vec::new();
    // Byte records: the export holds rows that are not UTF-8, copied as they are.
    for (i, record) in reader.byte_records().enumerate() {
        let record = record.unwrap();
        let mut fields: Vec<Vec<u8>> = record.iter().map(<[u8]>::to_vec).collect();
        let whole = fields.len() == headers.len();
        match i % 10 {
            0 => continue,
            1 if whole => fields[skills] = b"Python".to_vec(),
            3 if whole => fields[score] = Vec::new(),
            2 if whole => {
                let mut copy = fields.clone();
                copy[id].extend_from_slice(b"-new");
                added.push(copy);
            }
            _ => {}
        }
        writer.write_record(&fields).unwrap();
    }
    for fields in added {
        writer.write_record(&fields).unwrap();
    }
    writer.flush().unwrap();
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// `content_hash` by learner key.
fn hashes(target: &str, extra: &[&str]) -> BTreeMap<String, String> {
    let q = "MATCH (l:Learner) RETURN l.learner_id AS id, l.content_hash AS h";
    common::query_json(&[&[q, "--target", target][..], extra].concat())
        .1
        .into_iter()
        .map(|r| {
            (
                r[0].as_str().unwrap().to_string(),
                r[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Loads the older export into `inc`, `older` and the newer into `newer`, then the newer into
/// `inc` incrementally, without and with --delete-missing, and checks each step.
fn check(target: impl Fn(&str) -> (String, Vec<String>), dir: &Path, incremental: &[&str]) {
    let (older, _) = common::generate(dir, 3_000, 51);
    let newer = dir.join("newer.csv");
    newer_export(&older, &newer);
    let t = |name: &str| target(name);
    let args = |name: &str| t(name).1;
    let run = |name: &str| dir.join(format!("run-{name}"));
    for (input, name) in [(&older, "inc"), (&older, "older"), (&newer, "newer")] {
        let a = args(name);
        common::load_report(input, &t(name).0, &run(name), &strs(&a));
    }
    let h = |name: &str| hashes(&t(name).0, &strs(&args(name)));
    let (old, new) = (h("older"), h("newer"));
    let old_ids: BTreeSet<&String> = old.keys().collect();
    let new_ids: BTreeSet<&String> = new.keys().collect();
    let missing: Vec<&String> = old_ids.difference(&new_ids).copied().collect();
    let added = new_ids.difference(&old_ids).count() as u64;
    let both: Vec<&&String> = old_ids.intersection(&new_ids).collect();
    let updated = both
        .iter()
        .filter(|id| old[id.as_str()] != new[id.as_str()])
        .count() as u64;
    let unchanged = both.len() as u64 - updated;
    assert!(added > 0 && updated > 0 && unchanged > 0 && !missing.is_empty());

    // Without --delete-missing the missing learners stay, and are listed.
    let inc = args("inc");
    let mut extra = strs(&inc);
    extra.extend(incremental);
    let r = common::load_report(&newer, &t("inc").0, &run("inc-2"), &extra);
    let g = &r["graph"];
    assert_eq!(g["learners_added"], added);
    assert_eq!(g["learners_updated"], updated);
    assert_eq!(g["learners_unchanged"], unchanged);
    assert_eq!(g["learners_missing"], missing.len() as u64);
    assert_eq!(g["learners_deleted"], 0);
    let sample: Vec<&str> = g["missing_sample"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        sample,
        missing.iter().map(|s| s.as_str()).collect::<Vec<_>>()
    );
    assert_eq!(
        g["nodes"]["Learner"],
        added + updated,
        "only what changed is written"
    );
    assert_eq!(h("inc").len(), old_ids.union(&new_ids).count());

    // With it they go, and the graph is the newer export's, property by property.
    extra.push("--delete-missing");
    let r = common::load_report(&newer, &t("inc").0, &run("inc-3"), &extra);
    assert_eq!(r["graph"]["learners_deleted"], missing.len() as u64);
    assert_eq!(r["graph"]["learners_unchanged"], new.len() as u64);
    let clean = args("newer");
    let (inc, clean) = (strs(&inc), strs(&clean));
    // Learners and their relationships are the newer export's exactly, but for `source_row`: an
    // unchanged learner is not written again, so it keeps the line of the export that wrote it.
    // Dimension nodes are reference data, never deleted and never changed, so the graph may keep
    // one that only a removed learner used, or a skill's older display name.
    let (want, got) = (
        common::dump(&t("newer").0, &clean),
        common::dump(&t("inc").0, &inc),
    );
    let without_line = |row: &String| {
        let mut v: Value = serde_json::from_str(row).unwrap();
        if let Some(node) = v[1].as_object_mut() {
            node.remove("source_row");
        }
        v
    };
    for (name, rows) in &want {
        if ["Learner", "HAS_SKILL", "ENROLLED_IN"].contains(&name.as_str()) {
            assert_eq!(rows.len(), got[name].len(), "{name}: count differs");
            for (a, b) in rows.iter().zip(&got[name]) {
                assert_eq!(without_line(a), without_line(b), "{name} differs");
            }
        } else {
            // A dimension node keeps the properties it was created with: compare keys.
            let key = |row: &String| serde_json::from_str::<Value>(row).unwrap()[0].clone();
            let kept: Vec<Value> = got[name].iter().map(key).collect();
            assert!(
                rows.iter().all(|r| kept.contains(&key(r))),
                "{name}: a node is lost"
            );
        }
    }
}

#[test]
fn a_newer_export_into_the_embedded_database_writes_only_what_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let target = |name: &str| {
        (
            format!("embedded:{}", dir.join(format!("{name}.lbdb")).display()),
            vec![],
        )
    };
    check(target, tmp.path(), &[]);
}

#[test]
fn a_newer_export_over_bolt_with_incremental_writes_only_what_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bolt = String::new();
    for name in ["inc", "older", "newer"] {
        bolt = common::bolt_database(&format!("incremental_{name}"));
    }
    let target = |name: &str| {
        (
            bolt.clone(),
            vec!["--database".to_string(), format!("incremental_{name}")],
        )
    };
    check(target, tmp.path(), &["--incremental"]);
}

#[test]
fn import_files_refuse_an_incremental_load() {
    let tmp = tempfile::tempdir().unwrap();
    let input = common::write(tmp.path(), "in.csv", &format!("{}\n", common::HEADER));
    common::load(&input, tmp.path())
        .arg("--incremental")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("whole export"));
}
