//! The store: the application's database, below every stage that keeps
//! something (inventory, policy, scoring, judge, alerts): a SQLite file or
//! a PostgreSQL database. It imports only the vocabulary before it
//! (observations, certificate views, probe options), never a later stage.
//!
//! What it owns, by concern:
//!
//! - the database itself: [`Store`] (opening, the location; this file),
//!   the two backends behind one interface (`sql`), the schema and its
//!   per-database migration files (`schema`, `migrations/sqlite`,
//!   `migrations/postgres`), the text codecs (`codec`), errors (`error`);
//! - inventory rows: scans and their life cycle with change events
//!   (`lifecycle`), observations written by the batched writer thread
//!   (`writer`, `insert`), the reads (`read_certs`, `read_history`,
//!   `read_scans`, `read_options`), their types (`records`), true endpoints
//!   folded from SNI variants ([`endpoints`]), certificates at rest
//!   (`at_rest`), imported files (`imports`), fingerprint prefixes
//!   (`fingerprint`) and revocation checks (`revocation`);
//! - findings: each scan's findings and runs (`findings`) and how the ones
//!   that went away went (`outcomes`);
//! - scores: the maturity score of a scan (`scores`);
//! - the alert outbox: events per webhook and their delivery (`alerts`);
//! - shard cycles: shard scans and the cycle scans made of them (`cycles`);
//! - locks: one scanner per scope (`lock`).
//!
//! Concurrency: SQLite runs in WAL mode, so readers (other commands, other
//! processes) work while a scan writes; PostgreSQL takes several scanners
//! writing at once. A scan writes through one [`ObservationWriter`] thread
//! with its own connection; [`Store`] itself serialises its calls on one
//! connection behind a mutex.
//!
//! Every transaction that may write begins immediate (it takes the write
//! lock before its first read), and a busy database is waited for and
//! retried, boundedly, in the session layer (`sql`). A store opened with
//! [`Store::open_read_only`] never migrates and never writes: any write
//! through it fails with [`StoreError::ReadOnly`].

mod alerts;
mod at_rest;
mod codec;
mod comparable;
mod cycles;
pub mod endpoints;
mod error;
mod findings;
mod fingerprint;
mod imports;
mod insert;
mod leaf_table;
mod lifecycle;
mod lock;
mod outcomes;
mod read_certs;
mod read_history;
mod read_options;
mod read_scans;
mod records;
mod revocation;
mod schema;
mod scores;
mod sql;
mod writer;

#[cfg(test)]
mod tests;

pub use alerts::{AlertCount, AttemptOutcome, AttemptRecord, NewAlert, OutboxEntry, OutboxStatus};
pub use at_rest::{AtRestStats, FilePlacement};
pub use comparable::ScanSource;
pub use cycles::{Cycle, CycleProgress, ScanRole, ShardPart};
pub use error::StoreError;
pub use findings::{FindingPresence, FindingRun, NewFinding, Recordable, StoredFinding};
pub use fingerprint::{
    FingerprintError, FingerprintMatch, FingerprintPrefix, PrefixError, MAX_CANDIDATES,
    MIN_PREFIX_DIGITS,
};
pub use imports::{ImportRecord, ImportStart, NewImport};
pub use insert::WriterOptions;
pub use leaf_table::{EndpointLeafTable, EndpointLeaves};
pub use lock::ScopeLock;
pub use outcomes::{FindingFix, FindingOutcome};
pub use records::{
    CertificateHeadline, EndpointKey, EndpointLeaf, EndpointName, EventKind, EventRecord,
    HistoryEntry, NameStatus, NewEvent, ScanId, ScanMeta, ScanRecord, ScanStatus,
    StoredCertificate, WriteStats,
};
pub use revocation::{NewRevocationCheck, StoredRevocationCheck};
pub use schema::supported_version;
pub use scores::{NewCategoryScore, NewCriterionResult, NewScore, StoredScore};
pub use sql::Database;
pub use writer::{ObservationWriter, BATCH_INTERVAL, BATCH_SIZE, CHANNEL_CAPACITY};

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use sql::{Session, SqlError};

