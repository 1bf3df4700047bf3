//! Certificates at rest (`certatlas import PATH` when PATH is not
//! certatlas JSON Lines): PEM and DER files, directories of them walked
//! recursively (with a `--glob` filter), PKCS#12 bundles and Java
//! keystores (JKS, and PKCS12 keystores), read into
//! [`AtRestCertificate`]s with a `file:` location (the path, and the
//! alias inside a keystore).
//!
//! Formats are told by content ([`detect`]), or forced with `--from`. A
//! file named on the command line must hold a certificate: anything else
//! is an error naming it. In a directory walk a file that holds none is
//! skipped and counted by reason ([`Collected::skipped`]); a keystore
//! whose password (from `--password-file`) is wrong ends the run there
//! too, naming it. Every file is read whole, at most [`MAX_FILE`] bytes.
//!
//! - `detect`: the format of a file's bytes;
//! - `pem`, `jks`, `pkcs12`: one reader each;
//! - `walk`: the directory walk; `glob`: its filter.

mod detect;
mod glob;
mod jks;
mod pem;
mod pkcs12;
mod walk;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

pub use glob::{Glob, GlobError};

use crate::at_rest::{AtRestCertificate, AtRestFormat, FileLocation};
use detect::Sniffed;

/// The largest file read (a keystore or a CA bundle is far smaller).
pub const MAX_FILE: u64 = 64 << 20;

/// Why one file yields no certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileProblem {
    /// Not a format read here.
    #[error("not a certificate: neither PEM, DER X.509, PKCS#12 nor a Java keystore")]
    NotCertificate,
    /// Forced with `--from`, and not that format.
    #[error("not {}: --from {} was given", .0.name(), .0.name())]
    NotFormat(AtRestFormat),
    /// PEM (or a keystore) with no certificate in it, e.g. a private key.
    #[error("holds no certificate (a key, a CRL or secret keys only)")]
    NoCertificate,
    /// A PEM certificate block that cannot be read.
    #[error("line {line}: {problem}")]
    Pem {
        /// 1-based line of the block's BEGIN line.
        line: usize,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The format was recognised but the content is damaged.
    #[error("malformed {}: {detail}", .format.name())]
    Malformed {
        /// The format.
        format: AtRestFormat,
        /// What is wrong.
        detail: String,
    },
    /// A format recognised but not read.
    #[error("not supported: {0}")]
    Unsupported(&'static str),
    /// The password from `--password-file` does not open it.
    #[error("wrong password (from --password-file), or a damaged file")]
    WrongPassword,
    /// Protected by a password and none was given.
    #[error("protected by a password: give it with --password-file FILE")]
    NeedsPassword,
    /// Larger than [`MAX_FILE`].
    #[error("larger than {} MiB: not read", MAX_FILE >> 20)]
    TooLarge,
    /// The operating system would not let it be read.
    #[error("cannot read: {0}")]
    Unreadable(String),
}

impl FileProblem {
    /// The reason a directory walk reports it under.
    pub fn reason(&self) -> &'static str {
        match self {
            FileProblem::NotCertificate | FileProblem::NoCertificate => "not_certificate",
            FileProblem::NotFormat(_) => "other_format",
            FileProblem::Pem { .. } | FileProblem::Malformed { .. } => "malformed",
            FileProblem::Unsupported(_) => "unsupported",
            FileProblem::WrongPassword => "wrong_password",
            FileProblem::NeedsPassword => "needs_password",
            FileProblem::TooLarge => "too_large",
            FileProblem::Unreadable(_) => "unreadable",
        }
    }
}

/// Why certificates at rest cannot be imported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AtRestError {
    /// One file named (or met in a walk) cannot be read as asked.
    #[error("{}: {problem}", .file.display())]
    File {
        /// The file.
        file: PathBuf,
        /// What is wrong with it.
        problem: FileProblem,
    },
    /// The path given, or the password file, cannot be read.
    #[error("{}: cannot read: {source}", .file.display())]
    Read {
        /// The path.
        file: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The `--glob` pattern is wrong.
    #[error("--glob {pattern:?}: {problem}")]
    Glob {
        /// The pattern.
        pattern: String,
        /// What is wrong with it.
        problem: GlobError,
    },
    /// `--glob` with a file.
    #[error("{}: --glob filters a directory walk; this is a file", .file.display())]
    GlobOnFile {
        /// The file.
        file: PathBuf,
    },
    /// A directory walk found no certificate at all.
    #[error(
        "{}: no certificate found ({files} files read, {skipped} skipped, {filtered} left out by --glob)",
        .directory.display()
    )]
    NothingFound {
        /// The directory.
        directory: PathBuf,
        /// Files read.
        files: u64,
        /// Files skipped.
        skipped: u64,
        /// Files the glob left out.
        filtered: u64,
    },
}

