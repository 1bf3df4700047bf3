//! Tests of the read queries over two scans of a small estate: scan lists,
//! endpoint leaves, certificates per scan (whole and a page at a time),
//! histories and events.

use time::Duration;

use super::{backends, complete_scan, failed_observation, meta, pki, t0, tls_observation, TestDb};
use crate::certs::{parse_certificate, sha256_hex};
use crate::observation::{Observation, Outcome, SniSource};
use crate::store::{
    EndpointKey, EndpointLeaf, EventKind, NameStatus, NewEvent, ScanId, ScanStatus, Store,
    StoreError, StoredCertificate,
};

/// Two complete scans and one running: in the first, .1 serves leaf 0 and
/// .2 leaf 1; in the second, .1 serves leaf 2 and .2 is closed.
struct Estate {
    store: Store,
    first: ScanId,
    second: ScanId,
    running: ScanId,
    _db: TestDb,
}

/// The estate on every backend (SQLite first).
fn estates() -> Vec<Estate> {
    backends().into_iter().map(estate).collect()
}

fn estate(db: TestDb) -> Estate {
    let store = db.open();
    let later = t0() + Duration::days(30);
    let first = complete_scan(
        &store,
        t0(),
        vec![
            tls_observation("127.0.0.1", 443, Some("a.test"), t0(), pki().chain(0)),
            tls_observation("127.0.0.2", 443, None, t0(), pki().chain(1)),
        ],
    );
    let second = complete_scan(
        &store,
        later,
        vec![
            tls_observation("127.0.0.1", 443, Some("a.test"), later, pki().chain(2)),
            failed_observation("127.0.0.2", 443, later, Outcome::Closed),
        ],
    );
    let running = store.begin_scan(&meta(later + Duration::days(1))).unwrap();
    Estate {
        store,
        first,
        second,
        running,
        _db: db,
    }
}

#[test]
fn scan_lists_are_newest_first_and_previous_skips_unfinished() {
    for e in estates() {
        let ids: Vec<ScanId> = e.store.scans().unwrap().iter().map(|s| s.id).collect();
        assert_eq!(ids, vec![e.running, e.second, e.first]);
        assert_eq!(e.store.latest_scan(false).unwrap().unwrap().id, e.running);
        let latest_complete = e.store.latest_scan(true).unwrap().unwrap();
        assert_eq!(latest_complete.id, e.second);
        assert_eq!(latest_complete.status, ScanStatus::Complete);
        assert_eq!(latest_complete.observations, 2);
        assert_eq!(
            e.store.previous_scan(e.running).unwrap().unwrap().id,
            e.second
        );
        assert_eq!(
            e.store.previous_scan(e.second).unwrap().unwrap().id,
            e.first
        );
        assert_eq!(e.store.previous_scan(e.first).unwrap(), None);
        assert_eq!(e.store.scan(ScanId(e.running.0 + 1)).unwrap(), None);
    }
}

#[test]
fn endpoint_leaves_list_each_endpoint_with_a_chain() {
    for e in estates() {
        let probed = e.store.endpoint_leaves_as_probed(e.first).unwrap();
        assert_eq!(probed[0].endpoint.sni.as_deref(), Some("a.test"));
        let leaves = e.store.endpoint_leaves(e.first).unwrap();
        let keys: Vec<&EndpointKey> = leaves.iter().map(|l| &l.endpoint).collect();
        // folded: the endpoint is (address, port), its name listed on it
        let a = EndpointKey {
            address: "127.0.0.1".into(),
            port: 443,
            sni: None,
        };
        let b = EndpointKey {
            address: "127.0.0.2".into(),
            port: 443,
            sni: None,
        };
        assert_eq!(keys, vec![&a, &b]);
        // stored without a source: the target's own host name is a target
        let names: Vec<(&str, SniSource, NameStatus)> = leaves[0]
            .names
            .iter()
            .map(|n| (n.name.as_str(), n.source, n.status))
            .collect();
        assert_eq!(names, [("a.test", SniSource::Target, NameStatus::Served)]);
        assert_eq!(leaves[0].leaf_sha256, sha256_hex(&pki().leaves[0]));
        assert_eq!(
            leaves[0].leaf,
            Some(Box::new(parse_certificate(&pki().leaves[0]).unwrap()))
        );
        assert_eq!(leaves[0].host, "a.test");
        assert_eq!(leaves[0].observed_at, t0());
        let later = e.store.endpoint_leaves(e.second).unwrap();
        assert_eq!(later.len(), 1, "the closed endpoint has no leaf");
        assert_eq!(later[0].leaf_sha256, sha256_hex(&pki().leaves[2]));
    }
}

