//! The SQLite backend (the only user of rusqlite): a [`SqliteSession`] is
//! one connection opened with the store's settings — WAL journal, a busy
//! timeout, foreign keys, `synchronous = NORMAL` (a committed transaction
//! survives a process crash), a 32 MiB page cache, temporary structures in
//! memory and a statement cache. SQL runs as written (`?N` is SQLite's own
//! placeholder syntax).
//!
//! Writes: a transaction that may write begins `IMMEDIATE` (the store asks
//! for it), so it takes the write lock first and waits for it in the busy
//! handler; a deferred transaction that reads and then writes would fail
//! at once in WAL mode when another connection committed in between. A
//! busy failure of `BEGIN` or of a statement outside a transaction is
//! retried (`retry`).
//!
//! Read-only sessions ([`SqliteSession::open_read_only`]) open the file
//! with `SQLITE_OPEN_READ_ONLY`, and refuse every statement that SQLite
//! says would write ([`SqlError::ReadOnly`]). A file that this process
//! cannot write (or whose WAL index cannot be opened: a read-only
//! directory, read-only media) is opened `immutable=1`, which needs no
//! `-wal` or `-shm` file and never creates one.

use std::path::Path;
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params_from_iter, Connection, ErrorCode, OpenFlags};

use super::retry::{pause, retry};
use super::{Dialect, Row, Session, SqlError, Value};

/// How long a statement waits for another connection's lock, per attempt
/// (see `retry` for the attempts).
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How often a connection waiting for another's lock looks again.
/// SQLite's own busy timeout sleeps up to 100 ms between looks; a writer
/// that commits back to back takes the lock again within microseconds of
/// releasing it, so a waiter that looks ten times a second almost never
/// finds it free (a `watch` run beside such a writer took 70-90 s, most of
/// it asleep). Looking every millisecond finds the gaps between its
/// transactions.
const BUSY_POLL: Duration = Duration::from_millis(1);

/// Installs the busy handler: look again every [`BUSY_POLL`] until
/// [`BUSY_TIMEOUT`] has passed since this wait began, then report busy
/// (which `retry` may try again).
fn wait_while_busy(conn: &mut Connection) -> Result<(), SqlError> {
    let mut since = std::time::Instant::now();
    let handler = move |tries: i32| {
        if tries == 0 {
            since = std::time::Instant::now();
        }
        if since.elapsed() >= BUSY_TIMEOUT {
            return false;
        }
        std::thread::sleep(BUSY_POLL);
        true
    };
    conn.busy_handler(Some(handler)).map_err(backend)
}

/// Page cache per connection, in KiB (as a negative `cache_size`); grown
/// lazily, it keeps the indexes of a 100,000-endpoint scan in memory.
const CACHE_KIB: i64 = -32 * 1024;

/// One SQLite connection.
#[derive(Debug)]
pub struct SqliteSession {
    conn: Connection,
    read_only: bool,
}

impl SqliteSession {
    /// Opens (creating it if needed) the database file at `path`.
    pub fn open(path: &Path) -> Result<SqliteSession, SqlError> {
        let mut conn = Connection::open(path).map_err(backend)?;
        wait_while_busy(&mut conn)?;
        retry("set WAL journal", || {
            conn.query_row("PRAGMA journal_mode = WAL", [], |row| {
                row.get::<_, String>(0)
            })
            .map_err(backend)
        })?;
        for (name, value) in [("foreign_keys", "ON"), ("synchronous", "NORMAL")] {
            conn.pragma_update(None, name, value).map_err(backend)?;
        }
        conn.pragma_update(None, "cache_size", CACHE_KIB)
            .map_err(backend)?;
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(backend)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(SqliteSession {
            conn,
            read_only: false,
        })
    }

    /// Opens the existing database file at `path` read-only: with
    /// `SQLITE_OPEN_READ_ONLY` when this process may write the file (other
    /// processes may be writing it: the WAL is honoured), else — or when
    /// that cannot read it (no WAL index in a read-only directory) —
    /// `immutable=1`.
    pub fn open_read_only(path: &Path) -> Result<SqliteSession, SqlError> {
        let writable = std::fs::OpenOptions::new().write(true).open(path).is_ok();
        let first = match writable {
            true => SqliteSession::read_only_with(path, false),
            false => SqliteSession::read_only_with(path, true),
        };
        match first {
            Err(e) if writable => {
                tracing::debug!(
                    "{}: read-only open failed ({e}); opening immutable",
                    path.display()
                );
                SqliteSession::read_only_with(path, true).map_err(|_| e)
            }
            outcome => outcome,
        }
    }

