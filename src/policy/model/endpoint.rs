//! Endpoint models from a scan's observations: one per endpoint (address,
//! port; the transport is one per port in a scan) that completed enough of
//! a handshake to have a TLS session, however many names reached it,
//! merging what every probe of it saw (negotiated versions, `--versions`
//! answers, weak suites, `--groups` answers). The session fields come from the probe without
//! SNI, else from a probe of a name on the default chain.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use super::served_at;
use super::{EndpointModel, GroupsModel};
use crate::observation::{CaptureMethod, Observation, VersionSupport};
use crate::probe::groups::is_hybrid;
use crate::store::endpoints::served_names;
use crate::store::{EndpointKey, EndpointLeaf, EndpointLeaves, NameStatus};

/// An endpoint's address (as the store files it) and port.
pub(super) type Place = (String, u16);

/// The address and port of `key`.
fn place(key: &EndpointKey) -> Place {
    (key.address.clone(), key.port)
}

/// The STARTTLS dialect of every endpoint that used one.
pub(super) fn starttls_by_endpoint(observations: &[Observation]) -> BTreeMap<Place, String> {
    observations
        .iter()
        .filter_map(|o| Some((place(&EndpointKey::of(o)), o.starttls.clone()?)))
        .collect()
}

/// One model per endpoint (address, port) with a TLS session, in endpoint
/// order, from the scan's observations and its folded leaves (as
/// [`crate::store::Store::endpoint_leaves`] returns them).
pub fn models(observations: &[Observation], leaves: &[EndpointLeaf]) -> Vec<EndpointModel> {
    let cn = |l: &EndpointLeaf| l.leaf.as_ref()?.subject.common_names.first().cloned();
    models_with(observations, leaves, &cn)
}

/// [`models`], with the first common name of an endpoint leaf's certificate
/// from `cn` (for leaves whose parsed view was dropped to save memory).
pub(super) fn models_with(
    observations: &[Observation],
    leaves: &[EndpointLeaf],
    cn: &dyn Fn(&EndpointLeaf) -> Option<String>,
) -> Vec<EndpointModel> {
    EndpointPages::new(leaves, cn).add(observations)
}

/// Endpoint models built a page of observations at a time (every
/// observation of an endpoint in one page, the pages in endpoint order, as
/// [`crate::store::Store::observations_by_endpoint`] hands them): each
/// page's models are returned, so that the pages' models, one after the
/// other, are those of [`models_with`] over every observation at once, in
/// the same order; and the STARTTLS dialect of each endpoint that used
/// one, without holding every observation or model.
pub(super) struct EndpointPages<'a, L: EndpointLeaves + ?Sized> {
    /// The folded leaves.
    leaves: &'a L,
    /// Their positions in `leaves`, by endpoint (address, port) and then in
    /// order (so an endpoint's default chain(s) first): what a map from
    /// each endpoint to its leaves would hold, as 4 bytes a leaf.
    by_place: Vec<u32>,
    cn: &'a dyn Fn(&EndpointLeaf) -> Option<String>,
    starttls: BTreeMap<Place, String>,
}

impl<'a, L: EndpointLeaves + ?Sized> EndpointPages<'a, L> {
    /// Nothing read yet, for the scan's folded `leaves`.
    pub(super) fn new(leaves: &'a L, cn: &'a dyn Fn(&EndpointLeaf) -> Option<String>) -> Self {
        let count = u32::try_from(leaves.count()).expect("fewer than 2^32 endpoint leaves");
        let mut by_place: Vec<u32> = (0..count).collect();
        // stable: one endpoint's leaves stay in order
        let place = |k: u32| leaves.place(k as usize);
        if !by_place.is_sorted_by_key(|&k| place(k)) {
            by_place.sort_by(|&a, &b| place(a).cmp(&place(b)));
        }
        EndpointPages {
            leaves,
            by_place,
            cn,
            starttls: BTreeMap::new(),
        }
    }

    /// Reads one page (every observation of its endpoints, in writing
    /// order) and returns its endpoints' models, in endpoint order.
    pub(super) fn add(&mut self, observations: &[Observation]) -> Vec<EndpointModel> {
        self.starttls.extend(starttls_by_endpoint(observations));
        let mut grouped: BTreeMap<Place, Vec<&Observation>> = BTreeMap::new();
        for observation in observations.iter().filter(|o| o.tls.is_some()) {
            grouped
                .entry(place(&EndpointKey::of(observation)))
                .or_default()
                .push(observation);
        }
        let model_of = |(key, probes): (Place, Vec<&Observation>)| {
            let at = self.leaves_at(&key);
            let at: Vec<&EndpointLeaf> = at.iter().map(|l| l.as_ref()).collect();
            model(&key, &probes, &at, self.cn)
        };
        grouped.into_iter().map(model_of).collect()
    }

