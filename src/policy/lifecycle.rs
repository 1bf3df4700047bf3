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
    earlier: &'a [ScanId],
    timeline: &'a Timeline,
    scan: ScanId,
}

impl History<'_> {
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
        let first = row.scans(self.earlier).last();
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

/// [`track`] with the presence already folded (see [`wanted`]): the
/// whole of [`Tracker`] over findings held in memory.
pub fn track_with(
    scan: ScanId,
    current: Vec<Finding>,
    previous: Previous,
    gone: &Disappearance,
    presence: &Presence,
    timeline: &Timeline,
) -> Vec<TrackedFinding> {
    let left = previous.findings.iter().map(key_of);
    let left = left.chain(previous.unobserved.iter().map(|(f, _)| key_of(f)));
    let mut tracker = Tracker::new(scan, timeline, LeftOpen::new(left.collect()));
    let mut tracked = tracker.current(current, presence);
    let previous_time = tracker.previous_time();
    let candidates = previous
        .findings
        .into_iter()
        .map(|f| (f, previous_time))
        .chain(previous.unobserved.into_iter().map(|(f, at)| (f, Some(at))));
    for (finding, last_observed) in candidates {
        let key = key_of(&finding);
        let status = if gone.withdrawn.contains(&key) {
            FindingStatus::Withdrawn
        } else if gone.observed.contains(&key) {
            FindingStatus::Fixed
        } else {
            FindingStatus::Unobserved
        };
        let went = Went {
            status,
            last_observed,
            policy_changes: &gone.policy_changes,
        };
        tracked.extend(tracker.gone(finding, went, presence));
    }
    tracked
}

/// The keys of what the previous scan left open (its findings, and those
/// unobserved at it), each with what tracking learns of it: whether the
/// current scan has it, whether the current policy still yields it at the
/// previous scan, whether it was tracked as gone already. 16 bytes and a
/// byte per key: at 7,000,000 findings about 120 MB, where the findings
/// themselves would take gigabytes.
#[derive(Debug, Clone, Default)]
pub struct LeftOpen {
    /// Sorted, each once.
    keys: Vec<FindingKey>,
    /// One per key: [`SEEN_NOW`], [`STILL`], [`TRACKED`] bits.
    marks: Vec<u8>,
}

/// The current scan has the key.
const SEEN_NOW: u8 = 1;
/// The current policy still yields it at the previous scan.
const STILL: u8 = 2;
/// Tracked as gone already (a key stored twice is tracked once).
const TRACKED: u8 = 4;

impl LeftOpen {
    /// The keys `keys` (in any order, repeats allowed), nothing marked.
    pub fn new(mut keys: Vec<FindingKey>) -> LeftOpen {
        keys.sort_unstable();
        keys.dedup();
        keys.shrink_to_fit();
        let marks = vec![0; keys.len()];
        LeftOpen { keys, marks }
    }

    fn mark(&mut self, key: FindingKey, bit: u8) {
        if let Ok(at) = self.keys.binary_search(&key) {
            self.marks[at] |= bit;
        }
    }

    fn has(&self, key: FindingKey, bit: u8) -> bool {
        self.keys
            .binary_search(&key)
            .is_ok_and(|at| self.marks[at] & bit != 0)
    }

    /// Notes that the current policy, judging the previous scan again,
    /// still yields `key` there.
    pub fn still_yielded(&mut self, key: FindingKey) {
        self.mark(key, STILL);
    }

    /// Whether the current policy still yields `key` at the previous scan
    /// (see [`LeftOpen::still_yielded`]).
    pub fn is_still_yielded(&self, key: FindingKey) -> bool {
        self.has(key, STILL)
    }
}

/// How a finding the previous scan left open went ([`Tracker::gone`]).
#[derive(Debug, Clone, Copy)]
pub struct Went<'a> {
    /// [`FindingStatus::Withdrawn`], [`FindingStatus::Fixed`] or
    /// [`FindingStatus::Unobserved`].
    pub status: FindingStatus,
    /// The last scan that observed it: the previous one for its findings,
    /// the recorded one for those unobserved at it.
    pub last_observed: Option<OffsetDateTime>,
    /// The parts of the policy that changed (for a withdrawn finding).
    pub policy_changes: &'a [String],
}

