//! Scan life cycle and events: starting a scan (recording pid and host),
//! handing out its writer, finishing it, recording change events, and — on
//! every open — marking as `interrupted` the running scans of this host
//! whose process no longer exists.
//!
//! Only processes on this host can be checked: running scans recorded by
//! another host are left alone. A recycled pid (another process now has the
//! dead scanner's pid) keeps a scan `running` until that process is gone.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use time::OffsetDateTime;

use super::codec::{format_instant, json_text, sni_text};
use super::error::{sql, StoreError};
use super::insert::stored_certificate_ids;
use super::insert::WriterOptions;
use super::records::{EndpointKey, NewEvent, ScanId, ScanMeta, ScanStatus};
use super::sql::rows::insert_rows;
use super::sql::{params, Session, SqlError, Value};
use super::writer::ObservationWriter;
use super::Store;

impl Store {
    /// Records a new scan as `running`, with this process's pid and host.
    /// The scan joins the lineage of the earlier scans of its scope (the
    /// same targets, order ignored, and shard), whose unchanged
    /// observations it may hold instead of writing them again.
    pub fn begin_scan(&self, meta: &ScanMeta) -> Result<ScanId, StoreError> {
        self.require_writable("begin scan")?;
        let id = self
            .conn()
            .transaction(true, |e| e, |tx| insert_scan(tx, meta))
            .map_err(sql(&self.path, "begin scan"))?;
        Ok(ScanId(id))
    }

    /// Starts the writer thread for `scan` on its own connection, with the
    /// default [`WriterOptions`] (unresponsive probes of places that never
    /// answered are counted, not stored as rows).
    pub fn writer(&self, scan: ScanId) -> Result<ObservationWriter, StoreError> {
        self.writer_with(scan, WriterOptions::default())
    }

    /// Starts the writer thread for `scan` with `options`.
    pub fn writer_with(
        &self,
        scan: ScanId,
        options: WriterOptions,
    ) -> Result<ObservationWriter, StoreError> {
        self.require_writable("start the observation writer")?;
        self.require_scan(self.conn().as_ref(), scan)?;
        ObservationWriter::start(&self.database, scan, options)
    }

    /// Marks `scan` `complete` (or `interrupted` when `complete` is false),
    /// with the finish time and the run summary.
    pub fn finish_scan(
        &self,
        scan: ScanId,
        complete: bool,
        summary: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let finished_at = Some(OffsetDateTime::now_utc());
        let changed = close_scan(self.conn().as_ref(), scan, complete, summary, finished_at)
            .map_err(sql(&self.path, "finish scan"))?;
        match changed {
            0 => Err(self.unknown_scan(scan)),
            _ => Ok(()),
        }
    }

    /// Closes as `interrupted` every scan still `running` that this very
    /// process began (its pid and host), with `{"failed": reason}` as its
    /// summary: what a long-running process (`watch`) records when a run
    /// failed before finishing its scan. Returns how many were closed.
    pub fn fail_own_running_scans(&self, reason: &str) -> Result<usize, StoreError> {
        self.require_writable("record a failed run")?;
        let summary = serde_json::json!({ "failed": reason });
        self.conn()
            .execute(
                "UPDATE scans SET status = ?1, finished_at = ?2, summary = ?3
                 WHERE status = ?4 AND pid = ?5 AND host = ?6",
                params![
                    ScanStatus::Interrupted.as_str(),
                    format_instant(OffsetDateTime::now_utc()),
                    json_text(&summary),
                    ScanStatus::Running.as_str(),
                    std::process::id(),
                    hostname()
                ],
            )
            .map_err(sql(&self.path, "record a failed run"))
    }

