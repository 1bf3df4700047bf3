//! Making shard cycles: recording which part of which scope each shard
//! scan covers, making a cycle scan once every part is in, and the
//! store's methods that tell judged scans (unsharded and cycle scans) from
//! shard scans (the queries of the cycle tables are in `read`).
//!
//! A cycle is made in one transaction: find, for every shard of the scope,
//! the latest complete shard scan newer than the scope's last cycle; if
//! all are there, insert the cycle scan (started at the earliest member's
//! start, finished at the latest member's finish), its `scan_cycles` row
//! (`INSERT ... ON CONFLICT DO NOTHING`: the unique key on scope and
//! members makes a second attempt insert nothing), its members, and copy
//! the members' observations into it with one `INSERT ... SELECT`. The
//! transaction is `IMMEDIATE` on SQLite, so two scanners finishing at once
//! are serialised; on PostgreSQL the unique key decides (the loser's
//! insert waits for the winner's commit, then does nothing).

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::read::{cycle_by_members, cycle_of_scan, cycle_with_member, scan_roles, shard_part};
use super::{Cycle, CycleProgress, ScanRole, ShardPart};
use crate::store::codec::{format_instant, json_text};
use crate::store::error::{sql, StoreError};
use crate::store::lifecycle::hostname;
use crate::store::records::{ScanId, ScanRecord, ScanStatus};
use crate::store::sql::{params, Session, SqlError};
use crate::store::Store;

/// Last member id of the scope's cycles (0 when none): only shard scans
/// newer than it can make the next cycle.
const LAST_CYCLE_MEMBER: &str = "(SELECT COALESCE(MAX(m.scan_id), 0)
     FROM scan_cycle_members m JOIN scan_cycles c ON c.scan_id = m.cycle_scan_id
     WHERE c.scope_key = ?1)";

impl Store {
    /// Records that `scan` is the shard scan `part` of its scope.
    pub fn record_shard(&self, scan: ScanId, part: &ShardPart) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT INTO scan_shards (scan_id, scope_key, shard, shard_count)
                 VALUES (?1, ?2, ?3, ?4)",
                params![scan.0, part.scope_key, part.shard, part.count],
            )
            .map_err(sql(&self.path, "record shard"))?;
        Ok(())
    }

    /// The part `scan` covers, when it is a shard scan.
    pub fn shard_part(&self, scan: ScanId) -> Result<Option<ShardPart>, StoreError> {
        shard_part(self.conn().as_ref(), scan).map_err(sql(&self.path, "read shard"))
    }

    /// Makes the cycle of `scan` (a complete shard scan covering `part`) if
    /// every part of its scope is in, in one transaction; see the module
    /// documentation. `tool_version` is recorded with the cycle scan.
    pub fn complete_cycle(
        &self,
        scan: ScanId,
        part: &ShardPart,
        tool_version: &str,
    ) -> Result<CycleProgress, StoreError> {
        let conn = self.conn();
        let made = conn.transaction(true, Attempt::Sql, |tx| {
            cycle_step(tx, scan, part, tool_version)
        });
        match made {
            Ok(progress) => Ok(progress),
            // Rolled back (dropping this attempt's cycle scan row): read
            // the cycle the other scanner made.
            Err(Attempt::Lost(members)) => {
                let existing = cycle_by_members(conn.as_ref(), &part.scope_key, &members)
                    .map_err(sql(&self.path, "read cycle"))?;
                existing
                    .map(CycleProgress::AlreadyMade)
                    .ok_or_else(|| self.unknown_scan(scan))
            }
            Err(Attempt::Sql(e)) => Err(sql(&self.path, "make cycle")(e)),
        }
    }

    /// The cycle whose cycle scan is `scan`, if it is one.
    pub fn cycle(&self, scan: ScanId) -> Result<Option<Cycle>, StoreError> {
        cycle_of_scan(self.conn().as_ref(), scan).map_err(sql(&self.path, "read cycle"))
    }

    /// Every scan's role in the shard cycles; scans that are neither shard
    /// nor cycle scans are absent.
    pub fn scan_roles(&self) -> Result<BTreeMap<ScanId, ScanRole>, StoreError> {
        scan_roles(self.conn().as_ref()).map_err(sql(&self.path, "read scan roles"))
    }

    /// Every complete scan that is judged on its own — unsharded scans and
    /// cycle scans, shard scans left out — oldest first: the timeline that
    /// findings, diffs and scores walk.
    pub fn judged_scans(&self) -> Result<Vec<ScanRecord>, StoreError> {
        let filter = format!("WHERE {} ORDER BY id", crate::store::read_scans::JUDGED);
        self.query_scans(&filter, params![])
    }

    /// Replaces the run summary of `scan` (a cycle scan's is the members'
    /// summaries combined, which the store does not know how to do).
    pub fn set_scan_summary(
        &self,
        scan: ScanId,
        summary: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let changed = self
            .conn()
            .execute(
                "UPDATE scans SET summary = ?2 WHERE id = ?1",
                params![scan.0, json_text(summary)],
            )
            .map_err(sql(&self.path, "set scan summary"))?;
        match changed {
            0 => Err(self.unknown_scan(scan)),
            _ => Ok(()),
        }
    }
}

