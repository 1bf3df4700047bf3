//! Findings across scans. A finding is identified by its rule and subject
//! key; over the timeline of evaluated scans it is `new` (never seen
//! before), `open` (also in the previous scan, or unobserved there),
//! `reappeared` (seen before, but not in the previous scan). A finding of
//! the previous scan (or unobserved there) that is gone now is, in this
//! order: `withdrawn` (the policy changed, and the previous scan judged
//! under the current policy no longer has it: the policy made it go),
//! `fixed` (its subject was observed again and the rule no longer fires:
//! the network made it go, with the time it took), or `unobserved` (its
//! subject was not observed this time: it stays open, since the last scan
//! that observed it). Pure: the caller supplies the stored presence of
//! every finding, the times of the scans, and [`Disappearance`].

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;
use time::OffsetDateTime;

use super::exceptions::AppliedException;
use super::presence::{KeyDigest, Presence};
use super::Finding;
use crate::store::{FindingPresence, ScanId};

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
    /// In the previous scan, gone now, its subject observed again: fixed
    /// on evidence.
    Fixed,
    /// Its subject was not observed this time (name not tried, option not
    /// probed, out of scope, not reached): still open, not fixed.
    Unobserved,
    /// Gone because the policy changed (rules, anchors, owners, exceptions,
    /// thresholds), not because anything on the network did.
    Withdrawn,
}

impl FindingStatus {
    /// The snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            FindingStatus::New => "new",
            FindingStatus::Open => "open",
            FindingStatus::Reappeared => "reappeared",
            FindingStatus::Fixed => "fixed",
            FindingStatus::Unobserved => "unobserved",
            FindingStatus::Withdrawn => "withdrawn",
        }
    }

    /// Present in the scan looked at: new, open or reappeared.
    pub fn is_present(self) -> bool {
        matches!(
            self,
            FindingStatus::New | FindingStatus::Open | FindingStatus::Reappeared
        )
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
    /// For an unobserved finding: the last scan that observed it (it has
    /// been unobserved since the scan after it).
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_observed: Option<OffsetDateTime>,
    /// For a withdrawn finding: the parts of the policy that changed
    /// (`rules`, `anchors`, `owners`, `exceptions`, `profile`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub withdrawn_by: Vec<String>,
    /// The declared exception covering it, if any.
    pub exception: Option<AppliedException>,
}

impl TrackedFinding {
    /// Counts against the estate (and gates): present in the scan, and
    /// not covered by an exception that is still in force. Fixed, withdrawn
    /// and unobserved findings are not active.
    pub fn is_active(&self) -> bool {
        self.status.is_present() && self.exception.as_ref().is_none_or(|e| e.lapsed)
    }
}

/// The scans of the timeline: every evaluated scan up to the current one,
/// with its time.
pub type Timeline = BTreeMap<ScanId, OffsetDateTime>;

/// Where each finding key was present, on the timeline, before `scan`.
struct History<'a> {
    presence: &'a Presence,
    /// Timeline scans before the current one, newest first.
    earlier: Vec<ScanId>,
    timeline: &'a Timeline,
    scan: ScanId,
}

