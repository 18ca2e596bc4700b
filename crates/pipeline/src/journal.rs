//! The checkpoint journal: what a run has made durable, so that a crashed or interrupted run can
//! resume (ARCHITECTURE.md, "Crash-safe resume", states the invariants).
//!
//! `checkpoint.journal` sits in the run's output folder. It starts with a magic line, then holds
//! framed records: a little-endian `u32` length, a little-endian CRC32 of the payload, and the
//! payload (JSON). The first record is [`Record::Start`] with the run's [`Fingerprint`]; each
//! [`Record::Checkpoint`] follows a point where everything before it is durable; the last record of
//! a run that completed is [`Record::Finished`]. Every record is written with one `write` and
//! `fsync`ed before the run goes on, so a crash can only tear the last record. A torn record
//! fails its length or CRC check and is ignored, with everything after it.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::settings::Settings;

/// The journal's file name, in the output folder.
pub const JOURNAL_FILE: &str = "checkpoint.journal";

/// First bytes of a journal: the format and its version.
const MAGIC: &[u8] = b"learngraph checkpoint journal v1\n";

/// Records larger than this are taken for a torn length field.
const MAX_RECORD: u32 = 64 << 20;

/// What identifies a run: the same inputs loaded with the same settings into the same target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// The learngraph version that began the run.
    pub version: String,
    /// The input files, in order.
    pub inputs: Vec<InputFingerprint>,
    /// The target, as described by its sink.
    pub target: String,
    /// The settings that shape the output, as TOML (`[pipeline]`, which only tunes threads and
    /// checkpoints, is left out so that a resume may change it).
    pub settings: String,
}

/// One input file, identified without reading it whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFingerprint {
    /// The absolute path.
    pub path: PathBuf,
    /// Size in bytes.
    pub bytes: u64,
    /// Modification time, nanoseconds since the epoch.
    pub modified_ns: u64,
    /// xxh3 of the first and the last MiB, hexadecimal.
    pub sample_xxh3: String,
}

impl Fingerprint {
    /// The fingerprint of loading `inputs` with `settings` into `target`.
    pub fn of(inputs: &[PathBuf], settings: &Settings, target: &str) -> std::io::Result<Self> {
        let inputs = inputs
            .iter()
            .map(|p| InputFingerprint::of(p))
            .collect::<std::io::Result<_>>()?;
        let mut shaping = settings.clone();
        shaping.pipeline = Default::default();
        Ok(Fingerprint {
            version: env!("CARGO_PKG_VERSION").to_string(),
            inputs,
            target: target.to_string(),
            settings: shaping.to_toml(),
        })
    }

    /// What differs from `other`, in words, or `None` when they are the same run.
    pub fn difference(&self, other: &Fingerprint) -> Option<String> {
        if self.version != other.version {
            return Some(format!(
                "it was begun by learngraph {}, this is {}",
                other.version, self.version
            ));
        }
        if self.target != other.target {
            return Some(format!(
                "its target was {}, not {}",
                other.target, self.target
            ));
        }
        if self.inputs.len() != other.inputs.len() {
            return Some(format!(
                "it read {} input file(s), not {}",
                other.inputs.len(),
                self.inputs.len()
            ));
        }
        for (now, then) in self.inputs.iter().zip(&other.inputs) {
            if now.path != then.path {
                return Some(format!(
                    "it read {}, not {}",
                    then.path.display(),
                    now.path.display()
                ));
            }
            if now != then {
                return Some(format!(
                    "{} has changed since (size, modification time or content)",
                    now.path.display()
                ));
            }
        }
        let line = self
            .settings
            .lines()
            .zip(other.settings.lines())
            .find(|(a, b)| a != b)
            .map(|(now, then)| format!("a setting differs: it ran with `{then}`, this is `{now}`"));
        line.or_else(|| {
            (self.settings != other.settings).then(|| "its settings differ".to_string())
        })
    }
}

impl InputFingerprint {
    fn of(path: &Path) -> std::io::Result<Self> {
        const SAMPLE: u64 = 1 << 20;
        let absolute = std::fs::canonicalize(path)?;
        let mut file = File::open(&absolute)?;
        let meta = file.metadata()?;
        let modified_ns = meta
            .modified()?
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let mut sample = Vec::with_capacity(2 * SAMPLE as usize);
        (&mut file).take(SAMPLE).read_to_end(&mut sample)?;
        if meta.len() > SAMPLE {
            file.seek(SeekFrom::Start(
                meta.len().saturating_sub(SAMPLE).max(SAMPLE),
            ))?;
            file.take(SAMPLE).read_to_end(&mut sample)?;
        }
        Ok(InputFingerprint {
            path: absolute,
            bytes: meta.len(),
            modified_ns,
            sample_xxh3: format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&sample)),
        })
    }
}

