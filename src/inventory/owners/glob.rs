//! Host name globs for owner rules: label-wise matching where `*` matches
//! any characters within one label and a whole-label `**` matches one or more
//! labels. Case-insensitive (ASCII); a trailing dot is ignored on both sides.

use super::MatcherProblem;

/// A host name glob, as labels (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct HostGlob {
    labels: Vec<GlobLabel>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum GlobLabel {
    /// `**`: one or more whole labels.
    AnyLabels,
    /// A label pattern where `*` matches any characters (lowercase).
    Pattern(String),
}

impl HostGlob {
    /// Parses a pattern; the error says what is wrong with it.
    pub(super) fn parse(text: &str) -> Result<HostGlob, MatcherProblem> {
        let trimmed = text.strip_suffix('.').unwrap_or(text).to_lowercase();
        if trimmed.is_empty() {
            return Err(MatcherProblem::EmptyPattern);
        }
        let labels = trimmed
            .split('.')
            .map(|label| match label {
                "" => Err(MatcherProblem::EmptyLabel),
                "**" => Ok(GlobLabel::AnyLabels),
                l if l.contains("**") => Err(MatcherProblem::PartialAnyLabels(l.to_string())),
                l => Ok(GlobLabel::Pattern(l.to_string())),
            })
            .collect::<Result<_, _>>()?;
        Ok(HostGlob { labels })
    }

    /// True when `name` matches the pattern.
    pub(super) fn matches(&self, name: &str) -> bool {
        let name = name.strip_suffix('.').unwrap_or(name).to_lowercase();
        let labels: Vec<&str> = name.split('.').collect();
        match_labels(&self.labels, &labels)
    }
}

fn match_labels(pattern: &[GlobLabel], labels: &[&str]) -> bool {
    match pattern.split_first() {
        None => labels.is_empty(),
        Some((GlobLabel::AnyLabels, rest)) => {
            (1..=labels.len()).any(|taken| match_labels(rest, &labels[taken..]))
        }
        Some((GlobLabel::Pattern(p), rest)) => match labels.split_first() {
            Some((first, others)) => wildcard_match(p, first) && match_labels(rest, others),
            None => false,
        },
    }
}

/// `*` matches any run of characters (including none); everything else literally.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty(); // no `*` at all
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(pattern: &str) -> HostGlob {
        HostGlob::parse(pattern).expect("valid pattern")
    }

    #[test]
    fn single_star_stays_within_one_label() {
        let g = glob("*.shop.example.org");
        assert!(g.matches("www.shop.example.org"));
        assert!(g.matches("WWW.Shop.Example.Org."));
        assert!(!g.matches("shop.example.org"));
        assert!(!g.matches("a.b.shop.example.org"));
        let g = glob("web-*-?.example.org");
        assert!(g.matches("web-01-?.example.org"));
        assert!(!g.matches("web-01-x.example.org"), "? is literal");
        let g = glob("a*b*c.test");
        assert!(g.matches("abc.test") && g.matches("a-b-b-c.test"));
        assert!(!g.matches("acb.test") && !g.matches("ab.test"));
    }

    #[test]
    fn double_star_spans_one_or_more_labels() {
        let g = glob("**.example.org");
        assert!(g.matches("a.example.org"));
        assert!(g.matches("a.b.c.example.org"));
        assert!(!g.matches("example.org"));
        assert!(!g.matches("a.example.net"));
        let g = glob("api.**.internal");
        assert!(g.matches("api.eu.west.internal"));
        assert!(!g.matches("api.internal"));
    }

    #[test]
    fn exact_names_and_invalid_patterns() {
        assert!(glob("mail.example.org").matches("MAIL.example.org"));
        assert!(!glob("mail.example.org").matches("mail.example.org.evil"));
        for bad in ["", ".", "a..b", ".a", "a**.b"] {
            assert!(HostGlob::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
