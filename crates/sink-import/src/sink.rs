//! The [`ImportDirSink`]: one buffered writer per output file, rows built in a reused buffer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use learngraph_model::schema::{
    self, label, rel, Ident, CITY_PROPERTIES, COUNTRY_PROPERTIES, ENROLLED_IN_PROPERTIES,
    LEARNER_PROPERTIES,
};
use learngraph_model::{
    Encoded, GraphSink, Learner, LearnerBatch, LearnerEncoder, SinkError, WriteSummary,
};
use serde::{Deserialize, Serialize};

use crate::csv_out::{node_header, rel_header, RowBuf};
use crate::out_file::{OutFile, PageCache};

/// Settings of the import-files target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportDirConfig {
    /// Output folder; created if missing, our files in it replaced.
    pub dir: PathBuf,
    /// Also write `LIVES_IN`, `RESIDES_IN` and `FROM_COUNTRY` (off in the hybrid model).
    pub geo_relationships: bool,
}

/// The state a resumed run continues from: the durable length of every data file.
#[derive(Default, Serialize, Deserialize)]
struct Checkpoint {
    files: BTreeMap<String, u64>,
    summary: WriteSummary,
}

/// Every file of the folder is read later by neo4j-admin, not by this run: written past the
/// page cache.
const IMPORT_FILES: PageCache = PageCache::Bypass;

/// One output file, named as in the checkpoint. Every group is always created, so that
/// `import.sh` never names a missing file.
struct Out {
    name: &'static str,
    file: OutFile,
}

impl Out {
    /// Creates the file with its header, or, resuming, cuts it back to its checkpointed length.
    fn create(
        dir: &Path,
        name: &'static str,
        header: Option<&str>,
        resume: Option<&Checkpoint>,
    ) -> Result<Out, SinkError> {
        let at = resume.and_then(|c| c.files.get(name).copied());
        let file = OutFile::open(dir.join(name), header.map(str::as_bytes), at, IMPORT_FILES)?;
        Ok(Out { name, file })
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), SinkError> {
        self.file.write(bytes)
    }
}

/// A node or relationship group of the import command: its files, label or type, and option name.
struct Group {
    option: &'static str,
    /// The label or relationship type of every row of the files, named once in the command
    /// rather than in a `:LABEL` or `:TYPE` column of every row.
    name: Ident,
    files: Vec<&'static str>,
}

struct Files {
    learners: Out,
    skills: Out,
    programs: Out,
    cohorts: Out,
    countries: Out,
    cities: Out,
    has_skill: Out,
    enrolled_in: Out,
    in_program: Out,
    in_country: Out,
    geo: Option<[Out; 3]>,
}

/// A batch's learners and their relationships, counted as they are written and added to the
/// summary once per batch: the summary's maps are keyed by name, a look-up too many per row.
#[derive(Default)]
struct Counts {
    learners: u64,
    has_skill: u64,
    enrolled_in: u64,
    /// `LIVES_IN`, `RESIDES_IN`, `FROM_COUNTRY`, when written.
    geo: [u64; 3],
}

impl Counts {
    /// The counts as an encoding carries them, in the order of its outputs.
    fn to_array(&self) -> [u64; 6] {
        let [a, b, c] = self.geo;
        [self.learners, self.has_skill, self.enrolled_in, a, b, c]
    }

    /// The counts an encoding carries; zeros for a shorter list.
    fn from_slice(counts: &[u64]) -> Counts {
        let n = |i: usize| counts.get(i).copied().unwrap_or(0);
        Counts {
            learners: n(0),
            has_skill: n(1),
            enrolled_in: n(2),
            geo: [n(3), n(4), n(5)],
        }
    }

    /// Adds the counts under the names a per-row count would have created: the learner's
    /// own relationship types with every learner, a geography type with its first relationship.
    fn add_to(&self, summary: &mut WriteSummary) {
        if self.learners > 0 {
            summary.add_nodes(label::LEARNER, self.learners);
            summary.add_relationships(rel::HAS_SKILL, self.has_skill);
            summary.add_relationships(rel::ENROLLED_IN, self.enrolled_in);
        }
        let geo = [rel::LIVES_IN, rel::RESIDES_IN, rel::FROM_COUNTRY];
        for (ty, &n) in geo.into_iter().zip(&self.geo) {
            if n > 0 {
                summary.add_relationships(ty, n);
            }
        }
    }
}

