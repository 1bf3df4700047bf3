//! Owner rules: who is responsible for an endpoint's certificate. Pure
//! matching; the rules come from the `[[owners]]` tables of the config file.
//!
//! Rules are tried in file order and the first that matches wins. A rule
//! matches when EVERY matcher kind it sets matches; within one kind, ANY of
//! its values may match. Kinds:
//! - `cidr`: the endpoint address is inside the block (a bare address is a
//!   /32 or /128; an IPv4-mapped IPv6 address also matches IPv4 blocks);
//! - `hostname`: a host name used to reach the endpoint (SNI / target name)
//!   matches the glob;
//! - `san`: a SAN DNS name of the certificate matches the glob (the subject
//!   CN is not consulted);
//! - `issuer`: a substring of the issuer DN or of an issuer CN;
//! - `subject_o` / `subject_ou`: equal to a subject O / OU value.
//!
//! Text comparisons ignore ASCII case. Globs work label by label (split on
//! `.`, a trailing dot ignored): `*` matches any characters within ONE label
//! (`web-*.example.org` matches `web-01.example.org`; `*.example.org` does
//! not match `example.org`), and a label that is exactly `**` matches one or
//! more whole labels (`**.example.org` matches `a.example.org` and
//! `a.b.example.org`, not `example.org`). Globs live in `glob`.

mod glob;

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

use crate::certs::CertificateView;
use crate::targets::AddressBlock;

use glob::HostGlob;

/// The kinds of matcher an owner rule can use (names as in the config file,
/// derived: [`MatcherKind::key`]; every kind in config-file documentation
/// order: [`VariantArray::VARIANTS`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, VariantArray, IntoStaticStr, EnumString)]
#[strum(serialize_all = "snake_case")]
pub enum MatcherKind {
    /// `cidr`
    Cidr,
    /// `hostname`
    Hostname,
    /// `san`
    San,
    /// `issuer`
    Issuer,
    /// `subject_o`
    SubjectO,
    /// `subject_ou`
    SubjectOu,
}

impl MatcherKind {
    /// The config key of this matcher kind.
    pub fn key(self) -> &'static str {
        self.into()
    }
}

/// Why an owner rule could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OwnerRuleError {
    /// The owner name is empty.
    #[error("owner name is empty")]
    EmptyOwner,
    /// The rule sets no matcher at all (it would match everything).
    #[error(
        "owner rule {0:?} has no matcher (cidr, hostname, san, issuer, subject_o, subject_ou)"
    )]
    NoMatcher(String),
    /// A matcher value is invalid.
    #[error("{} value {value:?}: {reason}", kind.key())]
    BadValue {
        /// Which matcher.
        kind: MatcherKind,
        /// The value as written.
        value: String,
        /// What is wrong with it.
        reason: MatcherProblem,
    },
}

/// What is wrong with one matcher value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MatcherProblem {
    /// An empty host name pattern.
    #[error("empty host name pattern")]
    EmptyPattern,
    /// `a..b` or `.a`.
    #[error("empty label (two dots in a row, or a leading dot)")]
    EmptyLabel,
    /// `**` inside a label.
    #[error("`**` must be a whole label, found {0:?}")]
    PartialAnyLabels(String),
    /// An empty text matcher.
    #[error("empty text matches everything; remove the matcher instead")]
    EmptyText,
    /// Neither a CIDR block nor an address.
    #[error("not a CIDR block or IP address ({0})")]
    NotCidr(crate::targets::AddressBlockError),
}

/// One owner rule as written in the config: the owner and its matcher values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnerRuleSpec {
    /// Owner (team) name.
    pub owner: String,
    /// CIDR blocks or addresses.
    pub cidr: Vec<String>,
    /// Host name globs (SNI / target names).
    pub hostname: Vec<String>,
    /// SAN DNS name globs.
    pub san: Vec<String>,
    /// Substrings of the issuer DN or CN.
    pub issuer: Vec<String>,
    /// Subject O values.
    pub subject_o: Vec<String>,
    /// Subject OU values.
    pub subject_ou: Vec<String>,
}

