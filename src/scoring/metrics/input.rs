//! What metrics are computed from: the scored scan's models, its history
//! (complete scans, change events, where findings were present, endpoint
//! reach) and the exceptions that take subjects out of the denominators.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::policy::model::{EndpointModel, LeafModel, SubjectModels};
use crate::store::{EventRecord, FindingFix, ScanId};

/// Everything [`super::compute`] reads.
pub struct MetricInput<'a> {
    /// The scored scan's models (dates judged at its start).
    pub models: &'a SubjectModels,
    /// The inventory's history up to the scored scan.
    pub history: &'a ScanHistory,
    /// Subjects declared as accepted exceptions.
    pub exclusions: &'a Exclusions,
    /// The history window in days (default 90).
    pub window_days: i64,
}

/// One complete scan on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanPoint {
    /// Its id.
    pub id: ScanId,
    /// When it started.
    pub at: OffsetDateTime,
}

/// The inventory's history as far as scoring needs it.
#[derive(Debug, Clone, Default)]
pub struct ScanHistory {
    /// Complete scans up to and including the scored one, oldest first;
    /// the last is the scored scan.
    pub scans: Vec<ScanPoint>,
    /// Change events recorded for the scans in the window.
    pub events: Vec<EventRecord>,
    /// The recorded fixes (findings gone on evidence, never withdrawn or
    /// unobserved ones) of the scans in `scans`: `(scan, days to fix)`.
    pub fixes: Vec<FindingFix>,
    /// Which endpoints seen during the window the scored scan reached.
    pub reach: EndpointReach,
    /// Complete scans closer together than this count once in cadence
    /// (the profile's `min_scan_interval_hours`; zero counts every scan).
    pub min_interval: time::Duration,
}

impl ScanHistory {
    /// The scored scan (the last of `scans`).
    pub fn scored(&self) -> Option<ScanPoint> {
        self.scans.last().copied()
    }

    /// The scans whose start lies within `days` before the scored scan's.
    pub fn window(&self, days: i64) -> &[ScanPoint] {
        let Some(last) = self.scored() else {
            return &[];
        };
        let since = last.at - time::Duration::days(days);
        let first = self.scans.partition_point(|s| s.at < since);
        &self.scans[first..]
    }

    /// The scans that count for cadence, oldest first: walking back from
    /// the scored scan, a scan closer than [`ScanHistory::min_interval`]
    /// to the last one kept is left out, so a burst of scans counts once
    /// (as its latest scan) and the scored scan is always kept.
    pub fn cadence(&self) -> Vec<ScanPoint> {
        let mut kept: Vec<ScanPoint> = Vec::new();
        for scan in self.scans.iter().rev() {
            let far_enough = kept
                .last()
                .is_none_or(|later| later.at - scan.at >= self.min_interval);
            if far_enough {
                kept.push(*scan);
            }
        }
        kept.reverse();
        kept
    }

    /// The cadence scans ([`ScanHistory::cadence`]) whose start lies
    /// within `days` before the scored scan's.
    pub fn cadence_window(&self, days: i64) -> Vec<ScanPoint> {
        let Some(last) = self.scored() else {
            return Vec::new();
        };
        let since = last.at - time::Duration::days(days);
        self.cadence()
            .into_iter()
            .filter(|s| s.at >= since)
            .collect()
    }

    /// Leaves first seen from this time on count as new for
    /// `new_certificate_detection`: the later of the second cadence scan
    /// and the start of the window of `days`; `None` without a second
    /// cadence scan (every leaf was seen first by the first scan).
    pub fn detection_since(&self, days: i64) -> Option<OffsetDateTime> {
        let second = self.cadence().get(1).copied()?;
        let start = self.window(days).first()?;
        Some(second.at.max(start.at))
    }

    /// Whole days from the first cadence scan to the scored one.
    pub fn days(&self) -> i64 {
        let cadence = self.cadence();
        match (cadence.first(), cadence.last()) {
            (Some(first), Some(last)) => (last.at - first.at).whole_days(),
            _ => 0,
        }
    }

    /// How much history there is, as the ladders' history requirements
    /// count it: [`ScanHistory::days`], and as `scans` the distinct days
    /// (UTC) with a cadence scan, so that scans in a burst, or twice on
    /// one day, count once.
    pub fn depth(&self) -> HistoryDepth {
        HistoryDepth {
            days: self.days(),
            scans: distinct_days(&self.cadence()),
        }
    }
}

/// How much history the inventory had at the scored scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryDepth {
    /// Days from the first complete scan to the scored one.
    pub days: i64,
    /// Distinct days with a complete scan up to the scored one (scans
    /// closer than the profile's minimum interval count once).
    pub scans: u64,
}

/// The distinct days (UTC) on which `scans` started.
pub fn distinct_days(scans: &[ScanPoint]) -> u64 {
    let days: BTreeSet<time::Date> = scans
        .iter()
        .map(|s| s.at.to_offset(time::UtcOffset::UTC).date())
        .collect();
    days.len() as u64
}

/// Endpoints that served a certificate in the window's scans, and which
/// of them the scored scan probed again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointReach {
    /// Endpoints that served a certificate in any scan of the window.
    pub known: u64,
    /// Of those, the ones the scored scan probed (whatever the outcome).
    pub reached: u64,
    /// Some of the ones it did not probe (`address:port (sni)`).
    pub missed: Vec<String>,
}

/// Subjects taken out of the denominators by exceptions in force that
/// cover every rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exclusions {
    /// Certificates by SHA-256.
    pub certificates: BTreeSet<String>,
    /// Endpoints by host (address or SNI name, lowercase) and port.
    pub endpoints: BTreeSet<(String, u16)>,
}

impl Exclusions {
    /// Whether an endpoint at `address`/`sni` and `port` is excepted.
    fn names(&self, address: &str, sni: &str, port: i64) -> bool {
        let Ok(port) = u16::try_from(port) else {
            return false;
        };
        let is = |host: &str| {
            !host.is_empty() && self.endpoints.contains(&(host.to_ascii_lowercase(), port))
        };
        is(address) || is(sni)
    }

    /// A leaf is excepted by its certificate, or when every place it is
    /// served is an excepted endpoint.
    pub fn covers_leaf(&self, leaf: &LeafModel) -> bool {
        self.certificates.contains(&leaf.certificate.sha256)
            || (!leaf.endpoints.is_empty()
                && leaf
                    .endpoints
                    .iter()
                    .all(|e| self.names(&e.address, &e.sni, e.port)))
    }

    /// An endpoint is excepted by its address or a name served there, or
    /// by the certificate it serves.
    pub fn covers_endpoint(&self, endpoint: &EndpointModel) -> bool {
        self.certificates.contains(&endpoint.leaf_sha256)
            || self.names(&endpoint.address, &endpoint.sni, endpoint.port)
            || endpoint
                .names
                .iter()
                .any(|name| self.names("", name, endpoint.port))
    }
}