/// Where each learner-derived file's bytes are in an [`Encoded`] of [`LearnerRows`].
const LEARNERS: usize = 0;
const HAS_SKILL: usize = 1;
const ENROLLED_IN: usize = 2;
/// `LIVES_IN`, `RESIDES_IN`, `FROM_COUNTRY`: three outputs from here, when written.
const GEO: usize = 3;

/// Encodes learners into the rows of the learner, `HAS_SKILL`, `ENROLLED_IN` and (when written)
/// geography files, with their counts. The sink's encoder for the transform workers, and the one
/// `write` uses for a batch that comes without an encoding.
pub(crate) struct LearnerRows {
    row: RowBuf,
    geo_relationships: bool,
}

impl LearnerRows {
    fn new(geo_relationships: bool) -> Self {
        LearnerRows {
            row: RowBuf::default(),
            geo_relationships,
        }
    }

    fn learner(&mut self, l: &Learner, outputs: &mut [Vec<u8>], counts: &mut Counts) {
        let r = &mut self.row;
        rows_into(r, &mut outputs[LEARNERS], |r| {
            l.write_properties(r);
            r.end();
        });
        rows_into(r, &mut outputs[HAS_SKILL], |r| {
            for skill in &l.skills {
                r.str(&l.learner_id);
                r.str(skill);
                r.end();
                r.clear_fields();
            }
        });
        counts.has_skill += l.skills.len() as u64;
        rows_into(r, &mut outputs[ENROLLED_IN], |r| {
            for e in &l.enrollments {
                r.str(&l.learner_id);
                r.str(&e.cohort_id);
                e.write_properties(r);
                r.end();
                r.clear_fields();
            }
        });
        counts.enrolled_in += l.enrollments.len() as u64;

        if self.geo_relationships {
            let targets = [
                &l.city_of_residence_id,
                &l.country_of_residence_code,
                &l.country_of_origin_code,
            ];
            for (i, target) in targets.into_iter().enumerate() {
                if let Some(t) = target {
                    rows_into(r, &mut outputs[GEO + i], |r| {
                        r.str(&l.learner_id);
                        r.str(t);
                        r.end();
                    });
                    counts.geo[i] += 1;
                }
            }
        }
        counts.learners += 1;
    }
}

/// Appends the rows `write` makes to `output`: the row buffer writes into `output` itself, so
/// that a batch's rows are not copied a second time.
fn rows_into(r: &mut RowBuf, output: &mut Vec<u8>, write: impl FnOnce(&mut RowBuf)) {
    std::mem::swap(&mut r.buf, output);
    r.clear_fields();
    write(r);
    std::mem::swap(&mut r.buf, output);
}

impl LearnerEncoder for LearnerRows {
    fn append(&mut self, learners: &[Learner], out: &mut Encoded) {
        let outputs = if self.geo_relationships { GEO + 3 } else { GEO };
        out.outputs.resize_with(outputs, Vec::new);
        let mut counts = Counts::from_slice(&out.counts);
        for l in learners {
            self.learner(l, &mut out.outputs, &mut counts);
        }
        out.counts.clear();
        out.counts.extend_from_slice(&counts.to_array());
    }
}

/// Writes neo4j-admin import files into a folder.
pub struct ImportDirSink {
    config: ImportDirConfig,
    files: Option<Files>,
    row: RowBuf,
    /// Encodes the learners of a batch that comes without an encoding, into `scratch`.
    rows: LearnerRows,
    scratch: Encoded,
    summary: WriteSummary,
    groups: Vec<Group>,
}

impl Files {
    fn all(&mut self) -> Vec<&mut Out> {
        let mut all = vec![
            &mut self.learners,
            &mut self.skills,
            &mut self.programs,
            &mut self.cohorts,
            &mut self.countries,
            &mut self.cities,
            &mut self.has_skill,
            &mut self.enrolled_in,
            &mut self.in_program,
            &mut self.in_country,
        ];
        if let Some(geo) = self.geo.as_mut() {
            all.extend(geo.iter_mut());
        }
        all
    }
}

