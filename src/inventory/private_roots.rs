//! The private roots of a scan: the CAs at the top of shadow chains (a
//! self-signed CA nobody declared, or a CA whose issuer was never seen),
//! with how many of the scan's leaves chain to each, served (and on how
//! many endpoints) and found at rest. What `certatlas init` offers as
//! `[[anchors]]` to declare, and what the organisation should recognise
//! (or not) as its own.

use super::ca::{CaClass, CaGraph, CaSummary};
use crate::store::{EndpointLeaf, FilePlacement};

/// One private root and the leaves of the scan that chain to it.
#[derive(Debug, Clone, PartialEq)]
pub struct PrivateRoot {
    /// The CA; its `leaves` and `endpoints` count the served leaves and
    /// the endpoints serving them.
    pub ca: CaSummary,
    /// Leaves found at rest (files, keystore entries) that chain to it; a
    /// leaf both served and at rest counts in both.
    pub leaves_at_rest: u64,
}

/// The private roots behind `leaves` (one scan's endpoint leaves) and the
/// leaves among `files` (its certificates at rest), most leaves (served
/// and at rest) first, then by SHA-256. A root that issued no leaf (an
/// unused CA sent in some chain) is listed too, with 0 leaves.
pub fn private_roots(
    leaves: &[EndpointLeaf],
    files: &[FilePlacement],
    graph: &CaGraph,
) -> Vec<PrivateRoot> {
    let mut served = graph.cas();
    graph.fill_usage(&mut served, super::view::leaf_usage(leaves, &[], graph));
    let mut at_rest = graph.cas();
    graph.fill_usage(&mut at_rest, super::view::leaf_usage(&[], files, graph));
    let mut roots: Vec<PrivateRoot> = served
        .into_iter()
        .zip(at_rest)
        .filter(|(ca, _)| ca.class == CaClass::Shadow)
        .filter(|(ca, _)| ca.self_signed || graph.issuers_of(&ca.sha256).is_empty())
        .map(|(ca, files)| PrivateRoot {
            leaves_at_rest: files.leaves,
            ca,
        })
        .collect();
    let all = |r: &PrivateRoot| r.ca.leaves + r.leaves_at_rest;
    roots.sort_by(|a, b| all(b).cmp(&all(a)).then(a.ca.sha256.cmp(&b.ca.sha256)));
    roots
}