#[test]
fn certificates_in_scan_are_distinct_and_scan_specific() {
    for e in estates() {
        let shas = |scan| -> Vec<String> {
            let certificates = e.store.certificates_in_scan(scan).unwrap();
            certificates.into_iter().map(|c| c.sha256).collect()
        };
        let mut expected: Vec<String> = [&pki().leaves[0], &pki().leaves[1], &pki().intermediate]
            .iter()
            .map(|der| sha256_hex(der))
            .collect();
        expected.sort();
        assert_eq!(shas(e.first), expected);
        let mut second = vec![
            sha256_hex(&pki().leaves[2]),
            sha256_hex(&pki().intermediate),
        ];
        second.sort();
        assert_eq!(shas(e.second), second);
        assert!(shas(e.running).is_empty());
    }
}

#[test]
fn paged_reads_give_what_the_whole_scan_reads_give() {
    for e in estates() {
        for scan in [e.first, e.second, e.running] {
            for page in [1, 2, 4096] {
                let mut paged = Vec::new();
                let each = |c: StoredCertificate, above: bool| paged.push((c, above));
                e.store
                    .certificates_in_scan_paged(scan, page, each)
                    .unwrap();
                let whole = e.store.certificates_in_scan(scan).unwrap();
                let intermediate = sha256_hex(&pki().intermediate);
                let above: Vec<bool> = whole.iter().map(|c| c.sha256 == intermediate).collect();
                let (got, flags): (Vec<_>, Vec<_>) = paged.into_iter().unzip();
                assert_eq!(got, whole, "scan {scan}, page {page}: certificates");
                assert_eq!(flags, above, "scan {scan}, page {page}: sent above a leaf");

                let table = e.store.endpoint_leaf_table(scan, page).unwrap();
                let lean: Vec<EndpointLeaf> = table.iter().collect();
                let mut folded = e.store.endpoint_leaves(scan).unwrap();
                folded.iter_mut().for_each(|l| l.leaf = None);
                assert_eq!(lean, folded, "scan {scan}, page {page}: endpoint leaves");

                let mut pages = Vec::new();
                let each = |part: Vec<Observation>| pages.push(part);
                e.store.observations_by_endpoint(scan, page, each).unwrap();
                let mut whole = e.store.observations_without_chains(scan).unwrap();
                let place = |o: &Observation| {
                    let key = EndpointKey::of(o);
                    (key.address, key.port)
                };
                // endpoint order, writing order within one endpoint
                whole.sort_by_key(place);
                let places: Vec<Vec<_>> = pages
                    .iter()
                    .map(|p| p.iter().map(place).collect())
                    .collect();
                for (n, page_places) in places.iter().enumerate() {
                    let later = places[n + 1..].iter().flatten();
                    let split = later.filter(|p| page_places.contains(p)).count();
                    assert_eq!(
                        split, 0,
                        "scan {scan}, page {page}: one endpoint in one page"
                    );
                }
                let got: Vec<Observation> = pages.into_iter().flatten().collect();
                assert_eq!(got, whole, "scan {scan}, page {page}: observations");
            }
            let shas = [sha256_hex(&pki().intermediate), "00".repeat(32)];
            let refs: Vec<&str> = shas.iter().map(String::as_str).collect();
            let found = e.store.certificates_by_sha256(&refs).unwrap();
            assert_eq!(found.len(), 1, "an unknown SHA-256 is left out");
            assert_eq!(found[0].der, pki().intermediate);
        }
    }
}

