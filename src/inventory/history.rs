//! What changed between two scans, and the events that implies.
//!
//! Pure functions over the leaves each endpoint served in two scans. An
//! endpoint whose leaf changed is a **renewal** when the new certificate
//! names what the old one named (a DNS name in common, or the same subject
//! CN), a **replacement** otherwise; either is a **re-key** when the public
//! key changed. The renewal **lead time** is how many days before the old
//! certificate's expiry the new one was first seen serving (negative: it
//! came late, after expiry).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use time::OffsetDateTime;

use crate::certs::CertificateView;
use crate::store::{EndpointKey, EndpointLeaf, EventKind, NewEvent};

/// A certificate as the diff shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CertificateRef {
    /// SHA-256 of the DER.
    pub sha256: String,
    /// Subject DN, when it parsed.
    pub subject: Option<String>,
    /// notAfter, when it parsed.
    #[serde(with = "time::serde::rfc3339::option")]
    pub not_after: Option<OffsetDateTime>,
}

/// How an endpoint's certificate changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The new certificate covers the old one's names.
    Renewal,
    /// A certificate for other names took its place.
    Replacement,
}

/// One endpoint that serves a different certificate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointChange {
    /// The endpoint.
    pub endpoint: EndpointKey,
    /// The certificate before.
    pub old: CertificateRef,
    /// The certificate after.
    pub new: CertificateRef,
    /// Renewal or replacement.
    pub kind: ChangeKind,
    /// The public key changed.
    pub rekeyed: bool,
    /// Days between the new certificate appearing and the old one expiring.
    pub lead_days: Option<f64>,
}

/// The difference between an older and a newer scan.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ScanDiff {
    /// Leaves served in the newer scan and nowhere in the older one.
    pub new_certificates: Vec<CertificateRef>,
    /// Leaves served in the older scan and nowhere in the newer one.
    pub gone_certificates: Vec<CertificateRef>,
    /// Endpoints whose leaf changed.
    pub changed: Vec<EndpointChange>,
    /// Endpoints serving a chain only in the newer scan.
    pub new_endpoints: Vec<EndpointKey>,
    /// Endpoints serving a chain only in the older scan.
    pub gone_endpoints: Vec<EndpointKey>,
}

impl ScanDiff {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.new_certificates.is_empty()
            && self.gone_certificates.is_empty()
            && self.changed.is_empty()
            && self.new_endpoints.is_empty()
            && self.gone_endpoints.is_empty()
    }
}

/// Leaves per endpoint (several with `--all-certs`).
type ByEndpoint<'a> = BTreeMap<&'a EndpointKey, Vec<&'a EndpointLeaf>>;

fn by_endpoint(leaves: &[EndpointLeaf]) -> ByEndpoint<'_> {
    let mut map: ByEndpoint<'_> = BTreeMap::new();
    for leaf in leaves {
        map.entry(&leaf.endpoint).or_default().push(leaf);
    }
    map
}

/// Compares the leaves of an older and a newer scan.
pub fn diff(older: &[EndpointLeaf], newer: &[EndpointLeaf]) -> ScanDiff {
    let (before, after) = (by_endpoint(older), by_endpoint(newer));
    let mut diff = ScanDiff {
        new_certificates: only_in(newer, older),
        gone_certificates: only_in(older, newer),
        ..ScanDiff::default()
    };
    let (places_before, places_after) = (places(&before), places(&after));
    for (endpoint, new_leaves) in &after {
        match before.get(endpoint) {
            None if !places_before.contains(&place(endpoint)) => {
                diff.new_endpoints.push((*endpoint).clone())
            }
            None => {} // a deployment (a name) new at a known endpoint
            Some(old_leaves) => diff.changed.extend(changes(old_leaves, new_leaves)),
        }
    }
    // an endpoint is gone when nothing is served at its address and port
    // any more; a name not tried this time is not an endpoint that vanished
    let gone = before.keys().filter(|e| !places_after.contains(&place(e)));
    diff.gone_endpoints = gone.map(|e| (*e).clone()).collect();
    diff
}

/// The address and port of an endpoint key (its SNI left out).
fn place(key: &EndpointKey) -> (&str, u16) {
    (key.address.as_str(), key.port)
}

/// Every address and port something is served at in `leaves`.
fn places<'a>(leaves: &ByEndpoint<'a>) -> BTreeSet<(&'a str, u16)> {
    leaves.keys().map(|k| place(k)).collect()
}

/// Distinct leaves of `these` whose fingerprint is absent from `those`.
fn only_in(these: &[EndpointLeaf], those: &[EndpointLeaf]) -> Vec<CertificateRef> {
    let known: BTreeSet<&str> = those.iter().map(|l| l.leaf_sha256.as_str()).collect();
    let mut seen = BTreeSet::new();
    these
        .iter()
        .filter(|l| !known.contains(l.leaf_sha256.as_str()) && seen.insert(&l.leaf_sha256))
        .map(certificate_ref)
        .collect()
}

