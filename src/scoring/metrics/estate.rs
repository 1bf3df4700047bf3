//! Metrics of the scored scan alone: the leaves and endpoints it saw,
//! less those covered by exceptions.

use super::tally::LeafTally;
use super::{Metric, MetricInput};
use crate::policy::model::{EndpointModel, SubjectModels};

/// The scored scan's subjects that count: its leaves as a [`LeafTally`]
/// (folded chunk by chunk while judging), its endpoints as models.
pub struct Estate<'a> {
    models: &'a SubjectModels,
    tally: &'a LeafTally,
    endpoints: Vec<&'a EndpointModel>,
}

impl<'a> Estate<'a> {
    /// Splits the scan's endpoints into counted and excepted; the leaves
    /// are those folded into `tally` (with the same exclusions).
    pub fn new(input: &MetricInput<'a>, tally: &'a LeafTally) -> Self {
        let models = input.models;
        let endpoints = models
            .endpoints
            .iter()
            .filter(|e| !input.exclusions.covers_endpoint(e))
            .collect();
        Estate {
            models,
            tally,
            endpoints,
        }
    }

    /// The counted leaves, folded.
    pub fn leaves(&self) -> &'a LeafTally {
        self.tally
    }

    /// The counted endpoints.
    pub fn endpoints(&self) -> &[&'a EndpointModel] {
        &self.endpoints
    }

    /// SHA-256s of the excepted leaves.
    pub fn excluded_leaves(&self) -> Vec<String> {
        self.tally.excluded.clone()
    }

    /// The excepted endpoints.
    pub fn excluded_endpoints(&self) -> Vec<String> {
        let counted: std::collections::HashSet<&str> = self
            .endpoints
            .iter()
            .map(|e| e.served_at.as_str())
            .collect();
        let all = self.models.endpoints.iter().map(|e| &e.served_at);
        all.filter(|s| !counted.contains(s.as_str()))
            .cloned()
            .collect()
    }

    /// Every scan-scoped metric but the post-quantum ones (`post_quantum`
    /// reads the estate).
    pub fn metrics(&self) -> Vec<Metric> {
        let leaves = self.tally.counted;
        let mut metrics = vec![
            Metric::count("leaves", leaves, leaves),
            Metric::count(
                "endpoints",
                self.endpoints.len() as u64,
                self.endpoints.len() as u64,
            ),
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
        let probed = |e: &EndpointModel| e.versions_probed;
        let tls13_known = |e: &EndpointModel| e.versions_probed && e.tls13 != "unknown";
        let on_tls13 = |e: &EndpointModel| e.versions_probed && e.tls_version == "TLSv1.3";
        vec![
            self.endpoint_share(
                "legacy_tls",
                (probed, probed),
                legacy,
                true,
                "no endpoint had its accepted versions probed",
            ),
            self.endpoint_share(
                "tls13_share",
                (tls13_known, tls13_known),
                |e| e.tls13 == "yes",
                false,
                "no endpoint had its TLS 1.3 support probed",
            ),
            self.endpoint_share(
                "pq_hybrid_share",
                (probed, on_tls13),
                |e| e.post_quantum_hybrid,
                false,
                "no endpoint whose versions were probed negotiated TLS 1.3",
            ),
        ]
    }

    /// Of the counted endpoints, those where `measured` holds are the
    /// measured ones (the coverage); among those where `of` holds (the
    /// denominator, a subset of the measured), the share where `hit`
    /// holds. The subjects are the hits when `hits_are_subjects`, else
    /// the misses.
    fn endpoint_share(
        &self,
        id: &str,
        (measured, of): (
            impl Fn(&EndpointModel) -> bool,
            impl Fn(&EndpointModel) -> bool,
        ),
        hit: impl Fn(&EndpointModel) -> bool,
        hits_are_subjects: bool,
        why: &str,
    ) -> Metric {
        let measured_count = self.endpoints.iter().filter(|e| measured(e)).count() as u64;
        let known: Vec<&&EndpointModel> = self.endpoints.iter().filter(|e| of(e)).collect();
        let hits = known.iter().filter(|e| hit(e)).count() as u64;
        let subjects = known
            .iter()
            .filter(|e| hit(e) == hits_are_subjects)
            .map(|e| e.served_at.clone());
        let all = self.endpoints.len() as u64;
        let gap = ("accepted versions probed", "endpoints", VERSIONS_FIX);
        Metric::percent(id, hits, known.len() as u64, why)
            .with_subjects(subjects)
            .measured_on(measured_count, all, gap)
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

/// Accepts or negotiated SSLv3, TLS 1.0 or TLS 1.1 (read only on
/// endpoints whose versions were probed).
fn legacy(endpoint: &EndpointModel) -> bool {
    let old = |v: &str| matches!(v, "SSLv3" | "TLSv1.0" | "TLSv1.1");
    old(&endpoint.tls_version) || endpoint.accepted_versions.iter().any(|v| old(v))
}
