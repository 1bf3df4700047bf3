//! The CA graph: every known certificate (deduplicated by SHA-256) with its
//! confirmed issuer links, what the trust context says about each node, the
//! CA summaries and their usage counts.

use std::collections::HashMap;

use crate::certs::{self, CertificateView, KeyAlgorithm, PublicKeyInfo, SignatureCheck};

use super::trust::{AnchorKey, TrustContext};
use super::CaSummary;

/// One certificate in the graph.
#[derive(Debug)]
pub(super) struct Node {
    pub der: Vec<u8>,
    pub view: CertificateView,
    /// Seen in a chain (false: known only as a declared anchor).
    pub served: bool,
    /// Verifiably signs itself (see [`signs_itself`]).
    pub self_signed: bool,
    /// Confirmed issuers (never the node itself).
    pub issuers: Vec<usize>,
    /// Certificates this one confirmedly signed (never itself).
    pub issued: Vec<usize>,
    /// Leaves attached for a while ([`CaGraph::attach_leaves`]) that it
    /// confirmedly signed: counted, not linked, so they can be detached.
    pub issued_leaves: u64,
    /// The certificate itself is an approved anchor (certificate or SPKI).
    pub approved: bool,
    /// The Mozilla root whose key this certificate carries.
    pub public_key: Option<AnchorKey>,
    /// A Mozilla root (known only by key) whose key signed this certificate.
    pub signed_by_public: Option<AnchorKey>,
    /// The issuer's name is the subject of a Mozilla root.
    pub issuer_named_public: bool,
}

/// Every known certificate linked to its confirmed issuers. Build once per
/// inventory snapshot with [`CaGraph::build`]; queries are read-only.
#[derive(Debug, Default)]
pub struct CaGraph {
    pub(super) nodes: Vec<Node>,
    pub(super) index: HashMap<String, usize>,
    /// The first node of the leaves attached for now, if any
    /// ([`CaGraph::attach_leaves`]).
    pub(super) attached_from: Option<usize>,
}

impl CaGraph {
    /// Builds the graph from every certificate of the inventory (duplicates
    /// ignored) plus the approved anchor certificates of `trust`. An issuer
    /// link needs issuer DN == subject DN, AKI == SKI when both are present,
    /// and a signature that verifies. A certificate that signs itself gets
    /// no other issuer links. Cost: one signature check per candidate pair.
    pub fn build(certs: &[(Vec<u8>, CertificateView)], trust: &TrustContext) -> CaGraph {
        CaGraph::build_from(
            certs.iter().map(|(der, view)| (der.as_slice(), view)),
            trust,
        )
    }

