//! [`LearnerParquet`]: the learners staged as typed Parquet files, one per stretch between
//! checkpoints, for one `COPY Learner FROM 'Learner-*.parquet'`.
//!
//! LadybugDB copies learners from Parquet in about three quarters of the time it takes from CSV
//! (BENCHMARKS.md): a quarter of a CSV copy is parsing text and checking UTF-8, and the learners
//! are the one table whose copy cannot use the parallel CSV reader (bios hold quoted line breaks).
//! Timestamps stay ISO text, which LadybugDB casts as it does from CSV; its Parquet reader reads
//! the writer's timestamp columns as plain integers.
//!
//! A Parquet file is only readable once its footer is written, so it cannot be cut back to a
//! checkpoint like a CSV file. Instead a checkpoint closes the current file (footer, then
//! `fsync`) and the next learner starts a new one; a resumed run deletes the files after the
//! checkpointed count.

use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, Date32Builder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use learngraph_model::schema::{PropType, LEARNER_PROPERTIES};
use learngraph_model::{DateTime, Learner, SinkError};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties};

/// Learners gathered before they are handed to the Parquet writer as one record batch.
const BATCH_ROWS: usize = 16_384;

/// Rows per row group: LadybugDB reads row groups in parallel.
const ROW_GROUP_ROWS: usize = 122_880;

/// One column being built, typed by the model's property type.
enum Column {
    Text(StringBuilder),
    Long(Int64Builder),
    Double(Float64Builder),
    Date(Date32Builder),
    TextList(ListBuilder<StringBuilder>),
}

impl Column {
    fn new(ty: PropType) -> Column {
        match ty {
            PropType::String | PropType::DateTime => Column::Text(StringBuilder::new()),
            PropType::Long => Column::Long(Int64Builder::new()),
            PropType::Double => Column::Double(Float64Builder::new()),
            PropType::Date => Column::Date(Date32Builder::new()),
            PropType::StringList => Column::TextList(ListBuilder::new(StringBuilder::new())),
        }
    }

    fn data_type(ty: PropType) -> DataType {
        match ty {
            PropType::String | PropType::DateTime => DataType::Utf8,
            PropType::Long => DataType::Int64,
            PropType::Double => DataType::Float64,
            PropType::Date => DataType::Date32,
            PropType::StringList => {
                DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
            }
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Column::Text(b) => Arc::new(b.finish()),
            Column::Long(b) => Arc::new(b.finish()),
            Column::Double(b) => Arc::new(b.finish()),
            Column::Date(b) => Arc::new(b.finish()),
            Column::TextList(b) => Arc::new(b.finish()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Column::Text(b) => b.len(),
            Column::Long(b) => b.len(),
            Column::Double(b) => b.len(),
            Column::Date(b) => b.len(),
            Column::TextList(b) => b.len(),
        }
    }
}

/// Appends one learner's values, column after column, in [`LEARNER_PROPERTIES`] order. A value
/// of another type than its column's is a bug in this file; it is noted, and the staged batch
/// is refused (see [`LearnerParquet::flush_batch`]).
struct RowWriter<'a> {
    columns: std::slice::IterMut<'a, Column>,
    mismatch: &'a mut bool,
}

impl RowWriter<'_> {
    fn text(&mut self, v: Option<&str>) {
        match self.columns.next() {
            Some(Column::Text(b)) => b.append_option(v),
            _ => *self.mismatch = true,
        }
    }

    fn long(&mut self, v: Option<i64>) {
        match self.columns.next() {
            Some(Column::Long(b)) => b.append_option(v),
            _ => *self.mismatch = true,
        }
    }

    fn double(&mut self, v: Option<f64>) {
        match self.columns.next() {
            Some(Column::Double(b)) => b.append_option(v),
            _ => *self.mismatch = true,
        }
    }

    fn date(&mut self, days: Option<i64>) {
        match self.columns.next() {
            Some(Column::Date(b)) => b.append_option(days.and_then(|d| i32::try_from(d).ok())),
            _ => *self.mismatch = true,
        }
    }

    fn text_list(&mut self, items: &[impl AsRef<str>]) {
        match self.columns.next() {
            Some(Column::TextList(b)) => {
                for item in items {
                    b.values().append_value(item.as_ref());
                }
                b.append(true);
            }
            _ => *self.mismatch = true,
        }
    }
}

/// The ISO text of a timestamp that `text` was written from, if there was one.
fn timestamp(t: Option<DateTime>, text: &[u8]) -> Option<&str> {
    t.and_then(|_| std::str::from_utf8(text).ok())
}

