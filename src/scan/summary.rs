//! The scan summary: counts of what a run saw, tallied as observations pass.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::options::OptionsChange;
use crate::observation::{Observation, SCHEMA_VERSION};

/// What one scan run amounted to; written at the end of every output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanSummary {
    /// Observation schema version of the run's output.
    pub schema_version: u32,
    /// certatlas version that ran the scan.
    pub tool_version: String,
    /// When the run started.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// When the run ended.
    #[serde(with = "time::serde::rfc3339")]
    pub finished_at: OffsetDateTime,
    /// False when the run was interrupted; what was collected is kept.
    pub complete: bool,
    /// Targets handed to probes.
    pub targets_dispatched: u64,
    /// Observations written.
    pub observations: u64,
    /// Observations that captured a chain.
    pub chains_captured: u64,
    /// Distinct leaf certificates captured (by SHA-256).
    pub distinct_leaves: u64,
    /// Count per outcome reason, e.g. `timeout(connect)`.
    pub outcomes: BTreeMap<String, u64>,
    /// How this scan's probe options differ from those of the previous
    /// complete scan of its scope (absent when they do not, or there is none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options_change: Option<OptionsChange>,
}

impl ScanSummary {
    /// What the user can do about some outcomes, one line each: endpoints
    /// that need their domain name (`needs_name`) get the hint to pair one.
    pub fn hints(&self) -> Vec<String> {
        let mut hints = Vec::new();
        if let Some(&count) = self.outcomes.get("needs_name") {
            let (endpoints, need) = match count {
                1 => ("endpoint", "needs"),
                _ => ("endpoints", "need"),
            };
            hints.push(format!(
                "hint: {count} {endpoints} {need} the service's domain name (XMPP): pair the \
                 name with the address (name@address or --resolve name:address) and scan again"
            ));
        }
        hints
    }
}

/// Accumulates a [`ScanSummary`] one observation at a time.
#[derive(Debug)]
pub struct Tally {
    summary: ScanSummary,
    leaves: std::collections::HashSet<String>,
}

impl Tally {
    /// Starts a tally for a run that began at `started_at`.
    pub fn new(started_at: OffsetDateTime) -> Tally {
        Tally {
            summary: ScanSummary {
                schema_version: SCHEMA_VERSION,
                tool_version: env!("CARGO_PKG_VERSION").to_string(),
                started_at,
                finished_at: started_at,
                complete: false,
                targets_dispatched: 0,
                observations: 0,
                chains_captured: 0,
                distinct_leaves: 0,
                outcomes: BTreeMap::new(),
                options_change: None,
            },
            leaves: std::collections::HashSet::new(),
        }
    }

    /// Counts one observation; `leaf_sha256` is the leaf's fingerprint.
    pub fn add(&mut self, observation: &Observation, leaf_sha256: Option<&str>) {
        let s = &mut self.summary;
        s.observations += 1;
        *s.outcomes
            .entry(observation.outcome.reason_key())
            .or_default() += 1;
        if observation.has_chain() {
            s.chains_captured += 1;
        }
        if let Some(leaf) = leaf_sha256 {
            if !self.leaves.contains(leaf) {
                self.leaves.insert(leaf.to_string());
                s.distinct_leaves += 1;
            }
        }
    }

    /// Closes the tally at `finished_at`.
    pub fn finish(
        mut self,
        complete: bool,
        dispatched: u64,
        finished_at: OffsetDateTime,
    ) -> ScanSummary {
        self.summary.finished_at = finished_at;
        self.summary.complete = complete;
        self.summary.targets_dispatched = dispatched;
        self.summary
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observation::Outcome;

    fn observation(outcome: Outcome) -> Observation {
        let json = serde_json::json!({
            "host": "127.0.0.1", "address": "127.0.0.1", "port": 5222, "sni": null,
            "started_at": "2026-06-01T12:00:00Z", "duration_ms": 1.0, "status": "closed",
        });
        let mut observation: Observation = serde_json::from_value(json).unwrap();
        observation.outcome = outcome;
        observation
    }

    #[test]
    fn needs_name_is_counted_and_hinted_and_a_refusal_is_not() {
        let at = time::macros::datetime!(2026-06-01 12:00 UTC);
        let mut tally = Tally::new(at);
        let reply = "<stream:error><improper-addressing/></stream:error>".to_string();
        tally.add(
            &observation(Outcome::NeedsName {
                reply: reply.clone(),
            }),
            None,
        );
        tally.add(&observation(Outcome::NeedsName { reply }), None);
        let summary = tally.finish(true, 2, at);
        assert_eq!(summary.outcomes.get("needs_name"), Some(&2));
        let hints = summary.hints();
        assert_eq!(hints.len(), 1);
        assert!(hints[0].contains("2 endpoints need") && hints[0].contains("--resolve"));
        let mut refused = Tally::new(at);
        let reply = "454 TLS not available".to_string();
        refused.add(&observation(Outcome::StarttlsRefused { reply }), None);
        assert!(refused.finish(true, 1, at).hints().is_empty());
    }
}
