//! Scope locks: at most one process scans a given scope into a given
//! inventory at a time, whatever machine it runs on.
//!
//! - SQLite: an advisory `flock` on a lock file beside the database, named
//!   after a digest of the scope key (`inventory.db.scope-<16 hex>.lock`).
//!   The lock goes with the open file. Lock files are left in place
//!   (removing one could race another process locking it); each holds the
//!   pid and scope key of its last holder, for people.
//! - PostgreSQL: a session-level `pg_try_advisory_lock` on a connection of
//!   its own, keyed by the first 8 bytes of the same digest, so scanners on
//!   different machines sharing one database exclude each other.
//!
//! Either way dropping the [`ScopeLock`] (or the process dying, which
//! closes the file or the connection) releases it, so a crashed scanner
//! never leaves a scope locked.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;

use super::error::{sql, StoreError};
use super::sql::{Database, Session, Value};
use super::Store;

/// A held scope lock; released when dropped.
pub struct ScopeLock {
    _holder: Holder,
    name: String,
}

/// What keeps the lock: the open lock file, or the database session that
/// took the advisory lock.
enum Holder {
    File { _file: File },
    Advisory { _lock: Advisory },
}

/// A held session-level advisory lock and its session. Dropping it
/// unlocks before the connection closes: the server releases a closed
/// session's locks only some time after the client has gone, and
/// "released when dropped" must hold at once for the next scanner.
struct Advisory {
    session: Box<dyn Session>,
    key: i64,
}

impl Drop for Advisory {
    fn drop(&mut self) {
        let unlock = "SELECT pg_advisory_unlock(?1)";
        if let Err(e) = self.session.execute(unlock, &[Value::Int(self.key)]) {
            let key = self.key;
            tracing::warn!("scope lock {key}: unlock failed ({e}); the server releases it");
        }
    }
}

impl std::fmt::Debug for ScopeLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopeLock")
            .field("name", &self.name)
            .finish()
    }
}

impl ScopeLock {
    /// What is locked, for people: the lock file, or the advisory lock's
    /// key and database.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Store {
    /// Takes the lock of `scope_key` without waiting: `None` when another
    /// holder (another process, or another lock in this one) has it.
    pub fn lock_scope(&self, scope_key: &str) -> Result<Option<ScopeLock>, StoreError> {
        self.require_writable("lock a scope")?;
        let name = self.scope_lock_name(scope_key);
        let holder = match self.database() {
            Database::Sqlite(_) => lock_file(self, &self.scope_lock_file(scope_key), scope_key)?
                .map(|f| Holder::File { _file: f }),
            Database::Postgres(_) => {
                lock_advisory(self, scope_key)?.map(|lock| Holder::Advisory { _lock: lock })
            }
        };
        Ok(holder.map(|h| ScopeLock { _holder: h, name }))
    }

    /// What the lock of `scope_key` is, for people (as [`ScopeLock::name`]).
    pub fn scope_lock_name(&self, scope_key: &str) -> String {
        match self.database() {
            Database::Sqlite(_) => self.scope_lock_file(scope_key).display().to_string(),
            Database::Postgres(_) => format!(
                "PostgreSQL advisory lock {} on {}",
                advisory_key(scope_key),
                self.path().display()
            ),
        }
    }

    /// The lock file of `scope_key` (SQLite): beside the database, named
    /// after the first 16 hex digits of the key's SHA-256.
    fn scope_lock_file(&self, scope_key: &str) -> PathBuf {
        let digest = crate::certs::sha256_hex(scope_key.as_bytes());
        let path = self.path();
        let name = path
            .file_name()
            .map_or_else(|| "inventory".into(), |n| n.to_string_lossy().into_owned());
        path.with_file_name(format!("{name}.scope-{}.lock", &digest[..16]))
    }
}

/// The advisory lock key of `scope_key`: its SHA-256's first 8 bytes.
fn advisory_key(scope_key: &str) -> i64 {
    let digest = crate::certs::sha256_hex(scope_key.as_bytes());
    u64::from_str_radix(&digest[..16], 16).map_or(0, |k| k as i64)
}

/// Locks `path` with a non-blocking `flock`; `None` when it is held.
fn lock_file(store: &Store, path: &PathBuf, scope_key: &str) -> Result<Option<File>, StoreError> {
    let error = |source| StoreError::Lock {
        path: store.path().to_path_buf(),
        lock: path.clone(),
        source,
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(error)?;
    if !crate::platform::try_lock_exclusive(&file).map_err(error)? {
        return Ok(None);
    }
    let holder = format!("pid {}\nscope {scope_key}\n", std::process::id());
    file.set_len(0)
        .and_then(|()| file.write_all(holder.as_bytes()))
        .map_err(error)?;
    Ok(Some(file))
}

/// Takes the advisory lock on a session of its own; `None` when held.
fn lock_advisory(store: &Store, scope_key: &str) -> Result<Option<Advisory>, StoreError> {
    let context = "taking the scope's advisory lock";
    let session = store
        .database()
        .connect()
        .map_err(sql(store.path(), context))?;
    let key = advisory_key(scope_key);
    let locked: i64 = session
        .one(
            "SELECT pg_try_advisory_lock(?1)",
            &[Value::Int(key)],
            |row| row.get(0),
        )
        .map_err(sql(store.path(), context))?;
    Ok((locked != 0).then_some(Advisory { session, key }))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::store::tests::backends;

    #[test]
    fn a_held_scope_is_busy_until_released_and_other_scopes_are_free() {
        for db in backends() {
            let store = db.open();
            // A second store stands for another scanner on the same inventory.
            let other_scanner = db.open();
            let first = store.lock_scope("scope a").expect("lock").expect("free");
            let again = other_scanner.lock_scope("scope a").expect("lock");
            assert!(again.is_none(), "{}: held", db.database());
            let other = other_scanner.lock_scope("scope b").expect("lock");
            assert!(other.is_some(), "{}: another scope is free", db.database());
            assert_ne!(other.as_ref().map(|l| l.name()), Some(first.name()));
            drop(first);
            let after = other_scanner.lock_scope("scope a").expect("lock");
            assert!(after.is_some(), "{}: released", db.database());
        }
    }

    #[test]
    fn a_lock_file_names_its_holder() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("inventory.db")).expect("store");
        let lock = store.lock_scope("scope a").expect("lock").expect("free");
        let holder = std::fs::read_to_string(lock.name()).expect("lock file");
        assert!(holder.contains(&format!("pid {}", std::process::id())));
        assert!(holder.contains("scope a"));
    }

    #[test]
    fn lock_files_sit_beside_the_database() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("inv.db")).expect("store");
        let path = store.scope_lock_file("k");
        assert_eq!(path.parent(), Some(dir.path()));
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        assert!(
            name.starts_with("inv.db.scope-") && name.ends_with(".lock"),
            "{name}"
        );
    }
}
