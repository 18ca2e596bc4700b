//! Cutting an export into blocks that the first pass scans in parallel.
//!
//! A block must start where a record starts, but whether a line break ends a record depends on
//! the quotes before it, all the way back to the start of the file. The splitter guesses: it
//! assumes that each block starts outside quotes, and cuts after the last line break that an even
//! number of the block's quotes precedes. The guess is right for every export whose quotes open
//! only at the start of a field and are doubled inside one, as RFC 4180 writes them.
//!
//! It is a guess, so it is checked, never trusted (see `prescan`): a block scanned from a true
//! record start must end with the scanner at the start of a record, which proves that the next
//! block starts at one too. A stray quote inside an unquoted field can make the guess wrong, and
//! then the first pass scans with one scanner, as a sequential reader would, until a block ends at
//! a record boundary again.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::SourceError;

/// A piece of an export, cut where a record probably starts.
#[derive(Debug)]
pub(crate) struct Block {
    /// Position in the file's sequence of blocks, from 0.
    pub seq: u64,
    /// Byte offset of `data[0]` in the file.
    pub offset: u64,
    /// Line of `data[0]` (1-based): one more than the line breaks before it.
    pub line: u64,
    /// The bytes.
    pub data: Vec<u8>,
    /// Whether the file ends with this block.
    pub last: bool,
}

impl Block {
    /// Byte offset just after the block.
    pub fn end(&self) -> u64 {
        self.offset + self.data.len() as u64
    }
}

/// Reads a file from a position and cuts it into [`Block`]s of about `size` bytes.
pub(crate) struct Splitter<R> {
    input: R,
    path: PathBuf,
    size: usize,
    /// Bytes read past the last cut, which start the next block.
    carry: Vec<u8>,
    offset: u64,
    line: u64,
    seq: u64,
    done: bool,
}

impl<R: Read> Splitter<R> {
    /// A splitter whose `input` is positioned at byte `offset`, on line `line`, of `path`.
    pub fn new(input: R, path: &Path, offset: u64, line: u64, size: usize) -> Self {
        Splitter {
            input,
            path: path.to_path_buf(),
            size: size.max(1),
            carry: Vec::new(),
            offset,
            line,
            seq: 0,
            done: false,
        }
    }

    /// The next block, in `buf` (cleared first, so that a caller can recycle its buffers), or
    /// `None` after the last.
    pub fn next_block(&mut self, mut buf: Vec<u8>) -> Result<Option<Block>, SourceError> {
        if self.done {
            return Ok(None);
        }
        buf.clear();
        buf.append(&mut self.carry);
        let mut want = self.size;
        let last = loop {
            if buf.len() < want {
                let more = (want - buf.len()) as u64;
                let n = (&mut self.input)
                    .take(more)
                    .read_to_end(&mut buf)
                    .map_err(|e| SourceError::io(&self.path, e))?;
                if (n as u64) < more {
                    break true;
                }
            }
            let (even, any) = find_cut(&buf);
            // Without a likely cut, read on: the block may end inside a long quoted field. A
            // stray quote can hide every likely cut, so after a few sizes any line break will do.
            match even.or(any.filter(|_| want >= GIVE_UP * self.size)) {
                Some(cut) => {
                    self.carry.extend_from_slice(&buf[cut..]);
                    buf.truncate(cut);
                    break false;
                }
                None => want += self.size,
            }
        };
        let block = Block {
            seq: self.seq,
            offset: self.offset,
            line: self.line,
            data: buf,
            last,
        };
        self.seq += 1;
        self.offset = block.end();
        self.line += count(&block.data, b'\n') as u64;
        self.done = last;
        Ok(Some(block))
    }
}

/// Block sizes read without a likely cut before the splitter cuts at any line break.
const GIVE_UP: usize = 4;

