//! The [`LbugSink`]: batches staged as files, bulk-copied into LadybugDB when the run finishes.
//!
//! The learners and their relationships, the millions of rows, are staged as typed Parquet
//! (`staged_parquet`), encoded by the transform workers on a first load and by the sink itself
//! into a populated database, where it decides learner by learner what to copy
//! (`learner_tables`); the dimension tables, a few thousand rows, as CSV.
//!
//! Crash-safe resume: a checkpoint syncs the staged files and records their lengths (for the
//! Parquet files, how many are closed); a resumed run cuts them back to those lengths and reads
//! the dimension keys and changed learners staged so far back from them. The copies at the end
//! are journaled in `copy-progress.log` in the database folder: before each `COPY`, the table and
//! its row count, synced. A `COPY` is one transaction, so after a crash the table either still
//! has that count (copy again) or not (it committed). The line `all` says every copy committed,
//! and outlives the staged files.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use lbug::{Connection, Database, LogicalType, SystemConfig, Value};
use learngraph_model::schema::{label, rel, Ident};
use learngraph_model::{
    Encoded, GraphSink, Learner, LearnerBatch, LearnerEncoder, SinkError, StoredLearners,
    WriteSummary,
};
use learngraph_sink_import::csv_out::RowBuf;
use learngraph_sink_import::out_file::{OutFile, PageCache};
use serde::{Deserialize, Serialize};

use crate::learner_tables::{table_defs, LearnerTables};
use crate::schema::{ddl, NODE_TABLES, REL_TABLES};
use crate::staged_parquet::StagedParquet;

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
    /// Store the learners' relationships backward too (see [`ddl`]).
    pub backward_edges: bool,
    /// Delete the learners the database holds that the export does not.
    pub delete_missing: bool,
}

/// Keys set-based deletes take at once.
const DELETE_CHUNK: usize = 10_000;

/// Learners the sink stages itself (into a populated database) that it encodes as one row group.
const BATCH_ROWS: usize = 16_384;

/// The copy journal, in the database folder.
const COPY_LOG: &str = "copy-progress.log";

/// The state a resumed run continues from.
#[derive(Default, Serialize, Deserialize)]
struct Checkpoint {
    /// Durable position and rows of each table's staging, by table (and of the changed learners'
    /// keys, `changed`): the length in bytes of a CSV file, the number of closed Parquet files.
    staged: BTreeMap<String, (u64, u64)>,
    summary: WriteSummary,
}

/// What the database held when the sink was opened: the keys a load must not copy again.
#[derive(Default)]
struct Existing {
    /// Learners, with their `content_hash`.
    learners: StoredLearners,
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

/// One staged CSV file: the rows of one dimension table, with a header line.
struct Staged {
    table: Ident,
    file: OutFile,
    rows: u64,
}

impl Staged {
    /// Creates the file with its header, or, resuming, cuts it back to `at` (bytes, rows).
    fn create(
        dir: &Path,
        table: Ident,
        columns: &[&str],
        at: Option<(u64, u64)>,
    ) -> Result<Staged, SinkError> {
        let header = columns.join(",") + "\n";
        let path = dir.join(format!("{table}.csv"));
        Ok(Staged {
            table,
            // Read back by the COPY at the end of this run: kept in the page cache.
            file: OutFile::open(
                path,
                Some(header.as_bytes()),
                at.map(|(bytes, _)| bytes),
                PageCache::Use,
            )?,
            rows: at.map_or(0, |(_, rows)| rows),
        })
    }

    /// Flushes and syncs; returns the durable (bytes, rows).
    fn sync(&mut self) -> Result<(u64, u64), SinkError> {
        Ok((self.file.sync()?, self.rows))
    }

