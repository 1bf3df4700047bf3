//! Queries over scans and events: the scan list (newest first, i.e. most
//! recently begun), one scan, the latest and the previous completed scan,
//! and the stored change events.

use std::path::Path;

use super::codec::{json_column, sni_option, stored_time};
use super::error::{corrupt, sql, StoreError};
use super::records::{EndpointKey, EventKind, EventRecord, ScanId, ScanRecord, ScanStatus};
use super::sql::{params, Row, SqlError, Value};
use super::Store;

/// The columns [`RawScan::from_row`] reads, in order.
const SCAN_COLUMNS: &str = "id, started_at, finished_at, status, targets, options, tool_version,
    pid, host, summary,
    (SELECT count(*) FROM scan_observations o WHERE o.scan_id = scans.id)
        + (SELECT CAST(coalesce(sum(u.count), 0) AS BIGINT) FROM unresponsive_counts u
            WHERE u.scan_id = scans.id)";

/// The scans judged on their own: complete, and not shard scans (a cycle
/// scan stands for those). The one definition the timeline readers share.
pub(super) const JUDGED: &str =
    "status = 'complete' AND id NOT IN (SELECT scan_id FROM scan_shards)";

impl Store {
    /// Every scan, newest (most recently begun) first.
    pub fn scans(&self) -> Result<Vec<ScanRecord>, StoreError> {
        self.query_scans("ORDER BY id DESC", params![])
    }

    /// One scan, if it exists.
    pub fn scan(&self, id: ScanId) -> Result<Option<ScanRecord>, StoreError> {
        Ok(self.query_scans("WHERE id = ?1", params![id.0])?.pop())
    }

    /// The most recently begun scan, or the most recent complete one that
    /// is judged on its own (shard scans left out: their cycle scan counts).
    pub fn latest_scan(&self, complete_only: bool) -> Result<Option<ScanRecord>, StoreError> {
        let filter = format!("WHERE (?1 = 0 OR ({JUDGED})) ORDER BY id DESC LIMIT 1");
        Ok(self.query_scans(&filter, params![complete_only])?.pop())
    }

    /// The complete scan begun most recently before `before`, shard scans
    /// left out (a cycle scan stands for them).
    pub fn previous_scan(&self, before: ScanId) -> Result<Option<ScanRecord>, StoreError> {
        let filter = format!("WHERE {JUDGED} AND id < ?1 ORDER BY id DESC LIMIT 1");
        Ok(self.query_scans(&filter, params![before.0])?.pop())
    }

    /// Stored events of one scan, or of all scans, in recording order.
    pub fn events(&self, scan: Option<ScanId>) -> Result<Vec<EventRecord>, StoreError> {
        match scan {
            Some(scan) => self.query_events("e.scan_id = ?1", params![scan.0]),
            None => self.query_events("1 = 1", params![]),
        }
    }

    /// Stored events of the given kinds recorded for any of `scans`, in
    /// recording order (what scoring reads over its window).
    pub fn events_in(
        &self,
        scans: &[ScanId],
        kinds: &[EventKind],
    ) -> Result<Vec<EventRecord>, StoreError> {
        let ids: Vec<String> = scans.iter().map(|s| s.0.to_string()).collect();
        let kinds: Vec<String> = kinds.iter().map(|k| format!("'{}'", k.as_str())).collect();
        if ids.is_empty() || kinds.is_empty() {
            return Ok(Vec::new());
        }
        let filter = format!(
            "e.scan_id IN ({}) AND e.kind IN ({})",
            ids.join(","),
            kinds.join(",")
        );
        self.query_events(&filter, params![])
    }

    /// Events matching `filter` (SQL over `e`, with `params`).
    fn query_events(&self, filter: &str, params: &[Value]) -> Result<Vec<EventRecord>, StoreError> {
        let conn = self.conn();
        let query = format!(
            "SELECT e.id, e.scan_id, e.kind, ep.address, ep.port, ep.sni, old_cert.sha256,
                 new_cert.sha256, e.lead_days, e.detail, e.at, old_cert.not_before,
                 old_cert.not_after
             FROM events e
             LEFT JOIN endpoints ep ON ep.id = e.endpoint_id
             LEFT JOIN certificates old_cert ON old_cert.id = e.old_certificate_id
             LEFT JOIN certificates new_cert ON new_cert.id = e.new_certificate_id
             WHERE {filter}
             ORDER BY e.id"
        );
        let raws: Vec<RawEvent> = conn
            .rows(&query, params, RawEvent::from_row)
            .map_err(sql(&self.path, "read events"))?;
        raws.into_iter().map(|raw| raw.decode(&self.path)).collect()
    }

