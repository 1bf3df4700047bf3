//! Rule evaluation benchmark (run with `cargo bench --bench rule_evaluation`).
//!
//! Imports 100,000 distinct leaf certificates (one intermediate, each leaf
//! served by its own endpoint) into a fresh inventory, then times what
//! `certatlas findings` does for that scan: building every subject model
//! from the store (graph, classes, owners, relations), evaluating the
//! built-in rules over them, and storing the findings. Nothing touches the
//! network.

use std::time::Instant;

use certatlas::inventory::ca::TrustContext;
use certatlas::inventory::owners::OwnerRules;
use certatlas::inventory::store::Store;
use certatlas::policy::evaluate::evaluate;
use certatlas::policy::model::{self, Judgement};
use certatlas::policy::{Finding, RuleSet};
use time::OffsetDateTime;

#[path = "support/estate.rs"]
mod estate;

const CERTIFICATES: usize = 100_000;

fn main() {
    let started = Instant::now();
    let (intermediate, leaves) = estate::generate_certificates(CERTIFICATES);
    println!(
        "generated {} certificates in {:.2} s",
        leaves.len() + 1,
        started.elapsed().as_secs_f64()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("bench.db")).expect("open store");
    let at = OffsetDateTime::now_utc();
    let scan = estate::import(&store, "import", at, &intermediate, &leaves, CERTIFICATES);
    let rules = RuleSet::builtin().expect("built-in rules");
    let record = store.scan(scan).expect("scan").expect("stored");
    let trust = TrustContext::new(Vec::new(), Vec::new(), true);
    let owners = OwnerRules::new();
    let judgement = Judgement {
        trust: &trust,
        owners: &owners,
        approved_anchors: 0,
        distrust: &certatlas::policy::distrust::DistrustList::builtin().expect("distrust data"),
    };

    time_reads(&store, scan, &trust);
    let started = Instant::now();
    let models = model::from_store(&store, &record, &judgement).expect("models");
    let build_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let evaluation = evaluate(&rules, &models);
    let evaluate_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let stored: Vec<_> = evaluation.findings.iter().map(Finding::to_stored).collect();
    store
        .record_findings(
            scan,
            rules.digest(),
            rules.rules().len() as u64,
            &stored,
            &serde_json::json!({}),
        )
        .expect("record");
    let store_s = started.elapsed().as_secs_f64();
    println!(
        "models: {} leaves, {} CAs, {} chains, {} endpoints built from the store in {build_s:.2} s",
        models.leaves.len(),
        models.cas.len(),
        models.chains.len(),
        models.endpoints.len()
    );
    println!(
        "evaluated {} rules in {evaluate_s:.2} s ({:.0} leaves/s): {} findings, {} evaluation errors",
        rules.rules().len(),
        models.leaves.len() as f64 / evaluate_s,
        evaluation.findings.len(),
        evaluation.errors.len()
    );
    println!(
        "stored the findings in {store_s:.2} s; total {:.2} s",
        build_s + evaluate_s + store_s
    );
}

/// Where building the models spends its time: the reads and the CA graph.
fn time_reads(store: &Store, scan: certatlas::inventory::store::ScanId, trust: &TrustContext) {
    let started = Instant::now();
    let leaves = store.endpoint_leaves(scan).expect("leaves");
    let certificates = store.certificates_in_scan(scan).expect("certificates");
    let observations = store
        .observations_without_chains(scan)
        .expect("observations");
    println!(
        "  reads: {} endpoint leaves, {} certificates, {} observations in {:.2} s",
        leaves.len(),
        certificates.len(),
        observations.len(),
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let graph = certatlas::inventory::view::graph(&certificates, trust);
    println!(
        "  CA graph ({} nodes, issuer links confirmed by signature) in {:.2} s",
        graph.len(),
        started.elapsed().as_secs_f64()
    );
}
