//! Alert events and how they are derived from a complete, stored scan:
//! pure functions of the scan's tracked findings, its leaf and CA models,
//! the shadow CAs of the previous complete scan and the time. Each event
//! has a stable key, so enqueueing it again (the same scan twice, a later
//! scan) is a no-op in the outbox:
//!
//! - `finding:<rule>:<subject key>:<scan>`: an active finding (not
//!   excepted) whose status is `new` or `reappeared` in scan `<scan>`, at
//!   or above the webhook's `min_severity`. An open finding is not sent
//!   again; a finding that is fixed and comes back is a new occurrence,
//!   with a new key, and is sent again (status `reappeared`).
//! - `shadow_ca:<sha256>`: a CA certificate classified shadow that the
//!   previous complete scan did not have (every shadow CA when there is
//!   none). Sent once per webhook, ever.
//! - `expiry:<window>d:<sha256>`: a leaf served in the scan whose notAfter
//!   is within the webhook's window (already expired included). Sent once
//!   per certificate and window: a renewal is a new certificate.

use std::collections::BTreeSet;

use serde::Serialize;
use time::OffsetDateTime;

use crate::config::{WebhookConfig, WebhookEvent};
use crate::inventory::ca::CaClass;
use crate::policy::lifecycle::{FindingStatus, TrackedFinding};
use crate::policy::model::{CaModel, LeafModel};
use crate::policy::Severity;
use crate::store::ScanId;
use crate::time_text::{parse_rfc3339, rfc3339};

/// What events are derived from.
#[derive(Debug, Clone, Copy)]
pub struct AlertInput<'a> {
    /// The complete scan.
    pub scan: ScanId,
    /// Now (expiry windows are measured from it).
    pub now: OffsetDateTime,
    /// The scan's findings with their history.
    pub findings: &'a [TrackedFinding],
    /// The scan's leaves.
    pub leaves: &'a [LeafModel],
    /// The scan's CA certificates.
    pub cas: &'a [CaModel],
    /// SHA-256s of the CAs classified shadow in the previous complete scan.
    pub previous_shadow_cas: &'a BTreeSet<String>,
}

/// What an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertSubject {
    /// `leaf`, `ca`, `chain`, `endpoint` or `inventory`.
    pub kind: String,
    /// SHA-256, chain fingerprint, endpoint text or `inventory`.
    pub key: String,
    /// A short label: common name or endpoint.
    pub label: String,
    /// SHA-256 of the certificate concerned, if any.
    pub certificate: Option<String>,
}

/// The rule of a finding event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertRule {
    /// Rule id.
    pub id: String,
    /// Rule title.
    pub title: String,
}

/// One alert event (the kind-independent part of the JSON body).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertEvent {
    /// `finding`, `shadow_ca` or `expiry`.
    #[serde(serialize_with = "kind_name")]
    pub kind: WebhookEvent,
    /// The deduplication key.
    pub key: String,
    /// The finding's severity; `None` for other kinds.
    pub severity: Option<Severity>,
    /// One line for people.
    pub summary: String,
    /// The rule, for a finding.
    pub rule: Option<AlertRule>,
    /// What it is about.
    pub subject: AlertSubject,
    /// Where the subject is served (`address:port (sni)`).
    pub endpoints: Vec<String>,
    /// Kind-specific values (see the README).
    pub values: serde_json::Value,
}

fn kind_name<S: serde::Serializer>(kind: &WebhookEvent, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(kind.name())
}

/// The events of `input` that `webhook` asks for.
pub fn derive(input: &AlertInput<'_>, webhook: &WebhookConfig) -> Vec<AlertEvent> {
    let mut events = Vec::new();
    if webhook.events.contains(&WebhookEvent::Finding) {
        let wanted = input.findings.iter().filter(|t| {
            t.is_active()
                && matches!(t.status, FindingStatus::New | FindingStatus::Reappeared)
                && t.finding.severity >= webhook.min_severity
        });
        events.extend(wanted.map(|t| finding_event(input.scan, t)));
    }
    if webhook.events.contains(&WebhookEvent::ShadowCa) {
        let new_shadow = input
            .cas
            .iter()
            .filter(|ca| ca.class == CaClass::Shadow.name())
            .filter(|ca| !input.previous_shadow_cas.contains(&ca.certificate.sha256));
        events.extend(new_shadow.map(shadow_ca_event));
    }
    if webhook.events.contains(&WebhookEvent::Expiry) {
        let window = time::Duration::days(i64::from(webhook.expiry_window_days));
        let expiring = input.leaves.iter().filter_map(|leaf| {
            let not_after = parse_rfc3339(&leaf.certificate.not_after)?;
            (not_after <= input.now + window).then_some((leaf, not_after))
        });
        events.extend(expiring.map(|(leaf, not_after)| {
            expiry_event(leaf, not_after, input.now, webhook.expiry_window_days)
        }));
    }
    events
}

