//! Findings across scans. A finding is identified by its rule and subject
//! key; over the timeline of evaluated scans it is `new` (never seen
//! before), `open` (also in the previous scan), `reappeared` (seen before,
//! but not in the previous scan) or `fixed` (in the previous scan, gone
//! now, with the time it took). Pure: the caller supplies the stored
//! presence of every finding and the times of the scans.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use time::OffsetDateTime;

use super::exceptions::AppliedException;
use super::Finding;
use crate::inventory::store::{FindingPresence, ScanId};

/// Where a finding stands in the scan looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingStatus {
    /// First time seen.
    New,
    /// Also in the previous scan.
    Open,
    /// Seen before, absent from the previous scan, back now.
    Reappeared,
    /// In the previous scan, gone now.
    Fixed,
}

impl FindingStatus {
    /// The snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            FindingStatus::New => "new",
            FindingStatus::Open => "open",
            FindingStatus::Reappeared => "reappeared",
            FindingStatus::Fixed => "fixed",
        }
    }
}

/// A finding with its history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackedFinding {
    /// The finding (for a fixed one: as last seen).
    #[serde(flatten)]
    pub finding: Finding,
    /// Where it stands.
    pub status: FindingStatus,
    /// The first scan that had it.
    #[serde(with = "time::serde::rfc3339")]
    pub first_seen: OffsetDateTime,
    /// The first scan of its current (or, when fixed, last) unbroken run.
    #[serde(with = "time::serde::rfc3339")]
    pub open_since: OffsetDateTime,
    /// For a fixed finding: the scan that no longer had it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub fixed_at: Option<OffsetDateTime>,
    /// For a fixed finding: days from `open_since` to `fixed_at`.
    pub days_to_fix: Option<i64>,
    /// The declared exception covering it, if any.
    pub exception: Option<AppliedException>,
}

impl TrackedFinding {
    /// Counts against the estate: not fixed, and not covered by an
    /// exception that is still in force.
    pub fn is_active(&self) -> bool {
        self.status != FindingStatus::Fixed && self.exception.as_ref().is_none_or(|e| e.lapsed)
    }
}

/// The scans of the timeline: every evaluated scan up to the current one,
/// with its time.
pub type Timeline = BTreeMap<ScanId, OffsetDateTime>;

/// Where each finding key was present, on the timeline, before `scan`.
struct History<'a> {
    seen: HashMap<(&'a str, &'a str), BTreeSet<ScanId>>,
    /// Timeline scans before the current one, newest first.
    earlier: Vec<ScanId>,
    timeline: &'a Timeline,
    scan: ScanId,
}

impl<'a> History<'a> {
    fn new(scan: ScanId, presence: &'a [FindingPresence], timeline: &'a Timeline) -> Self {
        let mut seen: HashMap<(&str, &str), BTreeSet<ScanId>> = HashMap::new();
        let on_timeline = presence
            .iter()
            .filter(|(at, _, _)| *at < scan && timeline.contains_key(at));
        for (at, rule, key) in on_timeline {
            seen.entry((rule.as_str(), key.as_str()))
                .or_default()
                .insert(*at);
        }
        let earlier = timeline.range(..scan).map(|(id, _)| *id).rev().collect();
        History {
            seen,
            earlier,
            timeline,
            scan,
        }
    }

    fn time_of(&self, id: ScanId) -> OffsetDateTime {
        self.timeline
            .get(&id)
            .copied()
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }

    /// `(status, first seen, open since)` of a finding present now.
    fn of_current(&self, finding: &Finding) -> (FindingStatus, OffsetDateTime, OffsetDateTime) {
        let before = self
            .seen
            .get(&(finding.rule.as_str(), finding.subject_key.as_str()));
        let status = match (before, self.earlier.first()) {
            (Some(at), Some(previous)) if at.contains(previous) => FindingStatus::Open,
            (Some(at), _) if !at.is_empty() => FindingStatus::Reappeared,
            _ => FindingStatus::New,
        };
        let streak = streak_start(before, &self.earlier).unwrap_or(self.scan);
        let first = before
            .and_then(|at| at.first().copied())
            .unwrap_or(self.scan);
        (status, self.time_of(first), self.time_of(streak))
    }
}

/// Tracks `current` (the findings of `scan`) and `previous` (the stored
/// findings of the scan before it on `timeline`) against `presence`.
pub fn track(
    scan: ScanId,
    current: Vec<Finding>,
    previous: Vec<Finding>,
    presence: &[FindingPresence],
    timeline: &Timeline,
) -> Vec<TrackedFinding> {
    let history = History::new(scan, presence, timeline);
    let now = history.time_of(scan);
    let current_keys: BTreeSet<(String, String)> = current
        .iter()
        .map(|f| (f.rule.clone(), f.subject_key.clone()))
        .collect();
    let mut tracked: Vec<TrackedFinding> = current
        .into_iter()
        .map(|finding| {
            let (status, first_seen, open_since) = history.of_current(&finding);
            TrackedFinding {
                status,
                first_seen,
                open_since,
                fixed_at: None,
                days_to_fix: None,
                exception: None,
                finding,
            }
        })
        .collect();
    let gone = previous
        .into_iter()
        .filter(|f| !current_keys.contains(&(f.rule.clone(), f.subject_key.clone())));
    for finding in gone {
        // Present in the previous scan: `of_current` measures its last run.
        let (_, first_seen, open_since) = history.of_current(&finding);
        tracked.push(TrackedFinding {
            status: FindingStatus::Fixed,
            first_seen,
            open_since,
            fixed_at: Some(now),
            days_to_fix: Some((now - open_since).whole_days()),
            exception: None,
            finding,
        });
    }
    tracked
}

/// The oldest scan of the unbroken run of `earlier` (newest first) that
/// had the finding, counting back from the newest; `None` when the newest
/// did not have it.
fn streak_start(present: Option<&BTreeSet<ScanId>>, earlier: &[ScanId]) -> Option<ScanId> {
    let present = present?;
    earlier
        .iter()
        .take_while(|id| present.contains(id))
        .last()
        .copied()
}

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod tests;
