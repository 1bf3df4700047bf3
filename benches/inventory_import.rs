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

use certatlas::store::{ScanId, Store};
use time::OffsetDateTime;

#[path = "support/estate.rs"]
mod estate;
use estate::{generate_certificates, import};

const OBSERVATIONS: usize = 100_000;
const CERTIFICATES: usize = 20_000;

use certatlas::inventory::ca::TrustContext;
use certatlas::inventory::owners::OwnerRules;
use certatlas::inventory::view;

fn main() {
    let started = Instant::now();
    let (intermediate, leaves) = generate_certificates(CERTIFICATES);
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
        OBSERVATIONS,
    );
    let later = now + time::Duration::days(1);
    let second = import(
        &store,
        "second scan (all certificates known)",
        later,
        &intermediate,
        &leaves,
        OBSERVATIONS,
    );
    time_reads(&store, first);
    time_reads(&store, second);
    let size = std::fs::metadata(store.path())
        .map(|m| m.len())
        .unwrap_or(0);
    println!("database size: {:.1} MiB", size as f64 / (1024.0 * 1024.0));
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
