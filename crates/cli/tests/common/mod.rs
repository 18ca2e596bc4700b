//! Helpers shared by the command-line tests.

// Each test file uses its own subset of these.
#![allow(dead_code)]

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
