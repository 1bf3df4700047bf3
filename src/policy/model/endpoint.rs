//! Endpoint models from a scan's observations: one per endpoint (address,
//! port, SNI) that completed enough of a handshake to have a TLS session,
//! merging what every probe of it saw (negotiated versions, `--versions`
//! answers, weak suites).

use std::collections::{BTreeMap, BTreeSet};

use super::build::served_at;
use super::EndpointModel;
use crate::inventory::store::{EndpointKey, EndpointLeaf};
use crate::observation::{CaptureMethod, Observation, VersionSupport};

/// The STARTTLS dialect of every endpoint that used one.
pub(super) fn starttls_by_endpoint(observations: &[Observation]) -> BTreeMap<EndpointKey, String> {
    observations
        .iter()
        .filter_map(|o| Some((EndpointKey::of(o), o.starttls.clone()?)))
        .collect()
}

/// One model per endpoint with a TLS session, in endpoint order.
pub(super) fn models(observations: &[Observation], leaves: &[EndpointLeaf]) -> Vec<EndpointModel> {
    let mut grouped: BTreeMap<EndpointKey, Vec<&Observation>> = BTreeMap::new();
    for observation in observations.iter().filter(|o| o.tls.is_some()) {
        grouped
            .entry(EndpointKey::of(observation))
            .or_default()
            .push(observation);
    }
    let mut leaf_of: BTreeMap<&EndpointKey, &EndpointLeaf> = BTreeMap::new();
    for leaf in leaves {
        leaf_of.entry(&leaf.endpoint).or_insert(leaf);
    }
    grouped
        .iter()
        .map(|(key, probes)| model(key, probes, leaf_of.get(key).copied()))
        .collect()
}

/// The model of one endpoint from its probes (at least one has a session).
fn model(key: &EndpointKey, probes: &[&Observation], leaf: Option<&EndpointLeaf>) -> EndpointModel {
    let first = probes[0];
    let session = first.tls.clone().unwrap_or_default();
    let text = |o: &Option<String>| o.clone().unwrap_or_default();
    let accepted = accepted_versions(probes);
    let group = text(&session.key_exchange_group);
    let verdict = first.verdict.as_ref();
    EndpointModel {
        address: key.address.clone(),
        port: i64::from(key.port),
        sni: text(&key.sni),
        host: first.host.clone(),
        starttls: text(&first.starttls),
        served_at: served_at(&key.address, i64::from(key.port), key.sni.as_deref()),
        leaf_sha256: leaf.map(|l| l.leaf_sha256.clone()).unwrap_or_default(),
        leaf_cn: leaf
            .and_then(|l| l.leaf.as_ref()?.subject.common_names.first().cloned())
            .unwrap_or_default(),
        tls_version: text(&session.version),
        cipher_suite: text(&session.cipher_suite),
        post_quantum_hybrid: group.to_ascii_uppercase().contains("MLKEM"),
        key_exchange_group: group,
        capture: match session.capture {
            CaptureMethod::Rustls => "rustls",
            CaptureMethod::LegacyHello => "legacy_hello",
        }
        .into(),
        versions_probed: probes.iter().any(|o| o.versions.is_some()),
        tls13: tls13(probes, &accepted).into(),
        accepted_versions: accepted.into_iter().collect(),
        weak_suites: weak_suites(probes),
        trusted: verdict.is_some_and(|v| v.trusted),
        verdict_problems: verdict.map(|v| v.problems.clone()).unwrap_or_default(),
        client_auth_requested: session.client_auth_requested,
        alpn: text(&session.alpn),
    }
}

/// Versions negotiated by any probe or answered `accepted` by `--versions`.
fn accepted_versions(probes: &[&Observation]) -> BTreeSet<String> {
    let negotiated = probes
        .iter()
        .filter_map(|o| o.tls.as_ref()?.version.clone());
    let probed = probes.iter().flat_map(|o| {
        o.versions
            .iter()
            .flatten()
            .filter(|(_, support)| **support == VersionSupport::Accepted)
            .map(|(name, _)| name.clone())
    });
    negotiated.chain(probed).collect()
}

/// `yes` when TLS 1.3 was seen; `no` when `--versions` saw it refused, or a
/// handshake offering it settled lower (rustls always offers TLS 1.3, and
/// the legacy hello is only tried once rustls failed); else `unknown`.
fn tls13(probes: &[&Observation], accepted: &BTreeSet<String>) -> &'static str {
    const TLS13: &str = "TLSv1.3";
    if accepted.contains(TLS13) {
        return "yes";
    }
    let refused = probes.iter().any(|o| {
        o.versions
            .as_ref()
            .and_then(|v| v.get(TLS13))
            .is_some_and(|s| *s == VersionSupport::Rejected)
    });
    let settled_lower = probes.iter().any(|o| {
        o.tls
            .as_ref()
            .is_some_and(|t| t.version.is_some() || t.capture == CaptureMethod::LegacyHello)
    });
    if refused || settled_lower {
        "no"
    } else {
        "unknown"
    }
}

/// The weakness classes of every suite seen accepted: negotiated, or
/// chosen when offered alone (`--versions`).
fn weak_suites(probes: &[&Observation]) -> Vec<String> {
    let negotiated = probes
        .iter()
        .filter_map(|o| o.tls.as_ref())
        .flat_map(|t| t.suite_weaknesses.iter().cloned());
    let probed = probes.iter().flat_map(|o| {
        o.weak_suites
            .iter()
            .flatten()
            .filter(|(_, support)| **support == VersionSupport::Accepted)
            .map(|(class, _)| class.clone())
    });
    let weak: BTreeSet<String> = negotiated.chain(probed).collect();
    weak.into_iter().collect()
}
