//! [`OutFile`]: a buffered output file that a checkpoint can sync and a resumed run can cut back,
//! shared by the import files and the embedded database's staging.
//!
//! Import files are written once and read later, by another program. Copying them into the page
//! cache is work that nothing reads back: on a virtual machine whose host reclaims free memory,
//! every fresh page-cache page also costs a fault in the host, and writing the 800 MB of a
//! 1.7M-row export took more CPU time than the transform's slowest quarter (BENCHMARKS.md). So
//! such a file can be written with `O_DIRECT`: whole aligned blocks go from the buffer to the
//! device, and only the last partial block of a flush goes through the page cache. Files read
//! back at once (the embedded database's staging) keep the page cache.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use learngraph_model::SinkError;

/// The unit of a direct write: its address, length and file offset are multiples of it. 4 KiB
/// covers the logical block size of the devices in use.
const BLOCK: usize = 4096;
/// The buffer, a whole number of blocks.
const BUFFER: usize = 1 << 20;

/// Whether an output file's bytes go through the operating system's page cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageCache {
    /// Ordinary writes: for files that are read back soon.
    Use,
    /// Direct writes of whole blocks, where the file system takes them (ordinary writes where
    /// it does not): for files that another program reads later.
    Bypass,
}

/// An output file written through a 1 MiB buffer; every error names the file.
pub struct OutFile {
    path: PathBuf,
    /// Opened with `O_DIRECT` when `plain` is set; otherwise the one descriptor.
    file: File,
    /// The same file without `O_DIRECT`, for the bytes that do not fill a block.
    plain: Option<File>,
    /// `BUFFER + BLOCK` bytes, so that a block-aligned buffer of `BUFFER` fits in it.
    storage: Vec<u8>,
    /// Where the aligned buffer starts in `storage`.
    start: usize,
    /// Bytes in the buffer.
    len: usize,
    /// The file offset of the buffer's first byte: a multiple of `BLOCK` for direct writes.
    at: u64,
}

