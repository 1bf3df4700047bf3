//! Storing and reading the maturity score of each scan (schema version 3),
//! and the history reads scoring needs: events of a set of scans and which
//! endpoints seen in earlier scans a scan reached again. The score card
//! itself is opaque JSON here: the store sits before scoring in the
//! pipeline and does not know its type.

use time::OffsetDateTime;

use super::codec::{format_instant, json_column, json_text, stored_time};
use super::error::{sql, StoreError};
use super::records::{EndpointKey, ScanId};
use super::sql::rows::insert_rows;
use super::sql::{params, Session, Value};
use super::Store;

/// One category's level, for `category_scores`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCategoryScore {
    /// PKIMM category id.
    pub category: String,
    /// Level, or `None` when not assessed.
    pub level: Option<u8>,
    /// `evidence`, `claim` or `not_assessed`.
    pub basis: String,
}

/// One judged criterion, for `criterion_results`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCriterionResult {
    /// PKIMM category id.
    pub category: String,
    /// Level of the criterion.
    pub level: u8,
    /// Criterion id.
    pub criterion: String,
    /// Metric id.
    pub metric: String,
    /// Metric value, when known.
    pub value: Option<f64>,
    /// Threshold.
    pub threshold: f64,
    /// `pass`, `fail` or `unknown`.
    pub outcome: String,
    /// Samples behind the value.
    pub samples: u64,
}

/// A score to store for a scan.
#[derive(Debug, Clone, PartialEq)]
pub struct NewScore {
    /// `name@version` of the profile.
    pub profile: String,
    /// Digest of the effective profile.
    pub profile_digest: String,
    /// Overall value.
    pub overall_value: Option<f64>,
    /// Overall level.
    pub overall_level: Option<u8>,
    /// The whole card.
    pub card: serde_json::Value,
    /// Per category.
    pub categories: Vec<NewCategoryScore>,
    /// Per criterion.
    pub criteria: Vec<NewCriterionResult>,
}

/// A stored score.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredScore {
    /// The scan.
    pub scan: ScanId,
    /// When it was computed.
    pub computed_at: OffsetDateTime,
    /// The card as JSON.
    pub card: serde_json::Value,
}

