//! End to end on the embedded target (real LadybugDB): a generated export loaded with
//! `learngraph load --target embedded:…`, then read back with `learngraph query`, and compared with
//! the generator's manifest and with the import files of the same export (which `import_dir.rs`
//! checks against the input).

// Test helpers fail the test on any surprise, like the tests themselves.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use common::learngraph;
use serde_json::{json, Value};

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    export: PathBuf,
    manifest: Value,
}

impl Fixture {
    fn new(rows: u64, seed: u64) -> Fixture {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().to_path_buf();
        let (export, manifest) = common::generate(&dir, rows, seed);
        Fixture {
            _tmp: tmp,
            dir,
            export,
            manifest,
        }
    }

    fn db(&self) -> String {
        format!("embedded:{}", self.dir.join("graph.lbdb").display())
    }

    /// Loads `input` into the embedded database; returns report.json.
    fn load(&self, input: &Path, run: &str) -> Value {
        common::load_report(input, &self.db(), &self.dir.join(run), &[])
    }

    fn query(&self, args: &[&str]) -> (Vec<String>, Vec<Vec<Value>>) {
        let db = self.db();
        common::query_json(&[args, &["--target", db.as_str()]].concat())
    }

    fn count(&self, cypher: &str) -> u64 {
        let (_, rows) = self.query(&[cypher]);
        rows[0][0].as_u64().expect("a count")
    }
}

/// Rows of an import file (its own header line first), re-read with the `csv` crate.
fn import_rows(dir: &Path, file: &str) -> Vec<csv::StringRecord> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(dir.join(file))
        .expect("import file");
    rdr.records().map(|r| r.expect("record")).collect()
}

fn str_or_null(s: &str) -> Value {
    if s.is_empty() {
        Value::Null
    } else {
        json!(s)
    }
}

