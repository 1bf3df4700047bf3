//! [`LadderError`]: why the maturity profile could not be loaded (a file
//! unreadable, or a ladder, profile or override wrong at a position).

use std::path::PathBuf;

use crate::located::Located;

/// Why the maturity profile could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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
    #[error(transparent)]
    Invalid(#[from] Located<String>),
}
