//! Judging in chunks changes nothing but memory: the demo's two scans plus
//! a third, synthetic scan whose leaves share one key under unrelated
//! names (key reuse) and serve one name at two places (name conflicts),
//! judged with the leaf models built and evaluated 7 (and 1) at a time,
//! give the same models, findings with their lifecycle, metrics and
//! maturity card as judging with the default chunk size. The synthetic
//! certificates are made by rcgen at test time; nothing leaves 127.0.0.0/8.

mod common;

use certatlas::clock::Clock;
use certatlas::judge::{InventoryContext, Judge, Judged, Persist, LEAF_CHUNK};
use certatlas::observation::{Observation, Outcome, SniSource, TlsSession};
use certatlas::policy::RuleSet;
use certatlas::store::{ScanId, ScanMeta, Store};
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
    let meta = ScanMeta {
        started_at: THIRD,
        targets: vec!["127.77.0.0/24".into()],
        options: serde_json::json!({}),
        tool_version: "test".into(),
    };
    let scan = store.begin_scan(&meta).expect("begin scan");
    let writer = store.writer(scan).expect("writer");
    for i in 0..LEAVES {
        let name = format!("name-{}.chunk.test", i % 10);
        let mut observation: Observation = serde_json::from_value(serde_json::json!({
            "host": name, "address": format!("127.77.0.{}", i + 1), "port": 443,
            "started_at": "2026-06-08T12:00:00Z", "duration_ms": 2.5, "status": "tls",
        }))
        .expect("observation JSON");
        observation.sni = Some(name);
        observation.sni_source = SniSource::Target;
        observation.started_at = THIRD + time::Duration::milliseconds(i as i64);
        observation.outcome = Outcome::Tls;
        observation.tls = Some(TlsSession {
            version: Some("TLSv1.2".into()),
            cipher_suite: Some("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256".into()),
            handshake_complete: true,
            ..TlsSession::default()
        });
        observation.chain_der = vec![leaf(i, &key, &issuer), ca_der.clone()];
        writer.write(observation).expect("write");
    }
    writer.finish().expect("finish writer");
    store
        .finish_scan(scan, true, &serde_json::json!({}))
        .expect("finish scan");
    scan
}

/// Judges `scan` in memory with leaf chunks of `chunk`.
fn judge(store: &Store, scan: ScanId, chunk: usize) -> Judged {
    let context = InventoryContext::new(None, Vec::new()).expect("context");
    let policy = certatlas::cli::PolicyRequest {
        rules: RuleSet::builtin().expect("built-in rules"),
        fail_on: None,
        exceptions: Vec::new(),
        profile: certatlas::cli::policy::profile(None).expect("profile"),
        claims: None,
        config_digest: None,
    };
    let judge = Judge {
        store,
        context: &context,
        policy: &policy,
        clock: Clock::starting_at(THIRD),
        persist: Persist::InMemory,
    };
    let record = store.scan(scan).expect("read scan").expect("scan");
    judge.judge_in_chunks(record, chunk).expect("judged")
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
        let whole = judge(&store, scan, LEAF_CHUNK);
        let leaves = whole.models.leaves.len();
        assert!(
            leaves > 14,
            "scan {scan}: {leaves} leaves make several chunks of 7"
        );
        assert!(!whole.findings.is_empty(), "scan {scan} has findings");
        for chunk in [7, 1] {
            let chunked = judge(&store, scan, chunk);
            let (a, b) = (outcome(&whole), outcome(&chunked));
            assert_eq!(a.0, b.0, "scan {scan}, chunk {chunk}: leaf models");
            assert_eq!(a.1, b.1, "scan {scan}, chunk {chunk}: other models");
            assert_eq!(a.2, b.2, "scan {scan}, chunk {chunk}: card and metrics");
            assert_eq!(a.3, b.3, "scan {scan}, chunk {chunk}: tracked findings");
        }
    }
    // The synthetic scan exercises the relations the index computes.
    let judged = judge(&store, third, 7);
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
    let rules: Vec<&str> = judged
        .findings
        .iter()
        .map(|t| t.finding.rule.as_str())
        .collect();
    assert!(
        rules.iter().any(|r| r.contains("reuse")),
        "a key-reuse finding: {rules:?}"
    );
}