#[test]
fn histories_follow_endpoints_and_certificates() {
    for e in estates() {
        let history = e.store.endpoint_history("127.0.0.2", 443, None).unwrap();
        let statuses: Vec<(&str, Option<&str>)> = history
            .iter()
            .map(|h| (h.status.as_str(), h.leaf_sha256.as_deref()))
            .collect();
        let leaf1 = sha256_hex(&pki().leaves[1]);
        assert_eq!(
            statuses,
            vec![("tls", Some(leaf1.as_str())), ("closed", None)]
        );
        let view = parse_certificate(&pki().leaves[1]).unwrap();
        assert_eq!(history[0].leaf_not_after, Some(view.not_after));
        assert_eq!(
            history[0].leaf_subject.as_deref(),
            Some(view.subject.dn.as_str())
        );
        assert!(e
            .store
            .endpoint_history("127.0.0.2", 443, Some("x"))
            .unwrap()
            .is_empty());
        let served = e
            .store
            .certificate_history(&sha256_hex(&pki().intermediate))
            .unwrap();
        let places: Vec<(ScanId, &str, Option<u32>)> = served
            .iter()
            .map(|h| (h.scan, h.endpoint.address.as_str(), h.position))
            .collect();
        let expected = vec![
            (e.first, "127.0.0.1", Some(1)),
            (e.first, "127.0.0.2", Some(1)),
            (e.second, "127.0.0.1", Some(1)),
        ];
        assert_eq!(places, expected);
    }
}

#[test]
fn events_are_stored_and_listed_per_scan() {
    for e in estates() {
        let endpoint = EndpointKey {
            address: "127.0.0.1".into(),
            port: 443,
            sni: Some("a.test".into()),
        };
        let changed = NewEvent {
            kind: EventKind::CertificateChanged,
            endpoint: Some(endpoint.clone()),
            old_sha256: Some(sha256_hex(&pki().leaves[0])),
            new_sha256: Some(sha256_hex(&pki().leaves[2])),
            lead_days: Some(12.5),
            detail: serde_json::json!({"why": "test"}),
        };
        let gone = NewEvent {
            kind: EventKind::CertificateGone,
            endpoint: None,
            old_sha256: Some(sha256_hex(&pki().leaves[1])),
            new_sha256: None,
            lead_days: None,
            detail: serde_json::json!({}),
        };
        e.store
            .record_events(e.second, &[changed.clone(), gone.clone()])
            .unwrap();
        let events = e.store.events(Some(e.second)).unwrap();
        let kinds: Vec<EventKind> = events.iter().map(|ev| ev.kind).collect();
        assert_eq!(kinds, vec![changed.kind, gone.kind]);
        assert_eq!(events[0].endpoint, Some(endpoint.clone()));
        assert_eq!(events[0].old_sha256, changed.old_sha256);
        assert_eq!(events[0].new_sha256, changed.new_sha256);
        assert_eq!(events[0].lead_days, changed.lead_days);
        assert_eq!(events[0].detail, changed.detail);
        assert_eq!(events[1].endpoint, None);
        assert!(e.store.events(Some(e.first)).unwrap().is_empty());
        assert_eq!(e.store.events(None).unwrap().len(), 2);
        // a folded endpoint probed only with a name is filed under its row
        let folded = NewEvent {
            endpoint: Some(EndpointKey {
                sni: None,
                ..endpoint.clone()
            }),
            ..changed.clone()
        };
        e.store.record_events(e.second, &[folded]).unwrap();
        let events = e.store.events(Some(e.second)).unwrap();
        assert_eq!(events.last().unwrap().endpoint, Some(endpoint));
    }
}

