//! Leaf vocabulary for errors in a file the user wrote: [`Position`] (a
//! 1-based line and column) and [`Located`] (file, position, problem), whose
//! message is `FILE:LINE:COL: problem`. Config files, rule files, ladders
//! and self-assessments report their errors through it.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

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

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A problem at a place in a file: `FILE:LINE:COL: problem`, or
/// `FILE: problem` when the position is not known.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}{}: {problem}", path.display(), suffix(*position))]
pub struct Located<E: fmt::Display> {
    /// The file.
    pub path: PathBuf,
    /// Where in it, when known.
    pub position: Option<Position>,
    /// What is wrong.
    pub problem: E,
}

impl<E: fmt::Display> Located<E> {
    /// `problem` at `position` of `path`.
    pub fn new(path: &Path, position: Option<Position>, problem: E) -> Self {
        Located {
            path: path.to_path_buf(),
            position,
            problem,
        }
    }

    /// The same place with the problem turned into another type.
    pub fn map<F: fmt::Display>(self, f: impl FnOnce(E) -> F) -> Located<F> {
        Located {
            path: self.path,
            position: self.position,
            problem: f(self.problem),
        }
    }
}

/// `:line:column`, or nothing.
fn suffix(position: Option<Position>) -> String {
    position.map_or_else(String::new, |p| format!(":{p}"))
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
        let at = Some(Position { line: 3, column: 7 });
        let err = Located::new(Path::new("c.toml"), at, "bad");
        assert_eq!(err.to_string(), "c.toml:3:7: bad");
        let err = Located::new(Path::new("c.toml"), None, "bad");
        assert_eq!(err.to_string(), "c.toml: bad");
        assert_eq!(err.map(|p| p.len()).to_string(), "c.toml: 3");
    }
}
