//! A synthetic estate for the benchmarks: one intermediate CA, many leaves
//! it signed with rcgen, and `tls` observations of loopback-looking
//! endpoints serving them, imported through the store's writer thread.
//! Nothing touches the network.

use std::time::Instant;

use certatlas::observation::{Observation, Outcome, TlsSession};
use certatlas::store::{ScanId, ScanMeta, Store};
use rcgen::{CertificateParams, DnType, IsCa, Issuer, KeyPair};
use time::OffsetDateTime;

/// The benchmark intermediate CA: its certificate and what signs leaves.
pub struct Authority {
    /// Its certificate's DER.
    pub der: Vec<u8>,
    issuer: Issuer<'static, KeyPair>,
}

impl Authority {
    /// A fresh "Bench Intermediate CA" with its own key.
    pub fn new() -> Self {
        let ca_key = KeyPair::generate().expect("ca key");
        let mut ca_params = CertificateParams::default();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "Bench Intermediate CA");
        ca_params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let der = ca_params.self_signed(&ca_key).expect("ca").der().to_vec();
        Authority {
            der,
            issuer: Issuer::new(ca_params, ca_key),
        }
    }

    /// The DER of leaf `host-{name}.bench.test` (DNS name and CN) with
    /// `serial`, certifying `key`, valid over `validity` (rcgen's default
    /// 1975–4096 when `None`).
    pub fn leaf(
        &self,
        name: usize,
        serial: u64,
        key: &KeyPair,
        validity: Option<(OffsetDateTime, OffsetDateTime)>,
    ) -> Vec<u8> {
        let name = format!("host-{name}.bench.test");
        let mut params = CertificateParams::new(vec![name.clone()]).expect("params");
        params.distinguished_name.push(DnType::CommonName, name);
        params.serial_number = Some(rcgen::SerialNumber::from(serial));
        if let Some((not_before, not_after)) = validity {
            params.not_before = not_before;
            params.not_after = not_after;
        }
        let cert = params.signed_by(key, &self.issuer).expect("sign");
        cert.der().to_vec()
    }
}

/// One intermediate CA and `count` leaves it signed (one shared
/// leaf key: signing is what costs, and distinct serials and names make
/// distinct certificates).
pub fn generate_certificates(count: usize) -> (Vec<u8>, Vec<Vec<u8>>) {
    let authority = Authority::new();
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaves = (0..count)
        .map(|i| authority.leaf(i, i as u64 + 1, &leaf_key, None))
        .collect();
    (authority.der, leaves)
}

/// Observation `i`: endpoint address text `127.a.b.c` encoding `i`,
/// serving leaf `i % leaves.len()`.
pub fn observation(
    i: usize,
    at: OffsetDateTime,
    intermediate: &[u8],
    leaves: &[Vec<u8>],
) -> Observation {
    let address = format!("127.{}.{}.{}", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
    let mut observation: Observation = serde_json::from_value(serde_json::json!({
        "host": address, "address": address, "port": 443,
        "started_at": "2000-01-01T00:00:00Z", "duration_ms": 2.5, "status": "tls",
    }))
    .expect("observation JSON");
    observation.started_at = at + time::Duration::microseconds(i as i64);
    observation.outcome = Outcome::Tls;
    observation.tls = Some(TlsSession {
        version: Some("TLSv1.3".into()),
        cipher_suite: Some("TLS13_AES_128_GCM_SHA256".into()),
        handshake_complete: true,
        ..TlsSession::default()
    });
    observation.chain_der = vec![leaves[i % leaves.len()].clone(), intermediate.to_vec()];
    observation
}

/// Imports `count` observations as one complete scan, printing the rate.
pub fn import(
    store: &Store,
    label: &str,
    at: OffsetDateTime,
    intermediate: &[u8],
    leaves: &[Vec<u8>],
    count: usize,
) -> ScanId {
    let meta = ScanMeta {
        started_at: at,
        targets: vec!["127.0.0.0/8".into()],
        options: serde_json::json!({}),
        tool_version: "bench".into(),
    };
    let scan = store.begin_scan(&meta).expect("begin scan");
    let started = Instant::now();
    let writer = store.writer(scan).expect("writer");
    for i in 0..count {
        if let Err(gone) = writer.write(observation(i, at, intermediate, leaves)) {
            // the writer thread stopped: its own error says why
            let why = writer.finish().err();
            panic!("write {i}: {gone}; the writer stopped on: {why:?}");
        }
    }
    let stats = writer.finish().expect("finish writer");
    let elapsed = started.elapsed().as_secs_f64();
    store
        .finish_scan(scan, true, &serde_json::json!({}))
        .expect("finish scan");
    println!(
        "{label}: {} observations in {elapsed:.2} s = {:.0} observations/s \
         ({} batches, {} new certificates, {} new chains)",
        stats.observations,
        stats.observations as f64 / elapsed,
        stats.batches,
        stats.new_certificates,
        stats.new_chains
    );
    scan
}

/// The estate sizes a benchmark runs: `CERTATLAS_BENCH_CERTIFICATES` (one
/// size) or 100,000; plus 1,000,000 with `CERTATLAS_BENCH_MILLION=1`.
#[allow(dead_code)]
pub fn bench_sizes() -> Vec<usize> {
    let mut sizes = vec![std::env::var("CERTATLAS_BENCH_CERTIFICATES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)];
    if std::env::var_os("CERTATLAS_BENCH_MILLION").is_some_and(|v| v != "0") {
        sizes.push(1_000_000);
    }
    sizes
}

/// A `kB` line of /proc/self/status (`VmRSS:`, `VmHWM:`) in MB, or `n/a`.
#[allow(dead_code)]
pub fn rss(field: &str) -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or_else(|| "n/a".to_string(), |kb| format!("{:.0} MB", kb / 1024.0))
}
