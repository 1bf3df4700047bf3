//! [`EvidenceError`]: the operational failures of writing, signing or
//! verifying an evidence bundle. Every variant names the file or directory
//! it is about. A bundle that reads fine but does not match its manifest is
//! not an error: [`super::verify()`] reports that as data.

use std::path::{Path, PathBuf};

/// Why an evidence bundle could not be written or checked at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvidenceError {
    /// A file or directory could not be read, written or removed.
    #[error("{}: cannot {action}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What was being done, such as `read directory`.
        action: &'static str,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The bundle directory holds a symbolic link or a special file; a
    /// bundle may hold only regular files and directories.
    #[error(
        "{}: is a symbolic link or special file; an evidence bundle may hold only regular files",
        .path.display()
    )]
    NotRegularFile {
        /// The offending entry.
        path: PathBuf,
    },
    /// A file or directory name is not valid UTF-8, so the manifest cannot
    /// name it.
    #[error("{}: name is not valid UTF-8 and cannot be listed in a manifest", .path.display())]
    NonUtf8Name {
        /// The offending entry.
        path: PathBuf,
    },
    /// A key file could not be used: not found, not PEM, not the expected
    /// kind of key, not Ed25519, or malformed.
    #[error("{}: {problem}", .path.display())]
    Key {
        /// The key file.
        path: PathBuf,
        /// Why it cannot be used (includes "cannot read" for I/O errors).
        problem: String,
    },
    /// `manifest.json` is not valid JSON, not a certatlas evidence
    /// manifest, or of an unknown format version.
    #[error("{}: {problem}", .path.display())]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
}

/// Builds a mapper from an I/O error to [`EvidenceError::Io`] for `path`.
/// Allocates only when an error actually happens.
pub(crate) fn io_error<'a>(
    path: &'a Path,
    action: &'static str,
) -> impl FnOnce(std::io::Error) -> EvidenceError + 'a {
    move |source| EvidenceError::Io {
        path: path.to_path_buf(),
        action,
        source,
    }
}

/// Builds an [`EvidenceError::Key`] for `path`.
pub(crate) fn key_error(path: &Path, problem: impl Into<String>) -> EvidenceError {
    EvidenceError::Key {
        path: path.to_path_buf(),
        problem: problem.into(),
    }
}

/// Builds an [`EvidenceError::Manifest`] for `path`.
pub(crate) fn manifest_error(path: &Path, problem: impl Into<String>) -> EvidenceError {
    EvidenceError::Manifest {
        path: path.to_path_buf(),
        problem: problem.into(),
    }
}
