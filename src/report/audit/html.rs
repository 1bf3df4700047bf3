//! `report.html`: placeholder until the full page lands.

use super::AuditReport;

/// Renders the report as one self-contained HTML page.
pub fn render(report: &AuditReport) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>certatlas report</title></head><body><p>scan {}</p></body></html>\n",
        report.scan.id
    )
}
