//! Tests of the writer: observations round-trip (including unparseable DER
//! and `dns_error`), certificates are deduplicated with first/last seen
//! times, chain order is kept, readers see committed batches while a write
//! is in progress, and a failing writer reports its error.

use time::Duration;

use super::{
    backends, complete_scan, failed_observation, meta, observation, pki, t0, temp_db,
    tls_observation,
};
use crate::certs::{parse_certificate, sha256_hex};
use crate::observation::{Observation, Outcome, Phase, SniSource};
use crate::store::sql::{params, Session};
use crate::store::{Database, Store, StoreError, BATCH_SIZE, CHANNEL_CAPACITY};

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

/// DER that is not a certificate.
const GARBAGE: &[u8] = b"not a certificate at all";

/// One observation of each interesting shape: extra fields, unparseable
/// DER, `dns_error`, a timeout and a handshake failure with an alert.
fn varied_observations() -> Vec<Observation> {
    let leaf0 = tls_observation("127.0.0.1", 25, Some("leaf-0.test"), t0(), pki().chain(0));
    let mut bad_der = tls_observation("::1", 8443, Some("bad.test"), t0(), vec![GARBAGE.to_vec()]);
    bad_der.tls = None;
    let timeout = Outcome::Timeout {
        phase: Phase::Connect,
    };
    let refused = Outcome::HandshakeFailed {
        alert: Some("protocol_version".into()),
        reason: "peer refused".into(),
    };
    vec![
        with_extras(leaf0),
        bad_der,
        dns_error("missing.test", t0() + Duration::seconds(1)),
        failed_observation("127.0.0.3", 25, t0(), timeout),
        failed_observation("127.0.0.4", 443, t0(), refused),
    ]
}

#[test]
fn every_sni_source_round_trips() {
    let sources = [
        SniSource::None,
        SniSource::Target,
        SniSource::Broadcast,
        SniSource::Discovered,
    ];
    for db in backends() {
        let store = db.open();
        let originals: Vec<Observation> = sources
            .iter()
            .enumerate()
            .map(|(index, source)| {
                let address = format!("127.0.0.{}", index + 2);
                let mut leaf = tls_observation(&address, 443, Some("a.test"), t0(), pki().chain(0));
                leaf.sni_source = *source;
                leaf
            })
            .collect();
        let scan = complete_scan(&store, t0(), originals.clone());
        let mut stored = store.observations(scan).unwrap();
        stored.sort_by_key(|o| o.address);
        let read: Vec<SniSource> = stored.iter().map(|o| o.sni_source).collect();
        assert_eq!(read, sources);
        assert_eq!(stored, originals);
    }
}