impl Store {
    /// Replaces the score of `scan`, in one transaction.
    pub fn record_score(&self, scan: ScanId, score: &NewScore) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.transaction(true, sql(&self.path, "record score"), |tx| {
            self.require_scan(tx, scan)?;
            for table in ["scores", "category_scores", "criterion_results"] {
                let clear = format!("DELETE FROM {table} WHERE scan_id = ?1");
                tx.execute(&clear, params![scan.0])
                    .map_err(sql(&self.path, "clear score"))?;
            }
            insert_score(tx, scan, score).map_err(sql(&self.path, "record score"))
        })
    }

    /// Every stored score, oldest scan first.
    pub fn scores(&self) -> Result<Vec<StoredScore>, StoreError> {
        self.query_scores("1 = 1", params![])
    }

    /// The stored score of one scan.
    pub fn score(&self, scan: ScanId) -> Result<Option<StoredScore>, StoreError> {
        Ok(self.query_scores("scan_id = ?1", params![scan.0])?.pop())
    }

    /// Scores matching `filter` (SQL with `params`), by scan.
    fn query_scores(&self, filter: &str, params: &[Value]) -> Result<Vec<StoredScore>, StoreError> {
        let conn = self.conn();
        let query = format!(
            "SELECT scan_id, computed_at, card FROM scores WHERE {filter} ORDER BY scan_id"
        );
        let rows: Vec<(i64, String, String)> = conn
            .rows(&query, params, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(sql(&self.path, "read scores"))?;
        rows.into_iter()
            .map(|(scan, at, card)| {
                Ok(StoredScore {
                    scan: ScanId(scan),
                    computed_at: stored_time(&self.path, "scores.computed_at", &at)?,
                    card: json_column(&self.path, "scores.card", &card)?,
                })
            })
            .collect()
    }

    /// Endpoints that served a certificate in any of `window` (scan ids,
    /// `scan` among them), and which of them `scan` probed: `(known,
    /// reached, some missed)`. One pass over the window's observations; the
    /// missed ones are listed only when there are any.
    pub fn endpoint_reach(
        &self,
        window: &[ScanId],
        scan: ScanId,
        missed_limit: usize,
    ) -> Result<(u64, u64, Vec<EndpointKey>), StoreError> {
        let conn = self.conn();
        let ids = id_list(window);
        // an endpoint is (address, port): the names it was reached by are not
        // endpoints of their own, so a name tried once is never "missed"
        let per_endpoint = format!(
            "SELECT e.address, e.port, max(CASE WHEN o.scan_id = ?1 THEN 1 ELSE 0 END) AS reached
             FROM scan_observations o JOIN endpoints e ON e.id = o.endpoint_id
             WHERE o.scan_id IN ({ids}) GROUP BY e.address, e.port
             HAVING max(CASE WHEN o.leaf_certificate_id IS NOT NULL THEN 1 ELSE 0 END) = 1"
        );
        let count =
            format!("SELECT count(*), coalesce(sum(reached), 0) FROM ({per_endpoint}) AS k");
        let (known, reached): (i64, i64) = conn
            .one(&count, params![scan.0], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(sql(&self.path, "count endpoint reach"))?;
        if reached >= known {
            return Ok((known as u64, reached as u64, Vec::new()));
        }
        let missed_sql = format!(
            "SELECT k.address, k.port FROM ({per_endpoint}) k WHERE k.reached = 0
             ORDER BY k.address, k.port LIMIT ?2"
        );
        let missed = conn
            .rows(&missed_sql, params![scan.0, missed_limit], |r| {
                Ok(EndpointKey {
                    address: r.get(0)?,
                    port: r.get(1)?,
                    sni: None,
                })
            })
            .map_err(sql(&self.path, "read missed endpoints"))?;
        Ok((known as u64, reached as u64, missed))
    }

    /// Whether `scan` has a stored score.
    pub fn has_score(&self, scan: ScanId) -> Result<bool, StoreError> {
        self.conn()
            .optional(
                "SELECT 1 FROM scores WHERE scan_id = ?1",
                params![scan.0],
                |_| Ok(()),
            )
            .map(|found| found.is_some())
            .map_err(sql(&self.path, "read score"))
    }
}

/// Inserts the score rows of `scan` (its old ones already cleared).
fn insert_score(
    tx: &dyn Session,
    scan: ScanId,
    score: &NewScore,
) -> Result<(), super::sql::SqlError> {
    tx.execute(
        "INSERT INTO scores (scan_id, computed_at, profile, profile_digest, overall_value,
             overall_level, card) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            scan.0,
            format_instant(OffsetDateTime::now_utc()),
            score.profile,
            score.profile_digest,
            score.overall_value,
            score.overall_level,
            json_text(&score.card)
        ],
    )?;
    let categories: Vec<Vec<Value>> = score
        .categories
        .iter()
        .map(|c| params![scan.0, c.category, c.level, c.basis].to_vec())
        .collect();
    insert_rows(
        tx,
        "INSERT INTO category_scores (scan_id, category, level, basis)",
        "",
        4,
        &categories,
    )?;
    let criteria: Vec<Vec<Value>> = score
        .criteria
        .iter()
        .map(|r| {
            params![
                scan.0,
                r.category,
                r.level,
                r.criterion,
                r.metric,
                r.value,
                r.threshold,
                r.outcome,
                r.samples
            ]
            .to_vec()
        })
        .collect();
    insert_rows(
        tx,
        "INSERT INTO criterion_results (scan_id, category, level, criterion, metric, value,
             threshold, outcome, samples)",
        "",
        9,
        &criteria,
    )?;
    Ok(())
}

/// `1,2,3` for an SQL `IN` list (ids are integers, never text).
fn id_list(scans: &[ScanId]) -> String {
    let ids: Vec<String> = scans.iter().map(|s| s.0.to_string()).collect();
    if ids.is_empty() {
        "NULL".to_string()
    } else {
        ids.join(",")
    }
}
