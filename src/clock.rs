//! The clock every stage reads "now" from.
//!
//! Real time by default; [`Clock::starting_at`] shifts it so that it reads a
//! chosen instant when created and advances normally from there. Tests and
//! the hidden `--clock` option use it, so dates in observations, the
//! inventory and verdicts are deterministic ("expired", "renewed 30 days
//! before expiry").

use time::{Duration, OffsetDateTime};

/// A source of the current time, possibly shifted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Clock {
    offset: Duration,
}

impl Clock {
    /// The real time.
    pub fn real() -> Clock {
        Clock::default()
    }

    /// A clock that reads `start` now and advances in real time.
    pub fn starting_at(start: OffsetDateTime) -> Clock {
        Clock {
            offset: start - OffsetDateTime::now_utc(),
        }
    }

    /// The current time on this clock, UTC.
    pub fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc() + self.offset
    }

    /// The current time as the TLS verifier's type.
    pub fn unix_now(&self) -> rustls::pki_types::UnixTime {
        let seconds = u64::try_from(self.now().unix_timestamp()).unwrap_or(0);
        rustls::pki_types::UnixTime::since_unix_epoch(std::time::Duration::from_secs(seconds))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifted_clock_starts_at_the_instant_given() {
        let start = time::macros::datetime!(2026-06-01 12:00 UTC);
        let clock = Clock::starting_at(start);
        let read = clock.now();
        assert!(
            read >= start && read - start < Duration::minutes(5),
            "{read}"
        );
        assert_eq!(clock.unix_now().as_secs(), read.unix_timestamp() as u64);
    }

    #[test]
    fn real_clock_has_no_offset() {
        let before = OffsetDateTime::now_utc();
        assert!(Clock::real().now() >= before);
    }
}
