//! Metrics of the scored scan alone: the leaves and endpoints it saw,
//! less those covered by exceptions.

use std::collections::HashMap;

use super::{cabf, median, Metric, MetricInput};
use crate::policy::model::{EndpointModel, LeafModel, SubjectModels};

/// Days left under which a served leaf counts as expiring unrenewed, for
/// leaves of 56 days or more; shorter ones use a quarter of their lifetime
/// ([`expiry_horizon_days`]).
pub const EXPIRY_HORIZON_DAYS: i64 = 14;

/// The expiry horizon of a certificate valid `lifetime` days: 14 days or a
/// quarter of its lifetime, whichever is shorter. A 7-day certificate
/// renewed on schedule (ACME clients renew at about two thirds of the
/// lifetime) is never within it; one with 1 of 7 days left is.
pub fn expiry_horizon_days(lifetime: f64) -> f64 {
    (EXPIRY_HORIZON_DAYS as f64).min(lifetime / 4.0)
}

/// The scored scan's subjects that count.
pub struct Estate<'a> {
    models: &'a SubjectModels,
    leaves: Vec<&'a LeafModel>,
    endpoints: Vec<&'a EndpointModel>,
}

impl<'a> Estate<'a> {
    /// Splits the scan's subjects into counted and excepted.
    pub fn new(input: &MetricInput<'a>) -> Self {
        let models = input.models;
        let leaves = models
            .leaves
            .iter()
            .filter(|l| !input.exclusions.covers_leaf(l))
            .collect();
        let endpoints = models
            .endpoints
            .iter()
            .filter(|e| !input.exclusions.covers_endpoint(e))
            .collect();
        Estate {
            models,
            leaves,
            endpoints,
        }
    }

    /// The counted leaves.
    pub fn leaves(&self) -> &[&'a LeafModel] {
        &self.leaves
    }

    /// The counted endpoints.
    pub fn endpoints(&self) -> &[&'a EndpointModel] {
        &self.endpoints
    }

