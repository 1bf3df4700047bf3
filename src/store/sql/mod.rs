//! The store's one interface to a database: [`Session`] (run a statement,
//! read rows), the values that cross it ([`Value`], [`Row`]), its error
//! ([`SqlError`]) and [`Database`], where an inventory lives. The store's
//! SQL is written once, in the subset SQLite and PostgreSQL share, with
//! numbered `?N` placeholders; each backend translates what it must
//! (`sqlite` runs it as is, `postgres` turns `?N` into `$N`).
//!
//! Both backends are synchronous from the store's point of view, so the
//! store code is the same whichever one is behind it.

mod postgres;
mod retry;
pub mod rows;
mod sqlite;
mod value;

pub use postgres::{ConnInfoError, TlsFailure};
pub use value::{Row, ToValue, Value};

use std::fmt;
use std::path::{Path, PathBuf};

/// Where an inventory lives: a SQLite file or a PostgreSQL database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user@host:port/db`).
    Postgres(String),
}

impl Database {
    /// Reads a `--db` value: a `postgres://` or `postgresql://` URL names
    /// PostgreSQL; anything else is a SQLite file path.
    pub fn parse(text: &str) -> Database {
        let lower = text.get(..13).unwrap_or(text).to_ascii_lowercase();
        match lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            true => Database::Postgres(text.to_string()),
            false => Database::Sqlite(PathBuf::from(text)),
        }
    }

    /// The name used in messages: the file path, or the URL without its
    /// password.
    pub fn location(&self) -> PathBuf {
        match self {
            Database::Sqlite(path) => path.clone(),
            Database::Postgres(url) => PathBuf::from(redact_password(url)),
        }
    }

    /// The SQLite file, if this is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Database::Sqlite(path) => Some(path),
            Database::Postgres(_) => None,
        }
    }

    /// Opens a new session on this database.
    pub(in crate::store) fn connect(&self) -> Result<Box<dyn Session>, SqlError> {
        match self {
            Database::Sqlite(path) => Ok(Box::new(sqlite::SqliteSession::open(path)?)),
            Database::Postgres(url) => Ok(Box::new(postgres::PgSession::connect(url)?)),
        }
    }

    /// Opens a new read-only session on this database: every statement
    /// that would write fails with [`SqlError::ReadOnly`]. SQLite opens
    /// the file read-only (immutable when it cannot be written, see
    /// `sqlite`); PostgreSQL sets `default_transaction_read_only`.
    pub(in crate::store) fn connect_read_only(&self) -> Result<Box<dyn Session>, SqlError> {
        match self {
            Database::Sqlite(path) => Ok(Box::new(sqlite::SqliteSession::open_read_only(path)?)),
            Database::Postgres(url) => Ok(Box::new(postgres::PgSession::connect_read_only(url)?)),
        }
    }
}

impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.location().display())
    }
}

/// `scheme://user:secret@host/db` → `scheme://user@host/db`; a password
/// given as a `password=` query parameter is dropped as well.
fn redact_password(url: &str) -> String {
    let (head, query) = url.split_once('?').unwrap_or((url, ""));
    let head = match head.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((user, host)) => {
                let user = user.split_once(':').map_or(user, |(name, _)| name);
                format!("{scheme}://{user}@{host}")
            }
            None => head.to_string(),
        },
        None => head.to_string(),
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("password="))
        .collect();
    match kept.is_empty() {
        true => head,
        false => format!("{head}?{}", kept.join("&")),
    }
}