/// Where to cut `data`, assuming it starts outside quotes: after the last line break with an even
/// number of quotes before it, and after the last line break of all.
fn find_cut(data: &[u8]) -> (Option<usize>, Option<usize>) {
    let quotes = count(data, b'"');
    let mut quotes_after = 0;
    let mut end = data.len();
    let mut last_break = None;
    for at in memchr::memrchr2_iter(b'\n', b'\r', data) {
        last_break.get_or_insert(at + 1);
        quotes_after += count(&data[at + 1..end], b'"');
        end = at + 1;
        if (quotes - quotes_after) % 2 == 0 {
            return (Some(at + 1), last_break);
        }
    }
    (None, last_break)
}

/// How often `byte` occurs in `data`.
///
/// The splitter counts every byte of the export twice (quotes, line breaks): `bytecount` does it
/// with AVX2 where the CPU has it. `iter().filter().count()` was 6.5 % of a whole load's profile.
pub(crate) fn count(data: &[u8], byte: u8) -> usize {
    bytecount::count(data, byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(input: &[u8], size: usize) -> Vec<Block> {
        let mut s = Splitter::new(input, Path::new("t.csv"), 10, 2, size);
        let mut out = Vec::new();
        while let Some(b) = s.next_block(Vec::new()).unwrap() {
            out.push(b);
        }
        out
    }

    /// Input, block size, and the blocks expected.
    type Case<'a> = (&'a [u8], usize, &'a [&'a [u8]]);

    #[test]
    fn cuts_after_line_breaks_outside_quotes() {
        let cases: &[Case<'_>] = &[
            (b"a,b\nc,d\n", 4, &[b"a,b\n", b"c,d\n", b""]),
            (b"a,\"x\ny\"\nc,d\n", 9, &[b"a,\"x\ny\"\n", b"c,d\n"]),
            // Every line break of the first 6 bytes is quoted: the block grows to the end.
            (b"a,\"x\ny\"\nc\n", 6, &[b"a,\"x\ny\"\nc\n"]),
            (
                b"\"he said \"\"hi\"\"\"\nb\n",
                18,
                &[b"\"he said \"\"hi\"\"\"\n", b"b\n"],
            ),
            (b"a\r\nb\r\n", 2, &[b"a\r", b"\n", b"b\r", b"\n"]),
            // A stray quote hides the likely cuts; after four sizes any line break will do.
            (
                b"a\"b\nc\nd\ne\nf\n",
                2,
                &[b"a\"b\nc\nd\n", b"e\n", b"f\n", b""],
            ),
            (b"abc", 1, &[b"abc"]),
            (b"", 8, &[b""]),
        ];
        for (input, size, want) in cases {
            let got = blocks(input, *size);
            let data: Vec<&[u8]> = got.iter().map(|b| b.data.as_slice()).collect();
            assert_eq!(
                data,
                *want,
                "{:?} in blocks of {size}",
                String::from_utf8_lossy(input)
            );
            assert!(got.last().unwrap().last);
            assert!(got[..got.len() - 1].iter().all(|b| !b.last));
        }
    }

    #[test]
    fn counts_bytes_in_any_length() {
        let data: Vec<u8> = (0..20_000u32)
            .map(|i| b"a\"b\n"[(i * i % 7 % 4) as usize])
            .collect();
        for len in [0, 1, 31, 32, 33, 8159, 8160, 8161, 20_000] {
            for byte in [b'"', b'\n', b'z'] {
                let want = data[..len].iter().filter(|&&b| b == byte).count();
                assert_eq!(count(&data[..len], byte), want, "{len} {byte}");
            }
        }
    }

    #[test]
    fn blocks_know_their_offset_and_line() {
        let input = b"a\n\"b\nc\"\nd\ne\n";
        let got = blocks(input, 3);
        let mut offset = 10;
        let mut line = 2;
        for (seq, b) in got.iter().enumerate() {
            assert_eq!((b.seq, b.offset, b.line), (seq as u64, offset, line));
            offset = b.end();
            line += count(&b.data, b'\n') as u64;
        }
        assert_eq!(offset, 10 + input.len() as u64);
    }
}
