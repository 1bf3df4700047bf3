//! Turning one [`Observation`] into rows inside the writer's open
//! transaction: the endpoint upsert, certificate parsing and deduplication
//! by SHA-256, the ordered chain, and the observation row. Certificates and
//! chains already handled by this writer are remembered, so a certificate
//! served by thousands of endpoints is parsed once and its `first_seen` /
//! `last_seen` are updated once per batch.

use std::collections::HashMap;

use super::codec::{
    chain_fingerprint, endpoint_address, format_instant, format_validity, json_text,
    observation_extra, outcome_detail, sni_text,
};
use super::records::{ScanId, WriteStats};
use super::sql::{params, Session, SqlError};
use crate::certs::{parse_certificate, sha256_hex, CertificateView};
use crate::observation::Observation;

/// Remembered ids are forgotten past this many entries (bounds memory).
const CACHE_LIMIT: usize = 200_000;

/// Earliest and latest observation time of a certificate within a batch.
struct SeenSpan {
    first: String,
    last: String,
}

/// Inserts observations for one scan; lives as long as the writer thread.
pub(super) struct ObservationInserter {
    scan: ScanId,
    certificates: HashMap<String, i64>,
    chains: HashMap<String, i64>,
    touched: HashMap<i64, SeenSpan>,
    pub(super) stats: WriteStats,
}

impl ObservationInserter {
    /// An inserter for `scan` with empty caches.
    pub(super) fn new(scan: ScanId) -> Self {
        ObservationInserter {
            scan,
            certificates: HashMap::new(),
            chains: HashMap::new(),
            touched: HashMap::new(),
            stats: WriteStats::default(),
        }
    }

