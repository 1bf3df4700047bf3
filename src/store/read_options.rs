//! The probe options of stored scans, typed: a scan's [`ProbeOptions`]
//! (either stored shape), and the options of the previous complete scan of
//! a scope, which a new scan's summary is compared with.
//!
//! A scope here is the targets as written (order ignored) and the shard:
//! the options (ports, names, versions, timeouts...) are what may differ
//! between two scans of one scope, and what the summary reports.

use std::collections::BTreeSet;

use super::error::{sql, StoreError};
use super::records::{ScanId, ScanRecord};
use super::sql::params;
use super::Store;
use crate::scan::options::{OptionsChange, ProbeOptions};

impl ScanRecord {
    /// This scan's probe options, when its `options` object records them
    /// (either shape; a demo scan's does not).
    pub fn probe_options(&self) -> Option<ProbeOptions> {
        ProbeOptions::from_stored(&self.options)
    }
}

impl Store {
    /// The latest complete scan (begun before `before`, when given) of the
    /// scope `targets` (as written, order ignored) with the shard `shard`
    /// (`K/N`, or `None`: unsharded and cycle scans), and its probe
    /// options; scans whose options record none are passed over.
    pub fn previous_options(
        &self,
        before: Option<ScanId>,
        targets: &[String],
        shard: Option<&str>,
    ) -> Result<Option<(ScanId, ProbeOptions)>, StoreError> {
        let rows: Vec<(i64, String, String)> = self
            .conn()
            .rows(
                "SELECT id, targets, options FROM scans
                 WHERE status = 'complete' AND (?1 = 0 OR id < ?1) ORDER BY id DESC",
                params![before.map_or(0, |b| b.0)],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .map_err(sql(&self.path, "read scan options"))?;
        let wanted: BTreeSet<&str> = targets.iter().map(String::as_str).collect();
        for (id, stored_targets, options) in rows {
            let stored: Vec<String> = serde_json::from_str(&stored_targets).unwrap_or_default();
            if stored.iter().map(String::as_str).collect::<BTreeSet<_>>() != wanted {
                continue;
            }
            let value: serde_json::Value = serde_json::from_str(&options).unwrap_or_default();
            let Some(options) = ProbeOptions::from_stored(&value) else {
                continue;
            };
            if options.shard.as_deref() == shard {
                return Ok(Some((ScanId(id), options)));
            }
        }
        Ok(None)
    }
}

impl Store {
    /// How `options` (of a scan of `targets` about to begin) differ from
    /// those of the previous complete scan of the same targets and shard
    /// ([`Store::previous_options`]); `None` when they do not or there is
    /// no such scan.
    pub fn options_change(
        &self,
        targets: &[String],
        options: &ProbeOptions,
    ) -> Result<Option<OptionsChange>, StoreError> {
        let previous = self.previous_options(None, targets, options.shard.as_deref())?;
        Ok(previous.and_then(|(scan, before)| options.change_from(&before, scan.0)))
    }
}
