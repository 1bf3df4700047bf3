//! How the findings a scan no longer has went (schema version 6): `fixed`,
//! `withdrawn` or `unobserved`, written whole per tracked scan. The
//! `unobserved` ones are carried to the next scan (still open); the `fixed`
//! ones are what `time_to_fix` counts.

use serde::Serialize;
use time::OffsetDateTime;

use super::codec::{format_instant, json_column, json_text, parse_time, stored_time};
use super::error::{sql, StoreError};
use super::findings::NewFinding;
use super::records::ScanId;
use super::sql::rows::insert_rows;
use super::sql::{params, Value};
use super::Store;

/// One finding absent from a scan, and how it went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingOutcome {
    /// The finding as last seen.
    #[serde(flatten)]
    pub finding: NewFinding,
    /// `fixed`, `withdrawn` or `unobserved`.
    pub status: String,
    /// The first scan of its last unbroken run.
    #[serde(with = "time::serde::rfc3339")]
    pub open_since: OffsetDateTime,
    /// For `unobserved`: the last scan that observed it.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_observed: Option<OffsetDateTime>,
    /// For `fixed`: days from `open_since` to the scan.
    pub days_to_fix: Option<i64>,
}

/// A fix as `time_to_fix` counts it: `(scan that fixed it, days it took)`.
pub type FindingFix = (ScanId, i64);

impl Store {
    /// Replaces the recorded outcomes of `scan` with `outcomes`.
    pub fn record_outcomes(
        &self,
        scan: ScanId,
        outcomes: &[FindingOutcome],
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.transaction(true, sql(&self.path, "record finding outcomes"), |tx| {
            self.require_scan(tx, scan)?;
            tx.execute(
                "DELETE FROM finding_outcomes WHERE scan_id = ?1",
                params![scan.0],
            )
            .map_err(sql(&self.path, "clear finding outcomes"))?;
            let rows: Vec<Vec<Value>> = outcomes
                .iter()
                .map(|o| {
                    let f = &o.finding;
                    params![
                        scan.0,
                        f.rule_id,
                        f.subject_key,
                        o.status,
                        format_instant(o.open_since),
                        o.last_observed.map(format_instant),
                        o.days_to_fix,
                        f.severity,
                        f.subject_kind,
                        f.certificate,
                        f.message,
                        json_text(&f.detail)
                    ]
                    .to_vec()
                })
                .collect();
            insert_rows(
                tx,
                "INSERT INTO finding_outcomes (scan_id, rule_id, subject_key, status,
                     open_since, last_observed, days_to_fix, severity, subject_kind,
                     certificate, message, detail)",
                "ON CONFLICT (scan_id, rule_id, subject_key) DO NOTHING",
                12,
                &rows,
            )
            .map_err(sql(&self.path, "record finding outcomes"))?;
            Ok(())
        })
    }

    /// The recorded outcomes of `scan`, by rule and subject.
    pub fn outcomes(&self, scan: ScanId) -> Result<Vec<FindingOutcome>, StoreError> {
        type Raw = (
            NewFinding,
            String,
            String,
            String,
            Option<String>,
            Option<i64>,
        );
        let rows: Vec<Raw> = self
            .conn()
            .rows(
                "SELECT rule_id, subject_key, severity, subject_kind, certificate, message,
                     detail, status, open_since, last_observed, days_to_fix
                 FROM finding_outcomes WHERE scan_id = ?1 ORDER BY rule_id, subject_key",
                params![scan.0],
                |r| {
                    let finding = super::findings::finding_columns(r)?;
                    Ok((
                        finding,
                        r.get(6)?,
                        r.get(7)?,
                        r.get(8)?,
                        r.get(9)?,
                        r.get(10)?,
                    ))
                },
            )
            .map_err(sql(&self.path, "read finding outcomes"))?;
        rows.into_iter()
            .map(|(mut finding, detail, status, since, last, days)| {
                finding.detail = json_column(&self.path, "finding_outcomes.detail", &detail)?;
                Ok(FindingOutcome {
                    finding,
                    status,
                    open_since: stored_time(&self.path, "finding_outcomes.open_since", &since)?,
                    last_observed: last.as_deref().and_then(parse_time),
                    days_to_fix: days,
                })
            })
            .collect()
    }

    /// Every recorded fix (a finding gone on evidence) for scans up to and
    /// including `up_to`, oldest scan first. Withdrawn and unobserved
    /// findings are never fixes.
    pub fn finding_fixes(&self, up_to: ScanId) -> Result<Vec<FindingFix>, StoreError> {
        self.conn()
            .rows(
                "SELECT scan_id, days_to_fix FROM finding_outcomes
                 WHERE scan_id <= ?1 AND status = 'fixed' AND days_to_fix IS NOT NULL
                 ORDER BY scan_id",
                params![up_to.0],
                |r| Ok((ScanId(r.get(0)?), r.get(1)?)),
            )
            .map_err(sql(&self.path, "read finding fixes"))
    }
}
