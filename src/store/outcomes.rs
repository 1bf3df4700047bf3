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
use super::sql::{params, Session, SqlError, ToValue, Value};
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
            insert_outcomes(tx, scan, outcomes).map_err(sql(&self.path, "record finding outcomes"))
        })
    }

    /// Removes the recorded outcomes of `scan`, before they are recorded
    /// again a slice at a time ([`Store::append_outcomes`]).
    pub fn clear_outcomes(&self, scan: ScanId) -> Result<(), StoreError> {
        self.record_outcomes(scan, &[])
    }

    /// Records one slice of the outcomes of `scan` (see
    /// [`Store::clear_outcomes`]), in its own write transaction.
    pub fn append_outcomes(
        &self,
        scan: ScanId,
        outcomes: &[FindingOutcome],
    ) -> Result<(), StoreError> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let conn = self.conn();
        conn.transaction(true, sql(&self.path, "record finding outcomes"), |tx| {
            self.require_scan(tx, scan)?;
            insert_outcomes(tx, scan, outcomes).map_err(sql(&self.path, "record finding outcomes"))
        })
    }

    /// The recorded outcomes of `scan`, by rule and subject.
    pub fn outcomes(&self, scan: ScanId) -> Result<Vec<FindingOutcome>, StoreError> {
        let mut outcomes = Vec::new();
        self.each_outcome(scan, None, &mut |o| outcomes.push(o))?;
        Ok(outcomes)
    }

    /// A page of the `unobserved` outcomes of `scan`, by rule and subject:
    /// at most `limit` after the key `after` (from the first when `None`),
    /// read whole so that the caller may use the store between pages.
    pub fn unobserved_page(
        &self,
        scan: ScanId,
        after: Option<(&str, &str)>,
        limit: usize,
    ) -> Result<Vec<FindingOutcome>, StoreError> {
        let mut page = Vec::new();
        self.outcomes_where(scan, after, limit, &mut |o| page.push(o))?;
        Ok(page)
    }

    /// The recorded outcomes of `scan` (only those of `status` when
    /// given), by rule and subject, each handed to `each` as it is read,
    /// none kept (the previous scan's `unobserved` ones, which the finding
    /// lifecycle carries one by one).
    pub fn each_outcome(
        &self,
        scan: ScanId,
        status: Option<&str>,
        each: &mut dyn FnMut(FindingOutcome),
    ) -> Result<(), StoreError> {
        let read = OutcomeRead {
            status,
            after: None,
            limit: None,
        };
        self.read_outcomes(scan, read, each)
    }

    /// The `unobserved` outcomes [`Store::unobserved_page`] reads.
    fn outcomes_where(
        &self,
        scan: ScanId,
        after: Option<(&str, &str)>,
        limit: usize,
        each: &mut dyn FnMut(FindingOutcome),
    ) -> Result<(), StoreError> {
        let read = OutcomeRead {
            status: Some("unobserved"),
            after,
            limit: Some(limit),
        };
        self.read_outcomes(scan, read, each)
    }

    /// The outcomes of `scan` that `read` selects, by rule and subject.
    fn read_outcomes(
        &self,
        scan: ScanId,
        read: OutcomeRead<'_>,
        each: &mut dyn FnMut(FindingOutcome),
    ) -> Result<(), StoreError> {
        let mut statement = String::from(
            "SELECT rule_id, subject_key, severity, subject_kind, certificate, message,
                 detail, status, open_since, last_observed, days_to_fix
             FROM finding_outcomes WHERE scan_id = ?1",
        );
        let mut values = params![scan.0].to_vec();
        if let Some(status) = read.status {
            values.push(status.to_value());
            statement.push_str(&format!(" AND status = ?{}", values.len()));
        }
        if let Some((rule, key)) = read.after {
            values.push(rule.to_value());
            values.push(key.to_value());
            let n = values.len();
            statement.push_str(&format!(" AND (rule_id, subject_key) > (?{}, ?{n})", n - 1));
        }
        statement.push_str(" ORDER BY rule_id, subject_key");
        if let Some(limit) = read.limit {
            values.push((limit as i64).to_value());
            statement.push_str(&format!(" LIMIT ?{}", values.len()));
        }
        let mut bad = None;
        let path = &self.path;
        self.conn()
            .query(&statement, &values, &mut |r| {
                let mut finding = super::findings::finding_columns(r)?;
                let (detail, status, since): (String, String, String) =
                    (r.get(6)?, r.get(7)?, r.get(8)?);
                let (last, days): (Option<String>, Option<i64>) = (r.get(9)?, r.get(10)?);
                let decoded =
                    json_column(path, "finding_outcomes.detail", &detail).and_then(|detail| {
                        finding.detail = detail;
                        let since = stored_time(path, "finding_outcomes.open_since", &since)?;
                        Ok(FindingOutcome {
                            finding,
                            status,
                            open_since: since,
                            last_observed: last.as_deref().and_then(parse_time),
                            days_to_fix: days,
                        })
                    });
                match decoded {
                    Ok(outcome) => each(outcome),
                    Err(error) => {
                        bad.get_or_insert(error);
                    }
                }
                Ok(())
            })
            .map_err(sql(&self.path, "read finding outcomes"))?;
        bad.map_or(Ok(()), Err)
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

/// Inserts `outcomes` of `scan` (a key recorded already is kept).
fn insert_outcomes(
    tx: &dyn Session,
    scan: ScanId,
    outcomes: &[FindingOutcome],
) -> Result<(), SqlError> {
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
}

/// Which outcomes [`Store::read_outcomes`] reads.
struct OutcomeRead<'a> {
    /// Only those of this status.
    status: Option<&'a str>,
    /// Only those after this `(rule, subject key)`.
    after: Option<(&'a str, &'a str)>,
    /// At most this many.
    limit: Option<usize>,
}