/// A point of the run below which everything is durable: the watermark when it is the last.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Batches `0..next_seq` are written and durable.
    pub next_seq: u64,
    /// Input bytes those batches cover (for progress and messages).
    pub input_position: u64,
    /// Rows those batches hold.
    pub records: u64,
    /// Of which loaded (the target's refusals already subtracted).
    pub loaded: u64,
    /// Of which merged into a later duplicate.
    pub merged: u64,
    /// Of which quarantined, by reason.
    pub quarantined_by_reason: BTreeMap<String, u64>,
    /// Length of `quarantine.jsonl` holding exactly those quarantined rows.
    pub quarantine_bytes: u64,
    /// Every batch is written; only the sink's `finish` remains.
    pub complete: bool,
    /// The sink's own state (see `GraphSink::checkpoint`).
    pub sink: serde_json::Value,
}

/// A journal record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    /// The run began.
    Start {
        /// What the run is.
        fingerprint: Fingerprint,
        /// The run's "today" (`YYYY-MM-DD`), kept so that a resume judges dates the same way.
        today: String,
    },
    /// Everything up to here is durable.
    Checkpoint(Checkpoint),
    /// The run completed and wrote its report.
    Finished,
}

/// A journal read back: the run it describes and how far it got.
#[derive(Clone, Debug, PartialEq)]
pub struct Recovered {
    /// The run's fingerprint.
    pub fingerprint: Fingerprint,
    /// The run's "today".
    pub today: String,
    /// The watermark: the last checkpoint that checks.
    pub watermark: Option<Checkpoint>,
    /// Whether the run completed.
    pub finished: bool,
    /// Length of the journal up to the end of the last good record.
    valid_len: u64,
}

/// An open journal, appended to by the running load.
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Reads the journal in `dir`; `None` when there is none, or when not even its first record
    /// is whole (a run that crashed before it wrote anything).
    pub fn read(dir: &Path) -> std::io::Result<Option<Recovered>> {
        let path = dir.join(JOURNAL_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        if !bytes.starts_with(MAGIC) {
            return Ok(None);
        }
        let mut at = MAGIC.len();
        let mut recovered: Option<Recovered> = None;
        while let Some((record, end)) = next_record(&bytes, at) {
            at = end;
            match (record, recovered.as_mut()) {
                (Record::Start { fingerprint, today }, None) => {
                    recovered = Some(Recovered {
                        fingerprint,
                        today,
                        watermark: None,
                        finished: false,
                        valid_len: 0,
                    })
                }
                (Record::Checkpoint(c), Some(r)) => r.watermark = Some(c),
                (Record::Finished, Some(r)) => r.finished = true,
                // A record out of place is a journal we did not write: stop trusting it here.
                _ => break,
            }
            if let Some(r) = recovered.as_mut() {
                r.valid_len = at as u64;
            }
        }
        Ok(recovered)
    }

    /// Begins a new journal in `dir`, replacing any other, with its start record.
    pub fn begin(dir: &Path, fingerprint: &Fingerprint, today: &str) -> std::io::Result<Journal> {
        let path = dir.join(JOURNAL_FILE);
        // Written beside and renamed, so that a crash leaves either the old journal or the new.
        let fresh = dir.join(format!("{JOURNAL_FILE}.new"));
        let mut file = File::create(&fresh)?;
        let mut head = MAGIC.to_vec();
        frame(
            &mut head,
            &Record::Start {
                fingerprint: fingerprint.clone(),
                today: today.to_string(),
            },
        );
        file.write_all(&head)?;
        file.sync_all()?;
        std::fs::rename(&fresh, &path)?;
        sync_dir(dir)?;
        let file = OpenOptions::new().append(true).open(&path)?;
        Ok(Journal { path, file })
    }

    /// Reopens the journal `recovered` came from, cutting a torn last record off, to append to.
    pub fn reopen(dir: &Path, recovered: &Recovered) -> std::io::Result<Journal> {
        let path = dir.join(JOURNAL_FILE);
        let file = OpenOptions::new().write(true).open(&path)?;
        file.set_len(recovered.valid_len)?;
        file.sync_all()?;
        drop(file);
        let file = OpenOptions::new().append(true).open(&path)?;
        Ok(Journal { path, file })
    }

    /// The journal's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `record` with one write, and makes it durable.
    pub fn append(&mut self, record: &Record) -> std::io::Result<()> {
        let mut buf = Vec::new();
        frame(&mut buf, record);
        self.file.write_all(&buf)?;
        self.file.sync_data()
    }
}

fn frame(out: &mut Vec<u8>, record: &Record) {
    let payload = serde_json::to_vec(record).unwrap_or_else(|_| unreachable!("records serialise"));
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    out.extend_from_slice(&payload);
}

/// The record at `at` and the offset after it, or `None` when it is torn or corrupt.
fn next_record(bytes: &[u8], at: usize) -> Option<(Record, usize)> {
    let head = bytes.get(at..at + 8)?;
    let len = u32::from_le_bytes(head[..4].try_into().ok()?);
    let crc = u32::from_le_bytes(head[4..].try_into().ok()?);
    if len > MAX_RECORD {
        return None;
    }
    let end = at + 8 + len as usize;
    let payload = bytes.get(at + 8..end)?;
    if crc32fast::hash(payload) != crc {
        return None;
    }
    Some((serde_json::from_slice(payload).ok()?, end))
}

