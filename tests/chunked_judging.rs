//! Judging in chunks changes nothing but memory: the demo's two scans plus
//! a third, synthetic scan whose leaves share one key under unrelated
//! names (key reuse) and serve one name at two places (name conflicts),
//! judged with the leaf, chain and endpoint models built and evaluated 7
//! (and 1) at a time, give the same models, findings with their lifecycle,
//! metrics and maturity card as judging with the default chunk size; and
//! judging without keeping those models (folding each chunk into the
//! metrics' tally and the lifecycle's sight of the scan) gives the same
//! findings, metrics and card as keeping them, with the metrics those
//! computed over every model at once. Two more scans a week apart check
//! the lifecycle of chain and endpoint findings across chunks: chains
//! replaced at endpoints built in another chunk, a peer's leaf-only report
//! that proves nothing, `--versions` findings not observed, endpoints not
//! reached. The synthetic certificates are made by rcgen at test time;
//! nothing leaves 127.0.0.0/8.

mod common;

use certatlas::judge::{InventoryContext, Judged, ModelRetention, LEAF_CHUNK};
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
fn judge(store: &Store, scan: ScanId, chunk: usize, keep: ModelRetention) -> Judged {
    let context = InventoryContext::new(None, Vec::new()).expect("context");
    common::judging::judge(store, &context, scan, THIRD, (chunk, keep))
}

/// Everything a judgement says, as comparable text and JSON: the leaf
/// models, the chain and endpoint models, the card, the tracked findings,
/// and the other models (time, CAs, inventory).
fn outcome(judged: &Judged) -> (String, String, serde_json::Value, String, String) {
    let models = &judged.models;
    let rest = format!("{:?} {:?} {:?}", models.at, models.cas, models.inventory);
    (
        format!("{:?}", models.leaves),
        format!("{:?} {:?}", models.chains, models.endpoints),
        serde_json::to_value(&judged.card).expect("card JSON"),
        format!("{:?}", judged.findings),
        rest,
    )
}

#[test]
fn judging_in_chunks_of_seven_gives_the_same_judgement() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = common::demo::demo_database(dir.path(), CLOCK).db;
    let store = Store::open(&db).expect("open store");
    let third = synthetic_scan(&store);
    for scan in [ScanId(1), ScanId(2), third] {
        let whole = judge(&store, scan, LEAF_CHUNK, ModelRetention::Keep);
        let leaves = whole.models.leaves.len();
        assert!(
            leaves > 14,
            "scan {scan}: {leaves} leaves make several chunks of 7"
        );
        assert!(!whole.findings.is_empty(), "scan {scan} has findings");
        for chunk in [7, 1] {
            let chunked = judge(&store, scan, chunk, ModelRetention::Keep);
            let (a, b) = (outcome(&whole), outcome(&chunked));
            assert_eq!(a.0, b.0, "scan {scan}, chunk {chunk}: leaf models");
            assert_eq!(a.1, b.1, "scan {scan}, chunk {chunk}: chains and endpoints");
            assert_eq!(a.2, b.2, "scan {scan}, chunk {chunk}: card and metrics");
            assert_eq!(a.3, b.3, "scan {scan}, chunk {chunk}: tracked findings");
            assert_eq!(a.4, b.4, "scan {scan}, chunk {chunk}: other models");
        }
    }
    // The synthetic scan exercises the relations the index computes.
    let judged = judge(&store, third, 7, ModelRetention::Keep);
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

/// Whether the leaf model of `leaves` with this SHA-256 is post-quantum.
fn pq_leaf(leaves: &[certatlas::policy::model::LeafModel], sha256: &str) -> bool {
    let leaf = leaves.iter().find(|l| l.certificate.sha256 == sha256);
    leaf.is_some_and(|l| l.certificate.post_quantum)
}

