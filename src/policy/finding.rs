//! A [`Finding`]: one rule firing on one subject, with the rendered message
//! carrying the values that triggered it. What every finding of one rule
//! repeats (id, title, categories: [`RuleParts`]) and what every finding
//! on one subject repeats (key, label, certificate, endpoints:
//! [`SubjectParts`]) is shared between them, not copied into each: a
//! scan of 100,000 certificates has 700,000 findings.

use std::sync::Arc;

use serde::Serialize;

use super::expr::Bound;
use super::subject::Subject;
use super::{Rule, Severity, SubjectKind};
use crate::store::NewFinding;

/// One rule firing on one subject.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The rule's id.
    pub rule: Arc<str>,
    /// The rule's title.
    pub title: Arc<str>,
    /// The rule's severity.
    pub severity: Severity,
    /// What kind of subject.
    pub subject: SubjectKind,
    /// The subject's key: SHA-256, chain fingerprint, endpoint or `inventory`.
    pub subject_key: Arc<str>,
    /// A short label: common name or endpoint.
    pub label: Arc<str>,
    /// SHA-256 of the certificate concerned, if any.
    pub certificate: Option<Arc<str>>,
    /// Where the subject is served.
    pub endpoints: Arc<[String]>,
    /// The message with the triggering values.
    pub message: String,
    /// PKIMM categories the rule bears on.
    pub categories: Arc<[String]>,
}

/// What the findings of one rule share.
#[derive(Debug, Clone)]
pub struct RuleParts {
    id: Arc<str>,
    title: Arc<str>,
    categories: Arc<[String]>,
}

impl RuleParts {
    /// The shared parts of `rule`'s findings.
    pub fn of(rule: &Rule) -> RuleParts {
        RuleParts {
            id: rule.id.as_str().into(),
            title: rule.title.as_str().into(),
            categories: rule.categories.as_slice().into(),
        }
    }
}

/// What the findings rebuilt from the store share, rule by rule
/// ([`Finding::from_stored_sharing`]): a stored finding carries its rule's
/// title and categories as text, the same for each of its rule's findings.
#[derive(Debug, Default)]
pub struct StoredParts {
    rules: std::collections::HashMap<Arc<str>, RuleParts>,
}

impl StoredParts {
    /// Points `finding`'s rule parts at those of the first finding of its
    /// rule seen, when they are equal (a rule's text may have changed
    /// between scans: then its own are kept).
    fn share(&mut self, finding: &mut Finding) {
        let parts = self
            .rules
            .entry(finding.rule.clone())
            .or_insert_with(|| RuleParts {
                id: finding.rule.clone(),
                title: finding.title.clone(),
                categories: finding.categories.clone(),
            });
        if parts.title == finding.title && parts.categories == finding.categories {
            finding.rule = parts.id.clone();
            finding.title = parts.title.clone();
            finding.categories = parts.categories.clone();
        }
    }
}

/// What the findings on one subject share.
#[derive(Debug, Clone)]
pub struct SubjectParts {
    kind: SubjectKind,
    key: Arc<str>,
    label: Arc<str>,
    certificate: Option<Arc<str>>,
    endpoints: Arc<[String]>,
}

impl SubjectParts {
    /// The shared parts of the findings on `subject` (a leaf's
    /// certificate is its key: one string for both).
    pub fn of<S: Subject>(subject: &S) -> SubjectParts {
        let key: Arc<str> = subject.key().into();
        let certificate = subject.certificate().map(|c| match *c == *key {
            true => key.clone(),
            false => c.into(),
        });
        SubjectParts {
            kind: S::KIND,
            label: subject.label().into(),
            endpoints: subject.served_at().into(),
            key,
            certificate,
        }
    }
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
    /// The finding of `rule` (whose shared parts are `parts`) on `subject`,
    /// its message rendered from `bound`.
    pub fn new(
        rule: &Rule,
        parts: &RuleParts,
        subject: &SubjectParts,
        bound: &Bound<'_>,
    ) -> Finding {
        Finding {
            rule: parts.id.clone(),
            title: parts.title.clone(),
            severity: rule.severity,
            subject: subject.kind,
            subject_key: subject.key.clone(),
            label: subject.label.clone(),
            certificate: subject.certificate.clone(),
            endpoints: subject.endpoints.clone(),
            message: rule.message.render(bound),
            categories: parts.categories.clone(),
        }
    }

    /// The form the store keeps.
    pub fn to_stored(&self) -> NewFinding {
        NewFinding {
            rule_id: self.rule.to_string(),
            subject_key: self.subject_key.to_string(),
            severity: self.severity.name().to_string(),
            subject_kind: self.subject.name().to_string(),
            certificate: self.certificate.as_deref().map(String::from),
            message: self.message.clone(),
            detail: serde_json::json!({
                "title": self.title,
                "label": self.label,
                "endpoints": self.endpoints,
                "categories": self.categories,
            }),
        }
    }

    /// Rebuilds a finding from its stored form (`None` for unknown words),
    /// sharing with the findings `shared` rebuilt before it what they
    /// repeat of the same rule.
    pub fn from_stored_sharing(stored: &NewFinding, shared: &mut StoredParts) -> Option<Finding> {
        let mut finding = Finding::from_stored(stored)?;
        shared.share(&mut finding);
        Some(finding)
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
            rule: stored.rule_id.as_str().into(),
            title: text("title").into(),
            severity: Severity::parse(&stored.severity)?,
            subject: SubjectKind::parse(&stored.subject_kind)?,
            subject_key: stored.subject_key.as_str().into(),
            label: text("label").into(),
            certificate: stored.certificate.as_deref().map(Arc::from),
            endpoints: list("endpoints").into(),
            message: stored.message.clone(),
            categories: list("categories").into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(rule: &str, key: &str, title: &str) -> NewFinding {
        NewFinding {
            rule_id: rule.into(),
            subject_key: key.into(),
            severity: "high".into(),
            subject_kind: "leaf".into(),
            certificate: Some(key.into()),
            message: format!("{rule} on {key}"),
            detail: serde_json::json!({
                "title": title,
                "label": key,
                "endpoints": ["127.0.0.1:443"],
                "categories": ["M.certificate-management"],
            }),
        }
    }

    #[test]
    fn findings_rebuilt_from_the_store_share_their_rule_only_when_it_is_the_same() {
        let mut shared = StoredParts::default();
        let mut rebuild = |s: &NewFinding| Finding::from_stored_sharing(s, &mut shared).unwrap();
        let a = rebuild(&stored("r", "a", "Title"));
        let b = rebuild(&stored("r", "b", "Title"));
        let changed = rebuild(&stored("r", "c", "Another title"));
        assert!(Arc::ptr_eq(&a.title, &b.title) && Arc::ptr_eq(&a.rule, &b.rule));
        assert!(Arc::ptr_eq(&a.categories, &b.categories));
        assert_eq!(
            &*changed.title, "Another title",
            "a changed rule text is kept"
        );
        for (finding, key) in [(&a, "a"), (&b, "b"), (&changed, "c")] {
            assert_eq!(
                finding,
                &Finding::from_stored(&stored("r", key, &finding.title)).unwrap()
            );
        }
    }
}
