//! Presentation of `certatlas watch`: the one line printed per run, and the
//! watch's own Prometheus families (served after the scan's, which
//! [`super::prometheus`] writes).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use strum::{EnumString, IntoStaticStr, VariantArray};
use time::OffsetDateTime;

use super::prometheus::sample;

/// How a run (or its slot) ended. Its label value is derived
/// ([`RunOutcome::name`]); every outcome, in label order, is
/// [`VariantArray::VARIANTS`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, VariantArray, IntoStaticStr, EnumString,
)]
#[strum(serialize_all = "snake_case")]
pub enum RunOutcome {
    /// The scan completed and was stored.
    Complete,
    /// A signal stopped the scan; what was collected was stored.
    Interrupted,
    /// Another process held the scope's lock: the slot was skipped.
    Busy,
    /// An operational error ended the run.
    Error,
}

impl RunOutcome {
    /// The label value.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// What one run line says.
#[derive(Debug, Clone, PartialEq)]
pub struct RunLine {
    /// The run's number, from 1.
    pub run: u64,
    /// How it ended.
    pub outcome: RunOutcome,
    /// The stored scan's id (none with `--no-db`, or when none was stored).
    pub scan: Option<i64>,
    /// Findings seen for the first time.
    pub new_findings: Option<usize>,
    /// The overall maturity level.
    pub level: Option<u8>,
    /// Why the run was skipped or failed.
    pub detail: Option<String>,
    /// When the next run is due; none when the watch stops.
    pub next: Option<OffsetDateTime>,
}

/// `run 3: scan 17 complete, 2 new findings, level 3, next run at …`.
pub fn run_line(line: &RunLine) -> String {
    let mut text = format!("run {}: ", line.run);
    if let Some(scan) = line.scan {
        let _ = write!(text, "scan {scan} ");
    }
    text.push_str(match line.outcome {
        RunOutcome::Complete => "complete",
        RunOutcome::Interrupted => "interrupted (stored as interrupted)",
        RunOutcome::Busy => "skipped, scope busy",
        RunOutcome::Error => "failed",
    });
    if let Some(count) = line.new_findings {
        let plural = if count == 1 { "" } else { "s" };
        let _ = write!(text, ", {count} new finding{plural}");
    }
    if line.outcome == RunOutcome::Complete && line.scan.is_some() {
        let level = line.level.map_or_else(|| "-".into(), |l| l.to_string());
        let _ = write!(text, ", level {level}");
    }
    if let Some(detail) = &line.detail {
        let _ = write!(text, ": {detail}");
    }
    match line.next {
        Some(next) => {
            let _ = write!(text, ", next run at {}", super::instant_text(next));
        }
        None => text.push_str(", stopping"),
    }
    text
}

/// The watch's own series.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WatchSeries {
    /// Runs by outcome.
    pub runs: BTreeMap<RunOutcome, u64>,
    /// Slots skipped because a run overran them.
    pub slots_skipped: u64,
    /// The last run's start, Unix seconds.
    pub last_run_start: Option<f64>,
    /// The last run's duration in seconds.
    pub last_run_duration: Option<f64>,
    /// When the last complete run finished, Unix seconds.
    pub last_success: Option<f64>,
    /// When the next run is due, Unix seconds.
    pub next_run: Option<f64>,
}

/// Appends the watch families to `text`.
pub fn write_watch_series(text: &mut String, s: &WatchSeries) {
    let name = "certatlas_watch_runs_total";
    header(text, name, "Runs of this watch by outcome.", "counter");
    for &outcome in RunOutcome::VARIANTS {
        let count = s.runs.get(&outcome).copied().unwrap_or(0);
        sample(text, name, &[("outcome", outcome.name())], count);
    }
    let name = "certatlas_watch_slots_skipped_total";
    let help = "Scheduled slots skipped because a run overran them.";
    header(text, name, help, "counter");
    sample(text, name, &[], s.slots_skipped);
    write_watch_gauges(text, s);
}

/// The watch's gauges, each only when known.
fn write_watch_gauges(text: &mut String, s: &WatchSeries) {
    let gauges = [
        (
            "certatlas_watch_last_run_start_timestamp_seconds",
            "When the last run started (Unix time).",
            s.last_run_start,
        ),
        (
            "certatlas_watch_last_run_duration_seconds",
            "How long the last run took.",
            s.last_run_duration,
        ),
        (
            "certatlas_watch_last_success_timestamp_seconds",
            "When the last complete run finished (Unix time).",
            s.last_success,
        ),
        (
            "certatlas_watch_next_run_timestamp_seconds",
            "When the next run is due, before jitter (Unix time).",
            s.next_run,
        ),
    ];
    for (name, help, value) in gauges {
        if let Some(value) = value {
            header(text, name, help, "gauge");
            sample(text, name, &[], value);
        }
    }
}

fn header(text: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(text, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_labels_round_trip_and_stay_as_exported() {
        let names: Vec<&str> = RunOutcome::VARIANTS.iter().map(|o| o.name()).collect();
        assert_eq!(names, ["complete", "interrupted", "busy", "error"]);
        for &outcome in RunOutcome::VARIANTS {
            assert_eq!(outcome.name().parse::<RunOutcome>(), Ok(outcome));
        }
    }
    use time::macros::datetime;

    #[test]
    fn run_lines_say_what_happened_and_what_is_next() {
        let mut line = RunLine {
            run: 3,
            outcome: RunOutcome::Complete,
            scan: Some(17),
            new_findings: Some(2),
            level: Some(3),
            detail: None,
            next: Some(datetime!(2026-06-01 18:00:00.25 UTC)),
        };
        assert_eq!(
            run_line(&line),
            "run 3: scan 17 complete, 2 new findings, level 3, next run at 2026-06-01T18:00:00Z"
        );
        line.outcome = RunOutcome::Busy;
        line.scan = None;
        line.new_findings = None;
        line.detail = Some("lock held".into());
        line.next = None;
        assert_eq!(
            run_line(&line),
            "run 3: skipped, scope busy: lock held, stopping"
        );
    }

    #[test]
    fn watch_series_list_every_outcome_and_only_known_times() {
        let mut series = WatchSeries::default();
        series.runs.insert(RunOutcome::Complete, 2);
        series.next_run = Some(1_780_000_000.0);
        let mut text = String::new();
        write_watch_series(&mut text, &series);
        assert!(text.contains("certatlas_watch_runs_total{outcome=\"complete\"} 2\n"));
        assert!(text.contains("certatlas_watch_runs_total{outcome=\"busy\"} 0\n"));
        assert!(text.contains("# TYPE certatlas_watch_runs_total counter\n"));
        assert!(text.contains("certatlas_watch_next_run_timestamp_seconds 1780000000\n"));
        assert!(!text.contains("last_success"));
    }
}
