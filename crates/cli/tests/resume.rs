//! Crash-safe resume, end to end: a load is killed with SIGKILL at seeded random moments (resumed
//! runs too), then resumed to the end, and the result is compared with a clean run of the same
//! export: byte for byte for the import files; for the databases, every node and relationship
//! with its properties. Checkpoints are taken after every batch, so that many kills land while one
//! is being written.
//!
//! `LEARNGRAPH_CRASH_KILLS` sets the number of kills per target (CI: the default; a long run:
//! `LEARNGRAPH_CRASH_KILLS=200 scripts/test.sh --test resume`), `LEARNGRAPH_CRASH_SEED` the seed.
//! The Bolt test needs the ArcadeDB server of `scripts/test.sh`.

// Test helpers fail the test on any surprise, like the tests themselves.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Settings that make a small export take many batches and checkpoints.
const MANY_CHECKPOINTS: [&str; 4] = [
    "--batch-rows",
    "250",
    "--set",
    "pipeline.checkpoint_interval_s=0",
];

/// A small deterministic generator (xorshift64*), so that a failing kill point can be rerun.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1)
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The binary under test, as a path (the kills need a `std::process::Child`).
fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_learngraph"))
}

/// Runs `load ARGS` to the end; returns its exit code and stderr.
fn load_to_end(args: &[String]) -> (i32, String) {
    let out = Command::new(binary())
        .arg("load")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Starts `load ARGS`, kills it after `delay` unless it ended first; says whether it was killed.
fn load_and_kill(args: &[String], delay: Duration) -> bool {
    let mut child = Command::new(binary())
        .arg("load")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while started.elapsed() < delay {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    true
}

/// Loads with `args` through `kills` SIGKILLs at random moments within `span`, each run after
/// the first with `--resume`, then resumes to the end. Returns how many runs were killed.
///
/// The first run is killed early, within half a second and the first half of `span`: a run that
/// ends before its kill leaves nothing to resume, and the clean run that measured `span` may
/// have been several times slower than this one (it shared the two cores with the other crash
/// tests' clean runs).
fn crash_and_resume(args: &[String], span: Duration, kills: u64, seed: u64) -> u64 {
    let mut rng = Rng(seed | 1);
    let mut killed = 0;
    let resume: Vec<String> = args.iter().cloned().chain(["--resume".into()]).collect();
    for i in 0..kills {
        let within = match i {
            0 => (span / 2).min(Duration::from_millis(500)),
            _ => span,
        };
        let delay = Duration::from_micros(rng.below(within.as_micros() as u64));
        if load_and_kill(if i == 0 { args } else { &resume }, delay) {
            killed += 1;
        }
    }
    let (code, stderr) = load_to_end(&resume);
    assert!(matches!(code, 0 | 3), "the last resume failed: {stderr}");
    killed
}

fn load_args(input: &Path, target: &str, report: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        input.display().to_string(),
        "--quiet".into(),
        "--target".into(),
        target.into(),
        "--report-dir".into(),
        report.display().to_string(),
    ];
    args.extend(MANY_CHECKPOINTS.iter().map(|s| s.to_string()));
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// A clean run; returns its duration, the span the kills are spread over.
fn clean_run(args: &[String]) -> Duration {
    let started = Instant::now();
    let (code, stderr) = load_to_end(args);
    assert!(matches!(code, 0 | 3), "clean run: {stderr}");
    started.elapsed()
}

/// The report's parts that must not depend on how often the run was stopped.
fn accounting(report: &Value) -> Value {
    let mut graph = report["graph"].clone();
    graph["files"] = Value::Null;
    serde_json::json!({
        "rows": report["rows"],
        "graph": graph,
        "geo": report["geo"],
        "distribution": report["distribution"],
        "nulls": report["nulls"],
        "duplicates": report["duplicates"]["duplicated_keys"],
    })
}

/// Asserts equal accounting, naming the first line that differs rather than printing both.
fn assert_same_accounting(clean: &Value, resumed: &Value) {
    let (a, b) = (accounting(clean), accounting(resumed));
    let (a, b) = (
        serde_json::to_string_pretty(&a).unwrap(),
        serde_json::to_string_pretty(&b).unwrap(),
    );
    if let Some((n, (x, y))) = a
        .lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
    {
        panic!("report line {n} differs: clean {x:?}, resumed {y:?}");
    }
    assert_eq!(
        a.lines().count(),
        b.lines().count(),
        "report lengths differ"
    );
}

#[test]
fn import_files_killed_anywhere_resume_to_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let (input, _) = common::generate(tmp.path(), 12_000, 41);
    let target = |name: &str| format!("import-dir:{}", tmp.path().join(name).display());
    let clean = load_args(&input, &target("clean"), &tmp.path().join("clean-run"), &[]);
    let span = clean_run(&clean);

    let args = load_args(&input, &target("out"), &tmp.path().join("run"), &[]);
    let kills = env_u64("LEARNGRAPH_CRASH_KILLS", 12);
    let seed = env_u64("LEARNGRAPH_CRASH_SEED", 1);
    let killed = crash_and_resume(&args, span, kills, seed);
    assert!(
        killed > 0,
        "no run was killed: the kill points missed the run"
    );

    let mut names: Vec<_> = std::fs::read_dir(tmp.path().join("clean"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert!(names.len() >= 10);
    for name in names {
        let a = std::fs::read(tmp.path().join("clean").join(&name)).unwrap();
        let b = std::fs::read(tmp.path().join("out").join(&name)).unwrap();
        assert!(
            a == b,
            "{name:?} differs from the clean run's (seed {seed})"
        );
    }
    let q = |d: &str| std::fs::read(tmp.path().join(d).join("quarantine.jsonl")).unwrap();
    assert_eq!(q("clean-run"), q("run"), "quarantine differs");
    let (a, b) = (
        common::report(&tmp.path().join("clean-run")),
        common::report(&tmp.path().join("run")),
    );
    assert_same_accounting(&a, &b);
    assert_eq!(b["rows"]["balanced"], true);
}

#[test]
fn embedded_killed_anywhere_resumes_to_the_same_graph() {
    let tmp = tempfile::tempdir().unwrap();
    let (input, _) = common::generate(tmp.path(), 6_000, 42);
    let db = |name: &str| format!("embedded:{}", tmp.path().join(name).display());
    // The resumed database starts with an older export in it, so that the kills also land in
    // the deletes of changed learners.
    let (older, _) = {
        let dir = tmp.path().join("older");
        std::fs::create_dir_all(&dir).unwrap();
        common::generate(&dir, 3_000, 43)
    };
    for name in ["clean", "out"] {
        let report = tmp.path().join(format!("{name}-older-run"));
        let (code, stderr) = load_to_end(&load_args(&older, &db(name), &report, &[]));
        assert!(matches!(code, 0 | 3), "{stderr}");
    }
    let clean = load_args(&input, &db("clean"), &tmp.path().join("clean-run"), &[]);
    let span = clean_run(&clean);

    let args = load_args(&input, &db("out"), &tmp.path().join("run"), &[]);
    let kills = env_u64("LEARNGRAPH_CRASH_KILLS", 12);
    let seed = env_u64("LEARNGRAPH_CRASH_SEED", 2);
    let killed = crash_and_resume(&args, span, kills, seed);
    assert!(killed > 0);

    common::assert_same_graph(
        &common::dump(&db("clean"), &[]),
        &common::dump(&db("out"), &[]),
    );
    let (a, b) = (
        common::report(&tmp.path().join("clean-run")),
        common::report(&tmp.path().join("run")),
    );
    assert_same_accounting(&a, &b);
    assert!(b["graph"]["learners_updated"].as_u64().unwrap() > 0);
}

#[test]
fn bolt_killed_anywhere_resumes_to_the_same_graph() {
    let tmp = tempfile::tempdir().unwrap();
    let (input, _) = common::generate(tmp.path(), 2_500, 44);
    let bolt = common::bolt_database("resume_clean");
    common::bolt_database("resume_out");
    let extra = |db: &'static str| ["--database", db, "--set", "target.bolt.batch_rows=100"];
    let clean = load_args(
        &input,
        &bolt,
        &tmp.path().join("clean-run"),
        &extra("resume_clean"),
    );
    let span = clean_run(&clean);

    let args = load_args(&input, &bolt, &tmp.path().join("run"), &extra("resume_out"));
    let kills = env_u64("LEARNGRAPH_CRASH_KILLS", 12) / 2;
    let seed = env_u64("LEARNGRAPH_CRASH_SEED", 3);
    let killed = crash_and_resume(&args, span, kills.max(1), seed);
    assert!(killed > 0);

    common::assert_same_graph(
        &common::dump(&bolt, &["--database", "resume_clean"]),
        &common::dump(&bolt, &["--database", "resume_out"]),
    );
    let (a, b) = (
        common::report(&tmp.path().join("clean-run")),
        common::report(&tmp.path().join("run")),
    );
    assert_same_accounting(&a, &b);
}

#[test]
fn ctrl_c_writes_what_is_in_flight_and_says_how_to_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let (input, _) = common::generate(tmp.path(), 40_000, 45);
    let target = format!("import-dir:{}", tmp.path().join("out").display());
    let args = load_args(&input, &target, &tmp.path().join("run"), &[]);
    let child = Command::new(binary())
        .arg("load")
        .args(&args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the second pass has checkpointed once, then interrupt.
    let journal = tmp.path().join("run/checkpoint.journal");
    let started = Instant::now();
    while std::fs::metadata(&journal).map_or(0, |m| m.len()) < 2_000 {
        assert!(started.elapsed() < Duration::from_secs(60), "no checkpoint");
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(130) {
        assert!(stderr.contains("--resume"), "{stderr}");
        assert!(stderr.contains("rows are committed"), "{stderr}");
        // Without --resume the unfinished run is pointed out, not overwritten.
        let (code, stderr) = load_to_end(&args);
        assert_eq!(code, 2, "{stderr}");
        assert!(stderr.contains("--resume"), "{stderr}");
        let resume: Vec<String> = args.iter().cloned().chain(["--resume".into()]).collect();
        let (code, stderr) = load_to_end(&resume);
        assert!(matches!(code, 0 | 3), "{stderr}");
        let r = common::report(&tmp.path().join("run"));
        assert!(r["resumed"]["rows"].as_u64().unwrap() > 0);
    } else {
        // The run finished before the signal arrived: nothing to check but that it did.
        assert!(matches!(out.status.code(), Some(0 | 3)), "{stderr}");
    }
    let r = common::report(&tmp.path().join("run"));
    assert_eq!(r["rows"]["balanced"], true);
    assert_eq!(r["rows"]["read"], 40_000);
}

#[test]
fn a_resume_with_other_settings_or_input_is_refused_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let (input, _) = common::generate(tmp.path(), 30_000, 46);
    let target = format!("import-dir:{}", tmp.path().join("out").display());
    let args = load_args(&input, &target, &tmp.path().join("run"), &[]);
    // Kill it once the journal holds a checkpoint.
    let mut child = Command::new(binary())
        .arg("load")
        .args(&args)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let journal = tmp.path().join("run/checkpoint.journal");
    while std::fs::metadata(&journal).map_or(0, |m| m.len()) < 2_000 {
        if child.try_wait().unwrap().is_some() {
            panic!("the run ended before it could be killed");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let resume = |extra: &[&str]| {
        let mut a: Vec<String> = args.iter().cloned().chain(["--resume".into()]).collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        load_to_end(&a)
    };
    let (code, stderr) = resume(&["--set", "transform.geo.required_coverage=0.5"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("required_coverage"), "{stderr}");
    // Thread counts and the checkpoint interval may change.
    std::fs::write(tmp.path().join("copy.csv"), std::fs::read(&input).unwrap()).unwrap();
    let mut other = args.clone();
    other[0] = tmp.path().join("copy.csv").display().to_string();
    other.push("--resume".into());
    let (code, stderr) = load_to_end(&other);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("copy.csv"), "{stderr}");
    let (code, stderr) = resume(&["--workers", "1"]);
    assert!(matches!(code, 0 | 3), "{stderr}");
    assert_eq!(
        common::report(&tmp.path().join("run"))["rows"]["balanced"],
        true
    );
}
