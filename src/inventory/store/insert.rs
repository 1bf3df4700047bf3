//! Turning one [`Observation`] into rows inside the writer's open
//! transaction: the endpoint upsert, certificate parsing and deduplication
//! by SHA-256, the ordered chain, and the observation row. Certificates and
//! chains already handled by this writer are remembered, so a certificate
//! served by thousands of endpoints is parsed once and its `first_seen` /
//! `last_seen` are updated once per batch.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use super::codec::{
    chain_fingerprint, endpoint_address, format_instant, format_validity, json_text,
    observation_extra, outcome_detail, sni_text,
};
use super::error::{sql, StoreError};
use super::records::{ScanId, WriteStats};
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

    /// Writes every row for one observation whose chain (taken out of
    /// `observation.chain_der`) is `chain`.
    pub(super) fn insert(
        &mut self,
        conn: &Connection,
        path: &Path,
        observation: &Observation,
        chain: &[Vec<u8>],
    ) -> Result<(), StoreError> {
        let at = format_instant(observation.started_at);
        let endpoint_id = upsert_endpoint(conn, observation, &at).map_err(sql(path, "endpoint"))?;
        let mut shas = Vec::with_capacity(chain.len());
        let mut ids = Vec::with_capacity(chain.len());
        for der in chain {
            let (sha, id) = self
                .certificate_id(conn, der, &at)
                .map_err(sql(path, "certificate"))?;
            shas.push(sha);
            ids.push(id);
        }
        let chain_id = match ids.is_empty() {
            true => None,
            false => Some(
                self.chain_id(conn, &shas, &ids)
                    .map_err(sql(path, "chain"))?,
            ),
        };
        insert_observation(
            conn,
            self.scan,
            endpoint_id,
            chain_id,
            ids.first(),
            observation,
            &at,
        )
        .map_err(sql(path, "observation"))?;
        self.stats.observations += 1;
        Ok(())
    }

    /// Before commit: applies the first/last seen times of certificates that
    /// were found already stored.
    pub(super) fn end_batch(&mut self, conn: &Connection, path: &Path) -> Result<(), StoreError> {
        let mut update = conn
            .prepare_cached(
                "UPDATE certificates SET first_seen = min(first_seen, ?2),
                 last_seen = max(last_seen, ?3) WHERE id = ?1",
            )
            .map_err(sql(path, "certificate seen times"))?;
        for (id, span) in self.touched.drain() {
            update
                .execute(params![id, span.first, span.last])
                .map_err(sql(path, "certificate seen times"))?;
        }
        Ok(())
    }

    /// Finds or inserts a certificate, returning its SHA-256 and id.
    fn certificate_id(
        &mut self,
        conn: &Connection,
        der: &[u8],
        at: &str,
    ) -> rusqlite::Result<(String, i64)> {
        let sha = sha256_hex(der);
        let known = match self.certificates.get(&sha) {
            Some(&id) => Some(id),
            None => conn
                .prepare_cached("SELECT id FROM certificates WHERE sha256 = ?1")?
                .query_row([&sha], |row| row.get(0))
                .optional()?,
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
        conn: &Connection,
        shas: &[String],
        ids: &[i64],
    ) -> rusqlite::Result<i64> {
        let fingerprint = chain_fingerprint(shas);
        if let Some(&id) = self.chains.get(&fingerprint) {
            return Ok(id);
        }
        let inserted: Option<i64> = conn
            .prepare_cached(
                "INSERT INTO chains (fingerprint, length) VALUES (?1, ?2)
                 ON CONFLICT (fingerprint) DO NOTHING RETURNING id",
            )?
            .query_row(params![fingerprint, ids.len() as i64], |row| row.get(0))
            .optional()?;
        let id = match inserted {
            Some(id) => {
                insert_links(conn, id, ids)?;
                self.stats.new_chains += 1;
                id
            }
            None => conn
                .prepare_cached("SELECT id FROM chains WHERE fingerprint = ?1")?
                .query_row([&fingerprint], |row| row.get(0))?,
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
    conn: &Connection,
    observation: &Observation,
    at: &str,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO endpoints (address, port, sni, host, first_seen, last_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (address, port, sni) DO UPDATE SET
             host = excluded.host,
             first_seen = min(first_seen, excluded.first_seen),
             last_seen = max(last_seen, excluded.last_seen)
         RETURNING id",
    )?
    .query_row(
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
fn insert_certificate(conn: &Connection, sha: &str, der: &[u8], at: &str) -> rusqlite::Result<i64> {
    let parsed = parse_certificate(der);
    let view = parsed.as_ref().ok();
    let parse_error = parsed.as_ref().err().map(ToString::to_string);
    conn.prepare_cached(
        "INSERT INTO certificates (sha256, der, spki_sha256, subject_dn, issuer_dn, subject_cn,
             not_before, not_after, key_algorithm, key_bits, signature_algorithm, is_ca,
             self_signed, view, parse_error, first_seen, last_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?16)
         ON CONFLICT (sha256) DO UPDATE SET
             first_seen = min(first_seen, excluded.first_seen),
             last_seen = max(last_seen, excluded.last_seen)
         RETURNING id",
    )?
    .query_row(
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
fn insert_links(conn: &Connection, chain_id: i64, ids: &[i64]) -> rusqlite::Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO chain_links (chain_id, position, certificate_id) VALUES (?1, ?2, ?3)",
    )?;
    for (position, certificate_id) in ids.iter().enumerate() {
        insert.execute(params![chain_id, position as i64, certificate_id])?;
    }
    Ok(())
}

/// Inserts the observation row itself.
fn insert_observation(
    conn: &Connection,
    scan: ScanId,
    endpoint_id: i64,
    chain_id: Option<i64>,
    leaf_id: Option<&i64>,
    observation: &Observation,
    at: &str,
) -> rusqlite::Result<()> {
    let tls = observation.tls.as_ref();
    let detail = outcome_detail(&observation.outcome);
    conn.prepare_cached(
        "INSERT INTO observations (scan_id, endpoint_id, host, observed_at, duration_ms, status,
             reason, detail, tls, tls_version, chain_id, leaf_certificate_id, verdict, extra)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        scan.0,
        endpoint_id,
        observation.host,
        at,
        observation.duration_ms,
        observation.outcome.status(),
        observation.outcome.reason_key(),
        json_text(&detail),
        tls.map(json_text),
        tls.and_then(|t| t.version.as_deref()),
        chain_id,
        leaf_id,
        observation.verdict.as_ref().map(json_text),
        observation_extra(observation, &detail)
    ])?;
    Ok(())
}
