//! The alert outbox as evidence that critical events are alerted (PKIMM
//! `O.monitoring-and-auditing.critical-event-alerting`): of the alerts
//! raised by the complete scans of the window before the scored one, the
//! share delivered to their webhook within a day and before the scored
//! scan started. Read from the store's history only (never "now"), so
//! scoring a scan again gives the same figure. No alert raised is
//! unknown: no webhook configured, or nothing to alert.

use std::collections::BTreeSet;

use time::{Duration, OffsetDateTime};

use super::{Metric, ScanPoint};
use crate::store::{OutboxEntry, ScanId};

/// The metric's id.
pub const ID: &str = "alerts_delivered";

/// Delivered within this long of being raised counts.
const PROMPT: Duration = Duration::days(1);

/// The placeholder [`super::compute`] puts in until the outbox is read.
pub fn not_given() -> Metric {
    Metric::percent(ID, 0, 0, "the alert outbox was not read for this score")
}

/// The outbox's metric for the scan scored at `scored` with the window's
/// complete scans `window` (the scored one last).
pub fn alerts_delivered(outbox: &[OutboxEntry], window: &[ScanPoint]) -> Metric {
    let Some(scored) = window.last() else {
        return not_given();
    };
    let earlier: BTreeSet<ScanId> = window
        .iter()
        .filter(|s| s.id != scored.id)
        .map(|s| s.id)
        .collect();
    let raised: Vec<&OutboxEntry> = outbox
        .iter()
        .filter(|e| earlier.contains(&e.scan))
        .collect();
    let prompt = |e: &OutboxEntry, by: OffsetDateTime| {
        e.delivered_at
            .is_some_and(|d| d <= by && d - e.created_at <= PROMPT)
    };
    let late: Vec<String> = raised
        .iter()
        .filter(|e| !prompt(e, scored.at))
        .map(|e| format!("{} {} ({})", e.webhook, e.event_key, e.kind))
        .collect();
    let total = raised.len() as u64;
    let why = "no alert was raised by the window's earlier scans (configure [alerts] webhooks)";
    Metric::percent(ID, total - late.len() as u64, total, why).with_subjects(late)
}
