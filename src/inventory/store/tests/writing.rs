//! Tests of the writer: observations round-trip (including unparseable DER
//! and `dns_error`), certificates are deduplicated with first/last seen
//! times, chain order is kept, readers see committed batches while a write
//! is in progress, and a failing writer reports its error.

use time::Duration;

use super::{
    complete_scan, failed_observation, meta, observation, pki, t0, temp_db, tls_observation,
};
use crate::certs::{parse_certificate, sha256_hex};
use crate::inventory::store::{Store, StoreError, BATCH_SIZE, CHANNEL_CAPACITY};
use crate::observation::{Observation, Outcome, Phase};

/// A `dns_error` observation: no address, the host name only.
fn dns_error(host: &str, at: time::OffsetDateTime) -> Observation {
    let reason = "no such host".to_string();
    observation(
        host,
        None,
        443,
        Some(host),
        at,
        Outcome::DnsError { reason },
    )
}

/// An observation with fields beyond the columns (STARTTLS and the SNI
/// source), set through JSON so that the test survives renames there.
fn with_extras(mut base: Observation) -> Observation {
    let mut json = serde_json::to_value(&base).unwrap();
    json["starttls"] = "smtp".into();
    json["sni_source"] = "target".into();
    base = serde_json::from_value(json).unwrap();
    base
}

#[test]
fn observations_round_trip_including_bad_der_and_dns_errors() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let garbage = b"not a certificate at all".to_vec();
    let mut with_bad_der =
        tls_observation("::1", 8443, Some("bad.test"), t0(), vec![garbage.clone()]);
    with_bad_der.tls = None;
    let originals = vec![
        with_extras(tls_observation(
            "127.0.0.1",
            25,
            Some("leaf-0.test"),
            t0(),
            pki().chain(0),
        )),
        with_bad_der,
        dns_error("missing.test", t0() + Duration::seconds(1)),
        failed_observation(
            "127.0.0.3",
            25,
            t0(),
            Outcome::Timeout {
                phase: Phase::Connect,
            },
        ),
        failed_observation(
            "127.0.0.4",
            443,
            t0(),
            Outcome::HandshakeFailed {
                alert: Some("protocol_version".into()),
                reason: "peer refused".into(),
            },
        ),
    ];
    let scan = complete_scan(&store, t0(), originals.clone());
    assert_eq!(store.observations(scan).unwrap(), originals);
    assert_ne!(
        originals[0],
        tls_observation("127.0.0.1", 25, Some("leaf-0.test"), t0(), pki().chain(0))
    );
    let stored = store.certificate(&sha256_hex(&garbage)).unwrap().unwrap();
    assert_eq!(stored.der, garbage);
    assert_eq!(stored.view, None);
    let expected_error = parse_certificate(&garbage).unwrap_err().to_string();
    assert_eq!(stored.parse_error, Some(expected_error));
    let leaf = store
        .certificate(&sha256_hex(&pki().leaves[0]))
        .unwrap()
        .unwrap();
    assert_eq!(
        leaf.view,
        Some(parse_certificate(&pki().leaves[0]).unwrap())
    );
    assert_eq!(leaf.parse_error, None);
    let history = store
        .endpoint_history("missing.test", 443, Some("missing.test"))
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].reason, "dns_error");
    let detail: String = store
        .conn()
        .query_row(
            "SELECT reason FROM observations WHERE status = 'timeout'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(detail, "timeout(connect)");
}

#[test]
fn certificates_are_stored_once_with_first_and_last_seen() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let later = t0() + Duration::days(7);
    let earliest = t0() - Duration::hours(1);
    let first = (0..3).map(|i| {
        tls_observation(
            &format!("127.0.0.{}", i + 1),
            443,
            None,
            t0(),
            pki().chain(0),
        )
    });
    complete_scan(&store, t0(), first.collect());
    let second = vec![
        tls_observation("127.0.0.1", 443, None, later, pki().chain(0)),
        // Written after, observed before: first_seen must still move back.
        tls_observation("127.0.0.2", 443, None, earliest, pki().chain(0)),
    ];
    complete_scan(&store, later, second);
    let rows: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM certificates", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 2, "one leaf and one intermediate");
    let leaf = store
        .certificate(&sha256_hex(&pki().leaves[0]))
        .unwrap()
        .unwrap();
    assert_eq!(leaf.first_seen, earliest);
    assert_eq!(leaf.last_seen, later);
    let chains: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM chains", [], |r| r.get(0))
        .unwrap();
    assert_eq!(chains, 1);
    let endpoints: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM endpoints", [], |r| r.get(0))
        .unwrap();
    assert_eq!(endpoints, 3);
}

