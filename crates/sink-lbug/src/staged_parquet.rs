//! [`StagedParquet`]: one table's rows staged as typed Parquet files, one per stretch between
//! checkpoints, for one `COPY <table> FROM '<table>-*.parquet'`.
//!
//! LadybugDB copies from Parquet in about three quarters of the time it takes from CSV
//! (BENCHMARKS.md): a quarter of a CSV copy is parsing text and checking UTF-8. The learners and
//! their relationships, the millions of rows, are staged so; the small dimension tables stay CSV.
//! Timestamps stay ISO text, which LadybugDB casts as it does from CSV; its Parquet reader reads
//! the writer's timestamp columns as plain integers.
//!
//! Rows are encoded apart from the file they go to: a [`TableEncoder`] gathers them column by
//! column and writes them as a small Parquet file in memory, one row group, on whichever thread
//! made them (a transform worker, on a first load). [`StagedParquet::append`] then copies that
//! row group's encoded column chunks into the staged file as they are, so the one thread that
//! writes the files neither builds columns nor encodes values. LadybugDB copies row groups of a
//! batch (5,000 rows) as fast as larger ones (BENCHMARKS.md).
//!
//! A Parquet file is only readable once its footer is written, so it cannot be cut back to a
//! checkpoint like a CSV file. Instead a checkpoint closes the current file (footer, then
//! `fsync`) and the next row starts a new one; a resumed run deletes the files after the
//! checkpointed count.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, Date32Builder, Float64Builder, Int64Builder, ListBuilder, PrimitiveBuilder,
    StringBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::ArrowPrimitiveType;
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use bytes::Bytes;
use learngraph_model::properties::hex16;
use learngraph_model::schema::{Ident, PropType};
use learngraph_model::{Date, DateTime, Key, PropertyWriter, SinkError};
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::arrow::{ArrowSchemaConverter, ArrowWriter};
use parquet::basic::Compression;
use parquet::column::writer::ColumnCloseResult;
use parquet::errors::ParquetError;
use parquet::file::metadata::ParquetMetaDataReader;
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterPropertiesPtr};
use parquet::file::reader::{ChunkReader, Length};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::{ColumnPath, TypePtr};

/// Bytes written to a staged file at a time.
const WRITE_BUFFER: usize = 1 << 20;

/// Room for a batch like one of `n` items or bytes, and some more: a batch that outgrows its
/// builder copies it whole.
fn room(n: usize) -> usize {
    n + n / 4
}

/// A text builder with room for a batch like `array`.
fn text_builder_like(array: &StringArray) -> StringBuilder {
    StringBuilder::with_capacity(room(array.len()), room(array.value_data().len()))
}

/// A primitive column's values; its builder starts again with room for as many.
fn finish_primitive<T: ArrowPrimitiveType>(b: &mut PrimitiveBuilder<T>) -> ArrayRef {
    let array = b.finish();
    *b = PrimitiveBuilder::with_capacity(array.len());
    Arc::new(array)
}

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

    /// The column's values as an array. The builder starts again with room for a batch like
    /// this one: arrow's `finish` leaves it empty, and growing it back by doubling copied each
    /// batch's text several times into freshly faulted pages.
    fn finish(&mut self) -> ArrayRef {
        match self {
            Column::Text(b) => {
                let array = b.finish();
                *b = text_builder_like(&array);
                Arc::new(array)
            }
            Column::Long(b) => finish_primitive(b),
            Column::Double(b) => finish_primitive(b),
            Column::Date(b) => finish_primitive(b),
            Column::TextList(b) => {
                let array = b.finish();
                let values = text_builder_like(array.values().as_string::<i32>());
                *b = ListBuilder::with_capacity(values, array.len());
                Arc::new(array)
            }
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

/// Appends one row's values, column after column, in the table's column order: the ends of a
/// relationship with [`RowWriter::key`], properties as a [`PropertyWriter`]. A value of another
/// type than its column's, or a row of too few or too many values, is a bug in the caller; it is
/// noted, and the rows gathered with it are refused (see [`TableEncoder::encode`]).
pub(crate) struct RowWriter<'a> {
    columns: std::slice::IterMut<'a, Column>,
    mismatch: &'a mut bool,
    /// Reused for the text of timestamps.
    scratch: &'a mut Vec<u8>,
}

impl RowWriter<'_> {
    /// A key: the node at one end of a relationship.
    pub fn key(&mut self, key: &str) {
        self.append_text(Some(key));
    }

    fn append_text(&mut self, v: Option<&str>) {
        match self.columns.next() {
            Some(Column::Text(b)) => b.append_option(v),
            _ => *self.mismatch = true,
        }
    }
}