    /// The first column of every row staged so far (keys, with the header skipped).
    fn keys(&mut self) -> Result<Vec<String>, SinkError> {
        self.file.flush()?;
        let error = |e: csv::Error| SinkError::Io {
            path: self.file.path().to_path_buf(),
            source: std::io::Error::other(e),
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_path(self.file.path())
            .map_err(error)?;
        let mut keys = Vec::new();
        for record in reader.records() {
            let record = record.map_err(error)?;
            keys.push(record.get(0).unwrap_or_default().to_string());
        }
        Ok(keys)
    }

    fn write(&mut self, bytes: &[u8], rows: u64) -> Result<(), SinkError> {
        self.rows += rows;
        self.file.write(bytes)
    }
}

/// Builds the learner graph in an embedded LadybugDB database.
pub struct LbugSink {
    config: LbugConfig,
    db: Option<Database>,
    existing: Existing,
    /// Staged CSV files by table, in load order: dimension nodes, then their relationships.
    staged: Vec<Staged>,
    /// The staged learners.
    learners: Option<StagedParquet>,
    /// The learners' relationships, staged in [`REL_TABLES`] order.
    learner_rels: Vec<StagedParquet>,
    /// The rows of the learners this sink decides to copy, and their encoding; a first load's
    /// come encoded by the transform workers (see `learner_tables`).
    tables: LearnerTables,
    encoded: Encoded,
    /// Learners whose stored version is replaced, and their staged file.
    changed: Vec<String>,
    changed_file: Option<Staged>,
    /// A resumed run found every copy committed: only the summary remains.
    copied_all: bool,
    row: RowBuf,
    summary: WriteSummary,
}

/// The staged file of changed learners' keys (never copied: it names what to delete).
const CHANGED: Ident = Ident::new("changed");

impl LbugSink {
    /// A sink for the database folder `config.dir`; nothing is touched until [`GraphSink::open`].
    pub fn new(config: LbugConfig) -> Self {
        LbugSink {
            db: None,
            existing: Existing::default(),
            staged: Vec::new(),
            learners: None,
            learner_rels: Vec::new(),
            tables: LearnerTables::new(config.geo_relationships),
            encoded: Encoded::default(),
            changed: Vec::new(),
            changed_file: None,
            copied_all: false,
            row: RowBuf::default(),
            summary: WriteSummary::default(),
            config,
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
                self.existing.learners.insert(id, hash);
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

    /// Opens the database, creates the schema, and reads what it holds.
    fn open_database(&mut self) -> Result<(), SinkError> {
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
            for statement in ddl(self.config.backward_edges) {
                conn.query(&statement).map_err(|e| self.target_error(e))?;
            }
            self.read_existing(&conn)?;
        }
        self.db = Some(db);
        Ok(())
    }

    /// Creates the staged files, or reopens them at a checkpoint.
    fn stage(&mut self, at: Option<&Checkpoint>) -> Result<(), SinkError> {
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
        if at.is_none() {
            remove_if_present(&self.config.dir.join(COPY_LOG))?;
        }
        let position = |table: Ident| at.and_then(|c| c.staged.get(table.as_str()).copied());
        self.staged.clear();
        self.learner_rels.clear();
        for def in table_defs() {
            let staged = StagedParquet::open(
                &dir,
                def.table,
                &def.columns,
                def.layout,
                position(def.table),
            )?;
            if def.table == label::LEARNER {
                self.learners = Some(staged);
            } else {
                self.learner_rels.push(staged);
            }
        }
        for (label, props) in NODE_TABLES.iter().filter(|(l, _)| *l != label::LEARNER) {
            let columns: Vec<&str> = props.iter().map(|p| p.name.as_str()).collect();
            self.staged
                .push(Staged::create(&dir, *label, &columns, position(*label))?);
        }
        for (ty, _, _, props) in REL_TABLES.iter().filter(|r| r.1 != label::LEARNER) {
            let mut columns = vec!["from", "to"];
            columns.extend(props.iter().map(|p| p.name.as_str()));
            self.staged
                .push(Staged::create(&dir, *ty, &columns, position(*ty))?);
        }
        let mut changed = Staged::create(&dir, CHANGED, &["learner_id"], position(CHANGED))?;
        self.changed = changed.keys()?;
        self.changed_file = Some(changed);
        if at.is_some() {
            // Dimension nodes staged before the crash must not be staged twice.
            for (label, _) in &NODE_TABLES[..NODE_TABLES.len() - 1] {
                for key in self.out(*label).keys()? {
                    self.existing.is_new(*label, &key);
                }
            }
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
            c.write_properties(r);
            r.end();
            self.flush_row(label::COUNTRY, 1)?;
        }
        for c in &d.cities {
            if !self.existing.is_new(label::CITY, &c.id) {
                continue;
            }
            let r = &mut self.row;
            r.clear();
            c.write_properties(r);
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
        match self.existing.learners.visit(&l.learner_id) {
            Some(hash) if hash == l.content_hash => {
                self.summary.learners_unchanged += 1;
                return Ok(());
            }
            Some(_) => {
                self.summary.learners_updated += 1;
                self.changed.push(l.learner_id.clone());
                self.row.clear();
                self.row.str(&l.learner_id);
                self.row.end();
                if let Some(f) = self.changed_file.as_mut() {
                    f.write(&self.row.buf, 1)?;
                }
            }
            None => self.summary.learners_added += 1,
        }
        self.tables.push(l);
        Ok(())
    }

    /// Stages the learners and relationships encoded in `encoded`, whose outputs follow
    /// [`table_defs`].
    fn append_encoded(&mut self, encoded: &Encoded) -> Result<(), SinkError> {
        let staged = self.learners.iter_mut().chain(&mut self.learner_rels);
        for (staged, bytes) in staged.zip(&encoded.outputs) {
            if !bytes.is_empty() {
                staged.append(bytes)?;
            }
        }
        Ok(())
    }

    /// Encodes the learners gathered by [`LbugSink::stage_learner`] and stages them.
    fn flush_tables(&mut self) -> Result<(), SinkError> {
        if self.tables.rows() == 0 {
            return Ok(());
        }
        let mut encoded = std::mem::take(&mut self.encoded);
        let result = match self.tables.encode(&mut encoded) {
            Ok(()) => self.append_encoded(&encoded),
            Err((table, message)) => {
                let mut staged = self.learners.iter().chain(&self.learner_rels);
                Err(match staged.find(|s| s.table() == table) {
                    Some(s) => s.error(&message),
                    None => self.target_error(message),
                })
            }
        };
        self.encoded = encoded;
        result
    }

    /// Finds the stored learners the export does not hold; deletes them if so configured.
    fn missing(&mut self, conn: &Connection<'_>) -> Result<(), SinkError> {
        if self.existing.learners.is_empty() {
            return Ok(());
        }
        let rows = conn
            .query("MATCH (l:Learner) RETURN l.learner_id")
            .map_err(|e| self.target_error(e))?;
        let mut missing: Vec<String> = rows
            .filter_map(|row| match row.into_iter().next() {
                Some(Value::String(id)) => Some(id),
                _ => None,
            })
            .filter(|id| self.existing.learners.is_missing(id))
            .collect();
        self.summary.record_missing(&mut missing);
        if self.config.delete_missing {
            self.delete(conn, &missing)?;
            self.summary.learners_deleted = missing.len() as u64;
        }
        Ok(())
    }

    /// Deletes learners with their relationships, set-based.
    fn delete(&self, conn: &Connection<'_>, ids: &[String]) -> Result<(), SinkError> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut statement = conn
            .prepare("UNWIND $ids AS id MATCH (l:Learner {learner_id: id}) DETACH DELETE l")
            .map_err(|e| self.target_error(e))?;
        for chunk in ids.chunks(DELETE_CHUNK) {
            let ids = chunk.iter().map(|id| Value::String(id.clone())).collect();
            conn.execute(
                &mut statement,
                vec![("ids", Value::List(LogicalType::String, ids))],
            )
            .map_err(|e| self.target_error(e))?;
        }
        Ok(())
    }

    /// The number of rows of `table`.
    fn count(&self, conn: &Connection<'_>, table: Ident) -> Result<i64, SinkError> {
        let statement = if NODE_TABLES.iter().any(|(l, _)| *l == table) {
            format!("MATCH (n:{table}) RETURN count(n)")
        } else {
            format!("MATCH ()-[r:{table}]->() RETURN count(r)")
        };
        let rows = conn.query(&statement).map_err(|e| self.target_error(e))?;
        for row in rows {
            if let Some(Value::Int64(n)) = row.into_iter().next() {
                return Ok(n);
            }
        }
        Err(self.target_error(format!("no count for {table}")))
    }

    /// Deletes the changed learners' stored versions, then bulk-copies every staged file that
    /// has rows, in load order, skipping the copies a crashed run committed (see the module
    /// documentation).
    fn copy_staged(&mut self, conn: &Connection<'_>) -> Result<(), SinkError> {
        self.flush_tables()?;
        for staged in &mut self.staged {
            staged.file.flush()?;
        }
        for staged in self.learners.iter_mut().chain(&mut self.learner_rels) {
            staged.sync()?;
        }
        let log_path = self.config.dir.join(COPY_LOG);
        let logged: HashMap<String, i64> = read_to_string_if_present(&log_path)?
            .lines()
            .filter_map(|l| {
                let (table, count) = l.split_once(' ')?;
                Some((table.to_string(), count.parse().ok()?))
            })
            .collect();
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|source| SinkError::Io {
                path: log_path.clone(),
                source,
            })?;
        // Once the learners are copied again, deleting the changed ones would delete them anew.
        if !logged.contains_key(label::LEARNER.as_str()) {
            self.delete(conn, &self.changed)?;
        }
        for (table, rows, source) in self.copies() {
            if rows == 0 {
                continue;
            }
            let before = self.count(conn, table)?;
            match logged.get(table.as_str()) {
                Some(&count) if count != before => {
                    tracing::debug!(%table, "TableAlreadyCopied");
                    continue;
                }
                Some(_) => {}
                None => append_synced(&mut log, &log_path, &format!("{table} {before}\n"))?,
            }
            let statement = format!("COPY {table} FROM {source}");
            let started = std::time::Instant::now();
            conn.query(&statement).map_err(|e| {
                self.target_error(copy_failed(table, &e, self.config.buffer_pool_mib))
            })?;
            tracing::debug!(
                %table,
                rows,
                seconds = started.elapsed().as_secs_f64(),
                "TableCopied"
            );
        }
        append_synced(&mut log, &log_path, "all\n")?;
        let copied: Vec<(Ident, u64)> = self.copies().map(|(t, rows, _)| (t, rows)).collect();
        self.count_copied(copied);
        Ok(())
    }

    /// The copies in load order (dimension nodes and their relationships, learners, the
    /// learners' relationships): table, rows staged, and the `FROM` clause that reads them.
    fn copies(&self) -> impl Iterator<Item = (Ident, u64, String)> + '_ {
        // The CSV files hold no quoted line breaks (bios are in the learners' Parquet files), so
        // LadybugDB's parallel CSV reader may read them.
        let csv = self.staged.iter().map(|s| {
            let from = format!("'{}' (HEADER=true, PARALLEL=true)", s.file.path().display());
            (s.table, s.rows, from)
        });
        let parquet = self
            .learners
            .iter()
            .chain(&self.learner_rels)
            .map(|s| (s.table(), s.rows, format!("'{}'", s.pattern().display())));
        csv.chain(parquet)
    }

