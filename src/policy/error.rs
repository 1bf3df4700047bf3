//! The policy module's one error type: why rules could not be loaded or a
//! fixture could not be used. Every message starts with the file and, when
//! known, `:line:column`.

use std::path::PathBuf;

use crate::config::Position;

/// Why loading rules (or their fixtures) failed.
#[derive(Debug, thiserror::Error)]
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
    #[error("{}{}: {problem}", path.display(), suffix(*position))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Where in it, when known.
        position: Option<Position>,
        /// What is wrong.
        problem: String,
    },
}

fn suffix(position: Option<Position>) -> String {
    position.map_or_else(String::new, |p| format!(":{}:{}", p.line, p.column))
}

impl RuleError {
    /// An [`RuleError::Invalid`] at `position` of `path`.
    pub fn invalid(
        path: &std::path::Path,
        position: Option<Position>,
        problem: impl Into<String>,
    ) -> Self {
        RuleError::Invalid {
            path: path.to_path_buf(),
            position,
            problem: problem.into(),
        }
    }
}

impl From<crate::config::ConfigError> for RuleError {
    fn from(e: crate::config::ConfigError) -> Self {
        let (path, position, problem) = e.into_located();
        RuleError::Invalid {
            path,
            position,
            problem,
        }
    }
}
