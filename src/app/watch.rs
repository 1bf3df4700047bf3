//! `certatlas watch`: the scope of a `scan` run again and again on a
//! schedule. Each run is [`run_scan`](super::scan::run_scan), exactly as
//! `scan` runs it (stored, findings tracked, scored, printed), under the
//! scope's lock; a busy scope skips its slot. Runs never overlap: the next
//! slot is planned when a run ends, and slots it overran are skipped.
//!
//! One signal listener serves the whole process: a signal between runs
//! ends the watch at once (exit 0); during a run it stops the scan, which
//! is stored as interrupted, and the watch ends with exit 130. SIGUSR1
//! starts the next run now (never while one is running).
//!
//! A run that fails for any other reason than its configuration (a store
//! error, an unwritable output, …) is logged, counted as `error` in
//! `certatlas_watch_runs_total`, closed in the store when the store can be
//! reached (its scan, if still `running`, becomes `interrupted` with the
//! error in its summary), and the watch goes on to the next slot. A
//! configuration error ends the watch (exit 2): the next run would fail
//! the same way.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::watch as channel;
use tokio::sync::Notify;

use super::metrics_http::MetricsServer;
use super::scan::{self, Records, ScanEnv, ScanRun};
use super::{note, AppError, RunStatus};
use crate::cli::PolicyRequest;
use crate::cli::WatchRequest;
use crate::clock::Clock;
use crate::judge::{InventoryContext, Judge, Persist};
use crate::policy::lifecycle::FindingStatus;
use crate::report::instant_text;
use crate::report::watch::{run_line, RunLine, RunOutcome, WatchSeries};
use crate::schedule::{duration_text, Jitter, NextSlot, Planner};
use crate::store::{Database, Store};

/// The longest single sleep: the wall clock is read again after it, so a
/// suspended machine or a clock step does not leave a run waiting.
const MAX_SLEEP: Duration = Duration::from_secs(60);

/// Runs `certatlas watch`.
pub async fn watch(request: WatchRequest, quiet: bool) -> Result<RunStatus, AppError> {
    scan::validate(&request.scan)?;
    if let Some(dir) = &request.output_dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| super::output_error(&dir.display().to_string(), e))?;
    }
    let env = ScanEnv::new(&request.scan, quiet)?;
    let mut published = Published::new(&request).await;
    let server = match request.metrics_listen {
        Some(addr) => Some(start_metrics(addr, &published, quiet).await?),
        None => None,
    };
    let result = run_loop(&request, &env, &mut published).await;
    if let Some(server) = server {
        server.shutdown().await;
    }
    env.close().await;
    result
}

async fn start_metrics(
    addr: std::net::SocketAddr,
    published: &Published,
    quiet: bool,
) -> Result<MetricsServer, AppError> {
    let server = MetricsServer::start(addr, published.receiver())
        .await
        .map_err(|source| AppError::MetricsListen { addr, source })?;
    let bound = server.local_addr();
    note(quiet, &format!("watch: metrics at http://{bound}/metrics"));
    Ok(server)
}

/// How one run went, for its line and the metrics.
struct RunReport {
    outcome: RunOutcome,
    run: Option<ScanRun>,
    error: Option<AppError>,
}

async fn run_loop(
    request: &WatchRequest,
    env: &ScanEnv,
    published: &mut Published,
) -> Result<RunStatus, AppError> {
    let clock = request.scan.probe.clock;
    let planner = Planner::new(request.schedule.clone(), clock.now());
    let mut jitter = Jitter::new(request.jitter);
    let mut slot = planner.first().ok_or_else(never_fires)?;
    let run_now = run_now_on_sigusr1();
    announce(request, env, slot);
    for number in 1.. {
        published.series.next_run = Some(unix(slot));
        published.publish();
        if !wait_until(clock, slot + jitter.delay(), env, &run_now).await {
            note(env.quiet, "watch: stopping on signal between runs");
            return Ok(RunStatus::Complete);
        }
        let started = clock.now();
        note(env.quiet, &format!("run {number}: scanning"));
        let report = run_once(request, env, number, clock).await;
        let finished = clock.now();
        let last =
            request.runs.is_some_and(|n| number >= n) || report.outcome == RunOutcome::Interrupted;
        let next = if last {
            None
        } else {
            planner.after(slot, finished)
        };
        // Published before the run's line, so a scrape after it sees the run.
        published.record(&report, started, finished, next).await;
        published.publish();
        finish_line(env, number, &report, next);
        if report.outcome == RunOutcome::Interrupted {
            return Ok(RunStatus::Interrupted);
        }
        if let Some(error) = report.error.as_ref().filter(|e| is_configuration(e)) {
            tracing::error!("run {number}: configuration error, stopping the watch: {error}");
            return report.error.map_or(Ok(RunStatus::Complete), Err);
        }
        match (last, next) {
            (false, Some(next)) => slot = next.at,
            _ => return report.error.map_or(Ok(RunStatus::Complete), Err),
        }
    }
    Ok(RunStatus::Complete)
}