    fn count_copied(&mut self, copied: impl IntoIterator<Item = (Ident, u64)>) {
        for (table, rows) in copied.into_iter().filter(|(_, rows)| *rows > 0) {
            if NODE_TABLES.iter().any(|(l, _)| *l == table) {
                self.summary.add_nodes(table, rows);
            } else {
                self.summary.add_relationships(table, rows);
            }
        }
    }

    /// Removes the staged files, or what a crash left of them.
    fn remove_staging(&self) -> Result<(), SinkError> {
        let staging = self.staging_dir();
        match std::fs::remove_dir_all(&staging) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(SinkError::Io {
                path: staging,
                source: e,
            }),
            _ => Ok(()),
        }
    }
}

fn append_synced(log: &mut File, path: &Path, line: &str) -> Result<(), SinkError> {
    log.write_all(line.as_bytes())
        .and_then(|()| log.sync_data())
        .map_err(|source| SinkError::Io {
            path: path.to_path_buf(),
            source,
        })
}

fn read_to_string_if_present(path: &Path) -> Result<String, SinkError> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(s),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(source) => Err(SinkError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn remove_if_present(path: &Path) -> Result<(), SinkError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(SinkError::Io {
            path: path.to_path_buf(),
            source: e,
        }),
        _ => Ok(()),
    }
}