/// Property names are the columns' (fixed when the table was opened), so they are not read here.
impl PropertyWriter for RowWriter<'_> {
    fn text(&mut self, _: Ident, v: Option<&str>) {
        self.append_text(v);
    }

    fn long(&mut self, _: Ident, v: Option<i64>) {
        match self.columns.next() {
            Some(Column::Long(b)) => b.append_option(v),
            _ => *self.mismatch = true,
        }
    }

    fn double(&mut self, _: Ident, v: Option<f64>) {
        match self.columns.next() {
            Some(Column::Double(b)) => b.append_option(v),
            _ => *self.mismatch = true,
        }
    }

    fn date(&mut self, _: Ident, v: Option<Date>) {
        let days = v.and_then(|d| i32::try_from(d.days_since_epoch()).ok());
        match self.columns.next() {
            Some(Column::Date(b)) => b.append_option(days),
            _ => *self.mismatch = true,
        }
    }

    fn datetime(&mut self, _: Ident, v: Option<DateTime>) {
        let Some(t) = v else {
            return self.append_text(None);
        };
        let mut scratch = std::mem::take(self.scratch);
        scratch.clear();
        t.write_iso(&mut scratch);
        self.append_text(std::str::from_utf8(&scratch).ok());
        *self.scratch = scratch;
    }

    fn text_list(&mut self, _: Ident, items: &[Key]) {
        match self.columns.next() {
            Some(Column::TextList(b)) => {
                for item in items {
                    b.values().append_value(item);
                }
                b.append(true);
            }
            _ => *self.mismatch = true,
        }
    }

    fn hash(&mut self, _: Ident, v: u64) {
        self.append_text(std::str::from_utf8(&hex16(v)).ok());
    }
}

/// How a staged table's columns are written, besides their types.
#[derive(Clone, Copy, Default)]
pub(crate) struct Layout<'a> {
    /// Columns holding a different value in (nearly) every row: written plain. A dictionary
    /// would cost the writer a hash per value and LadybugDB a decode per value, and save nothing.
    pub distinct: &'a [&'a str],
    /// Columns holding a value in every row: declared required, so that the writer encodes no
    /// definition level for them. A row without one is refused with its batch.
    pub required: &'a [&'a str],
}

/// One table's rows encoded as Parquet: gathered column by column, then written as a Parquet
/// file of one row group into a buffer, which [`StagedParquet::append`] splices into the staged
/// file without decoding it. A transform worker encodes its batches' rows so, in parallel with the
/// other workers; the sink, rows it decides on itself.
pub(crate) struct TableEncoder {
    schema: SchemaRef,
    props: WriterProperties,
    columns: Vec<Column>,
    mismatch: bool,
    scratch: Vec<u8>,
}

/// The Arrow schema and the Parquet writer's properties of a table whose columns are `columns`
/// (name and type), written as `layout` says: what its encoders write and its staged files
/// declare.
fn format(columns: &[(&str, PropType)], layout: Layout<'_>) -> (SchemaRef, WriterProperties) {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, ty)| {
            let nullable = !layout.required.contains(name);
            Field::new(*name, Column::data_type(*ty), nullable)
        })
        .collect();
    let props = layout
        .distinct
        .iter()
        .fold(WriterProperties::builder(), |props, &name| {
            props.set_column_dictionary_enabled(ColumnPath::from(name), false)
        })
        .set_compression(Compression::UNCOMPRESSED)
        .set_statistics_enabled(EnabledStatistics::None)
        .set_offset_index_disabled(true)
        .build();
    (Arc::new(Schema::new(fields)), props)
}

impl TableEncoder {
    /// An encoder for a table whose columns are `columns` (name and type), written as `layout`
    /// says.
    pub fn new(columns: &[(&str, PropType)], layout: Layout<'_>) -> TableEncoder {
        let (schema, props) = format(columns, layout);
        TableEncoder {
            schema,
            props,
            columns: columns.iter().map(|(_, ty)| Column::new(*ty)).collect(),
            mismatch: false,
            scratch: Vec::new(),
        }
    }

