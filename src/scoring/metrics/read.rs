//! Reading a scan's [`ScanHistory`] from the store: the judged scans
//! (complete, shard scans left out) up to it, the window's renewal, re-key
//! and expiry events, and which endpoints seen during the window it probed
//! again. The one place
//! scoring reads the store (as `policy::model::from_store` is for models);
//! the app and the scoring benchmark share it.

use super::{EndpointReach, ScanHistory, ScanPoint};
use crate::policy::model::served_at;
use crate::store::{EventKind, ScanId, Store, StoreError};

/// The event kinds window metrics read.
const WINDOW_EVENTS: [EventKind; 3] = [
    EventKind::Renewal,
    EventKind::Rekey,
    EventKind::ExpiredInService,
];

impl ScanHistory {
    /// The judged scans up to `scan` alone (no events, fixes or reach):
    /// what telling new leaves needs ([`ScanHistory::detection_since`]).
    pub fn timeline(store: &Store, scan: ScanId) -> Result<ScanHistory, StoreError> {
        let mut scans: Vec<ScanPoint> = store
            .judged_scans()?
            .into_iter()
            .filter(|s| s.id <= scan)
            .map(|s| ScanPoint {
                id: s.id,
                at: s.started_at,
            })
            .collect();
        scans.sort_by_key(|s| s.id);
        Ok(ScanHistory {
            scans,
            ..ScanHistory::default()
        })
    }

    /// The history of `scan` over a window of `window_days`, listing at
    /// most `missed_limit` endpoints it did not reach, and the recorded
    /// finding fixes up to it (findings tracking records them first).
    pub fn from_store(
        store: &Store,
        scan: ScanId,
        window_days: i64,
        missed_limit: usize,
    ) -> Result<ScanHistory, StoreError> {
        let mut history = ScanHistory::timeline(store, scan)?;
        let window: Vec<ScanId> = history.window(window_days).iter().map(|s| s.id).collect();
        history.events = store.events_in(&window, &WINDOW_EVENTS)?;
        history.fixes = store.finding_fixes(scan)?;
        let (known, reached, missed) = store.endpoint_reach(&window, scan, missed_limit)?;
        let missed = missed
            .iter()
            .map(|k| served_at(&k.address, i64::from(k.port), k.sni.as_deref()));
        history.reach = EndpointReach {
            known,
            reached,
            missed: missed.collect(),
        };
        Ok(history)
    }
}
