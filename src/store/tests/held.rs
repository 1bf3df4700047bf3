//! A store that grows with change, not with time: held observations (a
//! scan that sees what the lineage's previous scan saw extends its rows)
//! and unresponsive probes counted instead of stored. Each test tries a way
//! the shortcut could lie: a scan that missed an endpoint, a scan of
//! another scope in between, a place that answered before.

use time::Duration;

use super::*;
use crate::observation::Outcome;
use crate::store::sql::params;
use crate::store::{EndpointKey, ScanMeta, WriterOptions};

/// Rows in the `observations` table (held rows counted once).
fn rows(store: &Store) -> i64 {
    store
        .conn()
        .one("SELECT count(*) FROM observations", params![], |r| r.get(0))
        .unwrap()
}

/// The (address, leaf SHA-256) pairs a scan's reads return.
fn served(store: &Store, scan: ScanId) -> Vec<(String, String)> {
    let mut served: Vec<(String, String)> = store
        .endpoint_leaves_as_probed(scan)
        .unwrap()
        .into_iter()
        .map(|leaf| (leaf.endpoint.address, leaf.leaf_sha256))
        .collect();
    served.sort();
    served
}

/// `count` TLS endpoints 127.1.x.y:443, each serving leaf `leaf(i)`.
fn estate(count: usize, at: OffsetDateTime, leaf: impl Fn(usize) -> usize) -> Vec<Observation> {
    (0..count)
        .map(|i| {
            let address = format!("127.1.{}.{}", i / 250, i % 250 + 1);
            tls_observation(&address, 443, None, at, pki().chain(leaf(i)))
        })
        .collect()
}

/// A scan of another scope (other targets).
fn other_scope_scan(store: &Store, at: OffsetDateTime, observations: Vec<Observation>) -> ScanId {
    let mut meta = meta(at);
    meta.targets = vec!["192.0.2.0/24".into()];
    write_scan(store, &meta, observations, WriterOptions::default())
}

/// Begins a scan with `meta`, writes, and completes it.
fn write_scan(
    store: &Store,
    meta: &ScanMeta,
    observations: Vec<Observation>,
    options: WriterOptions,
) -> ScanId {
    let scan = store.begin_scan(meta).unwrap();
    let writer = store.writer_with(scan, options).unwrap();
    for observation in observations {
        writer.write(observation).unwrap();
    }
    writer.finish().unwrap();
    store
        .finish_scan(scan, true, &serde_json::json!({}))
        .unwrap();
    scan
}

#[test]
fn an_unchanged_endpoint_is_held_and_a_change_writes_a_row() {
    for db in backends() {
        let store = db.open();
        let first = complete_scan(&store, t0(), estate(3, t0(), |_| 0));
        assert_eq!(rows(&store), 3);
        let later = t0() + Duration::days(7);
        let mut again = estate(3, later, |_| 0);
        // the handshake time varies from probe to probe: not a change
        again[0].tls.as_mut().unwrap().handshake_ms = 99.0;
        let second = complete_scan(&store, later, again);
        assert_eq!(rows(&store), 3, "nothing changed: no row written");
        assert_eq!(served(&store, second), served(&store, first));
        let record = store.scan(second).unwrap().unwrap();
        assert_eq!(
            record.observations, 3,
            "held observations count in the scan"
        );

        let third_at = later + Duration::days(7);
        let third = complete_scan(&store, third_at, estate(3, third_at, |i| i.min(1)));
        assert_eq!(rows(&store), 5, "two endpoints changed leaf: two rows");
        assert_ne!(served(&store, third), served(&store, second));
        assert_eq!(
            served(&store, second),
            served(&store, first),
            "the past stays"
        );

        let history = store.endpoint_history("127.1.0.2", 443, None).unwrap();
        let scans: Vec<ScanId> = history.iter().map(|h| h.scan).collect();
        assert_eq!(scans, vec![first, second, third], "one entry per scan");
        assert_eq!(history[0].observed_at, t0(), "the first scan's own time");
        assert_eq!(
            history[1].observed_at, later,
            "a held row: the scan's start"
        );
        assert_ne!(history[1].leaf_sha256, history[2].leaf_sha256);
        let served_leaves = |scan| -> Vec<(EndpointKey, Vec<String>)> {
            let leaves = store.endpoint_leaves(scan).unwrap();
            leaves.into_iter().map(|l| (l.endpoint, l.chain)).collect()
        };
        assert_eq!(
            served_leaves(first),
            served_leaves(second),
            "a held scan serves what its first scan served"
        );
    }
}

#[test]
fn a_scan_that_missed_an_endpoint_ends_its_range() {
    for db in backends() {
        let store = db.open();
        let first = complete_scan(&store, t0(), estate(2, t0(), |_| 0));
        let at = t0() + Duration::days(1);
        let second = complete_scan(&store, at, estate(1, at, |_| 0));
        let at = t0() + Duration::days(2);
        let third = complete_scan(&store, at, estate(2, at, |_| 0));
        assert_eq!(served(&store, first).len(), 2);
        assert_eq!(
            served(&store, second).len(),
            1,
            "the missed endpoint is not held"
        );
        assert_eq!(served(&store, third).len(), 2);
        assert_eq!(rows(&store), 3, "the returning endpoint starts a new row");
        let history = store.endpoint_history("127.1.0.2", 443, None).unwrap();
        let scans: Vec<ScanId> = history.iter().map(|h| h.scan).collect();
        assert_eq!(scans, vec![first, third]);
    }
}

