//! True endpoints: an endpoint is (address, port, transport), and the names
//! by which it was reached are listed on it, not endpoints of their own.
//!
//! [`fold`] turns the leaves as probed (one per `(address, port, sni)` and
//! chain) into the leaves every model, view, diff and metric counts:
//!
//! - the endpoint's **default chain** is the chain served without SNI, or,
//!   when no probe without SNI got one, the chain(s) most names got (ties:
//!   the smallest chain fingerprint list, so the choice does not depend on
//!   timing). It is one entry (several with `--all-certs`) keyed with
//!   `sni: None`;
//! - a name that got the default chain **folds** into it: it is listed in
//!   the entry's `names` as `served`, or as `not_served` when it is a
//!   `broadcast` or `discovered` name that the default certificate does not
//!   cover ("this name is not served here": no deployment, no mismatch, no
//!   name conflict);
//! - a name that got a chain of its own is a **deployment** of that
//!   certificate at the endpoint: one entry keyed with the name.
//!
//! The transport (plain TLS or a STARTTLS dialect) is chosen per port for a
//! whole scan, so within one scan `(address, port)` identifies it.

use std::collections::{BTreeMap, BTreeSet};

use super::store::{EndpointLeaf, EndpointName, NameStatus};
use crate::certs::hostname;
use crate::observation::SniSource;

/// The stronger of two sources of one name: `target` (the user said the
/// name belongs here) over `broadcast` over `discovered` over `none`.
pub fn stronger(a: SniSource, b: SniSource) -> SniSource {
    let rank = |s: SniSource| match s {
        SniSource::None => 0,
        SniSource::Discovered => 1,
        SniSource::Broadcast => 2,
        SniSource::Target => 3,
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

/// Folds the leaves as probed into true endpoints (see the module header);
/// ordered by endpoint, the default chain(s) before the deployments.
pub fn fold(as_probed: Vec<EndpointLeaf>) -> Vec<EndpointLeaf> {
    let mut by_endpoint: BTreeMap<(String, u16), Vec<EndpointLeaf>> = BTreeMap::new();
    for leaf in as_probed {
        let place = (leaf.endpoint.address.clone(), leaf.endpoint.port);
        by_endpoint.entry(place).or_default().push(leaf);
    }
    by_endpoint.into_values().flat_map(fold_endpoint).collect()
}

/// The leaves of one endpoint, per name sent (`None`: no SNI).
type Variants = BTreeMap<Option<String>, Vec<EndpointLeaf>>;

/// Folds the leaves of one `(address, port)`.
fn fold_endpoint(leaves: Vec<EndpointLeaf>) -> Vec<EndpointLeaf> {
    let mut variants: Variants = BTreeMap::new();
    for leaf in leaves {
        variants
            .entry(leaf.endpoint.sni.clone())
            .or_default()
            .push(leaf);
    }
    let Some(default_sni) = default_variant(&variants) else {
        return Vec::new();
    };
    let mut defaults = variants.get(&default_sni).cloned().unwrap_or_default();
    let default_chains: BTreeSet<Vec<String>> = defaults.iter().map(|l| l.chain.clone()).collect();
    let mut names = Vec::new();
    let mut deployments = Vec::new();
    for (sni, leaves) in variants {
        let Some(name) = sni else { continue };
        let source = source_of(&name, &leaves);
        if leaves.iter().all(|l| default_chains.contains(&l.chain)) {
            let status = folded_status(&name, source, &defaults);
            names.push(EndpointName {
                name,
                source,
                status,
            });
            continue;
        }
        let own = leaves
            .into_iter()
            .filter(|l| !default_chains.contains(&l.chain));
        deployments.extend(own.map(|mut leaf| {
            leaf.sni_source = source;
            leaf.names = vec![EndpointName {
                name: name.clone(),
                source,
                status: NameStatus::Deployment,
            }];
            leaf
        }));
    }
    for leaf in &mut defaults {
        leaf.endpoint.sni = None;
        leaf.names = names.clone();
    }
    defaults.extend(deployments);
    defaults
}

/// The variant whose chains are the endpoint's default: the one without
/// SNI, else the chain set most names got (ties: the smallest set), the
/// first name with it standing for it. `None` when there are no leaves.
fn default_variant(variants: &Variants) -> Option<Option<String>> {
    if variants.contains_key(&None) {
        return Some(None);
    }
    let mut by_chains: BTreeMap<BTreeSet<&Vec<String>>, Vec<&Option<String>>> = BTreeMap::new();
    for (sni, leaves) in variants {
        let chains = leaves.iter().map(|l| &l.chain).collect();
        by_chains.entry(chains).or_default().push(sni);
    }
    let mut best: Option<&Vec<&Option<String>>> = None;
    for names in by_chains.values() {
        if best.is_none_or(|b| names.len() > b.len()) {
            best = Some(names);
        }
    }
    best.and_then(|names| names.first().map(|sni| (*sni).clone()))
}

/// The strongest source recorded for `name`. A name recorded without a
/// source (stored before sources existed) counts as `target` when it is the
/// target's own host name, else as `broadcast`.
fn source_of(name: &str, leaves: &[EndpointLeaf]) -> SniSource {
    let recorded = leaves
        .iter()
        .fold(SniSource::None, |s, l| stronger(s, l.sni_source));
    match recorded {
        SniSource::None if leaves.iter().any(|l| l.host == name) => SniSource::Target,
        SniSource::None => SniSource::Broadcast,
        source => source,
    }
}

/// Whether a name that got the default chain is served here: a name the
/// user gave for this endpoint always is; a broadcast or discovered one
/// only when a default certificate covers it.
fn folded_status(name: &str, source: SniSource, defaults: &[EndpointLeaf]) -> NameStatus {
    let covered = defaults
        .iter()
        .any(|l| l.leaf.as_ref().is_some_and(|v| hostname::covers(v, name)));
    match source {
        SniSource::Broadcast | SniSource::Discovered if !covered => NameStatus::NotServed,
        _ => NameStatus::Served,
    }
}

/// The names on `leaf` that reach it: every name but those not served here.
pub fn served_names(leaf: &EndpointLeaf) -> impl Iterator<Item = &EndpointName> {
    leaf.names
        .iter()
        .filter(|n| n.status != NameStatus::NotServed)
}

#[cfg(test)]
mod tests;
