//! The [`LbugSink`]: batches staged as CSV files, bulk-copied into LadybugDB when the run finishes.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use lbug::{Connection, Database, LogicalType, SystemConfig, Value};
use learngraph_model::schema::{label, rel, Ident};
use learngraph_model::{GraphSink, Learner, LearnerBatch, SinkError, WriteSummary};
use learngraph_sink_import::csv_out::{ListSyntax, RowBuf};
use serde::{Deserialize, Serialize};

use crate::schema::{ddl, NODE_TABLES, REL_TABLES};

/// Settings of the embedded target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LbugConfig {
    /// The database folder; created if missing, loaded into if it holds a graph already.
    pub dir: PathBuf,
    /// Also write `LIVES_IN`, `RESIDES_IN` and `FROM_COUNTRY` (off in the hybrid model).
    pub geo_relationships: bool,
    /// Memory LadybugDB may use for its page cache, in MiB.
    pub buffer_pool_mib: u64,
}

/// Keys set-based deletes take at once.
const DELETE_CHUNK: usize = 10_000;

/// What the database held when the sink was opened: the keys a load must not copy again.
#[derive(Default)]
struct Existing {
    /// `content_hash` by 64-bit hash of `learner_id` (the collision odds are those of the
    /// duplicate index, see ARCHITECTURE.md).
    learners: HashMap<u64, u64>,
    /// Keys of dimension nodes, by label.
    dimensions: HashMap<Ident, HashSet<String>>,
}

impl Existing {
    /// Whether the node `key` of `label` is new; remembers it, so that it is staged once.
    fn is_new(&mut self, label: Ident, key: &str) -> bool {
        let keys = self.dimensions.entry(label).or_default();
        if keys.contains(key) {
            return false;
        }
        keys.insert(key.to_string());
        true
    }
}

/// One staged CSV file: the rows of one table, with a header line.
struct Staged {
    table: Ident,
    path: PathBuf,
    w: BufWriter<File>,
    rows: u64,
}

impl Staged {
    fn create(dir: &Path, table: Ident, columns: &[&str]) -> Result<Staged, SinkError> {
        let path = dir.join(format!("{table}.csv"));
        let file = File::create(&path).map_err(|source| SinkError::Io {
            path: path.clone(),
            source,
        })?;
        let mut staged = Staged {
            table,
            path,
            w: BufWriter::with_capacity(1 << 20, file),
            rows: 0,
        };
        let header = columns.join(",") + "\n";
        staged.write(header.as_bytes(), 0)?;
        Ok(staged)
    }

    fn write(&mut self, bytes: &[u8], rows: u64) -> Result<(), SinkError> {
        self.rows += rows;
        self.w.write_all(bytes).map_err(|source| SinkError::Io {
            path: self.path.clone(),
            source,
        })
    }