/// How to read certificates at rest.
#[derive(Debug, Clone, Default)]
pub struct AtRestOptions {
    /// The format, forced (`--from`); `None`: told by content.
    pub from: Option<AtRestFormat>,
    /// The walk's filter (`--glob`), unparsed.
    pub glob: Option<String>,
    /// The file holding the keystores' password (`--password-file`).
    pub password_file: Option<PathBuf>,
}

/// Everything found under one path.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    /// The path, absolute (the root of every location).
    pub root: PathBuf,
    /// Whether it is a directory.
    pub directory: bool,
    /// The certificates, ordered by location.
    pub certificates: Vec<AtRestCertificate>,
    /// Files that held at least one certificate.
    pub files: u64,
    /// Files the glob left out.
    pub filtered: u64,
    /// Files (and directories) skipped, by reason, with their paths.
    pub skipped: BTreeMap<&'static str, Vec<String>>,
    /// Java keystores read without a password: integrity not checked.
    pub unverified: Vec<String>,
    /// SHA-256 of the evidence: every location with its certificate's
    /// SHA-256. The same files with the same certificates give the same
    /// digest, so a second import of them is refused.
    pub sha256: String,
}

impl Collected {
    /// How many files were skipped.
    pub fn skipped_count(&self) -> u64 {
        self.skipped.values().map(|v| v.len() as u64).sum()
    }
}

/// The keystores' password, read from `--password-file` (its first line).
struct Password(String);

impl Password {
    fn read(file: &Path) -> Result<Password, AtRestError> {
        let text = std::fs::read_to_string(file).map_err(|source| AtRestError::Read {
            file: file.to_path_buf(),
            source,
        })?;
        let line = text.lines().next().unwrap_or_default();
        Ok(Password(line.to_string()))
    }
}

/// Whether the file at `path` is, by content, one of the formats at rest
/// (an unreadable file is not: the caller's own reading says why).
/// Only the first [`SNIFF`] bytes are read (a JSON Lines file may be
/// gigabytes); a DER certificate longer than that needs `--from der`.
pub fn holds_at_rest(path: &Path) -> bool {
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = Vec::new();
    if file.take(SNIFF).read_to_end(&mut head).is_err() {
        return false;
    }
    !matches!(detect::sniff(&head), Sniffed::Unknown)
}

/// How much of a file [`holds_at_rest`] reads.
const SNIFF: u64 = 64 << 10;

/// Reads every certificate at `path` (a file or a directory).
pub fn collect(path: &Path, options: &AtRestOptions) -> Result<Collected, AtRestError> {
    let read_error = |source| AtRestError::Read {
        file: path.to_path_buf(),
        source,
    };
    let root = std::fs::canonicalize(path).map_err(read_error)?;
    let glob = match &options.glob {
        Some(pattern) => Some(Glob::parse(pattern).map_err(|problem| AtRestError::Glob {
            pattern: pattern.clone(),
            problem,
        })?),
        None => None,
    };
    let password = match &options.password_file {
        Some(file) => Some(Password::read(file)?),
        None => None,
    };
    let reader = Reader {
        from: options.from,
        password: password.as_ref().map(|p| p.0.as_str()),
    };
    let mut collected = Collected {
        directory: root.is_dir(),
        root: root.clone(),
        ..Collected::default()
    };
    match collected.directory {
        true => walk_directory(&root, glob.as_ref(), &reader, &mut collected)?,
        false if glob.is_some() => return Err(AtRestError::GlobOnFile { file: root }),
        false => {
            let read = reader.file(&root).map_err(|problem| AtRestError::File {
                file: path.to_path_buf(),
                problem,
            })?;
            collected.take(read);
        }
    }
    collected
        .certificates
        .sort_by(|a, b| a.location.cmp(&b.location));
    collected.sha256 = digest(&collected.certificates);
    Ok(collected)
}