impl<'a> History<'a> {
    fn new(scan: ScanId, presence: &'a Presence, timeline: &'a Timeline) -> Self {
        let earlier = timeline.range(..scan).map(|(id, _)| *id).rev().collect();
        History {
            presence,
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

    /// `(status, first seen, open since)` of a finding present now, by
    /// its key.
    fn of_current(&self, key: FindingKey) -> (FindingStatus, OffsetDateTime, OffsetDateTime) {
        let row = self.presence.row_of(key);
        let present = |id: &ScanId| row.at(*id);
        let first = row.scans(&self.earlier).last();
        let status = match (first, self.earlier.first()) {
            (Some(_), Some(previous)) if present(previous) => FindingStatus::Open,
            (Some(_), _) => FindingStatus::Reappeared,
            _ => FindingStatus::New,
        };
        // the oldest scan of the unbroken run back from the previous one
        let streak = self.earlier.iter().take_while(|id| present(id)).last();
        let streak = streak.copied().unwrap_or(self.scan);
        (
            status,
            self.time_of(first.unwrap_or(self.scan)),
            self.time_of(streak),
        )
    }
}

/// A finding's identity across scans, `(rule id, subject key)`, in the
/// compact form the tracking sets hold (see [`KeyDigest`]).
pub type FindingKey = KeyDigest;

/// The identity of `finding`.
pub fn key_of(finding: &Finding) -> FindingKey {
    KeyDigest::of(&finding.rule, &finding.subject_key)
}

/// What the scan before the current one on the timeline left open.
#[derive(Debug, Clone, Default)]
pub struct Previous {
    /// Its stored findings.
    pub findings: Vec<Finding>,
    /// The findings unobserved at it, each with the time of the last scan
    /// that observed it.
    pub unobserved: Vec<(Finding, OffsetDateTime)>,
}

/// The evidence about findings of [`Previous`] absent now.
#[derive(Debug, Clone, Default)]
pub struct Disappearance {
    /// Keys the current policy no longer yields where they were last
    /// observed (the previous scan judged again under the current policy):
    /// the policy made them go.
    pub withdrawn: HashSet<FindingKey>,
    /// Keys whose subject the current scan observed (see
    /// [`Observation`](super::observed::Observation)).
    pub observed: HashSet<FindingKey>,
    /// The parts of the policy that changed since the previous evaluation.
    pub policy_changes: Vec<String>,
}

/// Tracks `current` (the findings of `scan`) and what `previous` (the scan
/// before it on `timeline`) left open against `presence` (where each key
/// was present or unobserved); `gone` says why what is absent now went.
pub fn track(
    scan: ScanId,
    current: Vec<Finding>,
    previous: Previous,
    gone: &Disappearance,
    presence: &[FindingPresence],
    timeline: &Timeline,
) -> Vec<TrackedFinding> {
    let mut folded = Presence::new(scan, timeline, wanted(&current, &previous));
    for (at, rule, key) in presence {
        folded.add(*at, rule, key);
    }
    track_with(scan, current, previous, gone, &folded, timeline)
}

/// The keys tracking asks [`Presence`] about: those of `current` and of
/// what `previous` left open.
pub fn wanted<'f>(
    current: &'f [Finding],
    previous: &'f Previous,
) -> impl Iterator<Item = (&'f str, &'f str)> {
    let left = previous.unobserved.iter().map(|(f, _)| f);
    current
        .iter()
        .chain(&previous.findings)
        .chain(left)
        .map(|f| (&*f.rule, &*f.subject_key))
}

/// [`track`] with the presence already folded (see [`wanted`]): what the
/// judge streams from the store.
pub fn track_with(
    scan: ScanId,
    current: Vec<Finding>,
    previous: Previous,
    gone: &Disappearance,
    presence: &Presence,
    timeline: &Timeline,
) -> Vec<TrackedFinding> {
    let history = History::new(scan, presence, timeline);
    let now = history.time_of(scan);
    // each finding's key digested once, for `seen` and its presence
    let mut seen: HashSet<FindingKey> = HashSet::with_capacity(current.len());
    let mut tracked: Vec<TrackedFinding> = Vec::with_capacity(current.len());
    for finding in current {
        let key = key_of(&finding);
        seen.insert(key);
        let (status, first_seen, open_since) = history.of_current(key);
        tracked.push(TrackedFinding {
            status,
            first_seen,
            open_since,
            ..TrackedFinding::blank(finding)
        });
    }
    let previous_time = history.earlier.first().map(|id| history.time_of(*id));
    let candidates = previous
        .findings
        .into_iter()
        .map(|f| (f, previous_time))
        .chain(previous.unobserved.into_iter().map(|(f, at)| (f, Some(at))));
    for (finding, last_observed) in candidates {
        let key = key_of(&finding);
        if !seen.insert(key) {
            continue;
        }
        // Present (or unobserved) in the previous scan: `of_current`
        // measures its last run.
        let (_, first_seen, open_since) = history.of_current(key);
        let mut t = TrackedFinding {
            first_seen,
            open_since,
            ..TrackedFinding::blank(finding)
        };
        if gone.withdrawn.contains(&key) {
            t.status = FindingStatus::Withdrawn;
            t.withdrawn_by = gone.policy_changes.clone();
        } else if gone.observed.contains(&key) {
            t.status = FindingStatus::Fixed;
            t.fixed_at = Some(now);
            t.days_to_fix = Some((now - open_since).whole_days());
        } else {
            t.status = FindingStatus::Unobserved;
            t.last_observed = last_observed;
        }
        tracked.push(t);
    }
    tracked
}

impl TrackedFinding {
    /// `finding` as new now, nothing else known (the caller fills in).
    fn blank(finding: Finding) -> TrackedFinding {
        TrackedFinding {
            finding,
            status: FindingStatus::New,
            first_seen: OffsetDateTime::UNIX_EPOCH,
            open_since: OffsetDateTime::UNIX_EPOCH,
            fixed_at: None,
            days_to_fix: None,
            last_observed: None,
            withdrawn_by: Vec::new(),
            exception: None,
        }
    }
}

#[cfg(test)]
mod tests;
