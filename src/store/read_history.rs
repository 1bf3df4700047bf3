//! Queries over observations: an endpoint's history, where and when a
//! certificate was served, and the stored observations of a scan rebuilt as
//! [`Observation`] values (so they can be re-evaluated with new rules).

use std::collections::HashMap;
use std::path::Path;

use super::sql::{params, Row, Session, SqlError, ToValue, Value};

use super::codec::{sni_option, sni_text, stored_time, ObservationColumns};
use super::error::{sql, StoreError};
use super::records::{EndpointKey, HistoryEntry, ScanId};
use super::Store;
use crate::observation::Observation;

/// The columns [`RawHistory::from_row`] reads; `o` is the observation, `e`
/// its endpoint, `c` its leaf, `?position` a chain position or NULL.
const HISTORY_COLUMNS: &str = "o.scan_id, o.observed_at, e.address, e.port, e.sni, o.host,
    o.status, o.reason, c.sha256, c.subject_dn, c.not_after";

/// Leaves out the copies a cycle scan holds of its members' observations,
/// so that each probe is listed once (under the shard scan that made it).
const NOT_CYCLE_COPY: &str = "o.scan_id NOT IN (SELECT scan_id FROM scan_cycles)";

impl Store {
    /// Every observation of one endpoint, oldest first (a cycle scan's
    /// copies left out). `sni: None` means
    /// the probes that sent no SNI.
    pub fn endpoint_history(
        &self,
        address: &str,
        port: u16,
        sni: Option<&str>,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let query = format!(
            "SELECT {HISTORY_COLUMNS}, NULL
             FROM scan_observations o JOIN endpoints e ON e.id = o.endpoint_id
             LEFT JOIN certificates c ON c.id = o.leaf_certificate_id
             WHERE e.address = ?1 AND e.port = ?2 AND e.sni = ?3 AND {NOT_CYCLE_COPY}
             ORDER BY o.observed_at, o.scan_id, o.id"
        );
        self.query_history(&query, params![address, port, sni_text(sni)])
    }

    /// Every observation whose chain contained the certificate, as leaf or
    /// elsewhere (`position` says where), oldest first (a cycle scan's
    /// copies left out).
    pub fn certificate_history(&self, sha256: &str) -> Result<Vec<HistoryEntry>, StoreError> {
        let query = format!(
            "SELECT {HISTORY_COLUMNS}, cl.position
             FROM certificates target
             JOIN chain_links cl ON cl.certificate_id = target.id
             JOIN scan_observations o ON o.chain_id = cl.chain_id
             JOIN endpoints e ON e.id = o.endpoint_id
             LEFT JOIN certificates c ON c.id = o.leaf_certificate_id
             WHERE target.sha256 = ?1 AND {NOT_CYCLE_COPY}
             ORDER BY o.observed_at, o.scan_id, o.id, cl.position"
        );
        self.query_history(&query, params![sha256])
    }

    /// The stored observations of `scan` (held rows included; unresponsive
    /// probes that were counted are not among them), in writing order,
    /// with their chains' DER restored.
    pub fn observations(&self, scan: ScanId) -> Result<Vec<Observation>, StoreError> {
        let conn = self.conn();
        let raws = raw_observations(conn.as_ref(), scan, false)
            .map_err(sql(&self.path, "read observations"))?;
        let chains = chain_ders(conn.as_ref(), scan).map_err(sql(&self.path, "read chains"))?;
        raws.into_iter()
            .map(|(chain_id, columns)| {
                let chain_der = chain_id
                    .and_then(|id| chains.get(&id).cloned())
                    .unwrap_or_default();
                columns.rebuild(&self.path, chain_der)
            })
            .collect()
    }

