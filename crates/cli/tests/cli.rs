//! The command line's contract: exit codes, error messages, settings.

mod common;

use common::{learngraph, load, write, HEADER};
use predicates::prelude::*;

#[test]
fn a_clean_export_exits_0() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = write(tmp.path(), "ok.csv", &format!("{HEADER}\nL1,Ann,a@b.org,F,1990-01-02,Kenya,Nairobi,Kenya,BSc,CS,Employed,Python,hi,[],2023-01-01,2023-02-01,50\n"));
    load(&input, tmp.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "1 rows read: 1 loaded, 0 merged into a later duplicate, 0 quarantined",
        ));
}

#[test]
fn quarantined_rows_exit_3_and_duplicates_keep_the_later_row() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let body = format!("{HEADER}\nL1,First,,,,,,,,,,,,,,,\nL2,,,\nL1,Second,,,,,,,,,,,,,,,\n");
    let input = write(tmp.path(), "dups.csv", &body);
    let out = tmp.path().join("import");
    load(&input, tmp.path())
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "3 rows read: 1 loaded, 1 merged into a later duplicate, 1 quarantined",
        ));
    let learners = std::fs::read_to_string(out.join("learners.csv")).expect("learners");
    assert!(learners.starts_with("L1,Second,"), "{learners}");
    let q = std::fs::read_to_string(tmp.path().join("run/quarantine.jsonl")).expect("quarantine");
    assert!(
        q.contains("\"line\":3") && q.contains("too_few_fields"),
        "{q}"
    );
}

#[test]
fn a_wrong_column_name_fails_with_the_closest_match() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = write(
        tmp.path(),
        "cols.csv",
        &format!("{}\n", HEADER.replace("learner_id", "learnerid")),
    );
    load(&input, tmp.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "cols.csv, line 1: no column `learner_id`",
        ))
        .stderr(predicate::str::contains("closest match: `learnerid`"));
}

#[test]
fn a_missing_file_fails_with_its_name() {
    learngraph()
        .args(["load", "/nonexistent/learners.csv", "--report-dir"])
        .arg(tempfile::tempdir().expect("tempdir").path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("/nonexistent/learners.csv"));
}

#[test]
fn an_unknown_setting_is_a_usage_error_naming_the_nearest() {
    learngraph()
        .args(["config", "print", "--set", "pipeline.wrokers=3"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `workers`"));
}

#[test]
fn config_print_shows_every_layer() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = write(tmp.path(), "s.toml", "[source]\nbatch_rows = 123\n");
    learngraph()
        .args(["config", "print", "--config"])
        .arg(&file)
        .env("LEARNGRAPH_PIPELINE__WORKERS", "7")
        .args(["--target", "import-dir:elsewhere"])
        .assert()
        .success()
        .stdout(predicate::str::contains("batch_rows = 123"))
        .stdout(predicate::str::contains("workers = 7"))
        .stdout(predicate::str::contains("uri = \"import-dir:elsewhere\""));
}

#[test]
fn hashing_without_a_salt_is_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = write(tmp.path(), "x.csv", &format!("{HEADER}\n"));
    learngraph()
        .arg("load")
        .arg(&input)
        .args(["--set", "transform.privacy.email=hash", "--report-dir"])
        .arg(tmp.path().join("run"))
        .env_remove("LEARNGRAPH_SALT")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("needs a salt"));
    assert!(!tmp.path().join("run").exists());
}

#[test]
fn generate_is_deterministic() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for name in ["a.csv", "b.csv"] {
        learngraph()
            .args(["generate", "--rows", "500", "--seed", "5", "--out"])
            .arg(tmp.path().join(name))
            .assert()
            .success();
    }
    let a = std::fs::read(tmp.path().join("a.csv")).expect("a");
    assert_eq!(a, std::fs::read(tmp.path().join("b.csv")).expect("b"));
}

#[test]
fn version_names_the_git_revision() {
    let out = learngraph()
        .arg("--version")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).expect("utf-8");
    assert!(
        text.starts_with(&format!("learngraph {} (", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    assert!(text.trim_end().ends_with(')'), "{text}");
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        learngraph()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("validate"))
            .stdout(predicate::str::contains("generate"));
    }
    learngraph().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn a_binary_file_is_not_taken_for_csv() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = write(
        tmp.path(),
        "data.xlsx",
        "PK\u{3}\u{4}\u{14}\0\u{6}\0 not a csv at all",
    );
    load(&input, tmp.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "data.xlsx, line 1, column 3: this is not a CSV export",
        ));
}

#[test]
fn a_semicolon_file_names_the_delimiter_to_set() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = write(
        tmp.path(),
        "semi.csv",
        &format!("{}\nL1;x\n", HEADER.replace(',', ";")),
    );
    load(&input, tmp.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "the file looks semicolon-separated: set source.delimiter = ';'",
        ));
    learngraph()
        .arg("validate")
        .arg(&input)
        .args(["--set", "source.delimiter=';'"])
        .assert()
        .code(0);
}

#[test]
fn an_unreachable_server_fails_fast_naming_the_uri_and_the_setting() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = write(tmp.path(), "ok.csv", &format!("{HEADER}\nL1,Ann,a@b.org,F,1990-01-02,Kenya,Nairobi,Kenya,BSc,CS,Employed,Python,hi,[],2023-01-01,2023-02-01,50\n"));
    // Port 9 (discard) on loopback: nothing listens there, so the connection is refused at once.
    learngraph()
        .arg("load")
        .arg(&input)
        .args([
            "--target",
            "bolt://127.0.0.1:9",
            "--set",
            "target.bolt.server_wait_s=0",
        ])
        .arg("--report-dir")
        .arg(tmp.path().join("run"))
        .env("NEO4J_PASSWORD", "not-a-real-one")
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("bolt://127.0.0.1:9"))
        .stderr(predicate::str::contains("target.uri"))
        .stderr(predicate::str::contains("not-a-real-one").not());
}

#[test]
fn querying_a_database_that_was_never_loaded_says_how_to_load_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("none.lbdb");
    learngraph()
        .args(["query", "--preset", "learners-by-region", "--target"])
        .arg(format!("embedded:{}", db.display()))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("load an export first"));
    learngraph()
        .args(["query", "--preset", "no-such-question"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("learners-by-region"));
}
