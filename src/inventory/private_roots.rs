//! The private roots of a scan: the CAs at the top of shadow chains (a
//! self-signed CA nobody declared, or a CA whose issuer was never seen),
//! with how many of the scan's leaves and endpoints chain to each. What
//! `certatlas init` offers as `[[anchors]]` to declare, and what the
//! organisation should recognise (or not) as its own.

use super::ca::{CaClass, CaGraph, CaSummary};
use crate::store::EndpointLeaf;

/// The private roots behind `leaves` (one scan's endpoint leaves), most
/// leaves first, then by SHA-256. A root that issued no served leaf (an
/// unused CA sent in some chain) is listed too, with 0 leaves.
pub fn private_roots(leaves: &[EndpointLeaf], graph: &CaGraph) -> Vec<CaSummary> {
    let endpoints = super::view::leaf_usage(leaves, &[], graph);
    let mut cas = graph.cas();
    graph.fill_usage(&mut cas, endpoints);
    let mut roots: Vec<CaSummary> = cas
        .into_iter()
        .filter(|ca| ca.class == CaClass::Shadow)
        .filter(|ca| ca.self_signed || graph.issuers_of(&ca.sha256).is_empty())
        .collect();
    roots.sort_by(|a, b| b.leaves.cmp(&a.leaves).then(a.sha256.cmp(&b.sha256)));
    roots
}
