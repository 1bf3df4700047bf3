//! Tracking a scan's findings a slice at a time, so that judging never
//! holds a scan's findings: each slice (the findings of one model chunk,
//! or a page of what the previous scan left open) is stored (with
//! [`Persist::Record`](super::Persist::Record)), looked up in the stored
//! presence of its own keys, tracked ([`Tracker`]), given its exception,
//! folded into what the score reads ([`FactFold`]) and handed to the
//! caller's sink, then dropped.

use std::collections::HashMap;
use std::sync::Arc;

use time::Date;

use crate::exception::Exception;
use crate::policy::exceptions::exception_for;
use crate::policy::lifecycle::{key_of, FindingCounts, Timeline, TrackedFinding, Tracker, Went};
use crate::policy::presence::{KeyDigest, Presence};
use crate::policy::{Finding, Severity};
use crate::scoring::FindingFact;
use crate::store::{ScanId, Store, StoreError};

/// Where findings of earlier scans evaluated in memory (judged read-only,
/// their findings not stored) were present, by key: what the store would
/// answer had they been stored.
#[derive(Debug, Default)]
pub(super) struct UnstoredPresence {
    scans: HashMap<KeyDigest, Vec<ScanId>>,
}

impl UnstoredPresence {
    /// Notes that `finding` was present at `scan`.
    pub fn add(&mut self, scan: ScanId, finding: &Finding) {
        self.scans.entry(key_of(finding)).or_default().push(scan);
    }

    /// Adds to `presence` where `keys` were present.
    fn fill(&self, presence: &mut Presence, keys: &[KeyDigest]) {
        if self.scans.is_empty() {
            return;
        }
        for key in keys {
            for at in self.scans.get(key).into_iter().flatten() {
                presence.add_digest(*at, *key);
            }
        }
    }
}

/// A scan's present findings as scoring sees them, folded into one
/// [`FindingFact`] per rule, severity and activity as they stream by.
#[derive(Debug, Default)]
pub(super) struct FactFold {
    at: HashMap<(Arc<str>, Severity, bool), usize>,
    facts: Vec<FindingFact>,
}

impl FactFold {
    /// Counts `tracked` when it is present in the scan (fixed, withdrawn
    /// and unobserved findings are not).
    pub fn add(&mut self, tracked: &TrackedFinding) {
        if !tracked.status.is_present() {
            return;
        }
        let f = &tracked.finding;
        let active = tracked.is_active();
        let facts = &mut self.facts;
        let at = *self
            .at
            .entry((f.rule.clone(), f.severity, active))
            .or_insert_with(|| {
                facts.push(FindingFact {
                    rule: f.rule.clone(),
                    severity: f.severity,
                    categories: f.categories.clone(),
                    active,
                    count: 0,
                });
                facts.len() - 1
            });
        self.facts[at].count += 1;
    }

    /// The facts, in the order their rules first came.
    pub fn finish(self) -> Vec<FindingFact> {
        self.facts
    }
}

/// The findings of one scan on their way through tracking.
pub(super) struct FindingStream<'a> {
    /// The inventory.
    pub store: &'a Store,
    /// The scan tracked.
    pub scan: ScanId,
    /// The timeline up to it.
    pub timeline: &'a Timeline,
    /// Presence of earlier scans evaluated in memory.
    pub unstored: &'a UnstoredPresence,
    /// The lifecycle.
    pub tracker: Tracker<'a>,
    /// Store the findings and outcomes.
    pub record: bool,
    /// The declared exceptions, judged on `today`.
    pub exceptions: &'a [Exception],
    /// Today.
    pub today: Date,
    /// Findings of the scan stored so far.
    pub stored: u64,
    /// What the score reads.
    pub facts: FactFold,
    /// The findings counted.
    pub counts: FindingCounts,
    /// Where each tracked finding goes.
    pub sink: &'a mut dyn FnMut(TrackedFinding),
}

impl FindingStream<'_> {
    /// Tracks a slice of the current scan's findings.
    pub fn current(&mut self, findings: Vec<Finding>) -> Result<(), StoreError> {
        if findings.is_empty() {
            return Ok(());
        }
        if self.record {
            self.store.append_findings(self.scan, &findings)?;
            self.stored += findings.len() as u64;
        }
        let presence = self.presence_of(findings.iter())?;
        let tracked = self.tracker.current(findings, &presence);
        self.hand_on(tracked);
        Ok(())
    }

    /// Tracks a slice of what the previous scan left open and the current
    /// one does not have, each finding with how it went.
    pub fn gone(&mut self, candidates: Vec<(Finding, Went<'_>)>) -> Result<(), StoreError> {
        if candidates.is_empty() {
            return Ok(());
        }
        let presence = self.presence_of(candidates.iter().map(|(f, _)| f))?;
        let tracked: Vec<TrackedFinding> = candidates
            .into_iter()
            .filter_map(|(finding, went)| self.tracker.gone(finding, went, &presence))
            .collect();
        if self.record {
            let outcomes: Vec<_> = tracked.iter().filter_map(|t| t.to_outcome()).collect();
            self.store.append_outcomes(self.scan, &outcomes)?;
        }
        self.hand_on(tracked);
        Ok(())
    }

    /// The presence before the scan of the keys of `findings`, from the
    /// store and the scans evaluated in memory.
    fn presence_of<'f>(
        &self,
        findings: impl Iterator<Item = &'f Finding> + Clone,
    ) -> Result<Presence, StoreError> {
        let digests: Vec<KeyDigest> = findings.clone().map(key_of).collect();
        let mut presence = Presence::of_digests(self.scan, self.timeline, digests.iter().copied());
        if self.timeline.range(..self.scan).next().is_none() {
            // the first scan of the timeline: nothing before it to ask about
            return Ok(presence);
        }
        let keys: Vec<(&str, &str)> = findings.map(|f| (&*f.rule, &*f.subject_key)).collect();
        let mut add = |at: ScanId, rule: &str, key: &str| presence.add(at, rule, key);
        self.store.each_presence_of(self.scan, &keys, &mut add)?;
        self.unstored.fill(&mut presence, &digests);
        Ok(presence)
    }

    /// Gives each tracked finding its exception, folds it into the facts
    /// and hands it on.
    fn hand_on(&mut self, tracked: Vec<TrackedFinding>) {
        for mut t in tracked {
            t.exception = exception_for(&t.finding, self.exceptions, self.today);
            self.facts.add(&t);
            self.counts.add(&t);
            (self.sink)(t);
        }
    }
}
