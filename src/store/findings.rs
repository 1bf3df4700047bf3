//! Storing and reading the findings of a scan (schema version 2): each
//! scan's findings are written whole, replacing what an earlier evaluation
//! stored, together with the digest of the rule set that produced them.

use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;

use super::codec::{format_instant, json_column, json_text, stored_time};
use super::error::{sql, StoreError};
use super::records::ScanId;
use super::sql::rows::insert_rows;
use super::sql::{params, Session, Value};
use super::Store;

/// Findings are turned into rows this many at a time (a multiple of the
/// largest statement chunk), so the rows of a large scan's findings are
/// never all in memory at once.
const FINDING_BATCH: usize = 2_000;

/// A finding [`Store::record_findings`] can store: its key, and its stored
/// form, made only when its batch is written.
pub trait Recordable {
    /// `(rule id, subject key)`: what identifies it within a scan.
    fn key(&self) -> (&str, &str);
    /// Its stored form.
    fn stored(&self) -> std::borrow::Cow<'_, NewFinding>;
}

impl Recordable for NewFinding {
    fn key(&self) -> (&str, &str) {
        (&self.rule_id, &self.subject_key)
    }

    fn stored(&self) -> std::borrow::Cow<'_, NewFinding> {
        std::borrow::Cow::Borrowed(self)
    }
}

/// One finding to store (policy types flattened to text).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewFinding {
    /// The rule's id.
    pub rule_id: String,
    /// What it is about: SHA-256, chain fingerprint, endpoint or `inventory`.
    pub subject_key: String,
    /// Severity name.
    pub severity: String,
    /// Subject kind name.
    pub subject_kind: String,
    /// SHA-256 of the certificate concerned, if any.
    pub certificate: Option<String>,
    /// The rendered message.
    pub message: String,
    /// Everything else, as a JSON object.
    pub detail: serde_json::Value,
}

/// One stored finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredFinding {
    /// The scan it was found in.
    pub scan: ScanId,
    /// Its content.
    #[serde(flatten)]
    pub finding: NewFinding,
}

/// Which rule set evaluated a scan, and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingRun {
    /// The scan.
    pub scan: ScanId,
    /// Digest of the rule set (and the config it depended on).
    pub ruleset_digest: String,
    /// When the evaluation ran.
    #[serde(with = "time::serde::rfc3339")]
    pub evaluated_at: OffsetDateTime,
    /// Rules evaluated.
    pub rules: u64,
    /// Findings stored.
    pub findings: u64,
    /// Digests of each part of the policy that evaluated it (a JSON
    /// object; `{}` when recorded before schema version 6).
    pub policy: serde_json::Value,
}

/// The findings of one scan (`?1`), as [`finding_columns`] and the detail
/// read them.
const FINDING_READ: &str = "SELECT rule_id, subject_key, severity, subject_kind, certificate, \
                            message, detail FROM findings WHERE scan_id = ?1";

/// Where one finding key was present: `(scan, rule id, subject key)`.
pub type FindingPresence = (ScanId, String, String);

impl Store {
    /// Replaces the findings of `scan` with `findings`, in one transaction,
    /// with the digests of the `policy` that evaluated them.
    pub fn record_findings(
        &self,
        scan: ScanId,
        ruleset_digest: &str,
        rules: u64,
        findings: &[NewFinding],
        policy: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.record_findings_of(scan, ruleset_digest, rules, findings, policy)
    }

    /// [`Store::record_findings`] of any [`Recordable`] findings (the
    /// policy's own): each is turned into its stored form only when its
    /// batch is written.
    pub fn record_findings_of<F: Recordable>(
        &self,
        scan: ScanId,
        ruleset_digest: &str,
        rules: u64,
        findings: &[F],
        policy: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.transaction(true, sql(&self.path, "record findings"), |tx| {
            self.clear_findings_in(tx, scan)?;
            insert_findings(tx, scan, findings).map_err(sql(&self.path, "record findings"))?;
            let run = (ruleset_digest, rules, findings.len() as u64, policy);
            self.insert_finding_run(tx, scan, run)
        })
    }

