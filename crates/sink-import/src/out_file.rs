//! [`OutFile`]: a buffered output file that a checkpoint can sync and a resumed run can cut back,
//! shared by the import files and the embedded database's staging.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use learngraph_model::SinkError;

/// An output file written through a 1 MiB buffer; every error names the file.
pub struct OutFile {
    path: PathBuf,
    w: BufWriter<File>,
}

impl OutFile {
    /// Creates `path` and writes `header`, or, resuming at `at` (a length a checkpoint
    /// returned), opens it cut back to that length, header included.
    pub fn open(path: PathBuf, header: Option<&[u8]>, at: Option<u64>) -> Result<Self, SinkError> {
        let io = |source| SinkError::Io {
            path: path.clone(),
            source,
        };
        let file = match at {
            Some(len) => {
                let mut f = OpenOptions::new().write(true).open(&path).map_err(io)?;
                f.set_len(len).map_err(io)?;
                f.seek(SeekFrom::End(0)).map_err(io)?;
                f
            }
            None => File::create(&path).map_err(io)?,
        };
        let mut out = OutFile {
            path,
            w: BufWriter::with_capacity(1 << 20, file),
        };
        if let (Some(h), None) = (header, at) {
            out.write(h)?;
        }
        Ok(out)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `bytes`.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), SinkError> {
        self.w.write_all(bytes).map_err(|e| self.error(e))
    }

    /// Hands the buffer to the operating system.
    pub fn flush(&mut self) -> Result<(), SinkError> {
        self.w.flush().map_err(|e| self.error(e))
    }

    /// Flushes and makes the file durable; returns its length.
    pub fn sync(&mut self) -> Result<u64, SinkError> {
        self.flush()?;
        let file = self.w.get_ref();
        file.sync_data().map_err(|e| self.error(e))?;
        file.metadata().map(|m| m.len()).map_err(|e| self.error(e))
    }

    fn error(&self, source: std::io::Error) -> SinkError {
        SinkError::Io {
            path: self.path.clone(),
            source,
        }
    }
}
