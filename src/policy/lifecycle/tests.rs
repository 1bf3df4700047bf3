use super::*;
use crate::policy::{Severity, SubjectKind};
use time::macros::datetime;

pub(super) fn finding(rule: &str, key: &str) -> Finding {
    Finding {
        rule: rule.into(),
        title: "".into(),
        severity: Severity::High,
        subject: SubjectKind::Leaf,
        subject_key: key.into(),
        label: "".into(),
        certificate: None,
        endpoints: Vec::new().into(),
        message: String::new(),
        categories: Vec::new().into(),
    }
}

fn key(rule: &str, subject: &str) -> FindingKey {
    crate::policy::presence::KeyDigest::of(rule, subject)
}

fn at(scan: i64) -> OffsetDateTime {
    timeline()[&ScanId(scan)]
}

fn timeline() -> Timeline {
    (1..=4)
        .map(|i| {
            (
                ScanId(i),
                datetime!(2026-06-01 0:00 UTC) + time::Duration::days(10 * (i - 1)),
            )
        })
        .collect()
}

fn present(scans: &[i64], rule: &str, key: &str) -> Vec<FindingPresence> {
    scans
        .iter()
        .map(|s| (ScanId(*s), rule.to_string(), key.to_string()))
        .collect()
}

#[test]
fn new_open_reappeared_and_fixed() {
    let mut presence = present(&[2, 3], "r", "open");
    presence.extend(present(&[1], "r", "back"));
    presence.extend(present(&[2, 3], "r", "gone"));
    let current = vec![
        finding("r", "open"),
        finding("r", "back"),
        finding("r", "fresh"),
    ];
    let previous = vec![finding("r", "open"), finding("r", "gone")];
    let previous = Previous {
        findings: previous,
        unobserved: Vec::new(),
    };
    let gone = Disappearance {
        observed: [key("r", "gone")].into_iter().collect(),
        ..Disappearance::default()
    };
    let tracked = track(ScanId(4), current, previous, &gone, &presence, &timeline());
    let status = |key: &str| {
        tracked
            .iter()
            .find(|t| &*t.finding.subject_key == key)
            .expect(key)
    };
    assert_eq!(status("open").status, FindingStatus::Open);
    assert_eq!(status("open").open_since, datetime!(2026-06-11 0:00 UTC));
    assert_eq!(status("back").status, FindingStatus::Reappeared);
    assert_eq!(status("back").first_seen, datetime!(2026-06-01 0:00 UTC));
    assert_eq!(status("back").open_since, datetime!(2026-07-01 0:00 UTC));
    assert_eq!(status("fresh").status, FindingStatus::New);
    let gone = status("gone");
    assert_eq!(gone.status, FindingStatus::Fixed);
    assert_eq!(gone.fixed_at, Some(datetime!(2026-07-01 0:00 UTC)));
    assert_eq!(gone.days_to_fix, Some(20));
    assert!(!gone.is_active() && status("fresh").is_active());
}

#[test]
fn scans_outside_the_timeline_do_not_count() {
    let presence = present(&[3], "r", "k");
    let mut timeline = timeline();
    timeline.remove(&ScanId(3));
    let tracked = track(
        ScanId(4),
        vec![finding("r", "k")],
        Previous::default(),
        &Disappearance::default(),
        &presence,
        &timeline,
    );
    assert_eq!(
        tracked[0].status,
        FindingStatus::New,
        "scan 3 is not on the timeline (interrupted)"
    );
}

/// Scan 4 after scans 1-3: `gone` was in scans 2 and 3.
fn disappear(gone: Disappearance) -> TrackedFinding {
    let presence = present(&[2, 3], "r", "gone");
    let previous = Previous {
        findings: vec![finding("r", "gone")],
        unobserved: Vec::new(),
    };
    let tracked = track(
        ScanId(4),
        Vec::new(),
        previous,
        &gone,
        &presence,
        &timeline(),
    );
    assert_eq!(tracked.len(), 1);
    tracked.into_iter().next().unwrap()
}

#[test]
fn gone_without_its_subject_observed_is_unobserved_since_the_last_observation() {
    let t = disappear(Disappearance::default());
    assert_eq!(t.status, FindingStatus::Unobserved);
    assert_eq!(t.last_observed, Some(at(3)));
    assert_eq!(t.open_since, at(2));
    assert_eq!((t.fixed_at, t.days_to_fix), (None, None));
    assert!(!t.is_active(), "unobserved is not active for gates");
}

#[test]
fn gone_with_its_subject_observed_is_fixed() {
    let t = disappear(Disappearance {
        observed: [key("r", "gone")].into_iter().collect(),
        ..Disappearance::default()
    });
    assert_eq!(t.status, FindingStatus::Fixed);
    assert_eq!(t.days_to_fix, Some(20));
    assert_eq!(t.last_observed, None);
}

#[test]
fn gone_by_a_policy_change_is_withdrawn_even_when_observed() {
    let both = [key("r", "gone")].into_iter().collect::<HashSet<_>>();
    let t = disappear(Disappearance {
        withdrawn: both.clone(),
        observed: both,
        policy_changes: vec!["anchors".into()],
    });
    assert_eq!(t.status, FindingStatus::Withdrawn);
    assert_eq!(t.withdrawn_by, vec!["anchors".to_string()]);
    assert_eq!((t.fixed_at, t.days_to_fix), (None, None));
    assert!(!t.is_active());
}

/// `k` present in scan 1, unobserved in scans 2 and 3 (their stored
/// outcomes count as presence), judged at scan 4.
fn after_unobserved(current: Vec<Finding>, gone: Disappearance) -> TrackedFinding {
    let mut presence = present(&[1, 2, 3], "r", "k");
    presence.sort();
    let previous = Previous {
        findings: Vec::new(),
        unobserved: vec![(finding("r", "k"), at(1))],
    };
    let tracked = track(ScanId(4), current, previous, &gone, &presence, &timeline());
    assert_eq!(tracked.len(), 1, "carried once, never twice");
    tracked.into_iter().next().unwrap()
}

#[test]
fn unobserved_stays_unobserved_since_the_same_scan() {
    let t = after_unobserved(Vec::new(), Disappearance::default());
    assert_eq!(t.status, FindingStatus::Unobserved);
    assert_eq!(t.last_observed, Some(at(1)));
    assert_eq!(t.open_since, at(1));
}

#[test]
fn unobserved_then_observed_without_it_is_fixed_counting_from_its_opening() {
    let t = after_unobserved(
        Vec::new(),
        Disappearance {
            observed: [key("r", "k")].into_iter().collect(),
            ..Disappearance::default()
        },
    );
    assert_eq!(t.status, FindingStatus::Fixed);
    assert_eq!(
        t.days_to_fix,
        Some(30),
        "open since scan 1, fixed at scan 4"
    );
}

#[test]
fn unobserved_then_observed_with_it_is_still_open() {
    let t = after_unobserved(vec![finding("r", "k")], Disappearance::default());
    assert_eq!(t.status, FindingStatus::Open);
    assert_eq!(t.open_since, at(1));
    assert!(t.is_active());
}

#[test]
fn unobserved_then_withdrawn() {
    let t = after_unobserved(
        Vec::new(),
        Disappearance {
            withdrawn: [key("r", "k")].into_iter().collect(),
            ..Disappearance::default()
        },
    );
    assert_eq!(t.status, FindingStatus::Withdrawn);
}
