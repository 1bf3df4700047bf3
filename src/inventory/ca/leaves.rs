//! Leaves attached to a CA graph a chunk at a time: a graph built over the
//! certificates that can issue ([`IssuerNames`] decides which) answers for
//! a leaf exactly as a graph over every certificate would, once the leaf is
//! attached ([`CaGraph::attach_leaves`]) with the same issuer lookup and
//! signature checks; the leaf is then detached, so only one chunk of parsed
//! leaves is alive at a time. What the leaves add to the CAs (how many
//! certificates each signed, [`CaUsage`]) is counted as they pass.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::certs::CertificateView;

use super::graph::CaGraph;
use super::trust::TrustContext;
use super::CaSummary;

impl CaGraph {
    /// Attaches `leaves` (DER and view) under the certificates of the graph,
    /// detaching any attached before: each is linked to its confirmed
    /// issuers among the graph's own nodes (issuer name, key identifiers,
    /// signature), and counted in their `issued`. A leaf the graph already
    /// holds stays as it is. The leaves must sign none of the other
    /// certificates (what [`IssuerNames::may_issue`] rules out): they are
    /// never anyone's issuer.
    pub fn attach_leaves(
        &mut self,
        leaves: impl IntoIterator<Item = (Vec<u8>, CertificateView)>,
        trust: &TrustContext,
    ) {
        self.detach_leaves();
        let from = self.nodes.len();
        self.attached_from = Some(from);
        for (der, view) in leaves {
            if !self.index.contains_key(&view.sha256) {
                self.push_node(der, view, true, trust);
            }
        }
        let candidates = self.candidates(from..self.nodes.len(), from);
        for (child, issuer) in self.confirmed(candidates) {
            self.nodes[child].issuers.push(issuer);
            self.nodes[issuer].issued_leaves += 1;
        }
    }

    /// Drops the leaves attached by [`CaGraph::attach_leaves`] (their
    /// issuers keep the count of what they signed).
    pub fn detach_leaves(&mut self) {
        let Some(from) = self.attached_from.take() else {
            return;
        };
        for node in self.nodes.drain(from..) {
            self.index.remove(&node.view.sha256);
        }
    }

    /// Adds usage to `cas`: for each `(leaf sha256, endpoint count)`, every
    /// CA on the leaf's classification path (the leaf itself excluded) gets
    /// `leaves += 1` and `endpoints += count`. Unknown leaves are skipped.
    /// Only the one path classification chose counts (not cross-signed
    /// alternatives).
    pub fn fill_usage<S: AsRef<str>>(
        &self,
        cas: &mut [CaSummary],
        leaf_endpoints: impl IntoIterator<Item = (S, u64)>,
    ) {
        let mut usage = CaUsage::default();
        for (leaf, endpoints) in leaf_endpoints {
            self.count_usage(&mut usage, leaf.as_ref(), endpoints);
        }
        usage.fill(cas);
    }

    /// Adds the leaf `leaf_sha256`, served at `endpoints` endpoints, to the
    /// usage of every CA on its classification path (the leaf itself
    /// excluded): what [`CaGraph::fill_usage`] does, a leaf at a time.
    pub fn count_usage(&self, usage: &mut CaUsage, leaf_sha256: &str, endpoints: u64) {
        let path = self.classify_leaf(leaf_sha256).path;
        for sha in path.into_iter().skip(1) {
            let (leaves, served) = usage.by_ca.entry(sha).or_default();
            *leaves += 1;
            *served += endpoints;
        }
    }
}

/// Leaves and endpoints counted per CA (by SHA-256) by
/// [`CaGraph::count_usage`].
#[derive(Debug, Default)]
pub struct CaUsage {
    by_ca: HashMap<String, (u64, u64)>,
}

impl CaUsage {
    /// Adds the counts to the CAs of `cas` (others are ignored).
    pub fn fill(&self, cas: &mut [CaSummary]) {
        for ca in cas {
            if let Some(&(leaves, endpoints)) = self.by_ca.get(&ca.sha256) {
                ca.leaves += leaves;
                ca.endpoints += endpoints;
            }
        }
    }
}

/// The issuer names of a set of certificates, counted by a 64-bit hash of
/// the issuer DN's SHA-256: which of them may have signed another one of
/// the set. A hash collision can only keep a certificate in the graph that
/// signed nothing, never leave out one that did.
#[derive(Debug, Default)]
pub struct IssuerNames {
    named: HashMap<u64, u32>,
}

/// A certificate's subject and issuer names, hashed as [`IssuerNames`]
/// counts them: what deciding later whether it may issue needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameHashes {
    subject: u64,
    issuer: u64,
}

impl NameHashes {
    /// The hashed names of `view`.
    pub fn of(view: &CertificateView) -> NameHashes {
        NameHashes {
            subject: hash(&view.subject.der_sha256),
            issuer: hash(&view.issuer.der_sha256),
        }
    }
}

impl IssuerNames {
    /// Counts the issuer name of a certificate of the set.
    pub fn note(&mut self, names: NameHashes) {
        *self.named.entry(names.issuer).or_default() += 1;
    }

    /// Whether another certificate of the set names this one's subject as
    /// its issuer: then it may have signed it, and the graph must hold it.
    pub fn may_issue(&self, names: NameHashes) -> bool {
        let naming = self.named.get(&names.subject).copied().unwrap_or(0);
        let itself = u32::from(names.subject == names.issuer);
        naming > itself
    }
}

/// Whether the graph must hold `view` whatever the other certificates say:
/// basic constraints say CA, it was sent above a leaf in a chain
/// (`above_a_leaf`), or it is an approved anchor.
pub fn always_in_graph(view: &CertificateView, above_a_leaf: bool, trust: &TrustContext) -> bool {
    view.is_ca() || above_a_leaf || trust.is_approved(view)
}

/// A 64-bit hash of a name's text.
fn hash(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}