/// Why an attempt at a cycle was rolled back.
enum Attempt {
    /// A statement (or the transaction itself) failed.
    Sql(SqlError),
    /// Another scanner made the cycle of these members first.
    Lost(Vec<ScanId>),
}

impl From<SqlError> for Attempt {
    fn from(e: SqlError) -> Attempt {
        Attempt::Sql(e)
    }
}

/// Looks for the cycle of `scan` and makes it when every part is in
/// (waiting, made, or made earlier: commit).
fn cycle_step(
    tx: &dyn Session,
    scan: ScanId,
    part: &ShardPart,
    tool_version: &str,
) -> Result<CycleProgress, Attempt> {
    if let Some(cycle) = cycle_with_member(tx, scan)? {
        return Ok(CycleProgress::AlreadyMade(cycle));
    }
    let present = parts_in(tx, part)?;
    if present.len() < part.count as usize {
        return Ok(CycleProgress::Waiting {
            count: part.count,
            present,
        });
    }
    let members: Vec<ScanId> = present.into_values().collect();
    match make_cycle(tx, part, &members, tool_version)? {
        Some(cycle) => Ok(CycleProgress::Made(cycle)),
        None => Err(Attempt::Lost(members)),
    }
}

/// For each shard of `part`'s scope, its latest complete scan newer than
/// the scope's last cycle.
fn parts_in(conn: &dyn Session, part: &ShardPart) -> Result<BTreeMap<u32, ScanId>, SqlError> {
    let query = format!(
        "SELECT s.shard, s.scan_id FROM scan_shards s JOIN scans sc ON sc.id = s.scan_id
         WHERE s.scope_key = ?1 AND s.shard_count = ?2 AND sc.status = ?3
           AND s.scan_id > {LAST_CYCLE_MEMBER}
         ORDER BY s.scan_id"
    );
    let rows = conn.rows(
        &query,
        params![part.scope_key, part.count, ScanStatus::Complete.as_str()],
        |row| Ok((row.get::<u32>(0)?, ScanId(row.get(1)?))),
    )?;
    // Ascending ids: a later scan of a shard replaces an earlier one.
    Ok(rows.into_iter().collect())
}

/// Inserts the cycle scan, its cycle row and members, and copies the
/// members' observations; `None` when the cycle row already existed (the
/// caller then rolls back).
pub(in crate::store) fn make_cycle(
    conn: &dyn Session,
    part: &ShardPart,
    members: &[ScanId],
    tool_version: &str,
) -> Result<Option<Cycle>, SqlError> {
    let scan = insert_cycle_scan(conn, part.count, members, tool_version)?;
    let member_text: Vec<String> = members.iter().map(|m| m.0.to_string()).collect();
    let inserted: Option<i64> = conn.optional(
        "INSERT INTO scan_cycles (scan_id, scope_key, shard_count, members, made_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING RETURNING scan_id",
        params![
            scan.0,
            part.scope_key,
            part.count,
            member_text.join(","),
            format_instant(OffsetDateTime::now_utc())
        ],
        |row| row.get(0),
    )?;
    if inserted.is_none() {
        return Ok(None);
    }
    for (index, member) in members.iter().enumerate() {
        conn.execute(
            "INSERT INTO scan_cycle_members (cycle_scan_id, shard, scan_id) VALUES (?1, ?2, ?3)",
            params![scan.0, index + 1, member.0],
        )?;
    }
    copy_observations(conn, scan)?;
    Ok(Some(Cycle {
        scan,
        scope_key: part.scope_key.clone(),
        count: part.count,
        members: members.to_vec(),
    }))
}

