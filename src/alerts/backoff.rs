//! When a delivery attempt counts as delivered, when it is retried and
//! when it is given up, and how long to wait before the next attempt:
//! exponential backoff from 1 s, doubling, at most 1 h between attempts,
//! at most [`MAX_ATTEMPTS`] attempts (about 4 h 8 min from the first to
//! the last). Pure functions of the attempt count and the response.

use std::time::Duration;

use time::OffsetDateTime;

use crate::store::AttemptOutcome;

/// Attempts made before an event is marked failed.
pub const MAX_ATTEMPTS: u32 = 16;

/// The wait before the first retry.
pub const FIRST_DELAY: Duration = Duration::from_secs(1);

/// The longest wait between two attempts (a `Retry-After` is capped too).
pub const MAX_DELAY: Duration = Duration::from_secs(3600);

/// How a response is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// 2xx.
    Delivered,
    /// A transport error, a timeout, 408, 429, 5xx (or 1xx): try again.
    Retry,
    /// Any other 4xx, or a redirect: the webhook refuses it for good.
    Refused,
}

/// Judges an HTTP status (`None`: no response arrived).
pub fn verdict(status: Option<u16>) -> Verdict {
    match status {
        None => Verdict::Retry,
        Some(200..=299) => Verdict::Delivered,
        Some(408 | 429) => Verdict::Retry,
        Some(300..=499) => Verdict::Refused,
        Some(_) => Verdict::Retry,
    }
}

/// The wait after `attempts` failed attempts: 1 s, 2 s, 4 s, … at most 1 h.
pub fn retry_delay(attempts: u32) -> Duration {
    let doublings = attempts.saturating_sub(1).min(31);
    FIRST_DELAY.saturating_mul(1u32 << doublings).min(MAX_DELAY)
}

/// What the store records after attempt number `attempt` (1-based) made
/// at `now` got `status` (and maybe a `Retry-After`).
pub fn outcome(
    attempt: u32,
    status: Option<u16>,
    retry_after: Option<Duration>,
    now: OffsetDateTime,
) -> AttemptOutcome {
    match verdict(status) {
        Verdict::Delivered => AttemptOutcome::Delivered,
        Verdict::Refused => AttemptOutcome::GaveUp,
        Verdict::Retry if attempt >= MAX_ATTEMPTS => AttemptOutcome::GaveUp,
        Verdict::Retry => {
            let wait = retry_delay(attempt)
                .max(retry_after.unwrap_or_default())
                .min(MAX_DELAY);
            AttemptOutcome::Retry(now + wait)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_doubles_from_one_second_up_to_an_hour() {
        let delays: Vec<u64> = (1..=14).map(|n| retry_delay(n).as_secs()).collect();
        assert_eq!(
            delays,
            [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3600, 3600]
        );
        assert_eq!(retry_delay(u32::MAX), MAX_DELAY);
        let total: u64 = (1..MAX_ATTEMPTS).map(|n| retry_delay(n).as_secs()).sum();
        assert_eq!(total, 4095 + 3 * 3600, "first to last attempt");
    }

    #[test]
    fn statuses_are_delivered_retried_or_refused() {
        assert_eq!(verdict(Some(204)), Verdict::Delivered);
        for retried in [None, Some(408), Some(429), Some(500), Some(503)] {
            assert_eq!(verdict(retried), Verdict::Retry, "{retried:?}");
        }
        for refused in [Some(301), Some(400), Some(401), Some(404), Some(410)] {
            assert_eq!(verdict(refused), Verdict::Refused, "{refused:?}");
        }
    }

    #[test]
    fn outcomes_follow_the_attempt_count_and_retry_after() {
        let now = time::macros::datetime!(2026-06-01 12:00 UTC);
        let at = |s: i64| AttemptOutcome::Retry(now + time::Duration::seconds(s));
        assert_eq!(outcome(1, Some(500), None, now), at(1));
        assert_eq!(outcome(3, None, None, now), at(4));
        let asked = Some(Duration::from_secs(120));
        assert_eq!(outcome(1, Some(429), asked, now), at(120));
        let too_long = Some(Duration::from_secs(86_400));
        assert_eq!(outcome(1, Some(503), too_long, now), at(3600));
        assert_eq!(
            outcome(MAX_ATTEMPTS, Some(500), None, now),
            AttemptOutcome::GaveUp
        );
        assert_eq!(outcome(1, Some(404), None, now), AttemptOutcome::GaveUp);
        assert_eq!(outcome(7, Some(200), None, now), AttemptOutcome::Delivered);
    }
}
