//! Scope locks: at most one process scans a given scope into a given
//! inventory at a time. For SQLite a scope lock is an advisory `flock` on a
//! lock file beside the database, named after a digest of the scope key
//! (`inventory.db.scope-<16 hex>.lock`). The lock goes with the open file:
//! dropping the [`ScopeLock`] (or the process dying) releases it, so a
//! crashed scanner never leaves a scope locked. Lock files are left in
//! place (removing one could race another process locking it); each holds
//! the pid and scope key of its last holder, for people.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use super::error::StoreError;
use super::Store;

/// A held scope lock; released when dropped.
#[derive(Debug)]
pub struct ScopeLock {
    _file: File,
    path: PathBuf,
}

impl ScopeLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Store {
    /// Takes the lock of `scope_key` without waiting: `None` when another
    /// holder (another process, or another lock in this one) has it.
    pub fn lock_scope(&self, scope_key: &str) -> Result<Option<ScopeLock>, StoreError> {
        let path = self.scope_lock_path(scope_key);
        let error = |source| StoreError::Lock {
            path: self.path.clone(),
            lock: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(error)?;
        // SAFETY: flock on a descriptor this function owns; no memory is shared.
        let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if locked != 0 {
            let e = io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::EWOULDBLOCK) => Ok(None),
                _ => Err(error(e)),
            };
        }
        let holder = format!("pid {}\nscope {scope_key}\n", std::process::id());
        file.set_len(0)
            .and_then(|()| file.write_all(holder.as_bytes()))
            .map_err(error)?;
        Ok(Some(ScopeLock { _file: file, path }))
    }

    /// The lock file of `scope_key`: beside the database, named after the
    /// first 16 hex digits of the key's SHA-256.
    pub fn scope_lock_path(&self, scope_key: &str) -> PathBuf {
        let digest = crate::certs::sha256_hex(scope_key.as_bytes());
        let name = self
            .path
            .file_name()
            .map_or_else(|| "inventory".into(), |n| n.to_string_lossy().into_owned());
        self.path
            .with_file_name(format!("{name}.scope-{}.lock", &digest[..16]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_scope_is_busy_until_released_and_other_scopes_are_free() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("inventory.db")).expect("store");
        let first = store.lock_scope("scope a").expect("lock").expect("free");
        assert!(store.lock_scope("scope a").expect("lock").is_none(), "held");
        let other = store.lock_scope("scope b").expect("lock");
        assert!(other.is_some(), "another scope is free");
        assert_ne!(other.as_ref().map(|l| l.path()), Some(first.path()));
        let holder = std::fs::read_to_string(first.path()).expect("lock file");
        assert!(holder.contains(&format!("pid {}", std::process::id())));
        assert!(holder.contains("scope a"));
        drop(first);
        assert!(
            store.lock_scope("scope a").expect("lock").is_some(),
            "released"
        );
    }

    #[test]
    fn lock_files_sit_beside_the_database() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("inv.db")).expect("store");
        let path = store.scope_lock_path("k");
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
