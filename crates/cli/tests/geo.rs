//! Geography from the command line: `geo resolve`, `validate`, strict mode and required coverage.

mod common;

use common::{learngraph, load, write, HEADER};
use predicates::prelude::*;

/// An export whose residences are `countries` (with the city `Cairo` for each).
fn export(dir: &std::path::Path, countries: &[&str]) -> std::path::PathBuf {
    let mut body = format!("{HEADER}\n");
    for (i, c) in countries.iter().enumerate() {
        body += &format!("L{i},,,,,\"{c}\",Cairo,,,,,,,,,,\n");
    }
    write(dir, "geo.csv", &body)
}

#[test]
fn geo_resolve_prints_code_name_method_or_reason() {
    learngraph()
        .args(["geo", "resolve", "--country", "Misr", "--country", "Congo", "--country", "Niger State"])
        .assert()
        .success()
        .stdout("Misr\tEG\tEgypt\talias\t1\nCongo\t\t\t\tambiguous\nNiger State\tNG\tNigeria\tstate_as_country\t0.9\n");
    learngraph()
        .args([
            "geo", "resolve", "--city", "El-Giza", "--city", "Maadi", "--in", "Egypt",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "El-Giza\tgn-360995\tGiza\tEG\tname\t30.00944\t31.20861",
        ))
        .stdout(predicate::str::contains(
            "Maadi\tEG:maadi\tMaadi\tEG\tunmatched\t\t",
        ));
    learngraph()
        .args(["geo", "resolve", "--json"])
        .write_stdin("UAE\nAtlantis\n")
        .assert()
        .success()
        .stdout(predicate::str::contains(r#""code":"AE""#))
        .stdout(predicate::str::contains(r#""reason":"unknown""#));
}

#[test]
fn strict_mode_stops_before_writing_and_lists_every_value() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = export(tmp.path(), &["Egypt", "Congo", "Congo", "Atlantis"]);
    let out = tmp.path().join("import");
    load(&input, tmp.path())
        .args(["--set", "transform.geo.strict=true"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "strict geography: country_of_residence has 2 value(s)",
        ))
        .stderr(predicate::str::contains(r#""Congo" x2 (ambiguous)"#))
        .stderr(predicate::str::contains(r#""Atlantis" x1 (unknown)"#));
    assert!(
        !out.exists() && !tmp.path().join("run").exists(),
        "nothing was written"
    );
}

#[test]
fn coverage_below_the_requirement_stops_the_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = export(tmp.path(), &["Egypt", "Kenya", "Ghana", "Atlantis"]);
    let with_coverage = |coverage: &str| {
        let mut cmd = load(&input, tmp.path());
        cmd.args([
            "--set",
            &format!("transform.geo.required_coverage={coverage}"),
        ]);
        cmd
    };
    with_coverage("0.8")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "coverage of country_of_residence is 75.0%, below the required 80.0%",
        ));
    with_coverage("0.7").assert().code(0);
}

#[test]
fn validate_reports_coverage_and_what_a_load_would_do() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = export(tmp.path(), &["Egypt", "EG", "مصر", "Korea"]);
    learngraph()
        .arg("validate")
        .arg(&input)
        .assert()
        .code(3)
        .stdout(predicate::str::contains(
            "country_of_residence: 75.00% of 4 values resolve",
        ))
        .stdout(predicate::str::contains("       1  Korea  (ambiguous)"))
        .stdout(predicate::str::contains(
            "city_of_residence: 75.00% of 4 values resolve",
        ))
        .stdout(predicate::str::contains(
            "a load would stop before writing anything",
        ));
    learngraph()
        .arg("validate")
        .arg(&input)
        .args(["--json", "--set", "transform.geo.required_coverage=0.5"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(r#""a_load_would": "proceed""#));
    assert_eq!(
        std::fs::read_dir(tmp.path()).expect("dir").count(),
        1,
        "validate wrote nothing"
    );
}
