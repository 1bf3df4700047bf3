//! [`ScanHeader`]: what a scan's JSON Lines output says about the scan
//! before its first observation (the `"record": "scan"` line): the schema
//! and tool versions, the targets as written, the resolved probe options
//! and when it started. `certatlas import` reads it back to record an
//! imported scan exactly as the live scan would have been recorded.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::options::ProbeOptions;

/// The scan a JSON Lines file holds, written as its first line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanHeader {
    /// Observation schema version of the lines that follow.
    pub schema_version: u32,
    /// The certatlas version that ran the scan.
    pub tool_version: String,
    /// The target specs as the user gave them (recorded in `scans.targets`).
    pub targets: Vec<String>,
    /// Every probe option, resolved (recorded in `scans.options`).
    pub options: ProbeOptions,
    /// When the scan started.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
}

impl ScanHeader {
    /// The header of a scan run by this binary now.
    pub fn new(targets: Vec<String>, options: ProbeOptions, started_at: OffsetDateTime) -> Self {
        ScanHeader {
            schema_version: crate::observation::SCHEMA_VERSION,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            targets,
            options,
            started_at,
        }
    }
}
