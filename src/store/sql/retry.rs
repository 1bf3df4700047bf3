//! Bounded retry of transient database errors, in one place for every
//! caller of the session layer.
//!
//! A SQLite statement that meets another connection's lock first waits in
//! SQLite's busy handler (the session's busy timeout, 10 s); when that
//! runs out it reports `SQLITE_BUSY`/`SQLITE_LOCKED`, and [`retry`] runs
//! it again after a short backoff, [`ATTEMPTS`] times in all. Worst case a
//! statement or `BEGIN IMMEDIATE` waits 3 × 10 s plus the backoffs
//! ([`BACKOFF`], 1.25 s): about 31 s, far beyond a write lock held for a
//! few seconds by another process. Only operations that can be run again
//! as a whole are retried: beginning a transaction, and statements outside
//! a transaction (autocommit); a statement inside an open transaction is
//! not, since the transaction's earlier work would be lost with it.

use std::time::Duration;

use super::SqlError;

/// How many times a transient failure is tried in all.
pub const ATTEMPTS: usize = 3;

/// The pause before the second and third attempts.
pub const BACKOFF: [Duration; ATTEMPTS - 1] =
    [Duration::from_millis(250), Duration::from_millis(1000)];

/// Runs `operation`, again after a backoff while it fails with a transient
/// error ([`SqlError::is_transient`]), at most [`ATTEMPTS`] times; returns
/// the last outcome. `what` names the operation in the log.
pub fn retry<T>(
    what: &str,
    mut operation: impl FnMut() -> Result<T, SqlError>,
) -> Result<T, SqlError> {
    let mut attempt = 0;
    loop {
        match operation() {
            Err(e) if pause(what, &e, attempt) => attempt += 1,
            outcome => return outcome,
        }
    }
}

/// After failed attempt `attempt` (from 0) with `error`: false when the
/// error is not transient or the attempts are used up; else waits the
/// backoff and returns true (try again).
pub fn pause(what: &str, error: &SqlError, attempt: usize) -> bool {
    let Some(wait) = BACKOFF.get(attempt).filter(|_| error.is_transient()) else {
        return false;
    };
    tracing::warn!("database busy ({what}: {error}); trying again in {wait:?}");
    std::thread::sleep(*wait);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn busy() -> SqlError {
        SqlError::Busy {
            message: "database is locked".into(),
        }
    }

    #[test]
    fn transient_errors_are_tried_again_a_bounded_number_of_times() {
        let mut calls = 0;
        let outcome: Result<(), SqlError> = retry("test", || {
            calls += 1;
            Err(busy())
        });
        assert!(matches!(outcome, Err(SqlError::Busy { .. })));
        assert_eq!(calls, ATTEMPTS);
        let mut calls = 0;
        let outcome = retry("test", || {
            calls += 1;
            if calls < ATTEMPTS {
                Err(busy())
            } else {
                Ok(calls)
            }
        });
        assert_eq!(outcome.ok(), Some(ATTEMPTS));
    }

    #[test]
    fn other_errors_are_not_retried() {
        let mut calls = 0;
        let outcome: Result<(), SqlError> = retry("test", || {
            calls += 1;
            Err(SqlError::NoRow)
        });
        assert!(matches!(outcome, Err(SqlError::NoRow)));
        assert_eq!(calls, 1);
    }
}
