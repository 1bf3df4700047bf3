//! The closed vocabularies of a rule: [`Severity`] (ordered, for
//! `--fail-on`) and [`SubjectKind`] (what a rule looks at).

use serde::{Deserialize, Serialize};
use strum::{EnumMessage, EnumString, IntoStaticStr, VariantArray};

/// How much a finding matters. Ordered from least to most severe (as are
/// [`VariantArray::VARIANTS`]); its names are derived.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    VariantArray,
    IntoStaticStr,
    EnumString,
    EnumMessage,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case", ascii_case_insensitive)]
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
    pub fn most_severe_first() -> impl Iterator<Item = Severity> {
        Severity::VARIANTS.iter().rev().copied()
    }

    /// The lowercase name used in rule files and output.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Parses a name (case-insensitive, surrounding blanks ignored).
    pub fn parse(text: &str) -> Option<Severity> {
        text.trim().parse().ok()
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
/// [`crate::policy::model`]) and its CEL variable of the same name. Every kind, in
/// evaluation order, is [`VariantArray::VARIANTS`].
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    VariantArray,
    IntoStaticStr,
    EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
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
    /// The name in rule files, output and the CEL variable.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// Parses a name (exact).
    pub fn parse(text: &str) -> Option<SubjectKind> {
        text.parse().ok()
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

    #[test]
    fn every_severity_round_trips_through_its_name() {
        let names: Vec<&str> = Severity::VARIANTS.iter().map(|s| s.name()).collect();
        assert_eq!(names, ["info", "low", "medium", "high", "critical"]);
        for &severity in Severity::VARIANTS {
            assert_eq!(Severity::parse(severity.name()), Some(severity));
            assert_eq!(severity.to_string(), severity.name());
            let json = serde_json::to_string(&severity).unwrap();
            assert_eq!(
                json,
                format!("\"{}\"", severity.name()),
                "serde name = name"
            );
        }
        let listed: Vec<Severity> = Severity::most_severe_first().collect();
        assert_eq!(listed.first(), Some(&Severity::Critical));
        assert_eq!(listed.last(), Some(&Severity::Info));
    }

    #[test]
    fn every_subject_kind_round_trips_through_its_name() {
        let names: Vec<&str> = SubjectKind::VARIANTS.iter().map(|k| k.name()).collect();
        assert_eq!(names, ["leaf", "ca", "chain", "endpoint", "inventory"]);
        for &kind in SubjectKind::VARIANTS {
            assert_eq!(SubjectKind::parse(kind.name()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()), "serde name = name");
        }
    }
}