#[test]
fn observations_round_trip_including_bad_der_and_dns_errors() {
    for db in backends() {
        let store = db.open();
        let originals = varied_observations();
        let plain = tls_observation("127.0.0.1", 25, Some("leaf-0.test"), t0(), pki().chain(0));
        assert_ne!(
            originals[0], plain,
            "the extra fields must make a difference"
        );
        let scan = complete_scan(&store, t0(), originals.clone());
        // the connect timeout at a place that never answered is counted,
        // not stored as a row
        let rows: Vec<Observation> = originals
            .iter()
            .filter(|o| !o.outcome.is_unresponsive())
            .cloned()
            .collect();
        assert_eq!(rows.len(), originals.len() - 1);
        assert_eq!(store.observations(scan).unwrap(), rows);
        let counts: Vec<(i64, String, i64)> = store
            .conn()
            .rows(
                "SELECT port, reason, count FROM unresponsive_counts WHERE scan_id = ?1",
                params![scan.0],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(counts, vec![(25, "timeout(connect)".to_string(), 1)]);
        let record = store.scan(scan).unwrap().unwrap();
        assert_eq!(record.observations, originals.len() as u64);
        let history = store
            .endpoint_history("missing.test", 443, Some("missing.test"))
            .unwrap();
        let reasons: Vec<&str> = history.iter().map(|h| h.reason.as_str()).collect();
        assert_eq!(reasons, vec!["dns_error"], "keyed by the host name");
    }
}

#[test]
fn unparseable_der_is_kept_with_its_parse_error() {
    for db in backends() {
        let store = db.open();
        complete_scan(&store, t0(), varied_observations());
        let stored = store.certificate(&sha256_hex(GARBAGE)).unwrap().unwrap();
        assert_eq!(stored.der, GARBAGE);
        assert_eq!(stored.view, None);
        let expected_error = parse_certificate(GARBAGE).unwrap_err().to_string();
        assert_eq!(stored.parse_error, Some(expected_error));
        let leaf_sha = sha256_hex(&pki().leaves[0]);
        let leaf = store.certificate(&leaf_sha).unwrap().unwrap();
        assert_eq!(
            leaf.view,
            Some(parse_certificate(&pki().leaves[0]).unwrap())
        );
        assert_eq!(leaf.parse_error, None);
        assert_eq!(store.certificate(&"0".repeat(64)).unwrap(), None);
    }
}

/// Number of rows in `table`.
fn count_rows(store: &Store, table: &str) -> i64 {
    let query = format!("SELECT count(*) FROM {table}");
    store.conn().one(&query, &[], |r| r.get(0)).unwrap()
}

#[test]
fn certificates_are_stored_once_with_first_and_last_seen() {
    for db in backends() {
        let store = db.open();
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
        assert_eq!(
            count_rows(&store, "certificates"),
            2,
            "one leaf, one intermediate"
        );
        let leaf = store
            .certificate(&sha256_hex(&pki().leaves[0]))
            .unwrap()
            .unwrap();
        assert_eq!(leaf.first_seen, earliest);
        assert_eq!(leaf.last_seen, later);
        assert_eq!(count_rows(&store, "chains"), 1);
        assert_eq!(count_rows(&store, "endpoints"), 3);
    }
}

#[test]
fn chain_order_is_kept_as_sent() {
    for db in backends() {
        let store = db.open();
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
        let as_shas =
            |chain: &[Vec<u8>]| chain.iter().map(|der| sha256_hex(der)).collect::<Vec<_>>();
        let leaves = store.endpoint_leaves(scan).unwrap();
        assert_eq!(leaves[0].chain, as_shas(&sent_odd));
        assert_eq!(leaves[1].chain, as_shas(&reversed));
        let mut chains = store.all_chains().unwrap();
        chains.sort();
        let mut expected = vec![as_shas(&sent_odd), as_shas(&reversed)];
        expected.sort();
        assert_eq!(chains, expected, "each chain in the order it was sent");
        let observations = store.observations(scan).unwrap();
        assert_eq!(observations[0].chain_der, sent_odd);
    }
}

#[test]
fn more_observations_than_queue_and_batch_all_arrive() {
    for db in backends() {
        let store = db.open();
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
    let reader = Database::Sqlite(path.clone()).connect().unwrap();
    let count = |conn: &dyn Session| -> i64 {
        conn.one("SELECT count(*) FROM observations", &[], |r| r.get(0))
            .unwrap()
    };
    reader.begin(false).unwrap();
    assert_eq!(count(reader.as_ref()), 1);
    writer.write(observation(2)).unwrap();
    writer.flush().unwrap(); // commits although a reader is open
    assert_eq!(
        count(reader.as_ref()),
        1,
        "the open read transaction keeps its snapshot"
    );
    let other_store = Store::open(&path).unwrap();
    assert_eq!(other_store.observations(scan).unwrap().len(), 2);
    reader.commit().unwrap();
    assert_eq!(count(reader.as_ref()), 2);
    writer.finish().unwrap();
}

#[test]
fn a_failing_writer_reports_gone_then_the_cause() {
    for db in backends() {
        let store = db.open();
        let scan = store.begin_scan(&meta(t0())).unwrap();
        let writer = store.writer(scan).unwrap();
        store
            .conn()
            .execute("DELETE FROM scans WHERE id = ?1", params![scan.0])
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
                StoreError::Query {
                    context: "write batch",
                    ..
                }
            ),
            "{cause:?}"
        );
        assert!(
            cause.to_string().contains(&db.database().to_string()),
            "{cause}"
        );
    }
}
