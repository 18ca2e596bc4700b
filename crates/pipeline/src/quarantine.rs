//! The quarantine: one JSON line per rejected row, with file, line, reason and the raw bytes.
//!
//! `raw` holds the row as text; when the row is not valid UTF-8, `raw` is a lossy rendering and
//! `raw_base64` holds the exact bytes, so that nothing is lost. A learner the target refused
//! (reason `target_rejected`) has its key in `learner_id` and the target's message; its row was
//! valid, and the export holds it at `line`.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use learngraph_source::RejectedRow;
use serde::Serialize;

/// Reason code of a learner the target refused.
pub const TARGET_REJECTED: &str = "target_rejected";

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
    #[serde(skip_serializing_if = "Option::is_none")]
    learner_id: Option<&'a str>,
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

    /// Reopens the file of a run that stopped, cut back to the `bytes` holding its first `rows`.
    pub fn resume(path: &Path, bytes: u64, rows: u64) -> std::io::Result<Quarantine> {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        file.set_len(bytes)?;
        file.seek(SeekFrom::End(0))?;
        Ok(Quarantine {
            path: path.to_path_buf(),
            w: BufWriter::new(file),
            rows,
        })
    }

    /// Makes what is written durable; returns the file's length.
    pub fn sync(&mut self) -> std::io::Result<u64> {
        self.w.flush()?;
        self.w.get_ref().sync_data()?;
        Ok(self.w.get_ref().metadata()?.len())
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
            learner_id: None,
        };
        serde_json::to_writer(&mut self.w, &entry)?;
        self.w.write_all(b"\n")?;
        self.rows += 1;
        Ok(())
    }

    /// Appends a learner the target refused.
    pub fn write_refused(
        &mut self,
        file: &Path,
        refused: &learngraph_model::TargetRejected,
    ) -> std::io::Result<()> {
        let entry = Entry {
            file,
            line: refused.source_row,
            reason: TARGET_REJECTED,
            message: refused.message.clone(),
            raw: std::borrow::Cow::Borrowed(""),
            raw_base64: None,
            learner_id: Some(&refused.learner_id),
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