/// Makes a rename in `dir` durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint(dir: &Path) -> Fingerprint {
        let input = dir.join("in.csv");
        std::fs::write(&input, "learner_id\n1\n").unwrap();
        Fingerprint::of(&[input], &Settings::default(), "import-dir:out").unwrap()
    }

    fn checkpoint(seq: u64) -> Checkpoint {
        Checkpoint {
            next_seq: seq,
            records: seq * 10,
            sink: serde_json::json!({"files": {"a.csv": seq * 100}}),
            ..Checkpoint::default()
        }
    }

    #[test]
    fn the_watermark_is_the_last_whole_record_whatever_the_tear() {
        let dir = tempfile::tempdir().unwrap();
        let fp = fingerprint(dir.path());
        let mut j = Journal::begin(dir.path(), &fp, "2026-11-24").unwrap();
        j.append(&Record::Checkpoint(checkpoint(1))).unwrap();
        let one = std::fs::metadata(j.path()).unwrap().len();
        j.append(&Record::Checkpoint(checkpoint(2))).unwrap();
        let whole = std::fs::read(j.path()).unwrap();
        // Every cut inside the second checkpoint leaves the first as the watermark.
        for cut in one..whole.len() as u64 {
            std::fs::write(j.path(), &whole[..cut as usize]).unwrap();
            let r = Journal::read(dir.path()).unwrap().unwrap();
            assert_eq!(r.watermark.map(|c| c.next_seq), Some(1), "cut at {cut}");
            assert_eq!(r.valid_len, one);
        }
        std::fs::write(j.path(), &whole).unwrap();
        let r = Journal::read(dir.path()).unwrap().unwrap();
        assert_eq!(r.watermark, Some(checkpoint(2)));
        assert_eq!(r.fingerprint, fp);
        assert!(!r.finished);
    }

    #[test]
    fn a_flipped_byte_ends_the_trusted_part() {
        let dir = tempfile::tempdir().unwrap();
        let fp = fingerprint(dir.path());
        let mut j = Journal::begin(dir.path(), &fp, "2026-11-24").unwrap();
        j.append(&Record::Checkpoint(checkpoint(1))).unwrap();
        let one = std::fs::metadata(j.path()).unwrap().len() as usize;
        j.append(&Record::Checkpoint(checkpoint(2))).unwrap();
        j.append(&Record::Finished).unwrap();
        let mut bytes = std::fs::read(j.path()).unwrap();
        bytes[one + 20] ^= 0x40;
        std::fs::write(j.path(), &bytes).unwrap();
        let r = Journal::read(dir.path()).unwrap().unwrap();
        assert_eq!(r.watermark.map(|c| c.next_seq), Some(1));
        assert!(!r.finished, "nothing after a bad record is trusted");
    }

    #[test]
    fn reopening_cuts_the_torn_tail_so_that_appends_are_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let fp = fingerprint(dir.path());
        let mut j = Journal::begin(dir.path(), &fp, "2026-11-24").unwrap();
        j.append(&Record::Checkpoint(checkpoint(1))).unwrap();
        let mut f = OpenOptions::new().append(true).open(j.path()).unwrap();
        f.write_all(&[7, 0, 0]).unwrap();
        let r = Journal::read(dir.path()).unwrap().unwrap();
        let mut j = Journal::reopen(dir.path(), &r).unwrap();
        j.append(&Record::Checkpoint(checkpoint(3))).unwrap();
        j.append(&Record::Finished).unwrap();
        let r = Journal::read(dir.path()).unwrap().unwrap();
        assert_eq!(r.watermark.map(|c| c.next_seq), Some(3));
        assert!(r.finished);
    }

    #[test]
    fn fingerprints_name_what_differs() {
        let dir = tempfile::tempdir().unwrap();
        let fp = fingerprint(dir.path());
        let inputs = [dir.path().join("in.csv")];
        let input = &inputs[0];
        let cases: Vec<(Fingerprint, &str)> = vec![
            (
                Fingerprint::of(&inputs, &Settings::default(), "embedded:x").unwrap(),
                "target",
            ),
            (
                {
                    let mut s = Settings::default();
                    s.source.batch_rows = 7;
                    Fingerprint::of(&inputs, &s, "import-dir:out").unwrap()
                },
                "batch_rows",
            ),
            (
                {
                    std::fs::write(input, "learner_id\n2\n").unwrap();
                    Fingerprint::of(&inputs, &Settings::default(), "import-dir:out").unwrap()
                },
                "has changed",
            ),
        ];
        for (other, word) in cases {
            let why = other.difference(&fp).expect("a difference");
            assert!(why.contains(word), "{why:?} should mention {word}");
        }
        let mut s = Settings::default();
        s.pipeline.workers = 9;
        let same = Fingerprint::of(&inputs, &s, "import-dir:out").unwrap();
        let now = Fingerprint::of(&inputs, &Settings::default(), "import-dir:out").unwrap();
        assert_eq!(same.difference(&now), None, "thread counts may change");
    }
}
