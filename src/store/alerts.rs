//! The alert outbox (schema version 4): alert events waiting for, or done
//! with, delivery to a webhook. A row is unique per webhook and event key,
//! which is what deduplicates alerts across scans: enqueueing an event a
//! second time changes nothing. Delivery claims a row before sending (so
//! two processes sharing the database do not send the same attempt), then
//! records the attempt. The payload is opaque JSON here (the store sits
//! before alerts in the pipeline). The SQL is kept portable: numbered
//! placeholders, text times, `ON CONFLICT DO NOTHING` and `RETURNING`.

use super::sql::{params, Row, SqlError, Value};
use time::OffsetDateTime;

use super::codec::{format_instant, json_text, stored_time};
use super::error::{corrupt, sql, StoreError};
use super::records::ScanId;
use super::Store;

/// Where an outbox row stands. Its stored word is derived
/// ([`OutboxStatus::as_str`]); every status, in life-cycle order, is
/// [`strum::VariantArray::VARIANTS`].
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    strum::VariantArray,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[strum(serialize_all = "snake_case")]
pub enum OutboxStatus {
    /// Not delivered yet; retried when due.
    Pending,
    /// The webhook answered 2xx.
    Delivered,
    /// Given up: a final refusal or too many attempts.
    Failed,
}

impl OutboxStatus {
    /// The word stored in `alert_outbox.status`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    fn parse(text: &str) -> Option<OutboxStatus> {
        text.parse().ok()
    }
}

/// An alert event to enqueue for one webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    /// The webhook's name.
    pub webhook: String,
    /// The event's stable deduplication key.
    pub event_key: String,
    /// The event kind (`finding`, `shadow_ca`, `expiry`).
    pub kind: String,
    /// The scan that raised it.
    pub scan: ScanId,
    /// The JSON body to send.
    pub payload: serde_json::Value,
}

/// One row of the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// Row id.
    pub id: i64,
    /// The webhook's name.
    pub webhook: String,
    /// The event's deduplication key.
    pub event_key: String,
    /// The event kind.
    pub kind: String,
    /// The scan that raised it.
    pub scan: ScanId,
    /// When it was enqueued.
    pub created_at: OffsetDateTime,
    /// The JSON body, as text, sent verbatim on every attempt.
    pub payload: String,
    /// Where it stands.
    pub status: OutboxStatus,
    /// Attempts made (delivered or not).
    pub attempts: u32,
    /// Attempts that did not deliver.
    pub failures: u32,
    /// When the next attempt is due (pending rows).
    pub next_attempt_at: OffsetDateTime,
    /// When the last attempt was made.
    pub last_attempt_at: Option<OffsetDateTime>,
    /// The HTTP status of the last attempt, when there was a response.
    pub last_http_status: Option<u16>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<OffsetDateTime>,
}

/// What became of a delivery attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Delivered: the row is done.
    Delivered,
    /// Not delivered; try again at this time.
    Retry(OffsetDateTime),
    /// Not delivered, and never will be: the row is marked failed.
    GaveUp,
}

/// One delivery attempt, as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptRecord {
    /// When it was made.
    pub at: OffsetDateTime,
    /// What became of it.
    pub outcome: AttemptOutcome,
    /// The HTTP status, when there was a response.
    pub http_status: Option<u16>,
    /// Why it failed (`None` when delivered).
    pub error: Option<String>,
}

/// Outbox rows of one webhook in one status, with their failed attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertCount {
    /// The webhook's name.
    pub webhook: String,
    /// The status.
    pub status: OutboxStatus,
    /// Rows.
    pub rows: u64,
    /// Failed attempts over those rows.
    pub failures: u64,
}

const OUTBOX_COLUMNS: &str = "id, webhook, event_key, kind, scan_id, created_at, payload, status,
    attempts, failures, next_attempt_at, last_attempt_at, last_http_status, last_error,
    delivered_at";

/// An outbox row's columns before times and words are decoded.
type RawEntry = (
    (i64, String, String, String, i64, String, String, String),
    (
        u32,
        u32,
        String,
        Option<String>,
        Option<u16>,
        Option<String>,
    ),
    Option<String>,
);