impl ImportDirSink {
    /// A sink for `config.dir`; nothing is touched until [`GraphSink::open`].
    pub fn new(config: ImportDirConfig) -> Self {
        ImportDirSink {
            rows: LearnerRows::new(config.geo_relationships),
            config,
            files: None,
            row: RowBuf::default(),
            scratch: Encoded::default(),
            summary: WriteSummary::default(),
            groups: Vec::new(),
        }
    }

    fn open_files(&mut self, resume: Option<&Checkpoint>) -> Result<Files, SinkError> {
        let dir = self.config.dir.clone();
        std::fs::create_dir_all(&dir).map_err(|source| SinkError::Io {
            path: dir.clone(),
            source,
        })?;
        let simple = |id: &str, l: Ident, extra: &str| format!("{id}:ID({l}){extra}\n");
        let mut node = |name: Ident, files: Vec<&'static str>| {
            self.groups.push(Group {
                option: "--nodes",
                name,
                files,
            })
        };
        node(label::LEARNER, vec!["learners.header.csv", "learners.csv"]);
        node(label::SKILL, vec!["skills.csv"]);
        node(label::PROGRAM, vec!["programs.csv"]);
        node(label::COHORT, vec!["cohorts.csv"]);
        node(label::COUNTRY, vec!["countries.csv"]);
        node(label::CITY, vec!["cities.csv"]);
        let mut relg = |name: Ident, files: Vec<&'static str>| {
            self.groups.push(Group {
                option: "--relationships",
                name,
                files,
            })
        };
        relg(
            rel::HAS_SKILL,
            vec!["has_skill.header.csv", "has_skill.csv"],
        );
        relg(
            rel::ENROLLED_IN,
            vec!["enrolled_in.header.csv", "enrolled_in.csv"],
        );
        relg(rel::IN_PROGRAM, vec!["in_program.csv"]);
        relg(rel::IN_COUNTRY, vec!["in_country.csv"]);
        let header_file = |name: &'static str, text: &str| -> Result<(), SinkError> {
            OutFile::open(dir.join(name), Some(text.as_bytes()), None, IMPORT_FILES)?
                .sync()
                .map(drop)
        };
        header_file(
            "learners.header.csv",
            &node_header(label::LEARNER, LEARNER_PROPERTIES),
        )?;
        header_file(
            "has_skill.header.csv",
            &rel_header(label::LEARNER, label::SKILL, &[]),
        )?;
        header_file(
            "enrolled_in.header.csv",
            &rel_header(label::LEARNER, label::COHORT, ENROLLED_IN_PROPERTIES),
        )?;
        let geo = if self.config.geo_relationships {
            for (name, f) in [
                (rel::LIVES_IN, "lives_in.csv"),
                (rel::RESIDES_IN, "resides_in.csv"),
                (rel::FROM_COUNTRY, "from_country.csv"),
            ] {
                self.groups.push(Group {
                    option: "--relationships",
                    name,
                    files: vec![f],
                });
            }
            Some([
                Out::create(
                    &dir,
                    "lives_in.csv",
                    Some(&rel_header(label::LEARNER, label::CITY, &[])),
                    resume,
                )?,
                Out::create(
                    &dir,
                    "resides_in.csv",
                    Some(&rel_header(label::LEARNER, label::COUNTRY, &[])),
                    resume,
                )?,
                Out::create(
                    &dir,
                    "from_country.csv",
                    Some(&rel_header(label::LEARNER, label::COUNTRY, &[])),
                    resume,
                )?,
            ])
        } else {
            for stale in ["lives_in.csv", "resides_in.csv", "from_country.csv"] {
                let _ = std::fs::remove_file(dir.join(stale));
            }
            None
        };
        Ok(Files {
            learners: Out::create(&dir, "learners.csv", None, resume)?,
            skills: Out::create(
                &dir,
                "skills.csv",
                Some(&simple("name", label::SKILL, ",display_name")),
                resume,
            )?,
            programs: Out::create(
                &dir,
                "programs.csv",
                Some(&simple("name", label::PROGRAM, "")),
                resume,
            )?,
            cohorts: Out::create(
                &dir,
                "cohorts.csv",
                Some(&simple("id", label::COHORT, ",program")),
                resume,
            )?,
            countries: Out::create(
                &dir,
                "countries.csv",
                Some(&node_header(label::COUNTRY, COUNTRY_PROPERTIES)),
                resume,
            )?,
            cities: Out::create(
                &dir,
                "cities.csv",
                Some(&node_header(label::CITY, CITY_PROPERTIES)),
                resume,
            )?,
            has_skill: Out::create(&dir, "has_skill.csv", None, resume)?,
            enrolled_in: Out::create(&dir, "enrolled_in.csv", None, resume)?,
            in_program: Out::create(
                &dir,
                "in_program.csv",
                Some(&rel_header(label::COHORT, label::PROGRAM, &[])),
                resume,
            )?,
            in_country: Out::create(
                &dir,
                "in_country.csv",
                Some(&rel_header(label::CITY, label::COUNTRY, &[])),
                resume,
            )?,
            geo,
        })
    }

    /// The `neo4j-admin` invocation for the files written, as a POSIX shell script.
    fn import_script(&self) -> String {
        let mut s = String::from(
            "#!/bin/sh\n\
             # Written by learngraph: imports the files beside this script into a new Neo4j database.\n\
             # Usage: ./import.sh [DATABASE]   (default: neo4j; the database must not exist yet, or be stopped)\n\
             # Set NEO4J_HOME when neo4j-admin is not on the PATH. After the first start, run schema.cypher\n\
             # (for example: cypher-shell -f schema.cypher) to create the constraints and indexes.\n\
             set -eu\n\
             cd \"$(dirname \"$0\")\"\n\
             exec \"${NEO4J_HOME:+$NEO4J_HOME/bin/}neo4j-admin\" database import full \"${1:-neo4j}\" \\\n  \
             --id-type=string --delimiter=',' --array-delimiter=';' --quote='\"' \\\n  \
             --multiline-fields=true --legacy-style-quoting=false --skip-bad-relationships=false",
        );
        for g in &self.groups {
            s.push_str(&format!(
                " \\\n  {}={}={}",
                g.option,
                g.name,
                g.files.join(",")
            ));
        }
        s.push('\n');
        s
    }

    /// Writes a batch's encoded learners, relationships included, and returns their counts.
    fn write_learners(files: &mut Files, encoded: &Encoded) -> Result<Counts, SinkError> {
        let out = |i: usize| encoded.outputs.get(i).map_or(&[][..], Vec::as_slice);
        files.learners.write(out(LEARNERS))?;
        files.has_skill.write(out(HAS_SKILL))?;
        files.enrolled_in.write(out(ENROLLED_IN))?;
        if let Some(geo) = files.geo.as_mut() {
            for (i, file) in geo.iter_mut().enumerate() {
                file.write(out(GEO + i))?;
            }
        }
        Ok(Counts::from_slice(&encoded.counts))
    }

    fn write_dimensions(
        &mut self,
        files: &mut Files,
        batch: &LearnerBatch,
    ) -> Result<(), SinkError> {
        let d = &batch.dimensions;
        let r = &mut self.row;
        for s in &d.skills {
            r.clear();
            r.str(&s.name);
            r.str(&s.display_name);
            r.end();
            files.skills.write(&r.buf)?;
        }
        for p in &d.programs {
            r.clear();
            r.str(&p.name);
            r.end();
            files.programs.write(&r.buf)?;
        }
        for c in &d.cohorts {
            r.clear();
            r.str(&c.id);
            r.opt_str(c.program.as_deref());
            r.end();
            files.cohorts.write(&r.buf)?;
            if let Some(p) = &c.program {
                r.clear();
                r.str(&c.id);
                r.str(p);
                r.end();
                files.in_program.write(&r.buf)?;
            }
        }
        for c in &d.countries {
            r.clear();
            c.write_properties(r);
            r.end();
            files.countries.write(&r.buf)?;
        }
        for c in &d.cities {
            r.clear();
            c.write_properties(r);
            r.end();
            files.cities.write(&r.buf)?;
            r.clear();
            r.str(&c.id);
            r.str(&c.country_code);
            r.end();
            files.in_country.write(&r.buf)?;
        }
        self.summary.add_dimensions(d);
        Ok(())
    }
}