    /// Starts storing the findings of `scan` a slice at a time: removes
    /// what an earlier evaluation stored, findings and run alike, so that
    /// until [`Store::finish_findings`] the scan counts as not evaluated
    /// (a judgement cut short is evaluated again, never half read as
    /// whole). Each slice ([`Store::append_findings`]) is its own short
    /// write transaction, so other writers are not held off for the
    /// length of a large scan's judgement.
    pub fn clear_findings(&self, scan: ScanId) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.transaction(true, sql(&self.path, "clear findings"), |tx| {
            self.clear_findings_in(tx, scan)
        })
    }

    /// Stores one slice of the findings of `scan` (see
    /// [`Store::clear_findings`]); a key stored before is replaced.
    pub fn append_findings<F: Recordable>(
        &self,
        scan: ScanId,
        findings: &[F],
    ) -> Result<(), StoreError> {
        if findings.is_empty() {
            return Ok(());
        }
        let conn = self.conn();
        conn.transaction(true, sql(&self.path, "record findings"), |tx| {
            self.require_scan(tx, scan)?;
            insert_findings(tx, scan, findings).map_err(sql(&self.path, "record findings"))
        })
    }

    /// Records that the findings of `scan` stored since
    /// [`Store::clear_findings`] are whole: `findings` of them, from
    /// `rules` rules of the set digested `ruleset_digest`, under `policy`.
    pub fn finish_findings(
        &self,
        scan: ScanId,
        (ruleset_digest, rules, findings): (&str, u64, u64),
        policy: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.transaction(true, sql(&self.path, "record finding run"), |tx| {
            self.require_scan(tx, scan)?;
            self.insert_finding_run(tx, scan, (ruleset_digest, rules, findings, policy))
        })
    }

    /// Removes the findings and the run of `scan`, inside `tx`.
    fn clear_findings_in(&self, tx: &dyn Session, scan: ScanId) -> Result<(), StoreError> {
        self.require_scan(tx, scan)?;
        tx.execute("DELETE FROM findings WHERE scan_id = ?1", params![scan.0])
            .map_err(sql(&self.path, "clear findings"))?;
        tx.execute(
            "DELETE FROM finding_runs WHERE scan_id = ?1",
            params![scan.0],
        )
        .map_err(sql(&self.path, "clear finding run"))?;
        Ok(())
    }

    /// Writes the run row of `scan`, inside `tx`.
    fn insert_finding_run(
        &self,
        tx: &dyn Session,
        scan: ScanId,
        (ruleset_digest, rules, findings, policy): (&str, u64, u64, &serde_json::Value),
    ) -> Result<(), StoreError> {
        tx.execute(
            "INSERT INTO finding_runs (scan_id, ruleset_digest, evaluated_at, rules, findings,
                 policy)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (scan_id) DO UPDATE SET ruleset_digest = excluded.ruleset_digest,
                 evaluated_at = excluded.evaluated_at, rules = excluded.rules,
                 findings = excluded.findings, policy = excluded.policy",
            params![
                scan.0,
                ruleset_digest,
                format_instant(OffsetDateTime::now_utc()),
                rules,
                findings,
                json_text(policy)
            ],
        )
        .map_err(sql(&self.path, "record finding run"))?;
        Ok(())
    }

    /// The evaluation stored for `scan`, if any.
    pub fn finding_run(&self, scan: ScanId) -> Result<Option<FindingRun>, StoreError> {
        let conn = self.conn();
        type Raw = (String, String, i64, i64, String);
        let raw: Option<Raw> = conn
            .optional(
                "SELECT ruleset_digest, evaluated_at, rules, findings, policy FROM finding_runs
                 WHERE scan_id = ?1",
                params![scan.0],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .map_err(sql(&self.path, "read finding run"))?;
        raw.map(|(digest, at, rules, findings, policy)| {
            Ok(FindingRun {
                scan,
                ruleset_digest: digest,
                evaluated_at: stored_time(&self.path, "finding_runs.evaluated_at", &at)?,
                rules: rules as u64,
                findings: findings as u64,
                policy: json_column(&self.path, "finding_runs.policy", &policy)?,
            })
        })
        .transpose()
    }

    /// The stored findings of `scan`, by rule and subject.
    pub fn findings(&self, scan: ScanId) -> Result<Vec<StoredFinding>, StoreError> {
        let mut findings = Vec::new();
        self.each_finding(scan, &mut |f| findings.push(f))?;
        Ok(findings)
    }

    /// The stored findings of `scan`, by rule and subject, each handed to
    /// `each` as it is read, none kept (the previous scan's findings,
    /// which the finding lifecycle rebuilds one by one).
    pub fn each_finding(
        &self,
        scan: ScanId,
        each: &mut dyn FnMut(StoredFinding),
    ) -> Result<(), StoreError> {
        let statement = format!("{FINDING_READ} ORDER BY rule_id, subject_key");
        self.read_findings(scan, &statement, params![scan.0], each)
    }

    /// The findings of `scan` a `statement` over [`FINDING_READ`] reads,
    /// each decoded and handed to `each` (the first undecodable detail is
    /// the error, after the others).
    fn read_findings(
        &self,
        scan: ScanId,
        statement: &str,
        values: &[Value],
        each: &mut dyn FnMut(StoredFinding),
    ) -> Result<(), StoreError> {
        let mut bad = None;
        self.conn()
            .query(statement, values, &mut |r| {
                let mut finding = finding_columns(r)?;
                let detail: String = r.get(6)?;
                match json_column(&self.path, "findings.detail", &detail) {
                    Ok(detail) => finding.detail = detail,
                    Err(error) => {
                        bad.get_or_insert(error);
                        return Ok(());
                    }
                }
                each(StoredFinding { scan, finding });
                Ok(())
            })
            .map_err(sql(&self.path, "read findings"))?;
        bad.map_or(Ok(()), Err)
    }

    /// A page of the stored findings of `scan`, by rule and subject: at
    /// most `limit` of them after the key `after` (from the first when
    /// `None`). Reading page by page holds no read open between pages, so
    /// the caller may use the store in between.
    pub fn findings_page(
        &self,
        scan: ScanId,
        after: Option<(&str, &str)>,
        limit: usize,
    ) -> Result<Vec<StoredFinding>, StoreError> {
        let (statement, values) = match after {
            None => (
                format!("{FINDING_READ} ORDER BY rule_id, subject_key LIMIT ?2"),
                params![scan.0, limit as i64].to_vec(),
            ),
            Some((rule, key)) => (
                format!(
                    "{FINDING_READ} AND (rule_id, subject_key) > (?2, ?3) \
                     ORDER BY rule_id, subject_key LIMIT ?4"
                ),
                params![scan.0, rule, key, limit as i64].to_vec(),
            ),
        };
        let mut page = Vec::new();
        self.read_findings(scan, &statement, &values, &mut |f| page.push(f))?;
        Ok(page)
    }

    /// Every `(scan, rule, subject)` with a stored finding, or recorded
    /// `unobserved` there (still open: its subject was not observed), for
    /// scans up to and including `up_to`, oldest scan first.
    pub fn finding_presence(&self, up_to: ScanId) -> Result<Vec<FindingPresence>, StoreError> {
        self.conn()
            .rows(
                "SELECT scan_id, rule_id, subject_key FROM findings WHERE scan_id <= ?1
                 UNION ALL
                 SELECT scan_id, rule_id, subject_key FROM finding_outcomes
                 WHERE scan_id <= ?1 AND status = 'unobserved'
                 ORDER BY 1",
                params![up_to.0],
                |r| Ok((ScanId(r.get(0)?), r.get(1)?, r.get(2)?)),
            )
            .map_err(sql(&self.path, "read finding presence"))
    }
}

