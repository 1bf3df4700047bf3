//! Reading a file line by line with one reused buffer, a bound on the
//! length of a line, and the SHA-256 of every byte read: memory stays flat
//! whatever the file's size, and a hostile line cannot exhaust it.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use crate::certs::Sha256Stream;

/// The longest line read (a 10-certificate chain with its parsed views is
/// well under 1 MiB).
pub const MAX_LINE: usize = 64 << 20;

/// What stops a read.
#[derive(Debug)]
pub enum ReadProblem {
    /// The operating system's error.
    Io(io::Error),
    /// A line longer than [`MAX_LINE`].
    TooLong,
}

/// The lines of one file, numbered from 1, hashed as they are read.
pub struct LineReader {
    inner: BufReader<File>,
    buffer: Vec<u8>,
    line: u64,
    terminated: bool,
    digest: Sha256Stream,
}

impl LineReader {
    /// Opens `path`.
    pub fn open(path: &Path) -> io::Result<LineReader> {
        Ok(LineReader {
            inner: BufReader::with_capacity(1 << 16, File::open(path)?),
            buffer: Vec::with_capacity(1 << 14),
            line: 0,
            terminated: true,
            digest: Sha256Stream::new(),
        })
    }

    /// The number of the line last returned (0 before the first).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Whether the line last returned ended with a line ending (only the
    /// last line of a file can lack one: a file cut short while written).
    pub fn terminated(&self) -> bool {
        self.terminated
    }

    /// The next line without its line ending (`\n` or `\r\n`), or `None`
    /// at the end of the file.
    pub fn next_line(&mut self) -> Result<Option<&[u8]>, ReadProblem> {
        self.buffer.clear();
        let limit = MAX_LINE as u64 + 1;
        let read = (&mut self.inner)
            .take(limit)
            .read_until(b'\n', &mut self.buffer)
            .map_err(ReadProblem::Io)?;
        if read == 0 {
            return Ok(None);
        }
        self.line += 1;
        if self.buffer.len() > MAX_LINE {
            return Err(ReadProblem::TooLong);
        }
        self.digest.update(&self.buffer);
        let mut end = self.buffer.len();
        self.terminated = self.buffer.ends_with(b"\n");
        if self.terminated {
            end -= 1;
        }
        if self.buffer[..end].ends_with(b"\r") {
            end -= 1;
        }
        Ok(Some(&self.buffer[..end]))
    }

    /// The SHA-256 of every byte read so far.
    pub fn digest(self) -> String {
        self.digest.finish_hex()
    }
}