/// The staged learners: Parquet files `Learner-NNNNNN.parquet` in the staging folder.
pub(crate) struct LearnerParquet {
    dir: PathBuf,
    schema: SchemaRef,
    props: WriterProperties,
    columns: Vec<Column>,
    mismatch: bool,
    /// The file being written, if a learner was staged since the last checkpoint.
    writer: Option<ArrowWriter<File>>,
    /// Files closed, synced and counted in a checkpoint's position.
    closed: u64,
    /// Learners staged, in all files.
    pub rows: u64,
    /// Scratch text: the content hash and the two timestamps of the learner being staged.
    hash: String,
    times: [Vec<u8>; 2],
}

impl LearnerParquet {
    /// Stages into `dir`; resuming at `at` (closed files, rows), deletes the files after those.
    pub fn open(dir: &Path, at: Option<(u64, u64)>) -> Result<LearnerParquet, SinkError> {
        let (closed, rows) = at.unwrap_or((0, 0));
        let fields: Vec<Field> = LEARNER_PROPERTIES
            .iter()
            .map(|p| Field::new(p.name.as_str(), Column::data_type(p.ty), true))
            .collect();
        let props = WriterProperties::builder()
            .set_compression(Compression::UNCOMPRESSED)
            .set_statistics_enabled(EnabledStatistics::None)
            .set_max_row_group_size(ROW_GROUP_ROWS)
            .build();
        let staged = LearnerParquet {
            dir: dir.to_path_buf(),
            schema: Arc::new(Schema::new(fields)),
            props,
            columns: LEARNER_PROPERTIES
                .iter()
                .map(|p| Column::new(p.ty))
                .collect(),
            mismatch: false,
            writer: None,
            closed,
            rows,
            hash: String::new(),
            times: Default::default(),
        };
        staged.remove_files(closed)?;
        Ok(staged)
    }

    /// The pattern `COPY` reads every staged file with.
    pub fn pattern(&self) -> PathBuf {
        self.dir.join("Learner-*.parquet")
    }