    /// Every leaf of the scan, excepted ones included (for look-ups).
    pub fn all_leaves(&self) -> &'a [LeafModel] {
        &self.models.leaves
    }

    /// SHA-256s of the excepted leaves.
    pub fn excluded_leaves(&self) -> Vec<String> {
        let counted: std::collections::HashSet<&str> = self
            .leaves
            .iter()
            .map(|l| l.certificate.sha256.as_str())
            .collect();
        let all = self.models.leaves.iter().map(|l| &l.certificate.sha256);
        all.filter(|s| !counted.contains(s.as_str()))
            .cloned()
            .collect()
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
        let mut metrics = vec![
            Metric::count("leaves", self.leaves.len() as u64, self.leaves.len() as u64),
            Metric::count(
                "endpoints",
                self.endpoints.len() as u64,
                self.endpoints.len() as u64,
            ),
        ];
        metrics.extend(self.leaf_shares());
        metrics.push(self.largest_key_cluster());
        metrics.push(self.shadow_cas());
        metrics.push(self.revocation_pointers());
        metrics.push(self.revocation_status_known());
        metrics.extend(self.endpoint_shares());
        metrics.push(self.lifetime_median());
        metrics
    }

    /// Shares of leaves with a problem (or, for coverage, lacking it).
    fn leaf_shares(&self) -> Vec<Metric> {
        let class = |c: &'static str| move |l: &LeafModel| l.ca_class == c;
        vec![
            self.leaf_share("expired_in_service", |l| l.certificate.expired),
            self.leaf_share("expiring_unrenewed", expiring_unrenewed),
            self.leaf_coverage("owner_coverage", |l| !l.owner.is_empty()),
            self.leaf_share("weak_keys", weak_key),
            self.leaf_share("weak_signatures", weak_signature),
            self.leaf_share("key_reuse", |l| !l.key_reuse.is_empty()),
            self.leaf_share("shadow_ca_leaves", class("shadow")),
            self.leaf_share("unknown_ca_leaves", class("unknown")),
            self.leaf_share("self_signed_leaves", class("self_signed")),
            self.chains_correct(),
            self.leaf_coverage("profile_conformance", profile_conforms),
        ]
    }

    /// Of the counted leaves, those served with a chain recorded as sent
    /// are the measured ones (the coverage): a leaf only a peer reported
    /// alone (nmap's `ssl-cert`, tlsx without `-tc`) or found only at rest
    /// has no chain as sent to judge. Among them, the share whose chains
    /// are correct; the subjects are the others.
    fn chains_correct(&self) -> Metric {
        let measured: Vec<&&LeafModel> = self.leaves.iter().filter(|l| chain_measured(l)).collect();
        let (passing, failing): (Vec<&&LeafModel>, Vec<&&LeafModel>) =
            measured.iter().partition(|l| chain_correct(l));
        let gap = (
            "chain as sent recorded",
            "leaves",
            "scan the endpoints with certatlas, or import a peer's output that holds the chains (tlsx -tc, sslyze, zgrab2)",
        );
        let metric = Metric::percent(
            "chains_correct",
            passing.len() as u64,
            measured.len() as u64,
            "no leaf was served with a chain recorded as sent",
        )
        .with_subjects(failing.iter().map(|l| l.certificate.sha256.clone()));
        let all = self.leaves.len() as u64;
        match measured.len() as u64 {
            every if every == all => metric,
            some => metric.measured_on(some, all, gap),
        }
    }

    /// The share of counted leaves for which `bad` holds; they are the
    /// subjects.
    fn leaf_share(&self, id: &str, bad: impl Fn(&LeafModel) -> bool) -> Metric {
        let hits: Vec<String> = self
            .leaves
            .iter()
            .filter(|l| bad(l))
            .map(|l| l.certificate.sha256.clone())
            .collect();
        Metric::percent(id, hits.len() as u64, self.leaves.len() as u64, NO_LEAVES)
            .with_subjects(hits)
    }

    /// The share of counted leaves for which `good` holds; the others are
    /// the subjects.
    fn leaf_coverage(&self, id: &str, good: impl Fn(&LeafModel) -> bool) -> Metric {
        let (passing, failing): (Vec<&&LeafModel>, Vec<&&LeafModel>) =
            self.leaves.iter().partition(|l| good(l));
        let subjects = failing.iter().map(|l| l.certificate.sha256.clone());
        Metric::percent(
            id,
            passing.len() as u64,
            self.leaves.len() as u64,
            NO_LEAVES,
        )
        .with_subjects(subjects)
    }

    fn largest_key_cluster(&self) -> Metric {
        let mut clusters: HashMap<&str, Vec<&str>> = HashMap::new();
        for leaf in self.leaves.iter().filter(|l| !l.key_reuse.is_empty()) {
            let key = leaf.certificate.spki_sha256.as_str();
            clusters
                .entry(key)
                .or_default()
                .push(&leaf.certificate.sha256);
        }
        let largest = clusters.values().max_by_key(|members| members.len());
        let members = largest.cloned().unwrap_or_default();
        Metric::count(
            "key_reuse_largest_cluster",
            members.len() as u64,
            self.leaves.len() as u64,
        )
        .with_subjects(members.into_iter().map(str::to_string))
    }

    fn shadow_cas(&self) -> Metric {
        let cas = &self.models.inventory.shadow_cas;
        Metric::count("shadow_cas", cas.len() as u64, self.leaves.len() as u64)
            .with_subjects(cas.iter().cloned())
    }

    fn revocation_pointers(&self) -> Metric {
        let issued: Vec<&&LeafModel> = self
            .leaves
            .iter()
            .filter(|l| !l.certificate.self_signed && !cabf::short_lived(l))
            .collect();
        let (with, without): (Vec<&&LeafModel>, Vec<&&LeafModel>) = issued.iter().partition(|l| {
            !l.certificate.ocsp_urls.is_empty() || !l.certificate.crl_urls.is_empty()
        });
        let why = "no CA-issued leaves in the scan that are not short-lived";
        Metric::percent(
            "revocation_pointers",
            with.len() as u64,
            issued.len() as u64,
            why,
        )
        .with_subjects(without.iter().map(|l| l.certificate.sha256.clone()))
    }

    /// Of the leaves not self-signed, those with a fresh revocation check
    /// are the measured ones (the coverage: checks come only with
    /// `--check-revocation`); among them, the share whose CA gave a signed
    /// answer (`good` or `revoked`). The subjects are those left `unknown`.
    fn revocation_status_known(&self) -> Metric {
        let issued = self.leaves.iter().filter(|l| !l.certificate.self_signed);
        let all = issued.clone().count() as u64;
        let checked: Vec<&&LeafModel> = issued.filter(|l| l.revocation.checked).collect();
        let known = |l: &LeafModel| matches!(l.revocation.status.as_str(), "good" | "revoked");
        let hits = checked.iter().filter(|l| known(l)).count() as u64;
        let subjects = checked
            .iter()
            .filter(|l| !known(l))
            .map(|l| l.certificate.sha256.clone());
        let gap = (
            "revocation checked",
            "leaves not self-signed",
            "scan with --check-revocation",
        );
        Metric::percent(
            "revocation_status_known",
            hits,
            checked.len() as u64,
            "no leaf had its revocation status checked (--check-revocation)",
        )
        .with_subjects(subjects)
        .measured_on(checked.len() as u64, all, gap)
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
        let mut days: Vec<f64> = self
            .leaves
            .iter()
            .map(|l| l.certificate.lifetime_days as f64)
            .collect();
        let samples = days.len() as u64;
        Metric::days("lifetime_median", median(&mut days), samples, NO_LEAVES)
    }
}

