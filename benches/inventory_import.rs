//! Inventory import benchmark (run with `cargo bench --bench inventory_import`).
//!
//! Generates 20,000 distinct ECDSA leaf certificates under one intermediate
//! with rcgen, builds 100,000 `tls` observations of 100,000 distinct
//! endpoints (each leaf served by five endpoints, chain = leaf +
//! intermediate), and imports them through the store's writer thread into a
//! fresh SQLite file. It prints observations/s for a first import (every
//! certificate new) and a second scan of the same estate (every certificate
//! known), then times `certificates_in_scan` and `endpoint_leaves` for that
//! scan. Nothing touches the network.

use std::time::Instant;

use certatlas::inventory::store::{ScanId, ScanMeta, Store};
use certatlas::observation::{Observation, Outcome, TlsSession};
use rcgen::{CertificateParams, DnType, IsCa, Issuer, KeyPair};
use time::OffsetDateTime;

const OBSERVATIONS: usize = 100_000;
const CERTIFICATES: usize = 20_000;

use certatlas::inventory::ca::TrustContext;
use certatlas::inventory::owners::OwnerRules;
use certatlas::inventory::view;

fn main() {
    let started = Instant::now();
    let (intermediate, leaves) = generate_certificates();
    println!(
        "generated {} certificates in {:.2} s",
        leaves.len() + 1,
        started.elapsed().as_secs_f64()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("bench.db")).expect("open store");
    let now = OffsetDateTime::now_utc();
    let first = import(
        &store,
        "first import (all certificates new)",
        now,
        &intermediate,
        &leaves,
    );
    let later = now + time::Duration::days(1);
    let second = import(
        &store,
        "second scan (all certificates known)",
        later,
        &intermediate,
        &leaves,
    );
    time_reads(&store, first);
    time_reads(&store, second);
    let size = std::fs::metadata(store.path())
        .map(|m| m.len())
        .unwrap_or(0);
    println!("database size: {:.1} MiB", size as f64 / (1024.0 * 1024.0));
}

/// One intermediate CA and [`CERTIFICATES`] leaves it signed (one shared
/// leaf key: signing is what costs, and distinct serials and names make
/// distinct certificates).
fn generate_certificates() -> (Vec<u8>, Vec<Vec<u8>>) {
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca_params = CertificateParams::default();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Bench Intermediate CA");
    ca_params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).expect("ca").der().to_vec();
    let issuer = Issuer::from_params(&ca_params, &ca_key);
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaves = (0..CERTIFICATES)
        .map(|i| {
            let name = format!("host-{i}.bench.test");
            let mut params = CertificateParams::new(vec![name.clone()]).expect("params");
            params.distinguished_name.push(DnType::CommonName, name);
            params.serial_number = Some(rcgen::SerialNumber::from(i as u64 + 1));
            let cert = params.signed_by(&leaf_key, &issuer).expect("sign");
            cert.der().to_vec()
        })
        .collect();
    (ca, leaves)
}

/// Observation `i`: endpoint address text `127.a.b.c` encoding `i`,
/// serving leaf `i % CERTIFICATES`.
fn observation(
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

/// Imports [`OBSERVATIONS`] observations as one complete scan, printing the rate.
fn import(
    store: &Store,
    label: &str,
    at: OffsetDateTime,
    intermediate: &[u8],
    leaves: &[Vec<u8>],
) -> ScanId {
    let observations: Vec<Observation> = (0..OBSERVATIONS)
        .map(|i| observation(i, at, intermediate, leaves))
        .collect();
    let meta = ScanMeta {
        started_at: at,
        targets: vec!["127.0.0.0/8".into()],
        options: serde_json::json!({}),
        tool_version: "bench".into(),
    };
    let scan = store.begin_scan(&meta).expect("begin scan");
    let started = Instant::now();
    let writer = store.writer(scan).expect("writer");
    for observation in observations {
        writer.write(observation).expect("write");
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

/// Times the two listing queries the diff and inventory commands use.
fn time_reads(store: &Store, scan: ScanId) {
    let started = Instant::now();
    let certificates = store.certificates_in_scan(scan).expect("certificates");
    let certificates_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let leaves = store.endpoint_leaves(scan).expect("leaves");
    let leaves_s = started.elapsed().as_secs_f64();
    println!(
        "scan {scan}: certificates_in_scan {} certificates in {certificates_s:.2} s; \
         endpoint_leaves {} endpoints in {leaves_s:.2} s",
        certificates.len(),
        leaves.len()
    );
    // The whole `certatlas inventory` computation on top: the CA graph
    // (issuer links confirmed by signature), classification and owners.
    let started = Instant::now();
    let trust = TrustContext::new(Vec::new(), Vec::new(), true);
    let graph = view::graph(&certificates, &trust);
    println!("  graph built in {:.2} s", started.elapsed().as_secs_f64());
    let rows = view::rows(
        &leaves,
        &certificates,
        &graph,
        &OwnerRules::new(),
        time::OffsetDateTime::now_utc(),
    );
    println!(
        "scan {scan}: inventory listing (graph + classification + owners) {} rows in {:.2} s",
        rows.len(),
        started.elapsed().as_secs_f64()
    );
}
