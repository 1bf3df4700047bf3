//! TLS protocol components: one per deployment (an endpoint's default
//! chain, or a name's own chain there, as [`crate::store::endpoints`]
//! folds them), with the version, the negotiated cipher suites and their
//! algorithms, and the key-exchange groups seen (negotiated, and accepted
//! when probed with `--groups`); each names its endpoint as an occurrence
//! and depends on the certificates it presented, which name it back.

use std::collections::{BTreeMap, BTreeSet};

use super::certificates::certificate_ref;
use super::registry::Gather;
use super::types::{CipherSuite, Component, CryptoProperties, Occurrence, ProtocolProperties};
use super::SpecVersion;
use crate::certs::sha256_hex;
use crate::observation::{Observation, VersionSupport};
use crate::store::{EndpointKey, EndpointLeaf, NameStatus};

/// `tcp://address:port` (an IPv6 address in brackets).
pub fn location(endpoint: &EndpointKey) -> String {
    format!("tcp://{}", endpoint.place())
}

/// The bom-ref of a deployment.
pub fn protocol_ref(leaf: &EndpointLeaf) -> String {
    let sni = leaf.endpoint.sni.as_deref().unwrap_or("");
    format!(
        "crypto/protocol/tls/{}/{sni}/{}",
        location(&leaf.endpoint),
        leaf.leaf_sha256
    )
}

/// Adds the deployment `leaf`, given every observation of the scan.
pub fn add_deployment(
    registry: &mut dyn Gather,
    leaf: &EndpointLeaf,
    observations: &Observations<'_>,
    spec: SpecVersion,
) {
    let seen: Vec<&Observation> = observations
        .at(leaf)
        .iter()
        .copied()
        .filter(|o| name_fits(leaf, o))
        .collect();
    let bom_ref = protocol_ref(leaf);
    let groups = groups_seen(&seen);
    let group_refs: Vec<String> = groups.iter().map(|g| registry.algorithm(g, None)).collect();
    let suites = suites_seen(registry, &seen, &groups, spec);
    let version = seen
        .iter()
        .rev()
        .find_map(|o| o.tls.as_ref()?.version.clone())
        .map(|v| v.strip_prefix("TLSv").map_or(v.clone(), str::to_string));
    let context = context(leaf, &seen);
    for (position, sha256) in leaf.chain.iter().enumerate() {
        let certificate = certificate_ref(sha256);
        registry.depends(&bom_ref, &certificate);
        let place = format!("chain position {position}; {context}");
        registry.occurs(&certificate, occurrence(leaf, place));
    }
    for algorithm in suites
        .iter()
        .flat_map(|s| s.algorithms.iter())
        .chain(&group_refs)
    {
        registry.depends(&bom_ref, algorithm);
    }
    registry.occurs(&bom_ref, occurrence(leaf, context));
    let name = match &version {
        Some(v) => format!("TLS {v} at {}", location(&leaf.endpoint)),
        None => format!("TLS at {}", location(&leaf.endpoint)),
    };
    registry.add(Component::new(
        bom_ref,
        name,
        CryptoProperties {
            protocol_properties: Some(ProtocolProperties {
                kind: "tls",
                version,
                cipher_suites: suites,
                crypto_ref_array: group_refs,
            }),
            ..CryptoProperties::of("protocol")
        },
    ));
}

/// The observations of a scan that got a chain, by address, port and
/// leaf SHA-256 (each leaf hashed once, whatever the number of
/// deployments).
pub struct Observations<'a>(BTreeMap<(String, u16, String), Vec<&'a Observation>>);

impl<'a> Observations<'a> {
    /// Indexes `observations` (those without a chain are left out).
    pub fn new(observations: &'a [Observation]) -> Self {
        let mut index: BTreeMap<_, Vec<&Observation>> = BTreeMap::new();
        for observation in observations {
            if let Some(der) = observation.chain_der.first() {
                let key = EndpointKey::of(observation);
                index
                    .entry((key.address, key.port, sha256_hex(der)))
                    .or_default()
                    .push(observation);
            }
        }
        Observations(index)
    }

    /// The observations at the deployment's place that got its leaf.
    fn at(&self, leaf: &EndpointLeaf) -> &[&'a Observation] {
        let key = (
            leaf.endpoint.address.clone(),
            leaf.endpoint.port,
            leaf.leaf_sha256.clone(),
        );
        self.0.get(&key).map_or(&[], Vec::as_slice)
    }
}

/// The observation (at the deployment's place, with its leaf) reached it by
/// its name: the deployment's own name, or, for a default chain, no name
/// or a name folded into it.
fn name_fits(leaf: &EndpointLeaf, observation: &Observation) -> bool {
    match (&leaf.endpoint.sni, &observation.sni) {
        (Some(deployed), sent) => sent.as_ref() == Some(deployed),
        (None, None) => true,
        (None, Some(sent)) => leaf.names.iter().any(|n| &n.name == sent),
    }
}

/// Groups negotiated, and those accepted alone (`--groups`), by name.
fn groups_seen(seen: &[&Observation]) -> BTreeSet<String> {
    let mut groups = BTreeSet::new();
    for observation in seen {
        if let Some(group) = observation
            .tls
            .as_ref()
            .and_then(|t| t.key_exchange_group.clone())
        {
            groups.insert(group);
        }
        for (group, support) in observation.groups.iter().flatten() {
            if *support == VersionSupport::Accepted {
                groups.insert(group.clone());
            }
        }
    }
    groups
}

/// The negotiated suites, each with the algorithms of its name.
fn suites_seen(
    registry: &mut dyn Gather,
    seen: &[&Observation],
    groups: &BTreeSet<String>,
    spec: SpecVersion,
) -> Vec<CipherSuite> {
    let names: BTreeSet<&String> = seen
        .iter()
        .filter_map(|o| o.tls.as_ref()?.cipher_suite.as_ref())
        .collect();
    names
        .into_iter()
        .map(|name| CipherSuite {
            name: name.clone(),
            algorithms: super::algorithms::suite_parts(name)
                .into_iter()
                .map(|part| registry.algorithm(part, None))
                .collect(),
            tls_groups: match spec {
                SpecVersion::V1_7 => groups.iter().cloned().collect(),
                SpecVersion::V1_6 => Vec::new(),
            },
        })
        .collect()
}

/// The names that reach the deployment and the transport, as text.
fn context(leaf: &EndpointLeaf, seen: &[&Observation]) -> String {
    let names: BTreeSet<&str> = match &leaf.endpoint.sni {
        Some(name) => BTreeSet::from([name.as_str()]),
        None => leaf
            .names
            .iter()
            .filter(|n| n.status == NameStatus::Served)
            .map(|n| n.name.as_str())
            .collect(),
    };
    let mut text = if names.is_empty() {
        "no sni".to_string()
    } else {
        format!("sni={}", names.into_iter().collect::<Vec<_>>().join(","))
    };
    if let Some(dialect) = seen.iter().find_map(|o| o.starttls.as_deref()) {
        text.push_str(&format!("; starttls={dialect}"));
    }
    text
}

/// An occurrence at the deployment's endpoint.
fn occurrence(leaf: &EndpointLeaf, context: String) -> Occurrence {
    Occurrence {
        location: location(&leaf.endpoint),
        additional_context: Some(context),
    }
}
