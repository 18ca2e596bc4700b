//! End to end: a generated export through `learngraph load --target import-dir:…`, checked against
//! the generator's manifest and re-read with an independent CSV parser (the `csv` crate).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn learngraph() -> Command {
    Command::cargo_bin("learngraph").expect("binary built")
}

/// One column of a neo4j-admin header, parsed by its documented grammar.
#[derive(Debug, PartialEq)]
enum Column {
    Id(String),
    StartId(String),
    EndId(String),
    Property(String),
}

fn parse_header(line: &str) -> Vec<Column> {
    const TYPES: &[&str] = &[
        "int",
        "long",
        "float",
        "double",
        "boolean",
        "byte",
        "short",
        "char",
        "string",
        "point",
        "date",
        "localtime",
        "time",
        "localdatetime",
        "datetime",
        "duration",
    ];
    let id_space = |s: &str, prefix: &str| -> Option<String> {
        let rest = s
            .strip_prefix(prefix)?
            .strip_prefix('(')?
            .strip_suffix(')')?;
        assert!(!rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        Some(rest.to_string())
    };
    line.trim_end()
        .split(',')
        .map(|col| {
            let (name, ty) = col.split_once(':').unwrap_or((col, ""));
            if !name.is_empty() {
                assert!(
                    name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                    "{col}"
                );
            }
            if let Some(space) = id_space(ty, "ID") {
                assert!(!name.is_empty(), "the key is stored as a property: {col}");
                return Column::Id(space);
            }
            if let Some(space) = id_space(ty, "START_ID") {
                return Column::StartId(space);
            }
            if let Some(space) = id_space(ty, "END_ID") {
                return Column::EndId(space);
            }
            match ty {
                "" => Column::Property(name.to_string()),
                t => {
                    let base = t.strip_suffix("[]").unwrap_or(t);
                    assert!(TYPES.contains(&base), "unknown type in {col}");
                    Column::Property(name.to_string())
                }
            }
        })
        .collect()
}

/// The header and rows of a file group (header file + data file, or one file with its header).
fn read_group(dir: &Path, files: &[&str]) -> (Vec<Column>, Vec<csv::StringRecord>) {
    let mut header_line = String::new();
    let mut rows = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let text = std::fs::read(dir.join(f)).expect("file");
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&text[..]);
        for (j, rec) in rdr.records().enumerate() {
            let rec = rec.unwrap_or_else(|e| panic!("{f}: {e}"));
            if i == 0 && j == 0 {
                header_line = rec.iter().collect::<Vec<_>>().join(",");
            } else {
                rows.push(rec);
            }
        }
    }
    let header = parse_header(&header_line);
    for r in &rows {
        assert_eq!(
            r.len(),
            header.len(),
            "{files:?}: every row has the header's width"
        );
    }
    (header, rows)
}

fn column_of(header: &[Column], want: &Column) -> usize {
    header.iter().position(|c| c == want).expect("column")
}

/// What `import.sh` names each file group: `--nodes=Label=a,b` and `--relationships=TYPE=a,b`,
/// as (option, label or type) by the group's files joined with commas.
fn import_groups(script: &str) -> HashMap<String, (String, String)> {
    script
        .split_whitespace()
        .filter_map(|word| {
            let (option, rest) = word.split_once('=')?;
            let (name, files) = rest.split_once('=')?;
            matches!(option, "--nodes" | "--relationships")
                .then(|| (files.to_string(), (option.to_string(), name.to_string())))
        })
        .collect()
}

