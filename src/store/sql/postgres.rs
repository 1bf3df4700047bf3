//! The PostgreSQL backend (the only user of the `postgres` crate). The
//! synchronous `postgres` client drives a private tokio runtime, which must
//! not run inside certatlas's own runtime, so a [`PgSession`] owns a thread
//! that owns the connection; every statement is sent to it and waited for.
//! Statements are prepared once per connection and cached; `?N`
//! placeholders become `$N`. Parameters take the type PostgreSQL infers for
//! them (an integer bound to a `DOUBLE PRECISION` column is sent as one).
//!
//! Connecting follows libpq ([`connect`]): `sslmode` and `sslrootcert`
//! ([`conninfo`], TLS over rustls in [`tls`]), and the password from
//! `PGPASSWORD` or the password file ([`pgpass`]) when the URL has none.

mod connect;
mod conninfo;
mod pgpass;
#[cfg(test)]
mod tests;
mod tls;

pub use conninfo::ConnInfoError;
pub use tls::TlsFailure;

use std::collections::HashMap;
use std::error::Error;
use std::sync::mpsc;
use std::thread::JoinHandle;

use bytes::BytesMut;
use postgres::types::{to_sql_checked, FromSql, IsNull, ToSql, Type};
use postgres::{Client, Statement};

use super::{Dialect, Row, Session, SqlError, Value};
use connect::ConnectPlan;
use conninfo::Env;

/// Prepared statements kept per connection before the cache starts over.
const STATEMENT_CACHE: usize = 256;
/// Key of the transaction-level advisory lock every immediate transaction
/// takes (any constant: "certatls").
const IMMEDIATE_LOCK: Value = Value::Int(0x6365_7274_6174_6c73);

/// Work for the connection thread.
type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// The connection and its statement cache, owned by the thread.
struct Connection {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl Connection {
    /// The prepared statement for `sql` (already translated).
    fn prepared(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        if self.statements.len() >= STATEMENT_CACHE {
            self.statements.clear();
        }
        self.statements.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }

    /// Runs a query and returns its rows, owned.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, postgres::Error> {
        let statement = self.prepared(sql)?;
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        let rows = self.client.query(&statement, &refs)?;
        rows.iter().map(owned_row).collect()
    }

    /// Runs a statement and returns how many rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, postgres::Error> {
        let statement = self.prepared(sql)?;
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        self.client.execute(&statement, &refs)
    }
}

/// One PostgreSQL connection, served by its own thread.
pub struct PgSession {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for PgSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgSession")
    }
}

impl PgSession {
    /// Connects to `url` with its `sslmode` (default `prefer`) and
    /// `sslrootcert`, taking the password from `PGPASSWORD` or the password
    /// file when the URL has none, and starts the connection's thread.
    pub fn connect(url: &str) -> Result<PgSession, SqlError> {
        PgSession::connect_in(url, &|name| std::env::var_os(name))
    }