const NO_LEAVES: &str = "no leaf certificates in the scan";
/// How to measure the endpoint protocol metrics.
const VERSIONS_FIX: &str = "scan with --versions";

fn expiring_unrenewed(leaf: &LeafModel) -> bool {
    let c = &leaf.certificate;
    !c.expired && within_expiry_horizon(c.days_left as f64, c.lifetime_days as f64)
}

/// Whether `days_left` on a certificate valid `lifetime` days lies within
/// its expiry horizon ([`expiry_horizon_days`]): a served leaf then counts
/// as expiring unrenewed, a renewal deployed then as late.
pub fn within_expiry_horizon(days_left: f64, lifetime: f64) -> bool {
    days_left < expiry_horizon_days(lifetime)
}

/// RSA under 2048 bits, EC under 256 bits, or DSA.
pub fn weak_key(leaf: &LeafModel) -> bool {
    let key = &leaf.certificate.key;
    match key.algorithm.as_str() {
        "rsa" => key.bits < 2048,
        "ec" => key.bits < 256,
        "dsa" => true,
        _ => false,
    }
}

fn weak_signature(leaf: &LeafModel) -> bool {
    matches!(
        leaf.certificate.signature.hash.as_str(),
        "sha1" | "md5" | "md2"
    )
}

/// Served, with at least one chain recorded as the server sent it.
fn chain_measured(leaf: &LeafModel) -> bool {
    !leaf.endpoints.is_empty() && !leaf.chain_leaf_only
}

fn chain_correct(leaf: &LeafModel) -> bool {
    leaf.chain_problems.iter().all(|p| p == "root_included")
}

fn profile_conforms(leaf: &LeafModel) -> bool {
    let c = &leaf.certificate;
    let has_san = !c.san.dns.is_empty() || !c.san.ip.is_empty();
    has_san
        && leaf.mismatched_names.is_empty()
        && !c.is_ca
        && c.lifetime_days <= cabf::max_validity_days(leaf)
}

/// Accepts or negotiated SSLv3, TLS 1.0 or TLS 1.1 (read only on
/// endpoints whose versions were probed).
fn legacy(endpoint: &EndpointModel) -> bool {
    let old = |v: &str| matches!(v, "SSLv3" | "TLSv1.0" | "TLSv1.1");
    old(&endpoint.tls_version) || endpoint.accepted_versions.iter().any(|v| old(v))
}
