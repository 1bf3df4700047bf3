//! The closed vocabularies of a rule: [`Severity`] (ordered, for
//! `--fail-on`) and [`SubjectKind`] (what a rule looks at).

use serde::{Deserialize, Serialize};

/// How much a finding matters. Ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; no action expected.
    Info,
    /// Hygiene; fix when convenient.
    Low,
    /// A weakness to plan a fix for.
    Medium,
    /// A problem to fix soon.
    High,
    /// An outage or a broken security property now.
    Critical,
}

impl Severity {
    /// Every severity, most severe first (the order of listings).
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// The lowercase name used in rule files and output.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Parses a name (case-insensitive).
    pub fn parse(text: &str) -> Option<Severity> {
        let wanted = text.trim().to_ascii_lowercase();
        Severity::ALL.into_iter().find(|s| s.name() == wanted)
    }
}

/// A severity name that is none of the five.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a severity (critical, high, medium, low, info)")]
pub struct UnknownSeverity(pub String);

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a rule is evaluated over; each kind has its own model (see
/// [`crate::policy::model`]) and its CEL variable of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    /// A leaf certificate served in the scan.
    Leaf,
    /// A CA certificate of the scan's CA graph.
    Ca,
    /// A chain as an endpoint sent it.
    Chain,
    /// One endpoint's TLS service.
    Endpoint,
    /// The scan's inventory as a whole.
    Inventory,
}

impl SubjectKind {
    /// Every kind, in evaluation order.
    pub const ALL: [SubjectKind; 5] = [
        SubjectKind::Leaf,
        SubjectKind::Ca,
        SubjectKind::Chain,
        SubjectKind::Endpoint,
        SubjectKind::Inventory,
    ];

    /// The name in rule files, output and the CEL variable.
    pub fn name(self) -> &'static str {
        match self {
            SubjectKind::Leaf => "leaf",
            SubjectKind::Ca => "ca",
            SubjectKind::Chain => "chain",
            SubjectKind::Endpoint => "endpoint",
            SubjectKind::Inventory => "inventory",
        }
    }

    /// Parses a name (exact).
    pub fn parse(text: &str) -> Option<SubjectKind> {
        SubjectKind::ALL.into_iter().find(|k| k.name() == text)
    }

    /// Whether `effective` dates compare with the certificate's notBefore
    /// (leaf, ca) rather than the evaluation time.
    pub fn dated_by_issuance(self) -> bool {
        matches!(self, SubjectKind::Leaf | SubjectKind::Ca)
    }
}

impl std::fmt::Display for SubjectKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        assert_eq!(Severity::parse(" HIGH "), Some(Severity::High));
        assert_eq!(Severity::parse("severe"), None);
        assert_eq!(SubjectKind::parse("ca"), Some(SubjectKind::Ca));
        assert_eq!(SubjectKind::parse("Leaf"), None);
        assert!(
            SubjectKind::Leaf.dated_by_issuance() && !SubjectKind::Endpoint.dated_by_issuance()
        );
    }
}
