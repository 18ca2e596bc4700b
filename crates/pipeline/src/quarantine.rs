//! The quarantine: one JSON line per rejected row, with file, line, reason and the raw bytes.
//!
//! `raw` holds the row as text; when the row is not valid UTF-8, `raw` is a lossy rendering and
//! `raw_base64` holds the exact bytes, so that nothing is lost.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use learngraph_source::RejectedRow;
use serde::Serialize;

/// Writes `quarantine.jsonl`.
pub struct Quarantine {
    path: PathBuf,
    w: BufWriter<File>,
    rows: u64,
}

#[derive(Serialize)]
struct Entry<'a> {
    file: &'a Path,
    line: u64,
    reason: &'static str,
    message: String,
    raw: std::borrow::Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    raw_base64: Option<String>,
}

impl Quarantine {
    /// Creates (or truncates) the file.
    pub fn create(path: &Path) -> std::io::Result<Quarantine> {
        Ok(Quarantine {
            path: path.to_path_buf(),
            w: BufWriter::new(File::create(path)?),
            rows: 0,
        })
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one rejected row.
    pub fn write(&mut self, file: &Path, row: &RejectedRow) -> std::io::Result<()> {
        let exact = std::str::from_utf8(&row.raw).is_ok();
        let entry = Entry {
            file,
            line: row.line,
            reason: row.reason.code(),
            message: row.reason.to_string(),
            raw: String::from_utf8_lossy(&row.raw),
            raw_base64: (!exact)
                .then(|| base64::engine::general_purpose::STANDARD.encode(&row.raw)),
        };
        serde_json::to_writer(&mut self.w, &entry)?;
        self.w.write_all(b"\n")?;
        self.rows += 1;
        Ok(())
    }

    /// Flushes to disk; returns the path and the number of rows.
    pub fn finish(mut self) -> std::io::Result<(PathBuf, u64)> {
        self.w.flush()?;
        self.w.get_ref().sync_data()?;
        Ok((self.path, self.rows))
    }
}