    /// Gathers one row, whose values `values` appends in column order.
    pub fn push(&mut self, values: impl FnOnce(&mut RowWriter<'_>)) {
        let mut row = RowWriter {
            columns: self.columns.iter_mut(),
            mismatch: &mut self.mismatch,
            scratch: &mut self.scratch,
        };
        values(&mut row);
        if row.columns.next().is_some() {
            self.mismatch = true;
        }
    }

    /// Rows gathered since the last [`TableEncoder::encode`].
    pub fn rows(&self) -> usize {
        self.columns[0].len()
    }

    /// Writes the rows gathered into `out` (emptied first) as a Parquet file of one row group,
    /// and starts gathering anew. A row of the wrong shape, or without a required value, refuses
    /// them all: the message names the table's column.
    pub fn encode(&mut self, table: Ident, out: &mut Vec<u8>) -> Result<(), String> {
        out.clear();
        let columns: Vec<ArrayRef> = self.columns.iter_mut().map(Column::finish).collect();
        if std::mem::take(&mut self.mismatch) {
            return Err(format!("a row's values do not match the {table} columns"));
        }
        let batch =
            RecordBatch::try_new(self.schema.clone(), columns).map_err(|e| e.to_string())?;
        let options = ArrowWriterOptions::new()
            .with_properties(self.props.clone())
            .with_skip_arrow_metadata(true);
        let buf = std::mem::take(out);
        let mut writer = ArrowWriter::try_new_with_options(buf, self.schema.clone(), options)
            .map_err(|e| e.to_string())?;
        writer.write(&batch).map_err(|e| e.to_string())?;
        *out = writer.into_inner().map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// An encoded Parquet file in memory, as the Parquet reader reads files.
struct InMemory<'a>(&'a [u8]);

impl Length for InMemory<'_> {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
}

impl<'a> ChunkReader for InMemory<'a> {
    type T = &'a [u8];

    fn get_read(&self, start: u64) -> parquet::errors::Result<&'a [u8]> {
        let start = usize::try_from(start).unwrap_or(usize::MAX);
        self.0
            .get(start..)
            .ok_or_else(|| ParquetError::EOF(format!("offset {start} past the end")))
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        let start = usize::try_from(start).unwrap_or(usize::MAX);
        start
            .checked_add(length)
            .and_then(|end| self.0.get(start..end))
            .map(Bytes::copy_from_slice)
            .ok_or_else(|| ParquetError::EOF(format!("{length} bytes at {start} past the end")))
    }
}

/// One table's staged rows: Parquet files `<table>-NNNNNN.parquet` in the staging folder.
pub(crate) struct StagedParquet {
    table: Ident,
    dir: PathBuf,
    /// The Parquet schema every encoded row group of this table has.
    schema: TypePtr,
    props: WriterPropertiesPtr,
    /// The file being written, if a row was staged since the last checkpoint.
    writer: Option<SerializedFileWriter<BufWriter<File>>>,
    /// Files closed, synced and counted in a checkpoint's position.
    closed: u64,
    /// Rows staged, in all files.
    pub rows: u64,
}

impl StagedParquet {
    /// Stages `table`, whose columns are `columns` (name and type) written as `layout` says,
    /// into `dir`; resuming at `at` (closed files, rows), deletes the files after those.
    pub fn open(
        dir: &Path,
        table: Ident,
        columns: &[(&str, PropType)],
        layout: Layout<'_>,
        at: Option<(u64, u64)>,
    ) -> Result<StagedParquet, SinkError> {
        let (closed, rows) = at.unwrap_or((0, 0));
        let (arrow_schema, props) = format(columns, layout);
        let schema = ArrowSchemaConverter::new()
            .with_coerce_types(props.coerce_types())
            .convert(&arrow_schema)
            .map_err(|e| Self::parquet_error(dir)(&e))?
            .root_schema_ptr();
        let staged = StagedParquet {
            table,
            dir: dir.to_path_buf(),
            schema,
            props: Arc::new(props),
            writer: None,
            closed,
            rows,
        };
        staged.remove_files(closed)?;
        Ok(staged)
    }

