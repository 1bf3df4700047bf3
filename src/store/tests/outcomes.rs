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

#[test]
fn findings_stored_a_slice_at_a_time_count_only_once_finished_and_read_back_by_pages() {
    for db in backends() {
        let store = db.open();
        let scan = complete_scan(&store, t0(), Vec::new());
        let policy = serde_json::json!({"rules": "r"});
        store
            .record_findings(scan, "d", 1, &[finding("r.old", "gone")], &policy)
            .unwrap();
        store.clear_findings(scan).unwrap();
        assert!(
            store.finding_run(scan).unwrap().is_none(),
            "cleared: not evaluated"
        );
        assert!(store.findings(scan).unwrap().is_empty());
        let all: Vec<NewFinding> = (0..7)
            .map(|n| finding(["r.b", "r.a"][n % 2], &format!("k{n}")))
            .collect();
        store.append_findings(scan, &all[..3]).unwrap();
        assert!(store.finding_run(scan).unwrap().is_none(), "not whole yet");
        store.append_findings(scan, &all[3..]).unwrap();
        store.finish_findings(scan, ("d", 2, 7), &policy).unwrap();
        let run = store.finding_run(scan).unwrap().unwrap();
        assert_eq!(
            (run.rules, run.findings, run.policy),
            (2, 7, policy.clone())
        );

        // pages of 2 (and of 1, and more than all) give what one read gives
        let whole = store.findings(scan).unwrap();
        assert_eq!(whole.len(), 7);
        for size in [1, 2, 10] {
            let mut paged = Vec::new();
            let mut after: Option<(String, String)> = None;
            loop {
                let from = after.as_ref().map(|(r, k)| (r.as_str(), k.as_str()));
                let page = store.findings_page(scan, from, size).unwrap();
                let Some(last) = page.last() else { break };
                assert!(page.len() <= size);
                after = Some((
                    last.finding.rule_id.clone(),
                    last.finding.subject_key.clone(),
                ));
                paged.extend(page);
            }
            assert_eq!(paged, whole, "pages of {size}");
        }

        let outcomes = [
            outcome("r.a", "u1", "unobserved", None),
            outcome("r.a", "f1", "fixed", Some(1)),
            outcome("r.b", "u2", "unobserved", None),
            outcome("r.a", "u0", "unobserved", None),
        ];
        store.clear_outcomes(scan).unwrap();
        store.append_outcomes(scan, &outcomes[..2]).unwrap();
        store.append_outcomes(scan, &outcomes[2..]).unwrap();
        let mut unobserved = Vec::new();
        let mut after: Option<(String, String)> = None;
        loop {
            let from = after.as_ref().map(|(r, k)| (r.as_str(), k.as_str()));
            let page = store.unobserved_page(scan, from, 1).unwrap();
            let Some(last) = page.last() else { break };
            after = Some((
                last.finding.rule_id.clone(),
                last.finding.subject_key.clone(),
            ));
            unobserved.extend(page.into_iter().map(|o| o.finding.subject_key));
        }
        assert_eq!(
            unobserved,
            ["u0", "u1", "u2"],
            "unobserved only, by rule and key"
        );
        assert_eq!(store.outcomes(scan).unwrap().len(), 4);
    }
}

#[test]
fn presence_of_given_keys_reads_only_those_keys_before_the_scan() {
    for db in backends() {
        let store = db.open();
        let scans: Vec<ScanId> = (0..3)
            .map(|n| complete_scan(&store, t0() + Duration::days(n), Vec::new()))
            .collect();
        let policy = serde_json::json!({});
        // more keys than one lookup asks about, in two rules
        let many: Vec<NewFinding> = (0..1_203)
            .map(|n| finding(["r.a", "r.b"][n % 2], &format!("k{n:04}")))
            .collect();
        store
            .record_findings(scans[0], "d", 2, &many, &policy)
            .unwrap();
        store
            .record_findings(scans[1], "d", 2, &many[..2], &policy)
            .unwrap();
        let outcomes = [
            outcome("r.a", "k0002", "unobserved", None),
            outcome("r.b", "k0003", "fixed", Some(1)),
        ];
        store.record_outcomes(scans[1], &outcomes).unwrap();
        // the tracked scan's own rows are not presence before it
        store
            .record_findings(scans[2], "d", 2, &many, &policy)
            .unwrap();

        let wanted: Vec<(&str, &str)> = many
            .iter()
            .map(|f| (f.rule_id.as_str(), f.subject_key.as_str()))
            .chain([("r.a", "k0001"), ("r.z", "k0000")])
            .collect();
        let mut rows = Vec::new();
        store
            .each_presence_of(scans[2], &wanted, &mut |at, rule, key| {
                rows.push((at, rule.to_string(), key.to_string()))
            })
            .unwrap();
        rows.sort();
        let at = |scan: ScanId| rows.iter().filter(move |(s, _, _)| *s == scan);
        assert_eq!(at(scans[0]).count(), 1_203, "every key asked about, once");
        let mut second: Vec<&str> = at(scans[1]).map(|(_, _, k)| k.as_str()).collect();
        second.sort_unstable();
        assert_eq!(
            second,
            ["k0000", "k0001", "k0002"],
            "present, or unobserved; not fixed"
        );
        assert_eq!(at(scans[2]).count(), 0, "nothing at or after the scan");
        assert!(rows.iter().all(|(_, rule, _)| rule != "r.z"));

        let mut none = 0;
        let asked = [("r.a", "k9999"), ("r.c", "k0000")];
        store
            .each_presence_of(scans[2], &asked, &mut |_, _, _| none += 1)
            .unwrap();
        assert_eq!(none, 0, "keys not stored have no presence");
    }
}
