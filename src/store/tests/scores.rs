//! Tests of the scoring reads and writes: endpoint reach over a window
//! (endpoints by address and port, whatever names reached them),
//! window events by kind, and storing scores (replaced, not appended).

use time::Duration;

use super::{backends, complete_scan, pki, t0, tls_observation};
use crate::certs::sha256_hex;
use crate::store::{EventKind, NewCategoryScore, NewCriterionResult, NewEvent, NewScore};

#[test]
fn endpoint_reach_counts_window_endpoints_the_scan_probed_again() {
    for db in backends() {
        let store = db.open();
        let later = t0() + Duration::days(7);
        let first = complete_scan(
            &store,
            t0(),
            vec![
                tls_observation("127.0.0.1", 443, None, t0(), pki().chain(0)),
                // a name tried once is no endpoint of its own: not missed later
                tls_observation("127.0.0.1", 443, Some("a.test"), t0(), pki().chain(0)),
                tls_observation("127.0.0.2", 443, Some("b.test"), t0(), pki().chain(1)),
            ],
        );
        let second = complete_scan(
            &store,
            later,
            vec![tls_observation(
                "127.0.0.1",
                443,
                None,
                later,
                pki().chain(0),
            )],
        );
        let (known, reached, missed) = store.endpoint_reach(&[first, second], second, 10).unwrap();
        assert_eq!((known, reached), (2, 1));
        let missed: Vec<(String, u16, Option<String>)> = missed
            .into_iter()
            .map(|k| (k.address, k.port, k.sni))
            .collect();
        assert_eq!(missed, vec![("127.0.0.2".into(), 443, None)]);
        assert_eq!(
            store.endpoint_reach(&[second], second, 10).unwrap(),
            (1, 1, Vec::new())
        );
        assert_eq!(
            store.endpoint_reach(&[], second, 10).unwrap(),
            (0, 0, Vec::new())
        );

        let event = |kind| NewEvent {
            kind,
            endpoint: None,
            old_sha256: None,
            new_sha256: Some(sha256_hex(&pki().leaves[0])),
            lead_days: Some(3.0),
            detail: serde_json::json!({}),
        };
        let kinds = [
            EventKind::NewCertificate,
            EventKind::Renewal,
            EventKind::Rekey,
        ];
        store.record_events(first, &kinds.map(event)).unwrap();
        store
            .record_events(second, &[event(EventKind::Renewal)])
            .unwrap();
        let read = store
            .events_in(&[first, second], &[EventKind::Renewal, EventKind::Rekey])
            .unwrap();
        let seen: Vec<(i64, EventKind)> = read.iter().map(|e| (e.scan.0, e.kind)).collect();
        assert_eq!(
            seen,
            vec![
                (first.0, EventKind::Renewal),
                (first.0, EventKind::Rekey),
                (second.0, EventKind::Renewal)
            ]
        );
        assert!(store.events_in(&[second], &[]).unwrap().is_empty());
    }
}

#[test]
fn a_score_is_stored_per_scan_and_replaced_when_scored_again() {
    for db in backends() {
        let store = db.open();
        let scan = complete_scan(&store, t0(), Vec::new());
        let score = |level: u8| NewScore {
            profile: "certatlas-default@1.0.0".into(),
            profile_digest: "d".repeat(64),
            overall_value: Some(f64::from(level)),
            overall_level: Some(level),
            card: serde_json::json!({ "overall_level": level }),
            categories: vec![NewCategoryScore {
                category: "O.resilience".into(),
                level: Some(level),
                basis: "evidence".into(),
            }],
            criteria: vec![NewCriterionResult {
                category: "O.resilience".into(),
                level: 2,
                criterion: "expired-at-most-10pct".into(),
                metric: "expired_in_service".into(),
                value: None,
                threshold: 10.0,
                outcome: "unknown".into(),
                samples: 0,
            }],
        };
        assert!(!store.has_score(scan).unwrap());
        store.record_score(scan, &score(2)).unwrap();
        store.record_score(scan, &score(3)).unwrap();
        let stored = store.scores().unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].card["overall_level"], 3);
        assert!(store.has_score(scan).unwrap());
        assert_eq!(store.score(scan).unwrap().unwrap().scan, scan);
    }
}