    /// Runs `SELECT <scan columns> FROM scans <tail>`.
    pub(super) fn query_scans(
        &self,
        tail: &str,
        params: &[Value],
    ) -> Result<Vec<ScanRecord>, StoreError> {
        let raws: Vec<RawScan> = self
            .conn()
            .rows(
                &format!("SELECT {SCAN_COLUMNS} FROM scans {tail}"),
                params,
                RawScan::from_row,
            )
            .map_err(sql(&self.path, "read scans"))?;
        raws.into_iter().map(|raw| raw.decode(&self.path)).collect()
    }
}

/// A `scans` row as stored.
struct RawScan {
    id: i64,
    started_at: String,
    finished_at: Option<String>,
    status: String,
    targets: String,
    options: String,
    tool_version: String,
    pid: i64,
    host: String,
    summary: Option<String>,
    observations: i64,
}

impl RawScan {
    /// Reads the [`SCAN_COLUMNS`].
    fn from_row(row: &Row) -> Result<RawScan, SqlError> {
        Ok(RawScan {
            id: row.get(0)?,
            started_at: row.get(1)?,
            finished_at: row.get(2)?,
            status: row.get(3)?,
            targets: row.get(4)?,
            options: row.get(5)?,
            tool_version: row.get(6)?,
            pid: row.get(7)?,
            host: row.get(8)?,
            summary: row.get(9)?,
            observations: row.get(10)?,
        })
    }

    /// Decodes times, status and JSON.
    fn decode(self, path: &Path) -> Result<ScanRecord, StoreError> {
        let status = ScanStatus::parse(&self.status).ok_or_else(|| {
            corrupt(
                path,
                format!("scan {}: unknown status {:?}", self.id, self.status),
            )
        })?;
        Ok(ScanRecord {
            id: ScanId(self.id),
            started_at: stored_time(path, "scans.started_at", &self.started_at)?,
            finished_at: match &self.finished_at {
                Some(text) => Some(stored_time(path, "scans.finished_at", text)?),
                None => None,
            },
            status,
            targets: json_column(path, "scans.targets", &self.targets)?,
            options: json_column(path, "scans.options", &self.options)?,
            tool_version: self.tool_version,
            pid: self.pid,
            host: self.host,
            summary: match &self.summary {
                Some(text) => Some(json_column(path, "scans.summary", text)?),
                None => None,
            },
            observations: u64::try_from(self.observations).unwrap_or(0),
        })
    }
}

/// An `events` row joined with its endpoint and certificates.
struct RawEvent {
    id: i64,
    scan: i64,
    kind: String,
    address: Option<String>,
    port: Option<u16>,
    sni: Option<String>,
    old_sha256: Option<String>,
    new_sha256: Option<String>,
    lead_days: Option<f64>,
    detail: String,
    at: String,
    old_not_before: Option<String>,
    old_not_after: Option<String>,
}

impl RawEvent {
    /// Reads the columns of [`Store::events`]'s query.
    fn from_row(row: &Row) -> Result<RawEvent, SqlError> {
        Ok(RawEvent {
            id: row.get(0)?,
            scan: row.get(1)?,
            kind: row.get(2)?,
            address: row.get(3)?,
            port: row.get(4)?,
            sni: row.get(5)?,
            old_sha256: row.get(6)?,
            new_sha256: row.get(7)?,
            lead_days: row.get(8)?,
            detail: row.get(9)?,
            at: row.get(10)?,
            old_not_before: row.get(11)?,
            old_not_after: row.get(12)?,
        })
    }

    /// Decodes kind, endpoint, JSON and time.
    fn decode(self, path: &Path) -> Result<EventRecord, StoreError> {
        let kind = EventKind::parse(&self.kind).ok_or_else(|| {
            corrupt(
                path,
                format!("event {}: unknown kind {:?}", self.id, self.kind),
            )
        })?;
        let endpoint = match (self.address, self.port) {
            (Some(address), Some(port)) => Some(EndpointKey {
                address,
                port,
                sni: self.sni.and_then(sni_option),
            }),
            _ => None,
        };
        let old_lifetime_days = match (&self.old_not_before, &self.old_not_after) {
            (Some(from), Some(to)) => {
                let from = stored_time(path, "certificates.not_before", from)?;
                let to = stored_time(path, "certificates.not_after", to)?;
                Some((to - from).as_seconds_f64() / 86_400.0)
            }
            _ => None,
        };
        Ok(EventRecord {
            old_lifetime_days,
            id: self.id,
            scan: ScanId(self.scan),
            kind,
            endpoint,
            old_sha256: self.old_sha256,
            new_sha256: self.new_sha256,
            lead_days: self.lead_days,
            detail: json_column(path, "events.detail", &self.detail)?,
            at: stored_time(path, "events.at", &self.at)?,
        })
    }
}
