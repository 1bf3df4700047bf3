//! When `certatlas watch` runs: a fixed interval or a cron expression,
//! the slot arithmetic (the next slot after a run, slots skipped when a run
//! overran them, never a catch-up burst), and the random jitter added to
//! each start. Pure: every function takes the times it reasons about, so
//! tests use a fixed clock. The only user of `fastrand`.

mod cron;
mod duration;
#[cfg(test)]
mod tests;

pub use cron::{check as check_cron, CronError, CronSchedule};
pub use duration::{parse_config_duration, parse_duration, DurationError};

use std::fmt;
use std::time::Duration;

use time::OffsetDateTime;

/// The shortest interval `watch` accepts.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);

/// How often a scope is scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// Every so long, counted from the watch's start (the first run at once).
    Every(Duration),
    /// At the fire times of a cron expression (UTC).
    Cron(Box<CronSchedule>),
}

/// Why a schedule or jitter cannot be used. Messages do not name the flag
/// or file: the caller does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    /// Not a duration.
    #[error(transparent)]
    Duration(#[from] DurationError),
    /// An interval under [`MIN_INTERVAL`].
    #[error("'{0}' is shorter than the minimum interval of 1s")]
    TooShort(String),
    /// Not a usable cron expression.
    #[error("'{text}' is not a usable cron expression: {reason}")]
    Cron {
        /// The expression.
        text: String,
        /// What is wrong.
        reason: cron::CronError,
    },
    /// Jitter as long as the interval would let runs drift into later slots.
    #[error("jitter {jitter:?} must be shorter than the interval {every:?}")]
    JitterTooLong {
        /// The jitter.
        jitter: Duration,
        /// The interval.
        every: Duration,
    },
}

impl Schedule {
    /// An interval from text such as `90s`, `30m`, `6h`, `1d` (at least 1s;
    /// the unit is required, as on the command line).
    pub fn every(text: &str) -> Result<Schedule, ScheduleError> {
        Schedule::every_parsed(text, parse_duration(text)?)
    }

    /// As [`Schedule::every`], a bare number being seconds (the config
    /// file's form).
    pub fn every_in_config(text: &str) -> Result<Schedule, ScheduleError> {
        Schedule::every_parsed(text, parse_config_duration(text)?)
    }

    fn every_parsed(text: &str, every: Duration) -> Result<Schedule, ScheduleError> {
        if every < MIN_INTERVAL {
            return Err(ScheduleError::TooShort(text.trim().to_string()));
        }
        Ok(Schedule::Every(every))
    }

    /// A five-field cron expression in UTC.
    pub fn cron(text: &str) -> Result<Schedule, ScheduleError> {
        CronSchedule::parse(text)
            .map(|cron| Schedule::Cron(Box::new(cron)))
            .map_err(|reason| ScheduleError::Cron {
                text: text.trim().to_string(),
                reason,
            })
    }

    /// Checks that `jitter` suits this schedule (shorter than an interval).
    pub fn check_jitter(&self, jitter: Duration) -> Result<(), ScheduleError> {
        match self {
            Schedule::Every(every) if jitter >= *every => Err(ScheduleError::JitterTooLong {
                jitter,
                every: *every,
            }),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Every(every) => write!(f, "every {}", duration_text(*every)),
            Schedule::Cron(cron) => write!(f, "cron '{cron}' (UTC)"),
        }
    }
}

/// `90s`, `30m`, `6h`, `1d`, or `1500ms`: the largest unit that divides.
pub fn duration_text(d: Duration) -> String {
    let millis = d.as_millis();
    let units = [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1000, "s"),
    ];
    for (size, unit) in units {
        if millis >= size && millis % size == 0 {
            return format!("{}{unit}", millis / size);
        }
    }
    format!("{millis}ms")
}

/// The next slot to run, and how many slots were passed over to reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextSlot {
    /// When the next run is due (before jitter).
    pub at: OffsetDateTime,
    /// Slots that fell while the last run was still going: skipped.
    pub skipped: u64,
}

/// Places runs on a schedule from a fixed starting instant.
#[derive(Debug, Clone)]
pub struct Planner {
    schedule: Schedule,
    anchor: OffsetDateTime,
}

/// At most this many skipped cron slots are counted one by one.
const MAX_COUNTED: u64 = 100_000;

impl Planner {
    /// Plans `schedule` for a watch that started at `started`.
    pub fn new(schedule: Schedule, started: OffsetDateTime) -> Planner {
        Planner {
            schedule,
            anchor: started,
        }
    }

    /// The schedule.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// The first slot: the start itself for an interval (the first run
    /// starts at once), the first fire time after it for cron.
    pub fn first(&self) -> Option<OffsetDateTime> {
        match &self.schedule {
            Schedule::Every(_) => Some(self.anchor),
            Schedule::Cron(cron) => cron.next_after(self.anchor),
        }
    }

    /// The slot after a run for `slot` that finished at `finished`: the
    /// first later slot not before `finished`. Later slots that fell
    /// before `finished` are skipped (counted), never run late.
    pub fn after(&self, slot: OffsetDateTime, finished: OffsetDateTime) -> Option<NextSlot> {
        match &self.schedule {
            Schedule::Every(every) => Some(self.after_interval(*every, slot, finished)),
            Schedule::Cron(cron) => after_cron(cron, slot, finished),
        }
    }

    fn after_interval(
        &self,
        every: Duration,
        slot: OffsetDateTime,
        finished: OffsetDateTime,
    ) -> NextSlot {
        let step = i128::try_from(every.as_nanos()).unwrap_or(i128::MAX).max(1);
        let index = |at: OffsetDateTime| (at - self.anchor).whole_nanoseconds();
        let following = index(slot).div_euclid(step) + 1;
        let reached = index(finished);
        let due =
            following.max(reached.div_euclid(step) + i128::from(reached.rem_euclid(step) != 0));
        let at = self.anchor + time::Duration::nanoseconds_i128(due * step);
        let skipped = u64::try_from(due - following).unwrap_or(u64::MAX);
        NextSlot { at, skipped }
    }
}

fn after_cron(
    cron: &CronSchedule,
    slot: OffsetDateTime,
    finished: OffsetDateTime,
) -> Option<NextSlot> {
    let mut at = cron.next_after(slot)?;
    let mut skipped = 0;
    while at < finished {
        skipped += 1;
        if skipped >= MAX_COUNTED {
            let at = cron.next_after(finished - time::Duration::nanoseconds(1))?;
            return Some(NextSlot { at, skipped });
        }
        at = cron.next_after(at)?;
    }
    Some(NextSlot { at, skipped })
}

/// A uniform random delay in `[0, max]` added to each run's start.
#[derive(Debug)]
pub struct Jitter {
    max: Duration,
    rng: fastrand::Rng,
}

impl Jitter {
    /// Up to `max` (zero: no jitter), from a randomly seeded generator.
    pub fn new(max: Duration) -> Jitter {
        Jitter {
            max,
            rng: fastrand::Rng::new(),
        }
    }

    /// Like [`Jitter::new`] with a fixed seed (reproducible, for tests).
    pub fn seeded(max: Duration, seed: u64) -> Jitter {
        Jitter {
            max,
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// The next delay.
    pub fn delay(&mut self) -> Duration {
        let max = u64::try_from(self.max.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(self.rng.u64(0..=max))
    }
}
