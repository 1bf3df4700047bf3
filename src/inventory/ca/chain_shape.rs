//! Shape problems of a chain as a server sent it (leaf first): missing
//! intermediates, wrong order, a root sent along, unrelated extras.
//!
//! The path is followed from the leaf through confirmed issuer links among
//! the chain's own certificates (preferring the next position). Where the
//! path stops decides completeness: at a self-signed certificate, at a trust
//! anchor's key, or just below a trust anchor (public or approved) is
//! complete; anything else is incomplete. [`CaGraph::chain_shape`] also
//! accepts stopping just below a root the graph knows (seen in any chain).

use serde::{Deserialize, Serialize};

use crate::certs::{self, CertificateView};

use super::graph::{signs_itself, CaGraph};
use super::trust::TrustContext;

/// What is wrong with how a chain is served. All false/0 means well formed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainShape {
    /// The path from the leaf stops at a certificate that is not self-signed
    /// and whose issuer is neither in the chain nor a trust anchor (nor, for
    /// [`CaGraph::chain_shape`], a known root): an intermediate is missing.
    pub incomplete: bool,
    /// Some `chain[i+1]` is not the issuer of `chain[i]` although that
    /// issuer appears elsewhere in the chain.
    pub out_of_order: bool,
    /// A self-signed CA certificate is sent after the leaf.
    pub root_included: bool,
    /// Certificates not on the path from the leaf (duplicates included).
    pub unrelated: usize,
}

/// Judges a served chain (leaf first) against the trust anchors only.
/// An empty chain has no shape problems.
pub fn chain_shape(chain: &[(Vec<u8>, CertificateView)], trust: &TrustContext) -> ChainShape {
    let refs: Vec<(&[u8], &CertificateView)> =
        chain.iter().map(|(d, v)| (d.as_slice(), v)).collect();
    let self_signed: Vec<bool> = refs
        .iter()
        .map(|(der, view)| signs_itself(der, view))
        .collect();
    let links = Links {
        self_signed: &|i| self_signed[i],
        issued_by: &|i, j| {
            refs[i].1.issuer.der_sha256 == refs[j].1.subject.der_sha256
                && certs::is_signed_by(refs[i].0, refs[j].0)
        },
        is_ca: &|i| refs[i].1.is_ca(),
    };
    shape(refs.len(), &links, |top| {
        let (der, view) = refs[top];
        trust.is_approved(view)
            || trust.public_key_anchor(view).is_some()
            || trust.signing_anchor(der, view).is_some()
    })
}

/// How the links of a chain are judged: by signatures (a bare chain) or by
/// the graph's already confirmed edges.
struct Links<'a> {
    self_signed: &'a dyn Fn(usize) -> bool,
    issued_by: &'a dyn Fn(usize, usize) -> bool,
    is_ca: &'a dyn Fn(usize) -> bool,
}

impl CaGraph {
    /// [`chain_shape`] for a chain given by SHA-256s of certificates in the
    /// graph, also accepting a chain that ends just below a root (a
    /// self-signed certificate) or an anchor the graph knows. `None` when a
    /// certificate of the chain is not in the graph.
    pub fn chain_shape(&self, chain_sha256: &[String]) -> Option<ChainShape> {
        let indices: Vec<usize> = chain_sha256
            .iter()
            .map(|sha| self.index.get(sha).copied())
            .collect::<Option<_>>()?;
        let is_anchor = |n: usize| {
            let node = &self.nodes[n];
            node.approved || node.public_key.is_some()
        };
        // The graph's edges are already confirmed by signature.
        let links = Links {
            self_signed: &|i| self.nodes[indices[i]].self_signed,
            issued_by: &|i, j| self.nodes[indices[i]].issuers.contains(&indices[j]),
            is_ca: &|i| self.nodes[indices[i]].view.is_ca(),
        };
        Some(shape(indices.len(), &links, |top| {
            let node = &self.nodes[indices[top]];
            is_anchor(indices[top])
                || node.signed_by_public.is_some()
                || node
                    .issuers
                    .iter()
                    .any(|&i| self.nodes[i].self_signed || is_anchor(i))
        }))
    }
}

