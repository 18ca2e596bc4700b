//! The binary's process settings, seen from outside: what `/proc` says of a running `learngraph`.
#![cfg(target_os = "linux")]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The `THP_enabled` value of a live process's status once it is no longer `1` (the kernel's
/// default, before `main` runs), or the last value seen; `None` where the kernel has no such line.
fn thp_enabled(pid: u32, within: Duration) -> Option<String> {
    let started = Instant::now();
    let mut last = None;
    while started.elapsed() < within {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .expect("learngraph exited before it could be looked at");
        last = status
            .lines()
            .find_map(|l| l.strip_prefix("THP_enabled:"))
            .map(|v| v.trim().to_string());
        if last.as_deref() != Some("1") {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    last
}

#[test]
fn the_binary_runs_without_transparent_huge_pages() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fifo = tmp.path().join("export.csv");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success(), "mkfifo failed");
    // Opening a FIFO blocks until a writer comes: the process waits there, past `main`'s start,
    // to be looked at.
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("learngraph"))
        .arg("validate")
        .arg(&fifo)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn learngraph");
    let seen = thp_enabled(child.id(), Duration::from_secs(10));
    child.kill().expect("kill");
    child.wait().expect("wait");
    match seen.as_deref() {
        // A kernel without transparent huge pages has nothing to turn off.
        None => eprintln!("no THP_enabled in /proc/PID/status: nothing to check"),
        Some(v) => assert_eq!(v, "0", "transparent huge pages still on for learngraph"),
    }
}