    /// Stores change events for `scan` in one transaction. Every endpoint
    /// and certificate they name must already be stored. Each distinct
    /// endpoint and certificate is looked up once, certificates in `IN`
    /// lists, and the events go in multi-row statements: a scan's events
    /// cost a few round trips, not several per event.
    pub fn record_events(&self, scan: ScanId, events: &[NewEvent]) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.transaction(true, sql(&self.path, "record events"), |tx| {
            self.require_scan(tx, scan)?;
            let at = format_instant(OffsetDateTime::now_utc());
            let mut endpoints: HashMap<&EndpointKey, i64> = HashMap::new();
            for key in events.iter().filter_map(|e| e.endpoint.as_ref()) {
                if !endpoints.contains_key(key) {
                    endpoints.insert(key, self.endpoint_id(tx, key)?);
                }
            }
            let certificates = self.certificate_ids(tx, events)?;
            let id_of = |sha: &Option<String>| sha.as_ref().map(|sha| certificates[sha.as_str()]);
            let rows: Vec<Vec<Value>> = events
                .iter()
                .map(|event| {
                    params![
                        scan.0,
                        event.kind.as_str(),
                        event.endpoint.as_ref().map(|key| endpoints[key]),
                        id_of(&event.old_sha256),
                        id_of(&event.new_sha256),
                        event.lead_days,
                        json_text(&event.detail),
                        at
                    ]
                    .to_vec()
                })
                .collect();
            insert_rows(
                tx,
                "INSERT INTO events (scan_id, kind, endpoint_id, old_certificate_id,
                     new_certificate_id, lead_days, detail, at)",
                "",
                8,
                &rows,
            )
            .map_err(sql(&self.path, "record event"))
        })
    }

    /// Errors with [`StoreError::UnknownScan`] unless `scan` exists.
    pub(super) fn require_scan(&self, conn: &dyn Session, scan: ScanId) -> Result<(), StoreError> {
        let found: Option<i64> = conn
            .optional(
                "SELECT id FROM scans WHERE id = ?1",
                params![scan.0],
                |row| row.get(0),
            )
            .map_err(sql(&self.path, "look up scan"))?;
        found.map(|_| ()).ok_or_else(|| self.unknown_scan(scan))
    }

    /// The error for a scan id that is not stored.
    pub(super) fn unknown_scan(&self, scan: ScanId) -> StoreError {
        StoreError::UnknownScan {
            path: self.path.clone(),
            scan: scan.0,
        }
    }

    /// The id of a stored endpoint: the row of `key`'s SNI, or for a folded
    /// endpoint (`sni: None`) probed only with names, the row of its first
    /// name.
    fn endpoint_id(&self, conn: &dyn Session, key: &EndpointKey) -> Result<i64, StoreError> {
        let sni = sni_text(key.sni.as_deref());
        let found: Option<i64> = conn
            .optional(
                "SELECT id FROM endpoints WHERE address = ?1 AND port = ?2
                     AND (sni = ?3 OR ?3 = '')
                 ORDER BY CASE WHEN sni = ?3 THEN 0 ELSE 1 END, sni LIMIT 1",
                params![key.address, key.port, sni],
                |row| row.get(0),
            )
            .map_err(sql(&self.path, "look up endpoint"))?;
        found.ok_or_else(|| StoreError::UnknownReference {
            path: self.path.clone(),
            what: "endpoint",
            key: format!("{}:{} (sni {:?})", key.address, key.port, key.sni),
        })
    }

    /// The ids of the stored certificates the events name, by SHA-256;
    /// [`StoreError::UnknownReference`] for one not stored.
    fn certificate_ids<'e>(
        &self,
        conn: &dyn Session,
        events: &'e [NewEvent],
    ) -> Result<HashMap<&'e str, i64>, StoreError> {
        let wanted: BTreeSet<&str> = events
            .iter()
            .flat_map(|e| [e.old_sha256.as_deref(), e.new_sha256.as_deref()])
            .flatten()
            .collect();
        let values: Vec<Value> = wanted
            .iter()
            .map(|sha| Value::Text(sha.to_string()))
            .collect();
        let stored: HashMap<String, i64> = stored_certificate_ids(conn, &values)
            .map_err(sql(&self.path, "look up certificate"))?
            .into_iter()
            .collect();
        wanted
            .into_iter()
            .map(|sha| match stored.get(sha) {
                Some(&id) => Ok((sha, id)),
                None => Err(StoreError::UnknownReference {
                    path: self.path.clone(),
                    what: "certificate",
                    key: sha.to_string(),
                }),
            })
            .collect()
    }
}