    /// [`CaGraph::build`] from borrowed certificates (DER and view), so a
    /// caller that holds them need not copy them first: each is copied once,
    /// into its node.
    pub fn build_from<'c>(
        certs: impl IntoIterator<Item = (&'c [u8], &'c CertificateView)>,
        trust: &TrustContext,
    ) -> CaGraph {
        let mut graph = CaGraph::default();
        for (der, view) in certs {
            graph.add_node(der, view, true, trust);
        }
        for (der, view) in trust.approved_certs() {
            graph.add_node(der, view, false, trust);
        }
        graph.link();
        graph
    }

    /// Number of distinct certificates in the graph.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when the graph holds no certificate.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// True when the certificate with this SHA-256 (lowercase hex) is known.
    pub fn contains(&self, sha256: &str) -> bool {
        self.index.contains_key(sha256)
    }

    /// SHA-256s of the confirmed issuers of a certificate (empty if unknown).
    pub fn issuers_of(&self, sha256: &str) -> Vec<String> {
        self.index.get(sha256).map_or_else(Vec::new, |&i| {
            let node = &self.nodes[i];
            node.issuers
                .iter()
                .map(|&j| self.nodes[j].view.sha256.clone())
                .collect()
        })
    }

    /// The parsed certificate with this SHA-256, if the graph holds it.
    pub fn certificate(&self, sha256: &str) -> Option<&CertificateView> {
        self.index.get(sha256).map(|&i| &self.nodes[i].view)
    }

    /// The DER of the certificate with this SHA-256, if the graph holds it.
    pub fn der(&self, sha256: &str) -> Option<&[u8]> {
        self.index
            .get(sha256)
            .map(|&i| self.nodes[i].der.as_slice())
    }

    /// Every CA certificate (basic constraints say CA, or it confirmedly
    /// signed another certificate), in the order first seen, with `leaves`
    /// and `endpoints` at 0 (see [`CaGraph::fill_usage`]).
    pub fn cas(&self) -> Vec<CaSummary> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].view.is_ca() || self.issued_count(i) > 0)
            .map(|i| self.summary(i))
            .collect()
    }

    fn summary(&self, i: usize) -> CaSummary {
        let node = &self.nodes[i];
        CaSummary {
            sha256: node.view.sha256.clone(),
            spki_sha256: node.view.spki_sha256.clone(),
            subject: node.view.subject.dn.clone(),
            class: self.classify_index(i, true).class,
            key: key_text(&node.view.key),
            not_after: node.view.not_after,
            self_signed: node.self_signed,
            issued: self.issued_count(i),
            served: node.served,
            leaves: 0,
            endpoints: 0,
        }
    }

    /// How many certificates node `i` confirmedly signed: linked ones and
    /// leaves attached at some point.
    fn issued_count(&self, i: usize) -> u64 {
        self.nodes[i].issued.len() as u64 + self.nodes[i].issued_leaves
    }

    /// Adds a copy of one certificate, unless the graph holds it already
    /// (then `served` is or-ed into its node).
    fn add_node(&mut self, der: &[u8], view: &CertificateView, served: bool, trust: &TrustContext) {
        if let Some(&i) = self.index.get(&view.sha256) {
            self.nodes[i].served |= served;
            return;
        }
        self.push_node(der.to_vec(), view.clone(), served, trust);
    }

    /// Appends the node of a certificate the graph does not hold yet.
    pub(super) fn push_node(
        &mut self,
        der: Vec<u8>,
        view: CertificateView,
        served: bool,
        trust: &TrustContext,
    ) {
        // Approved anchor certificates are nodes themselves: only keep
        // anchors known by key alone (the Mozilla roots) here.
        let signed_by_public = trust
            .signing_anchor(&der, &view)
            .filter(|anchor| anchor.cert_sha256.is_none())
            .cloned();
        self.index.insert(view.sha256.clone(), self.nodes.len());
        self.nodes.push(Node {
            self_signed: signs_itself(&der, &view),
            approved: trust.is_approved(&view),
            public_key: trust.public_key_anchor(&view).cloned(),
            signed_by_public,
            issuer_named_public: trust.is_public_subject(&view.issuer.der_sha256),
            der,
            view,
            served,
            issuers: Vec::new(),
            issued: Vec::new(),
            issued_leaves: 0,
        });
    }

    /// Finds and confirms every issuer link: candidates by name and key
    /// identifiers, then one signature check each, spread over the cores.
    fn link(&mut self) {
        let all = self.nodes.len();
        let candidates = self.candidates(0..all, all);
        for (child, issuer) in self.confirmed(candidates) {
            self.nodes[child].issuers.push(issuer);
            self.nodes[issuer].issued.push(child);
        }
    }

    /// The `(child, issuer)` pairs, children from `children` and issuers
    /// among the first `issuers` nodes, whose names and key identifiers
    /// agree (signatures not yet checked), child by child, issuers in node
    /// order. A certificate that signs itself is no child.
    pub(super) fn candidates(
        &self,
        children: std::ops::Range<usize>,
        issuers: usize,
    ) -> Vec<(usize, usize)> {
        let mut by_subject: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, node) in self.nodes[..issuers].iter().enumerate() {
            by_subject
                .entry(&node.view.subject.der_sha256)
                .or_default()
                .push(i);
        }
        let mut candidates = Vec::new();
        for child in children {
            let node = &self.nodes[child];
            if node.self_signed {
                continue;
            }
            let named = by_subject.get(node.view.issuer.der_sha256.as_str());
            for &issuer in named.into_iter().flatten() {
                if issuer != child && key_ids_agree(&node.view, &self.nodes[issuer].view) {
                    candidates.push((child, issuer));
                }
            }
        }
        candidates
    }

    /// The `(child, issuer)` candidates whose signature verifies, in order.
    pub(super) fn confirmed(&self, candidates: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
        let verify = |pairs: &[(usize, usize)]| -> Vec<(usize, usize)> {
            pairs
                .iter()
                .copied()
                .filter(|&(c, i)| certs::is_signed_by(&self.nodes[c].der, &self.nodes[i].der))
                .collect()
        };
        crate::parallel::chunked(&candidates, 256, verify).concat()
    }
}

/// The certificate signs itself: its signature verifies under its own key
/// (names equal). When the algorithm cannot be verified at all, the view's
/// name/key-identifier judgement stands in.
pub(super) fn signs_itself(der: &[u8], view: &CertificateView) -> bool {
    match certs::signature_check(der, der) {
        SignatureCheck::Valid => true,
        SignatureCheck::Invalid => false,
        SignatureCheck::Unsupported => view.self_signed,
    }
}

/// AKI of the child equals SKI of the candidate issuer, when both are present.
fn key_ids_agree(child: &CertificateView, issuer: &CertificateView) -> bool {
    match (&child.authority_key_id, &issuer.subject_key_id) {
        (Some(aki), Some(ski)) => aki == ski,
        _ => true,
    }
}

/// Short key description: "RSA 2048", "EC P-256", "Ed25519", "DSA 1024".
pub fn key_text(key: &PublicKeyInfo) -> String {
    match &key.algorithm {
        KeyAlgorithm::Rsa => format!("RSA {}", key.bits),
        KeyAlgorithm::Ec => match &key.curve {
            Some(curve) => format!("EC {curve}"),
            None => format!("EC {}", key.bits),
        },
        KeyAlgorithm::Ed25519 => "Ed25519".to_string(),
        KeyAlgorithm::Ed448 => "Ed448".to_string(),
        KeyAlgorithm::Dsa => format!("DSA {}", key.bits),
        KeyAlgorithm::PostQuantum(_) | KeyAlgorithm::Other(_) => key.algorithm.name(),
    }
}
