//! `certatlas watch`: its arguments (those of `scan` plus the schedule,
//! jitter, run count and metrics listener) and their validation into a
//! [`WatchRequest`]. The command line wins over the config's `[watch]`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::settings::{self, ScanRequest, SettingsError};
use super::ScanArgs;
use crate::clock::Clock;
use crate::config::{self, Config};
use crate::report::OutputFormat;
use crate::schedule::{Schedule, ScheduleError};

/// Arguments of `certatlas watch`.
#[derive(Debug, Args)]
#[command(after_help = WATCH_EXAMPLES)]
pub struct WatchArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub scan: ScanArgs,
    /// Run every DURATION (90s, 30m, 6h, 1d; at least 1s), the first run at once.
    #[arg(long, value_name = "DURATION", value_parser = parse_every, conflicts_with = "cron")]
    pub every: Option<Schedule>,
    /// Run at the fire times of a 5-field cron expression, in UTC
    /// (e.g. '0 */6 * * *').
    #[arg(long, value_name = "EXPR", value_parser = parse_cron)]
    pub cron: Option<Schedule>,
    /// Delay each run's start by a random amount between 0 and DURATION.
    #[arg(long, value_name = "DURATION", value_parser = settings::parse_duration)]
    pub jitter: Option<Duration>,
    /// Stop after N runs (default: run until SIGTERM or Ctrl-C).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub runs: Option<u64>,
    /// Serve Prometheus metrics over HTTP at ADDR (e.g. 127.0.0.1:9723), path /metrics.
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,
    /// At most this many per-certificate series in the metrics (the
    /// soonest-expiring are kept).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_series: usize,
}

/// A validated `watch` invocation.
#[derive(Debug)]
pub struct WatchRequest {
    /// What each run scans, and how (as `scan` would).
    pub scan: ScanRequest,
    /// When runs are due.
    pub schedule: Schedule,
    /// Up to this much random delay before each run.
    pub jitter: Duration,
    /// Stop after this many runs.
    pub runs: Option<u64>,
    /// Where to serve metrics.
    pub metrics_listen: Option<SocketAddr>,
    /// The bound on per-certificate metric series.
    pub max_series: usize,
    /// A directory for each run's observation records (`--output`).
    pub output_dir: Option<PathBuf>,
}

/// Validates `watch` arguments, stamping with `clock`.
pub fn watch_request(mut args: WatchArgs, clock: Clock) -> Result<WatchRequest, SettingsError> {
    if args.scan.policy.fail_on.is_some() {
        return Err(watch_error(
            "--fail-on",
            "gates one scan's exit code; watch keeps running (use the metrics or alerts)",
        ));
    }
    let output_dir = output_dir(&mut args.scan)?;
    let config = args
        .scan
        .store
        .config
        .as_deref()
        .map(config::load)
        .transpose()?;
    let (schedule, jitter) = schedule_of(&args, config.as_ref())?;
    Ok(WatchRequest {
        scan: settings::scan_request(args.scan, clock)?,
        schedule,
        jitter,
        runs: args.runs,
        metrics_listen: args.metrics_listen,
        max_series: args.max_series,
        output_dir,
    })
}

/// Under watch `--output` names a directory (one file per run); records
/// are written only there, so a non-table `--format` needs it.
fn output_dir(scan: &mut ScanArgs) -> Result<Option<PathBuf>, SettingsError> {
    let dir = scan.output.take();
    match &dir {
        Some(dir) if dir.exists() && !dir.is_dir() => Err(watch_error(
            "--output",
            &format!(
                "{} is not a directory (watch writes one file per run there)",
                dir.display()
            ),
        )),
        None if scan.format != OutputFormat::Table => Err(watch_error(
            "--format",
            "watch writes observation records only to files: add --output DIR",
        )),
        _ => Ok(dir),
    }
}

/// The command line's schedule and jitter, else the config's.
fn schedule_of(
    args: &WatchArgs,
    config: Option<&Config>,
) -> Result<(Schedule, Duration), SettingsError> {
    let watch = config.map(|c| c.watch.clone()).unwrap_or_default();
    let schedule = args
        .every
        .clone()
        .or_else(|| args.cron.clone())
        .or(watch.schedule);
    let Some(schedule) = schedule else {
        return Err(SettingsError::NoSchedule);
    };
    let (jitter, flag) = match (args.jitter, watch.jitter) {
        (Some(jitter), _) => (jitter, "--jitter".to_string()),
        (None, Some(jitter)) => (
            jitter,
            format!(
                "[watch] jitter in {}",
                config.map_or_else(String::new, |c| c.path().display().to_string())
            ),
        ),
        (None, None) => return Ok((schedule, Duration::ZERO)),
    };
    schedule
        .check_jitter(jitter)
        .map_err(|e| watch_error(&flag, &e.to_string()))?;
    Ok((schedule, jitter))
}

fn watch_error(flag: &str, problem: &str) -> SettingsError {
    SettingsError::Watch {
        flag: flag.to_string(),
        problem: problem.to_string(),
    }
}

/// `--every`: an interval of at least 1s.
fn parse_every(text: &str) -> Result<Schedule, ScheduleError> {
    Schedule::every(text)
}

/// `--cron`: a five-field cron expression in UTC.
fn parse_cron(text: &str) -> Result<Schedule, ScheduleError> {
    Schedule::cron(text)
}

const WATCH_EXAMPLES: &str = "Examples:
  certatlas watch 192.0.2.0/24 -p 443 --every 6h --jitter 10m
  certatlas watch --config certatlas.toml --metrics-listen 127.0.0.1:9723   # [scope] and [watch] from the config
  certatlas watch 10.0.0.0/16 --cron '17 */6 * * *' --output /var/lib/certatlas/runs --format jsonl

A run that fails operationally (e.g. the inventory busy beyond the retries) is logged, counted
as outcome=\"error\" in certatlas_watch_runs_total and, when the inventory can be reached, its scan
is stored as interrupted; the watch goes on to the next slot. A configuration error ends it.

Exit codes: 0 stopped by --runs or a signal between runs, 2 bad input, a configuration error in a
run, or a last run that failed operationally (with --runs), 130 a signal interrupted a run (stored
as interrupted).";