impl GraphSink for LbugSink {
    fn open(&mut self) -> Result<(), SinkError> {
        self.open_database()?;
        self.stage(None)
    }

    fn replayed(&mut self, batch: &LearnerBatch) {
        for l in &batch.learners {
            self.existing.learners.visit(&l.learner_id);
        }
    }

    fn checkpoint(&mut self) -> Result<serde_json::Value, SinkError> {
        self.flush_tables()?;
        let mut staged = BTreeMap::new();
        for s in self.staged.iter_mut().chain(self.changed_file.as_mut()) {
            staged.insert(s.table.to_string(), s.sync()?);
        }
        for s in self.learners.iter_mut().chain(&mut self.learner_rels) {
            staged.insert(s.table().to_string(), s.sync()?);
        }
        let state = Checkpoint {
            staged,
            summary: self.summary.clone(),
        };
        Ok(serde_json::to_value(state).unwrap_or_default())
    }

    fn resume(&mut self, state: &serde_json::Value) -> Result<(), SinkError> {
        let state: Checkpoint = serde_json::from_value(state.clone()).map_err(|e| {
            self.target_error(format!(
                "the checkpoint does not describe this database: {e}"
            ))
        })?;
        self.open_database()?;
        let log = read_to_string_if_present(&self.config.dir.join(COPY_LOG))?;
        self.summary = state.summary.clone();
        if log.lines().any(|l| l == "all") {
            self.copied_all = true;
            let tables = NODE_TABLES
                .iter()
                .map(|(l, _)| *l)
                .chain(REL_TABLES.iter().map(|r| r.0));
            let copied: Vec<(Ident, u64)> = tables
                .filter_map(|t| Some((t, state.staged.get(t.as_str())?.1)))
                .collect();
            self.count_copied(copied);
            return Ok(());
        }
        self.stage(Some(&state))
    }