/// `watch: every 6h with up to 10m jitter; first run at …`.
fn announce(request: &WatchRequest, env: &ScanEnv, first: OffsetDateTime) {
    let jitter = match request.jitter.is_zero() {
        true => String::new(),
        false => format!(" with up to {} jitter", duration_text(request.jitter)),
    };
    let first = instant_text(first);
    note(
        env.quiet,
        &format!("watch: {}{jitter}; first run at {first}", request.schedule),
    );
}

fn never_fires() -> AppError {
    AppError::ScheduleNeverFires
}

/// Sleeps until `at` on `clock`, or until SIGUSR1 asks for the run now;
/// false when a stop signal came first.
async fn wait_until(clock: Clock, at: OffsetDateTime, env: &ScanEnv, run_now: &Notify) -> bool {
    loop {
        if env.cancel.is_cancelled() {
            return false;
        }
        let left = Duration::try_from(at - clock.now()).unwrap_or(Duration::ZERO);
        if left.is_zero() {
            return true;
        }
        tokio::select! {
            () = env.cancel.cancelled() => return false,
            () = run_now.notified() => {
                note(env.quiet, "watch: SIGUSR1: running the next run now");
                return true;
            }
            () = tokio::time::sleep(left.min(MAX_SLEEP)) => {}
        }
    }
}

/// Woken by each SIGUSR1: the next run starts at once (one received
/// during a run starts the next as soon as that run ends).
fn run_now_on_sigusr1() -> Arc<Notify> {
    use tokio::signal::unix::{signal, SignalKind};
    let notify = Arc::new(Notify::new());
    let wake = notify.clone();
    match signal(SignalKind::user_defined1()) {
        Ok(mut usr1) => {
            tokio::spawn(async move {
                while usr1.recv().await.is_some() {
                    wake.notify_one();
                }
            });
        }
        Err(e) => tracing::warn!("cannot listen for SIGUSR1 (run now): {e}"),
    }
    notify
}

/// One run: the scan as `scan` runs it, its records to a file of its own
/// under `--output DIR` (or nowhere).
async fn run_once(request: &WatchRequest, env: &ScanEnv, number: u64, clock: Clock) -> RunReport {
    let records = match &request.output_dir {
        Some(dir) => Records::File(dir.join(records_name(request, number, clock.now()))),
        None => Records::Discard,
    };
    match scan::run_scan(&request.scan, &records, env).await {
        Ok(run) => RunReport {
            outcome: match run.status {
                RunStatus::Interrupted => RunOutcome::Interrupted,
                _ => RunOutcome::Complete,
            },
            run: Some(run),
            error: None,
        },
        Err(error) => {
            let outcome = match &error {
                AppError::ScopeBusy { .. } => RunOutcome::Busy,
                _ => RunOutcome::Error,
            };
            match outcome {
                RunOutcome::Error => {
                    tracing::error!("run {number} failed: {error}");
                    record_failure(request, &error);
                }
                _ => tracing::warn!("run {number}: {error}"),
            }
            RunReport {
                outcome,
                run: None,
                error: (outcome == RunOutcome::Error).then_some(error),
            }
        }
    }
}

/// True for an error in the watch's configuration (arguments, config,
/// rules, anchors): every later run would fail the same way.
fn is_configuration(error: &AppError) -> bool {
    matches!(error, AppError::Settings(_) | AppError::Anchor { .. })
}

/// Records a failed run in the store when it can: the run's scan, if it
/// is still `running`, is closed as `interrupted` with the error. A store
/// that cannot be reached is only logged (the log and the metrics always
/// have the failure).
fn record_failure(request: &WatchRequest, error: &AppError) {
    let Some(store) = request.scan.store.as_ref() else {
        return;
    };
    let closed = Store::connect(&store.db)
        .and_then(|store| store.fail_own_running_scans(&error.to_string()));
    match closed {
        Ok(0) => {}
        Ok(n) => tracing::info!("the failed run's scan ({n}) is stored as interrupted"),
        Err(e) => tracing::warn!("cannot record the failed run in the store: {e}"),
    }
}

/// `scan-20260601T120000Z-run3.jsonl`: unique per run, sorted by time.
fn records_name(request: &WatchRequest, number: u64, now: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let stamp = now.format(&format).unwrap_or_default();
    let extension = match request.scan.format.name() {
        "table" => "txt",
        other => other,
    };
    format!("scan-{stamp}-run{number}.{extension}")
}