    fn flush(&mut self) -> Result<(), SinkError> {
        self.w.flush().map_err(|source| SinkError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

/// Builds the learner graph in an embedded LadybugDB database.
pub struct LbugSink {
    config: LbugConfig,
    db: Option<Database>,
    existing: Existing,
    /// Staged files by table, in load order: node tables, then relationship tables.
    staged: Vec<Staged>,
    /// Learners whose stored version is replaced.
    changed: Vec<String>,
    row: RowBuf,
    summary: WriteSummary,
}

impl LbugSink {
    /// A sink for the database folder `config.dir`; nothing is touched until [`GraphSink::open`].
    pub fn new(config: LbugConfig) -> Self {
        LbugSink {
            config,
            db: None,
            existing: Existing::default(),
            staged: Vec::new(),
            changed: Vec::new(),
            row: RowBuf::default(),
            summary: WriteSummary::default(),
        }
    }

    fn staging_dir(&self) -> PathBuf {
        self.config.dir.join("staging")
    }

    fn target_error(&self, message: impl std::fmt::Display) -> SinkError {
        SinkError::Target {
            target: self.describe(),
            message: message.to_string(),
        }
    }

    fn connection<'db>(&self, db: &'db Database) -> Result<Connection<'db>, SinkError> {
        Connection::new(db).map_err(|e| self.target_error(e))
    }

    /// Reads the keys already loaded, so that a load into a populated database adds only what
    /// is new or changed.
    fn read_existing(&mut self, conn: &Connection<'_>) -> Result<(), SinkError> {
        let rows = conn
            .query("MATCH (l:Learner) RETURN l.learner_id, l.content_hash")
            .map_err(|e| self.target_error(e))?;
        for row in rows {
            if let [Value::String(id), hash] = &row[..] {
                let hash = match hash {
                    Value::String(h) => u64::from_str_radix(h, 16).unwrap_or(0),
                    _ => 0,
                };
                self.existing.learners.insert(key_hash(id), hash);
            }
        }
        for (label, props) in &NODE_TABLES[..NODE_TABLES.len() - 1] {
            let rows = conn
                .query(&format!("MATCH (n:{label}) RETURN n.{}", props[0].name))
                .map_err(|e| self.target_error(e))?;
            let keys = self.existing.dimensions.entry(*label).or_default();
            for row in rows {
                if let Some(Value::String(key)) = row.into_iter().next() {
                    keys.insert(key);
                }
            }
        }
        Ok(())
    }

    fn stage(&mut self) -> Result<(), SinkError> {
        let dir = self.staging_dir();
        // A path is part of a COPY statement's text; refuse the characters that could end it.
        let text = dir.to_string_lossy();
        if text.contains(['\'', '\\', '"']) || dir.to_str().is_none() {
            return Err(self.target_error(format!(
                "the database folder's path {text:?} has a quote or backslash; choose another folder"
            )));
        }
        std::fs::create_dir_all(&dir).map_err(|source| SinkError::Io {
            path: dir.clone(),
            source,
        })?;
        self.staged.clear();
        for (label, props) in NODE_TABLES {
            let columns: Vec<&str> = props.iter().map(|p| p.name.as_str()).collect();
            self.staged.push(Staged::create(&dir, *label, &columns)?);
        }
        for (ty, _, _, props) in REL_TABLES {
            let mut columns = vec!["from", "to"];
            columns.extend(props.iter().map(|p| p.name.as_str()));
            self.staged.push(Staged::create(&dir, *ty, &columns)?);
        }
        Ok(())
    }

    fn out(&mut self, table: Ident) -> &mut Staged {
        let i = self
            .staged
            .iter()
            .position(|s| s.table == table)
            .unwrap_or_else(|| unreachable!("every table of the schema is staged"));
        &mut self.staged[i]
    }

    fn flush_row(&mut self, table: Ident, rows: u64) -> Result<(), SinkError> {
        let buf = std::mem::take(&mut self.row.buf);
        let result = self.out(table).write(&buf, rows);
        self.row.buf = buf;
        result
    }

    fn stage_dimensions(&mut self, batch: &LearnerBatch) -> Result<(), SinkError> {
        let d = &batch.dimensions;
        for s in &d.skills {
            if self.existing.is_new(label::SKILL, &s.name) {
                self.row.clear();
                self.row.str(&s.name);
                self.row.str(&s.display_name);
                self.row.end();
                self.flush_row(label::SKILL, 1)?;
            }
        }
        for p in &d.programs {
            if self.existing.is_new(label::PROGRAM, &p.name) {
                self.row.clear();
                self.row.str(&p.name);
                self.row.end();
                self.flush_row(label::PROGRAM, 1)?;
            }
        }
        for c in &d.cohorts {
            if !self.existing.is_new(label::COHORT, &c.id) {
                continue;
            }
            self.row.clear();
            self.row.str(&c.id);
            self.row.opt_str(c.program.as_deref());
            self.row.end();
            self.flush_row(label::COHORT, 1)?;
            if let Some(p) = &c.program {
                self.row.clear();
                self.row.str(&c.id);
                self.row.str(p);
                self.row.end();
                self.flush_row(rel::IN_PROGRAM, 1)?;
            }
        }
        for c in &d.countries {
            if !self.existing.is_new(label::COUNTRY, &c.code) {
                continue;
            }
            let r = &mut self.row;
            r.clear();
            r.str(&c.code);
            r.country_properties(c);
            r.end();
            self.flush_row(label::COUNTRY, 1)?;
        }
        for c in &d.cities {
            if !self.existing.is_new(label::CITY, &c.id) {
                continue;
            }
            let r = &mut self.row;
            r.clear();
            r.str(&c.id);
            r.city_properties(c);
            r.end();
            self.flush_row(label::CITY, 1)?;
            self.row.clear();
            self.row.str(&c.id);
            self.row.str(&c.country_code);
            self.row.end();
            self.flush_row(rel::IN_COUNTRY, 1)?;
        }
        Ok(())
    }

    fn stage_learner(&mut self, l: &Learner) -> Result<(), SinkError> {
        match self.existing.learners.get(&key_hash(&l.learner_id)) {
            Some(&hash) if hash == l.content_hash => {
                self.summary.learners_unchanged += 1;
                return Ok(());
            }
            Some(_) => {
                self.summary.learners_updated += 1;
                self.changed.push(l.learner_id.clone());
            }
            None => {}
        }
        let r = &mut self.row;
        r.clear();
        r.str(&l.learner_id);
        r.learner_properties(l, ListSyntax::Bracketed);
        r.end();
        self.flush_row(label::LEARNER, 1)?;

        self.row.clear();
        for skill in &l.skills {
            self.row.str(&l.learner_id);
            self.row.str(skill);
            self.row.end();
            self.row.clear_fields();
        }
        self.flush_row(rel::HAS_SKILL, l.skills.len() as u64)?;

        self.row.clear();
        for e in &l.enrollments {
            let r = &mut self.row;
            r.str(&l.learner_id);
            r.str(&e.cohort_id);
            r.enrollment_properties(e);
            r.end();
            r.clear_fields();
        }
        self.flush_row(rel::ENROLLED_IN, l.enrollments.len() as u64)?;

        if self.config.geo_relationships {
            for (target, ty) in [
                (&l.city_of_residence_id, rel::LIVES_IN),
                (&l.country_of_residence_code, rel::RESIDES_IN),
                (&l.country_of_origin_code, rel::FROM_COUNTRY),
            ] {
                if let Some(t) = target {
                    self.row.clear();
                    self.row.str(&l.learner_id);
                    self.row.str(t);
                    self.row.end();
                    self.flush_row(ty, 1)?;
                }
            }
        }
        Ok(())
    }

    /// Deletes the stored versions of changed learners with their relationships, set-based.
    fn delete_changed(&self, conn: &Connection<'_>) -> Result<(), SinkError> {
        if self.changed.is_empty() {
            return Ok(());
        }
        let mut statement = conn
            .prepare("UNWIND $ids AS id MATCH (l:Learner {learner_id: id}) DETACH DELETE l")
            .map_err(|e| self.target_error(e))?;
        for chunk in self.changed.chunks(DELETE_CHUNK) {
            let ids = chunk.iter().map(|id| Value::String(id.clone())).collect();
            conn.execute(
                &mut statement,
                vec![("ids", Value::List(LogicalType::String, ids))],
            )
            .map_err(|e| self.target_error(e))?;
        }
        Ok(())
    }

    /// Bulk-copies every staged file that has rows, in load order.
    fn copy_staged(&mut self, conn: &Connection<'_>) -> Result<(), SinkError> {
        for staged in &mut self.staged {
            staged.flush()?;
        }
        for staged in &self.staged {
            if staged.rows == 0 {
                continue;
            }
            // Learner text (bios) may hold quoted line breaks, which LadybugDB's parallel CSV
            // reader refuses; the other files have none and are read in parallel.
            let parallel = staged.table != label::LEARNER;
            let statement = format!(
                "COPY {} FROM '{}' (HEADER=true, PARALLEL={parallel})",
                staged.table,
                staged.path.display()
            );
            let started = std::time::Instant::now();
            conn.query(&statement).map_err(|e| {
                self.target_error(format!("bulk copy of {} failed: {e}", staged.table))
            })?;
            tracing::debug!(
                table = %staged.table,
                rows = staged.rows,
                seconds = started.elapsed().as_secs_f64(),
                "TableCopied"
            );
        }
        for staged in self.staged.iter().filter(|s| s.rows > 0) {
            if NODE_TABLES.iter().any(|(l, _)| *l == staged.table) {
                self.summary.add_nodes(staged.table, staged.rows);
            } else {
                self.summary.add_relationships(staged.table, staged.rows);
            }
        }
        Ok(())
    }
}

/// The 64-bit hash by which the sink remembers a stored learner.
fn key_hash(id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes())
}

