//! Helpers shared by the command-line tests.

// Each test file uses its own subset of these.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The spec's default header.
pub const HEADER: &str = "learner_id,full_name,email,gender,date_of_birth,country_of_residence,city_of_residence,country_of_origin,education_level,field_of_study,employment_status,skills_list,bio,enrollments,signup_date,last_active_at,assessment_score";

/// The binary under test.
pub fn learngraph() -> Command {
    Command::cargo_bin("learngraph").expect("binary built")
}

/// Writes `body` to `dir/name`.
pub fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).expect("write");
    p
}

/// `learngraph load INPUT --target import-dir:DIR/import --report-dir DIR/run`.
pub fn load(input: &Path, dir: &Path) -> Command {
    let mut cmd = learngraph();
    cmd.arg("load")
        .arg(input)
        .arg("--target")
        .arg(format!("import-dir:{}", dir.join("import").display()))
        .arg("--report-dir")
        .arg(dir.join("run"));
    cmd
}

/// The `report.json` a run left in `dir`.
pub fn report(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("report.json")).expect("report.json"))
        .expect("json")
}

/// `learngraph load INPUT --quiet --target TARGET --report-dir REPORT EXTRA…`, which must finish
/// (exit 0, or 3 for quarantined rows); returns its `report.json`.
pub fn load_report(
    input: &Path,
    target: &str,
    report_dir: &Path,
    extra: &[&str],
) -> serde_json::Value {
    let out = learngraph()
        .arg("load")
        .arg(input)
        .args(["--quiet", "--target", target, "--report-dir"])
        .arg(report_dir)
        .args(extra)
        .output()
        .expect("run");
    assert!(
        matches!(out.status.code(), Some(0 | 3)),
        "load: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    report(report_dir)
}

/// `learngraph generate --rows ROWS --seed SEED` into `DIR/learners.csv`; returns the export's path
/// and its manifest.
pub fn generate(dir: &Path, rows: u64, seed: u64) -> (PathBuf, serde_json::Value) {
    let export = dir.join("learners.csv");
    learngraph()
        .args(["generate", "--rows", &rows.to_string()])
        .args(["--seed", &seed.to_string(), "--out"])
        .arg(&export)
        .assert()
        .success();
    let manifest = std::fs::read(dir.join("learners.csv.manifest.json")).expect("manifest");
    (export, serde_json::from_slice(&manifest).expect("json"))
}

/// `learngraph query ARGS --format json`, which must succeed; returns the columns and the rows.
pub fn query_json(args: &[&str]) -> (Vec<String>, Vec<Vec<serde_json::Value>>) {
    let out = learngraph()
        .arg("query")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "query {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let columns = serde_json::from_value(table["columns"].clone()).expect("columns");
    let rows = serde_json::from_value(table["rows"].clone()).expect("rows");
    (columns, rows)
}

/// Every node with its properties and every relationship with its ends and properties, sorted:
/// equal dumps are equal graphs (a lost or doubled edge shows as a missing or repeated line).
pub fn dump(target: &str, extra: &[&str]) -> BTreeMap<String, Vec<String>> {
    let nodes = [
        ("Learner", "learner_id"),
        ("Skill", "name"),
        ("Program", "name"),
        ("Cohort", "id"),
        ("Country", "code"),
        ("City", "id"),
    ];
    let rels = [
        ("HAS_SKILL", "a.learner_id", "b.name", ""),
        (
            "ENROLLED_IN",
            "a.learner_id",
            "b.id",
            ", r.status, r.enrolled_at, r.completed_at, r.score",
        ),
        ("IN_PROGRAM", "a.id", "b.name", ""),
        ("IN_COUNTRY", "a.id", "b.code", ""),
    ];
    let mut out = BTreeMap::new();
    let mut lines = |name: &str, cypher: String| {
        let args: Vec<&str> = [&[cypher.as_str(), "--target", target][..], extra].concat();
        let mut rows: Vec<String> = query_json(&args)
            .1
            .iter()
            .map(|r| serde_json::to_string(r).expect("json"))
            .collect();
        rows.sort();
        out.insert(name.to_string(), rows);
    };
    for (label, key) in nodes {
        lines(
            label,
            format!("MATCH (n:{label}) RETURN n.{key} AS k, n AS n"),
        );
    }
    for (ty, from, to, props) in rels {
        lines(
            ty,
            format!("MATCH (a)-[r:{ty}]->(b) RETURN {from} AS f, {to} AS t{props}"),
        );
    }
    out
}

pub fn assert_same_graph(
    clean: &BTreeMap<String, Vec<String>>,
    resumed: &BTreeMap<String, Vec<String>>,
) {
    for (name, rows) in clean {
        let got = &resumed[name];
        assert_eq!(got.len(), rows.len(), "{name}: count differs");
        for (a, b) in rows.iter().zip(got) {
            assert_eq!(a, b, "{name} differs");
        }
    }
    assert!(!clean["Learner"].is_empty() && !clean["HAS_SKILL"].is_empty());
}

/// The server of `scripts/test.sh`, with a fresh database.
pub fn bolt_database(name: &str) -> String {
    let bolt = std::env::var("LEARNGRAPH_TEST_BOLT")
        .expect("LEARNGRAPH_TEST_BOLT is not set: run the tests with scripts/test.sh");
    let http = std::env::var("ARCADEDB_HTTP").expect("ARCADEDB_HTTP");
    let password = std::env::var("NEO4J_PASSWORD").expect("NEO4J_PASSWORD");
    for command in [
        format!("drop database {name}"),
        format!("create database {name}"),
    ] {
        let out = std::process::Command::new("curl")
            .args(["-s", "-u", &format!("root:{password}"), "-X", "POST"])
            .arg(format!("{http}/api/v1/server"))
            .args(["-d", &serde_json::json!({ "command": command }).to_string()])
            .output()
            .expect("curl");
        assert!(out.status.success());
    }
    bolt
}
