//! What changed with a scan, streamed (`judge::changes`: both scans'
//! endpoint leaves as compact tables, certificates read a batch at a time,
//! events written a batch at a time; `judge::summary`: the summary folded
//! from the leaf models), against the whole in-memory way it replaced
//! (`history::diff` and `history::events` over every endpoint leaf with
//! its view, `view::summary` over an inventory row of every leaf with a CA
//! graph over every certificate): a renewal, a replacement, re-keys,
//! endpoints new and gone, a name new at a known endpoint, two leaves at
//! one endpoint, a leaf expired in service, one expiring soon, and leaves
//! of a shadow CA. Certificates are made by rcgen at test time.

mod common;

use certatlas::clock::Clock;
use certatlas::inventory::history;
use certatlas::inventory::view;
use certatlas::judge::{changes, InventoryContext, Judge, ModelRetention, Persist};
use certatlas::observation::{Observation, SniSource};
use certatlas::store::{NewEvent, ScanId, Store};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const FIRST: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);
const SECOND: OffsetDateTime = datetime!(2026-06-08 12:00 UTC);

/// Parameters for `cn`, valid until `not_after`.
fn params(cn: &str, ca: bool, not_after: OffsetDateTime) -> CertificateParams {
    let mut params = CertificateParams::new(vec![cn.to_string()]).expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.not_before = datetime!(2026-01-01 00:00 UTC);
    params.not_after = not_after;
    if ca {
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    params
}

/// An observation of `address:443` at `at` serving `chain`, with the name
/// `sni` sent when given.
fn seen(address: &str, sni: Option<&str>, at: OffsetDateTime, chain: &[&[u8]]) -> Observation {
    let chain = chain.iter().map(|c| c.to_vec()).collect();
    let mut observation = common::judging::tls_observation(address, at, chain);
    if let Some(name) = sni {
        observation.sni = Some(name.to_string());
        observation.sni_source = SniSource::Target;
    }
    observation
}

/// What an event says, comparable.
fn said(e: &NewEvent) -> String {
    format!(
        "{} {:?} {:?} {:?} {:?} {}",
        e.kind.as_str(),
        e.endpoint,
        e.old_sha256,
        e.new_sha256,
        e.lead_days,
        e.detail
    )
}

#[test]
fn the_streamed_diff_events_and_summary_are_those_of_every_leaf_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("changes.db")).expect("open store");
    let far = datetime!(2027-06-01 00:00 UTC);
    let ca_key = KeyPair::generate().expect("key");
    let ca_params = params("Shadow Issuing CA", true, far);
    let ca = ca_params.self_signed(&ca_key).expect("ca").der().to_vec();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf = |cn: &str, key: &KeyPair, not_after| {
        let params = params(cn, false, not_after);
        params.signed_by(key, &issuer).expect("leaf").der().to_vec()
    };
    let key = || KeyPair::generate().expect("key");
    let a1 = leaf("a.changes.test", &key(), datetime!(2026-06-20 00:00 UTC));
    let a2 = leaf("a.changes.test", &key(), far);
    let b = leaf("b.changes.test", &key(), far);
    let x = leaf("x.changes.test", &key(), far);
    let c = leaf("c.changes.test", &key(), far);
    let d = leaf("d.changes.test", &key(), far);
    let n = leaf("new.changes.test", &key(), far);
    let f = leaf("f.changes.test", &key(), datetime!(2026-06-25 00:00 UTC));
    let (g1, g2) = (
        leaf("g.changes.test", &key(), far),
        leaf("g.changes.test", &key(), far),
    );
    let expired = params(
        "expired.changes.test",
        false,
        datetime!(2026-05-01 00:00 UTC),
    )
    .self_signed(&key())
    .expect("expired")
    .der()
    .to_vec();

    let first = vec![
        seen("127.79.0.1", None, FIRST, &[&a1, &ca]),
        seen("127.79.0.2", None, FIRST, &[&b, &ca]),
        seen("127.79.0.3", None, FIRST, &[&c, &ca]),
        seen("127.79.0.4", None, FIRST, &[&d, &ca]),
        seen("127.79.0.4", Some("d.changes.test"), FIRST, &[&d, &ca]),
        seen("127.79.0.5", None, FIRST, &[&expired]),
    ];
    let later = SECOND + Duration::seconds(1);
    let second = vec![
        // renewed: the same name, a new key
        seen("127.79.0.1", None, SECOND, &[&a2, &ca]),
        // replaced: another name
        seen("127.79.0.2", None, SECOND, &[&x, &ca]),
        // .3 gone; a name new at .4
        seen("127.79.0.4", None, SECOND, &[&d, &ca]),
        seen("127.79.0.4", Some("new.changes.test"), SECOND, &[&n, &ca]),
        seen("127.79.0.5", None, SECOND, &[&expired]),
        // new endpoints, one with two leaves
        seen("127.79.0.6", None, SECOND, &[&f, &ca]),
        seen("127.79.0.7", None, SECOND, &[&g1, &ca]),
        seen("127.79.0.7", None, later, &[&g2, &ca]),
    ];
    let scans: Vec<ScanId> = [(FIRST, first), (SECOND, second)]
        .into_iter()
        .map(|(at, observations)| {
            common::judging::store_scan(&store, "127.79.0.0/24", at, observations)
        })
        .collect();

    let context = InventoryContext::new(None, Vec::new()).expect("context");
    let policy = common::judging::builtin_policy();
    let mut previous = Vec::new();
    for (&scan, at) in scans.iter().zip([FIRST, SECOND]) {
        let now = at + Duration::hours(1);
        // the whole way
        let leaves = store.endpoint_leaves(scan).expect("leaves");
        let expected = history::diff(&previous, &leaves);
        let mut expected_events: Vec<String> = history::events(&expected, &leaves)
            .iter()
            .map(said)
            .collect();
        let certificates = store.certificates_in_scan(scan).expect("certificates");
        let graph = view::graph(&certificates, &context.trust);
        let rows = view::rows_with_files(&leaves, &[], &certificates, &graph, &context.owners, now);
        let expected_summary = view::summary(&rows, &expected, now);
        if at == SECOND {
            let s = &expected_summary;
            assert!(s.expired > 0 && s.expiring_30_days > 0, "expiry: {s:?}");
            assert!(!s.shadow_cas.is_empty(), "no shadow CA: {s:?}");
        }

        // streamed, the events recorded
        let streamed = changes::analyse(&store, scan, Persist::Record, true).expect("changes");
        assert_eq!(streamed.diff, expected, "scan {}: the diff", scan.0);
        let counts = (
            streamed.counts.new,
            streamed.counts.changed,
            streamed.counts.gone,
        );
        let whole = (
            expected.new_certificates.len() as u64,
            expected.changed.len() as u64,
            expected.gone_certificates.len() as u64,
        );
        assert_eq!(counts, whole, "scan {}: the counts", scan.0);
        let stored = store.events(Some(scan)).expect("events");
        let mut recorded: Vec<String> = stored
            .iter()
            .map(|e| {
                said(&NewEvent {
                    kind: e.kind,
                    endpoint: e.endpoint.clone(),
                    old_sha256: e.old_sha256.clone(),
                    new_sha256: e.new_sha256.clone(),
                    lead_days: e.lead_days,
                    detail: e.detail.clone(),
                })
            })
            .collect();
        recorded.sort();
        expected_events.sort();
        assert_eq!(recorded, expected_events, "scan {}: the events", scan.0);

        // and the summary after judging, with the diff kept
        let judge = Judge {
            store: &store,
            context: &context,
            policy: &policy,
            clock: Clock::starting_at(now),
            persist: Persist::InMemory,
        };
        let after = judge
            .after_scan(scan, None, ModelRetention::Keep)
            .expect("judged");
        let (diff, summary, _) = after.judged.expect("a complete scan");
        assert_eq!(diff, expected, "scan {}: the diff after the scan", scan.0);
        assert_eq!(summary, expected_summary, "scan {}: the summary", scan.0);
        // folded, the diff's items are not kept, and the summary is the same
        let folded = judge
            .after_scan(scan, None, ModelRetention::Fold)
            .expect("judged");
        let (diff, summary, _) = folded.judged.expect("a complete scan");
        assert!(diff.is_empty(), "scan {}: items kept when folded", scan.0);
        assert_eq!(
            summary, expected_summary,
            "scan {}: the folded summary",
            scan.0
        );
        previous = leaves;
    }
    // the diff command's diff of two scans is the same diff
    let between = changes::between(&store, scans[0], scans[1]).expect("between");
    let whole = history::diff(
        &store.endpoint_leaves(scans[0]).expect("leaves"),
        &store.endpoint_leaves(scans[1]).expect("leaves"),
    );
    assert_eq!(between, whole);
    assert!(!whole.changed.is_empty() && !whole.gone_endpoints.is_empty());

    // the fixture is what it says: each kind of change happened
    let second = store.events(None).expect("events");
    for kind in [
        "renewal",
        "certificate_changed",
        "rekey",
        "new_certificate",
        "certificate_gone",
        "expired_in_service",
    ] {
        assert!(
            second.iter().any(|e| e.kind.as_str() == kind),
            "no {kind} event"
        );
    }
}
