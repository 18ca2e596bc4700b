//! `report.html` in a real browser: headless Chromium renders it; the test fails on a JavaScript
//! error, on a chart that has data but drew nothing, or on a blank screenshot.
//!
//! CI installs Chromium (`.ci/run`) and sets `CI`, which makes a missing browser a failure; on a
//! machine without Chromium and without `CI`, the test says it skipped.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LEARNGRAPH_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let out = Process::new("sh")
                .args(["-c", &format!("command -v {name}")])
                .output()
                .ok()?;
            let path = String::from_utf8(out.stdout).ok()?.trim().to_string();
            (out.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
        })
}

/// Runs headless Chromium on `page` with extra arguments; returns (stdout, stderr).
fn headless(browser: &Path, profile: &Path, page: &Path, extra: &[&str]) -> (String, String) {
    let out = Process::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_html_report_renders_every_chart_in_a_browser() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium (see .ci/run)"
        );
        eprintln!(
            "skipped: no chromium on this machine (set LEARNGRAPH_CHROMIUM or install chromium)"
        );
        return;
    };
    let tmp = tempfile::tempdir().expect("tempdir");
    let export = tmp.path().join("l.csv");
    Command::cargo_bin("learngraph")
        .expect("binary")
        .args(["generate", "--rows", "5000", "--out"])
        .arg(&export)
        .assert()
        .success();
    let run = tmp.path().join("run");
    Command::cargo_bin("learngraph")
        .expect("binary")
        .arg("load")
        .arg(&export)
        .arg("--target")
        .arg(format!(
            "import-dir:{}",
            tmp.path().join("import").display()
        ))
        .arg("--report-dir")
        .arg(&run)
        .arg("--quiet")
        .assert()
        .code(3);
    let page = run.join("report.html");
    let html = std::fs::read_to_string(&page).expect("report.html");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "nothing to fetch"
    );

    let (dom, log) = headless(&browser, &tmp.path().join("p1"), &page, &["--dump-dom"]);
    assert!(!log.contains("Uncaught"), "a JavaScript error:\n{log}");
    let charts = html.matches("class=\"chart").count();
    assert!(charts >= 7, "the page has its charts: {charts}");
    assert!(
        dom.contains(&format!("data-charts=\"{charts}\" data-empty=\"\"")),
        "every chart drew something: {}",
        dom.lines()
            .find(|l| l.contains("data-charts"))
            .unwrap_or("no chart status in the DOM")
    );
    assert!(dom.contains(&format!("{charts} charts drawn")));

    let shot = tmp.path().join("report.png");
    headless(
        &browser,
        &tmp.path().join("p2"),
        &page,
        &[
            "--window-size=1100,3000",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    // A blank 1100x3000 page compresses to a few kilobytes; charts and tables take far more.
    assert!(
        png.len() > 60_000,
        "the screenshot is not blank: {} bytes",
        png.len()
    );
}