/// The metrics of a judgement made without keeping the leaf and endpoint
/// models (folded 7 at a time), and those of `metrics::compute` over every
/// leaf and endpoint model of `whole` at once.
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
    // endpoints first, as judging builds them
    for chunk in whole.models.endpoints.chunks(7) {
        let pq: Vec<bool> = (chunk.iter())
            .map(|e| pq_leaf(&whole.models.leaves, &e.leaf_sha256))
            .collect();
        tally.add_endpoints(chunk, &pq);
    }
    for chunk in whole.models.leaves.chunks(7) {
        tally.add(chunk);
    }
    let mut without_leaves = whole.models.clone();
    without_leaves.leaves.clear();
    without_leaves.endpoints.clear();
    without_leaves.chains.clear();
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
        let kept = judge(&store, scan, LEAF_CHUNK, ModelRetention::Keep);
        assert!(!kept.models.leaves.is_empty(), "scan {scan} has leaves");
        let (folded_metrics, at_once) = metrics_both_ways(&store, &kept);
        assert_eq!(
            folded_metrics, at_once,
            "scan {scan}: metrics folded 7 leaves and endpoints at a time = over all at once"
        );
        let leaves = at_once.get("leaves").and_then(|m| m.value);
        assert_eq!(leaves, Some(kept.models.leaves.len() as f64), "scan {scan}");
        let endpoints = at_once.get("endpoints").and_then(|m| m.value);
        let served = kept.models.endpoints.len() as f64;
        assert_eq!(
            endpoints,
            Some(served),
            "scan {scan}: every endpoint counted"
        );
        for chunk in [LEAF_CHUNK, 7] {
            let folded = judge(&store, scan, chunk, ModelRetention::Fold);
            let dropped = &folded.models;
            assert!(
                dropped.leaves.is_empty() && dropped.chains.is_empty(),
                "scan {scan}, chunk {chunk}: no leaf or chain model kept"
            );
            assert!(
                dropped.endpoints.is_empty(),
                "scan {scan}, chunk {chunk}: no endpoint model kept"
            );
            let (a, b) = (outcome(&kept), outcome(&folded));
            assert_eq!(a.4, b.4, "scan {scan}, chunk {chunk}: other models");
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

/// The endpoints of the lifecycle scans: `127.78.0.{i}:443`, i from 1.
const PLACES: usize = 12;
/// The lifecycle scans: the earlier one, then a week later.
const BEFORE: OffsetDateTime = datetime!(2026-07-01 12:00 UTC);
const AFTER: OffsetDateTime = datetime!(2026-07-08 12:00 UTC);

/// A leaf for endpoint `i`, issue `issue`, signed by the root.
fn place_leaf(i: usize, issue: u64, issuer: &Issuer<'static, KeyPair>) -> Vec<u8> {
    let name = format!("place-{i}.fold.test");
    let mut params = CertificateParams::new(vec![name.clone()]).expect("params");
    params.distinguished_name.push(DnType::CommonName, name);
    params.serial_number = Some(rcgen::SerialNumber::from(i as u64 * 100 + issue));
    params.not_before = datetime!(2026-01-01 00:00 UTC);
    params.not_after = datetime!(2027-01-01 00:00 UTC);
    let key = KeyPair::generate().expect("leaf key");
    params.signed_by(&key, issuer).expect("sign").der().to_vec()
}

/// A TLS 1.3 observation of endpoint `i` at `at` serving `chain`, with
/// `--versions` answers when `tls10` says whether TLS 1.0 was accepted.
fn place_observation(
    i: usize,
    at: OffsetDateTime,
    chain: Vec<Vec<u8>>,
    tls10: Option<bool>,
) -> certatlas::observation::Observation {
    use certatlas::observation::VersionSupport::{Accepted, Rejected};
    let address = format!("127.78.0.{i}");
    let mut observation = common::judging::tls_observation(&address, at, chain);
    observation.versions = tls10.map(|accepted| {
        let tls10 = if accepted { Accepted } else { Rejected };
        [
            ("TLSv1.0", tls10),
            ("TLSv1.2", Accepted),
            ("TLSv1.3", Accepted),
        ]
        .into_iter()
        .map(|(v, s)| (v.to_string(), s))
        .collect()
    });
    observation
}

/// Two scans of twelve endpoints a week apart, the first one's findings
/// stored (judged with `Persist::Record`). Each endpoint first serves its
/// leaf with the self-signed root (`ietf.chain-root-included`) and accepts
/// TLS 1.0 under `--versions` (`ietf.tls10-tls11-accepted`, observed only
/// where versions were probed). A week later: 1–3 unchanged; 4–6 serve a
/// new leaf alone and refuse TLS 1.0 (the old chains replaced there, and
/// TLS 1.0 fixed); 7–8 serve a new leaf as a peer's leaf-only report,
/// versions not probed (nothing shows the chain or TLS 1.0 went); 9–10
/// not reached; 11–12 unchanged but versions not probed.
fn lifecycle_scans(store: &Store) -> ScanId {
    let root_key = KeyPair::generate().expect("root key");
    let mut root = CertificateParams::default();
    root.distinguished_name
        .push(DnType::CommonName, "Fold Test Root CA");
    root.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let root_der = root.self_signed(&root_key).expect("root").der().to_vec();
    let issuer = Issuer::new(root, root_key);
    let first: Vec<Vec<u8>> = (1..=PLACES).map(|i| place_leaf(i, 1, &issuer)).collect();
    let observations = (1..=PLACES).map(|i| {
        let chain = vec![first[i - 1].clone(), root_der.clone()];
        let at = BEFORE + time::Duration::milliseconds(i as i64);
        place_observation(i, at, chain, Some(true))
    });
    let before = common::judging::store_scan(store, "127.78.0.0/24", BEFORE, observations);
    let context = InventoryContext::new(None, Vec::new()).expect("context");
    let policy = common::judging::builtin_policy();
    let judge = certatlas::judge::Judge {
        store,
        context: &context,
        policy: &policy,
        clock: certatlas::clock::Clock::starting_at(BEFORE),
        persist: certatlas::judge::Persist::Record,
    };
    let record = store.scan(before).expect("read").expect("scan");
    judge.judge(record).expect("judge the first scan");
    let observations = (1..=PLACES).filter_map(|i| {
        let at = AFTER + time::Duration::milliseconds(i as i64);
        let same = vec![first[i - 1].clone(), root_der.clone()];
        let renewed = vec![place_leaf(i, 2, &issuer)];
        Some(match i {
            1..=3 => place_observation(i, at, same, Some(true)),
            4..=6 => place_observation(i, at, renewed, Some(false)),
            7..=8 => {
                let mut o = place_observation(i, at, renewed, None);
                o.leaf_only_chain = true;
                o
            }
            9..=10 => return None,
            _ => place_observation(i, at, same, None),
        })
    });
    common::judging::store_scan(store, "127.78.0.0/24", AFTER, observations)
}

/// `(status, rule, subject key)` of the tracked findings of `rule`.
fn statuses(judged: &Judged, rule: &str) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = judged
        .findings
        .iter()
        .filter(|t| &*t.finding.rule == rule)
        .map(|t| (t.status.name().to_string(), t.finding.label.to_string()))
        .collect();
    found.sort();
    found
}