    fn write(&mut self, batch: &LearnerBatch) -> Result<(), SinkError> {
        self.stage_dimensions(batch)?;
        let tables = self.learner_rels.len() + 1;
        match &batch.encoded {
            // Only a first load's learners come encoded: every one of them is new.
            Some(e) if e.outputs.len() == tables && self.existing.learners.is_empty() => {
                self.summary.learners_added += batch.learners.len() as u64;
                self.flush_tables()?;
                self.append_encoded(e)
            }
            _ => {
                for learner in &batch.learners {
                    self.stage_learner(learner)?;
                }
                if self.tables.rows() >= BATCH_ROWS {
                    self.flush_tables()?;
                }
                Ok(())
            }
        }
    }

    /// On a first load, the transform workers encode the learners (see `learner_tables`).
    fn encoder(&self) -> Option<Box<dyn LearnerEncoder>> {
        let first_load = self.existing.learners.is_empty();
        first_load.then(|| {
            Box::new(LearnerTables::new(self.config.geo_relationships)) as Box<dyn LearnerEncoder>
        })
    }

    fn finish(&mut self) -> Result<WriteSummary, SinkError> {
        let db = self
            .db
            .take()
            .ok_or_else(|| self.target_error("finish before open"))?;
        {
            // Also after a crash that followed the copies: the missing learners are still
            // there (or, deleted, no longer counted).
            let conn = self.connection(&db)?;
            self.missing(&conn)?;
            if !self.copied_all {
                self.copy_staged(&conn)?;
            }
        }
        drop(db);
        self.staged.clear();
        self.learners = None;
        self.learner_rels.clear();
        self.changed_file = None;
        self.remove_staging()?;
        self.summary.files = vec![crate::database_path(&self.config.dir)];
        Ok(std::mem::take(&mut self.summary))
    }

    fn describe(&self) -> String {
        format!("embedded:{}", self.config.dir.display())
    }
}

/// The message of a failed `COPY`: LadybugDB's, with what to change when its page cache was too
/// small (a copy of 17 million learners needs more than 640 MiB).
fn copy_failed(table: Ident, e: &dyn std::fmt::Display, buffer_pool_mib: u64) -> String {
    let mut message = format!("bulk copy of {table} failed: {e}");
    if message.contains("buffer pool is full") {
        message.push_str(&format!(
            " (raise target.embedded.buffer_pool_mib, now {buffer_pool_mib} MiB, and load again)"
        ));
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_buffer_pool_names_the_setting_to_raise() {
        let full = "Buffer manager exception: Unable to allocate memory! The buffer pool is full \
                    and no memory could be freed!";
        let m = copy_failed(label::LEARNER, &full, 640);
        assert!(
            m.starts_with("bulk copy of Learner failed: Buffer manager"),
            "{m}"
        );
        assert!(m.ends_with("target.embedded.buffer_pool_mib, now 640 MiB, and load again)"));
        let other = copy_failed(label::LEARNER, &"Copy exception: wrong type", 640);
        assert!(!other.contains("buffer_pool_mib"), "{other}");
    }
}