#[test]
fn events_naming_unknown_things_are_refused_whole() {
    for e in estates() {
        let unknown_endpoint = NewEvent {
            kind: EventKind::EndpointGone,
            endpoint: Some(EndpointKey {
                address: "127.0.0.9".into(),
                port: 443,
                sni: None,
            }),
            old_sha256: None,
            new_sha256: None,
            lead_days: None,
            detail: serde_json::json!({}),
        };
        let fine = NewEvent {
            endpoint: None,
            ..unknown_endpoint.clone()
        };
        let error = e
            .store
            .record_events(e.second, &[fine, unknown_endpoint])
            .unwrap_err();
        assert!(
            matches!(
                error,
                StoreError::UnknownReference {
                    what: "endpoint",
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(
            e.store.events(None).unwrap().is_empty(),
            "nothing half-recorded"
        );
    }
}

/// Every row of `query`, each value in its debug form.
fn run_query(store: &Store, query: &str) -> Vec<Vec<String>> {
    store
        .conn()
        .rows(query, &[], |row| {
            Ok((0..row.len())
                .map(|i| format!("{:?}", row.value(i)))
                .collect())
        })
        .unwrap_or_else(|err| panic!("{err}: {query}"))
}

/// The SQL examples of the user documentation: every ```` ```sql ```` block
/// of README.md and of `docs/*.md` (not `docs/reference/`, generated),
/// each distinct query once, in the order met.
fn documented_queries() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    if let Ok(entries) = std::fs::read_dir(root.join("docs")) {
        let mut docs: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .collect();
        docs.sort();
        files.extend(docs);
    }
    let mut queries: Vec<String> = Vec::new();
    for file in files {
        let doc = std::fs::read_to_string(&file).unwrap_or_default();
        let found = doc.split("```sql").skip(1);
        for query in found.filter_map(|rest| rest.split("```").next()) {
            if !queries.iter().any(|q| q == query) {
                queries.push(query.to_string());
            }
        }
    }
    queries
}

#[test]
fn the_documented_example_queries_run() {
    let queries = documented_queries();
    assert_eq!(
        queries.len(),
        3,
        "the inventory database section (README.md or docs/guide.md) shows three queries"
    );
    let e = estates().into_iter().next().expect("SQLite comes first");
    let results: Vec<Vec<Vec<String>>> = queries.iter().map(|q| run_query(&e.store, q)).collect();
    let issuer = parse_certificate(&pki().intermediate).unwrap().subject.dn;
    let per_issuer = &results[1];
    assert_eq!(per_issuer.len(), 1, "{per_issuer:?}");
    assert!(per_issuer[0][0].contains(&issuer), "{per_issuer:?}");
    assert_eq!(per_issuer[0][1], "Int(1)");
    assert!(
        results[2].is_empty(),
        "the latest scan is still running, empty"
    );
    // the latest scan saw what the one before saw: its rows are held, and
    // the queries must still count them
    for db in backends() {
        let store = db.open();
        let leaf = || tls_observation("127.0.0.2", 443, None, t0(), pki().chain(1));
        complete_scan(&store, t0(), vec![leaf()]);
        complete_scan(&store, t0() + Duration::days(7), vec![leaf()]);
        let written: i64 = store
            .conn()
            .one("SELECT count(*) FROM observations", &[], |r| r.get(0))
            .unwrap();
        assert_eq!(written, 1, "the second scan held the first one's row");
        let per_issuer = run_query(&store, &queries[1]);
        assert_eq!(per_issuer.len(), 1, "{per_issuer:?}");
        assert_eq!(per_issuer[0][1], "Int(1)");
        let everything = run_query(&store, &queries[2]);
        assert_eq!(everything.len(), 2, "leaf and intermediate: {everything:?}");
    }
}
