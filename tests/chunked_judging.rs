//! Judging in chunks changes nothing but memory: the demo's two scans plus
//! a third, synthetic scan whose leaves share one key under unrelated
//! names (key reuse) and serve one name at two places (name conflicts),
//! judged with the leaf models built and evaluated 7 (and 1) at a time,
//! give the same models, findings with their lifecycle, metrics and
//! maturity card as judging with the default chunk size; and judging
//! without keeping the leaf models (folding each chunk into the metrics'
//! tally and the lifecycle's sight of the leaves) gives the same findings,
//! metrics and card as keeping them, with the metrics those computed over
//! every leaf model at once. The synthetic certificates are made by rcgen
//! at test time; nothing leaves 127.0.0.0/8.

mod common;

use certatlas::judge::{InventoryContext, Judged, LeafModels, LEAF_CHUNK};
use certatlas::observation::SniSource;
use certatlas::store::{ScanId, Store};
use rcgen::{CertificateParams, DnType, IsCa, Issuer, KeyPair};
use time::macros::datetime;
use time::OffsetDateTime;

const CLOCK: &str = "2026-06-01T12:00:00Z";
/// The synthetic scan: a week after the demo.
const THIRD: OffsetDateTime = datetime!(2026-06-08 12:00 UTC);
/// Leaves of the synthetic scan (several chunks of 7).
const LEAVES: usize = 30;

/// Leaf `i` of the synthetic scan: name `name-{i % 10}.chunk.test`, all
/// signed by one CA, every leaf with the same key.
fn leaf(i: usize, key: &KeyPair, issuer: &Issuer<'static, KeyPair>) -> Vec<u8> {
    let name = format!("name-{}.chunk.test", i % 10);
    let mut params = CertificateParams::new(vec![name.clone()]).expect("params");
    params.distinguished_name.push(DnType::CommonName, name);
    params.serial_number = Some(rcgen::SerialNumber::from(i as u64 + 1));
    params.not_before = datetime!(2026-01-01 00:00 UTC);
    params.not_after = datetime!(2026-06-20 00:00 UTC) + time::Duration::days(i as i64 * 10);
    params.signed_by(key, issuer).expect("sign").der().to_vec()
}

/// Stores the synthetic scan: leaf `i` served at `127.77.0.{i}:443` for
/// its name, as a target name.
fn synthetic_scan(store: &Store) -> ScanId {
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca = CertificateParams::default();
    ca.distinguished_name
        .push(DnType::CommonName, "Chunk Test Issuing CA");
    ca.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_der = ca.self_signed(&ca_key).expect("ca").der().to_vec();
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().expect("leaf key");
    let observations = (0..LEAVES).map(|i| {
        let name = format!("name-{}.chunk.test", i % 10);
        let address = format!("127.77.0.{}", i + 1);
        let at = THIRD + time::Duration::milliseconds(i as i64);
        let chain = vec![leaf(i, &key, &issuer), ca_der.clone()];
        let mut observation = common::judging::tls_observation(&address, at, chain);
        observation.host = name.clone();
        observation.sni = Some(name);
        observation.sni_source = SniSource::Target;
        if let Some(tls) = observation.tls.as_mut() {
            tls.version = Some("TLSv1.2".into());
            tls.cipher_suite = Some("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256".into());
        }
        observation
    });
    common::judging::store_scan(store, "127.77.0.0/24", THIRD, observations)
}

/// Judges `scan` in memory on the synthetic scan's clock, leaf models
/// `chunk` at a time, kept or folded as `keep` says.
fn judge(store: &Store, scan: ScanId, chunk: usize, keep: LeafModels) -> Judged {
    let context = InventoryContext::new(None, Vec::new()).expect("context");
    common::judging::judge(store, &context, scan, THIRD, (chunk, keep))
}

/// Everything a judgement says, as comparable text and JSON.
fn outcome(judged: &Judged) -> (String, String, serde_json::Value, String) {
    let models = &judged.models;
    let rest = format!(
        "{:?} {:?} {:?} {:?} {:?}",
        models.at, models.cas, models.chains, models.endpoints, models.inventory
    );
    (
        format!("{:?}", models.leaves),
        rest,
        serde_json::to_value(&judged.card).expect("card JSON"),
        format!("{:?}", judged.findings),
    )
}

