//! The leaf metrics as an accumulator: [`LeafTally`] folds leaf models in
//! (and endpoint models, into its [`EndpointTally`]), a chunk at a time, keeping only counts, the first subjects of each
//! metric, the key-reuse clusters and the few values whose median or
//! union a metric needs, so that scoring never holds every leaf model. The
//! figures are those of the whole list of leaves, whatever the chunks
//! (leaves are folded in model order, and the subjects listed are the
//! first ones in that order).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use time::OffsetDateTime;

use super::endpoint_tally::EndpointTally;
use super::leaf_facts::{
    chain_correct, chain_measured, expiring_unrenewed, profile_conforms, weak_key, weak_signature,
};
use super::share::{Listed, Share};
use super::{cabf, Exclusions, Metric};
use crate::policy::model::{parse_rfc3339, EndpointModel, LeafModel, ModelChunk};

/// Whether a leaf share lists its hits (a problem) or its misses (a
/// coverage).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listing {
    Hits,
    Misses,
}

/// One leaf share: its id, the property, and which leaves are the
/// subjects.
type LeafShare = (&'static str, fn(&LeafModel) -> bool, Listing);

/// The one leaf share measured only on some leaves: those served with a
/// chain recorded as sent ([`chain_measured`]).
const CHAINS_CORRECT: &str = "chains_correct";

/// The leaf shares of the catalogue, in the order they are reported.
const LEAF_SHARES: [LeafShare; 11] = [
    (
        "expired_in_service",
        |l| l.certificate.expired,
        Listing::Hits,
    ),
    ("expiring_unrenewed", expiring_unrenewed, Listing::Hits),
    ("owner_coverage", |l| !l.owner.is_empty(), Listing::Misses),
    ("weak_keys", weak_key, Listing::Hits),
    ("weak_signatures", weak_signature, Listing::Hits),
    ("key_reuse", |l| !l.key_reuse.is_empty(), Listing::Hits),
    (
        "shadow_ca_leaves",
        |l| l.ca_class == "shadow",
        Listing::Hits,
    ),
    (
        "unknown_ca_leaves",
        |l| l.ca_class == "unknown",
        Listing::Hits,
    ),
    (
        "self_signed_leaves",
        |l| l.ca_class == "self_signed",
        Listing::Hits,
    ),
    (CHAINS_CORRECT, chain_correct, Listing::Misses),
    ("profile_conformance", profile_conforms, Listing::Misses),
];

/// What the leaf metrics need of a scan's leaves, folded chunk by chunk
/// ([`LeafTally::add`]); the leaves excepted by [`Exclusions`] are left out
/// of every figure but listed.
#[derive(Debug, Clone)]
pub struct LeafTally {
    exclusions: Exclusions,
    /// Leaves first seen from then on count for
    /// `new_certificate_detection` (`None`: no second scan in the window).
    since: Option<OffsetDateTime>,
    /// Counted leaves.
    pub(super) counted: u64,
    /// SHA-256s of the excepted leaves, in leaf order.
    pub(super) excluded: Vec<String>,
    /// One per entry of [`LEAF_SHARES`].
    shares: Vec<Share>,
    /// Leaves that reuse a key, by SPKI SHA-256.
    clusters: HashMap<String, Listed>,
    /// CA-issued leaves not short-lived, with revocation pointers.
    pub(super) revocation_pointers: Share,
    /// Leaves not self-signed (revocation could be checked on them).
    pub(super) issued: u64,
    /// Of those checked, with a signed answer.
    pub(super) revocation_known: Share,
    /// Leaves with a post-quantum key and signature.
    pub(super) post_quantum: Share,
    /// SHA-256s of every post-quantum leaf, excepted ones included (an
    /// endpoint is ready by its leaf).
    pq_leaves: HashSet<String>,
    /// The scan's endpoints, folded ([`LeafTally::add_endpoints`]).
    pub(super) endpoints: EndpointTally,
    /// Lifetimes in days, with how many leaves have each.
    lifetimes: BTreeMap<i64, u64>,
    /// SHA-256s of the expired counted leaves.
    pub(super) expired: BTreeSet<String>,
    /// Days from notBefore to first sight of the leaves first seen since
    /// `since`.
    detection_days: Vec<f64>,
    /// Those seen more than two days after issuance.
    pub(super) slow: Listed,
}

impl LeafTally {
    /// An empty tally of the leaves not covered by `exclusions`, leaves
    /// first seen from `since` counting as new (see
    /// [`super::ScanHistory::detection_since`]).
    pub fn new(exclusions: &Exclusions, since: Option<OffsetDateTime>) -> LeafTally {
        LeafTally {
            exclusions: exclusions.clone(),
            since,
            counted: 0,
            excluded: Vec::new(),
            shares: vec![Share::default(); LEAF_SHARES.len()],
            clusters: HashMap::new(),
            revocation_pointers: Share::default(),
            issued: 0,
            revocation_known: Share::default(),
            post_quantum: Share::default(),
            pq_leaves: HashSet::new(),
            endpoints: EndpointTally::default(),
            lifetimes: BTreeMap::new(),
            expired: BTreeSet::new(),
            detection_days: Vec::new(),
            slow: Listed::default(),
        }
    }

    /// Folds in the next `leaves`, in model order.
    pub fn add(&mut self, leaves: &[LeafModel]) {
        for leaf in leaves {
            self.add_leaf(leaf);
        }
    }

    /// Folds in the next `endpoints`, in model order, with whether each
    /// one's leaf is post-quantum (`leaf_post_quantum`, aligned): the
    /// endpoint metrics (endpoints excepted are left out but listed).
    pub fn add_endpoints(&mut self, endpoints: &[EndpointModel], leaf_post_quantum: &[bool]) {
        (self.endpoints).add(endpoints, leaf_post_quantum, &self.exclusions);
    }

    /// Folds in the next chunk of models: leaves ([`LeafTally::add`]) or
    /// endpoints ([`LeafTally::add_endpoints`]); no metric reads the
    /// chain models.
    pub fn add_chunk(&mut self, chunk: &ModelChunk) {
        match chunk {
            ModelChunk::Leaves(leaves) => self.add(leaves),
            ModelChunk::Endpoints(e) => self.add_endpoints(&e.models, &e.leaf_post_quantum),
            ModelChunk::Chains(_) => {}
        }
    }

    fn add_leaf(&mut self, leaf: &LeafModel) {
        let c = &leaf.certificate;
        let sha = c.sha256.as_str();
        if c.post_quantum {
            self.pq_leaves.insert(c.sha256.clone());
        }
        if self.exclusions.covers_leaf(leaf) {
            self.excluded.push(c.sha256.clone());
            return;
        }
        self.counted += 1;
        for ((id, holds, listing), share) in LEAF_SHARES.iter().zip(&mut self.shares) {
            if *id == CHAINS_CORRECT && !chain_measured(leaf) {
                continue;
            }
            let hit = holds(leaf);
            share.count(hit, hit == (*listing == Listing::Hits), sha);
        }
        if !leaf.key_reuse.is_empty() {
            let cluster = self.clusters.entry(c.spki_sha256.clone()).or_default();
            cluster.push(sha);
        }
        if !c.self_signed {
            self.issued += 1;
            if !cabf::short_lived(leaf) {
                let with = !c.ocsp_urls.is_empty() || !c.crl_urls.is_empty();
                self.revocation_pointers.count(with, !with, sha);
            }
            if leaf.revocation.checked {
                let known = matches!(leaf.revocation.status.as_str(), "good" | "revoked");
                self.revocation_known.count(known, !known, sha);
            }
        }
        self.post_quantum
            .count(c.post_quantum, !c.post_quantum, sha);
        *self.lifetimes.entry(c.lifetime_days).or_default() += 1;
        if c.expired {
            self.expired.insert(c.sha256.clone());
        }
        self.detect(leaf);
    }

    /// Days from issuance to first sight of a leaf first seen since
    /// `since`.
    fn detect(&mut self, leaf: &LeafModel) {
        let Some(since) = self.since else {
            return;
        };
        let seen = parse_rfc3339(&leaf.first_seen);
        let issued = parse_rfc3339(&leaf.certificate.not_before);
        let (Some(seen), Some(issued)) = (seen, issued) else {
            return;
        };
        if seen >= since {
            let days = ((seen - issued).whole_seconds() as f64 / 86_400.0).max(0.0);
            self.detection_days.push(days);
            if days > 2.0 {
                self.slow.push(&leaf.certificate.sha256);
            }
        }
    }

    /// The leaf shares, in catalogue order.
    pub(super) fn share_metrics(&self, why: &str) -> Vec<Metric> {
        LEAF_SHARES
            .iter()
            .zip(&self.shares)
            .map(|((id, _, _), share)| match *id {
                CHAINS_CORRECT => self.chains_correct(share),
                _ => share.metric(id, why),
            })
            .collect()
    }

    /// Of the counted leaves, those served with a chain recorded as sent
    /// are the measured ones (the coverage): a leaf only a peer reported
    /// alone (nmap's `ssl-cert`, tlsx without `-tc`) or found only at rest
    /// has no chain as sent to judge. Among them, the share whose chains
    /// are correct; the subjects are the others.
    fn chains_correct(&self, share: &Share) -> Metric {
        let metric = share.metric(
            CHAINS_CORRECT,
            "no leaf was served with a chain recorded as sent",
        );
        let gap = (
            "chain as sent recorded",
            "leaves",
            "scan the endpoints with certatlas, or import a peer's output that holds the chains (tlsx -tc, sslyze, zgrab2)",
        );
        match share.of {
            every if every == self.counted => metric,
            some => metric.measured_on(some, self.counted, gap),
        }
    }

    /// The largest key-reuse cluster (the one whose key sorts first among
    /// equally large ones).
    pub(super) fn largest_cluster(&self) -> Listed {
        self.clusters
            .iter()
            .max_by(|(ka, a), (kb, b)| a.total.cmp(&b.total).then_with(|| kb.cmp(ka)))
            .map(|(_, members)| members.clone())
            .unwrap_or_default()
    }

    /// Whether the leaf with this SHA-256 is post-quantum.
    pub fn is_post_quantum(&self, sha256: &str) -> bool {
        self.pq_leaves.contains(sha256)
    }

    /// The median lifetime in days of the counted leaves.
    pub(super) fn lifetime_median(&self) -> Option<f64> {
        median_of_counts(&self.lifetimes)
    }

    /// The median detection delay, and over how many new leaves.
    pub(super) fn detection(&self) -> (Option<f64>, u64) {
        let mut days = self.detection_days.clone();
        let samples = days.len() as u64;
        (super::median(&mut days), samples)
    }

    /// Whether a second cadence scan lies in the window (new leaves can
    /// be told from the first scan's).
    pub(super) fn detects(&self) -> bool {
        self.since.is_some()
    }
}

/// The median of values given as `value → how many`.
fn median_of_counts(counts: &BTreeMap<i64, u64>) -> Option<f64> {
    let n: u64 = counts.values().sum();
    if n == 0 {
        return None;
    }
    let nth = |k: u64| -> f64 {
        let mut seen = 0;
        for (value, count) in counts {
            seen += count;
            if k < seen {
                return *value as f64;
            }
        }
        unreachable!("k is under the total")
    };
    Some(if n % 2 == 1 {
        nth(n / 2)
    } else {
        (nth(n / 2 - 1) + nth(n / 2)) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_counts_is_the_median_of_the_values() {
        let values = [5_i64, 1, 1, 9, 398, 90, 90, 47];
        for len in 1..=values.len() {
            let mut counts = BTreeMap::new();
            for v in &values[..len] {
                *counts.entry(*v).or_default() += 1;
            }
            let mut floats: Vec<f64> = values[..len].iter().map(|v| *v as f64).collect();
            assert_eq!(
                median_of_counts(&counts),
                super::super::median(&mut floats),
                "{len}"
            );
        }
        assert_eq!(median_of_counts(&BTreeMap::new()), None);
    }
}
