//! [`Source`]: the config file's text and path, which every section's
//! check uses to turn a span into an error at its line and column and to
//! resolve relative file names.

use std::ops::Range;
use std::path::{Path, PathBuf};

use super::error::ConfigError;
use crate::located::{Located, Position};

/// What every check needs: the text (for positions) and where the file is.
pub(super) struct Source<'a> {
    /// The file's text.
    pub text: &'a str,
    /// The file.
    pub path: &'a Path,
}

impl Source<'_> {
    /// An [`ConfigError::Invalid`] at the start of `span`.
    pub fn error(&self, span: &Range<usize>, problem: impl Into<String>) -> ConfigError {
        Located::new(self.path, Some(self.position(span)), problem.into()).into()
    }

    /// The line and column where `span` starts.
    pub fn position(&self, span: &Range<usize>) -> Position {
        Position::of_span(self.text, span)
    }

    /// Relative paths are relative to the config file's directory.
    pub fn resolve(&self, file: &str) -> PathBuf {
        let dir = self.path.parent().unwrap_or_else(|| Path::new(""));
        dir.join(file)
    }
}
