//! Slot arithmetic on a fixed clock: intervals, cron, overruns, jitter.

use std::time::Duration;

use time::macros::datetime;

use super::*;

const START: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

fn every(text: &str) -> Planner {
    Planner::new(Schedule::every(text).expect("interval"), START)
}

#[test]
fn an_interval_runs_at_once_then_on_its_grid() {
    let plan = every("6h");
    assert_eq!(plan.first(), Some(START));
    let finished = START + time::Duration::minutes(5);
    let next = plan.after(START, finished).expect("next");
    assert_eq!(
        next,
        NextSlot {
            at: datetime!(2026-06-01 18:00 UTC),
            skipped: 0
        }
    );
}

#[test]
fn an_overrun_skips_the_slots_it_covered_without_catching_up() {
    let plan = every("1h");
    // The run for 12:00 finished at 14:30: 13:00 and 14:00 are skipped.
    let next = plan
        .after(START, datetime!(2026-06-01 14:30 UTC))
        .expect("next");
    assert_eq!(
        next,
        NextSlot {
            at: datetime!(2026-06-01 15:00 UTC),
            skipped: 2
        }
    );
    // Finishing exactly on a slot runs that slot.
    let next = plan
        .after(START, datetime!(2026-06-01 14:00 UTC))
        .expect("next");
    assert_eq!(
        next,
        NextSlot {
            at: datetime!(2026-06-01 14:00 UTC),
            skipped: 1
        }
    );
    // A run started late (jitter) that ends before the next slot skips none.
    let next = plan.after(
        datetime!(2026-06-01 13:00 UTC),
        datetime!(2026-06-01 13:50 UTC),
    );
    assert_eq!(next.expect("next").skipped, 0);
}

#[test]
fn cron_slots_follow_fire_times_and_skip_on_overrun() {
    let plan = Planner::new(Schedule::cron("0 */6 * * *").expect("cron"), START);
    assert_eq!(plan.first(), Some(datetime!(2026-06-01 18:00 UTC)));
    let slot = datetime!(2026-06-01 18:00 UTC);
    let next = plan
        .after(slot, datetime!(2026-06-01 18:20 UTC))
        .expect("next");
    assert_eq!(
        next,
        NextSlot {
            at: datetime!(2026-06-02 0:00 UTC),
            skipped: 0
        }
    );
    let next = plan
        .after(slot, datetime!(2026-06-02 7:00 UTC))
        .expect("next");
    assert_eq!(
        next,
        NextSlot {
            at: datetime!(2026-06-02 12:00 UTC),
            skipped: 2
        }
    );
}

#[test]
fn intervals_and_jitter_are_checked() {
    assert!(matches!(
        Schedule::every("500ms"),
        Err(ScheduleError::TooShort(_))
    ));
    assert!(matches!(
        Schedule::every("soon"),
        Err(ScheduleError::Duration(_))
    ));
    assert!(matches!(
        Schedule::cron("*/5 * *"),
        Err(ScheduleError::Cron { .. })
    ));
    let hourly = Schedule::every("1h").expect("interval");
    assert!(hourly.check_jitter(Duration::from_secs(600)).is_ok());
    assert!(hourly.check_jitter(Duration::from_secs(3600)).is_err());
    assert_eq!(hourly.to_string(), "every 1h");
    assert_eq!(duration_text(Duration::from_secs(90)), "90s");
    assert_eq!(duration_text(Duration::from_millis(1500)), "1500ms");
}

#[test]
fn jitter_stays_within_its_bounds_and_varies() {
    let max = Duration::from_secs(10);
    let mut jitter = Jitter::seeded(max, 7);
    let delays: Vec<Duration> = (0..1000).map(|_| jitter.delay()).collect();
    assert!(delays.iter().all(|d| *d <= max));
    assert!(delays.iter().any(|d| *d < max / 4), "low quarter reached");
    assert!(
        delays.iter().any(|d| *d > max * 3 / 4),
        "high quarter reached"
    );
    let mut none = Jitter::seeded(Duration::ZERO, 7);
    assert_eq!(none.delay(), Duration::ZERO);
}
