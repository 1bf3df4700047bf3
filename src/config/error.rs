//! The config module's one error type, [`ConfigError`], and [`Position`]
//! (1-based line and column, computed from byte offsets into the file).

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` in `source` (clamped to the end, and
    /// back to a character boundary).
    pub fn at(source: &str, offset: usize) -> Position {
        let mut offset = offset.min(source.len());
        while !source.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &source[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Position {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }

    /// The position where `span` starts.
    pub fn of_span(source: &str, span: &Range<usize>) -> Position {
        Position::at(source, span.start)
    }
}

/// Why a config file could not be used. Every message starts with the file
/// (and, when known, `:line:column`), then says what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file itself could not be read.
    #[error("{}: cannot read config file: {source}", path.display())]
    Read {
        /// The config file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Bad TOML syntax, an unknown or missing key, a wrong type, or a bad value.
    #[error("{}{}: {problem}", path.display(), position_suffix(*position))]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// Where in the file, when known.
        position: Option<Position>,
        /// What is wrong.
        problem: String,
    },
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
        problem: String,
    },
}

impl ConfigError {
    /// The file, position and problem of an error, for the error types of
    /// other file formats read through `config::document`.
    pub fn into_located(self) -> (PathBuf, Option<Position>, String) {
        match self {
            ConfigError::Invalid {
                path,
                position,
                problem,
            } => (path, position, problem),
            other => (PathBuf::new(), None, other.to_string()),
        }
    }
}

/// `:line:column`, or nothing.
fn position_suffix(position: Option<Position>) -> String {
    position.map_or_else(String::new, |p| format!(":{}:{}", p.line, p.column))
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let source = "a = 1\nüb = 2\n";
        assert_eq!(Position::at(source, 0), Position { line: 1, column: 1 });
        assert_eq!(Position::at(source, 4), Position { line: 1, column: 5 });
        let b = source.find('b').expect("b");
        assert_eq!(Position::at(source, b), Position { line: 2, column: 2 });
        assert_eq!(
            Position::at(source, b - 1).line,
            2,
            "inside ü: back to its start"
        );
        assert_eq!(Position::at(source, 999), Position { line: 3, column: 1 });
    }

    #[test]
    fn messages_name_file_position_and_problem() {
        let err = ConfigError::Invalid {
            path: PathBuf::from("c.toml"),
            position: Some(Position { line: 3, column: 7 }),
            problem: "bad".into(),
        };
        assert_eq!(err.to_string(), "c.toml:3:7: bad");
        let err = ConfigError::Invalid {
            path: PathBuf::from("c.toml"),
            position: None,
            problem: "bad".into(),
        };
        assert_eq!(err.to_string(), "c.toml: bad");
    }
}
