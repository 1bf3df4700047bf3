//! Metrics of the scored scan alone: the leaves and endpoints it saw,
//! less those covered by exceptions.

use super::tally::LeafTally;
use super::{Metric, MetricInput};
use crate::policy::model::SubjectModels;

/// The scored scan's subjects that count: its leaves and endpoints as a
/// [`LeafTally`] (folded chunk by chunk while judging), its CAs and
/// inventory as models.
pub struct Estate<'a> {
    models: &'a SubjectModels,
    tally: &'a LeafTally,
}

impl<'a> Estate<'a> {
    /// The scan of `input` with its leaves and endpoints folded into
    /// `tally` (with the exclusions of `input`).
    pub fn new(input: &MetricInput<'a>, tally: &'a LeafTally) -> Self {
        Estate {
            models: input.models,
            tally,
        }
    }

    /// The counted leaves and endpoints, folded.
    pub fn leaves(&self) -> &'a LeafTally {
        self.tally
    }

    /// SHA-256s of the excepted leaves.
    pub fn excluded_leaves(&self) -> Vec<String> {
        self.tally.excluded.clone()
    }

    /// The excepted endpoints.
    pub fn excluded_endpoints(&self) -> Vec<String> {
        self.tally.endpoints.excluded.clone()
    }

    /// Every scan-scoped metric but the post-quantum ones (`post_quantum`
    /// reads the estate).
    pub fn metrics(&self) -> Vec<Metric> {
        let leaves = self.tally.counted;
        let endpoints = self.tally.endpoints.counted;
        let mut metrics = vec![
            Metric::count("leaves", leaves, leaves),
            Metric::count("endpoints", endpoints, endpoints),
        ];
        metrics.extend(self.tally.share_metrics(NO_LEAVES));
        metrics.push(self.largest_key_cluster());
        metrics.push(self.shadow_cas());
        metrics.push(self.revocation_pointers());
        metrics.push(self.revocation_status_known());
        metrics.extend(self.endpoint_shares());
        metrics.push(self.lifetime_median());
        metrics
    }

    fn largest_key_cluster(&self) -> Metric {
        let members = self.tally.largest_cluster();
        Metric::count(
            "key_reuse_largest_cluster",
            members.total,
            self.tally.counted,
        )
        .with_listed(&members)
    }

    fn shadow_cas(&self) -> Metric {
        let cas = &self.models.inventory.shadow_cas;
        Metric::count("shadow_cas", cas.len() as u64, self.tally.counted)
            .with_subjects(cas.iter().cloned())
    }

    fn revocation_pointers(&self) -> Metric {
        let why = "no CA-issued leaves in the scan that are not short-lived";
        self.tally
            .revocation_pointers
            .metric("revocation_pointers", why)
    }

    /// Of the leaves not self-signed, those with a fresh revocation check
    /// are the measured ones (the coverage: checks come only with
    /// `--check-revocation`); among them, the share whose CA gave a signed
    /// answer (`good` or `revoked`). The subjects are those left `unknown`.
    fn revocation_status_known(&self) -> Metric {
        let known = &self.tally.revocation_known;
        let gap = (
            "revocation checked",
            "leaves not self-signed",
            "scan with --check-revocation",
        );
        known
            .metric(
                "revocation_status_known",
                "no leaf had its revocation status checked (--check-revocation)",
            )
            .measured_on(known.of, self.tally.issued, gap)
    }

    /// The protocol metrics of endpoints. Each is measured only on the
    /// endpoints whose accepted versions were probed (`--versions`): a
    /// handshake shows the one version it settled on, so counting the
    /// endpoints that merely negotiated TLS 1.0 would measure
    /// `legacy_tls` on a sample selected by the property itself (100 %
    /// of 2), and a TLS 1.3 handshake that failed over its key exchange
    /// would leave the endpoint out of `pq_hybrid_share` for the very
    /// property it measures.
    fn endpoint_shares(&self) -> Vec<Metric> {
        let endpoints = &self.tally.endpoints;
        let all = endpoints.counted;
        let gap = ("accepted versions probed", "endpoints", VERSIONS_FIX);
        vec![
            endpoints.legacy_tls.metric(
                "legacy_tls",
                "no endpoint had its accepted versions probed",
                all,
                gap,
            ),
            endpoints.tls13.metric(
                "tls13_share",
                "no endpoint had its TLS 1.3 support probed",
                all,
                gap,
            ),
            endpoints.pq_hybrid.metric(
                "pq_hybrid_share",
                "no endpoint whose versions were probed negotiated TLS 1.3",
                all,
                gap,
            ),
        ]
    }

    fn lifetime_median(&self) -> Metric {
        let samples = self.tally.counted;
        Metric::days(
            "lifetime_median",
            self.tally.lifetime_median(),
            samples,
            NO_LEAVES,
        )
    }
}

const NO_LEAVES: &str = "no leaf certificates in the scan";
/// How to measure the endpoint protocol metrics.
const VERSIONS_FIX: &str = "scan with --versions";
