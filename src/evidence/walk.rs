//! Listing a bundle directory and hashing its files: the one deterministic
//! walk that both [`super::write_manifest`] and [`super::verify()`] use, and
//! the streaming SHA-256 of one file.
//!
//! Symbolic links are never followed: the walk reports them (and sockets,
//! FIFOs and devices) as [`EntryKind::Other`], and files are opened with
//! `O_NOFOLLOW` so a file swapped for a link after the walk is not read.

use std::fs;
use std::io::{BufRead, BufReader, ErrorKind};
use std::path::{Path, PathBuf};

use super::error::{io_error, EvidenceError};
use super::BUNDLE_FILES;

/// Size of the read buffer used when hashing a file.
const HASH_BUFFER: usize = 64 * 1024;

/// What an entry of the bundle directory is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    /// A regular file: listed in the manifest.
    File,
    /// A symbolic link, socket, FIFO or device: never allowed in a bundle.
    Other,
    /// A file or directory whose name is not UTF-8 (not descended into).
    BadName,
}

/// One entry found by [`walk`].
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Path relative to the bundle root, `/`-separated (lossy for
    /// [`EntryKind::BadName`]).
    pub rel: String,
    /// Path on disk.
    pub abs: PathBuf,
    /// What the entry is.
    pub kind: EntryKind,
}

/// Lists every entry under `root` except the bundle's own top-level files
/// (`manifest.json`, `manifest.sig`, `manifest.pub.pem`), sorted by
/// relative path. Directories are descended into, never listed themselves.
pub(crate) fn walk(root: &Path) -> Result<Vec<Entry>, EvidenceError> {
    let mut entries = Vec::new();
    walk_dir(root, "", &mut entries)?;
    entries.retain(|e| !BUNDLE_FILES.contains(&e.rel.as_str()));
    entries.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(entries)
}

fn walk_dir(dir: &Path, prefix: &str, out: &mut Vec<Entry>) -> Result<(), EvidenceError> {
    let reader = fs::read_dir(dir).map_err(io_error(dir, "read directory"))?;
    let mut children = Vec::new();
    for child in reader {
        children.push(child.map_err(io_error(dir, "read directory"))?);
    }
    children.sort_by_key(|c| c.file_name());
    for child in children {
        let abs = child.path();
        let file_type = child.file_type().map_err(io_error(&abs, "inspect"))?;
        let Some(name) = child.file_name().to_str().map(str::to_owned) else {
            let rel = format!("{prefix}{}", child.file_name().to_string_lossy());
            out.push(Entry {
                rel,
                abs,
                kind: EntryKind::BadName,
            });
            continue;
        };
        let rel = format!("{prefix}{name}");
        if file_type.is_dir() {
            walk_dir(&abs, &format!("{rel}/"), out)?;
        } else {
            let kind = if file_type.is_file() {
                EntryKind::File
            } else {
                EntryKind::Other
            };
            out.push(Entry { rel, abs, kind });
        }
    }
    Ok(())
}

/// Lowercase hex SHA-256 and length of the file at `path`, read through a
/// fixed-size buffer. Refuses to follow a symbolic link.
pub(crate) fn hash_file(path: &Path) -> Result<(String, u64), EvidenceError> {
    let file = crate::platform::open_no_follow(path).map_err(io_error(path, "open"))?;
    let mut reader = BufReader::with_capacity(HASH_BUFFER, file);
    let mut hasher = crate::certs::Sha256Stream::new();
    let mut bytes = 0u64;
    loop {
        let chunk = match reader.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(io_error(path, "read")(e)),
        };
        if chunk.is_empty() {
            break;
        }
        hasher.update(chunk);
        let n = chunk.len();
        bytes += n as u64;
        reader.consume(n);
    }
    Ok((hasher.finish_hex(), bytes))
}
