//! The endpoint metrics as an accumulator: [`EndpointTally`] folds
//! endpoint models in, a chunk at a time, keeping only counts and the
//! first subjects of each metric, so that scoring never holds every
//! endpoint model. The figures are those of the whole list of endpoints,
//! whatever the chunks (endpoints are folded in model order, and the
//! subjects listed are the first ones in that order).

use super::share::Share;
use super::{Exclusions, Metric};
use crate::policy::model::EndpointModel;

/// One endpoint share: on how many endpoints it was measured, and the
/// share among those it is taken of.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct EndpointShare {
    /// Endpoints the property was measured on (the coverage).
    pub measured: u64,
    /// Hits out of the endpoints it is taken of, with the subjects.
    pub share: Share,
}

impl EndpointShare {
    /// Counts one endpoint: measured or not, in the denominator or not, a
    /// hit or not; listed when in the denominator and `hit ==
    /// hits_are_subjects`.
    fn count(&mut self, (measured, of, hit): (bool, bool, bool), hits_listed: bool, name: &str) {
        self.measured += u64::from(measured);
        if of {
            self.share.count(hit, hit == hits_listed, name);
        }
    }

    /// The share as a percentage metric measured on `measured` of `all`
    /// endpoints (`gap`: what was measured, the kind, the fix).
    pub fn metric(&self, id: &str, why: &str, all: u64, gap: (&str, &str, &str)) -> Metric {
        let share = &self.share;
        Metric::percent(id, share.hits, share.of, why)
            .with_listed(&share.subjects)
            .measured_on(self.measured, all, gap)
    }
}

/// What the endpoint metrics need of a scan's endpoints, folded chunk by
/// chunk ([`EndpointTally::add`]); the endpoints excepted by
/// [`Exclusions`] are left out of every figure but listed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EndpointTally {
    /// Counted endpoints.
    pub(super) counted: u64,
    /// `served_at` of the excepted endpoints, in endpoint order.
    pub(super) excluded: Vec<String>,
    /// Accepts or negotiated a version below TLS 1.2 (`legacy_tls`).
    pub(super) legacy_tls: EndpointShare,
    /// Supports TLS 1.3 (`tls13_share`).
    pub(super) tls13: EndpointShare,
    /// Negotiated a hybrid ML-KEM group (`pq_hybrid_share`).
    pub(super) pq_hybrid: EndpointShare,
    /// Post-quantum ready (`pq_endpoints`).
    pub(super) pq_ready: EndpointShare,
}

impl EndpointTally {
    /// Folds in the next `endpoints`, in model order, with whether each
    /// one's leaf is post-quantum (`leaf_post_quantum`, aligned), leaving
    /// out those `exclusions` cover.
    pub fn add(
        &mut self,
        endpoints: &[EndpointModel],
        leaf_post_quantum: &[bool],
        exclusions: &Exclusions,
    ) {
        for (e, &leaf_pq) in endpoints.iter().zip(leaf_post_quantum) {
            if exclusions.covers_endpoint(e) {
                self.excluded.push(e.served_at.clone());
                continue;
            }
            self.counted += 1;
            let name = e.served_at.as_str();
            let probed = e.versions_probed;
            self.legacy_tls
                .count((probed, probed, legacy(e)), true, name);
            let tls13_known = probed && e.tls13 != "unknown";
            let tls13 = (tls13_known, tls13_known, e.tls13 == "yes");
            self.tls13.count(tls13, false, name);
            let on_tls13 = probed && e.tls_version == "TLSv1.3";
            let hybrid = (probed, on_tls13, e.post_quantum_hybrid);
            self.pq_hybrid.count(hybrid, false, name);
            let ready = pq_ready(e, leaf_pq);
            self.pq_ready.count(ready, false, name);
        }
    }
}

/// Accepts or negotiated SSLv3, TLS 1.0 or TLS 1.1 (read only on
/// endpoints whose versions were probed).
fn legacy(endpoint: &EndpointModel) -> bool {
    let old = |v: &str| matches!(v, "SSLv3" | "TLSv1.0" | "TLSv1.1");
    old(&endpoint.tls_version) || endpoint.accepted_versions.iter().any(|v| old(v))
}

/// `(measured, measured, ready)` for `pq_endpoints`: ready by its leaf
/// (`leaf_pq`), by the hybrid ML-KEM group it negotiated, or by a hybrid
/// group it accepted when `--groups` offered it alone; measured when its
/// leaf is post-quantum, it has `--groups` answers, a recorded group, or a
/// version below TLS 1.3 (no hybrid group exists there, and the scanner
/// offers one first).
fn pq_ready(e: &EndpointModel, leaf_pq: bool) -> (bool, bool, bool) {
    let accepts_hybrid = e.groups.probed && !e.groups.hybrid_pq.is_empty();
    let ready = leaf_pq || e.post_quantum_hybrid || accepts_hybrid;
    let measured = leaf_pq
        || e.groups.probed
        || !e.key_exchange_group.is_empty()
        || (!e.tls_version.is_empty() && e.tls_version != "TLSv1.3");
    (measured, measured, ready)
}