/// What an owner rule is matched against.
#[derive(Debug, Clone, Copy)]
pub struct OwnerSubject<'a> {
    /// The endpoint address, when there is one.
    pub address: Option<IpAddr>,
    /// Host names used to reach the endpoint (SNI, target host name).
    pub hostnames: &'a [String],
    /// The certificate the endpoint served.
    pub view: &'a CertificateView,
}

/// The owner found for a subject and the rule that decided it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerAssignment {
    /// The owner; `None` means unassigned.
    pub owner: Option<String>,
    /// Which rule matched and why, e.g. `owners[2] (cidr 10.1.0.0/16)`.
    pub rule: Option<String>,
}

/// Ordered owner rules; first match wins.
#[derive(Debug, Clone, Default)]
pub struct OwnerRules {
    rules: Vec<OwnerRule>,
}

#[derive(Debug, Clone)]
struct OwnerRule {
    owner: String,
    index: usize,
    cidr: Vec<(String, AddressBlock)>,
    hostname: Vec<(String, HostGlob)>,
    san: Vec<(String, HostGlob)>,
    /// (as written, lowercase) pairs for the text matchers.
    issuer: Vec<(String, String)>,
    subject_o: Vec<(String, String)>,
    subject_ou: Vec<(String, String)>,
}

impl OwnerRules {
    /// No rules: everything is unassigned.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a rule (it will be tried after the ones already added). Its
    /// label in [`OwnerAssignment::rule`] is `owners[i]`, `i` counting from 0.
    pub fn push(&mut self, spec: OwnerRuleSpec) -> Result<(), OwnerRuleError> {
        let rule = OwnerRule::new(spec, self.rules.len())?;
        self.rules.push(rule);
        Ok(())
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True when there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The owner of `subject`: the first rule (in file order) that matches.
    pub fn assign(&self, subject: &OwnerSubject<'_>) -> OwnerAssignment {
        for rule in &self.rules {
            if let Some(reasons) = rule.matches(subject) {
                return OwnerAssignment {
                    owner: Some(rule.owner.clone()),
                    rule: Some(format!("owners[{}] ({})", rule.index, reasons.join(", "))),
                };
            }
        }
        OwnerAssignment::default()
    }
}

impl OwnerRule {
    fn new(spec: OwnerRuleSpec, index: usize) -> Result<Self, OwnerRuleError> {
        if spec.owner.trim().is_empty() {
            return Err(OwnerRuleError::EmptyOwner);
        }
        let rule = OwnerRule {
            index,
            cidr: parse_all(&spec.cidr, MatcherKind::Cidr, parse_cidr)?,
            hostname: parse_all(&spec.hostname, MatcherKind::Hostname, HostGlob::parse)?,
            san: parse_all(&spec.san, MatcherKind::San, HostGlob::parse)?,
            issuer: lowercase_all(&spec.issuer, MatcherKind::Issuer)?,
            subject_o: lowercase_all(&spec.subject_o, MatcherKind::SubjectO)?,
            subject_ou: lowercase_all(&spec.subject_ou, MatcherKind::SubjectOu)?,
            owner: spec.owner,
        };
        let matcher_count = rule.cidr.len()
            + rule.hostname.len()
            + rule.san.len()
            + rule.issuer.len()
            + rule.subject_o.len()
            + rule.subject_ou.len();
        if matcher_count == 0 {
            return Err(OwnerRuleError::NoMatcher(rule.owner));
        }
        Ok(rule)
    }

    /// `Some(reasons)` (one per matcher kind set) when every kind matches.
    fn matches(&self, subject: &OwnerSubject<'_>) -> Option<Vec<String>> {
        let mut reasons = Vec::new();
        for (kind, hit) in MatcherKind::VARIANTS
            .iter()
            .copied()
            .zip(self.hits(subject))
        {
            if let Some(hit) = hit {
                reasons.push(format!("{} {}", kind.key(), hit?));
            }
        }
        Some(reasons)
    }

