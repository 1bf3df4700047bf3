//! [`LadderError`]: why the maturity profile could not be loaded (a file
//! unreadable, or a ladder, profile or override wrong at a position).

use std::path::PathBuf;

use crate::config::Position;

/// Why the maturity profile could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LadderError {
    /// A ladder directory or file cannot be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A ladder, profile or override is wrong.
    #[error("{}{}: {problem}", path.display(), position.map_or_else(String::new, |p| format!(":{}:{}", p.line, p.column)))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Where in it, when known.
        position: Option<Position>,
        /// What is wrong.
        problem: String,
    },
}

impl From<crate::config::ConfigError> for LadderError {
    fn from(e: crate::config::ConfigError) -> Self {
        let (path, position, problem) = e.into_located();
        LadderError::Invalid {
            path,
            position,
            problem,
        }
    }
}