/// How many subject keys one presence lookup asks about.
const PRESENCE_BATCH: usize = 500;

impl Store {
    /// The rows of [`Store::finding_presence`] before `before` (not at it)
    /// of the findings keyed `(rule id, subject key)` in `keys` only, each
    /// handed to `each` as `(scan, rule, subject key)`, in no particular
    /// order: what tracking a slice of findings reads, through the
    /// `(rule_id, subject_key, scan_id)` indexes, instead of every
    /// presence row of the timeline.
    pub fn each_presence_of(
        &self,
        before: ScanId,
        keys: &[(&str, &str)],
        each: &mut dyn FnMut(ScanId, &str, &str),
    ) -> Result<(), StoreError> {
        let mut by_rule: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for (rule, key) in keys {
            by_rule.entry(rule).or_default().push(key);
        }
        let conn = self.conn();
        for (rule, subjects) in &mut by_rule {
            subjects.sort_unstable();
            subjects.dedup();
            for batch in subjects.chunks(PRESENCE_BATCH) {
                let list: Vec<String> = (0..batch.len()).map(|n| format!("?{}", n + 3)).collect();
                let list = list.join(", ");
                let statement = format!(
                    "SELECT scan_id, subject_key FROM findings
                     WHERE rule_id = ?1 AND subject_key IN ({list}) AND scan_id < ?2
                     UNION ALL
                     SELECT scan_id, subject_key FROM finding_outcomes
                     WHERE rule_id = ?1 AND subject_key IN ({list}) AND scan_id < ?2
                         AND status = 'unobserved'"
                );
                let mut values: Vec<Value> = params![*rule, before.0].to_vec();
                values.extend(batch.iter().map(|key| Value::Text(key.to_string())));
                conn.query(&statement, &values, &mut |r| {
                    let key: String = r.get(1)?;
                    each(ScanId(r.get(0)?), rule, &key);
                    Ok(())
                })
                .map_err(sql(&self.path, "read finding presence"))?;
            }
        }
        Ok(())
    }
}

