//! Which earlier scan a scan is compared with: the diff (new, changed and
//! gone endpoints), its change events and the "new shadow CA" alert read
//! the previous complete scan *of the same source*, so that no scan says
//! something about endpoints it could not have seen.
//!
//! - A scan by certatlas's own probes (or its JSON Lines, imported) is
//!   compared with the previous such scan: an import in between is
//!   passed over.
//! - An import of certificates at rest has no endpoints: it is compared
//!   with the previous import at rest (nothing served can be "gone" from
//!   it), and no served scan is compared with it.
//! - An import of another tool's output (zgrab2, tlsx, sslyze, nmap)
//!   covers whatever endpoints that tool was pointed at, unknown to
//!   certatlas: it is compared with nothing and nothing with it (its
//!   endpoints are neither "new" against a scan of other endpoints, nor
//!   "gone" in the next one).

use std::collections::HashSet;

use super::error::{sql, StoreError};
use super::read_scans::JUDGED;
use super::records::{ScanId, ScanRecord};
use super::sql::params;
use super::Store;

/// Where a scan's observations came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanSource {
    /// certatlas's own probes (a scan, a watch cycle, or its JSON Lines
    /// imported).
    Probed,
    /// Another tool's output, imported (its options hold `peer`).
    Peer,
    /// Certificates at rest, imported (its options hold `at_rest`).
    AtRest,
}

impl ScanSource {
    /// The source of `scan`, which found certificates at rest when
    /// `at_rest` (whatever its options say), else as its options record.
    fn of(scan: &ScanRecord, at_rest: bool) -> ScanSource {
        let holds = |key: &str| scan.options.get(key).is_some_and(|v| v.is_object());
        match (at_rest || holds("at_rest"), holds("peer")) {
            (true, _) => ScanSource::AtRest,
            (false, true) => ScanSource::Peer,
            (false, false) => ScanSource::Probed,
        }
    }
}

impl Store {
    /// Where the observations of `scan` came from.
    pub fn scan_source(&self, scan: &ScanRecord) -> Result<ScanSource, StoreError> {
        Ok(ScanSource::of(
            scan,
            self.scans_at_rest()?.contains(&scan.id.0),
        ))
    }

    /// The judged scan begun most recently before `scan` that it is
    /// compared with: the latest of the same [`ScanSource`], none for an
    /// import of another tool's output (see the module documentation).
    pub fn previous_comparable_scan(&self, scan: ScanId) -> Result<Option<ScanRecord>, StoreError> {
        let Some(record) = self.scan(scan)? else {
            return Ok(None);
        };
        let at_rest = self.scans_at_rest()?;
        let source = ScanSource::of(&record, at_rest.contains(&scan.0));
        if source == ScanSource::Peer {
            return Ok(None);
        }
        let filter = format!("WHERE {JUDGED} AND id < ?1 ORDER BY id DESC");
        let earlier = self.query_scans(&filter, params![scan.0])?;
        let same = |s: &ScanRecord| ScanSource::of(s, at_rest.contains(&s.id.0)) == source;
        Ok(earlier.into_iter().find(same))
    }

    /// The scans that found certificates at rest.
    fn scans_at_rest(&self) -> Result<HashSet<i64>, StoreError> {
        let ids: Vec<i64> = self
            .conn()
            .rows(
                "SELECT DISTINCT scan_id FROM file_placements",
                params![],
                |row| row.get(0),
            )
            .map_err(sql(&self.path, "read scans at rest"))?;
        Ok(ids.into_iter().collect())
    }
}
