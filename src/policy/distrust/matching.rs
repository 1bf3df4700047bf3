//! Which distrust events a leaf falls under: an event whose CA is on the
//! leaf's path (the certificate itself, its key, or a certificate it
//! issued, by authority key identifier) and whose instant the leaf's date
//! (earliest embedded SCT, or notBefore) is after.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{AppliesBy, DistrustEvent, DistrustList};
use crate::inventory::ca::CaGraph;
use crate::time_text::rfc3339;

/// A certificate on a leaf's path, as the data file can name its CA.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaKey {
    /// SHA-256 of the certificate, when it is known (not for a root
    /// known by key only).
    pub sha256: Option<String>,
    /// SHA-256 of its SubjectPublicKeyInfo.
    pub spki_sha256: Option<String>,
    /// Its authority key identifier: the key identifier of its issuer.
    pub authority_key_id: Option<String>,
}

/// One distrust event a leaf falls under, as rules see it
/// (`leaf.distrust`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistrustHit {
    /// The root program: `chrome`, `mozilla`, `apple`, `microsoft`, `test`.
    pub program: String,
    /// The distrusted CA, by name.
    pub ca: String,
    /// The event's instant, RFC 3339.
    pub after: String,
    /// `sct` or `issuance`.
    pub by: String,
    /// The leaf's date that was compared, RFC 3339.
    pub date: String,
    /// Which date that is: `earliest_sct` or `not_before`.
    pub date_from: String,
    /// Where the decision is published.
    pub source: String,
    /// One line for messages: program, CA, dates.
    pub summary: String,
}

/// The certificates on the path classification chose for `leaf_sha256`
/// (the leaf included: its authority key identifier names its issuer),
/// plus the anchor when it is known by key only.
pub fn path_keys(graph: &CaGraph, leaf_sha256: &str) -> Vec<CaKey> {
    let classified = graph.classify_leaf(leaf_sha256);
    let mut keys: Vec<CaKey> = classified
        .path
        .iter()
        .filter_map(|sha| graph.certificate(sha))
        .map(|view| CaKey {
            sha256: Some(view.sha256.clone()),
            spki_sha256: Some(view.spki_sha256.clone()),
            authority_key_id: view.authority_key_id.clone(),
        })
        .collect();
    if classified.anchor_sha256.is_none() && classified.anchor_spki_sha256.is_some() {
        keys.push(CaKey {
            spki_sha256: classified.anchor_spki_sha256,
            ..CaKey::default()
        });
    }
    keys
}

/// The events of `list` that the leaf (its notBefore and earliest SCT, the
/// keys of its path with the leaf first) falls under.
pub fn hits(
    list: &DistrustList,
    not_before: OffsetDateTime,
    earliest_sct: Option<OffsetDateTime>,
    path: &[CaKey],
) -> Vec<DistrustHit> {
    list.events
        .iter()
        .filter(|event| on_path(event, path))
        .filter_map(|event| {
            let (date, from) = match (event.by, earliest_sct) {
                (AppliesBy::EarliestSct, Some(sct)) => (sct, "earliest_sct"),
                _ => (not_before, "not_before"),
            };
            (date > event.after).then(|| hit(event, date, from))
        })
        .collect()
}

/// The event's CA is a certificate of the path (other than the leaf), has
/// the key of one, or issued one of them.
fn on_path(event: &DistrustEvent, path: &[CaKey]) -> bool {
    let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
    let is_ca = path
        .iter()
        .skip(1)
        .any(|key| same(&event.sha256, &key.sha256) || same(&event.spki_sha256, &key.spki_sha256));
    is_ca
        || path
            .iter()
            .any(|key| same(&event.ski, &key.authority_key_id))
}

fn hit(event: &DistrustEvent, date: OffsetDateTime, from: &str) -> DistrustHit {
    let (after, date) = (rfc3339(event.after), rfc3339(date));
    let what = match from {
        "earliest_sct" => "earliest SCT",
        _ => "issued",
    };
    DistrustHit {
        summary: format!(
            "{} distrusts {} after {after} ({what} {date})",
            event.program, event.ca
        ),
        program: event.program.clone(),
        ca: event.ca.clone(),
        after,
        by: event.by.name().to_string(),
        date,
        date_from: from.to_string(),
        source: event.source.clone(),
    }
}