impl OutFile {
    /// Creates `path` and writes `header`, or, resuming at `at` (a length a checkpoint
    /// returned), opens it cut back to that length, header included.
    pub fn open(
        path: PathBuf,
        header: Option<&[u8]>,
        at: Option<u64>,
        cache: PageCache,
    ) -> Result<Self, SinkError> {
        let io = |source| SinkError::Io {
            path: path.clone(),
            source,
        };
        let mut options = OpenOptions::new();
        options.read(true).write(true);
        if at.is_none() {
            options.create(true).truncate(true);
        }
        let plain = options.open(&path).map_err(io)?;
        let len = at.unwrap_or(0);
        if at.is_some() {
            plain.set_len(len).map_err(io)?;
        }
        let mut storage = vec![0; BUFFER + BLOCK];
        let start = storage.as_ptr().align_offset(BLOCK);
        let direct = match cache {
            PageCache::Bypass => open_direct(&path),
            PageCache::Use => None,
        };
        let mut out = match direct {
            Some(direct) => {
                // A direct write starts on a block: the partial block before `len` is read back
                // into the buffer and written again, whole, when it fills.
                let tail = (len % BLOCK as u64) as usize;
                let at = len - tail as u64;
                plain
                    .read_exact_at(&mut storage[start..start + tail], at)
                    .map_err(io)?;
                OutFile {
                    path,
                    file: direct,
                    plain: Some(plain),
                    storage,
                    start,
                    len: tail,
                    at,
                }
            }
            None => OutFile {
                path,
                file: plain,
                plain: None,
                storage,
                start,
                len: 0,
                at: len,
            },
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
    pub fn write(&mut self, mut bytes: &[u8]) -> Result<(), SinkError> {
        while !bytes.is_empty() {
            let take = bytes.len().min(BUFFER - self.len);
            let to = self.start + self.len;
            self.storage[to..to + take].copy_from_slice(&bytes[..take]);
            self.len += take;
            bytes = &bytes[take..];
            if self.len == BUFFER {
                self.write_whole(BUFFER).map_err(|e| self.error(e))?;
                self.at += BUFFER as u64;
                self.len = 0;
            }
        }
        Ok(())
    }

    /// Hands the buffer to the operating system. A partial last block stays at the start of the
    /// buffer, and is written again, whole, when it fills.
    pub fn flush(&mut self) -> Result<(), SinkError> {
        let whole = if self.plain.is_some() {
            self.len / BLOCK * BLOCK
        } else {
            self.len
        };
        self.write_whole(whole).map_err(|e| self.error(e))?;
        let tail = self.start + whole..self.start + self.len;
        if let Some(plain) = &self.plain {
            let at = self.at + whole as u64;
            plain
                .write_all_at(&self.storage[tail.clone()], at)
                .map_err(|e| self.error(e))?;
        }
        self.storage.copy_within(tail, self.start);
        self.at += whole as u64;
        self.len -= whole;
        Ok(())
    }

    /// Flushes and makes the file durable; returns its length.
    pub fn sync(&mut self) -> Result<u64, SinkError> {
        self.flush()?;
        self.file.sync_data().map_err(|e| self.error(e))?;
        self.file
            .metadata()
            .map(|m| m.len())
            .map_err(|e| self.error(e))
    }

    /// Writes the first `n` bytes of the buffer at its offset: whole blocks when direct. A file
    /// system that refuses a direct write after taking the open gets ordinary writes from then on.
    fn write_whole(&mut self, n: usize) -> io::Result<()> {
        let bytes = &self.storage[self.start..self.start + n];
        match self.file.write_all_at(bytes, self.at) {
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => match self.plain.take() {
                Some(plain) => {
                    self.file = plain;
                    self.file.write_all_at(bytes, self.at)
                }
                None => Err(e),
            },
            other => other,
        }
    }

    fn error(&self, source: io::Error) -> SinkError {
        SinkError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

impl Drop for OutFile {
    /// Writes what is buffered, as `BufWriter` does; errors surface only through `flush`/`sync`.
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// `path` opened again for direct writes, or `None` where the file system does not take them.
#[cfg(target_os = "linux")]
fn open_direct(path: &Path) -> Option<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_DIRECT)
        .open(path)
        .ok()
}

#[cfg(not(target_os = "linux"))]
fn open_direct(_path: &Path) -> Option<File> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{xorshift, SEED};

    /// Writes of random lengths around block and buffer sizes, flushes, syncs and resumed opens
    /// at a synced length, in both modes: the file always holds exactly what was written.
    #[test]
    fn the_file_holds_what_was_written_across_blocks_flushes_and_resumes() {
        let dir = tempfile::tempdir().unwrap();
        for cache in [PageCache::Use, PageCache::Bypass] {
            let path = dir.path().join(format!("{cache:?}.csv"));
            let mut x = SEED;
            let mut below = |n: usize| (xorshift(&mut x) % n as u64) as usize;
            let mut want = b"header\n".to_vec();
            let mut out = OutFile::open(path.clone(), Some(b"header\n"), None, cache).unwrap();
            // Where the file system takes direct writes, none of them may fall back.
            let direct = out.plain.is_some();
            assert!(!direct || cache == PageCache::Bypass);
            let mut synced = out.sync().unwrap();
            assert_eq!(synced, want.len() as u64);
            for step in 0..200 {
                let n = [1, 17, 300, BLOCK - 3, BLOCK, BLOCK + 1, 70_000, BUFFER + 5][below(8)];
                let bytes: Vec<u8> = (0..n).map(|i| (i + step) as u8).collect();
                out.write(&bytes).unwrap();
                want.extend_from_slice(&bytes);
                match below(10) {
                    0 => out.flush().unwrap(),
                    1 => {
                        synced = out.sync().unwrap();
                        assert_eq!(synced, want.len() as u64, "{cache:?} step {step}");
                        assert_eq!(std::fs::read(&path).unwrap(), want, "{cache:?} step {step}");
                    }
                    2 => {
                        // A crash after the last checkpoint: what followed it is lost, and the
                        // resumed run writes it again.
                        out.flush().unwrap();
                        drop(out);
                        want.truncate(synced as usize);
                        out = OutFile::open(path.clone(), None, Some(synced), cache).unwrap();
                    }
                    _ => {}
                }
            }
            assert_eq!(out.sync().unwrap(), want.len() as u64);
            assert_eq!(out.plain.is_some(), direct, "{cache:?}");
            drop(out);
            assert_eq!(std::fs::read(&path).unwrap(), want, "{cache:?}");
        }
    }

    #[test]
    fn a_new_file_replaces_an_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.csv");
        std::fs::write(&path, vec![b'x'; 3 * BLOCK + 10]).unwrap();
        let mut out = OutFile::open(path.clone(), Some(b"h\n"), None, PageCache::Bypass).unwrap();
        out.write(b"row\n").unwrap();
        assert_eq!(out.sync().unwrap(), 6);
        drop(out);
        assert_eq!(std::fs::read(&path).unwrap(), b"h\nrow\n");
    }
}