impl GraphSink for LbugSink {
    fn open(&mut self) -> Result<(), SinkError> {
        let dir = self.config.dir.clone();
        std::fs::create_dir_all(&dir).map_err(|source| SinkError::Io {
            path: dir.clone(),
            source,
        })?;
        let system = SystemConfig::default().buffer_pool_size(self.config.buffer_pool_mib << 20);
        let db = Database::new(crate::database_path(&dir), system)
            .map_err(|e| self.target_error(format!("cannot open the database: {e}")))?;
        {
            let conn = self.connection(&db)?;
            for statement in ddl() {
                conn.query(&statement).map_err(|e| self.target_error(e))?;
            }
            self.read_existing(&conn)?;
        }
        self.db = Some(db);
        self.stage()
    }

    fn write(&mut self, batch: &LearnerBatch) -> Result<(), SinkError> {
        self.stage_dimensions(batch)?;
        for learner in &batch.learners {
            self.stage_learner(learner)?;
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<WriteSummary, SinkError> {
        let db = self
            .db
            .take()
            .ok_or_else(|| self.target_error("finish before open"))?;
        {
            let conn = self.connection(&db)?;
            self.delete_changed(&conn)?;
            self.copy_staged(&conn)?;
        }
        drop(db);
        self.staged.clear();
        let staging = self.staging_dir();
        std::fs::remove_dir_all(&staging).map_err(|source| SinkError::Io {
            path: staging,
            source,
        })?;
        self.summary.files = vec![crate::database_path(&self.config.dir)];
        Ok(std::mem::take(&mut self.summary))
    }

    fn describe(&self) -> String {
        format!("embedded:{}", self.config.dir.display())
    }
}