impl GraphSink for ImportDirSink {
    fn open(&mut self) -> Result<(), SinkError> {
        self.groups.clear();
        self.files = Some(self.open_files(None)?);
        Ok(())
    }

    fn checkpoint(&mut self) -> Result<serde_json::Value, SinkError> {
        let mut files = BTreeMap::new();
        if let Some(f) = self.files.as_mut() {
            for out in f.all() {
                files.insert(out.name.to_string(), out.file.sync()?);
            }
        }
        let state = Checkpoint {
            files,
            summary: self.summary.clone(),
        };
        Ok(serde_json::to_value(state).unwrap_or_default())
    }

    fn resume(&mut self, state: &serde_json::Value) -> Result<(), SinkError> {
        let state: Checkpoint =
            serde_json::from_value(state.clone()).map_err(|e| SinkError::Target {
                target: self.describe(),
                message: format!("the checkpoint does not describe these files: {e}"),
            })?;
        self.groups.clear();
        self.files = Some(self.open_files(Some(&state))?);
        self.summary = state.summary;
        Ok(())
    }

    fn write(&mut self, batch: &LearnerBatch) -> Result<(), SinkError> {
        let mut files = self.files.take().ok_or_else(|| SinkError::Target {
            target: self.describe(),
            message: "write before open".into(),
        })?;
        let result = self.write_dimensions(&mut files, batch).and_then(|()| {
            let encoded = match &batch.encoded {
                Some(encoded) => encoded,
                None => {
                    self.rows.encode(&batch.learners, &mut self.scratch);
                    &self.scratch
                }
            };
            Self::write_learners(&mut files, encoded)
        });
        self.files = Some(files);
        let counts = result?;
        counts.add_to(&mut self.summary);
        Ok(())
    }