#[test]
fn chain_and_endpoint_findings_keep_their_lifecycle_whatever_the_chunks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("fold.db")).expect("open store");
    let after = lifecycle_scans(&store);
    let judge = |chunk, keep| {
        let context = InventoryContext::new(None, Vec::new()).expect("context");
        common::judging::judge(&store, &context, after, AFTER, (chunk, keep))
    };
    let whole = judge(LEAF_CHUNK, ModelRetention::Keep);
    // the cases are there: chains replaced at endpoints judged elsewhere,
    // chains and endpoints not observed, endpoint findings fixed
    let count = |rule: &str, status: &str| {
        let found = statuses(&whole, rule);
        found.iter().filter(|(s, _)| s == status).count()
    };
    let (chain, tls10) = ("ietf.chain-root-included", "ietf.tls10-tls11-accepted");
    assert_eq!(
        (
            count(chain, "open"),
            count(chain, "fixed"),
            count(chain, "unobserved")
        ),
        (5, 3, 4),
        "chains: 1-3 and 11-12 open, 4-6 replaced, 7-8 leaf-only, 9-10 unreached: {:?}",
        statuses(&whole, chain)
    );
    assert_eq!(
        (
            count(tls10, "open"),
            count(tls10, "fixed"),
            count(tls10, "unobserved")
        ),
        (3, 3, 6),
        "TLS 1.0: 1-3 open, 4-6 fixed, 7-12 not probed or not reached: {:?}",
        statuses(&whole, tls10)
    );
    assert_eq!(whole.models.endpoints.len(), PLACES - 2);
    assert_eq!(whole.models.chains.len(), PLACES - 2);
    for (chunk, keep) in [
        (1, ModelRetention::Keep),
        (3, ModelRetention::Keep),
        (1, ModelRetention::Fold),
        (4, ModelRetention::Fold),
        (LEAF_CHUNK, ModelRetention::Fold),
    ] {
        let chunked = judge(chunk, keep);
        let (a, b) = (outcome(&whole), outcome(&chunked));
        assert_eq!(a.2, b.2, "chunk {chunk}, {keep:?}: card and metrics");
        assert_eq!(a.3, b.3, "chunk {chunk}, {keep:?}: tracked findings");
        match keep {
            ModelRetention::Keep => {
                assert_eq!(a.1, b.1, "chunk {chunk}: chain and endpoint models")
            }
            ModelRetention::Fold => {
                let kept = &chunked.models;
                assert!(kept.leaves.is_empty() && kept.chains.is_empty());
                assert!(kept.endpoints.is_empty(), "chunk {chunk}: nothing kept");
            }
        }
    }
}