/// Walks `root`, reading each file the glob keeps.
fn walk_directory(
    root: &Path,
    glob: Option<&Glob>,
    reader: &Reader<'_>,
    collected: &mut Collected,
) -> Result<(), AtRestError> {
    let walk = walk::walk(root).map_err(|source| AtRestError::Read {
        file: root.to_path_buf(),
        source,
    })?;
    collected.skipped.extend(
        [
            ("unreadable", walk.unreadable),
            ("linked_directory", walk.linked_directories),
        ]
        .into_iter()
        .filter(|(_, paths)| !paths.is_empty()),
    );
    for found in walk.files {
        if glob.is_some_and(|g| !g.matches(&found.relative)) {
            collected.filtered += 1;
            continue;
        }
        match reader.file(&found.path) {
            Ok(read) => collected.take(read),
            Err(problem @ FileProblem::WrongPassword) => {
                return Err(AtRestError::File {
                    file: found.path,
                    problem,
                })
            }
            Err(problem) => collected
                .skipped
                .entry(problem.reason())
                .or_default()
                .push(found.path.display().to_string()),
        }
    }
    match collected.certificates.is_empty() {
        true => Err(AtRestError::NothingFound {
            directory: root.to_path_buf(),
            files: collected.files + collected.skipped_count(),
            skipped: collected.skipped_count(),
            filtered: collected.filtered,
        }),
        false => Ok(()),
    }
}

/// The certificates of one file.
struct FileRead {
    certificates: Vec<AtRestCertificate>,
    /// A JKS read without its password.
    unverified: Option<String>,
}

impl Collected {
    fn take(&mut self, read: FileRead) {
        self.files += 1;
        self.certificates.extend(read.certificates);
        self.unverified.extend(read.unverified);
    }
}

/// Reads files as `--from` and `--password-file` say.
struct Reader<'a> {
    from: Option<AtRestFormat>,
    password: Option<&'a str>,
}

impl Reader<'_> {
    /// The certificates of the file at `path` (absolute).
    fn file(&self, path: &Path) -> Result<FileRead, FileProblem> {
        let bytes = read_bounded(path)?;
        let format =
            match (detect::sniff(&bytes), self.from) {
                (Sniffed::Format(found), Some(wanted)) if found != wanted => {
                    return Err(FileProblem::NotFormat(wanted))
                }
                (Sniffed::Jceks, Some(wanted)) | (Sniffed::Unknown, Some(wanted)) => {
                    return Err(FileProblem::NotFormat(wanted))
                }
                (Sniffed::Format(found), _) => found,
                (Sniffed::Jceks, None) => return Err(FileProblem::Unsupported(
                    "a JCEKS keystore (convert it: keytool -importkeystore -deststoretype pkcs12)",
                )),
                (Sniffed::Unknown, None) => return Err(FileProblem::NotCertificate),
            };
        let text = path.display().to_string();
        let mut unverified = None;
        let entries: Vec<(Option<String>, Vec<Vec<u8>>)> = match format {
            AtRestFormat::Pem => vec![(None, pem::certificates(&bytes)?)],
            AtRestFormat::Der => vec![(None, vec![bytes])],
            AtRestFormat::Pkcs12 => named(pkcs12::read(&bytes, self.password)?),
            AtRestFormat::Jks => {
                let keystore = jks::read(&bytes, self.password)?;
                if !keystore.verified {
                    unverified = Some(text.clone());
                }
                named(keystore.entries)
            }
        };
        let certificates: Vec<AtRestCertificate> = entries
            .into_iter()
            .flat_map(|(alias, ders)| {
                let path = text.clone();
                ders.into_iter().enumerate().map(move |(position, der)| {
                    let location = FileLocation {
                        path: path.clone(),
                        alias: alias.clone(),
                        position: u32::try_from(position).unwrap_or(u32::MAX),
                    };
                    AtRestCertificate {
                        location,
                        format,
                        der,
                    }
                })
            })
            .collect();
        if certificates.is_empty() {
            return Err(FileProblem::NoCertificate);
        }
        Ok(FileRead {
            certificates,
            unverified,
        })
    }
}

/// Keystore entries with their alias.
fn named(entries: Vec<jks::Entry>) -> Vec<(Option<String>, Vec<Vec<u8>>)> {
    entries.into_iter().map(|(a, c)| (Some(a), c)).collect()
}

/// The bytes of `path`, at most [`MAX_FILE`].
fn read_bounded(path: &Path) -> Result<Vec<u8>, FileProblem> {
    let unreadable = |e: std::io::Error| FileProblem::Unreadable(e.to_string());
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    match bytes.len() as u64 > MAX_FILE {
        true => Err(FileProblem::TooLarge),
        false => Ok(bytes),
    }
}

/// SHA-256 over every location and its certificate's SHA-256, in order.
fn digest(certificates: &[AtRestCertificate]) -> String {
    let mut digest = crate::certs::Sha256Stream::new();
    for certificate in certificates {
        let line = format!(
            "{}\t{}\n",
            certificate.location,
            crate::certs::sha256_hex(&certificate.der)
        );
        digest.update(line.as_bytes());
    }
    digest.finish_hex()
}

#[cfg(test)]
mod tests;