    /// For each matcher kind (in [`MatcherKind::VARIANTS`] order): `None` when the
    /// rule does not set it, else the first of its values (as written) that
    /// matches the subject, if any.
    fn hits<'r>(&'r self, subject: &OwnerSubject<'_>) -> [Hit<'r>; 6] {
        let view = subject.view;
        let address = subject.address;
        let cidr = self
            .cidr
            .iter()
            .find(|(_, net)| address.is_some_and(|a| net.contains(a)));
        let hostnames = subject.hostnames.iter().map(String::as_str);
        let sans = view.san.dns.iter().map(String::as_str);
        let issuer = self.issuer.iter().find(|(_, needle)| {
            let mut names = std::iter::once(&view.issuer.dn).chain(&view.issuer.common_names);
            names.any(|name| contains_ignore_case(name, needle))
        });
        let (o, ou) = (
            &view.subject.organizations,
            &view.subject.organizational_units,
        );
        [
            hit(&self.cidr, cidr.map(|(t, _)| t.as_str())),
            hit(&self.hostname, first_glob_hit(&self.hostname, hostnames)),
            hit(&self.san, first_glob_hit(&self.san, sans)),
            hit(&self.issuer, issuer.map(|(t, _)| t.as_str())),
            hit(&self.subject_o, first_equal(&self.subject_o, o)),
            hit(&self.subject_ou, first_equal(&self.subject_ou, ou)),
        ]
    }
}

/// `None`: matcher kind not set; `Some(None)`: set, no value matched;
/// `Some(Some(value))`: `value` (as written) matched.
type Hit<'r> = Option<Option<&'r str>>;

/// The [`Hit`] of a matcher kind with `values`, given its first match.
fn hit<'r, T>(values: &[T], found: Option<&'r str>) -> Hit<'r> {
    (!values.is_empty()).then_some(found)
}

/// Parses every value of one matcher kind, reporting the first bad one.
fn parse_all<T>(
    values: &[String],
    kind: MatcherKind,
    parse: impl Fn(&str) -> Result<T, MatcherProblem>,
) -> Result<Vec<(String, T)>, OwnerRuleError> {
    values
        .iter()
        .map(|value| {
            parse(value.trim())
                .map(|parsed| (value.trim().to_string(), parsed))
                .map_err(|reason| OwnerRuleError::BadValue {
                    kind,
                    value: value.clone(),
                    reason,
                })
        })
        .collect()
}

/// Text matcher values as (trimmed, lowercase) pairs; empty values are errors.
fn lowercase_all(
    values: &[String],
    kind: MatcherKind,
) -> Result<Vec<(String, String)>, OwnerRuleError> {
    parse_all(values, kind, |v| {
        if v.is_empty() {
            Err(MatcherProblem::EmptyText)
        } else {
            Ok(v.to_lowercase())
        }
    })
}

/// A CIDR block or a bare address (a single-address block).
fn parse_cidr(text: &str) -> Result<AddressBlock, MatcherProblem> {
    AddressBlock::parse(text).map_err(MatcherProblem::NotCidr)
}

/// The first glob (as written) that matches any of `names`.
fn first_glob_hit<'r, 'n>(
    globs: &'r [(String, HostGlob)],
    names: impl Iterator<Item = &'n str> + Clone,
) -> Option<&'r str> {
    globs
        .iter()
        .find(|(_, glob)| names.clone().any(|name| glob.matches(name)))
        .map(|(text, _)| text.as_str())
}

/// The first wanted value (as written) equal to any of `values`, ignoring case.
fn first_equal<'w>(wanted: &'w [(String, String)], values: &[String]) -> Option<&'w str> {
    wanted
        .iter()
        .find(|(_, lower)| values.iter().any(|v| v.to_lowercase() == *lower))
        .map(|(text, _)| text.as_str())
}

/// `needle` must already be lowercase.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(needle)
}

#[cfg(test)]
mod tests;
