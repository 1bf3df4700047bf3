//! Peak memory of a benchmarked child process: the one place the
//! benchmarks call `wait4` (std's `Child::wait` does not return the
//! resource usage).

/// Waits for our child `pid`, asserts that it exited 0 (`what` names it in
/// the failure), and returns its peak resident set size in KiB.
pub fn wait_rss(pid: libc::pid_t, what: &str) -> i64 {
    let mut status = 0;
    // SAFETY: rusage is plain data, filled in by the kernel.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; the pointers outlive the call.
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(rc, pid, "wait4");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{what} failed"
    );
    usage.ru_maxrss
}