    /// The observations of `scan` where something answered, without their
    /// chains' DER (`chain_der` left empty): what evaluating endpoints
    /// needs, at a fraction of the memory, and nothing of the unresponsive
    /// addresses (however many the scan swept).
    pub fn observations_without_chains(
        &self,
        scan: ScanId,
    ) -> Result<Vec<Observation>, StoreError> {
        let conn = self.conn();
        let raws = raw_observations(conn.as_ref(), scan, true)
            .map_err(sql(&self.path, "read observations"))?;
        raws.into_iter()
            .map(|(_, columns)| columns.rebuild(&self.path, Vec::new()))
            .collect()
    }

    /// The observations [`Store::observations_without_chains`] returns,
    /// handed to `each` a page at a time: every observation of an endpoint
    /// (address, port) in one page, in writing order within it, the pages
    /// in endpoint order, about `page` observations a page (their ids are
    /// read first, in that order; each page is then read by id), so only
    /// one page is in memory.
    pub fn observations_by_endpoint(
        &self,
        scan: ScanId,
        page: usize,
        each: impl FnMut(Vec<Observation>),
    ) -> Result<(), StoreError> {
        self.observation_pages(scan, page, false, each)
    }

    /// [`Store::observations_by_endpoint`] with each observation's chain
    /// DER restored, a page's chains read with the page (what the CBOM
    /// matches deployments by).
    pub fn observations_by_endpoint_with_chains(
        &self,
        scan: ScanId,
        page: usize,
        each: impl FnMut(Vec<Observation>),
    ) -> Result<(), StoreError> {
        self.observation_pages(scan, page, true, each)
    }

    /// The pages of [`Store::observations_by_endpoint`], with their chains'
    /// DER when `chains` says so.
    fn observation_pages(
        &self,
        scan: ScanId,
        page: usize,
        chains: bool,
        mut each: impl FnMut(Vec<Observation>),
    ) -> Result<(), StoreError> {
        // the connection is taken for each read, not held while `each`
        // runs: `each` may use the store (the judge stores a page's
        // findings before the next page is read)
        let order = format!(
            "SELECT o.id, e.address, e.port
             FROM scan_observations o JOIN endpoints e ON e.id = o.endpoint_id
             WHERE o.scan_id = ?1 AND {ANSWERED} ORDER BY e.address, e.port, o.id"
        );
        let runs = self.endpoint_runs(&order, scan)?;
        for part in runs.pages(page) {
            let conn = self.conn();
            let mut found = self.observations_by_id(conn.as_ref(), scan, part)?;
            let position: HashMap<i64, usize> =
                part.iter().enumerate().map(|(at, id)| (*id, at)).collect();
            found.sort_by_key(|(id, _, _)| position.get(id).copied());
            let ders = match chains {
                true => {
                    let ids: Vec<i64> = found.iter().filter_map(|(_, chain, _)| *chain).collect();
                    chain_ders_of(conn.as_ref(), &ids).map_err(sql(&self.path, "read chains"))?
                }
                false => HashMap::new(),
            };
            drop(conn);
            let observations = found
                .into_iter()
                .map(|(_, chain, columns)| {
                    let der = chain.and_then(|id| ders.get(&id).cloned());
                    columns.rebuild(&self.path, der.unwrap_or_default())
                })
                .collect::<Result<Vec<_>, _>>()?;
            each(observations);
        }
        Ok(())
    }

    /// The ids `order` selects for `scan` (its columns: an id, then the
    /// endpoint's address and port; `?1` the scan), in its order, with
    /// where each endpoint's run of ids starts: a scan's rows read in
    /// pages that never split an endpoint, 8 bytes per row held.
    pub(super) fn endpoint_runs(
        &self,
        order: &str,
        scan: ScanId,
    ) -> Result<EndpointRuns, StoreError> {
        let (mut ids, mut starts) = (Vec::new(), Vec::new());
        let mut last: Option<(String, i64)> = None;
        self.conn()
            .query(order, params![scan.0], &mut |row| {
                let place: (String, i64) = (row.get(1)?, row.get(2)?);
                if last.as_ref() != Some(&place) {
                    starts.push(ids.len());
                    last = Some(place);
                }
                ids.push(row.get::<i64>(0)?);
                Ok(())
            })
            .map_err(sql(&self.path, "read observations"))?;
        starts.push(ids.len());
        Ok(EndpointRuns { ids, starts })
    }

