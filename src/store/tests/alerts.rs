//! Tests of the alert outbox: enqueueing twice keeps one row per webhook
//! and key, due rows and claims, and the life cycle of a row through
//! failed, retried and delivered attempts.

use time::Duration;

use super::{backends, complete_scan, t0};
use crate::store::{AttemptOutcome, AttemptRecord, NewAlert, OutboxStatus, ScanId};

fn alert(webhook: &str, key: &str, scan: ScanId) -> NewAlert {
    NewAlert {
        webhook: webhook.into(),
        event_key: key.into(),
        kind: "finding".into(),
        scan,
        payload: serde_json::json!({"key": key}),
    }
}

fn hooks(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

#[test]
fn enqueueing_the_same_event_twice_keeps_one_row_per_webhook() {
    for db in backends() {
        let store = db.open();
        let first = complete_scan(&store, t0(), Vec::new());
        let second = complete_scan(&store, t0() + Duration::days(1), Vec::new());
        let batch = [alert("a", "k1", first), alert("b", "k1", first)];
        assert_eq!(store.enqueue_alerts(&batch, t0()).unwrap(), 2);
        let again = [alert("a", "k1", second), alert("a", "k2", second)];
        assert_eq!(store.enqueue_alerts(&again, t0()).unwrap(), 1);
        let rows = store.alert_outbox().unwrap();
        let keys: Vec<(&str, &str, ScanId)> = rows
            .iter()
            .map(|r| (r.webhook.as_str(), r.event_key.as_str(), r.scan))
            .collect();
        assert_eq!(
            keys,
            [("a", "k1", first), ("b", "k1", first), ("a", "k2", second)]
        );
        assert!(rows.iter().all(|r| r.status == OutboxStatus::Pending));
        assert_eq!(rows[0].payload, r#"{"key":"k1"}"#);
    }
}

#[test]
fn due_rows_follow_the_time_and_the_configured_webhooks() {
    for db in backends() {
        let store = db.open();
        let scan = complete_scan(&store, t0(), Vec::new());
        let batch = [alert("a", "k1", scan), alert("gone", "k1", scan)];
        store.enqueue_alerts(&batch, t0()).unwrap();
        let due = store.due_alerts(&hooks(&["a"]), t0(), 10).unwrap();
        assert_eq!(due.len(), 1);
        assert_eq!(due[0].webhook, "a");
        assert!(store.due_alerts(&[], t0(), 10).unwrap().is_empty());
        let lease = t0() + Duration::seconds(40);
        assert!(store.claim_alert(due[0].id, t0(), lease).unwrap());
        assert!(
            !store.claim_alert(due[0].id, t0(), lease).unwrap(),
            "a second claim of the same attempt must fail"
        );
        assert!(store
            .due_alerts(&hooks(&["a"]), t0(), 10)
            .unwrap()
            .is_empty());
        assert_eq!(store.next_alert_due(&hooks(&["a"])).unwrap(), Some(lease));
        store.release_alert(due[0].id, t0()).unwrap();
        assert_eq!(store.due_alerts(&hooks(&["a"]), t0(), 10).unwrap().len(), 1);
    }
}

#[test]
fn attempts_move_a_row_from_pending_to_delivered_or_failed() {
    for db in backends() {
        let store = db.open();
        let scan = complete_scan(&store, t0(), Vec::new());
        store
            .enqueue_alerts(&[alert("a", "k1", scan), alert("a", "k2", scan)], t0())
            .unwrap();
        let rows = store.alert_outbox().unwrap();
        let retry_at = t0() + Duration::seconds(1);
        let failed = |outcome| AttemptRecord {
            at: t0(),
            outcome,
            http_status: Some(500),
            error: Some("HTTP 500".into()),
        };
        store
            .record_alert_attempt(rows[0].id, &failed(AttemptOutcome::Retry(retry_at)))
            .unwrap();
        let delivered = AttemptRecord {
            at: retry_at,
            outcome: AttemptOutcome::Delivered,
            http_status: Some(204),
            error: None,
        };
        store.record_alert_attempt(rows[0].id, &delivered).unwrap();
        store
            .record_alert_attempt(rows[1].id, &failed(AttemptOutcome::GaveUp))
            .unwrap();
        let rows = store.alert_outbox().unwrap();
        assert_eq!(rows[0].status, OutboxStatus::Delivered);
        assert_eq!((rows[0].attempts, rows[0].failures), (2, 1));
        assert_eq!(rows[0].delivered_at, Some(retry_at));
        assert_eq!(rows[0].last_http_status, Some(204));
        assert_eq!(rows[1].status, OutboxStatus::Failed);
        assert_eq!(rows[1].last_error.as_deref(), Some("HTTP 500"));
        let counts = store.alert_counts().unwrap();
        let summary: Vec<(OutboxStatus, u64, u64)> = counts
            .iter()
            .map(|c| (c.status, c.rows, c.failures))
            .collect();
        assert_eq!(
            summary,
            [
                (OutboxStatus::Delivered, 1, 1),
                (OutboxStatus::Failed, 1, 1)
            ]
        );
        assert!(store
            .due_alerts(&hooks(&["a"]), retry_at, 10)
            .unwrap()
            .is_empty());
    }
}
