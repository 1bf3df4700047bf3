use super::*;
use crate::policy::{Severity, SubjectKind};
use time::macros::datetime;

fn finding(rule: &str, key: &str) -> Finding {
    Finding {
        rule: rule.into(),
        title: String::new(),
        severity: Severity::High,
        subject: SubjectKind::Leaf,
        subject_key: key.into(),
        label: String::new(),
        certificate: None,
        endpoints: Vec::new(),
        message: String::new(),
        categories: Vec::new(),
    }
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
    let tracked = track(ScanId(4), current, previous, &presence, &timeline());
    let status = |key: &str| {
        tracked
            .iter()
            .find(|t| t.finding.subject_key == key)
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
        Vec::new(),
        &presence,
        &timeline,
    );
    assert_eq!(
        tracked[0].status,
        FindingStatus::New,
        "scan 3 is not on the timeline (interrupted)"
    );
}
