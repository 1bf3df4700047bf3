//! `[watch]`: the schedule `certatlas watch` follows when the command line
//! gives none (`every = "6h"` or `cron = "0 */6 * * *"`, UTC) and its
//! jitter. Checked when the file is loaded, errors at the value's position.

use std::time::Duration;

use crate::document::Spanned;
use serde::Deserialize;

use super::error::ConfigError;
use super::source::Source;
use crate::located::Position;
use crate::schedule::{Schedule, ScheduleError};

/// `[watch]`, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchConfig {
    /// The schedule (`every` or `cron`), when one is set.
    pub schedule: Option<Schedule>,
    /// Where the schedule is written (for messages).
    pub schedule_at: Option<Position>,
    /// Up to this much random delay before each run.
    pub jitter: Option<Duration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWatch {
    /// An interval such as `"6h"` (at least 1s); `--every` wins over it.
    every: Option<Spanned<String>>,
    /// A 5-field cron expression in UTC, e.g. `"17 */6 * * *"`; not together with `every`.
    cron: Option<Spanned<String>>,
    /// Up to this much random delay before each run (shorter than `every`).
    jitter: Option<Spanned<String>>,
}

/// Checks `[watch]`: one schedule at most, parseable values, and jitter
/// shorter than an interval.
pub(super) fn check_watch(raw: RawWatch, src: &Source<'_>) -> Result<WatchConfig, ConfigError> {
    let at = |value: &Spanned<String>, e: ScheduleError, key: &str| {
        src.error(&value.span(), format!("watch.{key}: {e}"))
    };
    let (schedule, spanned) = match (&raw.every, &raw.cron) {
        (Some(_), Some(cron)) => {
            return Err(src.error(&cron.span(), "watch: set either every or cron, not both"))
        }
        (Some(every), None) => (
            Some(Schedule::every_in_config(every.get_ref()).map_err(|e| at(every, e, "every"))?),
            Some(every),
        ),
        (None, Some(cron)) => (
            Some(Schedule::cron(cron.get_ref()).map_err(|e| at(cron, e, "cron"))?),
            Some(cron),
        ),
        (None, None) => (None, None),
    };
    let jitter = match &raw.jitter {
        Some(text) => {
            let jitter = crate::schedule::parse_config_duration(text.get_ref())
                .map_err(|e| at(text, ScheduleError::Duration(e), "jitter"))?;
            if let Some(schedule) = &schedule {
                schedule
                    .check_jitter(jitter)
                    .map_err(|e| at(text, e, "jitter"))?;
            }
            Some(jitter)
        }
        None => None,
    };
    Ok(WatchConfig {
        schedule,
        schedule_at: spanned.map(|s| Position::of_span(src.text, &s.span())),
        jitter,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn load(text: &str) -> Result<crate::config::Config, ConfigError> {
        crate::config::parse(text, Path::new("/etc/certatlas/certatlas.toml"))
    }

    #[test]
    fn a_schedule_and_jitter_load() {
        let config = load("[watch]\nevery = \"6h\"\njitter = \"10m\"\n").expect("valid");
        assert_eq!(config.watch.schedule, Schedule::every("6h").ok());
        assert_eq!(config.watch.jitter, Some(Duration::from_secs(600)));
        assert_eq!(
            config.watch.schedule_at,
            Some(Position { line: 2, column: 9 })
        );
        let config = load("[watch]\ncron = \"0 */6 * * *\"\n").expect("valid");
        assert!(matches!(config.watch.schedule, Some(Schedule::Cron(_))));
        assert_eq!(load("").expect("valid").watch, WatchConfig::default());
    }

    #[test]
    fn bad_values_name_file_line_and_key() {
        let cases = [
            (
                "[watch]\nevery = \"soon\"\n",
                "certatlas.toml:2:9: watch.every",
            ),
            (
                "[watch]\n\ncron = \"0 */6 * *\"\n",
                "certatlas.toml:3:8: watch.cron",
            ),
            (
                "[watch]\nevery = \"1h\"\ncron = \"@daily\"\n",
                ":3:8: watch: set either",
            ),
            (
                "[watch]\nevery = \"1h\"\njitter = \"2h\"\n",
                ":3:10: watch.jitter",
            ),
            ("[watch]\nevry = \"1h\"\n", ":2:1: unknown field `evry`"),
        ];
        for (text, expected) in cases {
            let message = load(text).expect_err(text).to_string();
            assert!(message.contains(expected), "{message:?} lacks {expected:?}");
        }
    }
}
