//! What certatlas asks of the operating system beyond std: whether a
//! process still exists, this machine's host name, the open-file limit, an
//! advisory file lock and opening a file without following a symbolic
//! link. A leaf module, and the
//! only user of `rustix` (safe bindings, so certatlas has no unchecked code).

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use rustix::process::{getrlimit, setrlimit, test_kill_process, Pid, Resource};

/// True unless the system says no process `pid` exists: a process we may
/// not signal still exists, and a zombie counts until it is reaped. Zero
/// and negative numbers (process groups, never a scanner) are `false`.
pub fn process_exists(pid: i64) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .filter(|&pid| pid > 0)
        .and_then(Pid::from_raw)
    else {
        return false;
    };
    match test_kill_process(pid) {
        Ok(()) => true,
        Err(errno) => errno != rustix::io::Errno::SRCH,
    }
}

/// This machine's host name (`unknown` if it cannot be read).
pub fn hostname() -> String {
    let uname = rustix::system::uname();
    match uname.nodename().to_str() {
        Ok(name) if !name.is_empty() => name.to_string(),
        _ => "unknown".to_string(),
    }
}

/// Raises the soft open-file limit to the hard limit where it is lower and
/// returns the soft limit then in force (`None`: unlimited; `Err`: it could
/// not be read).
pub fn raise_open_file_limit() -> std::io::Result<Option<u64>> {
    let mut limit = getrlimit(Resource::Nofile);
    let below_hard = match (limit.current, limit.maximum) {
        (Some(soft), Some(hard)) => soft < hard,
        (Some(_), None) => true,
        (None, _) => false,
    };
    if below_hard {
        let raised = rustix::process::Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            limit = raised;
        }
    }
    Ok(limit.current)
}

/// Takes an exclusive advisory lock (`flock`) on `file` without waiting:
/// `Ok(false)` when another open file holds it. Released when the file is
/// closed.
pub fn try_lock_exclusive(file: &File) -> std::io::Result<bool> {
    use rustix::fs::{flock, FlockOperation};
    match flock(file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(true),
        Err(errno) if errno == rustix::io::Errno::WOULDBLOCK => Ok(false),
        Err(errno) => Err(errno.into()),
    }
}

/// Opens `path` for reading, refusing a symbolic link as the last
/// component (`O_NOFOLLOW`): the error is the system's (`ELOOP`).
pub fn open_no_follow(path: &Path) -> std::io::Result<File> {
    let no_follow = rustix::fs::OFlags::NOFOLLOW.bits();
    OpenOptions::new()
        .read(true)
        .custom_flags(no_follow as i32)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_exists_and_a_reaped_child_does_not() {
        assert!(process_exists(i64::from(std::process::id())));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        assert!(!process_exists(i64::from(pid)));
        assert!(!process_exists(0));
        assert!(!process_exists(-1));
    }

    #[test]
    fn host_name_matches_the_kernel() {
        let kernel = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
        assert_eq!(hostname(), kernel.trim());
    }

    #[test]
    fn the_open_file_limit_is_readable_and_at_least_the_usual_minimum() {
        let limit = raise_open_file_limit().unwrap();
        assert!(limit.is_none_or(|n| n >= 256), "{limit:?}");
    }

    #[test]
    fn a_lock_is_held_until_its_file_is_closed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock");
        let first = File::create(&path).unwrap();
        assert!(try_lock_exclusive(&first).unwrap());
        let second = File::open(&path).unwrap();
        assert!(!try_lock_exclusive(&second).unwrap());
        drop(first);
        assert!(try_lock_exclusive(&second).unwrap());
    }

    #[test]
    fn a_symbolic_link_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, b"x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(open_no_follow(&target).is_ok());
        assert!(open_no_follow(&link).is_err());
    }
}
