//! Tests of the lifecycle's storage: the policy digests kept with an
//! evaluation, a scan's finding outcomes (replaced, not appended), fixes
//! for `time_to_fix` (only `fixed`), and unobserved findings counting as
//! presence.

use time::Duration;

use super::{backends, complete_scan, t0};
use crate::store::{FindingOutcome, NewFinding, ScanId};

fn finding(rule: &str, key: &str) -> NewFinding {
    NewFinding {
        rule_id: rule.into(),
        subject_key: key.into(),
        severity: "high".into(),
        subject_kind: "leaf".into(),
        certificate: Some(key.into()),
        message: "m".into(),
        detail: serde_json::json!({"title": "t", "endpoints": ["127.0.0.1:443"]}),
    }
}

fn outcome(rule: &str, key: &str, status: &str, days: Option<i64>) -> FindingOutcome {
    FindingOutcome {
        finding: finding(rule, key),
        status: status.into(),
        open_since: t0(),
        last_observed: (status == "unobserved").then(t0),
        days_to_fix: days,
    }
}

#[test]
fn outcomes_digests_fixes_and_unobserved_presence_round_trip() {
    for db in backends() {
        let store = db.open();
        let first = complete_scan(&store, t0(), Vec::new());
        let second = complete_scan(&store, t0() + Duration::days(3), Vec::new());
        let policy = serde_json::json!({"rules": "r", "anchors": "a"});
        let found = [finding("r.a", "k1"), finding("r.a", "k2")];
        store
            .record_findings(first, "d", 2, &found, &policy)
            .unwrap();
        assert_eq!(store.finding_run(first).unwrap().unwrap().policy, policy);
        let mut streamed = Vec::new();
        store
            .each_finding(first, &mut |f| streamed.push(f))
            .unwrap();
        assert_eq!(streamed, store.findings(first).unwrap(), "streamed as read");
        assert_eq!(streamed.len(), 2);

        store.record_findings(second, "d", 2, &[], &policy).unwrap();
        let outcomes = [
            outcome("r.a", "k1", "fixed", Some(3)),
            outcome("r.a", "k2", "unobserved", None),
            outcome("r.b", "k3", "withdrawn", None),
        ];
        store.record_outcomes(second, &outcomes[..1]).unwrap();
        store.record_outcomes(second, &outcomes).unwrap();
        assert_eq!(
            store.outcomes(second).unwrap(),
            outcomes.to_vec(),
            "replaced"
        );
        assert_eq!(store.finding_fixes(second).unwrap(), vec![(second, 3)]);
        assert!(store.finding_fixes(first).unwrap().is_empty());

        let presence = store.finding_presence(second).unwrap();
        let of = |scan: ScanId| -> Vec<&str> {
            let mut keys: Vec<&str> = presence
                .iter()
                .filter(|(s, _, _)| *s == scan)
                .map(|(_, _, k)| k.as_str())
                .collect();
            keys.sort();
            keys
        };
        assert_eq!(of(first), ["k1", "k2"]);
        assert_eq!(
            of(second),
            ["k2"],
            "unobserved is still open; fixed and withdrawn are not"
        );
    }
}
