//! Why findings went: the evidence [`lifecycle::track`](super::lifecycle::track)
//! needs about the findings of the previous scan that are absent now, and
//! the conversions between tracked findings and what the store keeps of
//! them (a scan's outcomes, carried to the next scan).

use std::collections::HashSet;

use super::lifecycle::{
    key_of as key, Disappearance, FindingKey, FindingStatus, Previous, TrackedFinding,
};
use super::observed::Observation;
use super::{Finding, RuleSet};
use crate::store::{FindingOutcome, StoredFinding};

/// The evidence about what `previous` left open.
///
/// - `policy_changes`: the parts of the policy that changed since the
///   previous evaluation (empty: none).
/// - `again`: the previous scan's findings judged again under the current
///   policy, when the policy changed. A finding of the previous scan that
///   the current policy no longer yields there went because of the policy:
///   withdrawn. A carried unobserved finding is withdrawn when its rule is
///   no longer in the rule set.
/// - `now`: what the current scan observed.
pub fn disappearance(
    previous: &Previous,
    policy_changes: Vec<String>,
    again: Option<&[Finding]>,
    rules: &RuleSet,
    now: &Observation<'_>,
) -> Disappearance {
    let mut withdrawn = HashSet::new();
    if let Some(again) = again {
        let still: HashSet<FindingKey> = again.iter().map(key).collect();
        let gone = previous
            .findings
            .iter()
            .map(key)
            .filter(|k| !still.contains(k));
        withdrawn.extend(gone);
        let ruleless = previous
            .unobserved
            .iter()
            .filter(|(f, _)| rules.get(&f.rule).is_none())
            .map(|(f, _)| key(f));
        withdrawn.extend(ruleless);
    }
    let candidates = previous
        .findings
        .iter()
        .chain(previous.unobserved.iter().map(|(f, _)| f));
    Disappearance {
        withdrawn,
        observed: now.observed_keys(candidates),
        policy_changes,
    }
}

/// [`Previous`] built from the previous scan's stored findings, one at a
/// time as the store streams them, the findings of one rule sharing its
/// parts ([`StoredParts`](super::finding::StoredParts)), then its recorded
/// outcomes (its `unobserved` ones are carried; stored words this version
/// does not know are skipped).
#[derive(Debug, Default)]
pub struct PreviousBuilder {
    shared: super::finding::StoredParts,
    findings: Vec<Finding>,
}

impl PreviousBuilder {
    /// Adds the next stored finding of the previous scan.
    pub fn finding(&mut self, stored: &StoredFinding) {
        let shared = &mut self.shared;
        self.findings
            .extend(Finding::from_stored_sharing(&stored.finding, shared));
    }

    /// [`Previous`], with the scan's recorded `outcomes`.
    pub fn finish(mut self, outcomes: &[FindingOutcome]) -> Previous {
        let shared = &mut self.shared;
        let unobserved = outcomes
            .iter()
            .filter(|o| o.status == FindingStatus::Unobserved.name())
            .filter_map(|o| {
                let finding = Finding::from_stored_sharing(&o.finding, shared)?;
                Some((finding, o.last_observed.unwrap_or(o.open_since)))
            })
            .collect();
        self.findings.shrink_to_fit();
        Previous {
            findings: self.findings,
            unobserved,
        }
    }
}

impl TrackedFinding {
    /// What the store records for a finding absent from the scan (fixed,
    /// withdrawn or unobserved); `None` for one present.
    pub fn to_outcome(&self) -> Option<FindingOutcome> {
        if self.status.is_present() {
            return None;
        }
        Some(FindingOutcome {
            finding: self.finding.to_stored(),
            status: self.status.name().to_string(),
            open_since: self.open_since,
            last_observed: self.last_observed,
            days_to_fix: self.days_to_fix,
        })
    }
}