    fn encoder(&self) -> Option<Box<dyn LearnerEncoder>> {
        Some(Box::new(LearnerRows::new(self.config.geo_relationships)))
    }

    fn finish(&mut self) -> Result<WriteSummary, SinkError> {
        let Some(mut files) = self.files.take() else {
            return Ok(self.summary.clone());
        };
        for out in files.all() {
            out.file.sync()?;
        }
        let dir = &self.config.dir;
        let extra = [
            (
                "schema.cypher",
                schema::schema_statements().join(";\n") + ";\n",
            ),
            ("import.sh", self.import_script()),
        ];
        for (name, text) in extra {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(|source| SinkError::Io {
                path: path.clone(),
                source,
            })?;
        }
        set_executable(&dir.join("import.sh"))?;
        let mut summary = self.summary.clone();
        summary.files = self
            .groups
            .iter()
            .flat_map(|g| g.files.iter().map(|f| dir.join(f)))
            .chain([dir.join("import.sh"), dir.join("schema.cypher")])
            .collect();
        Ok(summary)
    }

    fn describe(&self) -> String {
        format!("import-dir:{}", self.config.dir.display())
    }
}

#[cfg(unix)]
fn set_executable(path: &Path) -> Result<(), SinkError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(|source| {
        SinkError::Io {
            path: path.to_path_buf(),
            source,
        }
    })
}