#[test]
fn judging_in_chunks_of_seven_gives_the_same_judgement() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = common::demo::demo_database(dir.path(), CLOCK).db;
    let store = Store::open(&db).expect("open store");
    let third = synthetic_scan(&store);
    for scan in [ScanId(1), ScanId(2), third] {
        let whole = judge(&store, scan, LEAF_CHUNK, LeafModels::Keep);
        let leaves = whole.models.leaves.len();
        assert!(
            leaves > 14,
            "scan {scan}: {leaves} leaves make several chunks of 7"
        );
        assert!(!whole.findings.is_empty(), "scan {scan} has findings");
        for chunk in [7, 1] {
            let chunked = judge(&store, scan, chunk, LeafModels::Keep);
            let (a, b) = (outcome(&whole), outcome(&chunked));
            assert_eq!(a.0, b.0, "scan {scan}, chunk {chunk}: leaf models");
            assert_eq!(a.1, b.1, "scan {scan}, chunk {chunk}: other models");
            assert_eq!(a.2, b.2, "scan {scan}, chunk {chunk}: card and metrics");
            assert_eq!(a.3, b.3, "scan {scan}, chunk {chunk}: tracked findings");
        }
    }
    // The synthetic scan exercises the relations the index computes.
    let judged = judge(&store, third, 7, LeafModels::Keep);
    let leaves = &judged.models.leaves;
    assert_eq!(leaves.len(), LEAVES);
    assert!(
        leaves.iter().all(|l| !l.key_reuse.is_empty()),
        "one key under ten unrelated names: every leaf reuses it"
    );
    assert!(
        leaves.iter().all(|l| l.name_conflicts.len() == 2),
        "each name is served by three leaves at three places"
    );
    let rules: Vec<&str> = judged.findings.iter().map(|t| &*t.finding.rule).collect();
    assert!(
        rules.iter().any(|r| r.contains("reuse")),
        "a key-reuse finding: {rules:?}"
    );
}

/// The metrics of a judgement made without keeping the leaf models, and
/// those of `metrics::compute` over every leaf model of `whole` at once.
fn metrics_both_ways(
    store: &Store,
    whole: &Judged,
) -> (
    certatlas::scoring::metrics::MetricSet,
    certatlas::scoring::metrics::MetricSet,
) {
    use certatlas::scoring::metrics::{self, Exclusions, MetricInput, ScanHistory};
    let profile = common::judging::builtin_policy().profile;
    let mut history =
        ScanHistory::from_store(store, whole.record.id, profile.window_days, 50).expect("history");
    history.min_interval = profile.min_scan_interval();
    let exclusions = Exclusions::default();
    let input = MetricInput {
        models: &whole.models,
        history: &history,
        exclusions: &exclusions,
        window_days: profile.window_days,
    };
    let at_once = metrics::compute(&input);
    let mut tally = metrics::leaf_tally(&history, &exclusions, profile.window_days);
    for chunk in whole.models.leaves.chunks(7) {
        tally.add(chunk);
    }
    let mut without_leaves = whole.models.clone();
    without_leaves.leaves.clear();
    let input = MetricInput {
        models: &without_leaves,
        ..input
    };
    (metrics::compute_with(&input, &tally), at_once)
}

#[test]
fn judging_without_keeping_leaf_models_gives_the_same_judgement() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = common::demo::demo_database(dir.path(), CLOCK).db;
    let store = Store::open(&db).expect("open store");
    let third = synthetic_scan(&store);
    for scan in [ScanId(1), ScanId(2), third] {
        let kept = judge(&store, scan, LEAF_CHUNK, LeafModels::Keep);
        assert!(!kept.models.leaves.is_empty(), "scan {scan} has leaves");
        let (folded_metrics, at_once) = metrics_both_ways(&store, &kept);
        assert_eq!(
            folded_metrics, at_once,
            "scan {scan}: metrics folded 7 leaves at a time = over every leaf at once"
        );
        let leaves = at_once.get("leaves").and_then(|m| m.value);
        assert_eq!(leaves, Some(kept.models.leaves.len() as f64), "scan {scan}");
        for chunk in [LEAF_CHUNK, 7] {
            let folded = judge(&store, scan, chunk, LeafModels::Fold);
            assert!(
                folded.models.leaves.is_empty(),
                "scan {scan}, chunk {chunk}: no leaf model kept"
            );
            let (a, b) = (outcome(&kept), outcome(&folded));
            assert_eq!(a.1, b.1, "scan {scan}, chunk {chunk}: other models");
            assert_eq!(a.2, b.2, "scan {scan}, chunk {chunk}: card and metrics");
            assert_eq!(a.3, b.3, "scan {scan}, chunk {chunk}: tracked findings");
            // the card holds the metrics floored at the profile's coverage
            // floor, with the exception register's and alerting's own
            let floored = at_once.floored(
                common::judging::builtin_policy()
                    .profile
                    .metric_coverage_floor,
            );
            let own = ["exceptions_documented", "alerts_delivered"];
            for (id, metric) in floored
                .metrics
                .iter()
                .filter(|(id, _)| !own.contains(&id.as_str()))
            {
                assert_eq!(
                    folded.card.metrics.get(id),
                    Some(metric),
                    "scan {scan}, chunk {chunk}: metric {id} in the card"
                );
            }
        }
    }
}