/// Inserts the cycle scan's `scans` row: complete, from the earliest
/// member start to the latest member finish (instants are stored as
/// fixed-width UTC text, so text order is time order), with the latest
/// member's targets and its options without the shard plus `cycle`.
fn insert_cycle_scan(
    conn: &dyn Session,
    count: u32,
    members: &[ScanId],
    tool_version: &str,
) -> Result<ScanId, SqlError> {
    let read = "SELECT started_at, finished_at, targets, options FROM scans WHERE id = ?1";
    let mut rows = Vec::with_capacity(members.len());
    for member in members {
        rows.push(conn.one(read, params![member.0], |row| {
            let times: (String, Option<String>) = (row.get(0)?, row.get(1)?);
            Ok((
                member.0,
                times,
                row.get::<String>(2)?,
                row.get::<String>(3)?,
            ))
        })?);
    }
    rows.sort_by_key(|row| row.0);
    let started = rows
        .iter()
        .map(|r| r.1 .0.clone())
        .min()
        .unwrap_or_default();
    let finished = rows.iter().filter_map(|r| r.1 .1.clone()).max();
    let (_, _, targets, options) = rows.pop().unwrap_or_default();
    let mut options: serde_json::Value = serde_json::from_str(&options).unwrap_or_default();
    if let Some(map) = options.as_object_mut() {
        map.remove("shard");
        let ids: Vec<i64> = members.iter().map(|m| m.0).collect();
        map.insert(
            "cycle".into(),
            serde_json::json!({ "shards": count, "members": ids }),
        );
    }
    let id: ScanId = conn.one(
        "INSERT INTO scans (started_at, finished_at, status, targets, options, tool_version,
             pid, host)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
        params![
            started,
            finished,
            ScanStatus::Complete.as_str(),
            targets,
            json_text(&options),
            tool_version,
            std::process::id(),
            hostname()
        ],
        |row| Ok(ScanId(row.get(0)?)),
    )?;
    // a cycle scan is a lineage of its own: its rows are copies
    conn.execute("UPDATE scans SET lineage = id WHERE id = ?1", params![id.0])?;
    Ok(id)
}

/// Copies the observations of the cycle's members into the cycle scan, in
/// shard order, in one statement.
fn copy_observations(conn: &dyn Session, cycle: ScanId) -> Result<usize, SqlError> {
    let copied = conn.execute(
        "INSERT INTO observations (scan_id, endpoint_id, host, observed_at, duration_ms, status,
             reason, detail, tls, tls_version, chain_id, leaf_certificate_id, verdict, extra,
             lineage, last_scan_id)
         SELECT ?1, o.endpoint_id, o.host, o.observed_at, o.duration_ms, o.status, o.reason,
             o.detail, o.tls, o.tls_version, o.chain_id, o.leaf_certificate_id, o.verdict,
             o.extra, ?1, ?1
         FROM scan_observations o JOIN scan_cycle_members m ON m.scan_id = o.scan_id
         WHERE m.cycle_scan_id = ?1
         ORDER BY m.shard, o.first_scan_id, o.id",
        params![cycle.0],
    )?;
    conn.execute(
        "INSERT INTO unresponsive_counts (scan_id, port, reason, count)
         SELECT ?1, u.port, u.reason, sum(u.count)
         FROM unresponsive_counts u JOIN scan_cycle_members m ON m.scan_id = u.scan_id
         WHERE m.cycle_scan_id = ?1
         GROUP BY u.port, u.reason",
        params![cycle.0],
    )?;
    Ok(copied)
}
