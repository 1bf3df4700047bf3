//! Storing and reading revocation checks (version 8): the rows the
//! revocation stage appends after a scan is stored, and the newest check
//! of each certificate of a scan as of that scan, which the judge reads.
//! Status and source are plain text here: the store sits before the
//! stages that give them types.

use std::collections::HashMap;

use time::OffsetDateTime;

use super::codec::{format_instant, parse_time, stored_time};
use super::error::{sql, StoreError};
use super::records::{ScanId, StoredCertificate};
use super::sql::{params, Row, SqlError};
use super::Store;

/// One revocation check to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRevocationCheck {
    /// SHA-256 of the certificate checked.
    pub certificate: String,
    /// `ocsp`, `crl` or `none`.
    pub source: String,
    /// The URL asked (`""` for `none`).
    pub url: String,
    /// When the answer arrived (or the check gave up).
    pub checked_at: OffsetDateTime,
    /// `good`, `revoked` or `unknown`.
    pub status: String,
    /// For `revoked`: the CRLReason name, when given.
    pub reason: Option<String>,
    /// For `revoked`: the revocation date.
    pub revoked_at: Option<OffsetDateTime>,
    /// For `unknown`: why.
    pub detail: Option<String>,
    /// The answer's thisUpdate.
    pub this_update: Option<OffsetDateTime>,
    /// The answer's nextUpdate.
    pub next_update: Option<OffsetDateTime>,
    /// When the result stops counting.
    pub fresh_until: OffsetDateTime,
}

/// A stored revocation check.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRevocationCheck {
    /// The scan whose revocation stage made it.
    pub scan: ScanId,
    /// Its content.
    pub check: NewRevocationCheck,
}

/// The columns [`check_from_row`] reads, in order.
const COLUMNS: &str = "scan_id, certificate, source, url, checked_at, status, reason, \
                       revoked_at, detail, this_update, next_update, fresh_until";

impl Store {
    /// Appends the revocation checks made after `scan`, in one transaction.
    pub fn record_revocation_checks(
        &self,
        scan: ScanId,
        checks: &[NewRevocationCheck],
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.transaction(true, sql(&self.path, "record revocation checks"), |tx| {
            self.require_scan(tx, scan)?;
            for c in checks {
                let time = |t: Option<OffsetDateTime>| t.map(format_instant);
                tx.execute(
                    &format!(
                        "INSERT INTO revocation_checks ({COLUMNS}) VALUES \
                         (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
                    ),
                    params![
                        scan.0,
                        c.certificate,
                        c.source,
                        c.url,
                        format_instant(c.checked_at),
                        c.status,
                        c.reason,
                        time(c.revoked_at),
                        c.detail,
                        time(c.this_update),
                        time(c.next_update),
                        format_instant(c.fresh_until)
                    ],
                )
                .map_err(sql(&self.path, "record revocation check"))?;
            }
            Ok(())
        })
    }

    /// For each certificate in a chain of `scan`: its newest revocation
    /// check made by `scan` or an earlier scan, by SHA-256.
    pub fn revocation_checks_as_of(
        &self,
        scan: ScanId,
    ) -> Result<HashMap<String, StoredRevocationCheck>, StoreError> {
        let query = format!(
            "SELECT {COLUMNS} FROM revocation_checks WHERE scan_id <= ?1 AND certificate IN (
                 SELECT sha256 FROM certificates WHERE id IN (
                     SELECT certificate_id FROM chain_links WHERE chain_id IN (
                         SELECT DISTINCT chain_id FROM scan_observations
                         WHERE scan_id = ?1 AND chain_id IS NOT NULL)))
             ORDER BY certificate, checked_at, id"
        );
        let rows: Vec<RawCheck> = self
            .conn()
            .rows(&query, params![scan.0], raw_check)
            .map_err(sql(&self.path, "read revocation checks"))?;
        let mut newest = HashMap::new();
        for raw in rows {
            let check = raw.decode(self)?;
            newest.insert(check.check.certificate.clone(), check);
        }
        Ok(newest)
    }

    /// Every stored certificate whose subject DN (RFC 4514 text) is `dn`:
    /// the candidate issuers of a certificate whose chain lacks one.
    pub fn certificates_with_subject(
        &self,
        dn: &str,
    ) -> Result<Vec<StoredCertificate>, StoreError> {
        self.query_certificates("WHERE subject_dn = ?1 ORDER BY sha256", params![dn])
    }
}

/// A row as read, times still text.
struct RawCheck {
    scan: i64,
    text: [String; 5],
    optional: [Option<String>; 5],
    fresh_until: String,
}

fn raw_check(row: &Row) -> Result<RawCheck, SqlError> {
    Ok(RawCheck {
        scan: row.get(0)?,
        text: [
            row.get(1)?,
            row.get(2)?,
            row.get(3)?,
            row.get(4)?,
            row.get(5)?,
        ],
        optional: [
            row.get(6)?,
            row.get(7)?,
            row.get(8)?,
            row.get(9)?,
            row.get(10)?,
        ],
        fresh_until: row.get(11)?,
    })
}

impl RawCheck {
    fn decode(self, store: &Store) -> Result<StoredRevocationCheck, StoreError> {
        let path = store.path();
        let [certificate, source, url, checked_at, status] = self.text;
        let [reason, revoked_at, detail, this_update, next_update] = self.optional;
        let time = |t: Option<String>| t.as_deref().and_then(parse_time);
        Ok(StoredRevocationCheck {
            scan: ScanId(self.scan),
            check: NewRevocationCheck {
                certificate,
                source,
                url,
                checked_at: stored_time(path, "revocation_checks.checked_at", &checked_at)?,
                status,
                reason,
                revoked_at: time(revoked_at),
                detail,
                this_update: time(this_update),
                next_update: time(next_update),
                fresh_until: stored_time(path, "revocation_checks.fresh_until", &self.fresh_until)?,
            },
        })
    }
}