    /// The table staged.
    pub fn table(&self) -> Ident {
        self.table
    }

    /// The pattern `COPY` reads every staged file with.
    pub fn pattern(&self) -> PathBuf {
        self.dir.join(format!("{}-*.parquet", self.table))
    }

    fn path(&self, n: u64) -> PathBuf {
        self.dir.join(format!("{}-{n:06}.parquet", self.table))
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
        let prefix = format!("{}-", self.table);
        for entry in entries {
            let entry = entry.map_err(Self::io(&self.dir))?;
            let name = entry.file_name();
            let number = name
                .to_str()
                .and_then(|n| n.strip_prefix(prefix.as_str())?.strip_suffix(".parquet"))
                .and_then(|n| n.parse::<u64>().ok());
            if number.is_some_and(|n| n >= from) {
                std::fs::remove_file(entry.path()).map_err(Self::io(&entry.path()))?;
            }
        }
        Ok(())
    }

    /// Stages the rows of `encoded`, a Parquet file of this table's [`TableEncoder`]: its row
    /// groups are copied into the current file as they are. Returns the rows staged.
    pub fn append(&mut self, encoded: &[u8]) -> Result<u64, SinkError> {
        let rows = self.splice(encoded)?;
        self.rows += rows;
        Ok(rows)
    }

    /// A refusal of this table's encoder, `message`, as an error of the file being written.
    pub fn error(&self, message: &str) -> SinkError {
        Self::parquet_error(&self.path(self.closed))(&message)
    }

    /// Copies the row groups of the Parquet file `encoded` into the current file, opening it if
    /// need be; returns their rows.
    fn splice(&mut self, encoded: &[u8]) -> Result<u64, SinkError> {
        let path = self.path(self.closed);
        let error = |e: ParquetError| Self::parquet_error(&path)(&e);
        let input = InMemory(encoded);
        let metadata = ParquetMetaDataReader::new()
            .parse_and_finish(&input)
            .map_err(error)?;
        let writer = match self.writer.as_mut() {
            Some(w) => w,
            None => {
                let file = File::create(&path).map_err(Self::io(&path))?;
                // The writer copies column chunks 8 KiB at a time: one system call per megabyte
                // instead.
                let file = BufWriter::with_capacity(WRITE_BUFFER, file);
                let w = SerializedFileWriter::new(file, self.schema.clone(), self.props.clone())
                    .map_err(error)?;
                self.writer.insert(w)
            }
        };
        let mut rows = 0;
        for group in metadata.row_groups() {
            let mut out = writer.next_row_group().map_err(error)?;
            for column in group.columns() {
                let close = ColumnCloseResult {
                    bytes_written: column.compressed_size() as u64,
                    rows_written: group.num_rows() as u64,
                    metadata: column.clone(),
                    bloom_filter: None,
                    column_index: None,
                    offset_index: None,
                };
                out.append_column(&input, close).map_err(error)?;
            }
            out.close().map_err(error)?;
            rows += group.num_rows() as u64;
        }
        Ok(rows)
    }