    /// Writes every row for one observation (its chain included).
    pub(super) fn insert(
        &mut self,
        conn: &dyn Session,
        observation: &Observation,
    ) -> Result<(), SqlError> {
        let at = format_instant(observation.started_at);
        let endpoint_id = upsert_endpoint(conn, observation, &at)?;
        let chain = &observation.chain_der;
        let mut shas = Vec::with_capacity(chain.len());
        let mut ids = Vec::with_capacity(chain.len());
        for der in chain {
            let (sha, id) = self.certificate_id(conn, der, &at)?;
            shas.push(sha);
            ids.push(id);
        }
        let chain_id = match ids.is_empty() {
            true => None,
            false => Some(self.chain_id(conn, &shas, &ids)?),
        };
        let row = ObservationRow {
            scan: self.scan,
            endpoint_id,
            chain_id,
            leaf_id: ids.first().copied(),
        };
        insert_observation(conn, &row, observation, &at)?;
        self.stats.observations += 1;
        Ok(())
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

    /// After an aborted transaction: forgets every id learned in it (they
    /// may name rows that were rolled back) and restores `stats`.
    pub(super) fn forget(&mut self, stats: WriteStats) {
        self.certificates.clear();
        self.chains.clear();
        self.touched.clear();
        self.stats = stats;
    }

    /// Finds or inserts a certificate, returning its SHA-256 and id.
    fn certificate_id(
        &mut self,
        conn: &dyn Session,
        der: &[u8],
        at: &str,
    ) -> Result<(String, i64), SqlError> {
        let sha = sha256_hex(der);
        let known = match self.certificates.get(&sha) {
            Some(&id) => Some(id),
            None => conn.optional(
                "SELECT id FROM certificates WHERE sha256 = ?1",
                params![sha],
                |row| row.get(0),
            )?,
        };
        let id = match known {
            Some(id) => {
                self.touch(id, at);
                id
            }
            None => {
                self.stats.new_certificates += 1;
                insert_certificate(conn, &sha, der, at)?
            }
        };
        remember(&mut self.certificates, &sha, id);
        Ok((sha, id))
    }

    /// Notes that certificate `id` was seen at `at` in this batch.
    fn touch(&mut self, id: i64, at: &str) {
        let span = self.touched.entry(id).or_insert_with(|| SeenSpan {
            first: at.to_string(),
            last: at.to_string(),
        });
        if at < span.first.as_str() {
            span.first = at.to_string();
        }
        if at > span.last.as_str() {
            span.last = at.to_string();
        }
    }

    /// Finds or inserts the chain of these certificates, in this order.
    fn chain_id(
        &mut self,
        conn: &dyn Session,
        shas: &[String],
        ids: &[i64],
    ) -> Result<i64, SqlError> {
        let fingerprint = chain_fingerprint(shas);
        if let Some(&id) = self.chains.get(&fingerprint) {
            return Ok(id);
        }
        let inserted: Option<i64> = conn.optional(
            "INSERT INTO chains (fingerprint, length) VALUES (?1, ?2)
             ON CONFLICT (fingerprint) DO NOTHING RETURNING id",
            params![fingerprint, ids.len()],
            |row| row.get(0),
        )?;
        let id = match inserted {
            Some(id) => {
                insert_links(conn, id, ids)?;
                self.stats.new_chains += 1;
                id
            }
            None => conn.one(
                "SELECT id FROM chains WHERE fingerprint = ?1",
                params![fingerprint],
                |row| row.get(0),
            )?,
        };
        remember(&mut self.chains, &fingerprint, id);
        Ok(id)
    }
}

/// Caches `key -> id`, starting over when the cache is full.
fn remember(cache: &mut HashMap<String, i64>, key: &str, id: i64) {
    if cache.len() >= CACHE_LIMIT {
        cache.clear();
    }
    cache.entry(key.to_string()).or_insert(id);
}

/// Inserts or refreshes the endpoint row, returning its id.
fn upsert_endpoint(
    conn: &dyn Session,
    observation: &Observation,
    at: &str,
) -> Result<i64, SqlError> {
    conn.one(
        "INSERT INTO endpoints AS e (address, port, sni, host, first_seen, last_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (address, port, sni) DO UPDATE SET
             host = excluded.host,
             first_seen = CASE WHEN excluded.first_seen < e.first_seen
                 THEN excluded.first_seen ELSE e.first_seen END,
             last_seen = CASE WHEN excluded.last_seen > e.last_seen
                 THEN excluded.last_seen ELSE e.last_seen END
         RETURNING id",
        params![
            endpoint_address(observation),
            observation.port,
            sni_text(observation.sni.as_deref()),
            observation.host,
            at
        ],
        |row| row.get(0),
    )
}

/// Parses and inserts a certificate (or, if another writer got there
/// first, refreshes its seen times), returning its id.
fn insert_certificate(
    conn: &dyn Session,
    sha: &str,
    der: &[u8],
    at: &str,
) -> Result<i64, SqlError> {
    let parsed = parse_certificate(der);
    let view = parsed.as_ref().ok();
    let parse_error = parsed.as_ref().err().map(ToString::to_string);
    conn.one(
        "INSERT INTO certificates AS c (sha256, der, spki_sha256, subject_dn, issuer_dn, subject_cn,
             not_before, not_after, key_algorithm, key_bits, signature_algorithm, is_ca,
             self_signed, view, parse_error, first_seen, last_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16)
         ON CONFLICT (sha256) DO UPDATE SET
             first_seen = CASE WHEN excluded.first_seen < c.first_seen
                 THEN excluded.first_seen ELSE c.first_seen END,
             last_seen = CASE WHEN excluded.last_seen > c.last_seen
                 THEN excluded.last_seen ELSE c.last_seen END
         RETURNING id",
        params![
            sha,
            der,
            view.map(|v| &v.spki_sha256),
            view.map(|v| &v.subject.dn),
            view.map(|v| &v.issuer.dn),
            view.and_then(|v| v.subject.common_names.first()),
            view.map(|v| format_validity(v.not_before)),
            view.map(|v| format_validity(v.not_after)),
            view.map(|v| v.key.algorithm.name()),
            view.map(|v| v.key.bits),
            view.map(|v| &v.signature_algorithm.name),
            view.map(CertificateView::is_ca),
            view.map(|v| v.self_signed),
            view.map(json_text),
            parse_error,
            at
        ],
        |row| row.get(0),
    )
}

/// Inserts the ordered links of a new chain.
fn insert_links(conn: &dyn Session, chain_id: i64, ids: &[i64]) -> Result<(), SqlError> {
    for (position, certificate_id) in ids.iter().enumerate() {
        conn.execute(
            "INSERT INTO chain_links (chain_id, position, certificate_id) VALUES (?1, ?2, ?3)",
            params![chain_id, position, certificate_id],
        )?;
    }
    Ok(())
}

/// The ids an observation row points at.
struct ObservationRow {
    scan: ScanId,
    endpoint_id: i64,
    chain_id: Option<i64>,
    leaf_id: Option<i64>,
}

/// Inserts the observation row itself.
fn insert_observation(
    conn: &dyn Session,
    row: &ObservationRow,
    observation: &Observation,
    at: &str,
) -> Result<(), SqlError> {
    let tls = observation.tls.as_ref();
    let detail = outcome_detail(&observation.outcome);
    conn.execute(
        "INSERT INTO observations (scan_id, endpoint_id, host, observed_at, duration_ms, status,
             reason, detail, tls, tls_version, chain_id, leaf_certificate_id, verdict, extra)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            row.scan.0,
            row.endpoint_id,
            observation.host,
            at,
            observation.duration_ms,
            observation.outcome.status(),
            observation.outcome.reason_key(),
            json_text(&detail),
            tls.map(json_text),
            tls.and_then(|t| t.version.as_deref()),
            row.chain_id,
            row.leaf_id,
            observation.verdict.as_ref().map(json_text),
            observation_extra(observation, &detail)
        ],
    )?;
    Ok(())
}
