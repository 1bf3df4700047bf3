//! Reads of the shard-cycle tables (version 4): a shard scan's part,
//! the cycles with their members, and every scan's role.

use std::collections::BTreeMap;

use super::{Cycle, ScanRole, ShardPart};

use crate::store::records::ScanId;
use crate::store::sql::{params, Session, SqlError, Value};

/// The `scan_shards` row of `scan`.
pub(super) fn shard_part(conn: &dyn Session, scan: ScanId) -> Result<Option<ShardPart>, SqlError> {
    conn.optional(
        "SELECT scope_key, shard, shard_count FROM scan_shards WHERE scan_id = ?1",
        params![scan.0],
        |row| {
            Ok(ShardPart {
                scope_key: row.get(0)?,
                shard: row.get(1)?,
                count: row.get(2)?,
            })
        },
    )
}

/// The cycles matching `filter` (SQL over `c`, with `params`), with their
/// members.
fn query_cycles(
    conn: &dyn Session,
    filter: &str,
    params: &[Value],
) -> Result<Vec<Cycle>, SqlError> {
    let query = format!(
        "SELECT c.scan_id, c.scope_key, c.shard_count, m.scan_id
         FROM scan_cycles c JOIN scan_cycle_members m ON m.cycle_scan_id = c.scan_id
         WHERE {filter}
         ORDER BY c.scan_id, m.shard"
    );
    let rows = conn.rows(&query, params, |row| {
        let head: (i64, String, u32) = (row.get(0)?, row.get(1)?, row.get(2)?);
        Ok((head, ScanId(row.get(3)?)))
    })?;
    let mut cycles: Vec<Cycle> = Vec::new();
    for ((scan, scope_key, count), member) in rows {
        match cycles.last_mut() {
            Some(cycle) if cycle.scan.0 == scan => cycle.members.push(member),
            _ => cycles.push(Cycle {
                scan: ScanId(scan),
                scope_key,
                count,
                members: vec![member],
            }),
        }
    }
    Ok(cycles)
}

/// The cycle whose cycle scan is `scan`.
pub(super) fn cycle_of_scan(conn: &dyn Session, scan: ScanId) -> Result<Option<Cycle>, SqlError> {
    Ok(query_cycles(conn, "c.scan_id = ?1", params![scan.0])?.pop())
}

/// The latest cycle with `scan` among its members.
pub(super) fn cycle_with_member(
    conn: &dyn Session,
    scan: ScanId,
) -> Result<Option<Cycle>, SqlError> {
    let filter = "c.scan_id IN (SELECT cycle_scan_id FROM scan_cycle_members WHERE scan_id = ?1)";
    Ok(query_cycles(conn, filter, params![scan.0])?.pop())
}

/// The cycle of a scope with exactly these members.
pub(super) fn cycle_by_members(
    conn: &dyn Session,
    scope_key: &str,
    members: &[ScanId],
) -> Result<Option<Cycle>, SqlError> {
    let text: Vec<String> = members.iter().map(|m| m.0.to_string()).collect();
    let filter = "c.scope_key = ?1 AND c.members = ?2";
    Ok(query_cycles(conn, filter, params![scope_key, text.join(",")])?.pop())
}

/// Every shard and cycle scan's role.
pub(super) fn scan_roles(conn: &dyn Session) -> Result<BTreeMap<ScanId, ScanRole>, SqlError> {
    let mut roles = BTreeMap::new();
    let query = "SELECT s.scan_id, s.scope_key, s.shard, s.shard_count,
             (SELECT MAX(m.cycle_scan_id) FROM scan_cycle_members m WHERE m.scan_id = s.scan_id)
         FROM scan_shards s";
    let rows = conn.rows(query, params![], |row| {
        let part = ShardPart {
            scope_key: row.get(1)?,
            shard: row.get(2)?,
            count: row.get(3)?,
        };
        let cycle: Option<i64> = row.get(4)?;
        Ok((ScanId(row.get(0)?), part, cycle.map(ScanId)))
    })?;
    for (scan, part, cycle) in rows {
        roles.insert(scan, ScanRole::Shard { part, cycle });
    }
    for cycle in query_cycles(conn, "1 = 1", params![])? {
        roles.insert(cycle.scan, ScanRole::Cycle { cycle });
    }
    Ok(roles)
}
