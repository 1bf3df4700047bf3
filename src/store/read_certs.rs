//! Queries over certificates and chains: one certificate by SHA-256, the
//! certificates of a scan, every distinct chain (the CA graph's input), and
//! the leaf each endpoint served in a scan (the diff's input).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::sql::{params, Row, Session, SqlError, ToValue, Value};

use super::codec::{json_column, sni_option, stored_time};
use super::error::{sql, StoreError};
use super::leaf_table::EndpointLeafTable;
use super::records::{CertificateHeadline, EndpointKey, EndpointLeaf, ScanId, StoredCertificate};
use super::Store;
use crate::certs::CertificateView;
use crate::observation::SniSource;

/// The columns [`RawCertificate::from_row`] reads, in order.
const CERTIFICATE_COLUMNS: &str = "sha256, der, view, parse_error, first_seen, last_seen";

/// The chains used by the observations of scan `?1`.
const SCAN_CHAINS: &str =
    "SELECT DISTINCT chain_id FROM scan_observations WHERE scan_id = ?1 AND chain_id IS NOT NULL";

impl Store {
    /// One stored certificate by SHA-256 (lowercase hex).
    pub fn certificate(&self, sha256: &str) -> Result<Option<StoredCertificate>, StoreError> {
        let tail = "WHERE sha256 = ?1";
        Ok(self.query_certificates(tail, params![sha256])?.pop())
    }

    /// Every distinct certificate that appeared in any chain of `scan`, or
    /// was found at rest by it, ordered by SHA-256.
    pub fn certificates_in_scan(&self, scan: ScanId) -> Result<Vec<StoredCertificate>, StoreError> {
        let tail = format!(
            "WHERE id IN (SELECT certificate_id FROM chain_links WHERE chain_id IN ({SCAN_CHAINS}))
                OR id IN (SELECT certificate_id FROM file_placements WHERE scan_id = ?1)
             ORDER BY sha256"
        );
        self.query_certificates(&tail, params![scan.0])
    }

    /// The certificates [`Store::certificates_in_scan`] returns, handed to
    /// `each` in the same order a page of at most `page` at a time (their
    /// ids are read first, in order; each page is then read by id), each
    /// with whether a chain of the scan sends it above its leaf (position
    /// > 0). Only one page of DER and views is in memory.
    pub fn certificates_in_scan_paged(
        &self,
        scan: ScanId,
        page: usize,
        mut each: impl FnMut(StoredCertificate, bool),
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        let ids_query = format!(
            "SELECT id FROM certificates
             WHERE id IN (SELECT certificate_id FROM chain_links WHERE chain_id IN ({SCAN_CHAINS}))
                OR id IN (SELECT certificate_id FROM file_placements WHERE scan_id = ?1)
             ORDER BY sha256"
        );
        let ids: Vec<i64> = conn
            .rows(&ids_query, params![scan.0], |row| row.get(0))
            .map_err(sql(&self.path, "read certificates of scan"))?;
        let above_query = format!(
            "SELECT DISTINCT certificate_id FROM chain_links
             WHERE position > 0 AND chain_id IN ({SCAN_CHAINS})"
        );
        let above: HashSet<i64> = conn
            .rows(&above_query, params![scan.0], |row| row.get(0))
            .map_err(sql(&self.path, "read chains of scan"))?
            .into_iter()
            .collect();
        for part in ids.chunks(page.max(1)) {
            let mut found = self.certificates_by_id(conn.as_ref(), part)?;
            let position: HashMap<i64, usize> =
                part.iter().enumerate().map(|(at, id)| (*id, at)).collect();
            found.sort_by_key(|(id, _)| position.get(id).copied());
            for (id, certificate) in found {
                each(certificate, above.contains(&id));
            }
        }
        Ok(())
    }

    /// The stored certificates with these ids, with their ids, in no
    /// particular order.
    fn certificates_by_id(
        &self,
        conn: &dyn Session,
        ids: &[i64],
    ) -> Result<Vec<(i64, StoredCertificate)>, StoreError> {
        let mut found = Vec::with_capacity(ids.len());
        for part in ids.chunks(500) {
            let marks: Vec<String> = (1..=part.len()).map(|n| format!("?{n}")).collect();
            let query = format!(
                "SELECT {CERTIFICATE_COLUMNS}, id FROM certificates WHERE id IN ({})",
                marks.join(", ")
            );
            let values: Vec<Value> = part.iter().map(ToValue::to_value).collect();
            let raws: Vec<(RawCertificate, i64)> = conn
                .rows(&query, &values, |row| {
                    Ok((RawCertificate::from_row(row)?, row.get(6)?))
                })
                .map_err(sql(&self.path, "read certificates"))?;
            for (raw, id) in raws {
                found.push((id, raw.decode(&self.path)?));
            }
        }
        Ok(found)
    }