    /// The observations of `scan` with these ids, with their ids and chain
    /// ids, in no particular order (looked up by id: the unary `+` keeps the planner
    /// from reading every observation of the scan instead).
    fn observations_by_id(
        &self,
        conn: &dyn Session,
        scan: ScanId,
        ids: &[i64],
    ) -> Result<Vec<(i64, Option<i64>, ObservationColumns)>, StoreError> {
        let mut found = Vec::with_capacity(ids.len());
        for part in ids.chunks(500) {
            let marks: Vec<String> = (2..part.len() + 2).map(|n| format!("?{n}")).collect();
            let query = format!(
                "SELECT {OBSERVATION_COLUMNS}, o.id
                 FROM scan_observations o JOIN endpoints e ON e.id = o.endpoint_id
                 WHERE +o.scan_id = ?1 AND o.id IN ({})",
                marks.join(", ")
            );
            let mut values = vec![scan.0.to_value()];
            values.extend(part.iter().map(ToValue::to_value));
            let rows = conn
                .rows(&query, &values, |row| {
                    let (chain, columns) = observation_columns(row)?;
                    Ok((row.get::<i64>(12)?, chain, columns))
                })
                .map_err(sql(&self.path, "read observations"))?;
            found.extend(rows);
        }
        Ok(found)
    }

    /// Runs a history query whose columns are [`HISTORY_COLUMNS`] + position.
    fn query_history(
        &self,
        query: &str,
        params: &[Value],
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        let raws: Vec<RawHistory> = self
            .conn()
            .rows(query, params, RawHistory::from_row)
            .map_err(sql(&self.path, "read history"))?;
        raws.into_iter().map(|raw| raw.decode(&self.path)).collect()
    }
}

/// A history row as stored.
struct RawHistory {
    scan: i64,
    observed_at: String,
    endpoint: EndpointKey,
    host: String,
    status: String,
    reason: String,
    leaf_sha256: Option<String>,
    leaf_subject: Option<String>,
    leaf_not_after: Option<String>,
    position: Option<u32>,
}

impl RawHistory {
    /// Reads [`HISTORY_COLUMNS`] and the position.
    fn from_row(row: &Row) -> Result<RawHistory, SqlError> {
        Ok(RawHistory {
            scan: row.get(0)?,
            observed_at: row.get(1)?,
            endpoint: EndpointKey {
                address: row.get(2)?,
                port: row.get(3)?,
                sni: sni_option(row.get(4)?),
            },
            host: row.get(5)?,
            status: row.get(6)?,
            reason: row.get(7)?,
            leaf_sha256: row.get(8)?,
            leaf_subject: row.get(9)?,
            leaf_not_after: row.get(10)?,
            position: row.get(11)?,
        })
    }

    /// Decodes the times.
    fn decode(self, path: &Path) -> Result<HistoryEntry, StoreError> {
        Ok(HistoryEntry {
            scan: ScanId(self.scan),
            observed_at: stored_time(path, "observations.observed_at", &self.observed_at)?,
            endpoint: self.endpoint,
            host: self.host,
            status: self.status,
            reason: self.reason,
            leaf_sha256: self.leaf_sha256,
            leaf_subject: self.leaf_subject,
            leaf_not_after: match &self.leaf_not_after {
                Some(text) => Some(stored_time(path, "certificates.not_after", text)?),
                None => None,
            },
            position: self.position,
        })
    }
}

/// The observation rows of `scan`, in writing order.
fn raw_observations(
    conn: &dyn Session,
    scan: ScanId,
    answered_only: bool,
) -> Result<Vec<(Option<i64>, ObservationColumns)>, SqlError> {
    let filter = match answered_only {
        true => format!("AND {ANSWERED}"),
        false => String::new(),
    };
    let query = format!(
        "SELECT {OBSERVATION_COLUMNS}
         FROM scan_observations o JOIN endpoints e ON e.id = o.endpoint_id
         WHERE o.scan_id = ?1 {filter} ORDER BY o.id"
    );
    conn.rows(&query, params![scan.0], observation_columns)
}

