//! What the store keeps of a finding that went: a tracked finding absent
//! from its scan (fixed, withdrawn or unobserved) as one of the scan's
//! recorded outcomes, carried to the next scan. Why a finding went is
//! decided by the judge as it reads the previous scan back
//! (`judge::findings`), from what the current scan observed
//! ([`Observation`](super::observed::Observation)).

use super::lifecycle::TrackedFinding;
use crate::store::FindingOutcome;

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
