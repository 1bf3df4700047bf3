//! For the document formats (sslyze JSON, nmap XML): a reader that hashes
//! every byte it hands on, so one streaming read both parses and digests
//! the file; and the line number of a byte offset, for messages.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use crate::certs::Sha256Stream;

/// A file read once, hashed as it is read.
pub(super) struct Hashed {
    inner: File,
    digest: Sha256Stream,
}

impl Hashed {
    /// Opens `path`, buffered.
    pub fn open(path: &Path) -> io::Result<BufReader<Hashed>> {
        let inner = File::open(path)?;
        Ok(BufReader::with_capacity(
            1 << 16,
            Hashed {
                inner,
                digest: Sha256Stream::new(),
            },
        ))
    }

    /// Reads what the parser left (trailing bytes) and returns the SHA-256
    /// of the whole file.
    pub fn finish(mut reader: BufReader<Hashed>) -> io::Result<String> {
        io::copy(&mut reader, &mut io::sink())?;
        let hashed = reader.into_inner();
        Ok(hashed.digest.finish_hex())
    }
}

impl Read for Hashed {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.digest.update(&buffer[..read]);
        Ok(read)
    }
}

/// The 1-based line of byte `offset` of `path` (1 when it cannot be read).
pub(super) fn line_at(path: &Path, offset: u64) -> u64 {
    let Ok(file) = File::open(path) else {
        return 1;
    };
    let mut reader = BufReader::new(file.take(offset));
    let mut line = 1;
    loop {
        let buffer = match reader.fill_buf() {
            Ok([]) | Err(_) => return line,
            Ok(buffer) => buffer,
        };
        line += buffer.iter().filter(|&&b| b == b'\n').count() as u64;
        let length = buffer.len();
        reader.consume(length);
    }
}