    /// [`PgSession::connect`] with the environment `env`.
    fn connect_in(url: &str, env: Env<'_>) -> Result<PgSession, SqlError> {
        let plan = ConnectPlan::new(url, env)?;
        let (ready_tx, ready) = mpsc::sync_channel(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("store-postgres".into())
            .spawn(move || {
                let client = match plan.open() {
                    Ok(client) => client,
                    Err(e) => return drop(ready_tx.send(Err(e))),
                };
                let _ = ready_tx.send(Ok(()));
                let mut connection = Connection {
                    client,
                    statements: HashMap::new(),
                };
                while let Ok(job) = queue.recv() {
                    job(&mut connection);
                }
            })
            .map_err(|e| SqlError::Backend {
                message: format!("cannot start the connection thread: {e}"),
                sqlstate: None,
            })?;
        ready.recv().map_err(|_| SqlError::Closed)??;
        Ok(PgSession {
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }

    /// Connects to `url` as [`PgSession::connect`] does, with every
    /// transaction of the session read-only (`SET
    /// default_transaction_read_only = on`): the server refuses writes.
    pub fn connect_read_only(url: &str) -> Result<PgSession, SqlError> {
        let session = PgSession::connect(url)?;
        session.batch("SET default_transaction_read_only = on")?;
        Ok(session)
    }

    /// Runs `work` on the connection thread and waits for its answer.
    fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, SqlError> {
        let (answer, reply) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |connection| {
            let _ = answer.send(work(connection).map_err(|e| backend(&e)));
        });
        let jobs = self.jobs.as_ref().ok_or(SqlError::Closed)?;
        jobs.send(job).map_err(|_| SqlError::Closed)?;
        reply.recv().map_err(|_| SqlError::Closed)?
    }
}

impl Drop for PgSession {
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Session for PgSession {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn execute(&self, sql: &str, params: &[Value]) -> Result<usize, SqlError> {
        let (sql, params) = (translate(sql), params.to_vec());
        let changed = self.run(move |connection| connection.execute(&sql, &params))?;
        Ok(usize::try_from(changed).unwrap_or(usize::MAX))
    }

    fn query(
        &self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row) -> Result<(), SqlError>,
    ) -> Result<(), SqlError> {
        let (sql, params) = (translate(sql), params.to_vec());
        let rows = self.run(move |connection| connection.query(&sql, &params))?;
        rows.iter().try_for_each(each)
    }

    fn batch(&self, sql: &str) -> Result<(), SqlError> {
        let sql = sql.to_string();
        self.run(move |connection| connection.client.batch_execute(&sql))
    }

    fn begin(&self, immediate: bool) -> Result<(), SqlError> {
        self.batch("BEGIN")?;
        if immediate {
            // As SQLite's BEGIN IMMEDIATE: immediate transactions never
            // interleave (held until commit or rollback).
            if let Err(e) = self.execute("SELECT pg_advisory_xact_lock(?1)", &[IMMEDIATE_LOCK]) {
                let _ = self.batch("ROLLBACK");
                return Err(e);
            }
        }
        Ok(())
    }
}

/// `?N` → `$N` outside quoted text (a bare `?` takes the next number).
pub fn translate(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let (mut quote, mut next) = (None::<char>, 1usize);
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, '?') => {
                let mut digits = String::new();
                while let Some(d) = chars.next_if(char::is_ascii_digit) {
                    digits.push(d);
                }
                if digits.is_empty() {
                    digits = next.to_string();
                }
                next = digits.parse::<usize>().map_or(next, |n| n + 1);
                out.push('$');
                out.push_str(&digits);
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// A result row as owned [`Value`]s.
fn owned_row(row: &postgres::Row) -> Result<Row, postgres::Error> {
    (0..row.len())
        .map(|index| row.try_get::<_, Column>(index).map(|column| column.0))
        .collect::<Result<Vec<_>, _>>()
        .map(Row::new)
}

/// The driver's error as a [`SqlError`], with the server's SQLSTATE; a
/// write refused in a read-only transaction (25006) is
/// [`SqlError::ReadOnly`].
fn backend(error: &postgres::Error) -> SqlError {
    let message = match (error.as_db_error(), Error::source(error)) {
        (Some(db), _) => format!("{}: {}", db.severity(), db.message()),
        // The driver's kind alone says little ("invalid configuration"):
        // add its cause ("password missing").
        (None, Some(cause)) => format!("{error}: {cause}"),
        (None, None) => error.to_string(),
    };
    if error.code().is_some_and(|code| code.code() == "25006") {
        return SqlError::ReadOnly { statement: message };
    }
    SqlError::Backend {
        message,
        sqlstate: error.code().map(|code| code.code().to_string()),
    }
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match (self, ty) {
            (Value::Null, _) => Ok(IsNull::Yes),
            (Value::Int(i), &Type::INT8) => i.to_sql(ty, out),
            (Value::Int(i), &Type::INT4) => i32::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::INT2) => i16::try_from(*i)?.to_sql(ty, out),
            (Value::Int(i), &Type::BOOL) => (*i != 0).to_sql(ty, out),
            (Value::Int(i), &Type::FLOAT8) => (*i as f64).to_sql(ty, out),
            (Value::Int(i), &Type::TEXT) => i.to_string().to_sql(ty, out),
            (Value::Real(r), &Type::FLOAT8) => r.to_sql(ty, out),
            (Value::Real(r), &Type::FLOAT4) => (*r as f32).to_sql(ty, out),
            (Value::Text(text), _) => text.as_str().to_sql(ty, out),
            (Value::Blob(bytes), _) => bytes.as_slice().to_sql(ty, out),
            (value, ty) => Err(format!("cannot send {} as {ty}", value.kind()).into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A column read as a [`Value`], whatever its PostgreSQL type.
struct Column(Value);

impl<'a> FromSql<'a> for Column {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        let value = match *ty {
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Value::Int(i16::from_sql(ty, raw)?.into()),
            Type::BOOL => Value::Int(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)?.into()),
            Type::BYTEA => Value::Blob(Vec::<u8>::from_sql(ty, raw)?),
            _ if <&str as FromSql>::accepts(ty) => Value::Text(String::from_sql(ty, raw)?),
            _ => return Err(format!("unsupported column type {ty}").into()),
        };
        Ok(Column(value))
    }

    fn from_sql_null(_: &Type) -> Result<Self, Box<dyn Error + Sync + Send>> {
        Ok(Column(Value::Null))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}