/// Prints the run's line (and a note for slots skipped by an overrun).
fn finish_line(env: &ScanEnv, number: u64, report: &RunReport, next: Option<NextSlot>) {
    if let Some(next) = next.filter(|n| n.skipped > 0) {
        let s = if next.skipped == 1 { "" } else { "s" };
        tracing::warn!(
            "run {number} overran {} scheduled slot{s}; skipped (no catch-up)",
            next.skipped
        );
    }
    let stored = report.run.as_ref().and_then(|r| r.stored.as_ref());
    let line = RunLine {
        run: number,
        outcome: report.outcome,
        scan: stored.map(|s| s.scan.0),
        new_findings: stored
            .filter(|s| s.outcome.is_some())
            .map(|s| s.counts.with_status(FindingStatus::New) as usize),
        level: stored
            .and_then(|s| s.score.as_ref())
            .and_then(|c| c.overall_level),
        detail: match report.outcome {
            RunOutcome::Busy | RunOutcome::Error => report_detail(report),
            _ => None,
        },
        next: next.map(|n| n.at),
    };
    note(env.quiet, &run_line(&line));
}

fn report_detail(report: &RunReport) -> Option<String> {
    report
        .error
        .as_ref()
        .map(|e| e.to_string())
        .or_else(|| Some("another process holds the scope's lock".into()))
}

fn unix(at: OffsetDateTime) -> f64 {
    at.unix_timestamp_nanos() as f64 / 1e9
}

/// What the metrics endpoint serves: the scan part (re-rendered after each
/// complete run) and the watch's own series.
struct Published {
    sender: channel::Sender<Arc<str>>,
    scan_text: String,
    series: WatchSeries,
    source: Option<(Database, Option<crate::config::Config>)>,
    policy: Arc<PolicyRequest>,
    max_series: usize,
    clock: Clock,
}

impl Published {
    async fn new(request: &WatchRequest) -> Published {
        let store = request.scan.store.as_ref();
        let mut published = Published {
            sender: channel::channel(Arc::from("")).0,
            scan_text: String::new(),
            series: WatchSeries::default(),
            source: store.map(|s| (s.db.clone(), s.config.clone())),
            policy: request.scan.policy.clone(),
            max_series: request.max_series,
            clock: request.scan.probe.clock,
        };
        published.render().await;
        published
    }

    fn receiver(&self) -> channel::Receiver<Arc<str>> {
        self.sender.subscribe()
    }

    /// Notes a run in the series; re-renders the scan part after a
    /// complete run.
    async fn record(
        &mut self,
        report: &RunReport,
        started: OffsetDateTime,
        finished: OffsetDateTime,
        next: Option<NextSlot>,
    ) {
        *self.series.runs.entry(report.outcome).or_default() += 1;
        self.series.slots_skipped += next.map_or(0, |n| n.skipped);
        self.series.last_run_start = Some(unix(started));
        self.series.last_run_duration = Some((finished - started).as_seconds_f64());
        self.series.next_run = next.map(|n| unix(n.at));
        if report.outcome == RunOutcome::Complete {
            self.series.last_success = Some(unix(finished));
            self.render().await;
        }
    }

    /// Renders the latest complete judged scan as `certatlas metrics`
    /// would (after a shard run that completed no cycle, that is still the
    /// last cycle, never the shard scan); on failure the previous text
    /// stays.
    async fn render(&mut self) {
        let Some((db, config)) = self.source.clone() else {
            return;
        };
        let (policy, max_series, clock) = (self.policy.clone(), self.max_series, self.clock);
        let rendered = super::scan::off_runtime(move || {
            render_scan(&db, config.as_ref(), &policy, max_series, clock)
        })
        .await;
        match rendered {
            Ok(Some(text)) => self.scan_text = text,
            Ok(None) => {}
            Err(e) => tracing::warn!("metrics: cannot render the scan: {e}"),
        }
    }

    fn publish(&self) {
        let mut text = self.scan_text.clone();
        crate::report::watch::write_watch_series(&mut text, &self.series);
        self.sender.send_replace(Arc::from(text));
    }
}

/// The latest complete judged scan of the inventory at `db`, judged in
/// memory, as Prometheus text; `None` when there is no complete scan yet.
fn render_scan(
    db: &Database,
    config: Option<&crate::config::Config>,
    policy: &PolicyRequest,
    max_series: usize,
    clock: Clock,
) -> Result<Option<String>, AppError> {
    let store = Store::connect(db)?;
    let Some(latest) = store.latest_scan(true)? else {
        return Ok(None);
    };
    let context = InventoryContext::new(config, Vec::new())?;
    let judge = Judge {
        store: &store,
        context: &context,
        policy,
        clock,
        persist: Persist::InMemory,
    };
    let text = super::metrics::exposition_text(&judge, latest, config, max_series)?;
    Ok(Some(text))
}