/// The columns [`observation_columns`] reads (`o` the observation, `e` its
/// endpoint).
const OBSERVATION_COLUMNS: &str = "o.chain_id, o.host, e.address, e.port, e.sni, o.observed_at,
    o.duration_ms, o.status, o.detail, o.tls, o.verdict, o.extra";

/// The observations where something answered.
const ANSWERED: &str = "o.reason NOT IN ('closed', 'unreachable', 'timeout(connect)')";

/// Reads the [`OBSERVATION_COLUMNS`]: the chain id and the rest.
fn observation_columns(row: &Row) -> Result<(Option<i64>, ObservationColumns), SqlError> {
    let columns = ObservationColumns {
        host: row.get(1)?,
        address: row.get(2)?,
        port: row.get(3)?,
        sni: row.get(4)?,
        observed_at: row.get(5)?,
        duration_ms: row.get(6)?,
        status: row.get(7)?,
        detail: row.get(8)?,
        tls: row.get(9)?,
        verdict: row.get(10)?,
        extra: row.get(11)?,
    };
    Ok((row.get(0)?, columns))
}

/// Chain id → ordered DER, for the chains used in `scan`.
fn chain_ders(conn: &dyn Session, scan: ScanId) -> Result<HashMap<i64, Vec<Vec<u8>>>, SqlError> {
    let query = "SELECT cl.chain_id, c.der FROM chain_links cl
         JOIN certificates c ON c.id = cl.certificate_id
         WHERE cl.chain_id IN (SELECT chain_id FROM scan_observations WHERE scan_id = ?1)
         ORDER BY cl.chain_id, cl.position";
    let mut chains: HashMap<i64, Vec<Vec<u8>>> = HashMap::new();
    conn.query(query, params![scan.0], &mut |row| {
        chains.entry(row.get(0)?).or_default().push(row.get(1)?);
        Ok(())
    })?;
    Ok(chains)
}

/// Chain id → ordered DER, for the chains `ids` (repeats allowed), read
/// 500 chains a statement.
fn chain_ders_of(conn: &dyn Session, ids: &[i64]) -> Result<HashMap<i64, Vec<Vec<u8>>>, SqlError> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut chains: HashMap<i64, Vec<Vec<u8>>> = HashMap::new();
    for part in ids.chunks(500) {
        let marks: Vec<String> = (1..=part.len()).map(|n| format!("?{n}")).collect();
        let query = format!(
            "SELECT cl.chain_id, c.der FROM chain_links cl
             JOIN certificates c ON c.id = cl.certificate_id
             WHERE cl.chain_id IN ({}) ORDER BY cl.chain_id, cl.position",
            marks.join(", ")
        );
        let values: Vec<Value> = part.iter().map(ToValue::to_value).collect();
        conn.query(&query, &values, &mut |row| {
            chains.entry(row.get(0)?).or_default().push(row.get(1)?);
            Ok(())
        })?;
    }
    Ok(chains)
}

/// A scan's row ids in endpoint order, with where each endpoint's run
/// starts ([`Store::endpoint_runs`]).
pub(super) struct EndpointRuns {
    ids: Vec<i64>,
    /// Where each run starts, then the number of ids.
    starts: Vec<usize>,
}

impl EndpointRuns {
    /// The ids in pages of at least `page` ids (the last may be smaller),
    /// whole endpoints each.
    pub fn pages(&self, page: usize) -> impl Iterator<Item = &[i64]> {
        let mut from = 0;
        self.starts.iter().skip(1).filter_map(move |&end| {
            if end - from < page.max(1) && end < self.ids.len() {
                return None;
            }
            let part = &self.ids[from..end];
            from = end;
            Some(part)
        })
    }
}