/// Environment variable naming the database file explicitly.
pub const DB_ENV: &str = "CERTATLAS_DB";

/// An open inventory database.
pub struct Store {
    database: Database,
    path: PathBuf,
    conn: Mutex<Box<dyn Session>>,
    writable: bool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("database", &self.path)
            .finish()
    }
}

impl Store {
    /// Opens (creating it and its parent directories if needed) the SQLite
    /// database at `path`; see [`Store::connect`].
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::connect(&Database::Sqlite(path.to_path_buf()))
    }

    /// Opens `database` (creating a SQLite file and its parent directories
    /// if needed), applies pending migrations, and marks as interrupted every
    /// scan of this host still `running` whose process is gone.
    pub fn connect(database: &Database) -> Result<Store, StoreError> {
        let path = database.location();
        if let Some(parent) = database.sqlite_path().and_then(Path::parent) {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
        }
        let conn = open_session(database)?;
        schema::migrate(conn.as_ref(), &path)?;
        lifecycle::mark_interrupted(conn.as_ref(), &path)?;
        Ok(Store {
            database: database.clone(),
            path,
            conn: Mutex::new(conn),
            writable: true,
        })
    }

    /// Opens an existing `database` read-only, for commands that only
    /// read: it is never created nor migrated (an older schema is
    /// [`StoreError::NeedsMigration`]), running scans are not marked, and
    /// every write through the store fails with [`StoreError::ReadOnly`].
    /// A SQLite file this process cannot write — a `chmod 444` copy, a
    /// read-only directory or medium — opens immutable, without `-wal` or
    /// `-shm` files.
    pub fn open_read_only(database: &Database) -> Result<Store, StoreError> {
        let path = database.location();
        let conn = database
            .connect_read_only()
            .map_err(|source| StoreError::Open {
                path: path.clone(),
                source,
            })?;
        schema::check_current(conn.as_ref(), &path)?;
        Ok(Store {
            database: database.clone(),
            path,
            conn: Mutex::new(conn),
            writable: false,
        })
    }

    /// False for a store opened with [`Store::open_read_only`]: callers
    /// that would store what they computed skip it.
    pub fn is_writable(&self) -> bool {
        self.writable
    }

    /// Errors with [`StoreError::ReadOnly`] on a read-only store, before
    /// `context` does anything (for writes that do not go through the
    /// store's own session: the writer thread, lock files).
    fn require_writable(&self, context: &'static str) -> Result<(), StoreError> {
        match self.writable {
            true => Ok(()),
            false => Err(StoreError::ReadOnly {
                path: self.path.clone(),
                context,
            }),
        }
    }

    /// Where this store lives: the SQLite file, or the PostgreSQL URL
    /// without its password.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The database this store was opened on.
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// The database used by default: `$CERTATLAS_DB` (a path or a
    /// PostgreSQL URL) if set, else [`Store::default_path`].
    pub fn default_database() -> Database {
        match std::env::var(DB_ENV) {
            Ok(value) if !value.is_empty() => Database::parse(&value),
            _ => Database::Sqlite(Store::default_path()),
        }
    }

    /// Where the database file lives by default: `$CERTATLAS_DB` if set, else
    /// `$XDG_DATA_HOME/certatlas/inventory.db`, else
    /// `$HOME/.local/share/certatlas/inventory.db` (empty variables count as
    /// unset; with no `HOME` either, `./certatlas/inventory.db`).
    pub fn default_path() -> PathBuf {
        default_path_from(|name| std::env::var_os(name))
    }

    /// The store's connection (a panic elsewhere does not poison it for good:
    /// the transaction helpers roll back whatever was unfinished).
    fn conn(&self) -> MutexGuard<'_, Box<dyn Session>> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A new session on `database`, or the open error naming it.
pub(crate) fn open_session(database: &Database) -> Result<Box<dyn Session>, StoreError> {
    database
        .connect()
        .map_err(|source: SqlError| StoreError::Open {
            path: database.location(),
            source,
        })
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