/// Tracks the findings of one scan a slice at a time: the current scan's
/// as they are evaluated ([`Tracker::current`]), then what the previous
/// scan left open and the current one does not have ([`Tracker::is_gone`],
/// [`Tracker::gone`]), each slice against the presence of its own keys.
/// What it holds besides is the keys of [`LeftOpen`], so that tracking
/// never holds a scan's findings.
#[derive(Debug)]
pub struct Tracker<'t> {
    scan: ScanId,
    timeline: &'t Timeline,
    /// Timeline scans before the current one, newest first.
    earlier: Vec<ScanId>,
    left: LeftOpen,
}

impl<'t> Tracker<'t> {
    /// Tracking `scan` on `timeline`, the previous scan having left `left`
    /// open.
    pub fn new(scan: ScanId, timeline: &'t Timeline, left: LeftOpen) -> Self {
        let earlier = timeline.range(..scan).map(|(id, _)| *id).rev().collect();
        Tracker {
            scan,
            timeline,
            earlier,
            left,
        }
    }

    /// What the previous scan left open, as marked so far.
    pub fn left(&mut self) -> &mut LeftOpen {
        &mut self.left
    }

    /// The time of the previous scan on the timeline, if any.
    pub fn previous_time(&self) -> Option<OffsetDateTime> {
        let at = |id: &ScanId| self.timeline.get(id).copied();
        self.earlier
            .first()
            .map(|id| at(id).unwrap_or(OffsetDateTime::UNIX_EPOCH))
    }

    fn history<'p>(&'p self, presence: &'p Presence) -> History<'p> {
        History {
            presence,
            earlier: &self.earlier,
            timeline: self.timeline,
            scan: self.scan,
        }
    }

    /// Tracks findings of the current scan (`presence` holds at least
    /// their keys): new, open or reappeared.
    pub fn current(&mut self, findings: Vec<Finding>, presence: &Presence) -> Vec<TrackedFinding> {
        let mut tracked = Vec::with_capacity(findings.len());
        for finding in findings {
            let key = key_of(&finding);
            self.left.mark(key, SEEN_NOW);
            let (status, first_seen, open_since) = self.history(presence).of_current(key);
            tracked.push(TrackedFinding {
                status,
                first_seen,
                open_since,
                ..TrackedFinding::blank(finding)
            });
        }
        tracked
    }

    /// Whether `key`, left open by the previous scan, is absent now and not
    /// tracked yet: call after every current finding went through
    /// [`Tracker::current`].
    pub fn is_gone(&self, key: FindingKey) -> bool {
        self.left
            .keys
            .binary_search(&key)
            .is_ok_and(|at| self.left.marks[at] & (SEEN_NOW | TRACKED) == 0)
    }

    /// Tracks `finding`, left open by the previous scan, as gone the way
    /// `went` says (`presence` holds at least its key); `None` when the
    /// current scan has it or it was tracked already.
    pub fn gone(
        &mut self,
        finding: Finding,
        went: Went<'_>,
        presence: &Presence,
    ) -> Option<TrackedFinding> {
        let key = key_of(&finding);
        if !self.is_gone(key) {
            return None;
        }
        self.left.mark(key, TRACKED);
        let history = self.history(presence);
        let now = history.time_of(self.scan);
        // present (or unobserved) at the previous scan: `of_current`
        // measures its last run
        let (_, first_seen, open_since) = history.of_current(key);
        let mut t = TrackedFinding {
            first_seen,
            open_since,
            status: went.status,
            ..TrackedFinding::blank(finding)
        };
        match went.status {
            FindingStatus::Withdrawn => t.withdrawn_by = went.policy_changes.to_vec(),
            FindingStatus::Fixed => {
                t.fixed_at = Some(now);
                t.days_to_fix = Some((now - open_since).whole_days());
            }
            _ => {
                t.status = FindingStatus::Unobserved;
                t.last_observed = went.last_observed;
            }
        }
        Some(t)
    }
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

mod counts;

pub use counts::FindingCounts;

#[cfg(test)]
mod tests;