#[test]
fn findings_handed_on_one_by_one_are_those_collected_and_those_recorded() {
    use certatlas::clock::Clock;
    use certatlas::judge::{Judge, Persist};
    use certatlas::policy::lifecycle::FindingCounts;
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("stream.db")).expect("open store");
    let after = lifecycle_scans(&store);
    let context = InventoryContext::new(None, Vec::new()).expect("context");
    let policy = common::judging::builtin_policy();
    let judge = |persist| Judge {
        store: &store,
        context: &context,
        policy: &policy,
        clock: Clock::starting_at(AFTER),
        persist,
    };
    let record = || store.scan(after).expect("read").expect("scan");
    let collected = judge(Persist::InMemory)
        .judge_in_chunks(record(), 3, ModelRetention::Fold)
        .expect("judged");
    let mut streamed = Vec::new();
    let judged = judge(Persist::InMemory)
        .judge_streaming(record(), 3, ModelRetention::Fold, &mut |t| streamed.push(t))
        .expect("judged");
    assert!(judged.findings.is_empty(), "handed on, not kept");
    assert_eq!(streamed, collected.findings);
    assert_eq!(judged.counts, FindingCounts::of(&streamed));
    assert_eq!(judged.counts, collected.counts);
    let card = |j: &Judged| serde_json::to_value(&j.card).expect("card");
    assert_eq!(card(&judged), card(&collected));

    // recorded a slice of two at a time: the present findings as the
    // scan's findings, the gone ones as its outcomes, the run counting them
    let mut recorded = Vec::new();
    judge(Persist::Record)
        .judge_streaming(record(), 2, ModelRetention::Fold, &mut |t| recorded.push(t))
        .expect("recorded");
    assert_eq!(recorded, streamed, "the same judgement, stored");
    let present = streamed.iter().filter(|t| t.status.is_present()).count();
    let gone = streamed.len() - present;
    assert!(present > 0 && gone > 0, "both kinds are there");
    assert_eq!(store.findings(after).expect("findings").len(), present);
    assert_eq!(store.outcomes(after).expect("outcomes").len(), gone);
    let run = store.finding_run(after).expect("run").expect("evaluated");
    assert_eq!(run.findings, present as u64);
    // judged again from what was stored: the same findings
    let again = judge(Persist::InMemory)
        .judge_in_chunks(record(), 5, ModelRetention::Fold)
        .expect("judged again");
    assert_eq!(again.findings, streamed);
}
