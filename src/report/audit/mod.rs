//! The audit report of one scan, as data ([`AuditReport`], serialised
//! with its lists as `report.json`) and as the files of an evidence
//! bundle: `report.html` (self-contained, see `html`), `report.json`,
//! `inventory.csv`, `findings.csv` and `certificates/<sha256>.pem`.
//! Presentation only: everything shown is computed before it gets here.
//! The leaves, endpoints and findings come one by one ([`ListFiles`]):
//! the CSV files are written as they come, `report.json`'s lists spill to
//! temporary files, and the HTML tables keep the rows they show
//! ([`ReportTables`]), so the bundle of a million leaves is written in
//! bounded memory. The manifest and its signature are the `evidence`
//! module's.

mod files;
#[cfg(test)]
mod fixture;
mod html;
mod tables;

pub use super::score::TrendPoint;
pub use files::{write_certificate, write_report, ListFiles, ReportLists};
pub use html::render as render_html;
pub use tables::{ReportTables, TopRows, ROW_LIMIT};

use serde::Serialize;
use time::OffsetDateTime;

use crate::policy::lifecycle::TrackedFinding;
use crate::policy::model::{CaModel, EndpointModel, LeafModel};
use crate::scoring::ScoreCard;
use crate::store::{ScanId, ScanRecord};

/// The version of `report.json`'s layout (documented in the README).
pub const REPORT_SCHEMA: &str = "certatlas-report/1";

/// The previous scored scan, for the radar chart's second outline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreviousScore {
    /// The scan.
    pub scan: ScanId,
    /// When it started.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Its card.
    pub card: ScoreCard,
}

/// Digests that tie the report to what produced it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportDigests {
    /// SHA-256 of the rule set (rule files and disabled ids).
    pub rules: String,
    /// SHA-256 of the effective maturity profile.
    pub ladders: String,
    /// SHA-256 of the config file's text, when one was used.
    pub config: Option<String>,
}

/// Everything one audit report shows but its lists: `report.json` is
/// this with the leaves before `cas` and the endpoints and findings after
/// it, laid out as [`ReportJson`] ([`write_report`] writes it a list at a
/// time).
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// Always [`REPORT_SCHEMA`].
    pub schema: &'static str,
    /// When the report was written.
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    /// certatlas version.
    pub tool_version: String,
    /// The scan reported on.
    pub scan: ScanRecord,
    /// Its score card (label, profile, levels, criteria, metrics).
    pub score: ScoreCard,
    /// The previous scored scan, if any.
    pub previous: Option<PreviousScore>,
    /// Scores of every scored scan up to this one, oldest first.
    pub trend: Vec<TrendPoint>,
    /// CA certificates (the rule model `ca`).
    pub cas: Vec<CaModel>,
    /// Digests of rules, ladders and config.
    pub digests: ReportDigests,
    /// What the HTML tables show of the leaves (the rule model `leaf`),
    /// endpoints (the rule model `endpoint`) and findings (with their
    /// status and exceptions); `report.json` lists them all.
    #[serde(skip)]
    pub tables: ReportTables,
}

/// `report.json` (the layout documented in the reference): the report's
/// fields with its lists in place. The bundle writes it a list at a time
/// as the lists come ([`write_report`]), never holding this whole; a test
/// holds that file to serialising this.
#[derive(Debug, Clone, Serialize)]
pub struct ReportJson {
    /// Always [`REPORT_SCHEMA`].
    pub schema: &'static str,
    /// When the report was written.
    #[serde(with = "time::serde::rfc3339")]
    pub generated_at: OffsetDateTime,
    /// certatlas version.
    pub tool_version: String,
    /// The scan reported on.
    pub scan: ScanRecord,
    /// Its score card (label, profile, levels, criteria, metrics).
    pub score: ScoreCard,
    /// The previous scored scan, if any.
    pub previous: Option<PreviousScore>,
    /// Scores of every scored scan up to this one, oldest first.
    pub trend: Vec<TrendPoint>,
    /// Leaf certificates served (the rule model `leaf`).
    pub leaves: Vec<LeafModel>,
    /// CA certificates (the rule model `ca`).
    pub cas: Vec<CaModel>,
    /// Endpoints (the rule model `endpoint`).
    pub endpoints: Vec<EndpointModel>,
    /// Findings with their status and exceptions.
    pub findings: Vec<TrackedFinding>,
    /// Digests of rules, ladders and config.
    pub digests: ReportDigests,
}