/// Which SQL dialect a session speaks, for the few statements that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite 3.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A database failure, as the backend reported it.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// The backend refused or failed a statement, or could not connect.
    #[error("{message}")]
    Backend {
        /// The backend's message.
        message: String,
        /// PostgreSQL's SQLSTATE, when there is one.
        sqlstate: Option<String>,
    },
    /// The URL's TLS settings cannot be used (an unknown `sslmode`, an
    /// unreadable `sslrootcert`): nothing was sent to the server.
    #[error(transparent)]
    ConnInfo(#[from] ConnInfoError),
    /// TLS with the PostgreSQL server failed, and why.
    #[error("TLS with the PostgreSQL server failed: {0}")]
    Tls(#[from] TlsFailure),
    /// A query that must return a row returned none.
    #[error("the query returned no row")]
    NoRow,
    /// A column held a value of another type than the store expects.
    #[error("column {index} holds {found}, expected {expected}")]
    Column {
        /// The column's position.
        index: usize,
        /// What the store expected.
        expected: &'static str,
        /// What was there.
        found: &'static str,
    },
    /// The backend's connection thread is gone.
    #[error("the database connection is closed")]
    Closed,
    /// Another connection held a lock for longer than the busy timeout
    /// (SQLite's `SQLITE_BUSY` or `SQLITE_LOCKED`): transient.
    #[error("{message}")]
    Busy {
        /// The backend's message.
        message: String,
    },
    /// A write was attempted through a read-only session.
    #[error("the database is open read-only: refused to run `{statement}`")]
    ReadOnly {
        /// The start of the refused statement.
        statement: String,
    },
    /// A row the writer just wrote or read could not be found again (a bug
    /// or a concurrent deletion): the batch is not committed.
    #[error("inconsistent write: {0}")]
    Inconsistent(String),
}

impl SqlError {
    /// True for a deadlock or serialisation failure: running the
    /// transaction again is expected to work.
    pub fn is_retryable(&self) -> bool {
        matches!(self, SqlError::Backend { sqlstate: Some(code), .. } if code == "40P01" || code == "40001")
    }

    /// True for an error that running the same work again may not meet:
    /// a busy or locked database, a deadlock or a serialisation failure.
    pub fn is_transient(&self) -> bool {
        matches!(self, SqlError::Busy { .. }) || self.is_retryable()
    }

    /// The error for a refused write: `statement` shortened to its first
    /// line and 60 characters.
    pub fn read_only(statement: &str) -> SqlError {
        let first = statement.trim().lines().next().unwrap_or_default();
        SqlError::ReadOnly {
            statement: first.chars().take(60).collect(),
        }
    }
}

/// One connection to a database. Statements use `?N` placeholders.
pub trait Session: Send {
    /// The dialect this session speaks.
    fn dialect(&self) -> Dialect;
    /// Runs one statement; returns how many rows it changed.
    fn execute(&self, sql: &str, params: &[Value]) -> Result<usize, SqlError>;
    /// Runs one query and hands each row to `each`, in order.
    fn query(
        &self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row) -> Result<(), SqlError>,
    ) -> Result<(), SqlError>;
    /// Runs several statements without parameters (schema changes).
    fn batch(&self, sql: &str) -> Result<(), SqlError>;
    /// Starts a transaction; `immediate` takes a write lock at once, so
    /// immediate transactions never interleave: SQLite's `BEGIN
    /// IMMEDIATE`, PostgreSQL's transaction-level advisory lock.
    fn begin(&self, immediate: bool) -> Result<(), SqlError>;
    /// Commits the open transaction.
    fn commit(&self) -> Result<(), SqlError> {
        self.batch("COMMIT")
    }
    /// Rolls the open transaction back.
    fn rollback(&self) -> Result<(), SqlError> {
        self.batch("ROLLBACK")
    }
}

impl dyn Session + '_ {
    /// Every row of a query, each turned into a `T` by `map`.
    pub fn rows<T>(
        &self,
        sql: &str,
        params: &[Value],
        mut map: impl FnMut(&Row) -> Result<T, SqlError>,
    ) -> Result<Vec<T>, SqlError> {
        let mut out = Vec::new();
        self.query(sql, params, &mut |row| {
            out.push(map(row)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row of a query, if any.
    pub fn optional<T>(
        &self,
        sql: &str,
        params: &[Value],
        map: impl FnOnce(&Row) -> Result<T, SqlError>,
    ) -> Result<Option<T>, SqlError> {
        let mut map = Some(map);
        let mut out = None;
        self.query(sql, params, &mut |row| {
            if let Some(map) = map.take() {
                out = Some(map(row)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// The first row of a query, which must exist.
    pub fn one<T>(
        &self,
        sql: &str,
        params: &[Value],
        map: impl FnOnce(&Row) -> Result<T, SqlError>,
    ) -> Result<T, SqlError> {
        self.optional(sql, params, map)?.ok_or(SqlError::NoRow)
    }

    /// Runs `work` inside a transaction: committed when it returns `Ok`,
    /// rolled back when it returns `Err`. `wrap` turns a failure to begin
    /// or commit into the caller's error.
    pub fn transaction<T, E>(
        &self,
        immediate: bool,
        wrap: impl FnOnce(SqlError) -> E,
        work: impl FnOnce(&dyn Session) -> Result<T, E>,
    ) -> Result<T, E> {
        if let Err(e) = self.begin(immediate) {
            return Err(wrap(e));
        }
        match work(self) {
            Ok(value) => match self.commit() {
                Ok(()) => Ok(value),
                Err(e) => {
                    let _ = self.rollback();
                    Err(wrap(e))
                }
            },
            Err(error) => {
                let _ = self.rollback();
                Err(error)
            }
        }
    }
}

/// Builds a `&[Value]` parameter list: `params![a, b, c]`.
macro_rules! params {
    () => { &[] as &[$crate::store::sql::Value] };
    ($($param:expr),+ $(,)?) => {
        &[$($crate::store::sql::ToValue::to_value(&$param)),+]
            as &[$crate::store::sql::Value]
    };
}
pub(crate) use params;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_postgres_and_anything_else_a_file() {
        assert_eq!(
            Database::parse("postgres://u@h/db"),
            Database::Postgres("postgres://u@h/db".into())
        );
        assert!(matches!(
            Database::parse("POSTGRESQL://h/db"),
            Database::Postgres(_)
        ));
        assert_eq!(
            Database::parse("inv/postgres.db"),
            Database::Sqlite(PathBuf::from("inv/postgres.db"))
        );
    }

    #[test]
    fn passwords_never_reach_messages() {
        let db = Database::parse(
            "postgres://scan:s3cret@db.example:5433/inv?password=x&sslmode=disable",
        );
        let shown = db.to_string();
        assert!(
            !shown.contains("s3cret") && !shown.contains("password=x"),
            "{shown}"
        );
        assert_eq!(shown, "postgres://scan@db.example:5433/inv?sslmode=disable");
    }
}
