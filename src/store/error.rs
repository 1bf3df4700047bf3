//! [`StoreError`]: everything that can go wrong in the inventory store, each
//! variant naming the database (its file, or its URL without the password) so the CLI can report what and where.

use std::path::{Path, PathBuf};

use super::sql::SqlError;

/// An inventory store failure. Every variant names the database path.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The directory that should hold the database could not be created.
    #[error("cannot create directory {} for the inventory database: {source}", .path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The database could not be opened or configured (WAL, foreign keys).
    #[error("cannot open inventory database {}: {source}", .path.display())]
    Open {
        /// The database file.
        path: PathBuf,
        /// The backend's reason.
        source: SqlError,
    },
    /// Applying a schema migration failed.
    #[error("cannot migrate inventory database {} to schema version {version}: {source}", .path.display())]
    Migrate {
        /// The database file.
        path: PathBuf,
        /// The migration that failed.
        version: u32,
        /// The backend's reason.
        source: SqlError,
    },
    /// The database was written by a newer certatlas.
    #[error(
        "inventory database {} has schema version {found}, newer than version {supported} \
         that this certatlas understands; use a newer certatlas",
        .path.display()
    )]
    TooNew {
        /// The database file.
        path: PathBuf,
        /// The schema version found in the file.
        found: u32,
        /// The newest schema version this binary knows.
        supported: u32,
    },
    /// A statement failed.
    #[error("inventory database {}: {context}: {source}", .path.display())]
    Query {
        /// The database file.
        path: PathBuf,
        /// What the store was doing.
        context: &'static str,
        /// The backend's reason.
        source: SqlError,
    },
    /// A stored value could not be decoded (a damaged or hand-edited row).
    #[error("inventory database {}: {what}", .path.display())]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// Which value, and why.
        what: String,
    },
    /// A scan id that is not in the database.
    #[error("inventory database {}: no scan with id {scan}", .path.display())]
    UnknownScan {
        /// The database file.
        path: PathBuf,
        /// The scan id asked for.
        scan: i64,
    },
    /// An event refers to an endpoint or certificate that is not stored.
    #[error("inventory database {}: event refers to unknown {what} {key}", .path.display())]
    UnknownReference {
        /// The database file.
        path: PathBuf,
        /// `endpoint` or `certificate`.
        what: &'static str,
        /// The key that was not found.
        key: String,
    },
    /// The writer thread could not be started.
    #[error("cannot start the writer thread for inventory database {}: {source}", .path.display())]
    Spawn {
        /// The database file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A scope lock file could not be opened or locked.
    #[error("cannot lock {} (scope lock of inventory database {}): {source}", .lock.display(), .path.display())]
    Lock {
        /// The database file.
        path: PathBuf,
        /// The lock file.
        lock: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A write was attempted through a store opened read-only
    /// ([`Store::open_read_only`](super::Store::open_read_only)).
    #[error("inventory database {} is open read-only: {context} refused", .path.display())]
    ReadOnly {
        /// The database file.
        path: PathBuf,
        /// What the store was asked to do.
        context: &'static str,
    },
    /// A read-only open found an older schema, which only a write may
    /// migrate.
    #[error(
        "inventory database {} has schema version {found}, older than version {supported}; \
         it is open read-only and is never migrated: run a command that writes \
         (for example `certatlas scan`) on it, or on a writable copy, first",
        .path.display()
    )]
    NeedsMigration {
        /// The database file.
        path: PathBuf,
        /// The schema version found.
        found: u32,
        /// The schema version this binary reads.
        supported: u32,
    },
    /// The writer thread has stopped; `finish()` reports why.
    #[error(
        "the writer thread for inventory database {} has stopped (finish() reports why)",
        .path.display()
    )]
    WriterGone {
        /// The database file.
        path: PathBuf,
    },
}

/// Builds a mapper from a backend error to [`StoreError::Query`] (or
/// [`StoreError::ReadOnly`] for a write refused by a read-only session).
/// Allocates only when an error actually happens.
pub(crate) fn sql<'a>(
    path: &'a Path,
    context: &'static str,
) -> impl FnOnce(SqlError) -> StoreError + 'a {
    move |source| match source {
        SqlError::ReadOnly { .. } => StoreError::ReadOnly {
            path: path.to_path_buf(),
            context,
        },
        source => StoreError::Query {
            path: path.to_path_buf(),
            context,
            source,
        },
    }
}

/// Builds a [`StoreError::Corrupt`] for `path`.
pub(crate) fn corrupt(path: &Path, what: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        path: path.to_path_buf(),
        what: what.into(),
    }
}