    fn path(&self, n: u64) -> PathBuf {
        self.dir.join(format!("Learner-{n:06}.parquet"))
    }

    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SinkError + '_ {
        move |source| SinkError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// An error of the Parquet writer, as an I/O error of the file being written.
    fn parquet_error(path: &Path) -> impl FnOnce(&dyn std::fmt::Display) -> SinkError + '_ {
        move |e| Self::io(path)(std::io::Error::other(e.to_string()))
    }

    /// Deletes the staged files numbered `from` and up: what a crash left after a checkpoint.
    fn remove_files(&self, from: u64) -> Result<(), SinkError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(Self::io(&self.dir)(e)),
        };
        for entry in entries {
            let entry = entry.map_err(Self::io(&self.dir))?;
            let name = entry.file_name();
            let number = name
                .to_str()
                .and_then(|n| n.strip_prefix("Learner-")?.strip_suffix(".parquet"))
                .and_then(|n| n.parse::<u64>().ok());
            if number.is_some_and(|n| n >= from) {
                std::fs::remove_file(entry.path()).map_err(Self::io(&entry.path()))?;
            }
        }
        Ok(())
    }

    /// Stages one learner.
    pub fn push(&mut self, l: &Learner) -> Result<(), SinkError> {
        self.hash.clear();
        let _ = write!(self.hash, "{:016x}", l.content_hash);
        for (buf, t) in self.times.iter_mut().zip([l.signup_at, l.last_active_at]) {
            buf.clear();
            if let Some(t) = t {
                t.write_iso(buf);
            }
        }
        let [signup_at, last_active_at] = &self.times;
        let mut row = RowWriter {
            columns: self.columns.iter_mut(),
            mismatch: &mut self.mismatch,
        };
        row.text(Some(&l.learner_id));
        row.text(l.full_name.as_deref());
        row.text(l.email.as_deref());
        row.text(l.gender.map(|g| g.as_str()));
        row.date(l.birth_date.map(|d| d.days_since_epoch()));
        row.long(l.birth_year.map(i64::from));
        row.text(l.country_of_residence_code.as_deref());
        row.text(l.city_of_residence_id.as_deref());
        row.text(l.country_of_origin_code.as_deref());
        row.text(l.education_level.map(|e| e.as_str()));
        row.text(l.field_of_study.as_deref());
        row.text(l.employment_status.map(|e| e.as_str()));
        row.text_list(&l.skills);
        row.text(l.bio.as_deref());
        row.text(timestamp(l.signup_at, signup_at));
        row.text(timestamp(l.last_active_at, last_active_at));
        row.double(l.assessment_score);
        row.long(i64::try_from(l.source_row).ok());
        row.text(Some(&self.hash));
        if row.columns.next().is_some() {
            self.mismatch = true;
        }
        self.rows += 1;
        if self.columns[0].len() >= BATCH_ROWS {
            self.flush_batch()?;
        }
        Ok(())
    }

    /// Hands the gathered learners to the current file's writer, opening the file if need be.
    fn flush_batch(&mut self) -> Result<(), SinkError> {
        if self.columns[0].len() == 0 {
            return Ok(());
        }
        let path = self.path(self.closed);
        let columns: Vec<ArrayRef> = self.columns.iter_mut().map(Column::finish).collect();
        if std::mem::take(&mut self.mismatch) {
            let e = "a learner's values do not match the Learner columns of the model";
            return Err(Self::parquet_error(&path)(&e));
        }
        let batch = RecordBatch::try_new(self.schema.clone(), columns)
            .map_err(|e| Self::parquet_error(&path)(&e))?;
        let writer = match self.writer.as_mut() {
            Some(w) => w,
            None => {
                let file = File::create(&path).map_err(Self::io(&path))?;
                let props = Some(self.props.clone());
                let w = ArrowWriter::try_new(file, self.schema.clone(), props)
                    .map_err(|e| Self::parquet_error(&path)(&e))?;
                self.writer.insert(w)
            }
        };
        writer
            .write(&batch)
            .map_err(|e| Self::parquet_error(&path)(&e))
    }

    /// Closes the current file (footer written, synced); returns the durable position: files
    /// closed, and learners in them.
    pub fn sync(&mut self) -> Result<(u64, u64), SinkError> {
        self.flush_batch()?;
        if let Some(writer) = self.writer.take() {
            let path = self.path(self.closed);
            let file = writer
                .into_inner()
                .map_err(|e| Self::parquet_error(&path)(&e))?;
            file.sync_data().map_err(Self::io(&path))?;
            self.closed += 1;
        }
        Ok((self.closed, self.rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use learngraph_model::schema::PropType;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    fn learner(n: u64) -> Learner {
        Learner {
            learner_id: format!("L{n}"),
            skills: vec!["sql".into(), "go".into()],
            signup_at: DateTime::new(learngraph_model::Date::new(2024, 2, 29).unwrap(), 1, 2, 3),
            source_row: n,
            ..Learner::default()
        }
    }

    /// Staged files, by number, with the learners each holds (read back through its footer).
    fn files(dir: &Path) -> Vec<(String, i64)> {
        let mut out: Vec<(String, i64)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let file = File::open(e.path()).unwrap();
                let rows = ParquetRecordBatchReaderBuilder::try_new(file)
                    .unwrap()
                    .metadata()
                    .file_metadata()
                    .num_rows();
                (e.file_name().to_string_lossy().into_owned(), rows)
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn a_checkpoint_closes_a_file_and_a_resume_deletes_the_later_ones() {
        let dir = tempfile::tempdir().unwrap();
        let mut staged = LearnerParquet::open(dir.path(), None).unwrap();
        assert_eq!(staged.sync().unwrap(), (0, 0), "no learner, no file");
        for n in 0..3 {
            staged.push(&learner(n)).unwrap();
        }
        assert_eq!(staged.sync().unwrap(), (1, 3));
        for n in 3..5 {
            staged.push(&learner(n)).unwrap();
        }
        assert_eq!(staged.sync().unwrap(), (2, 5));
        staged.push(&learner(5)).unwrap();
        // A crash here loses the sixth learner (not yet in a file); the journal holds (2, 5) or
        // an earlier position, and a resume from (1, 3) deletes the second file.
        assert_eq!(
            files(dir.path()),
            [
                ("Learner-000000.parquet".into(), 3),
                ("Learner-000001.parquet".into(), 2)
            ]
        );
        drop(staged);
        let mut resumed = LearnerParquet::open(dir.path(), Some((1, 3))).unwrap();
        assert_eq!(files(dir.path()), [("Learner-000000.parquet".into(), 3)]);
        resumed.push(&learner(3)).unwrap();
        assert_eq!(resumed.sync().unwrap(), (2, 4));
        assert_eq!(
            files(dir.path()),
            [
                ("Learner-000000.parquet".into(), 3),
                ("Learner-000001.parquet".into(), 1)
            ]
        );
    }

    #[test]
    fn one_builder_per_learner_property_of_its_type() {
        let staged = LearnerParquet::open(Path::new("/nonexistent"), None);
        let staged = staged.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(staged.schema.fields().len(), LEARNER_PROPERTIES.len());
        for (field, p) in staged.schema.fields().iter().zip(LEARNER_PROPERTIES) {
            assert_eq!(field.name(), p.name.as_str());
            let text = matches!(p.ty, PropType::String | PropType::DateTime);
            assert_eq!(field.data_type() == &DataType::Utf8, text, "{}", p.name);
        }
    }
}