/// Inserts `meta` as a `running` scan of this process; returns its id.
/// The scan joins the lineage of the earlier scans of its scope (the same
/// targets, order ignored, and shard), whose unchanged observations it may
/// hold instead of writing them again. Run inside a write transaction.
pub(super) fn insert_scan(conn: &dyn Session, meta: &ScanMeta) -> Result<i64, SqlError> {
    let scope = scope_key(meta);
    let id: i64 = conn.one(
        "INSERT INTO scans (started_at, status, targets, options, tool_version, pid, host, scope)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
        params![
            format_instant(meta.started_at),
            ScanStatus::Running.as_str(),
            json_text(&meta.targets),
            json_text(&meta.options),
            meta.tool_version,
            std::process::id(),
            hostname(),
            scope
        ],
        |row| row.get(0),
    )?;
    conn.execute(
        "UPDATE scans SET lineage = coalesce(
             (SELECT min(lineage) FROM scans p WHERE p.scope = ?2 AND p.id < ?1), ?1)
         WHERE id = ?1",
        params![id, scope],
    )?;
    Ok(id)
}

/// Marks `scan` `complete` (or `interrupted`) with its finish time (NULL
/// when unknown) and summary; returns how many rows changed (0: no such
/// scan).
pub(super) fn close_scan(
    conn: &dyn Session,
    scan: ScanId,
    complete: bool,
    summary: &serde_json::Value,
    finished_at: Option<OffsetDateTime>,
) -> Result<usize, SqlError> {
    let status = match complete {
        true => ScanStatus::Complete,
        false => ScanStatus::Interrupted,
    };
    conn.execute(
        "UPDATE scans SET status = ?2, finished_at = ?3, summary = ?4 WHERE id = ?1",
        params![
            scan.0,
            status.as_str(),
            finished_at.map(format_instant),
            json_text(summary)
        ],
    )
}

/// Marks as `interrupted` every `running` scan of this host whose process is
/// gone. Returns how many were marked.
pub(super) fn mark_interrupted(conn: &dyn Session, path: &Path) -> Result<usize, StoreError> {
    let running: Vec<(i64, i64)> = conn
        .rows(
            "SELECT id, pid FROM scans WHERE status = 'running' AND host = ?1",
            params![hostname()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .map_err(sql(path, "find running scans"))?;
    let mut marked = 0;
    for (id, _pid) in running
        .into_iter()
        .filter(|&(_, pid)| !crate::platform::process_exists(pid))
    {
        marked += conn
            .execute(
                "UPDATE scans SET status = 'interrupted' WHERE id = ?1 AND status = 'running'",
                params![id],
            )
            .map_err(sql(path, "mark scan interrupted"))?;
    }
    Ok(marked)
}

/// This machine's host name (`unknown` if it cannot be read).
pub fn hostname() -> String {
    crate::platform::hostname()
}

/// The scope key of a scan: the SHA-256 of its targets (sorted: order does
/// not change what is scanned) and its shard (`K/N`, or none).
fn scope_key(meta: &ScanMeta) -> String {
    let mut targets: Vec<&str> = meta.targets.iter().map(String::as_str).collect();
    targets.sort_unstable();
    let shard = crate::scan::options::ProbeOptions::from_stored(&meta.options)
        .and_then(|options| options.shard)
        .unwrap_or_default();
    let text = format!("{}\n#shard {shard}", targets.join("\n"));
    crate::certs::sha256_hex(text.as_bytes())
}
