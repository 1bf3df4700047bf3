//! A scan's tracked findings counted as they stream by: how many are
//! active at each severity, how many excepted, and how many of each
//! status. What the one-line summary after a scan, the `--fail-on` gate
//! and `watch`'s run line read, so that a command that only counts
//! findings never holds them.

use std::collections::BTreeMap;

use super::{FindingStatus, TrackedFinding};
use crate::policy::Severity;

/// Counts of a scan's tracked findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingCounts {
    /// Active findings (present, no exception in force) by severity.
    active: BTreeMap<Severity, u64>,
    /// Present findings covered by an exception in force.
    excepted: u64,
    /// Findings of each status.
    statuses: BTreeMap<FindingStatus, u64>,
}

impl FindingCounts {
    /// The counts of `tracked`.
    pub fn of(tracked: &[TrackedFinding]) -> FindingCounts {
        let mut counts = FindingCounts::default();
        tracked.iter().for_each(|t| counts.add(t));
        counts
    }

    /// Counts one more tracked finding.
    pub fn add(&mut self, t: &TrackedFinding) {
        *self.statuses.entry(t.status).or_default() += 1;
        if t.is_active() {
            *self.active.entry(t.finding.severity).or_default() += 1;
        } else if t.status.is_present() {
            self.excepted += 1;
        }
    }

    /// Active findings of `severity`.
    pub fn active(&self, severity: Severity) -> u64 {
        self.active.get(&severity).copied().unwrap_or(0)
    }

    /// Present findings covered by an exception in force.
    pub fn excepted(&self) -> u64 {
        self.excepted
    }

    /// Findings of `status`.
    pub fn with_status(&self, status: FindingStatus) -> u64 {
        self.statuses.get(&status).copied().unwrap_or(0)
    }

    /// Every finding counted, whatever its status.
    pub fn total(&self) -> u64 {
        self.statuses.values().sum()
    }

    /// True when an active finding reaches `fail_on` (`--fail-on`).
    pub fn fails(&self, fail_on: Option<Severity>) -> bool {
        fail_on.is_some_and(|threshold| {
            self.active
                .iter()
                .any(|(severity, n)| *severity >= threshold && *n > 0)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::exceptions::AppliedException;
    use crate::policy::lifecycle::tests::finding;

    fn tracked(severity: Severity, status: FindingStatus, excepted: bool) -> TrackedFinding {
        let mut t = TrackedFinding::blank(finding("r", "k"));
        t.finding.severity = severity;
        t.status = status;
        t.exception = excepted.then(|| AppliedException {
            what: "rule:r".into(),
            owner: None,
            reason: "accepted".into(),
            review: None,
            lapsed: false,
        });
        t
    }

    #[test]
    fn only_present_findings_without_an_exception_count_as_active_and_gate() {
        let counts = FindingCounts::of(&[
            tracked(Severity::High, FindingStatus::New, false),
            tracked(Severity::Critical, FindingStatus::Open, true),
            tracked(Severity::Critical, FindingStatus::Fixed, false),
            tracked(Severity::Critical, FindingStatus::Unobserved, false),
            tracked(Severity::Low, FindingStatus::Reappeared, false),
        ]);
        assert_eq!(counts.active(Severity::High), 1);
        assert_eq!(
            counts.active(Severity::Critical),
            0,
            "excepted, fixed, unobserved"
        );
        assert_eq!(counts.active(Severity::Low), 1);
        assert_eq!(counts.excepted(), 1);
        assert_eq!(counts.with_status(FindingStatus::Fixed), 1);
        assert_eq!(counts.total(), 5);
        assert!(counts.fails(Some(Severity::High)));
        assert!(!counts.fails(Some(Severity::Critical)));
        assert!(!counts.fails(None));
    }
}
