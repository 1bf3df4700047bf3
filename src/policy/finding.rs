//! A [`Finding`]: one rule firing on one subject, with the rendered message
//! carrying the values that triggered it.

use serde::Serialize;

use super::expr::Bound;
use super::subject::Subject;
use super::{Rule, Severity, SubjectKind};
use crate::store::NewFinding;

/// One rule firing on one subject.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The rule's id.
    pub rule: String,
    /// The rule's title.
    pub title: String,
    /// The rule's severity.
    pub severity: Severity,
    /// What kind of subject.
    pub subject: SubjectKind,
    /// The subject's key: SHA-256, chain fingerprint, endpoint or `inventory`.
    pub subject_key: String,
    /// A short label: common name or endpoint.
    pub label: String,
    /// SHA-256 of the certificate concerned, if any.
    pub certificate: Option<String>,
    /// Where the subject is served.
    pub endpoints: Vec<String>,
    /// The message with the triggering values.
    pub message: String,
    /// PKIMM categories the rule bears on.
    pub categories: Vec<String>,
}

impl crate::store::Recordable for Finding {
    fn key(&self) -> (&str, &str) {
        (&self.rule, &self.subject_key)
    }

    fn stored(&self) -> std::borrow::Cow<'_, NewFinding> {
        std::borrow::Cow::Owned(self.to_stored())
    }
}

impl Finding {
    /// The finding of `rule` on `subject`, its message rendered from `bound`.
    pub fn new<S: Subject>(rule: &Rule, subject: &S, bound: &Bound<'_>) -> Finding {
        Finding {
            rule: rule.id.clone(),
            title: rule.title.clone(),
            severity: rule.severity,
            subject: S::KIND,
            subject_key: subject.key(),
            label: subject.label(),
            certificate: subject.certificate(),
            endpoints: subject.served_at(),
            message: rule.message.render(bound),
            categories: rule.categories.clone(),
        }
    }

    /// The form the store keeps.
    pub fn to_stored(&self) -> NewFinding {
        NewFinding {
            rule_id: self.rule.clone(),
            subject_key: self.subject_key.clone(),
            severity: self.severity.name().to_string(),
            subject_kind: self.subject.name().to_string(),
            certificate: self.certificate.clone(),
            message: self.message.clone(),
            detail: serde_json::json!({
                "title": self.title,
                "label": self.label,
                "endpoints": self.endpoints,
                "categories": self.categories,
            }),
        }
    }

    /// Rebuilds a finding from its stored form (`None` for unknown words).
    pub fn from_stored(stored: &NewFinding) -> Option<Finding> {
        let list = |key: &str| -> Vec<String> {
            let items = stored.detail.get(key).and_then(|v| v.as_array());
            items
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        };
        let text = |key: &str| {
            stored
                .detail
                .get(key)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
        };
        Some(Finding {
            rule: stored.rule_id.clone(),
            title: text("title").to_string(),
            severity: Severity::parse(&stored.severity)?,
            subject: SubjectKind::parse(&stored.subject_kind)?,
            subject_key: stored.subject_key.clone(),
            label: text("label").to_string(),
            certificate: stored.certificate.clone(),
            endpoints: list("endpoints"),
            message: stored.message.clone(),
            categories: list("categories"),
        })
    }
}