impl Store {
    /// Enqueues `alerts` at `now`, skipping any whose (webhook, event key)
    /// is already in the outbox; returns how many were new. One transaction.
    pub fn enqueue_alerts(
        &self,
        alerts: &[NewAlert],
        now: OffsetDateTime,
    ) -> Result<usize, StoreError> {
        let conn = self.conn();
        let at = format_instant(now);
        conn.transaction(true, sql(&self.path, "enqueue alerts"), |tx| {
            let mut added = 0;
            for alert in alerts {
                let id: Option<i64> = tx
                    .optional(
                        "INSERT INTO alert_outbox (webhook, event_key, kind, scan_id, created_at,
                         payload, status, next_attempt_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?5)
                     ON CONFLICT (webhook, event_key) DO NOTHING RETURNING id",
                        params![
                            alert.webhook,
                            alert.event_key,
                            alert.kind,
                            alert.scan.0,
                            at,
                            json_text(&alert.payload)
                        ],
                        |r| r.get(0),
                    )
                    .map_err(sql(&self.path, "enqueue alert"))?;
                added += usize::from(id.is_some());
            }
            Ok(added)
        })
    }

    /// Pending rows of `webhooks` due at `now`, soonest first, at most `limit`.
    pub fn due_alerts(
        &self,
        webhooks: &[String],
        now: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let filter = format!(
            "status = 'pending' AND next_attempt_at <= ?1 AND webhook IN ({})
             ORDER BY next_attempt_at, id LIMIT {limit}",
            placeholders(2, webhooks.len())
        );
        self.query_outbox(&filter, Some(format_instant(now)), webhooks)
    }

    /// When the soonest pending row of `webhooks` is due, if any is pending.
    pub fn next_alert_due(
        &self,
        webhooks: &[String],
    ) -> Result<Option<OffsetDateTime>, StoreError> {
        let query = format!(
            "SELECT next_attempt_at FROM alert_outbox WHERE status = 'pending'
             AND webhook IN ({}) ORDER BY next_attempt_at LIMIT 1",
            placeholders(1, webhooks.len())
        );
        let values: Vec<Value> = webhooks.iter().map(|w| Value::Text(w.clone())).collect();
        let text: Option<String> = self
            .conn()
            .optional(&query, &values, |r| r.get(0))
            .map_err(sql(&self.path, "read next alert"))?;
        text.map(|t| stored_time(&self.path, "alert_outbox.next_attempt_at", &t))
            .transpose()
    }

    /// Claims a pending row for one attempt: moves its due time from
    /// `seen_due` (as read) to `lease_until`. False when another process
    /// claimed or finished it first.
    pub fn claim_alert(
        &self,
        id: i64,
        seen_due: OffsetDateTime,
        lease_until: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let conn = self.conn();
        let changed = conn
            .execute(
                "UPDATE alert_outbox SET next_attempt_at = ?3
                 WHERE id = ?1 AND status = 'pending' AND next_attempt_at = ?2",
                params![id, format_instant(seen_due), format_instant(lease_until)],
            )
            .map_err(sql(&self.path, "claim alert"))?;
        Ok(changed == 1)
    }

    /// Records one attempt on row `id`.
    pub fn record_alert_attempt(&self, id: i64, attempt: &AttemptRecord) -> Result<(), StoreError> {
        let at = format_instant(attempt.at);
        let (status, next, delivered, failed) = match attempt.outcome {
            AttemptOutcome::Delivered => ("delivered", at.clone(), Some(at.clone()), 0),
            AttemptOutcome::Retry(next) => ("pending", format_instant(next), None, 1),
            AttemptOutcome::GaveUp => ("failed", at.clone(), None, 1),
        };
        let conn = self.conn();
        conn.execute(
            "UPDATE alert_outbox SET status = ?2, attempts = attempts + 1,
                 failures = failures + ?3, next_attempt_at = ?4, last_attempt_at = ?5,
                 last_http_status = ?6, last_error = ?7, delivered_at = ?8
             WHERE id = ?1",
            params![
                id,
                status,
                failed,
                next,
                at,
                attempt.http_status,
                attempt.error,
                delivered
            ],
        )
        .map_err(sql(&self.path, "record alert attempt"))?;
        Ok(())
    }

    /// Makes a claimed row due again at `at` without counting an attempt
    /// (an attempt abandoned when the process stopped delivering).
    pub fn release_alert(&self, id: i64, at: OffsetDateTime) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.execute(
            "UPDATE alert_outbox SET next_attempt_at = ?2 WHERE id = ?1 AND status = 'pending'",
            params![id, format_instant(at)],
        )
        .map_err(sql(&self.path, "release alert"))?;
        Ok(())
    }

    /// Rows and failed attempts per webhook and status.
    pub fn alert_counts(&self) -> Result<Vec<AlertCount>, StoreError> {
        let rows: Vec<(String, String, i64, i64)> = self
            .conn()
            .rows(
                "SELECT webhook, status, count(*), CAST(coalesce(sum(failures), 0) AS BIGINT)
                 FROM alert_outbox GROUP BY webhook, status ORDER BY webhook, status",
                params![],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .map_err(sql(&self.path, "count alerts"))?;
        rows.into_iter()
            .map(|(webhook, status, rows, failures)| {
                Ok(AlertCount {
                    status: self.outbox_status(&status)?,
                    webhook,
                    rows: rows as u64,
                    failures: failures as u64,
                })
            })
            .collect()
    }

    /// Every outbox row, oldest first.
    pub fn alert_outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        self.query_outbox("1 = 1 ORDER BY id", None, &[])
    }

    /// Rows matching `filter` (`?1` is `first`, `?2`… the `rest`).
    fn query_outbox(
        &self,
        filter: &str,
        first: Option<String>,
        rest: &[String],
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let query = format!("SELECT {OUTBOX_COLUMNS} FROM alert_outbox WHERE {filter}");
        let values: Vec<Value> = first
            .into_iter()
            .chain(rest.iter().cloned())
            .map(Value::Text)
            .collect();
        let raw: Vec<RawEntry> = self
            .conn()
            .rows(&query, &values, raw_entry)
            .map_err(sql(&self.path, "read alert outbox"))?;
        raw.into_iter().map(|r| self.outbox_entry(r)).collect()
    }

    fn outbox_entry(&self, raw: RawEntry) -> Result<OutboxEntry, StoreError> {
        let ((id, webhook, event_key, kind, scan, created, payload, status), more, delivered) = raw;
        let (attempts, failures, next, last, http_status, last_error) = more;
        let time = |what: &str, text: &str| stored_time(&self.path, what, text);
        let optional = |what: &str, text: Option<String>| text.map(|t| time(what, &t)).transpose();
        Ok(OutboxEntry {
            id,
            webhook,
            event_key,
            kind,
            scan: ScanId(scan),
            created_at: time("alert_outbox.created_at", &created)?,
            payload,
            status: self.outbox_status(&status)?,
            attempts,
            failures,
            next_attempt_at: time("alert_outbox.next_attempt_at", &next)?,
            last_attempt_at: optional("alert_outbox.last_attempt_at", last)?,
            last_http_status: http_status,
            last_error,
            delivered_at: optional("alert_outbox.delivered_at", delivered)?,
        })
    }

    fn outbox_status(&self, text: &str) -> Result<OutboxStatus, StoreError> {
        OutboxStatus::parse(text)
            .ok_or_else(|| corrupt(&self.path, format!("alert_outbox.status: {text:?}")))
    }
}

#[rustfmt::skip]
fn raw_entry(r: &Row) -> Result<RawEntry, SqlError> {
    Ok((
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?),
        (r.get(8)?, r.get(9)?, r.get(10)?, r.get(11)?, r.get(12)?, r.get(13)?),
        r.get(14)?,
    ))
}

/// `?from, ?from+1, …` for `count` values (`NULL` when there are none, so
/// that `IN (NULL)` matches nothing).
fn placeholders(from: usize, count: usize) -> String {
    if count == 0 {
        return "NULL".to_string();
    }
    let list: Vec<String> = (from..from + count).map(|i| format!("?{i}")).collect();
    list.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn outbox_statuses_round_trip_and_stay_as_stored() {
        let names: Vec<&str> = OutboxStatus::VARIANTS.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["pending", "delivered", "failed"]);
        for &status in OutboxStatus::VARIANTS {
            assert_eq!(OutboxStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(
            OutboxStatus::parse("Pending"),
            None,
            "stored words are exact"
        );
    }
}