#[test]
fn a_generated_export_loads_to_import_files_exactly_as_the_manifest_says() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let export = tmp.path().join("learners.csv");
    learngraph()
        .args(["generate", "--rows", "50000", "--seed", "11", "--out"])
        .arg(&export)
        .assert()
        .success();
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(tmp.path().join("learners.csv.manifest.json")).expect("manifest"),
    )
    .expect("json");
    let out = tmp.path().join("import");
    let reports = tmp.path().join("run");
    learngraph()
        .arg("load")
        .arg(&export)
        .arg("--target")
        .arg(format!("import-dir:{}", out.display()))
        .arg("--report-dir")
        .arg(&reports)
        .arg("--quiet")
        .assert()
        .code(3); // finished, with quarantined rows

    let report: Value =
        serde_json::from_slice(&std::fs::read(reports.join("report.json")).expect("report"))
            .expect("json");
    let rows = &report["rows"];
    assert_eq!(rows["read"], manifest["rows"]);
    assert_eq!(rows["loaded"], manifest["loaded"]);
    assert_eq!(rows["merged"], manifest["merged"]);
    assert_eq!(rows["quarantined"], manifest["quarantined"]);
    assert_eq!(
        rows["quarantined_by_reason"],
        manifest["quarantined_by_reason"]
    );
    assert_eq!(rows["balanced"], true);
    let u = |v: &Value| v.as_u64().expect("count");
    assert_eq!(
        u(&rows["loaded"]) + u(&rows["merged"]) + u(&rows["quarantined"]),
        u(&rows["read"])
    );
    for (kind, key) in [
        ("nodes", "Learner"),
        ("nodes", "Skill"),
        ("nodes", "Cohort"),
        ("nodes", "Program"),
    ] {
        assert_eq!(report["graph"][kind][key], manifest[kind][key], "{key}");
    }
    for key in ["HAS_SKILL", "ENROLLED_IN", "IN_PROGRAM"] {
        assert_eq!(
            report["graph"]["relationships"][key], manifest["relationships"][key],
            "{key}"
        );
    }
    assert_eq!(
        report["nulls"]["enrollments"]["invalid_json"],
        manifest["invalid_enrollments_json"]
    );
    assert_eq!(
        report["nulls"]["date_of_birth"]["impossible_date"],
        manifest["impossible_birth_dates"]
    );

    // Every file re-read independently: headers by the neo4j-admin grammar, rows by width, counts;
    // each file group's label or type as the command names it.
    let script = std::fs::read_to_string(out.join("import.sh")).expect("import.sh");
    let groups = import_groups(&script);
    let (lh, learners) = read_group(&out, &["learners.header.csv", "learners.csv"]);
    assert_eq!(lh[0], Column::Id("Learner".into()));
    assert_eq!(learners.len() as u64, u(&manifest["loaded"]));
    let mut ids: HashMap<&str, HashSet<String>> = HashMap::new();
    let mut node_groups = vec![("Learner", "learners.header.csv,learners.csv", lh, learners)];
    for (space, file) in [
        ("Skill", "skills.csv"),
        ("Program", "programs.csv"),
        ("Cohort", "cohorts.csv"),
        ("Country", "countries.csv"),
        ("City", "cities.csv"),
    ] {
        let (h, r) = read_group(&out, &[file]);
        node_groups.push((space, file, h, r));
    }
    assert_eq!(groups.len(), node_groups.len() + 4, "{script}");
    for (space, files, header, rows) in &node_groups {
        assert_eq!(
            groups[*files],
            ("--nodes".to_string(), space.to_string()),
            "{files}"
        );
        let key = column_of(header, &Column::Id(space.to_string()));
        let set = ids.entry(space).or_default();
        for r in rows {
            assert!(
                set.insert(r[key].to_string()),
                "{space} id {} is unique",
                &r[key]
            );
        }
        assert_eq!(
            report["graph"]["nodes"][space],
            rows.len() as u64,
            "{space}"
        );
    }
    let mut rel_counts = BTreeMap::new();
    for (files, from, to, ty) in [
        (
            &["has_skill.header.csv", "has_skill.csv"][..],
            "Learner",
            "Skill",
            "HAS_SKILL",
        ),
        (
            &["enrolled_in.header.csv", "enrolled_in.csv"][..],
            "Learner",
            "Cohort",
            "ENROLLED_IN",
        ),
        (&["in_program.csv"][..], "Cohort", "Program", "IN_PROGRAM"),
        (&["in_country.csv"][..], "City", "Country", "IN_COUNTRY"),
    ] {
        assert_eq!(
            groups[&files.join(",")],
            ("--relationships".to_string(), ty.to_string()),
            "{files:?}"
        );
        let (h, rows) = read_group(&out, files);
        let (s, e) = (
            column_of(&h, &Column::StartId(from.into())),
            column_of(&h, &Column::EndId(to.into())),
        );
        for r in &rows {
            assert!(ids[from].contains(&r[s]), "{ty}: start {} exists", &r[s]);
            assert!(ids[to].contains(&r[e]), "{ty}: end {} exists", &r[e]);
        }
        rel_counts.insert(ty, rows.len() as u64);
        assert_eq!(
            report["graph"]["relationships"][ty],
            rows.len() as u64,
            "{ty}"
        );
    }
    assert_eq!(
        rel_counts["HAS_SKILL"],
        u(&manifest["relationships"]["HAS_SKILL"])
    );

    // Geography: every learner's country of residence is the one the generator meant, or null
    // when it wrote a sentinel or a name that fits no single country.
    let (lh, learners) = read_group(&out, &["learners.header.csv", "learners.csv"]);
    let col = column_of(&lh, &Column::Property("country_of_residence_code".into()));
    let mut by_country: BTreeMap<String, u64> = BTreeMap::new();
    for r in &learners {
        let code = if r[col].is_empty() { "-" } else { &r[col] };
        *by_country.entry(code.to_string()).or_default() += 1;
    }
    let want: BTreeMap<String, u64> =
        serde_json::from_value(manifest["residence_by_country"].clone()).expect("map");
    assert_eq!(by_country, want);

    // The command names every data file; the quarantine holds every rejected row with its reason.
    assert!(script.contains("neo4j-admin\" database import full"));
    for f in [
        "learners.csv",
        "has_skill.csv",
        "enrolled_in.csv",
        "cities.csv",
        "in_country.csv",
    ] {
        assert!(script.contains(f), "{f} in import.sh");
    }
    let quarantine = std::fs::read_to_string(reports.join("quarantine.jsonl")).expect("quarantine");
    let entries: Vec<Value> = quarantine
        .lines()
        .map(|l| serde_json::from_str(l).expect("jsonl"))
        .collect();
    assert_eq!(entries.len() as u64, u(&manifest["quarantined"]));
    let mut by_reason: BTreeMap<String, u64> = BTreeMap::new();
    for e in &entries {
        assert!(e["line"].as_u64().expect("line") >= 2);
        assert!(e["raw"].is_string() && e["message"].is_string());
        *by_reason
            .entry(e["reason"].as_str().expect("reason").to_string())
            .or_default() += 1;
    }
    assert_eq!(
        serde_json::to_value(by_reason).expect("json"),
        manifest["quarantined_by_reason"]
    );
}

#[test]
fn loading_twice_writes_the_same_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let export = tmp.path().join("l.csv");
    learngraph()
        .args(["generate", "--rows", "3000", "--out"])
        .arg(&export)
        .assert()
        .success();
    let load = |dir: &str| {
        learngraph()
            .arg("load")
            .arg(&export)
            .arg("--target")
            .arg(format!("import-dir:{}", tmp.path().join(dir).display()))
            .arg("--report-dir")
            .arg(tmp.path().join(format!("{dir}-run")))
            .args([
                "--quiet",
                "--workers",
                if dir == "a" { "1" } else { "3" },
                "--batch-rows",
                "97",
            ])
            .assert()
            .code(3);
    };
    load("a");
    load("b");
    for f in [
        "learners.csv",
        "has_skill.csv",
        "enrolled_in.csv",
        "skills.csv",
        "cities.csv",
        "cohorts.csv",
    ] {
        let a = std::fs::read(tmp.path().join("a").join(f)).expect("a");
        let b = std::fs::read(tmp.path().join("b").join(f)).expect("b");
        assert!(
            a == b,
            "{f} is identical whatever the worker count and batch size"
        );
    }
}
