//! The policy module's one error type: why rules could not be loaded or a
//! fixture could not be used. Every message starts with the file and, when
//! known, `:line:column`.

use std::path::PathBuf;

use crate::located::{Located, Position};

/// Why loading rules (or their fixtures) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    /// A rule directory or file cannot be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A rule file (or fixture) is wrong: syntax, unknown key, bad value,
    /// invalid CEL, unknown category, duplicate id.
    #[error(transparent)]
    Invalid(#[from] Located<String>),
}

impl RuleError {
    /// An [`RuleError::Invalid`] at `position` of `path`.
    pub fn invalid(
        path: &std::path::Path,
        position: Option<Position>,
        problem: impl Into<String>,
    ) -> Self {
        RuleError::Invalid(Located::new(path, position, problem.into()))
    }
}