#[cfg(not(unix))]
fn set_executable(_: &Path) -> Result<(), SinkError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use learngraph_model::{Date, Enrollment, Key};

    fn learner(id: &str, skills: &[&str], cohorts: &[&str], geo: bool) -> Learner {
        let key = |s: &str| Key::from(s);
        Learner {
            learner_id: id.to_string(),
            full_name: Some(format!("Name, \"{id}\"")),
            skills: skills.iter().map(|s| key(s)).collect(),
            enrollments: cohorts
                .iter()
                .map(|c| Enrollment {
                    cohort_id: key(c),
                    status: None,
                    enrolled_at: Date::new(2024, 1, 1),
                    completed_at: None,
                    score: Some(87.5),
                })
                .collect(),
            country_of_residence_code: geo.then(|| key("EG")),
            city_of_residence_id: geo.then(|| key("360630")),
            country_of_origin_code: Some(key("KE")),
            ..Learner::default()
        }
    }

    /// Every file of a folder, by name.
    fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| {
                (
                    e.file_name().into_string().unwrap(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect()
    }

    /// How a test batch reaches the sink.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Encoding {
        /// Without an encoding: the sink encodes it.
        BySink,
        /// Encoded whole by a worker's encoder.
        Whole,
        /// Encoded a learner at a time, as a worker appends them while it makes them.
        InRuns,
    }

    /// A batch encoded by a worker's encoder, whole or a few learners at a time, and a batch the
    /// sink encodes itself write the same files and count the same, with and without the
    /// geography relationships.
    #[test]
    fn encoded_batches_write_what_the_sink_would() {
        let batches: Vec<Vec<Learner>> = vec![
            vec![
                learner("L1", &["sql", "python"], &["DS-1"], true),
                learner("L2", &[], &[], false),
            ],
            vec![],
            vec![learner("L3", &["r"], &["DS-1", "SE-2"], true)],
        ];
        for geo_relationships in [false, true] {
            let mut written = Vec::new();
            for encoding in [Encoding::BySink, Encoding::Whole, Encoding::InRuns] {
                let dir = tempfile::tempdir().unwrap();
                let mut sink = ImportDirSink::new(ImportDirConfig {
                    dir: dir.path().to_path_buf(),
                    geo_relationships,
                });
                let mut encoder = sink.encoder().unwrap();
                sink.open().unwrap();
                // One encoding reused from batch to batch, as a worker reuses them.
                let mut encoded = Encoded::default();
                for (seq, learners) in batches.iter().enumerate() {
                    let mut batch = LearnerBatch {
                        seq: seq as u64,
                        learners: learners.clone(),
                        ..LearnerBatch::default()
                    };
                    match encoding {
                        Encoding::BySink => {}
                        Encoding::Whole => encoder.encode(&batch.learners, &mut encoded),
                        Encoding::InRuns => {
                            encoded.clear();
                            for run in batch.learners.chunks(1) {
                                encoder.append(run, &mut encoded);
                            }
                        }
                    }
                    if encoding != Encoding::BySink {
                        batch.encoded = Some(std::mem::take(&mut encoded));
                    }
                    sink.write(&batch).unwrap();
                    encoded = batch.encoded.take().unwrap_or_default();
                }
                let summary = sink.finish().unwrap();
                written.push((files(dir.path()), summary.nodes, summary.relationships));
            }
            assert_eq!(written[0], written[1], "geo {geo_relationships}");
            assert_eq!(written[0], written[2], "geo {geo_relationships}");
            let (files, nodes, relationships) = &written[1];
            assert_eq!(nodes.get("Learner"), Some(&3));
            assert_eq!(relationships.get("HAS_SKILL"), Some(&3));
            assert_eq!(relationships.get("ENROLLED_IN"), Some(&3));
            let lines = |name: &str| files[name].split(|&b| b == b'\n').count() - 1;
            assert_eq!(
                (
                    lines("learners.csv"),
                    lines("has_skill.csv"),
                    lines("enrolled_in.csv")
                ),
                (3, 3, 3)
            );
            if geo_relationships {
                assert_eq!(relationships.get("FROM_COUNTRY"), Some(&3));
                assert_eq!(relationships.get("LIVES_IN"), Some(&2));
                // Its header, then the two learners with a city.
                assert_eq!(lines("lives_in.csv"), 3);
            } else {
                assert!(!files.contains_key("lives_in.csv"));
            }
        }
    }

    /// A batch's counts land under the names a per-row count would have created, and only those.
    #[test]
    fn counts_land_under_the_names_of_per_row_counting() {
        let mut summary = WriteSummary::default();
        Counts::default().add_to(&mut summary);
        assert_eq!(
            summary,
            WriteSummary::default(),
            "an empty batch adds no name"
        );
        let batch = Counts {
            learners: 2,
            has_skill: 0,
            enrolled_in: 3,
            geo: [1, 0, 2],
        };
        batch.add_to(&mut summary);
        batch.add_to(&mut summary);
        let nodes: Vec<_> = summary
            .nodes
            .iter()
            .map(|(k, &v)| (k.as_str(), v))
            .collect();
        assert_eq!(nodes, [("Learner", 4)]);
        let rels: Vec<_> = summary
            .relationships
            .iter()
            .map(|(k, &v)| (k.as_str(), v))
            .collect();
        assert_eq!(
            rels,
            [
                ("ENROLLED_IN", 6),
                ("FROM_COUNTRY", 4),
                ("HAS_SKILL", 0),
                ("LIVES_IN", 2)
            ]
        );
    }
}
