//! The `--glob` filter of a directory walk: `*` (any characters but `/`),
//! `**` (any characters, `/` included), `?` (one character but `/`) and
//! `{a,b}` alternatives (not nested). A pattern without `/` is matched
//! against a file's name, one with `/` against its path relative to the
//! directory walked (`/`-separated).

/// What is wrong with a glob pattern.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GlobError {
    /// The pattern is empty.
    #[error("empty pattern")]
    Empty,
    /// A `{` without its `}`.
    #[error("{{ without }} at character {0}")]
    Unclosed(usize),
    /// A `{` inside `{...}`.
    #[error("nested {{ at character {0}")]
    Nested(usize),
    /// A `}` without its `{`.
    #[error("}} without {{ at character {0}")]
    Unopened(usize),
}

/// A parsed glob pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    /// The pattern as given.
    text: String,
    /// Its alternatives, braces expanded.
    alternatives: Vec<Vec<char>>,
    /// Whether it is matched against the relative path (it holds a `/`).
    on_path: bool,
}

impl Glob {
    /// Parses `pattern`.
    pub fn parse(pattern: &str) -> Result<Glob, GlobError> {
        if pattern.is_empty() {
            return Err(GlobError::Empty);
        }
        Ok(Glob {
            text: pattern.to_string(),
            alternatives: expand(pattern)?
                .into_iter()
                .map(|a| a.chars().collect())
                .collect(),
            on_path: pattern.contains('/'),
        })
    }

    /// The pattern as given.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the file at `relative` (`/`-separated, from the directory
    /// walked) matches.
    pub fn matches(&self, relative: &str) -> bool {
        let subject = match self.on_path {
            true => relative,
            false => relative.rsplit('/').next().unwrap_or(relative),
        };
        let subject: Vec<char> = subject.chars().collect();
        self.alternatives.iter().any(|p| matches(p, &subject))
    }
}

/// The alternatives of `pattern`, its `{a,b}` groups expanded.
fn expand(pattern: &str) -> Result<Vec<String>, GlobError> {
    let mut out = vec![String::new()];
    let mut group: Option<(usize, Vec<String>)> = None;
    for (at, c) in pattern.chars().enumerate() {
        match (c, &mut group) {
            ('{', Some(_)) => return Err(GlobError::Nested(at + 1)),
            ('{', None) => group = Some((at, vec![String::new()])),
            ('}', None) => return Err(GlobError::Unopened(at + 1)),
            ('}', Some(_)) => {
                let (_, options) = group.take().unwrap_or_default();
                out = out
                    .iter()
                    .flat_map(|prefix| options.iter().map(move |o| format!("{prefix}{o}")))
                    .collect();
            }
            (',', Some((_, options))) => options.push(String::new()),
            (c, Some((_, options))) => options.last_mut().into_iter().for_each(|o| o.push(c)),
            (c, None) => out.iter_mut().for_each(|o| o.push(c)),
        }
    }
    match group {
        Some((at, _)) => Err(GlobError::Unclosed(at + 1)),
        None => Ok(out),
    }
}

/// Whether `pattern` (braces expanded) matches all of `subject`.
fn matches(pattern: &[char], subject: &[char]) -> bool {
    match pattern {
        [] => subject.is_empty(),
        ['*', '*', '/', rest @ ..] => (0..=subject.len())
            .any(|skip| (skip == 0 || subject[skip - 1] == '/') && matches(rest, &subject[skip..])),
        ['*', '*', rest @ ..] => (0..=subject.len()).any(|skip| matches(rest, &subject[skip..])),
        ['*', rest @ ..] => {
            let run = subject.iter().take_while(|c| **c != '/').count();
            (0..=run).any(|skip| matches(rest, &subject[skip..]))
        }
        ['?', rest @ ..] => {
            subject.first().is_some_and(|c| *c != '/') && matches(rest, &subject[1..])
        }
        [c, rest @ ..] => subject.first() == Some(c) && matches(rest, &subject[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(p: &str) -> Glob {
        Glob::parse(p).unwrap()
    }

    #[test]
    fn a_pattern_without_a_slash_matches_the_file_name() {
        let g = glob("*.pem");
        assert!(g.matches("a.pem"));
        assert!(g.matches("deep/down/b.pem"));
        assert!(!g.matches("a.pem.bak"));
        assert!(!g.matches("a.crt"));
        assert!(glob("?.der").matches("x/y.der"));
        assert!(!glob("?.der").matches("xy.der"));
    }

    #[test]
    fn alternatives_expand() {
        let g = glob("*.{pem,crt}");
        assert!(g.matches("a.pem") && g.matches("b.crt"));
        assert!(!g.matches("c.der"));
        assert_eq!(Glob::parse("{a"), Err(GlobError::Unclosed(1)));
        assert_eq!(Glob::parse("{a{b}}"), Err(GlobError::Nested(3)));
        assert_eq!(Glob::parse("a}"), Err(GlobError::Unopened(2)));
        assert_eq!(Glob::parse(""), Err(GlobError::Empty));
    }

    #[test]
    fn a_pattern_with_a_slash_matches_the_relative_path() {
        let g = glob("tls/*.pem");
        assert!(g.matches("tls/a.pem"));
        assert!(!g.matches("other/tls/a.pem"));
        assert!(!g.matches("tls/deeper/a.pem"));
        let deep = glob("**/keys/*.p12");
        assert!(deep.matches("keys/a.p12"));
        assert!(deep.matches("x/y/keys/a.p12"));
        assert!(!deep.matches("x/keys/y/a.p12"));
        assert!(glob("tls/**").matches("tls/a/b/c.pem"));
    }
}