    /// The folded leaves of the endpoint `key`, in order.
    fn leaves_at(&self, key: &Place) -> Vec<Cow<'a, EndpointLeaf>> {
        let wanted = (key.0.as_str(), key.1);
        let place = |i: &u32| self.leaves.place(*i as usize);
        let start = (self.by_place).partition_point(|i| place(i) < wanted);
        let rest = &self.by_place[start..];
        let end = rest.partition_point(|i| place(i) == wanted);
        let leaves = self.leaves;
        rest[..end]
            .iter()
            .map(|i| leaves.leaf(*i as usize))
            .collect()
    }

    /// The STARTTLS dialect of every endpoint read that used one.
    pub(super) fn finish(self) -> BTreeMap<Place, String> {
        self.starttls
    }
}

/// The probe whose session stands for the endpoint: the one without SNI,
/// else one of a name on the default chain, else the first.
fn representative<'a>(
    probes: &[&'a Observation],
    default: Option<&EndpointLeaf>,
) -> &'a Observation {
    let on_default = |o: &&&Observation| match (&o.sni, default) {
        (None, _) => true,
        (Some(sni), Some(leaf)) => leaf.names.iter().any(|n| &n.name == sni),
        (Some(_), None) => false,
    };
    let without_sni = probes.iter().find(|o| o.sni.is_none());
    without_sni
        .or_else(|| probes.iter().find(on_default))
        .copied()
        .unwrap_or(probes[0])
}

/// The names served at an endpoint and those not served there.
fn names(at: &[&EndpointLeaf]) -> (Vec<String>, Vec<String>) {
    let served: BTreeSet<String> = at
        .iter()
        .flat_map(|l| served_names(l).map(|n| n.name.clone()))
        .collect();
    let not_served: BTreeSet<String> = at
        .iter()
        .flat_map(|l| &l.names)
        .filter(|n| n.status == NameStatus::NotServed)
        .map(|n| n.name.clone())
        .collect();
    (
        served.into_iter().collect(),
        not_served.into_iter().collect(),
    )
}

/// The model of one endpoint from its probes (at least one has a session)
/// and its folded leaves.
fn model(
    key: &Place,
    probes: &[&Observation],
    at: &[&EndpointLeaf],
    cn: &dyn Fn(&EndpointLeaf) -> Option<String>,
) -> EndpointModel {
    let default = at.iter().copied().find(|l| l.endpoint.sni.is_none());
    let first = representative(probes, default);
    let session = first.tls.clone().unwrap_or_default();
    let text = |o: &Option<String>| o.clone().unwrap_or_default();
    let accepted = accepted_versions(probes);
    let group = text(&session.key_exchange_group);
    let verdict = first.verdict.as_ref();
    let (names, not_served) = names(at);
    EndpointModel {
        address: key.0.clone(),
        port: i64::from(key.1),
        sni: text(&first.sni),
        host: first.host.clone(),
        starttls: text(&first.starttls),
        served_at: served_at(&key.0, i64::from(key.1), None),
        names,
        not_served,
        leaf_sha256: default.map(|l| l.leaf_sha256.clone()).unwrap_or_default(),
        leaf_cn: default.and_then(cn).unwrap_or_default(),
        tls_version: text(&session.version),
        cipher_suite: text(&session.cipher_suite),
        post_quantum_hybrid: group.to_ascii_uppercase().contains("MLKEM"),
        key_exchange_group: group,
        capture: match session.capture {
            CaptureMethod::Rustls => "rustls",
            CaptureMethod::LegacyHello => "legacy_hello",
        }
        .into(),
        chain_leaf_only: default.is_some_and(|l| l.leaf_only_chain),
        versions_probed: probes.iter().any(|o| o.versions.is_some()),
        tls13: tls13(probes, &accepted).into(),
        accepted_versions: accepted.into_iter().collect(),
        weak_suites: weak_suites(probes),
        groups: groups(probes),
        trusted: verdict.is_some_and(|v| v.trusted),
        verdict_problems: verdict
            .map(|v| v.problems.iter().map(ToString::to_string).collect())
            .unwrap_or_default(),
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

/// The `--groups` answers of every probe: a group is accepted when any
/// probe saw it accepted, rejected when one saw it refused and none
/// accepted it (unknown answers count in neither list).
fn groups(probes: &[&Observation]) -> GroupsModel {
    let mut answers: BTreeMap<&str, VersionSupport> = BTreeMap::new();
    for (name, support) in probes.iter().flat_map(|o| o.groups.iter().flatten()) {
        let known = answers.entry(name.as_str()).or_insert(*support);
        if *support == VersionSupport::Accepted || *known == VersionSupport::Unknown {
            *known = *support;
        }
    }
    let with = |wanted: VersionSupport| -> Vec<String> {
        let names = answers.iter().filter(|(_, s)| **s == wanted);
        names.map(|(name, _)| name.to_string()).collect()
    };
    let accepted = with(VersionSupport::Accepted);
    GroupsModel {
        probed: probes.iter().any(|o| o.groups.is_some()),
        hybrid_pq: accepted.iter().filter(|g| is_hybrid(g)).cloned().collect(),
        rejected: with(VersionSupport::Rejected),
        accepted,
    }
}

#[cfg(test)]
mod tests;