    /// Closes the current file (footer written, synced); returns the durable position: files
    /// closed, and rows in them.
    pub fn sync(&mut self) -> Result<(u64, u64), SinkError> {
        if let Some(writer) = self.writer.take() {
            let path = self.path(self.closed);
            let file = writer
                .into_inner()
                .map_err(|e| Self::parquet_error(&path)(&e))?
                .into_inner()
                .map_err(|e| Self::io(&path)(e.into_error()))?;
            file.sync_data().map_err(Self::io(&path))?;
            self.closed += 1;
        }
        Ok((self.closed, self.rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Date32Type, Float64Type};
    use learngraph_model::schema::rel;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    /// A property name, which this writer does not read.
    const X: Ident = Ident::new("x");

    const EDGE: &[(&str, PropType)] = &[("from", PropType::String), ("to", PropType::String)];

    /// A staged table fed as the sink feeds it: rows gathered by an encoder, encoded and appended
    /// when the file is synced.
    struct Table {
        staged: StagedParquet,
        encoder: TableEncoder,
    }

    impl Table {
        fn open(
            dir: &Path,
            table: Ident,
            columns: &[(&str, PropType)],
            layout: Layout<'_>,
            at: Option<(u64, u64)>,
        ) -> Result<Table, SinkError> {
            Ok(Table {
                staged: StagedParquet::open(dir, table, columns, layout, at)?,
                encoder: TableEncoder::new(columns, layout),
            })
        }

        fn push(&mut self, values: impl FnOnce(&mut RowWriter<'_>)) -> Result<(), SinkError> {
            self.encoder.push(values);
            Ok(())
        }

        fn sync(&mut self) -> Result<(u64, u64), SinkError> {
            if self.encoder.rows() > 0 {
                let mut encoded = Vec::new();
                let table = self.staged.table();
                self.encoder
                    .encode(table, &mut encoded)
                    .map_err(|e| self.staged.error(&e))?;
                self.staged.append(&encoded)?;
            }
            self.staged.sync()
        }

        fn pattern(&self) -> PathBuf {
            self.staged.pattern()
        }
    }

    fn edge(n: u64) -> impl FnOnce(&mut RowWriter<'_>) {
        move |row| {
            row.key(&format!("L{n}"));
            row.key("sql");
        }
    }

    /// Staged files, by name, with the rows each holds (read back through its footer).
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
        let mut staged =
            Table::open(dir.path(), rel::HAS_SKILL, EDGE, Layout::default(), None).unwrap();
        assert_eq!(staged.sync().unwrap(), (0, 0), "no row, no file");
        for n in 0..3 {
            staged.push(edge(n)).unwrap();
        }
        assert_eq!(staged.sync().unwrap(), (1, 3));
        for n in 3..5 {
            staged.push(edge(n)).unwrap();
        }
        assert_eq!(staged.sync().unwrap(), (2, 5));
        staged.push(edge(5)).unwrap();
        // A crash here loses the sixth row (not yet in a file); the journal holds (2, 5) or an
        // earlier position, and a resume from (1, 3) deletes the second file.
        assert_eq!(
            files(dir.path()),
            [
                ("HAS_SKILL-000000.parquet".into(), 3),
                ("HAS_SKILL-000001.parquet".into(), 2)
            ]
        );
        drop(staged);
        // Another table's files in the same folder are not this table's to delete.
        let mut other =
            Table::open(dir.path(), rel::ENROLLED_IN, EDGE, Layout::default(), None).unwrap();
        other.push(edge(9)).unwrap();
        other.sync().unwrap();
        let mut resumed = Table::open(
            dir.path(),
            rel::HAS_SKILL,
            EDGE,
            Layout::default(),
            Some((1, 3)),
        )
        .unwrap();
        assert_eq!(
            files(dir.path()),
            [
                ("ENROLLED_IN-000000.parquet".into(), 1),
                ("HAS_SKILL-000000.parquet".into(), 3)
            ]
        );
        resumed.push(edge(3)).unwrap();
        assert_eq!(resumed.sync().unwrap(), (2, 4));
        assert_eq!(resumed.pattern(), dir.path().join("HAS_SKILL-*.parquet"));
        assert_eq!(files(dir.path()).len(), 3);
    }

    /// The distinct columns are written plain, the others with a dictionary; both read back.
    #[test]
    fn distinct_columns_are_written_without_a_dictionary() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout {
            distinct: &["from"],
            required: &[],
        };
        let mut staged = Table::open(dir.path(), rel::HAS_SKILL, EDGE, layout, None).unwrap();
        for n in 0..100 {
            staged.push(edge(n)).unwrap();
        }
        staged.sync().unwrap();
        let file = File::open(dir.path().join("HAS_SKILL-000000.parquet")).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        let group = reader.metadata().row_group(0);
        let dictionary: Vec<bool> = (0..2)
            .map(|c| group.column(c).dictionary_page_offset().is_some())
            .collect();
        assert_eq!(
            dictionary,
            [false, true],
            "from plain, to with a dictionary"
        );
        let batch = reader.build().unwrap().next().unwrap().unwrap();
        assert_eq!(batch.column(0).as_string::<i32>().value(99), "L99");
        assert_eq!(batch.column(1).as_string::<i32>().value(99), "sql");
    }

    /// A required column is written without definition levels and reads back; a row without its
    /// value is refused, the file and the column named.
    #[test]
    fn required_columns_have_no_definition_levels_and_refuse_a_null() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout {
            distinct: &[],
            required: &["to"],
        };
        let mut staged = Table::open(dir.path(), rel::HAS_SKILL, EDGE, layout, None).unwrap();
        for n in 0..10 {
            staged.push(edge(n)).unwrap();
        }
        staged.sync().unwrap();
        let file = File::open(dir.path().join("HAS_SKILL-000000.parquet")).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        let schema = reader.metadata().file_metadata().schema_descr_ptr();
        let levels: Vec<i16> = (0..2).map(|c| schema.column(c).max_def_level()).collect();
        assert_eq!(levels, [1, 0], "from optional, to required");
        let batch = reader.build().unwrap().next().unwrap().unwrap();
        assert_eq!(batch.column(1).as_string::<i32>().value(9), "sql");

        staged
            .push(|row| {
                row.key("L10");
                row.text(X, None);
            })
            .unwrap();
        let e = staged.sync().unwrap_err().to_string();
        assert!(e.contains("HAS_SKILL-000001.parquet"), "{e}");
        assert!(e.contains("Column 'to'"), "{e}");
    }