#[test]
fn chain_order_is_kept_as_sent() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let sent_odd = vec![
        pki().leaves[1].clone(),
        pki().root.clone(),
        pki().intermediate.clone(),
    ];
    let mut reversed = sent_odd.clone();
    reversed[1..].reverse();
    let scan = complete_scan(
        &store,
        t0(),
        vec![
            tls_observation("127.0.0.1", 443, None, t0(), sent_odd.clone()),
            tls_observation("127.0.0.2", 443, None, t0(), reversed.clone()),
        ],
    );
    let as_shas = |chain: &[Vec<u8>]| chain.iter().map(|der| sha256_hex(der)).collect::<Vec<_>>();
    let leaves = store.endpoint_leaves(scan).unwrap();
    assert_eq!(leaves[0].chain, as_shas(&sent_odd));
    assert_eq!(leaves[1].chain, as_shas(&reversed));
    assert_eq!(
        store.all_chains().unwrap(),
        vec![as_shas(&sent_odd), as_shas(&reversed)]
    );
    let observations = store.observations(scan).unwrap();
    assert_eq!(observations[0].chain_der, sent_odd);
}

#[test]
fn more_observations_than_queue_and_batch_all_arrive() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let count = CHANNEL_CAPACITY + BATCH_SIZE + 7;
    let scan = store.begin_scan(&meta(t0())).unwrap();
    let writer = store.writer(scan).unwrap();
    for i in 0..count {
        let port = u16::try_from(i + 1).unwrap();
        let leaf = i % super::LEAVES;
        writer
            .write(tls_observation(
                "127.0.0.1",
                port,
                None,
                t0(),
                pki().chain(leaf),
            ))
            .unwrap();
    }
    let stats = writer.finish().unwrap();
    assert_eq!(stats.observations as usize, count);
    assert!(
        stats.batches as usize >= count.div_ceil(BATCH_SIZE),
        "{stats:?}"
    );
    assert_eq!(stats.new_certificates as usize, super::LEAVES + 1);
    assert_eq!(stats.new_chains as usize, super::LEAVES);
    assert_eq!(
        store.scan(scan).unwrap().unwrap().observations as usize,
        count
    );
}

#[test]
fn a_reader_keeps_its_snapshot_while_the_writer_commits() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let scan = store.begin_scan(&meta(t0())).unwrap();
    let writer = store.writer(scan).unwrap();
    let observation = |port| tls_observation("127.0.0.1", port, None, t0(), pki().chain(0));
    writer.write(observation(1)).unwrap();
    writer.flush().unwrap();
    let mut reader = rusqlite::Connection::open(&path).unwrap();
    let count = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row("SELECT count(*) FROM observations", [], |r| r.get(0))
            .unwrap()
    };
    let snapshot = reader.transaction().unwrap();
    assert_eq!(count(&snapshot), 1);
    writer.write(observation(2)).unwrap();
    writer.flush().unwrap(); // commits although a reader is open
    assert_eq!(
        count(&snapshot),
        1,
        "the open read transaction keeps its snapshot"
    );
    let other_store = Store::open(&path).unwrap();
    assert_eq!(other_store.observations(scan).unwrap().len(), 2);
    snapshot.finish().unwrap();
    assert_eq!(count(&reader), 2);
    writer.finish().unwrap();
}

#[test]
fn a_failing_writer_reports_gone_then_the_cause() {
    let (_dir, path) = temp_db();
    let store = Store::open(&path).unwrap();
    let scan = store.begin_scan(&meta(t0())).unwrap();
    let writer = store.writer(scan).unwrap();
    store
        .conn()
        .execute("DELETE FROM scans WHERE id = ?1", [scan.0])
        .unwrap();
    let observation = failed_observation("127.0.0.1", 443, t0(), Outcome::Closed);
    writer.write(observation).unwrap();
    let flushed = writer.flush().unwrap_err();
    assert!(
        matches!(flushed, StoreError::WriterGone { .. }),
        "{flushed:?}"
    );
    let cause = writer.finish().unwrap_err();
    assert!(
        matches!(
            cause,
            StoreError::Sqlite {
                context: "observation",
                ..
            }
        ),
        "{cause:?}"
    );
    assert!(
        cause.to_string().contains(&path.display().to_string()),
        "{cause}"
    );
}