    /// The stored certificates with these SHA-256s (lowercase hex; unknown
    /// ones are left out), in no particular order, read a few hundred per
    /// statement.
    pub fn certificates_by_sha256(
        &self,
        sha256s: &[&str],
    ) -> Result<Vec<StoredCertificate>, StoreError> {
        let mut found = Vec::with_capacity(sha256s.len());
        for part in sha256s.chunks(500) {
            let marks: Vec<String> = (1..=part.len()).map(|n| format!("?{n}")).collect();
            let tail = format!("WHERE sha256 IN ({})", marks.join(", "));
            let values: Vec<Value> = part.iter().map(|sha| sha.to_value()).collect();
            found.extend(self.query_certificates(&tail, &values)?);
        }
        Ok(found)
    }

    /// The subject DN and notAfter of the certificates with these SHA-256s
    /// (both `None` for one that did not parse; a SHA-256 not stored is
    /// left out), from their columns: what a diff says of a certificate,
    /// without reading its DER or parsing its view.
    pub fn certificate_headlines(
        &self,
        sha256s: &[&str],
    ) -> Result<Vec<CertificateHeadline>, StoreError> {
        let mut found = Vec::with_capacity(sha256s.len());
        let conn = self.conn();
        for part in sha256s.chunks(500) {
            let marks: Vec<String> = (1..=part.len()).map(|n| format!("?{n}")).collect();
            let query = format!(
                "SELECT sha256, subject_dn, not_after FROM certificates WHERE sha256 IN ({})",
                marks.join(", ")
            );
            let values: Vec<Value> = part.iter().map(|sha| sha.to_value()).collect();
            let rows: Vec<(String, Option<String>, Option<String>)> = conn
                .rows(&query, &values, |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .map_err(sql(&self.path, "read certificate headlines"))?;
            for (sha256, subject_dn, not_after) in rows {
                let not_after = match not_after {
                    Some(text) => Some(stored_time(&self.path, "certificates.not_after", &text)?),
                    None => None,
                };
                found.push(CertificateHeadline {
                    sha256,
                    subject_dn,
                    not_after,
                });
            }
        }
        Ok(found)
    }

    /// Every distinct chain ever stored, as ordered certificate SHA-256s
    /// (leaf first), in the order the chains were first stored.
    pub fn all_chains(&self) -> Result<Vec<Vec<String>>, StoreError> {
        let conn = self.conn();
        let chains =
            chain_sha256s(conn.as_ref(), "", params![]).map_err(sql(&self.path, "read chains"))?;
        let mut chains: Vec<(i64, Vec<String>)> = chains.into_iter().collect();
        chains.sort_unstable_by_key(|(id, _)| *id);
        Ok(chains.into_iter().map(|(_, chain)| chain).collect())
    }

    /// For each true endpoint (address, port) that presented a chain in
    /// `scan`: its default chain(s), with the names folded into it, and one
    /// entry per deployment (a name that got a chain of its own); see
    /// [`crate::store::endpoints::fold`]. What every model, view, diff
    /// and metric counts.
    pub fn endpoint_leaves(&self, scan: ScanId) -> Result<Vec<EndpointLeaf>, StoreError> {
        Ok(crate::store::endpoints::fold(
            self.endpoint_leaves_as_probed(scan)?,
        ))
    }

    /// For each `(address, port, sni)` probed in `scan` that presented a
    /// chain: its leaf and chain, ordered by endpoint, SNI variants apart
    /// (the raw evidence [`Store::endpoint_leaves`] folds). An endpoint that
    /// presented several distinct chains in the scan (an ECDSA and an RSA
    /// certificate, seen with `--all-certs`) appears once per chain, most
    /// recently observed first; repeated observations of one chain appear
    /// once, at the latest time, with the strongest name source seen.
    pub fn endpoint_leaves_as_probed(&self, scan: ScanId) -> Result<Vec<EndpointLeaf>, StoreError> {
        let conn = self.conn();
        let rows =
            leaf_rows(conn.as_ref(), scan).map_err(sql(&self.path, "read endpoint leaves"))?;
        let chains = self.scan_chains(conn.as_ref(), scan)?;
        let views = self.leaf_views(conn.as_ref(), scan)?;
        self.as_probed(rows, &chains, &views)
    }

    /// What [`Store::endpoint_leaves`] returns, in the same order, without
    /// the leaves' parsed views, held compactly ([`EndpointLeafTable`]):
    /// the views the fold needs are read and dropped a batch of `batch`
    /// endpoints at a time, so they are never all in memory at once, and
    /// each batch's folded leaves go into the table as they come.
    pub fn endpoint_leaf_table(
        &self,
        scan: ScanId,
        batch: usize,
    ) -> Result<EndpointLeafTable, StoreError> {
        // the rows' ids in order first (8 bytes a row), then the rows, their
        // chains and their leaves' views a page of endpoints at a time: only
        // the table is held for the whole scan
        let order = format!(
            "SELECT o.id, e.address, e.port {LEAF_ROWS_FROM} WHERE o.scan_id = ?1 \
             AND o.chain_id IS NOT NULL ORDER BY {LEAF_ROWS_ORDER}"
        );
        let runs = self.endpoint_runs(&order, scan)?;
        let mut table = EndpointLeafTable::default();
        for ids in runs.pages(batch) {
            let conn = self.conn();
            let part = leaf_rows_by_id(conn.as_ref(), scan, ids)
                .map_err(sql(&self.path, "read endpoint leaves"))?;
            let mut chain_ids: Vec<i64> = part.iter().map(|r| r.chain_id).collect();
            chain_ids.sort_unstable();
            chain_ids.dedup();
            let chains = self.chains_by_id(conn.as_ref(), &chain_ids)?;
            let leaf_ids: Vec<i64> = part.iter().map(|r| r.leaf_id).collect();
            let views = self.views_by_id(conn.as_ref(), &leaf_ids)?;
            let part = self.as_probed(part, &chains, &views)?;
            for leaf in crate::store::endpoints::fold(part) {
                table.push(&leaf);
            }
        }
        table.seal();
        // one endpoint's leaves stay together and in order: the order a
        // fold of every leaf at once gives
        Ok(table.by_place())
    }

    /// The chains with these ids, by chain id.
    fn chains_by_id(
        &self,
        conn: &dyn Session,
        ids: &[i64],
    ) -> Result<HashMap<i64, Vec<String>>, StoreError> {
        let mut chains = HashMap::with_capacity(ids.len());
        for part in ids.chunks(500) {
            let marks: Vec<String> = (1..=part.len()).map(|n| format!("?{n}")).collect();
            let filter = format!("WHERE cl.chain_id IN ({})", marks.join(", "));
            let values: Vec<Value> = part.iter().map(ToValue::to_value).collect();
            let found = chain_sha256s(conn, &filter, &values)
                .map_err(sql(&self.path, "read chains of scan"))?;
            chains.extend(found);
        }
        Ok(chains)
    }

    /// The chains of `scan`'s observations, by chain id.
    fn scan_chains(
        &self,
        conn: &dyn Session,
        scan: ScanId,
    ) -> Result<HashMap<i64, Vec<String>>, StoreError> {
        let filter = format!("WHERE cl.chain_id IN ({SCAN_CHAINS})");
        chain_sha256s(conn, &filter, params![scan.0])
            .map_err(sql(&self.path, "read chains of scan"))
    }

    /// The leaves as probed from their observation `rows` (ordered by
    /// endpoint, newest first within one), with their chains and views.
    fn as_probed(
        &self,
        rows: Vec<LeafRow>,
        chains: &HashMap<i64, Vec<String>>,
        views: &HashMap<i64, Option<CertificateView>>,
    ) -> Result<Vec<EndpointLeaf>, StoreError> {
        let mut leaves: Vec<EndpointLeaf> = Vec::with_capacity(rows.len());
        let mut chains_of_endpoint: Vec<i64> = Vec::new();
        for row in rows {
            if leaves
                .last()
                .is_none_or(|last| last.endpoint != row.endpoint)
            {
                chains_of_endpoint.clear();
            } else if let Some(at) = chains_of_endpoint.iter().position(|c| *c == row.chain_id) {
                // an older observation of the same chain
                let index = leaves.len() - chains_of_endpoint.len() + at;
                let kept = &mut leaves[index];
                kept.sni_source =
                    crate::store::endpoints::stronger(kept.sni_source, row.extra.sni_source);
                // one observation that recorded the chain as sent shows it
                kept.leaf_only_chain &= row.extra.leaf_only_chain;
                continue;
            }
            chains_of_endpoint.push(row.chain_id);
            let chain = chains.get(&row.chain_id).cloned().unwrap_or_default();
            leaves.push(EndpointLeaf {
                leaf_sha256: chain.first().cloned().unwrap_or_default(),
                leaf: views.get(&row.leaf_id).cloned().flatten().map(Box::new),
                endpoint: row.endpoint,
                host: row.host,
                sni_source: row.extra.sni_source,
                names: Vec::new(),
                chain,
                leaf_only_chain: row.extra.leaf_only_chain,
                observed_at: stored_time(&self.path, "observations.observed_at", &row.observed_at)?,
            });
        }
        Ok(leaves)
    }

    /// Parsed views of the certificates with these ids.
    fn views_by_id(
        &self,
        conn: &dyn Session,
        ids: &[i64],
    ) -> Result<HashMap<i64, Option<CertificateView>>, StoreError> {
        let mut views = HashMap::new();
        for part in ids.chunks(500) {
            let marks: Vec<String> = (1..=part.len()).map(|n| format!("?{n}")).collect();
            let query = format!(
                "SELECT id, view FROM certificates WHERE id IN ({})",
                marks.join(", ")
            );
            let values: Vec<Value> = part.iter().map(ToValue::to_value).collect();
            let raw: Vec<(i64, Option<String>)> = conn
                .rows(&query, &values, |row| Ok((row.get(0)?, row.get(1)?)))
                .map_err(sql(&self.path, "read leaf certificates"))?;
            for (id, view) in raw {
                views.insert(id, self.decode_view(view)?);
            }
        }
        Ok(views)
    }

    /// A stored view column, parsed.
    fn decode_view(&self, view: Option<String>) -> Result<Option<CertificateView>, StoreError> {
        match view {
            Some(text) => Ok(Some(json_column(&self.path, "certificates.view", &text)?)),
            None => Ok(None),
        }
    }

    /// Parsed views of the leaves served in `scan`, by certificate id.
    fn leaf_views(
        &self,
        conn: &dyn Session,
        scan: ScanId,
    ) -> Result<HashMap<i64, Option<CertificateView>>, StoreError> {
        let raw: Vec<(i64, Option<String>)> = conn
            .rows(
                "SELECT id, view FROM certificates WHERE id IN
                 (SELECT leaf_certificate_id FROM scan_observations WHERE scan_id = ?1)",
                params![scan.0],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map_err(sql(&self.path, "read leaf certificates"))?;
        raw.into_iter()
            .map(|(id, view)| {
                let view = match view {
                    Some(text) => Some(json_column(&self.path, "certificates.view", &text)?),
                    None => None,
                };
                Ok((id, view))
            })
            .collect()
    }

    /// Runs `SELECT <certificate columns> FROM certificates <tail>`.
    pub(super) fn query_certificates(
        &self,
        tail: &str,
        params: &[Value],
    ) -> Result<Vec<StoredCertificate>, StoreError> {
        let raws: Vec<RawCertificate> = self
            .conn()
            .rows(
                &format!("SELECT {CERTIFICATE_COLUMNS} FROM certificates {tail}"),
                params,
                RawCertificate::from_row,
            )
            .map_err(sql(&self.path, "read certificates"))?;
        raws.into_iter().map(|raw| raw.decode(&self.path)).collect()
    }
}

/// One observation row of [`leaf_rows`].
struct LeafRow {
    /// The observation's id.
    id: i64,
    endpoint: EndpointKey,
    host: String,
    chain_id: i64,
    leaf_id: i64,
    observed_at: String,
    extra: Extra,
}

/// The part of `observations.extra` the fold needs. A text that predates a
/// field, or does not parse, gives its default: an SNI source `none` (the
/// source is then unknown, and an unknown name never raises a mismatch)
/// and a chain as sent (certatlas's own probes never mark it otherwise).
#[derive(Default, serde::Deserialize)]
struct Extra {
    /// Absent in observations stored before name sources existed.
    #[serde(default)]
    sni_source: SniSource,
    /// Present only on a peer's leaf-only report.
    #[serde(default)]
    leaf_only_chain: bool,
}

/// The fields of an `observations.extra` text the fold needs.
fn extra_of(extra: &str) -> Extra {
    serde_json::from_str::<Extra>(extra).unwrap_or_default()
}

/// Observations with a chain in `scan`, by endpoint, newest first within one.
/// What the leaf rows are read from.
const LEAF_ROWS_FROM: &str = "FROM scan_observations o JOIN endpoints e ON e.id = o.endpoint_id";
/// The leaf rows' order: by endpoint, newest first within one.
const LEAF_ROWS_ORDER: &str = "e.address, e.port, e.sni, o.observed_at DESC, o.id DESC";
/// The leaf rows' columns.
const LEAF_ROWS_COLUMNS: &str = "e.address, e.port, e.sni, o.host, o.chain_id, \
                                 o.leaf_certificate_id, o.observed_at, o.extra, o.id";

fn leaf_rows(conn: &dyn Session, scan: ScanId) -> Result<Vec<LeafRow>, SqlError> {
    let query = format!(
        "SELECT {LEAF_ROWS_COLUMNS} {LEAF_ROWS_FROM}
         WHERE o.scan_id = ?1 AND o.chain_id IS NOT NULL ORDER BY {LEAF_ROWS_ORDER}"
    );
    conn.rows(&query, params![scan.0], leaf_row)
}

/// The leaf rows of `scan` with these observation ids, in the order of
/// `ids` (looked up by id: the unary `+` keeps the planner from reading
/// every observation of the scan instead).
fn leaf_rows_by_id(
    conn: &dyn Session,
    scan: ScanId,
    ids: &[i64],
) -> Result<Vec<LeafRow>, SqlError> {
    let mut rows = Vec::with_capacity(ids.len());
    for part in ids.chunks(500) {
        let marks: Vec<String> = (2..part.len() + 2).map(|n| format!("?{n}")).collect();
        let query = format!(
            "SELECT {LEAF_ROWS_COLUMNS} {LEAF_ROWS_FROM}
             WHERE +o.scan_id = ?1 AND o.id IN ({})",
            marks.join(", ")
        );
        let mut values = vec![scan.0.to_value()];
        values.extend(part.iter().map(ToValue::to_value));
        rows.extend(conn.rows(&query, &values, leaf_row)?);
    }
    let position: HashMap<i64, usize> = ids.iter().enumerate().map(|(at, id)| (*id, at)).collect();
    rows.sort_by_key(|r| position.get(&r.id).copied());
    Ok(rows)
}

/// One leaf row ([`LEAF_ROWS_COLUMNS`]).
fn leaf_row(row: &Row) -> Result<LeafRow, SqlError> {
    Ok(LeafRow {
        endpoint: EndpointKey {
            address: row.get(0)?,
            port: row.get(1)?,
            sni: sni_option(row.get(2)?),
        },
        host: row.get(3)?,
        chain_id: row.get(4)?,
        leaf_id: row.get(5)?,
        observed_at: row.get(6)?,
        extra: extra_of(&row.get::<String>(7)?),
        id: row.get(8)?,
    })
}

/// Chain id → ordered certificate SHA-256s, for the chains that `filter`
/// (a `WHERE` clause on `chain_links cl`, or empty) keeps.
fn chain_sha256s(
    conn: &dyn Session,
    filter: &str,
    params: &[Value],
) -> Result<HashMap<i64, Vec<String>>, SqlError> {
    let query = format!(
        "SELECT cl.chain_id, c.sha256 FROM chain_links cl
         JOIN certificates c ON c.id = cl.certificate_id {filter}
         ORDER BY cl.chain_id, cl.position"
    );
    let mut chains: HashMap<i64, Vec<String>> = HashMap::new();
    conn.query(&query, params, &mut |row| {
        chains.entry(row.get(0)?).or_default().push(row.get(1)?);
        Ok(())
    })?;
    Ok(chains)
}

/// A `certificates` row as stored.
struct RawCertificate {
    sha256: String,
    der: Vec<u8>,
    view: Option<String>,
    parse_error: Option<String>,
    first_seen: String,
    last_seen: String,
}

impl RawCertificate {
    /// Reads the [`CERTIFICATE_COLUMNS`].
    fn from_row(row: &Row) -> Result<RawCertificate, SqlError> {
        Ok(RawCertificate {
            sha256: row.get(0)?,
            der: row.get(1)?,
            view: row.get(2)?,
            parse_error: row.get(3)?,
            first_seen: row.get(4)?,
            last_seen: row.get(5)?,
        })
    }

    /// Decodes the view JSON and the times.
    fn decode(self, path: &Path) -> Result<StoredCertificate, StoreError> {
        Ok(StoredCertificate {
            view: match &self.view {
                Some(text) => Some(json_column(path, "certificates.view", text)?),
                None => None,
            },
            first_seen: stored_time(path, "certificates.first_seen", &self.first_seen)?,
            last_seen: stored_time(path, "certificates.last_seen", &self.last_seen)?,
            sha256: self.sha256,
            der: self.der,
            parse_error: self.parse_error,
        })
    }
}
