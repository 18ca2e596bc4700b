//! `learngraph watch`: exports that land in a folder are applied in arrival order, incrementally,
//! on the embedded database; a bad file is recorded as skipped and the watch goes on.

// Test helpers fail the test on any surprise, like the tests themselves.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn state(report: &Path) -> Vec<Value> {
    let path = report.join("watch/state.json");
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["files"].as_array().unwrap().clone()
}

fn learners(db: &str) -> u64 {
    let q = "MATCH (l:Learner) RETURN count(*) AS n";
    common::query_json(&[q, "--target", db]).1[0][0]
        .as_u64()
        .unwrap()
}

/// Copies `from` into the watched folder as `name`, one file after another, so that their
/// modification times give the order.
fn drop_file(dir: &Path, name: &str, body: &[u8]) {
    std::thread::sleep(Duration::from_millis(20));
    let part = dir.join(format!(".{name}.part"));
    std::fs::write(&part, body).unwrap();
    std::fs::rename(part, dir.join(name)).unwrap();
}

#[test]
fn watch_once_applies_the_exports_in_order_and_skips_a_bad_one() {
    let tmp = tempfile::tempdir().unwrap();
    let incoming = tmp.path().join("incoming");
    std::fs::create_dir_all(&incoming).unwrap();
    let (older, _) = common::generate(tmp.path(), 1_500, 61);
    let newer_dir = tmp.path().join("newer");
    std::fs::create_dir_all(&newer_dir).unwrap();
    let (newer, _) = common::generate(&newer_dir, 2_000, 62);
    drop_file(&incoming, "2026-11-01.csv", &std::fs::read(&older).unwrap());
    drop_file(
        &incoming,
        "2026-11-02.csv",
        b"not,a,learner,export\n1,2,3,4\n",
    );
    drop_file(&incoming, "2026-11-03.csv", &std::fs::read(&newer).unwrap());
    drop_file(&incoming, "notes.txt", b"not an export");
    let db = format!("embedded:{}", tmp.path().join("graph.lbdb").display());
    let report = tmp.path().join("run");
    let watch = || {
        common::learngraph()
            .args([
                "watch",
                "--once",
                "--quiet",
                "--target",
                &db,
                "--report-dir",
            ])
            .arg(&report)
            .arg(&incoming)
            .output()
            .unwrap()
    };
    let out = watch();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files = state(&report);
    let taken: Vec<(&str, &str)> = files
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        taken,
        [
            ("2026-11-01.csv", "applied"),
            ("2026-11-02.csv", "skipped"),
            ("2026-11-03.csv", "applied"),
        ]
    );
    assert!(files[1]["message"].as_str().unwrap().contains("learner_id"));

    // The newer export was applied on top of the older: both runs' reports say so.
    let first = common::report(&report.join("watch/2026-11-01.csv"));
    let third = common::report(&report.join("watch/2026-11-03.csv"));
    let g = &third["graph"];
    let (added, missing) = (
        g["learners_added"].as_u64().unwrap(),
        g["learners_missing"].as_u64().unwrap(),
    );
    assert!(
        missing > 0,
        "the older export's learners are missing from the newer"
    );
    let before = first["rows"]["loaded"].as_u64().unwrap();
    assert_eq!(learners(&db), before + added, "missing learners are kept");

    // Nothing is applied twice.
    let out = watch();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(state(&report).len(), 3);
    assert_eq!(learners(&db), before + added);
}

#[test]
fn a_running_watch_picks_up_an_export_that_lands_later() {
    let tmp = tempfile::tempdir().unwrap();
    let incoming = tmp.path().join("incoming");
    std::fs::create_dir_all(&incoming).unwrap();
    let (export, manifest) = common::generate(tmp.path(), 800, 63);
    let db = format!("embedded:{}", tmp.path().join("graph.lbdb").display());
    let report = tmp.path().join("run");
    let mut child = Command::new(env!("CARGO_BIN_EXE_learngraph"))
        .args([
            "watch",
            "--quiet",
            "--interval",
            "0.2",
            "--target",
            &db,
            "--report-dir",
        ])
        .arg(&report)
        .arg(&incoming)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    drop_file(&incoming, "late.csv", &std::fs::read(&export).unwrap());
    let started = Instant::now();
    while !report.join("watch/state.json").exists() {
        assert!(started.elapsed() < Duration::from_secs(120), "not applied");
        assert!(child.try_wait().unwrap().is_none(), "the watch stopped");
        std::thread::sleep(Duration::from_millis(100));
    }
    // SIGINT between files stops the watch cleanly.
    let pid = child.id().to_string();
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    let status = child.wait().unwrap();
    // 3: the export had rows to quarantine, as generated exports do.
    assert!(matches!(status.code(), Some(0 | 3)), "{status:?}");
    assert_eq!(state(&report)[0]["outcome"], "applied");
    let run = common::report(&report.join("watch/late.csv"));
    assert_eq!(run["rows"]["read"], manifest["rows"]);
    assert_eq!(learners(&db), run["rows"]["loaded"].as_u64().unwrap());
}
