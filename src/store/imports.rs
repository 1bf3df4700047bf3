//! Imported files (`certatlas import`): the `imports` table. A file is
//! recorded, by the SHA-256 of its bytes, in the same transaction that
//! begins its scan, so two imports of one file cannot both begin; the row
//! is closed with the scan once every observation is stored. An import
//! whose process died half way (its scan found interrupted on the next
//! open) leaves an unfinished row that does not block importing again.

use time::OffsetDateTime;

use super::codec::{format_instant, stored_time};
use super::error::{sql, StoreError};
use super::lifecycle::{close_scan, insert_scan};
use super::records::{ScanId, ScanMeta, ScanStatus};
use super::sql::{params, Row, Session, SqlError};
use super::Store;

/// A file about to be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewImport {
    /// SHA-256 (lowercase hex) of the file's bytes.
    pub sha256: String,
    /// The file as the user named it.
    pub file_name: String,
    /// How many lines it has.
    pub lines: u64,
    /// Whether it began with a scan header line.
    pub header: bool,
}

/// A file imported before (or being imported).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRecord {
    /// The `imports.id` of the row.
    pub id: i64,
    /// The scan the file became.
    pub scan: ScanId,
    /// That scan's state now.
    pub scan_status: ScanStatus,
    /// The file as it was named then.
    pub file_name: String,
    /// When the import began.
    pub imported_at: OffsetDateTime,
    /// When it stored everything; `None` while running or when it died.
    pub finished_at: Option<OffsetDateTime>,
}

/// What [`Store::begin_import`] did.
#[derive(Debug)]
pub enum ImportStart {
    /// The scan was begun (`running`) and the file recorded.
    Begun {
        /// The new scan.
        scan: ScanId,
        /// The `imports.id` to close with [`Store::finish_import`].
        import: i64,
    },
    /// The file was imported before (or is being imported): nothing written.
    AlreadyImported(ImportRecord),
}

impl Store {
    /// The import of the file with this SHA-256, if any.
    pub fn import_of(&self, sha256: &str) -> Result<Option<ImportRecord>, StoreError> {
        let raw = find(self.conn().as_ref(), sha256).map_err(sql(&self.path, "read imports"))?;
        raw.map(|raw| raw.decode(self)).transpose()
    }

    /// In one transaction: refuses a file already imported (finished, or
    /// still running), forgets an import that died half way, then begins
    /// the scan `meta` and records `file` as its import.
    pub fn begin_import(
        &self,
        meta: &ScanMeta,
        file: &NewImport,
    ) -> Result<ImportStart, StoreError> {
        self.require_writable("begin import")?;
        let conn = self.conn();
        conn.transaction(true, sql(&self.path, "begin import"), |tx| {
            if let Some(raw) = find(tx, &file.sha256).map_err(sql(&self.path, "read imports"))? {
                let earlier = raw.decode(self)?;
                if earlier.finished_at.is_some() || earlier.scan_status == ScanStatus::Running {
                    return Ok(ImportStart::AlreadyImported(earlier));
                }
                tx.execute("DELETE FROM imports WHERE id = ?1", params![earlier.id])
                    .map_err(sql(&self.path, "forget a dead import"))?;
            }
            let scan = insert_scan(tx, meta).map_err(sql(&self.path, "begin scan"))?;
            let import = tx
                .one(
                    "INSERT INTO imports (scan_id, sha256, file_name, lines, header, imported_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                    params![
                        scan,
                        file.sha256,
                        file.file_name,
                        file.lines,
                        file.header,
                        format_instant(OffsetDateTime::now_utc())
                    ],
                    |row| row.get(0),
                )
                .map_err(sql(&self.path, "record import"))?;
            Ok(ImportStart::Begun {
                scan: ScanId(scan),
                import,
            })
        })
    }

    /// In one transaction: closes the imported `scan` as `complete` (or
    /// `interrupted`) with the file's finish time (`None`: unknown) and
    /// summary, and marks its import finished.
    pub fn finish_import(
        &self,
        import: i64,
        scan: ScanId,
        complete: bool,
        summary: &serde_json::Value,
        finished_at: Option<OffsetDateTime>,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.transaction(true, sql(&self.path, "finish import"), |tx| {
            let closed = close_scan(tx, scan, complete, summary, finished_at)
                .map_err(sql(&self.path, "finish scan"))?;
            if closed == 0 {
                return Err(self.unknown_scan(scan));
            }
            tx.execute(
                "UPDATE imports SET finished_at = ?2 WHERE id = ?1",
                params![import, format_instant(OffsetDateTime::now_utc())],
            )
            .map_err(sql(&self.path, "finish import"))?;
            Ok(())
        })
    }
}

/// An `imports` row joined with its scan's status, as stored.
struct RawImport {
    id: i64,
    scan: i64,
    status: String,
    file_name: String,
    imported_at: String,
    finished_at: Option<String>,
}

impl RawImport {
    fn from_row(row: &Row) -> Result<RawImport, SqlError> {
        Ok(RawImport {
            id: row.get(0)?,
            scan: row.get(1)?,
            status: row.get(2)?,
            file_name: row.get(3)?,
            imported_at: row.get(4)?,
            finished_at: row.get(5)?,
        })
    }

    fn decode(self, store: &Store) -> Result<ImportRecord, StoreError> {
        let path = &store.path;
        let scan_status = ScanStatus::parse(&self.status).ok_or_else(|| {
            super::error::corrupt(path, format!("scans.status: {:?}", self.status))
        })?;
        Ok(ImportRecord {
            id: self.id,
            scan: ScanId(self.scan),
            scan_status,
            file_name: self.file_name,
            imported_at: stored_time(path, "imports.imported_at", &self.imported_at)?,
            finished_at: match &self.finished_at {
                Some(text) => Some(stored_time(path, "imports.finished_at", text)?),
                None => None,
            },
        })
    }
}

/// The import row of `sha256`, with its scan's status.
fn find(conn: &dyn Session, sha256: &str) -> Result<Option<RawImport>, SqlError> {
    conn.optional(
        "SELECT i.id, i.scan_id, s.status, i.file_name, i.imported_at, i.finished_at
         FROM imports i JOIN scans s ON s.id = i.scan_id WHERE i.sha256 = ?1",
        params![sha256],
        RawImport::from_row,
    )
}