#[test]
fn an_export_loads_into_ladybugdb_and_answers_like_the_import_files_say() {
    let f = Fixture::new(20_000, 5);
    let report = f.load(&f.export, "run1");
    // The same export to import files: the reference for properties and geography.
    let import = f.dir.join("import");
    learngraph()
        .arg("load")
        .arg(&f.export)
        .arg("--target")
        .arg(format!("import-dir:{}", import.display()))
        .arg("--quiet")
        .arg("--report-dir")
        .arg(f.dir.join("import-run"))
        .assert()
        .code(3);

    // Counts per label and relationship type.
    let m = &f.manifest;
    for (label, n) in m["nodes"].as_object().unwrap() {
        let got = f.count(&format!("MATCH (n:{label}) RETURN count(*)"));
        assert_eq!(got, n.as_u64().unwrap(), "{label}");
    }
    for (ty, n) in m["relationships"].as_object().unwrap() {
        let got = f.count(&format!("MATCH ()-[r:{ty}]->() RETURN count(*)"));
        assert_eq!(got, n.as_u64().unwrap(), "{ty}");
    }
    let countries = import_rows(&import, "countries.csv");
    let cities = import_rows(&import, "cities.csv");
    assert_eq!(
        f.count("MATCH (n:Country) RETURN count(*)"),
        countries.len() as u64 - 1
    );
    assert_eq!(
        f.count("MATCH (n:City) RETURN count(*)"),
        cities.len() as u64 - 1
    );
    assert_eq!(
        f.count("MATCH (:City)-[r:IN_COUNTRY]->(:Country) RETURN count(*)"),
        cities.len() as u64 - 1
    );
    assert_eq!(
        report["graph"]["nodes"]["Learner"].as_u64(),
        m["loaded"].as_u64()
    );

    // Every learner, property by property, against learners.csv of the import files.
    let header = import_rows(&import, "learners.header.csv").remove(0);
    let names: Vec<String> = header
        .iter()
        .map(|c| c.split(':').next().unwrap().to_string())
        .collect();
    let props: Vec<&String> = names.iter().filter(|n| !n.is_empty()).collect();
    let cypher = format!(
        "MATCH (l:Learner) RETURN {}",
        props
            .iter()
            .map(|p| format!("l.{p}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let (_, rows) = f.query(&[&cypher]);
    let stored: HashMap<String, &Vec<Value>> = rows
        .iter()
        .map(|r| (r[0].as_str().unwrap().to_string(), r))
        .collect();
    let expected = import_rows(&import, "learners.csv");
    assert_eq!(stored.len(), expected.len());
    for rec in &expected {
        let row = stored[&rec[0]];
        let mut values = rec
            .iter()
            .enumerate()
            .filter(|(i, _)| !names[*i].is_empty());
        for (p, (i, text)) in props.iter().zip(&mut values) {
            let got = &row[props.iter().position(|q| q == p).unwrap()];
            let ty = header[i].split(':').nth(1).unwrap_or("");
            let want = match ty {
                "long" => text.parse::<i64>().map_or(Value::Null, |v| json!(v)),
                "double" => text.parse::<f64>().map_or(Value::Null, |v| json!(v)),
                "string[]" => json!(text
                    .split(';')
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()),
                _ => str_or_null(text),
            };
            if ty == "double" {
                let (a, b) = (got.as_f64(), want.as_f64());
                assert!(
                    a == b || (a.unwrap() - b.unwrap()).abs() < 1e-9,
                    "{}: {p} {got} vs {want}",
                    &rec[0]
                );
            } else {
                assert_eq!(got, &want, "{}: {p}", &rec[0]);
            }
        }
    }

    // Presets against the manifest and the import files.
    let residence: BTreeMap<String, u64> = m["residence_by_country"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(code, _)| *code != "-")
        .map(|(code, n)| (code.clone(), n.as_u64().unwrap()))
        .collect();
    let (_, rows) = f.query(&["--preset", "learners-by-country", "--param", "limit=1000"]);
    let by_country: BTreeMap<String, u64> = rows
        .iter()
        .map(|r| (r[0].as_str().unwrap().to_string(), r[2].as_u64().unwrap()))
        .collect();
    assert_eq!(by_country, residence);

    let region_of: HashMap<String, String> = countries[1..]
        .iter()
        .map(|c| (c[0].to_string(), c[5].to_string()))
        .collect();
    assert_eq!(&countries[0][5], "region");
    let mut by_region_expected: BTreeMap<String, u64> = BTreeMap::new();
    for (code, n) in &residence {
        *by_region_expected
            .entry(region_of[code].clone())
            .or_default() += n;
    }
    let (_, rows) = f.query(&["--preset", "learners-by-region"]);
    let by_region: BTreeMap<String, u64> = rows
        .iter()
        .map(|r| (r[0].as_str().unwrap().to_string(), r[1].as_u64().unwrap()))
        .collect();
    assert_eq!(by_region, by_region_expected);

    // Completion per country, from ENROLLED_IN in the import files.
    let learners_country: HashMap<String, String> = expected
        .iter()
        .map(|r| (r[0].to_string(), r[6].to_string()))
        .collect();
    assert_eq!(names[6], "country_of_residence_code");
    let mut completion: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for e in import_rows(&import, "enrolled_in.csv") {
        let code = &learners_country[&e[0]];
        if code.is_empty() {
            continue;
        }
        let c = completion.entry(code.clone()).or_default();
        c.0 += 1;
        c.1 += u64::from(&e[2] == "completed");
    }
    let (_, rows) = f.query(&["--preset", "completion-by-country"]);
    let got: BTreeMap<String, (u64, u64)> = rows
        .iter()
        .map(|r| {
            let rate = r[3].as_f64().unwrap();
            let (n, done) = (r[1].as_u64().unwrap(), r[2].as_u64().unwrap());
            assert!((rate - 100.0 * done as f64 / n as f64).abs() < 1e-9);
            (r[0].as_str().unwrap().to_string(), (n, done))
        })
        .collect();
    assert_eq!(got, completion);

    // The learners' relationships are stored forward only (target.embedded.backward_edges off):
    // a pattern written from the hub still answers, here learners per skill against
    // has_skill.csv of the import files, and an undirected one is refused with LadybugDB's reason.
    let mut per_skill: BTreeMap<String, u64> = BTreeMap::new();
    for e in import_rows(&import, "has_skill.csv") {
        *per_skill.entry(e[1].to_string()).or_default() += 1;
    }
    let (_, rows) = f.query(&["MATCH (s:Skill)<-[:HAS_SKILL]-(l:Learner) RETURN s.name, count(l)"]);
    let got: BTreeMap<String, u64> = rows
        .iter()
        .map(|r| (r[0].as_str().unwrap().to_string(), r[1].as_u64().unwrap()))
        .collect();
    assert_eq!(got, per_skill);
    learngraph()
        .args([
            "query",
            "MATCH (s:Skill)-[:HAS_SKILL]-(l:Learner) RETURN count(*)",
        ])
        .args(["--target", f.db().as_str()])
        .assert()
        .failure()
        .stderr(predicates::str::contains("Undirected rel pattern"))
        .stderr(predicates::str::contains(
            "target.embedded.backward_edges = true",
        ));

    // Learners within 50 km of a point, by a great-circle distance computed here.
    let city_of: HashMap<String, String> = expected
        .iter()
        .map(|r| (r[0].to_string(), r[7].to_string()))
        .collect();
    assert_eq!(names[7], "city_of_residence_id");
    let (lat0, lon0) = (30.0444_f64, 31.2357_f64);
    let mut near: BTreeMap<String, u64> = BTreeMap::new();
    let coords: HashMap<String, (f64, f64)> = cities[1..]
        .iter()
        .filter(|c| !c[4].is_empty())
        .map(|c| {
            (
                c[0].to_string(),
                (c[4].parse().unwrap(), c[5].parse().unwrap()),
            )
        })
        .collect();
    assert_eq!(
        (&cities[0][4], &cities[0][5]),
        ("latitude:double", "longitude:double")
    );
    for city in city_of.values() {
        if let Some(&(lat, lon)) = coords.get(city) {
            let (p1, p2) = (lat0.to_radians(), lat.to_radians());
            let a = ((p2 - p1) / 2.0).sin().powi(2)
                + p1.cos() * p2.cos() * ((lon - lon0).to_radians() / 2.0).sin().powi(2);
            if 2.0 * 6371.0088 * a.sqrt().asin() <= 50.0 {
                *near.entry(city.clone()).or_default() += 1;
            }
        }
    }
    assert!(
        !near.is_empty(),
        "the generator puts learners in Cairo and Giza"
    );
    let (_, rows) = f.query(&[
        "--preset",
        "learners-near-point",
        "--param",
        &format!("lat={lat0}"),
        "--param",
        &format!("lon={lon0}"),
        "--param",
        "km=50",
    ]);
    let got: BTreeMap<String, u64> = rows
        .iter()
        .map(|r| (r[0].as_str().unwrap().to_string(), r[4].as_u64().unwrap()))
        .collect();
    assert_eq!(got, near);

    // One learner with everything attached.
    let sample = &expected[expected.len() / 2];
    let (columns, rows) = f.query(&[
        "--preset",
        "learner",
        "--param",
        &format!("id={}", &sample[0]),
    ]);
    assert_eq!(rows.len(), 1);
    let row: HashMap<&str, &Value> = columns.iter().map(String::as_str).zip(&rows[0]).collect();
    assert_eq!(row["learner"]["learner_id"], json!(&sample[0]));
    let skills: Vec<&str> = sample[12].split(';').filter(|s| !s.is_empty()).collect();
    assert_eq!(names[12], "skills");
    let mut got_skills: Vec<&str> = row["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    got_skills.sort();
    assert_eq!(got_skills, skills);
}

#[test]
fn loading_again_changes_nothing_and_a_newer_export_updates_what_changed() {
    let f = Fixture::new(3_000, 9);
    let first = f.load(&f.export, "run1");
    let loaded = f.manifest["loaded"].as_u64().unwrap();
    assert_eq!(first["graph"]["nodes"]["Learner"].as_u64(), Some(loaded));
    let counts = |f: &Fixture| {
        [
            "MATCH (n:Learner) RETURN count(*)",
            "MATCH (n:Skill) RETURN count(*)",
            "MATCH (n:Cohort) RETURN count(*)",
            "MATCH (n:City) RETURN count(*)",
            "MATCH ()-[r:HAS_SKILL]->() RETURN count(*)",
            "MATCH ()-[r:ENROLLED_IN]->() RETURN count(*)",
        ]
        .map(|q| f.count(q))
    };
    let before = counts(&f);

    let second = f.load(&f.export, "run2");
    assert_eq!(second["graph"]["learners_unchanged"].as_u64(), Some(loaded));
    assert_eq!(
        second["graph"]["nodes"]["Learner"].as_u64().unwrap_or(0),
        0,
        "nothing written"
    );
    assert_eq!(counts(&f), before);

    // A newer export: the same rows, then a later row for one learner (a later row wins), with new
    // skills, and a new learner.
    let (_, rows) = f.query(&[
        "MATCH (l:Learner) WHERE size(l.skills) >= 2 RETURN l.learner_id ORDER BY l.learner_id LIMIT 1",
    ]);
    let id = rows[0][0].as_str().unwrap().to_string();
    let row = |id: &str, skills: &str| {
        format!("{id},Ada Obi,ada@example.org,F,1999-04-01,Kenya,Nairobi,Kenya,BSc,Maths,Employed,\"{skills}\",,[],2024-01-02,2024-02-03T04:05:06Z,88\n")
    };
    let mut newer = std::fs::read(&f.export).unwrap();
    // The generator ends the export with a row cut off inside a quoted field (quarantined);
    // rows appended after it would be inside that field.
    let last_line = newer.iter().rposition(|&b| b == b'\n').unwrap();
    newer.truncate(last_line + 1);
    newer.extend_from_slice(row(&id, "Rust").as_bytes());
    newer.extend_from_slice(row("NEW-0001", "Python, Rust").as_bytes());
    let newer_path = f.dir.join("newer.csv");
    std::fs::write(&newer_path, newer).unwrap();
    let third = f.load(&newer_path, "run3");
    assert_eq!(third["graph"]["learners_updated"].as_u64(), Some(1));
    assert_eq!(
        third["graph"]["learners_unchanged"].as_u64(),
        Some(loaded - 1)
    );
    assert_eq!(third["graph"]["nodes"]["Learner"].as_u64(), Some(2));
    assert_eq!(f.count("MATCH (n:Learner) RETURN count(*)"), loaded + 1);
    for (id, skills) in [
        (id.as_str(), vec!["rust"]),
        ("NEW-0001", vec!["python", "rust"]),
    ] {
        let (_, rows) = f.query(&[
            "MATCH (l:Learner {learner_id: $id})-[:HAS_SKILL]->(s:Skill) RETURN s.name ORDER BY s.name",
            "--param",
            &format!("id={id}"),
        ]);
        let got: Vec<&str> = rows.iter().map(|r| r[0].as_str().unwrap()).collect();
        assert_eq!(got, skills, "{id}");
        let (_, rows) = f.query(&["--preset", "learner", "--param", &format!("id={id}")]);
        assert_eq!(rows[0][0]["country_of_residence_code"], json!("KE"));
        assert_eq!(rows[0][0]["skills"], json!(skills));
    }
    let old_skill_edges = before[4];
    assert!(f.count("MATCH ()-[r:HAS_SKILL]->() RETURN count(*)") < old_skill_edges + 3);
}

#[test]
fn backward_edges_store_the_learners_relationships_both_ways() {
    let f = Fixture::new(2_000, 11);
    common::load_report(
        &f.export,
        &f.db(),
        &f.dir.join("run"),
        &["--set", "target.embedded.backward_edges=true"],
    );
    // Undirected patterns need both directions; each relationship is matched once, since the
    // labels fix which end is which.
    for ty in ["HAS_SKILL", "ENROLLED_IN"] {
        let hub = if ty == "HAS_SKILL" { "Skill" } else { "Cohort" };
        assert_eq!(
            f.count(&format!(
                "MATCH (:{hub})-[r:{ty}]-(:Learner) RETURN count(*)"
            )),
            f.manifest["relationships"][ty].as_u64().unwrap(),
            "{ty}"
        );
    }
}