/// Pairs the leaves an endpoint stopped serving with those it started
/// serving, preferring pairs that share a name (the leaves with their
/// views: renewal, re-key and lead time read them).
pub fn changes(old: &[&EndpointLeaf], new: &[&EndpointLeaf]) -> Vec<EndpointChange> {
    let kept = |l: &&&EndpointLeaf, other: &[&EndpointLeaf]| {
        other.iter().any(|o| o.leaf_sha256 == l.leaf_sha256)
    };
    let mut removed: Vec<&EndpointLeaf> = old.iter().filter(|l| !kept(l, new)).copied().collect();
    let added = new.iter().filter(|l| !kept(l, old));
    let mut out = Vec::new();
    for after in added {
        if removed.is_empty() {
            break;
        }
        let pick = removed
            .iter()
            .position(|before| shares_a_name(before.leaf.as_deref(), after.leaf.as_deref()))
            .unwrap_or(0);
        out.push(change(removed.remove(pick), after));
    }
    out
}

/// One change from `before` to `after` at the same endpoint.
fn change(before: &EndpointLeaf, after: &EndpointLeaf) -> EndpointChange {
    let renewal = shares_a_name(before.leaf.as_deref(), after.leaf.as_deref());
    let rekeyed = match (&before.leaf, &after.leaf) {
        (Some(b), Some(a)) => b.spki_sha256 != a.spki_sha256,
        _ => true,
    };
    let lead_days = before
        .leaf
        .as_ref()
        .map(|old| (old.not_after - after.observed_at).as_seconds_f64() / 86_400.0);
    EndpointChange {
        endpoint: after.endpoint.clone(),
        old: certificate_ref(before),
        new: certificate_ref(after),
        kind: if renewal {
            ChangeKind::Renewal
        } else {
            ChangeKind::Replacement
        },
        rekeyed,
        lead_days,
    }
}

/// Whether two certificates name the same thing.
fn shares_a_name(a: Option<&CertificateView>, b: Option<&CertificateView>) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return false;
    };
    let names = |v: &CertificateView| -> BTreeSet<String> {
        v.dns_names().map(|n| n.to_ascii_lowercase()).collect()
    };
    !names(a).is_disjoint(&names(b))
        || (!a.subject.common_names.is_empty() && a.subject.common_names == b.subject.common_names)
}

fn certificate_ref(leaf: &EndpointLeaf) -> CertificateRef {
    CertificateRef {
        sha256: leaf.leaf_sha256.clone(),
        subject: leaf.leaf.as_ref().map(|v| v.subject.dn.clone()),
        not_after: leaf.leaf.as_ref().map(|v| v.not_after),
    }
}

/// The events a scan records: its diff against the previous scan, plus
/// every endpoint serving an expired leaf.
pub fn events(diff: &ScanDiff, newer: &[EndpointLeaf]) -> Vec<NewEvent> {
    let mut events = Vec::new();
    for cert in &diff.new_certificates {
        events.push(certificate_event(EventKind::NewCertificate, cert));
    }
    for cert in &diff.gone_certificates {
        events.push(certificate_event(EventKind::CertificateGone, cert));
    }
    for change in &diff.changed {
        events.extend(change_events(change));
    }
    events.extend(newer.iter().filter_map(expired_in_service));
    events
}

/// The event of a certificate new in a scan
/// ([`EventKind::NewCertificate`]) or gone from it (any other kind).
pub fn certificate_event(kind: EventKind, cert: &CertificateRef) -> NewEvent {
    let sha = Some(cert.sha256.clone());
    let (old_sha256, new_sha256) = match kind {
        EventKind::NewCertificate => (None, sha),
        _ => (sha, None),
    };
    NewEvent {
        kind,
        endpoint: None,
        old_sha256,
        new_sha256,
        lead_days: None,
        detail: serde_json::Value::Null,
    }
}

/// A renewal (with its lead time) or a replacement, plus a re-key event.
pub fn change_events(change: &EndpointChange) -> Vec<NewEvent> {
    let kind = match change.kind {
        ChangeKind::Renewal => EventKind::Renewal,
        ChangeKind::Replacement => EventKind::CertificateChanged,
    };
    let event = |kind| NewEvent {
        kind,
        endpoint: Some(change.endpoint.clone()),
        old_sha256: Some(change.old.sha256.clone()),
        new_sha256: Some(change.new.sha256.clone()),
        lead_days: change.lead_days,
        detail: serde_json::json!({ "rekeyed": change.rekeyed }),
    };
    let mut out = vec![event(kind)];
    if change.rekeyed {
        out.push(event(EventKind::Rekey));
    }
    out
}

/// The event of an endpoint leaf already expired when observed, if it
/// was (its view, or its `not_after`, says when it expires).
pub fn expired_in_service(leaf: &EndpointLeaf) -> Option<NewEvent> {
    let not_after = leaf.leaf.as_ref().map(|v| v.not_after);
    expired_at(leaf, not_after)
}

/// [`expired_in_service`] with the leaf's notAfter given apart (a leaf
/// read without its view).
pub fn expired_at(leaf: &EndpointLeaf, not_after: Option<OffsetDateTime>) -> Option<NewEvent> {
    (not_after? < leaf.observed_at).then(|| NewEvent {
        kind: EventKind::ExpiredInService,
        endpoint: Some(leaf.endpoint.clone()),
        old_sha256: None,
        new_sha256: Some(leaf.leaf_sha256.clone()),
        lead_days: None,
        detail: serde_json::Value::Null,
    })
}

#[cfg(test)]
mod tests;
