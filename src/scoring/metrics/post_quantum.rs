//! Post-quantum readiness of the scored scan: the share of leaves whose
//! key and signature are both post-quantum (`pq_certificates`), and of
//! endpoints ready by their leaf, by the hybrid ML-KEM group they
//! negotiated, or by a hybrid group they accepted when `--groups` offered
//! it alone (`pq_endpoints`).

use super::estate::Estate;
use super::Metric;

/// What to do to measure more endpoints.
const GROUP_FIX: &str = "scan again: the key-exchange group is recorded by the TLS 1.3 handshake";

/// Both metrics.
pub fn metrics(estate: &Estate<'_>) -> Vec<Metric> {
    vec![certificates(estate), endpoints(estate)]
}

/// Leaves with a post-quantum key signed with a post-quantum signature;
/// the others are the subjects. Every parsed leaf is measured.
fn certificates(estate: &Estate<'_>) -> Metric {
    estate
        .leaves()
        .post_quantum
        .metric("pq_certificates", "no leaf certificates in the scan")
}

/// Endpoints whose leaf is post-quantum, whose negotiated group is a
/// hybrid ML-KEM group, or that accepted one under `--groups`. Measured:
/// those with a post-quantum leaf, `--groups` answers, a recorded group,
/// or a version below TLS 1.3 (no hybrid group exists there, and the
/// scanner offers one first). The others are the subjects.
fn endpoints(estate: &Estate<'_>) -> Metric {
    let endpoints = &estate.leaves().endpoints;
    let gap = ("key exchange known", "endpoints", GROUP_FIX);
    endpoints.pq_ready.metric(
        "pq_endpoints",
        "no endpoint whose key exchange or leaf is known",
        endpoints.counted,
        gap,
    )
}