    #[test]
    fn values_read_back_typed_and_nulls_stay_null() {
        let dir = tempfile::tempdir().unwrap();
        let columns = [
            ("from", PropType::String),
            ("enrolled_at", PropType::Date),
            ("score", PropType::Double),
            ("year", PropType::Long),
            ("skills", PropType::StringList),
            ("signup_at", PropType::DateTime),
            ("content_hash", PropType::String),
        ];
        let mut staged = Table::open(
            dir.path(),
            rel::ENROLLED_IN,
            &columns,
            Layout::default(),
            None,
        )
        .unwrap();
        staged
            .push(|row| {
                row.text(X, Some("L1"));
                row.date(X, Date::from_days_since_epoch(19_782));
                row.double(X, Some(93.5));
                row.long(X, Some(1990));
                row.text_list(X, &["sql".into(), "go".into()]);
                row.datetime(X, DateTime::new(Date::new(2024, 3, 1).unwrap(), 12, 0, 5));
                row.hash(X, 0xdead_beef);
            })
            .unwrap();
        staged
            .push(|row| {
                row.text(X, None);
                row.date(X, None);
                row.double(X, None);
                row.long(X, None);
                row.text_list(X, &[]);
                row.datetime(X, None);
                row.hash(X, 1);
            })
            .unwrap();
        staged.sync().unwrap();
        let file = File::open(dir.path().join("ENROLLED_IN-000000.parquet")).unwrap();
        let batch = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        let schema = batch.schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(
            names,
            [
                "from",
                "enrolled_at",
                "score",
                "year",
                "skills",
                "signup_at",
                "content_hash"
            ]
        );
        assert_eq!(batch.column(0).as_string::<i32>().value(0), "L1");
        assert_eq!(
            batch.column(1).as_primitive::<Date32Type>().value(0),
            19_782
        );
        assert_eq!(batch.column(2).as_primitive::<Float64Type>().value(0), 93.5);
        assert_eq!(batch.column(4).as_list::<i32>().value(0).len(), 2);
        let text = |c: usize, row: usize| batch.column(c).as_string::<i32>().value(row).to_string();
        assert_eq!(text(5, 0), "2024-03-01T12:00:05Z");
        assert_eq!(text(6, 0), "00000000deadbeef");
        assert_eq!(text(6, 1), "0000000000000001");
        for c in [0, 1, 2, 3, 5] {
            assert!(batch.column(c).is_null(1), "column {c}");
        }
        assert_eq!(batch.column(4).as_list::<i32>().value(1).len(), 0);
    }

    #[test]
    fn a_row_of_the_wrong_shape_is_refused_with_the_table_named() {
        let dir = tempfile::tempdir().unwrap();
        for values in [
            (|row: &mut RowWriter<'_>| row.key("L1")) as fn(&mut RowWriter<'_>),
            |row| {
                row.key("L1");
                row.key("sql");
                row.key("one too many");
            },
            |row| {
                row.key("L1");
                row.double(X, Some(1.0));
            },
        ] {
            let mut staged =
                Table::open(dir.path(), rel::HAS_SKILL, EDGE, Layout::default(), None).unwrap();
            staged.push(values).unwrap();
            let e = staged.sync().unwrap_err().to_string();
            assert!(e.contains("do not match the HAS_SKILL columns"), "{e}");
        }
    }
}