/// The shape of `chain`; `top_is_complete(i)` says whether a path that stops
/// at position `i` (not self-signed, issuer not in the chain) is complete.
fn shape(n: usize, links: &Links<'_>, top_is_complete: impl Fn(usize) -> bool) -> ChainShape {
    if n == 0 {
        return ChainShape::default();
    }
    let self_signed: Vec<bool> = (0..n).map(|i| (links.self_signed)(i)).collect();
    let issued_by = |i: usize, j: usize| i != j && (links.issued_by)(i, j);
    let mut on_path = vec![false; n];
    on_path[0] = true;
    let mut current = 0;
    let mut out_of_order = false;
    while !self_signed[current] {
        let next = if current + 1 < n && !on_path[current + 1] && issued_by(current, current + 1) {
            Some(current + 1)
        } else {
            (0..n).find(|&j| !on_path[j] && issued_by(current, j))
        };
        let Some(next) = next else { break };
        out_of_order |= next != current + 1;
        on_path[next] = true;
        current = next;
    }
    let root_included = (1..n).any(|i| self_signed[i] && (on_path[i] || (links.is_ca)(i)));
    ChainShape {
        incomplete: !self_signed[current] && !top_is_complete(current),
        out_of_order,
        root_included,
        unrelated: on_path.iter().filter(|&&on| !on).count(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testpki::{self, entry, intermediate, leaf, root};
    use super::*;

    fn chain(ders: &[&[u8]]) -> Vec<(Vec<u8>, CertificateView)> {
        ders.iter().map(|d| entry(d)).collect()
    }

    fn private_trust() -> TrustContext {
        TrustContext::new(Vec::new(), Vec::new(), false)
    }

    #[test]
    fn well_formed_chains_have_no_problems() {
        let corp = root("Corp Root");
        let issuing = intermediate("Corp Issuing", &corp);
        let web = leaf("www.corp.test", &issuing);
        let trust = TrustContext::new(vec![corp.der.clone()], Vec::new(), false);
        let below_anchor = chain_shape(&chain(&[&web, &issuing.der]), &trust);
        assert_eq!(below_anchor, ChainShape::default());
        assert_eq!(chain_shape(&[], &trust), ChainShape::default());
        let lone = testpki::self_signed_leaf("printer.corp.test");
        assert_eq!(
            chain_shape(&chain(&[&lone]), &private_trust()),
            ChainShape::default()
        );
    }

    #[test]
    fn missing_intermediate_is_incomplete() {
        let corp = root("Corp Root");
        let issuing = intermediate("Corp Issuing", &corp);
        let web = leaf("www.corp.test", &issuing);
        let trust = TrustContext::new(vec![corp.der.clone()], Vec::new(), false);
        let shape = chain_shape(&chain(&[&web]), &trust);
        assert!(shape.incomplete);
        assert!(!shape.out_of_order && !shape.root_included);
        // Undeclared root: from the anchors alone a missing link cannot be ruled out...
        let served = chain(&[&web, &issuing.der]);
        assert!(chain_shape(&served, &private_trust()).incomplete);
        // ...but a graph that saw the root elsewhere knows the chain ends below it.
        let known = chain(&[&web, &issuing.der, &corp.der]);
        let g = CaGraph::build(&known, &private_trust());
        let shas: Vec<String> = served.iter().map(|(_, v)| v.sha256.clone()).collect();
        assert_eq!(g.chain_shape(&shas), Some(ChainShape::default()));
        assert_eq!(g.chain_shape(&shas[..1]).map(|s| s.incomplete), Some(true));
        assert_eq!(g.chain_shape(&["00".to_string()]), None);
    }

    #[test]
    fn root_sent_and_order_problems() {
        let corp = root("Corp Root");
        let issuing = intermediate("Corp Issuing", &corp);
        let web = leaf("www.corp.test", &issuing);
        let with_root = chain_shape(&chain(&[&web, &issuing.der, &corp.der]), &private_trust());
        let expected = ChainShape {
            root_included: true,
            ..ChainShape::default()
        };
        assert_eq!(with_root, expected);
        let shuffled = chain_shape(&chain(&[&web, &corp.der, &issuing.der]), &private_trust());
        let expected = ChainShape {
            out_of_order: true,
            root_included: true,
            ..expected
        };
        assert_eq!(shuffled, expected);
    }

    #[test]
    fn extra_certificates_are_unrelated() {
        let corp = root("Corp Root");
        let issuing = intermediate("Corp Issuing", &corp);
        let web = leaf("www.corp.test", &issuing);
        let stranger = intermediate("Someone Else", &root("Other Root"));
        let ders: [&[u8]; 4] = [&web, &issuing.der, &stranger.der, &issuing.der];
        let trust = TrustContext::new(vec![corp.der.clone()], Vec::new(), false);
        let shape = chain_shape(&chain(&ders), &trust);
        assert_eq!(shape.unrelated, 2, "stranger and the duplicate");
        assert!(!shape.incomplete && !shape.out_of_order && !shape.root_included);
    }

    #[test]
    fn private_leaf_followed_by_a_real_root_it_was_not_signed_by() {
        let digicert = testpki::pem_der(testpki::DIGICERT_GLOBAL_ROOT_G2);
        let web = leaf("www.corp.test", &root("Private Root"));
        let trust = TrustContext::new(Vec::new(), Vec::new(), true);
        let shape = chain_shape(&chain(&[&web, &digicert]), &trust);
        let expected = ChainShape {
            incomplete: true,
            out_of_order: false,
            root_included: true,
            unrelated: 1,
        };
        assert_eq!(shape, expected);
    }

    #[test]
    fn ending_just_below_a_public_root_known_by_key_is_complete_and_public() {
        let mozilla_like = root("Stand-in Public Root");
        let issuing = intermediate("Public Issuing", &mozilla_like);
        let web = leaf("www.example.test", &issuing);
        let trust = private_trust().with_public_key_of(&mozilla_like.der);
        let served = chain(&[&web, &issuing.der]);
        assert_eq!(chain_shape(&served, &trust), ChainShape::default());
        let g = CaGraph::build(&served, &trust);
        let c = g.classify_leaf(&served[0].1.sha256);
        assert_eq!(c.class, super::super::CaClass::Public);
        assert_eq!(c.anchor_sha256, None, "known by key only");
        let anchor_view = testpki::view(&mozilla_like.der);
        assert_eq!(c.anchor_spki_sha256, Some(anchor_view.spki_sha256));
        assert_eq!(c.anchor_subject, Some(anchor_view.subject.dn));
        assert_eq!(
            c.path,
            [served[0].1.sha256.clone(), served[1].1.sha256.clone()]
        );
        let shas: Vec<String> = served.iter().map(|(_, v)| v.sha256.clone()).collect();
        assert_eq!(g.chain_shape(&shas), Some(ChainShape::default()));
        // The root served too: the path runs to it and it is the anchor.
        let mut all = served.clone();
        all.push(entry(&mozilla_like.der));
        let c = CaGraph::build(&all, &trust).classify_leaf(&shas[0]);
        assert_eq!(c.class, super::super::CaClass::Public);
        assert_eq!(c.anchor_sha256, Some(all[2].1.sha256.clone()));
        assert_eq!(c.path.len(), 3);
    }
}
