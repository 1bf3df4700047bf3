//! Turning a batch of [`Observation`]s into rows inside the writer's open
//! transaction, with a few multi-row statements per batch rather than a
//! round trip per row (what makes PostgreSQL as fast as SQLite):
//!
//! 1. unresponsive probes (refused, unreachable, connect timeout) of places
//!    that never answered become per-port counts, not rows;
//! 2. the places that answered are remembered, endpoints upserted;
//! 3. certificates are deduplicated by SHA-256 (parsed once, however many
//!    endpoints serve them) and chains by fingerprint;
//! 4. an observation that repeats what the same endpoint presented in the
//!    lineage's previous scan extends that row's range; any other is
//!    inserted.
//!
//! Certificates and chains already handled by this writer are remembered,
//! so a certificate served by thousands of endpoints is looked up once and
//! its `first_seen` / `last_seen` are updated once per batch.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::codec::{
    chain_fingerprint, endpoint_address, format_instant, format_validity, json_text,
    observation_extra, outcome_detail, sni_text,
};
use super::records::{ScanId, WriteStats};
use super::sql::rows::{chunked, list, placeholders};
use super::sql::{params, Session, SqlError, Value};
use crate::certs::{parse_certificate, sha256_hex, CertificateView};
use crate::observation::Observation;

/// Remembered ids are forgotten past this many entries (bounds memory).
#[cfg(not(test))]
const CACHE_LIMIT: usize = 200_000;
/// In the unit tests a handful, so that every store test that writes
/// chains also writes them across forgotten caches (a scan of more than
/// 200,000 distinct certificates did not store before the caches were
/// only emptied between batches).
#[cfg(test)]
const CACHE_LIMIT: usize = 3;

/// Earliest and latest observation time of a certificate within a batch.
#[derive(Clone)]
struct SeenSpan {
    first: String,
    last: String,
}

impl SeenSpan {
    /// A span of one instant.
    fn at(at: &str) -> SeenSpan {
        SeenSpan {
            first: at.to_string(),
            last: at.to_string(),
        }
    }

    /// Widens the span to include `at`.
    fn include(&mut self, at: &str) {
        if at < self.first.as_str() {
            self.first = at.to_string();
        }
        if at > self.last.as_str() {
            self.last = at.to_string();
        }
    }
}

/// How the writer stores what a scan saw.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriterOptions {
    /// Store every unresponsive probe as a row (`--keep-unresponsive`)
    /// instead of counting those of places that never answered.
    pub keep_unresponsive: bool,
}

/// Where the scan's rows go: its lineage and the lineage's previous scan
/// (whose rows an unchanged observation extends).
#[derive(Debug, Clone, Copy)]
struct Lineage {
    id: i64,
    previous: Option<i64>,
}

/// Inserts observations for one scan; lives as long as the writer thread.
pub(super) struct ObservationInserter {
    scan: ScanId,
    lineage: Lineage,
    options: WriterOptions,
    certificates: HashMap<String, i64>,
    chains: HashMap<String, i64>,
    touched: HashMap<i64, SeenSpan>,
    pub(super) stats: WriteStats,
}

/// One observation of the batch on its way to a row.
struct Pending<'a> {
    observation: &'a Observation,
    at: String,
    endpoint: (String, u16, String),
    shas: Vec<String>,
    chain: Option<String>,
}

impl ObservationInserter {
    /// An inserter for `scan` with empty caches; reads the scan's lineage.
    pub(super) fn new(
        conn: &dyn Session,
        scan: ScanId,
        options: WriterOptions,
    ) -> Result<Self, SqlError> {
        let id: Option<Option<i64>> = conn.optional(
            "SELECT lineage FROM scans WHERE id = ?1",
            params![scan.0],
            |row| row.get(0),
        )?;
        // a scan row gone (or written before lineages) is a lineage of its own
        let id = id.flatten().unwrap_or(scan.0);
        let previous: Option<i64> = conn.one(
            "SELECT max(id) FROM scans WHERE lineage = ?1 AND id < ?2",
            params![id, scan.0],
            |row| row.get(0),
        )?;
        Ok(ObservationInserter {
            scan,
            lineage: Lineage { id, previous },
            options,
            certificates: HashMap::new(),
            chains: HashMap::new(),
            touched: HashMap::new(),
            stats: WriteStats::default(),
        })
    }

