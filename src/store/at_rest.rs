//! Certificates at rest in the store: the `file_placements` table. An
//! import of files records, in one immediate transaction, each
//! certificate (in `certificates`, shared with served ones) and where it
//! was found; reading a scan's placements gives the inventory, CA graph
//! and models their certificates at rest. A placement is never an
//! endpoint: nothing here touches `endpoints` or `observations`.

use time::OffsetDateTime;

use super::codec::{format_instant, stored_time};
use super::error::{corrupt, sql, StoreError};
use super::insert::upsert_certificate;
use super::records::ScanId;
use super::sql::params;
use super::Store;
use crate::at_rest::{AtRestCertificate, AtRestFormat, FileLocation};
use crate::certs::sha256_hex;

/// One certificate found at rest in a scan, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePlacement {
    /// Where it was found.
    pub location: FileLocation,
    /// The format of its file.
    pub format: AtRestFormat,
    /// Its SHA-256.
    pub sha256: String,
    /// When the file was read.
    pub observed_at: OffsetDateTime,
}

/// What recording certificates at rest wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AtRestStats {
    /// Placements recorded.
    pub placements: u64,
    /// Distinct certificates among them.
    pub certificates: u64,
}

impl Store {
    /// In one immediate transaction: each certificate of `found` stored
    /// (or its first and last seen widened to `at`) and its placement
    /// recorded for `scan`.
    pub fn record_at_rest(
        &self,
        scan: ScanId,
        at: OffsetDateTime,
        found: &[AtRestCertificate],
    ) -> Result<AtRestStats, StoreError> {
        self.require_writable("record certificates at rest")?;
        let at = format_instant(at);
        let conn = self.conn();
        conn.transaction(true, sql(&self.path, "record certificates at rest"), |tx| {
            let mut ids = std::collections::HashMap::new();
            for certificate in found {
                let sha = sha256_hex(&certificate.der);
                let id = match ids.get(&sha) {
                    Some(id) => *id,
                    None => upsert_certificate(tx, &sha, &certificate.der, &at)
                        .map_err(sql(&self.path, "store a certificate at rest"))?,
                };
                ids.insert(sha, id);
                let location = &certificate.location;
                tx.execute(
                    "INSERT INTO file_placements
                         (scan_id, path, alias, position, format, certificate_id, observed_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        scan.0,
                        location.path,
                        location.alias.clone().unwrap_or_default(),
                        i64::from(location.position),
                        certificate.format.name(),
                        id,
                        at
                    ],
                )
                .map_err(sql(&self.path, "record a certificate at rest"))?;
            }
            Ok(AtRestStats {
                placements: found.len() as u64,
                certificates: ids.len() as u64,
            })
        })
    }

    /// The certificates found at rest in `scan`, ordered by location.
    pub fn at_rest(&self, scan: ScanId) -> Result<Vec<FilePlacement>, StoreError> {
        type Raw = (String, String, i64, String, String, String);
        let raws: Vec<Raw> = self
            .conn()
            .rows(
                "SELECT p.path, p.alias, p.position, p.format, c.sha256, p.observed_at
                 FROM file_placements p JOIN certificates c ON c.id = p.certificate_id
                 WHERE p.scan_id = ?1 ORDER BY p.path, p.alias, p.position",
                params![scan.0],
                |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                        row.get(5)?,
                    ))
                },
            )
            .map_err(sql(&self.path, "read certificates at rest"))?;
        raws.into_iter()
            .map(|(path, alias, position, format, sha256, at)| {
                let format = AtRestFormat::from_name(&format).ok_or_else(|| {
                    corrupt(&self.path, format!("file_placements.format {format:?}"))
                })?;
                Ok(FilePlacement {
                    location: FileLocation {
                        path,
                        alias: (!alias.is_empty()).then_some(alias),
                        position: u32::try_from(position).unwrap_or(u32::MAX),
                    },
                    format,
                    sha256,
                    observed_at: stored_time(&self.path, "file_placements.observed_at", &at)?,
                })
            })
            .collect()
    }
}
