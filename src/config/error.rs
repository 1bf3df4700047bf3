//! The config module's one error type, [`ConfigError`]: its positions are
//! the leaf [`Located`] errors every file format certatlas reads shares.

use std::path::PathBuf;

use super::anchors::AnchorFileError;
use crate::located::{Located, Position};

/// Why a config file could not be used. Every message starts with the file
/// (and, when known, `:line:column`), then says what is wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The config file itself could not be read.
    #[error("{}: cannot read config file: {source}", path.display())]
    Read {
        /// The config file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Bad TOML syntax, an unknown or missing key, a wrong type, or a bad
    /// value, at its place in the config file.
    #[error(transparent)]
    Invalid(#[from] Located<String>),
    /// An anchor file named by the config cannot be read or holds no certificate.
    #[error("{}{}: anchor {name:?}: {}: {problem}", path.display(), position_suffix(*position), file.display())]
    AnchorFile {
        /// The config file.
        path: PathBuf,
        /// Where the `file` key is in the config file.
        position: Option<Position>,
        /// The anchor's `name`.
        name: String,
        /// The anchor file, resolved against the config file's directory.
        file: PathBuf,
        /// What is wrong.
        #[source]
        problem: AnchorFileError,
    },
}

/// `:line:column`, or nothing.
fn position_suffix(position: Option<Position>) -> String {
    position.map_or_else(String::new, |p| format!(":{p}"))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn messages_name_file_position_and_problem() {
        let at = Some(Position { line: 3, column: 7 });
        let err = ConfigError::from(Located::new(Path::new("c.toml"), at, "bad".into()));
        assert_eq!(err.to_string(), "c.toml:3:7: bad");
        let err = ConfigError::from(Located::new(Path::new("c.toml"), None, "bad".into()));
        assert_eq!(err.to_string(), "c.toml: bad");
    }
}