    /// Writes every row for a batch of observations (their chains
    /// included); then [`ObservationInserter::end_batch`].
    pub(super) fn insert_batch(
        &mut self,
        conn: &dyn Session,
        batch: &[Observation],
    ) -> Result<(), SqlError> {
        self.trim_caches();
        let rows = self.count_unresponsive(conn, batch)?;
        if rows.is_empty() {
            return Ok(());
        }
        remember_answered(conn, &rows)?;
        let pending: Vec<Pending<'_>> = rows
            .iter()
            .map(|o| {
                let shas: Vec<String> = o.chain_der.iter().map(|der| sha256_hex(der)).collect();
                Pending {
                    observation: o,
                    at: format_instant(o.started_at),
                    endpoint: endpoint_key(o),
                    chain: (!shas.is_empty()).then(|| chain_fingerprint(&shas)),
                    shas,
                }
            })
            .collect();
        let endpoints = upsert_endpoints(conn, &pending)?;
        self.certificate_ids(conn, &pending)?;
        self.chain_ids(conn, &pending)?;
        self.observation_rows(conn, &pending, &endpoints)?;
        self.stats.observations += rows.len() as u64;
        Ok(())
    }

    /// Counts the unresponsive probes of places that never answered (unless
    /// rows are asked for) and returns the observations that need rows.
    fn count_unresponsive<'a>(
        &mut self,
        conn: &dyn Session,
        batch: &'a [Observation],
    ) -> Result<Vec<&'a Observation>, SqlError> {
        if self.options.keep_unresponsive {
            return Ok(batch.iter().collect());
        }
        let silent: BTreeSet<String> = batch
            .iter()
            .filter(|o| o.outcome.is_unresponsive())
            .map(endpoint_address)
            .collect();
        let mut answered: BTreeSet<(String, u16)> = BTreeSet::new();
        let silent: Vec<Value> = silent.into_iter().map(Value::Text).collect();
        chunked(&silent, |chunk| {
            let query = format!(
                "SELECT address, port FROM responsive_places WHERE address IN ({})",
                list(chunk.len(), 1)
            );
            conn.query(&query, chunk, &mut |row| {
                answered.insert((row.get(0)?, row.get(1)?));
                Ok(())
            })
        })?;
        let mut counts: BTreeMap<(u16, String), u64> = BTreeMap::new();
        let mut rows = Vec::with_capacity(batch.len());
        for observation in batch {
            let place = (endpoint_address(observation), observation.port);
            if observation.outcome.is_unresponsive() && !answered.contains(&place) {
                *counts
                    .entry((observation.port, observation.outcome.reason_key()))
                    .or_default() += 1;
            } else {
                rows.push(observation);
            }
        }
        let counts: Vec<((u16, String), u64)> = counts.into_iter().collect();
        chunked(&counts, |chunk| {
            let mut values = Vec::with_capacity(chunk.len() * 4);
            for ((port, reason), count) in chunk {
                values.extend([
                    Value::Int(self.scan.0),
                    Value::Int(i64::from(*port)),
                    Value::Text(reason.clone()),
                    Value::Int(*count as i64),
                ]);
            }
            let statement = format!(
                "INSERT INTO unresponsive_counts AS u (scan_id, port, reason, count) VALUES {}
                 ON CONFLICT (scan_id, port, reason) DO UPDATE SET count = u.count + excluded.count",
                placeholders(chunk.len(), 4)
            );
            conn.execute(&statement, &values).map(drop)
        })?;
        let counted: u64 = counts.iter().map(|(_, count)| count).sum();
        self.stats.counted += counted;
        self.stats.observations += counted;
        Ok(rows)
    }

    /// Finds or inserts every certificate of the batch's chains.
    fn certificate_ids(
        &mut self,
        conn: &dyn Session,
        pending: &[Pending<'_>],
    ) -> Result<(), SqlError> {
        // each distinct certificate, with its DER and the span it was seen in
        let mut wanted: BTreeMap<&str, (&[u8], SeenSpan)> = BTreeMap::new();
        for p in pending {
            for (sha, der) in p.shas.iter().zip(&p.observation.chain_der) {
                wanted
                    .entry(sha.as_str())
                    .and_modify(|(_, span)| span.include(&p.at))
                    .or_insert_with(|| (der.as_slice(), SeenSpan::at(&p.at)));
            }
        }
        let unknown: Vec<Value> = wanted
            .keys()
            .filter(|sha| !self.certificates.contains_key(**sha))
            .map(|sha| Value::Text(sha.to_string()))
            .collect();
        for (sha, id) in stored_certificate_ids(conn, &unknown)? {
            remember(&mut self.certificates, &sha, id);
        }
        let mut new: Vec<(&str, &[u8], SeenSpan)> = Vec::new();
        for (sha, (der, span)) in wanted {
            match self.certificates.get(sha) {
                Some(&id) => {
                    let touched = self.touched.entry(id).or_insert_with(|| span.clone());
                    touched.include(&span.first);
                    touched.include(&span.last);
                }
                None => new.push((sha, der, span)),
            }
        }
        self.stats.new_certificates += new.len() as u64;
        let mut inserted: Vec<(String, i64)> = Vec::with_capacity(new.len());
        chunked(&new, |chunk| {
            let mut values = Vec::with_capacity(chunk.len() * CERTIFICATE_COLUMNS);
            for (sha, der, span) in chunk {
                certificate_values(&mut values, sha, der, span);
            }
            let statement = certificate_upsert(chunk.len());
            conn.query(&statement, &values, &mut |row| {
                inserted.push((row.get(0)?, row.get(1)?));
                Ok(())
            })
        })?;
        for (sha, id) in inserted {
            remember(&mut self.certificates, &sha, id);
        }
        Ok(())
    }

    /// Finds or inserts every chain of the batch (with its links).
    fn chain_ids(&mut self, conn: &dyn Session, pending: &[Pending<'_>]) -> Result<(), SqlError> {
        let mut wanted: BTreeMap<&str, &[String]> = BTreeMap::new();
        for p in pending {
            if let Some(fingerprint) = &p.chain {
                if !self.chains.contains_key(fingerprint) {
                    wanted.insert(fingerprint, &p.shas);
                }
            }
        }
        let fingerprints: Vec<Value> = wanted.keys().map(|f| Value::Text(f.to_string())).collect();
        self.read_chain_ids(conn, &fingerprints)?;
        let new: Vec<(&str, &[String])> = wanted
            .into_iter()
            .filter(|(fingerprint, _)| !self.chains.contains_key(*fingerprint))
            .collect();
        let mut inserted: Vec<(String, i64)> = Vec::new();
        chunked(&new, |chunk| {
            let mut values = Vec::with_capacity(chunk.len() * 2);
            for (fingerprint, shas) in chunk {
                values.push(Value::Text(fingerprint.to_string()));
                values.push(Value::Int(shas.len() as i64));
            }
            let statement = format!(
                "INSERT INTO chains (fingerprint, length) VALUES {}
                 ON CONFLICT (fingerprint) DO NOTHING RETURNING fingerprint, id",
                placeholders(chunk.len(), 2)
            );
            conn.query(&statement, &values, &mut |row| {
                inserted.push((row.get(0)?, row.get(1)?));
                Ok(())
            })
        })?;
        let shas_of: HashMap<&str, &[String]> = new.iter().copied().collect();
        let mut links: Vec<Value> = Vec::new();
        for (fingerprint, id) in &inserted {
            for (position, sha) in shas_of[fingerprint.as_str()].iter().enumerate() {
                let certificate = self.certificates.get(sha).copied().ok_or_else(|| {
                    SqlError::Inconsistent(format!("certificate {sha} of a new chain has no id"))
                })?;
                links.extend([
                    Value::Int(*id),
                    Value::Int(position as i64),
                    Value::Int(certificate),
                ]);
            }
            remember(&mut self.chains, fingerprint, *id);
        }
        self.stats.new_chains += inserted.len() as u64;
        let links: Vec<&[Value]> = links.chunks(3).collect();
        chunked(&links, |chunk| {
            let statement = format!(
                "INSERT INTO chain_links (chain_id, position, certificate_id) VALUES {}",
                placeholders(chunk.len(), 3)
            );
            conn.execute(&statement, &chunk.concat()).map(drop)
        })?;
        // chains another writer inserted first
        let missing: Vec<Value> = new
            .iter()
            .filter(|(fingerprint, _)| !self.chains.contains_key(*fingerprint))
            .map(|(fingerprint, _)| Value::Text(fingerprint.to_string()))
            .collect();
        self.read_chain_ids(conn, &missing)
    }

    /// Looks up stored chains by fingerprint and remembers their ids.
    fn read_chain_ids(
        &mut self,
        conn: &dyn Session,
        fingerprints: &[Value],
    ) -> Result<(), SqlError> {
        let mut found: Vec<(String, i64)> = Vec::new();
        chunked(fingerprints, |chunk| {
            let query = format!(
                "SELECT fingerprint, id FROM chains WHERE fingerprint IN ({})",
                list(chunk.len(), 1)
            );
            conn.query(&query, chunk, &mut |row| {
                found.push((row.get(0)?, row.get(1)?));
                Ok(())
            })
        })?;
        for (fingerprint, id) in found {
            remember(&mut self.chains, &fingerprint, id);
        }
        Ok(())
    }

    /// Extends the rows of the lineage's previous scan that the batch saw
    /// again unchanged, and inserts the others.
    fn observation_rows(
        &mut self,
        conn: &dyn Session,
        pending: &[Pending<'_>],
        endpoints: &HashMap<(String, u16, String), i64>,
    ) -> Result<(), SqlError> {
        let mut rows: Vec<ObservationRow> = Vec::with_capacity(pending.len());
        for p in pending {
            let chain_id = match &p.chain {
                Some(fingerprint) => {
                    Some(self.chains.get(fingerprint).copied().ok_or_else(|| {
                        SqlError::Inconsistent(format!("chain {fingerprint} has no id"))
                    })?)
                }
                None => None,
            };
            let leaf_id = p
                .shas
                .first()
                .and_then(|sha| self.certificates.get(sha).copied());
            let endpoint_id = endpoints.get(&p.endpoint).copied().ok_or_else(|| {
                SqlError::Inconsistent(format!("endpoint {:?} has no id", p.endpoint))
            })?;
            rows.push(ObservationRow::new(p, endpoint_id, chain_id, leaf_id));
        }
        let mut held: HashMap<(i64, i64), Vec<i64>> = HashMap::new();
        if let Some(previous) = self.lineage.previous {
            let ids: BTreeSet<i64> = rows.iter().map(|r| r.endpoint_id).collect();
            let ids: Vec<Value> = ids.into_iter().map(Value::Int).collect();
            chunked(&ids, |chunk| {
                let query = format!(
                    "SELECT endpoint_id, payload, id FROM observations
                     WHERE lineage = ?1 AND last_scan_id = ?2 AND payload IS NOT NULL
                         AND endpoint_id IN ({})",
                    list(chunk.len(), 3)
                );
                let mut values = vec![Value::Int(self.lineage.id), Value::Int(previous)];
                values.extend_from_slice(chunk);
                conn.query(&query, &values, &mut |row| {
                    held.entry((row.get(0)?, row.get(1)?))
                        .or_default()
                        .push(row.get(2)?);
                    Ok(())
                })
            })?;
        }
        let mut extend: Vec<Value> = Vec::new();
        let mut insert: Vec<&ObservationRow> = Vec::new();
        for row in &rows {
            match held
                .get_mut(&(row.endpoint_id, row.payload))
                .and_then(Vec::pop)
            {
                Some(id) => extend.push(Value::Int(id)),
                None => insert.push(row),
            }
        }
        self.stats.held += extend.len() as u64;
        chunked(&extend, |chunk| {
            let statement = format!(
                "UPDATE observations SET last_scan_id = ?1 WHERE id IN ({})",
                list(chunk.len(), 2)
            );
            let mut values = vec![Value::Int(self.scan.0)];
            values.extend_from_slice(chunk);
            conn.execute(&statement, &values).map(drop)
        })?;
        chunked(&insert, |chunk| {
            let mut values = Vec::with_capacity(chunk.len() * OBSERVATION_COLUMNS);
            for row in chunk {
                row.values(&mut values, self.scan, self.lineage.id);
            }
            let statement = format!(
                "INSERT INTO observations (scan_id, endpoint_id, host, observed_at, duration_ms,
                     status, reason, detail, tls, tls_version, chain_id, leaf_certificate_id,
                     verdict, extra, lineage, last_scan_id, payload)
                 VALUES {}",
                placeholders(chunk.len(), OBSERVATION_COLUMNS)
            );
            conn.execute(&statement, &values).map(drop)
        })
    }

    /// Before commit: applies the first/last seen times of certificates that
    /// were found already stored, in id order (so concurrent writers lock
    /// rows in the same order).
    pub(super) fn end_batch(&mut self, conn: &dyn Session) -> Result<(), SqlError> {
        let mut touched: Vec<(i64, SeenSpan)> = self.touched.drain().collect();
        touched.sort_unstable_by_key(|(id, _)| *id);
        for (id, span) in touched {
            conn.execute(
                "UPDATE certificates SET
                     first_seen = CASE WHEN ?2 < first_seen THEN ?2 ELSE first_seen END,
                     last_seen = CASE WHEN ?3 > last_seen THEN ?3 ELSE last_seen END
                 WHERE id = ?1",
                params![id, span.first, span.last],
            )?;
        }
        Ok(())
    }

    /// Between batches: starts the id caches over once they hold
    /// [`CACHE_LIMIT`] entries (bounds memory; a batch adds at most its
    /// own certificates and chains beyond the limit).
    fn trim_caches(&mut self) {
        for cache in [&mut self.certificates, &mut self.chains] {
            if cache.len() >= CACHE_LIMIT {
                *cache = HashMap::new();
            }
        }
    }

    /// After an aborted transaction: forgets every id learned in it (they
    /// may name rows that were rolled back) and restores `stats`.
    pub(super) fn forget(&mut self, stats: WriteStats) {
        self.certificates.clear();
        self.chains.clear();
        self.touched.clear();
        self.stats = stats;
    }
}

/// The `(address, port, sni)` key of an observation's endpoint row.
fn endpoint_key(observation: &Observation) -> (String, u16, String) {
    (
        endpoint_address(observation),
        observation.port,
        sni_text(observation.sni.as_deref()).to_string(),
    )
}

/// Records the places (address, port) where a connection was accepted.
fn remember_answered(conn: &dyn Session, rows: &[&Observation]) -> Result<(), SqlError> {
    let places: BTreeSet<(String, u16)> = rows
        .iter()
        .filter(|o| o.outcome.answered() && o.address.is_some())
        .map(|o| (endpoint_address(o), o.port))
        .collect();
    let places: Vec<(String, u16)> = places.into_iter().collect();
    chunked(&places, |chunk| {
        let mut values = Vec::with_capacity(chunk.len() * 2);
        for (address, port) in chunk {
            values.push(Value::Text(address.clone()));
            values.push(Value::Int(i64::from(*port)));
        }
        let statement = format!(
            "INSERT INTO responsive_places (address, port) VALUES {} ON CONFLICT DO NOTHING",
            placeholders(chunk.len(), 2)
        );
        conn.execute(&statement, &values).map(drop)
    })
}

/// Inserts or refreshes the endpoint rows of the batch, returning their ids.
fn upsert_endpoints(
    conn: &dyn Session,
    pending: &[Pending<'_>],
) -> Result<HashMap<(String, u16, String), i64>, SqlError> {
    // one row per endpoint: its seen span and the host it was last named by
    let mut endpoints: BTreeMap<(String, u16, String), (SeenSpan, &str)> = BTreeMap::new();
    for p in pending {
        let host = p.observation.host.as_str();
        endpoints
            .entry(p.endpoint.clone())
            .and_modify(|(span, last)| {
                span.include(&p.at);
                *last = host;
            })
            .or_insert_with(|| (SeenSpan::at(&p.at), host));
    }
    let endpoints: Vec<_> = endpoints.into_iter().collect();
    let mut ids = HashMap::with_capacity(endpoints.len());
    chunked(&endpoints, |chunk| {
        let mut values = Vec::with_capacity(chunk.len() * 6);
        for ((address, port, sni), (span, host)) in chunk {
            values.extend([
                Value::Text(address.clone()),
                Value::Int(i64::from(*port)),
                Value::Text(sni.clone()),
                Value::Text(host.to_string()),
                Value::Text(span.first.clone()),
                Value::Text(span.last.clone()),
            ]);
        }
        let statement = format!(
            "INSERT INTO endpoints AS e (address, port, sni, host, first_seen, last_seen)
             VALUES {}
             ON CONFLICT (address, port, sni) DO UPDATE SET
                 host = excluded.host,
                 first_seen = CASE WHEN excluded.first_seen < e.first_seen
                     THEN excluded.first_seen ELSE e.first_seen END,
                 last_seen = CASE WHEN excluded.last_seen > e.last_seen
                     THEN excluded.last_seen ELSE e.last_seen END
             RETURNING address, port, sni, id",
            placeholders(chunk.len(), 6)
        );
        conn.query(&statement, &values, &mut |row| {
            let port: i64 = row.get(1)?;
            let port = u16::try_from(port).map_err(|_| {
                SqlError::Inconsistent(format!("endpoint port {port} out of range"))
            })?;
            ids.insert((row.get(0)?, port, row.get(2)?), row.get(3)?);
            Ok(())
        })
    })?;
    Ok(ids)
}

/// Columns of a `certificates` row as inserted.
const CERTIFICATE_COLUMNS: usize = 17;

/// The `(sha256, id)` of the stored certificates among `shas` (text
/// values), looked up in `IN` lists of [`CHUNKS`](super::sql::rows::CHUNKS)
/// sizes; unknown ones are simply absent.
pub(super) fn stored_certificate_ids(
    conn: &dyn Session,
    shas: &[Value],
) -> Result<Vec<(String, i64)>, SqlError> {
    let mut found = Vec::with_capacity(shas.len());
    chunked(shas, |chunk| {
        let query = format!(
            "SELECT sha256, id FROM certificates WHERE sha256 IN ({})",
            list(chunk.len(), 1)
        );
        conn.query(&query, chunk, &mut |row| {
            found.push((row.get(0)?, row.get(1)?));
            Ok(())
        })
    })?;
    Ok(found)
}

/// The statement inserting `rows` certificates (or widening the first and
/// last seen of those already stored), returning `sha256, id` of each.
fn certificate_upsert(rows: usize) -> String {
    format!(
        "INSERT INTO certificates AS c (sha256, der, spki_sha256, subject_dn, issuer_dn,
             subject_cn, not_before, not_after, key_algorithm, key_bits,
             signature_algorithm, is_ca, self_signed, view, parse_error, first_seen,
             last_seen)
         VALUES {}
         ON CONFLICT (sha256) DO UPDATE SET
             first_seen = CASE WHEN excluded.first_seen < c.first_seen
                 THEN excluded.first_seen ELSE c.first_seen END,
             last_seen = CASE WHEN excluded.last_seen > c.last_seen
                 THEN excluded.last_seen ELSE c.last_seen END
         RETURNING sha256, id",
        placeholders(rows, CERTIFICATE_COLUMNS)
    )
}

/// Inserts one certificate seen at `at` (or widens its first and last
/// seen); returns its id. For certificates found outside a scan's
/// observations (certificates at rest).
pub(super) fn upsert_certificate(
    conn: &dyn Session,
    sha: &str,
    der: &[u8],
    at: &str,
) -> Result<i64, SqlError> {
    let mut values = Vec::with_capacity(CERTIFICATE_COLUMNS);
    certificate_values(&mut values, sha, der, &SeenSpan::at(at));
    conn.one(&certificate_upsert(1), &values, |row| row.get(1))
}

/// Parses a certificate and appends its [`CERTIFICATE_COLUMNS`] values.
fn certificate_values(values: &mut Vec<Value>, sha: &str, der: &[u8], span: &SeenSpan) {
    let parsed = parse_certificate(der);
    let view = parsed.as_ref().ok();
    let parse_error = parsed.as_ref().err().map(ToString::to_string);
    let text = |s: Option<String>| s.map_or(Value::Null, Value::Text);
    let int = |i: Option<i64>| i.map_or(Value::Null, Value::Int);
    values.extend([
        Value::Text(sha.to_string()),
        Value::Blob(der.to_vec()),
        text(view.map(|v| v.spki_sha256.clone())),
        text(view.map(|v| v.subject.dn.clone())),
        text(view.map(|v| v.issuer.dn.clone())),
        text(view.and_then(|v| v.subject.common_names.first().cloned())),
        text(view.map(|v| format_validity(v.not_before))),
        text(view.map(|v| format_validity(v.not_after))),
        text(view.map(|v| v.key.algorithm.name().to_string())),
        int(view.map(|v| i64::from(v.key.bits))),
        text(view.map(|v| v.signature_algorithm.name.clone())),
        int(view.map(|v| i64::from(CertificateView::is_ca(v)))),
        int(view.map(|v| i64::from(v.self_signed))),
        text(view.map(json_text)),
        text(parse_error),
        Value::Text(span.first.clone()),
        Value::Text(span.last.clone()),
    ]);
}

/// Columns of an `observations` row as inserted.
const OBSERVATION_COLUMNS: usize = 17;

/// An observation's row, ready to insert or to match a held one.
struct ObservationRow {
    endpoint_id: i64,
    chain_id: Option<i64>,
    leaf_id: Option<i64>,
    host: String,
    at: String,
    duration_ms: f64,
    status: &'static str,
    reason: String,
    detail: String,
    tls: Option<String>,
    tls_version: Option<String>,
    verdict: Option<String>,
    extra: String,
    /// Digest of every column but the times: equal payloads on one
    /// endpoint are the same observation.
    payload: i64,
}

impl ObservationRow {
    /// The row of a pending observation.
    fn new(
        p: &Pending<'_>,
        endpoint_id: i64,
        chain_id: Option<i64>,
        leaf_id: Option<i64>,
    ) -> ObservationRow {
        let observation = p.observation;
        let tls = observation.tls.as_ref();
        let detail = outcome_detail(&observation.outcome);
        let mut row = ObservationRow {
            endpoint_id,
            chain_id,
            leaf_id,
            host: observation.host.clone(),
            at: p.at.clone(),
            duration_ms: observation.duration_ms,
            status: observation.outcome.status(),
            reason: observation.outcome.reason_key(),
            detail: json_text(&detail),
            tls: tls.map(json_text),
            tls_version: tls.and_then(|t| t.version.clone()),
            verdict: observation.verdict.as_ref().map(json_text),
            extra: observation_extra(observation, &detail),
            payload: 0,
        };
        // the handshake time varies from probe to probe: not part of what
        // the endpoint presents
        let timeless_tls = tls.map(|t| {
            let mut t = t.clone();
            t.handshake_ms = 0.0;
            json_text(&t)
        });
        let parts = [
            row.host.as_str(),
            row.status,
            &row.reason,
            &row.detail,
            timeless_tls.as_deref().unwrap_or("-"),
            p.chain.as_deref().unwrap_or("-"),
            row.verdict.as_deref().unwrap_or("-"),
            &row.extra,
        ];
        row.payload = payload_digest(&parts);
        row
    }

    /// Appends the row's [`OBSERVATION_COLUMNS`] values.
    fn values(&self, values: &mut Vec<Value>, scan: ScanId, lineage: i64) {
        let text = |s: &Option<String>| s.clone().map_or(Value::Null, Value::Text);
        let int = |i: Option<i64>| i.map_or(Value::Null, Value::Int);
        values.extend([
            Value::Int(scan.0),
            Value::Int(self.endpoint_id),
            Value::Text(self.host.clone()),
            Value::Text(self.at.clone()),
            Value::Real(self.duration_ms),
            Value::Text(self.status.to_string()),
            Value::Text(self.reason.clone()),
            Value::Text(self.detail.clone()),
            text(&self.tls),
            text(&self.tls_version),
            int(self.chain_id),
            int(self.leaf_id),
            text(&self.verdict),
            Value::Text(self.extra.clone()),
            Value::Int(lineage),
            Value::Int(scan.0),
            Value::Int(self.payload),
        ]);
    }
}

/// The first 8 bytes of the SHA-256 of the parts (each length-prefixed),
/// as an integer.
fn payload_digest(parts: &[&str]) -> i64 {
    let mut text = String::new();
    for part in parts {
        text.push_str(&part.len().to_string());
        text.push(':');
        text.push_str(part);
    }
    let hex = sha256_hex(text.as_bytes());
    u64::from_str_radix(&hex[..16], 16).map_or(0, |v| v as i64)
}

/// Caches `key -> id`. Never forgets within a batch: the chains of a
/// batch are linked by the ids its certificates were given a moment
/// before (see [`ObservationInserter::trim_caches`]).
fn remember(cache: &mut HashMap<String, i64>, key: &str, id: i64) {
    cache.entry(key.to_string()).or_insert(id);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_digest_separates_parts() {
        assert_ne!(payload_digest(&["ab", "c"]), payload_digest(&["a", "bc"]));
        assert_eq!(payload_digest(&["x"]), payload_digest(&["x"]));
    }
}