/// A finding from the first six columns of a row (`rule_id, subject_key,
/// severity, subject_kind, certificate, message`), its detail left null:
/// the `findings` and `finding_outcomes` tables share these columns.
pub(super) fn finding_columns(r: &super::sql::Row) -> Result<NewFinding, super::sql::SqlError> {
    Ok(NewFinding {
        rule_id: r.get(0)?,
        subject_key: r.get(1)?,
        severity: r.get(2)?,
        subject_kind: r.get(3)?,
        certificate: r.get(4)?,
        message: r.get(5)?,
        detail: serde_json::Value::Null,
    })
}

/// Stores findings, a few multi-row statements for all of them (a
/// repeated key replaces the earlier one).
pub(super) fn insert_findings<F: Recordable>(
    tx: &dyn Session,
    scan: ScanId,
    findings: &[F],
) -> Result<(), super::sql::SqlError> {
    // the last of each key wins, as one statement per finding did
    let mut last: HashMap<(&str, &str), usize> = HashMap::with_capacity(findings.len());
    for (index, f) in findings.iter().enumerate() {
        last.insert(f.key(), index);
    }
    let kept: Vec<&F> = findings
        .iter()
        .enumerate()
        .filter(|(index, f)| last[&f.key()] == *index)
        .map(|(_, f)| f)
        .collect();
    drop(last);
    for batch in kept.chunks(FINDING_BATCH) {
        let rows: Vec<Vec<Value>> = batch
            .iter()
            .map(|f| {
                let f = f.stored();
                params![
                    scan.0,
                    f.rule_id,
                    f.subject_key,
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
            "INSERT INTO findings (scan_id, rule_id, subject_key, severity, subject_kind,
                 certificate, message, detail)",
            "ON CONFLICT (scan_id, rule_id, subject_key) DO UPDATE SET
                 severity = excluded.severity, subject_kind = excluded.subject_kind,
                 certificate = excluded.certificate, message = excluded.message,
                 detail = excluded.detail",
            8,
            &rows,
        )?;
    }
    Ok(())
}
