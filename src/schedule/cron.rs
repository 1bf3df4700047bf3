//! Five-field cron expressions in UTC (`minute hour day-of-month month
//! day-of-week`, plus the `@hourly`-style nicknames): the only user of the
//! `croner` and `chrono` crates. Times cross this boundary as
//! [`OffsetDateTime`].

use std::fmt;

use chrono::{DateTime, Utc};
use croner::parser::{CronParser, Seconds, Year};
use croner::Cron;
use time::OffsetDateTime;

/// A parsed cron expression that fires at least once (checked when parsed).
#[derive(Clone, PartialEq, Eq)]
pub struct CronSchedule {
    text: String,
    cron: Cron,
}

impl fmt::Debug for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CronSchedule({:?})", self.text)
    }
}

impl fmt::Display for CronSchedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Why a cron expression cannot be used (without quoting it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CronError {
    /// Not five fields.
    #[error("has {0} fields; write 5: minute hour day-of-month month day-of-week (UTC)")]
    Fields(usize),
    /// A field the cron parser refuses (its message).
    #[error("{0}")]
    Syntax(String),
    /// A pattern no date matches (`0 0 30 2 *`).
    #[error("never fires (no such date)")]
    NeverFires,
}

impl CronSchedule {
    /// Parses a five-field expression (no seconds, no year field). The
    /// error says what is wrong, without quoting `text`.
    pub fn parse(text: &str) -> Result<CronSchedule, CronError> {
        let text = text.trim();
        let fields = text.split_whitespace().count();
        if !text.starts_with('@') && fields != 5 {
            return Err(CronError::Fields(fields));
        }
        let parser = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build();
        let cron = parser
            .parse(text)
            .map_err(|e| CronError::Syntax(e.to_string()))?;
        let schedule = CronSchedule {
            text: text.to_string(),
            cron,
        };
        // A five-field pattern repeats within 28 years, so one that fires
        // after this instant fires for ever.
        let since = time::macros::datetime!(2000-01-01 0:00 UTC);
        if schedule.next_after(since).is_none() {
            return Err(CronError::NeverFires);
        }
        Ok(schedule)
    }

    /// The first fire time strictly after `after` (to the minute), or
    /// `None` when there is none.
    pub fn next_after(&self, after: OffsetDateTime) -> Option<OffsetDateTime> {
        let start = to_chrono(after)?;
        let next = self.cron.find_next_occurrence(&start, false).ok()?;
        from_chrono(next)
    }
}

fn to_chrono(at: OffsetDateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(at.unix_timestamp(), at.nanosecond())
}

fn from_chrono(at: DateTime<Utc>) -> Option<OffsetDateTime> {
    let nanos =
        i128::from(at.timestamp()) * 1_000_000_000 + i128::from(at.timestamp_subsec_nanos());
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

/// Checks that `text` parses as a cron expression (for config checking).
pub fn check(text: &str) -> Result<(), CronError> {
    CronSchedule::parse(text).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn next_fire_times_are_in_utc_and_strictly_after() {
        let every_six = CronSchedule::parse("0 */6 * * *").expect("parses");
        let at = datetime!(2026-06-01 12:00 UTC);
        assert_eq!(
            every_six.next_after(at),
            Some(datetime!(2026-06-01 18:00 UTC))
        );
        let late = datetime!(2026-06-01 23:59:59.5 UTC);
        assert_eq!(
            every_six.next_after(late),
            Some(datetime!(2026-06-02 0:00 UTC))
        );
        let monday = CronSchedule::parse("30 2 * * 1").expect("parses");
        // 2026-06-01 is a Monday; 02:30 has passed, so the next Monday.
        assert_eq!(monday.next_after(at), Some(datetime!(2026-06-08 2:30 UTC)));
        let hourly = CronSchedule::parse("@hourly").expect("nickname");
        assert_eq!(hourly.next_after(at), Some(datetime!(2026-06-01 13:00 UTC)));
    }

    #[test]
    fn bad_expressions_say_why() {
        assert!(CronSchedule::parse("0 */6 * *")
            .unwrap_err()
            .to_string()
            .contains("4 fields"));
        assert!(CronSchedule::parse("0 0 */6 * * *")
            .unwrap_err()
            .to_string()
            .contains("6 fields"));
        assert!(CronSchedule::parse("61 * * * *").is_err());
        assert!(CronSchedule::parse("0 0 30 2 *")
            .unwrap_err()
            .to_string()
            .contains("never"));
        assert!(check("*/15 * * * *").is_ok());
    }
}
