//! Classification: walks confirmed issuer links upward from a certificate
//! (breadth first, so the shortest path to whatever decides wins) and applies
//! the rules listed in the module docs of `inventory::ca`, in order.

use std::collections::HashMap;

use super::graph::CaGraph;
use super::trust::AnchorKey;
use super::{CaClass, LeafClassification};

/// Certificates reachable upward from a start node, in BFS order, with the
/// node each was reached from.
struct Upward {
    order: Vec<usize>,
    parent: HashMap<usize, usize>,
}

impl CaGraph {
    /// Classifies the certificate with this SHA-256 (lowercase hex) as a leaf.
    /// A certificate that is not in the graph is [`CaClass::Unknown`] with an
    /// empty path.
    pub fn classify_leaf(&self, leaf_sha256: &str) -> LeafClassification {
        match self.index.get(leaf_sha256) {
            Some(&i) => self.classify_index(i, false),
            None => unplaced(CaClass::Unknown, Vec::new()),
        }
    }

    /// Classifies node `start`; `as_ca` turns "signs itself" into shadow
    /// (an undeclared self-signed CA) instead of self-signed.
    pub(super) fn classify_index(&self, start: usize, as_ca: bool) -> LeafClassification {
        let up = self.upward(start);
        let find = |pred: &dyn Fn(usize) -> bool| up.order.iter().copied().find(|&n| pred(n));
        if let Some(n) = find(&|n| self.nodes[n].approved) {
            return self.anchored_at(CaClass::Approved, n, &up);
        }
        // A Mozilla-keyed certificate in the graph beats a signature by a
        // Mozilla root known only by key: the path then shows the root.
        if let Some(n) = find(&|n| self.nodes[n].public_key.is_some()) {
            return self.anchored_at(CaClass::Public, n, &up);
        }
        let outside = up.order.iter().find_map(|&n| {
            let anchor = self.nodes[n].signed_by_public.as_ref();
            anchor.map(|anchor| (n, anchor))
        });
        if let Some((n, anchor)) = outside {
            return by_outside_anchor(anchor, self.path(n, &up));
        }
        if self.nodes[start].self_signed {
            let class = if as_ca {
                CaClass::Shadow
            } else {
                CaClass::SelfSigned
            };
            return self.anchored_at(class, start, &up);
        }
        self.private_or_unknown(start, &up)
    }

    /// Rules 4 and 5: the highest certificates reached decide.
    fn private_or_unknown(&self, start: usize, up: &Upward) -> LeafClassification {
        let mut tops: Vec<usize> = up
            .order
            .iter()
            .copied()
            .filter(|&n| self.nodes[n].issuers.is_empty())
            .collect();
        if tops.is_empty() {
            // Only a cycle of cross-signed CAs above: the last one reached stands in.
            tops.extend(up.order.last().copied());
        }
        let leaf_logged = self.nodes[start].view.sct_count > 0;
        let shadow_top = tops.iter().copied().find(|&top| {
            let node = &self.nodes[top];
            top != start && (node.self_signed || (!node.issuer_named_public && !leaf_logged))
        });
        match shadow_top {
            Some(top) => self.anchored_at(CaClass::Shadow, top, up),
            None => unplaced(CaClass::Unknown, self.path(tops[0], up)),
        }
    }

    /// A verdict whose anchor is node `n` of the graph.
    fn anchored_at(&self, class: CaClass, n: usize, up: &Upward) -> LeafClassification {
        let view = &self.nodes[n].view;
        LeafClassification {
            class,
            anchor_sha256: Some(view.sha256.clone()),
            anchor_spki_sha256: Some(view.spki_sha256.clone()),
            anchor_subject: Some(view.subject.dn.clone()),
            path: self.path(n, up),
        }
    }

    /// Breadth-first walk up the issuer links from `start` (cycle-safe).
    fn upward(&self, start: usize) -> Upward {
        let mut up = Upward {
            order: vec![start],
            parent: HashMap::new(),
        };
        let mut next = 0;
        while let Some(&n) = up.order.get(next) {
            next += 1;
            for &issuer in &self.nodes[n].issuers {
                if issuer != start && !up.parent.contains_key(&issuer) {
                    up.parent.insert(issuer, n);
                    up.order.push(issuer);
                }
            }
        }
        up
    }

    /// SHA-256s from the start of `up` to node `target`, start first.
    fn path(&self, target: usize, up: &Upward) -> Vec<String> {
        let mut path = vec![self.nodes[target].view.sha256.clone()];
        let mut current = target;
        while let Some(&parent) = up.parent.get(&current) {
            path.push(self.nodes[parent].view.sha256.clone());
            current = parent;
        }
        path.reverse();
        path
    }
}

/// A public verdict whose anchor is a Mozilla root known only by key.
fn by_outside_anchor(anchor: &AnchorKey, path: Vec<String>) -> LeafClassification {
    LeafClassification {
        class: anchor.class,
        anchor_sha256: None,
        anchor_spki_sha256: Some(anchor.spki_sha256.clone()),
        anchor_subject: Some(anchor.subject.clone()),
        path,
    }
}

/// A verdict without an anchor.
fn unplaced(class: CaClass, path: Vec<String>) -> LeafClassification {
    LeafClassification {
        class,
        anchor_sha256: None,
        anchor_spki_sha256: None,
        anchor_subject: None,
        path,
    }
}