#[test]
fn a_scan_of_another_scope_in_between_neither_holds_nor_breaks_the_lineage() {
    for db in backends() {
        let store = db.open();
        let first = complete_scan(&store, t0(), estate(2, t0(), |_| 0));
        let at = t0() + Duration::days(1);
        let other = other_scope_scan(
            &store,
            at,
            vec![tls_observation("127.2.0.1", 443, None, at, pki().chain(1))],
        );
        let at = t0() + Duration::days(2);
        let third = complete_scan(&store, at, estate(2, at, |_| 0));
        assert_eq!(
            rows(&store),
            3,
            "the lineage's rows were extended over the other scope"
        );
        assert_eq!(
            served(&store, other).len(),
            1,
            "the other scope sees only its own"
        );
        assert_eq!(served(&store, third), served(&store, first));
        let history = store.endpoint_history("127.1.0.1", 443, None).unwrap();
        let scans: Vec<ScanId> = history.iter().map(|h| h.scan).collect();
        assert_eq!(
            scans,
            vec![first, third],
            "never listed under the other scope"
        );
    }
}

#[test]
fn unresponsive_places_are_counted_unless_they_answered_before() {
    for db in backends() {
        let store = db.open();
        let closed = |address: &str, at| failed_observation(address, 443, at, Outcome::Closed);
        let first = complete_scan(
            &store,
            t0(),
            vec![closed("127.3.0.1", t0()), closed("127.3.0.2", t0())],
        );
        assert_eq!(rows(&store), 0, "never answered: counted only");
        let endpoints: i64 = store
            .conn()
            .one("SELECT count(*) FROM endpoints", params![], |r| r.get(0))
            .unwrap();
        assert_eq!(endpoints, 0, "no endpoint rows for silent addresses");
        assert_eq!(store.scan(first).unwrap().unwrap().observations, 2);

        let at = t0() + Duration::days(1);
        complete_scan(
            &store,
            at,
            vec![
                tls_observation("127.3.0.1", 443, None, at, pki().chain(0)),
                closed("127.3.0.2", at),
            ],
        );
        let at = t0() + Duration::days(2);
        let third = complete_scan(
            &store,
            at,
            vec![closed("127.3.0.1", at), closed("127.3.0.2", at)],
        );
        let kept = store.observations(third).unwrap();
        let kept: Vec<String> = kept.iter().map(|o| o.host.clone()).collect();
        assert_eq!(
            kept,
            vec!["127.3.0.1"],
            "the place that answered keeps its row"
        );
        let history = store.endpoint_history("127.3.0.1", 443, None).unwrap();
        let statuses: Vec<&str> = history.iter().map(|h| h.status.as_str()).collect();
        assert_eq!(statuses, vec!["tls", "closed"]);
    }
}

#[test]
fn keep_unresponsive_stores_every_probe_as_a_row() {
    for db in backends() {
        let store = db.open();
        let observations = vec![
            failed_observation("127.4.0.1", 443, t0(), Outcome::Closed),
            failed_observation(
                "127.4.0.2",
                443,
                t0(),
                Outcome::Timeout {
                    phase: crate::observation::Phase::Connect,
                },
            ),
        ];
        let options = WriterOptions {
            keep_unresponsive: true,
        };
        let scan = write_scan(&store, &meta(t0()), observations.clone(), options);
        assert_eq!(store.observations(scan).unwrap(), observations);
    }
}

/// The SQLite file's size in bytes, as the database sees it (WAL included).
fn sqlite_bytes(store: &Store) -> i64 {
    let pages: i64 = store
        .conn()
        .one("PRAGMA page_count", params![], |r| r.get(0))
        .unwrap();
    let size: i64 = store
        .conn()
        .one("PRAGMA page_size", params![], |r| r.get(0))
        .unwrap();
    pages * size
}

#[test]
fn a_second_scan_of_an_unchanged_10k_estate_grows_the_store_by_under_1_mb() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    complete_scan(&store, t0(), estate(10_000, t0(), |i| i % LEAVES));
    let before = sqlite_bytes(&store);
    let later = t0() + Duration::days(7);
    let second = complete_scan(&store, later, estate(10_000, later, |i| i % LEAVES));
    let grown = sqlite_bytes(&store) - before;
    println!("second scan of 10,000 unchanged endpoints: store grew {grown} bytes");
    assert!(grown <= 1_000_000, "grew {grown} bytes");
    assert_eq!(
        store.endpoint_leaves_as_probed(second).unwrap().len(),
        10_000
    );
}

#[test]
fn unresponsive_addresses_cost_under_64_bytes_each() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let before = sqlite_bytes(&store);
    let count = 65_536;
    let silent: Vec<Observation> = (0..count)
        .map(|i| {
            let address = format!("127.64.{}.{}", i / 256, i % 256);
            failed_observation(&address, 9, t0(), Outcome::Closed)
        })
        .collect();
    let scan = complete_scan(&store, t0(), silent);
    let grown = sqlite_bytes(&store) - before;
    println!("{count} closed addresses: store grew {grown} bytes");
    assert!(grown <= 64 * count, "grew {grown} bytes");
    assert_eq!(
        store.scan(scan).unwrap().unwrap().observations,
        count as u64
    );
}
