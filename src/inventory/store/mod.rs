//! The inventory store: a SQLite database (the only user of rusqlite) that
//! keeps observations across scans — scans, endpoints, certificates
//! deduplicated by SHA-256, ordered chains, observations and change events.
//!
//! This file owns [`Store`] (opening, the database location) and the public
//! re-exports. Scan life cycle and events are in `lifecycle`, the batched
//! writer thread in `writer`, the queries in the `read_*` files, and the
//! schema (documented for `sqlite3` users) in `schema`, scope locks in
//! `lock`.
//!
//! Concurrency: the database runs in WAL mode, so readers (other commands,
//! other processes) work while a scan writes. A scan writes through one
//! [`ObservationWriter`] thread with its own connection; [`Store`] itself
//! serialises its calls on one connection behind a mutex.

mod codec;
mod error;
mod findings;
mod insert;
mod lifecycle;
mod lock;
mod read_certs;
mod read_history;
mod read_scans;
mod records;
mod schema;
mod scores;
mod writer;

#[cfg(test)]
mod tests;

pub use error::StoreError;
pub use findings::{FindingPresence, FindingRun, NewFinding, StoredFinding};
pub use lock::ScopeLock;
pub use records::{
    EndpointKey, EndpointLeaf, EventKind, EventRecord, HistoryEntry, NewEvent, ScanId, ScanMeta,
    ScanRecord, ScanStatus, StoredCertificate, WriteStats,
};
pub use schema::supported_version;
pub use scores::{NewCategoryScore, NewCriterionResult, NewScore, StoredScore};
pub use writer::{ObservationWriter, BATCH_INTERVAL, BATCH_SIZE, CHANNEL_CAPACITY};

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::Connection;

/// Environment variable naming the database file explicitly.
pub const DB_ENV: &str = "CERTATLAS_DB";

/// An open inventory database.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl Store {
    /// Opens (creating it and its parent directories if needed) the database
    /// at `path`, applies pending migrations, and marks as interrupted every
    /// scan of this host still `running` whose process is gone.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let mut conn = schema::open_connection(path)?;
        schema::migrate(&mut conn, path)?;
        lifecycle::mark_interrupted(&conn, path)?;
        Ok(Store {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
        })
    }

    /// The database file this store was opened on.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where the database lives by default: `$CERTATLAS_DB` if set, else
    /// `$XDG_DATA_HOME/certatlas/inventory.db`, else
    /// `$HOME/.local/share/certatlas/inventory.db` (empty variables count as
    /// unset; with no `HOME` either, `./certatlas/inventory.db`).
    pub fn default_path() -> PathBuf {
        default_path_from(|name| std::env::var_os(name))
    }

    /// The store's connection (a panic elsewhere does not poison it for good:
    /// SQLite rolls back whatever was unfinished).
    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// [`Store::default_path`] over an injectable environment.
fn default_path_from(var: impl Fn(&str) -> Option<OsString>) -> PathBuf {
    let set = |name: &str| var(name).filter(|value| !value.is_empty());
    if let Some(explicit) = set(DB_ENV) {
        return PathBuf::from(explicit);
    }
    let data_home = set("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| set("HOME").map(|home| PathBuf::from(home).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    data_home.join("certatlas").join("inventory.db")
}
