//! Errors of the source stage. Each names the file, and the line and column where there is one.
//!
//! Row-level problems are not errors: they become [`RejectedRow`](crate::RejectedRow)s and go to the
//! quarantine. A [`SourceError`] stops the run, because the file as a whole cannot be read as asked.

use std::path::PathBuf;

/// Why an export cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file has no header row.
    #[error("{}: the file is empty; a header row is expected on line 1", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The first line is not a CSV header at all (binary data, another format).
    #[error("{}, line 1, column {column}: this is not a CSV export: {detail}", path.display())]
    NotCsv {
        /// The file.
        path: PathBuf,
        /// 1-based byte column on line 1 where the problem is.
        column: usize,
        /// What was found.
        detail: String,
    },
    /// The header is one column that holds another delimiter.
    #[error("{}, line 1: the header is a single column; the file looks {name}-separated: set source.delimiter = {delimiter:?} (or --set source.delimiter='{delimiter}')", path.display())]
    OtherDelimiter {
        /// The file.
        path: PathBuf,
        /// The delimiter found.
        delimiter: char,
        /// Its name.
        name: &'static str,
    },
    /// A configured column is not in the header.
    #[error(
        "{}, line 1: no column `{column}` for field `{field}`{}; the file's columns are: {}. \
         Map the field with `source.columns.{field} = \"...\"` (or `\"\"` if the export lacks it)",
        path.display(),
        closest.as_ref().map(|c| format!(" (closest match: `{c}`)")).unwrap_or_default(),
        available.join(", ")
    )]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The logical field.
        field: &'static str,
        /// The column name looked for.
        column: String,
        /// The header's column names.
        available: Vec<String>,
        /// The nearest column name, if any is near.
        closest: Option<String>,
    },
    /// The same column name appears twice in the header.
    #[error("{}, line 1: column `{column}` appears twice in the header (columns {first} and {second})", path.display())]
    DuplicateColumn {
        /// The file.
        path: PathBuf,
        /// The repeated name.
        column: String,
        /// 1-based position of the first occurrence.
        first: usize,
        /// 1-based position of the second occurrence.
        second: usize,
    },
    /// A later input file's header differs from the first file's.
    #[error("{}, line 1: the header differs from {}'s; all inputs of one run must share one header", path.display(), first.display())]
    HeaderMismatch {
        /// The later file.
        path: PathBuf,
        /// The first file.
        first: PathBuf,
    },
    /// The file changed between the first and the second pass.
    #[error("{} changed while it was being loaded (size or modification time differs); load a file that is not being written", path.display())]
    Changed {
        /// The file.
        path: PathBuf,
    },
    /// The two passes over the input did not see the same records (a bug, never silent).
    #[error("internal error: the first pass read {first} records and {winners} duplicate winners, the second {second} and {winners_seen}; nothing was lost silently, but the run is stopped")]
    PassesDisagree {
        /// Records in the first pass.
        first: u64,
        /// Records in the second pass.
        second: u64,
        /// Winning rows of duplicated keys, first pass.
        winners: u64,
        /// Winning rows met in the second pass.
        winners_seen: u64,
    },
    /// The delimiter setting is not one ASCII character.
    #[error("source.delimiter must be one ASCII character, not {0:?}")]
    BadDelimiter(char),
}

impl SourceError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> SourceError {
        SourceError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