    /// A read-only connection (immutable or not), checked by reading the
    /// schema version.
    fn read_only_with(path: &Path, immutable: bool) -> Result<SqliteSession, SqlError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut uri = format!("file:{}", uri_path(path));
        if immutable {
            uri.push_str("?immutable=1");
        }
        let mut conn = Connection::open_with_flags(&uri, flags).map_err(backend)?;
        wait_while_busy(&mut conn)?;
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
            row.get::<_, i64>(0)
        })
        .map_err(backend)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(SqliteSession {
            conn,
            read_only: true,
        })
    }

    /// Refuses `sql` on a read-only session when it would write.
    fn check_writes(&self, sql: &str, readonly: bool) -> Result<(), SqlError> {
        match self.read_only && !readonly {
            true => Err(SqlError::read_only(sql)),
            false => Ok(()),
        }
    }

    /// Runs `operation`, retried on a busy database unless inside a
    /// transaction (there the whole transaction would have to run again).
    fn retried<T>(
        &self,
        sql: &str,
        mut operation: impl FnMut() -> Result<T, SqlError>,
    ) -> Result<T, SqlError> {
        match self.conn.is_autocommit() {
            true => retry(sql, operation),
            false => operation(),
        }
    }
}

/// `path` as the path part of a `file:` URI: `%`, `?` and `#` (and
/// anything not printable ASCII) percent-encoded.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for byte in path.as_os_str().as_encoded_bytes() {
        match byte {
            b'%' | b'?' | b'#' => out.push_str(&format!("%{byte:02X}")),
            0x21..=0x7e => out.push(char::from(*byte)),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

impl Session for SqliteSession {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<usize, SqlError> {
        let mut statement = self.conn.prepare_cached(sql).map_err(backend)?;
        self.check_writes(sql, statement.readonly())?;
        self.retried(sql, || statement.execute(bind(params)).map_err(backend))
    }

    fn query(
        &self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row) -> Result<(), SqlError>,
    ) -> Result<(), SqlError> {
        let mut statement = self.conn.prepare_cached(sql).map_err(backend)?;
        self.check_writes(sql, statement.readonly())?;
        let columns = statement.column_count();
        let retry_busy = self.conn.is_autocommit();
        let mut attempt = 0;
        loop {
            let mut rows = statement.query(bind(params)).map_err(backend)?;
            // A busy lock is met at the first step, before any row is
            // handed out: only then is the query run again.
            let mut next = rows.next().map_err(backend);
            match &next {
                Err(e) if retry_busy && pause(sql, e, attempt) => {
                    attempt += 1;
                    continue;
                }
                _ => {}
            }
            while let Some(row) = next? {
                let mut values = Vec::with_capacity(columns);
                for index in 0..columns {
                    values.push(owned(row.get_ref(index).map_err(backend)?));
                }
                each(&Row::new(values))?;
                next = rows.next().map_err(backend);
            }
            return Ok(());
        }
    }

    fn batch(&self, sql: &str) -> Result<(), SqlError> {
        let control = matches!(sql.trim(), "BEGIN" | "COMMIT" | "ROLLBACK");
        self.check_writes(sql, control)?;
        self.retried(sql, || self.conn.execute_batch(sql).map_err(backend))
    }

    fn begin(&self, immediate: bool) -> Result<(), SqlError> {
        let sql = match immediate {
            true => "BEGIN IMMEDIATE",
            false => "BEGIN",
        };
        self.check_writes(sql, !immediate)?;
        retry(sql, || self.conn.execute_batch(sql).map_err(backend))
    }
}

/// The parameters as rusqlite binds them (borrowed, no copies).
fn bind(params: &[Value]) -> impl rusqlite::Params + '_ {
    params_from_iter(params.iter().map(|value| {
        ToSqlOutput::Borrowed(match value {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(r) => ValueRef::Real(*r),
            Value::Text(text) => ValueRef::Text(text.as_bytes()),
            Value::Blob(bytes) => ValueRef::Blob(bytes),
        })
    }))
}

/// A column value, owned.
fn owned(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(r) => Value::Real(r),
        ValueRef::Text(text) => Value::Text(String::from_utf8_lossy(text).into_owned()),
        ValueRef::Blob(bytes) => Value::Blob(bytes.to_vec()),
    }
}

/// rusqlite's error as a [`SqlError`]: a busy or locked database is
/// [`SqlError::Busy`], a write refused by a read-only connection
/// [`SqlError::ReadOnly`].
fn backend(error: rusqlite::Error) -> SqlError {
    let message = error.to_string();
    match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => SqlError::Busy { message },
        Some(ErrorCode::ReadOnly) => SqlError::ReadOnly { statement: message },
        _ => SqlError::Backend {
            message,
            sqlstate: None,
        },
    }
}