fn finding_event(scan: ScanId, tracked: &TrackedFinding) -> AlertEvent {
    let f = &tracked.finding;
    AlertEvent {
        kind: WebhookEvent::Finding,
        key: format!("finding:{}:{}:{}", f.rule, f.subject_key, scan.0),
        severity: Some(f.severity),
        summary: format!("{} finding {}: {}", f.severity, f.rule, f.message),
        rule: Some(AlertRule {
            id: f.rule.to_string(),
            title: f.title.to_string(),
        }),
        subject: AlertSubject {
            kind: f.subject.name().to_string(),
            key: f.subject_key.to_string(),
            label: f.label.to_string(),
            certificate: f.certificate.as_deref().map(String::from),
        },
        endpoints: f.endpoints.to_vec(),
        values: serde_json::json!({
            "status": tracked.status.name(),
            "message": f.message,
            "categories": f.categories,
            "first_seen": rfc3339(tracked.first_seen),
        }),
    }
}

fn shadow_ca_event(ca: &CaModel) -> AlertEvent {
    let c = &ca.certificate;
    AlertEvent {
        kind: WebhookEvent::ShadowCa,
        key: format!("shadow_ca:{}", c.sha256),
        severity: None,
        summary: format!(
            "new shadow CA {} ({}, {} leaves)",
            c.subject.dn, ca.role, ca.leaves
        ),
        rule: None,
        subject: AlertSubject {
            kind: "ca".into(),
            key: c.sha256.clone(),
            label: label_of(&c.subject.cn, &c.subject.dn),
            certificate: Some(c.sha256.clone()),
        },
        endpoints: Vec::new(),
        values: serde_json::json!({
            "subject_dn": c.subject.dn,
            "issuer_dn": c.issuer.dn,
            "role": ca.role,
            "spki_sha256": c.spki_sha256,
            "not_after": c.not_after,
            "issued": ca.issued,
            "leaves": ca.leaves,
            "endpoints": ca.endpoints,
        }),
    }
}

fn expiry_event(
    leaf: &LeafModel,
    not_after: OffsetDateTime,
    now: OffsetDateTime,
    window_days: u32,
) -> AlertEvent {
    let c = &leaf.certificate;
    let days_left = (not_after - now).whole_days();
    let expired = not_after < now;
    let label = label_of(&c.subject.cn, &c.subject.dn);
    let summary = expiry_summary(&label, days_left, expired, &c.not_after);
    AlertEvent {
        kind: WebhookEvent::Expiry,
        key: format!("expiry:{window_days}d:{}", c.sha256),
        severity: None,
        summary,
        rule: None,
        subject: AlertSubject {
            kind: "leaf".into(),
            key: c.sha256.clone(),
            label,
            certificate: Some(c.sha256.clone()),
        },
        endpoints: leaf.served_at.clone(),
        values: serde_json::json!({
            "not_after": c.not_after,
            "days_left": days_left,
            "expired": expired,
            "window_days": window_days,
            "issuer_dn": c.issuer.dn,
            "ca_class": leaf.ca_class,
            "owner": leaf.owner,
        }),
    }
}

fn expiry_summary(label: &str, days_left: i64, expired: bool, not_after: &str) -> String {
    if expired {
        format!(
            "certificate {label} expired {} days ago ({not_after})",
            -days_left
        )
    } else {
        format!("certificate {label} expires in {days_left} days ({not_after})")
    }
}

/// The common name, else the DN.
fn label_of(cn: &str, dn: &str) -> String {
    if cn.is_empty() {
        dn.to_string()
    } else {
        cn.to_string()
    }
}
