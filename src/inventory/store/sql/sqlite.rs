//! The SQLite backend (the only user of rusqlite): a [`SqliteSession`] is
//! one connection opened with the store's settings — WAL journal, a busy
//! timeout, foreign keys, `synchronous = NORMAL` (a committed transaction
//! survives a process crash), a 32 MiB page cache, temporary structures in
//! memory and a statement cache. SQL runs as written (`?N` is SQLite's own
//! placeholder syntax).

use std::path::Path;
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{params_from_iter, Connection};

use super::{Dialect, Row, Session, SqlError, Value};

/// How long a statement waits for another connection's lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Page cache per connection, in KiB (as a negative `cache_size`); grown
/// lazily, it keeps the indexes of a 100,000-endpoint scan in memory.
const CACHE_KIB: i64 = -32 * 1024;

/// One SQLite connection.
#[derive(Debug)]
pub struct SqliteSession {
    conn: Connection,
}

impl SqliteSession {
    /// Opens (creating it if needed) the database file at `path`.
    pub fn open(path: &Path) -> Result<SqliteSession, SqlError> {
        let conn = Connection::open(path).map_err(backend)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(backend)?;
        conn.query_row("PRAGMA journal_mode = WAL", [], |row| {
            row.get::<_, String>(0)
        })
        .map_err(backend)?;
        for (name, value) in [("foreign_keys", "ON"), ("synchronous", "NORMAL")] {
            conn.pragma_update(None, name, value).map_err(backend)?;
        }
        conn.pragma_update(None, "cache_size", CACHE_KIB)
            .map_err(backend)?;
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(backend)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(SqliteSession { conn })
    }
}

impl Session for SqliteSession {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<usize, SqlError> {
        let mut statement = self.conn.prepare_cached(sql).map_err(backend)?;
        statement.execute(bind(params)).map_err(backend)
    }

    fn query(
        &self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row) -> Result<(), SqlError>,
    ) -> Result<(), SqlError> {
        let mut statement = self.conn.prepare_cached(sql).map_err(backend)?;
        let columns = statement.column_count();
        let mut rows = statement.query(bind(params)).map_err(backend)?;
        while let Some(row) = rows.next().map_err(backend)? {
            let mut values = Vec::with_capacity(columns);
            for index in 0..columns {
                values.push(owned(row.get_ref(index).map_err(backend)?));
            }
            each(&Row::new(values))?;
        }
        Ok(())
    }

    fn batch(&self, sql: &str) -> Result<(), SqlError> {
        self.conn.execute_batch(sql).map_err(backend)
    }

    fn begin(&self, immediate: bool) -> Result<(), SqlError> {
        self.batch(match immediate {
            true => "BEGIN IMMEDIATE",
            false => "BEGIN",
        })
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

/// rusqlite's error as a [`SqlError`].
fn backend(error: rusqlite::Error) -> SqlError {
    SqlError::Backend {
        message: error.to_string(),
        sqlstate: None,
    }
}
