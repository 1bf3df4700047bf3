//! The module's errors: [`TargetsError`], the problem it wraps ([`SpecProblem`]), and [`Origin`], which says
//! where a bad value came from (a command-line option, a positional argument,
//! or a line of a file) so every message can name it.

use std::fmt;
use std::path::{Path, PathBuf};

mod problem;

pub use problem::SpecProblem;

/// Where a target, exclusion or port list was written.
///
/// Parsers take an `Origin` (the `*_in` functions) or start with
/// [`Origin::Unspecified`]; the CLI can re-label an error afterwards with
/// [`TargetsError::with_origin`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Origin {
    /// Nothing known; the message then starts with the bad value itself.
    #[default]
    Unspecified,
    /// A command-line option or argument, named as the user would write it,
    /// e.g. `"--exclude"`, `"--ports"` or `"target argument"`.
    Argument(String),
    /// Line `line` (1-based) of `file`; a file named `-` is standard input.
    FileLine {
        /// The file as the user named it.
        file: PathBuf,
        /// 1-based line number.
        line: usize,
    },
}

impl Origin {
    /// An [`Origin::Argument`] for the option or argument `name`.
    pub fn argument(name: &str) -> Self {
        Origin::Argument(name.to_string())
    }

    /// An [`Origin::FileLine`] for 1-based `line` of `file`.
    pub fn file_line(file: &Path, line: usize) -> Self {
        Origin::FileLine {
            file: file.to_path_buf(),
            line,
        }
    }

    /// The text put in front of a message: `"--exclude: "`, `"t.txt:3: "`, or
    /// nothing for [`Origin::Unspecified`].
    fn prefix(&self) -> String {
        match self {
            Origin::Unspecified => String::new(),
            other => format!("{other}: "),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Unspecified => f.write_str("input"),
            Origin::Argument(name) => f.write_str(name),
            Origin::FileLine { file, line } => {
                write!(f, "{}:{line}", file_label(file))
            }
        }
    }
}

/// How a file is named in messages: its path, or `<stdin>` for `-`.
pub(crate) fn file_label(file: &Path) -> String {
    if file == Path::new("-") {
        "<stdin>".to_string()
    } else {
        file.display().to_string()
    }
}

/// Everything that can go wrong while reading targets, exclusions and ports.
///
/// Every message names where the value came from and what is wrong with it,
/// e.g. `targets.txt:3: '10.0.0.0/33' is not a valid target: prefix length 33
/// is over 32` or `--ports: '70000' is not a port (1-65535)`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TargetsError {
    /// A target or exclusion that does not parse.
    #[error("{}'{input}' is not a valid target: {reason}", .origin.prefix())]
    InvalidTarget {
        /// Where it was written.
        origin: Origin,
        /// The value as written (trimmed).
        input: String,
        /// What is wrong with it.
        reason: SpecProblem,
    },
    /// A host name (e.g. a `--sni` value) that is not a DNS name.
    #[error("{}'{input}' is not a valid host name: {reason}", .origin.prefix())]
    InvalidName {
        /// Where it was written.
        origin: Origin,
        /// The value as written (trimmed).
        input: String,
        /// What is wrong with it.
        reason: SpecProblem,
    },
    /// A `--resolve` pairing (or the `[scope]` `resolve` key) that does not
    /// parse.
    #[error("{}'{input}' is not a valid pairing: {reason}", .origin.prefix())]
    InvalidResolve {
        /// Where it was written.
        origin: Origin,
        /// The value as written (trimmed).
        input: String,
        /// What is wrong with it.
        reason: SpecProblem,
    },
    /// One item of a port list that does not parse.
    #[error("{}'{item}' {problem}", .origin.prefix())]
    InvalidPorts {
        /// Where the port list was written.
        origin: Origin,
        /// The offending item, or the whole list when an item is empty.
        item: String,
        /// What is wrong, phrased to follow the item, e.g. "is not a port (1-65535)".
        problem: String,
    },
    /// A target file that could not be opened or read.
    #[error("cannot read '{}': {source}", file_label(.path))]
    Unreadable {
        /// The file as the user named it (`-` for stdin).
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
}

impl TargetsError {
    /// The same error re-labelled as coming from `origin`; errors that already
    /// name a file ([`TargetsError::Unreadable`]) are returned unchanged.
    pub fn with_origin(self, origin: Origin) -> Self {
        match self {
            TargetsError::InvalidTarget { input, reason, .. } => TargetsError::InvalidTarget {
                origin,
                input,
                reason,
            },
            TargetsError::InvalidPorts { item, problem, .. } => TargetsError::InvalidPorts {
                origin,
                item,
                problem,
            },
            TargetsError::InvalidName { input, reason, .. } => TargetsError::InvalidName {
                origin,
                input,
                reason,
            },
            TargetsError::InvalidResolve { input, reason, .. } => TargetsError::InvalidResolve {
                origin,
                input,
                reason,
            },
            unreadable @ TargetsError::Unreadable { .. } => unreadable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(origin: Origin) -> TargetsError {
        TargetsError::InvalidTarget {
            origin,
            input: "10.0.0.0/33".to_string(),
            reason: SpecProblem::PrefixTooLong {
                prefix: 33,
                max: 32,
            },
        }
    }

    #[test]
    fn messages_name_the_origin_and_the_input() {
        let from_file = invalid(Origin::file_line(Path::new("targets.txt"), 3));
        assert_eq!(
            from_file.to_string(),
            "targets.txt:3: '10.0.0.0/33' is not a valid target: prefix length 33 is over 32"
        );
        let from_stdin = invalid(Origin::file_line(Path::new("-"), 7));
        assert!(from_stdin
            .to_string()
            .starts_with("<stdin>:7: '10.0.0.0/33'"));
        let unspecified = invalid(Origin::Unspecified);
        assert!(unspecified.to_string().starts_with("'10.0.0.0/33' is not"));
    }

    #[test]
    fn with_origin_relabels_parse_errors_only() {
        let relabelled = invalid(Origin::Unspecified).with_origin(Origin::argument("--exclude"));
        assert!(relabelled
            .to_string()
            .starts_with("--exclude: '10.0.0.0/33'"));
        let unreadable = TargetsError::Unreadable {
            path: PathBuf::from("missing.txt"),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        let kept = unreadable.with_origin(Origin::argument("--input"));
        assert!(kept.to_string().starts_with("cannot read 'missing.txt': "));
    }
}
