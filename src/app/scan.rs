//! `certatlas scan`, and `run_scan`: the one function that runs a scan
//! end to end (validate, lock the scope, open the records output, probe,
//! store, findings, score, print) for `scan` and every run of `watch`. The
//! collection loop here is shared with the demo.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::alerting::Alerting;
use super::recording::{Recording, StoredScan};
use super::{anchor_error, cancel_on_signal, note, output_error, AppError, RunStatus};
use crate::certs;
use crate::cli::ScanRequest;
use crate::judge::InventoryContext;
use crate::observation::Observation;
use crate::probe::{Prober, TrustStore};
use crate::report::progress::Progress;
use crate::report::{ObservationRecord, OutputFormat};
use crate::scan::header::ScanHeader;
use crate::scan::summary::{ScanSummary, Tally};
use crate::scan::{self as engine, ScanLimits, Work};
use crate::store::{ScopeLock, Store};

/// What the process around its scans provides: one signal listener and
/// one alert dispatcher for the whole process, kept across `watch` runs.
pub(super) struct ScanEnv {
    /// Cancelled by the first SIGTERM or Ctrl-C.
    pub cancel: CancellationToken,
    /// No progress notes or summaries on stderr.
    pub quiet: bool,
    /// Webhook alerts, when the config has webhooks and there is a store.
    alerting: Option<Alerting>,
    /// How long deliveries may go on at exit (`--alert-grace`).
    alert_grace: Duration,
}

impl ScanEnv {
    /// Installs the signal listener and starts the alert dispatcher (once
    /// per process); a webhook whose secret is missing stops here.
    pub fn new(request: &ScanRequest, quiet: bool) -> Result<ScanEnv, AppError> {
        let alerting = Alerting::start(request.store.as_ref(), request.probe.clock)?;
        Ok(ScanEnv {
            cancel: cancel_on_signal(),
            quiet,
            alerting,
            alert_grace: request.alert_grace,
        })
    }

    /// Called once when the process is done with scans: deliveries get
    /// `--alert-grace` (none after a stop signal), then the dispatcher
    /// stops and what is left is said.
    pub async fn close(self) {
        if let Some(alerting) = self.alerting {
            let grace = match self.cancel.is_cancelled() {
                true => Duration::ZERO,
                false => self.alert_grace,
            };
            let report = alerting.finish(grace).await;
            super::alerting::report_delivery(&report, self.quiet);
        }
    }
}

/// The single place a stored scan is handed on, right after it is stored,
/// its findings tracked, scored and printed: a complete scan's alert
/// events are enqueued and the dispatcher woken (never waited for).
fn after_stored(env: &ScanEnv, stored: &StoredScan) -> Result<(), AppError> {
    match &env.alerting {
        Some(alerting) => alerting.scan_stored(stored),
        None => Ok(()),
    }
}

/// Where a scan's observation records go.
#[derive(Debug, Clone)]
pub(super) enum Records {
    /// Standard output.
    Stdout,
    /// A file, created (or truncated).
    File(PathBuf),
    /// Nowhere: the inventory keeps them.
    Discard,
}

impl Records {
    fn open(&self) -> Result<(Box<dyn Write + Send>, String), AppError> {
        match self {
            Records::Stdout => Ok((Box::new(io::stdout()), "stdout".into())),
            Records::Discard => Ok((Box::new(io::sink()), "nowhere".into())),
            Records::File(path) => {
                let target = path.display().to_string();
                let file = std::fs::File::create(path).map_err(|e| output_error(&target, e))?;
                Ok((Box::new(file), target))
            }
        }
    }
}

/// How one scan ended.
pub(super) struct ScanRun {
    /// The stored scan (none with `--no-db`).
    pub stored: Option<StoredScan>,
    /// Complete, interrupted, or failed by `--fail-on`.
    pub status: RunStatus,
}

/// Runs `certatlas scan`.
pub async fn scan(request: ScanRequest, quiet: bool) -> Result<RunStatus, AppError> {
    let env = ScanEnv::new(&request, quiet)?;
    let records = request
        .output
        .clone()
        .map_or(Records::Stdout, Records::File);
    let run = run_scan(&request, &records, &env).await;
    env.close().await;
    Ok(run?.status)
}

/// Runs one scan end to end. Everything that can fail is checked before
/// the records output is opened or the scan recorded; with a store, the
/// scope's lock is held until the scan is stored and scored
/// ([`AppError::ScopeBusy`] when another process holds it).
pub(super) async fn run_scan(
    request: &ScanRequest,
    records: &Records,
    env: &ScanEnv,
) -> Result<ScanRun, AppError> {
    let trust = trust_store(request)?;
    let store = open_inventory(request)?;
    let _lock = match &store {
        Some((store, _)) => Some(lock_scope(store, request)?),
        None => None,
    };
    warn_lowered(request);
    let options_change = match &store {
        Some((store, _)) => store.options_change(&request.targets_text, &request.probe_options)?,
        None => None,
    };
    let clock = request.probe.clock;
    let (out, target) = records.open()?;
    let mut writer = request.format.writer_with(out, request.table);
    let started_at = clock.now();
    let recording = match store {
        Some((store, context)) => {
            let recording = Recording::begin(store, context, request, started_at)?;
            // only webhooks read the judged scan's leaf models
            Some(match env.alerting {
                Some(_) => recording,
                None => recording.fold_leaves(),
            })
        }
        None => None,
    };
    writer
        .begin(&header_of(request, started_at))
        .map_err(|source| output_error(&target, source))?;
    let progress = Progress::new(request.scope.target_count(), env.quiet);
    let prober = Arc::new(Prober::new(trust, request.probe.clone()));
    let mut write = |record: &ObservationRecord<'_>| {
        if let Some(recording) = &recording {
            recording.write(record.observation)?;
        }
        progress.suspend(|| writer.observation(record))
    };
    let work = work_of(request);
    let summary = collect(
        work,
        prober,
        request.limits.clone(),
        &mut write,
        &progress,
        &env.cancel,
    )
    .await;
    let mut summary = summary.map_err(|source| output_error(&target, source))?;
    summary.options_change = options_change;
    note_options_change(&summary, records, request, env.quiet);
    writer
        .finish(&summary)
        .map_err(|source| output_error(&target, source))?;
    let status = status_of(&summary);
    match recording {
        Some(recording) => finish_stored(recording, &summary, status, request, env).await,
        None => Ok(ScanRun {
            stored: None,
            status,
        }),
    }
}

/// Stores the scan and judges it (findings tracked, scored) on a blocking
/// thread; prints its summary; hands it to the alerts; applies
/// `--fail-on`.
async fn finish_stored(
    recording: Recording,
    summary: &ScanSummary,
    status: RunStatus,
    request: &ScanRequest,
    env: &ScanEnv,
) -> Result<ScanRun, AppError> {
    let (policy, clock) = (request.policy.clone(), request.probe.clock);
    let owned_summary = summary.clone();
    let stored = off_runtime(move || recording.finish(&owned_summary, clock, &policy)).await?;
    if !env.quiet {
        stored
            .print(&mut io::stderr().lock())
            .map_err(|e| output_error("stderr", e))?;
    }
    after_stored(env, &stored)?;
    let status = match status {
        RunStatus::Complete => super::findings::gate(&stored.counts, &request.policy),
        other => other,
    };
    Ok(ScanRun {
        stored: Some(stored),
        status,
    })
}

/// Runs blocking work (storing and judging: SQL and CPU) on tokio's
/// blocking pool, so probes and deliveries keep running; a panic there is
/// resumed here.
pub(super) async fn off_runtime<T, F>(work: F) -> Result<T, AppError>
where
    F: FnOnce() -> Result<T, AppError> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// Says on stderr how the options differ from the previous scan of the
/// scope, and the summary's hints (a name to pair), unless the table
/// summary on stdout already says them.
fn note_options_change(
    summary: &ScanSummary,
    records: &Records,
    request: &ScanRequest,
    quiet: bool,
) {
    let on_stdout = matches!(records, Records::Stdout) && request.format == OutputFormat::Table;
    if let Some(change) = summary.options_change.as_ref().filter(|_| !on_stdout) {
        note(quiet, &crate::sanitize::terminal(&change.line()));
    }
    for hint in summary.hints().iter().filter(|_| !on_stdout) {
        note(quiet, hint);
    }
}

fn warn_lowered(request: &ScanRequest) {
    if let Some((asked, used)) = request.concurrency_lowered {
        tracing::warn!("--concurrency {asked} is over the open-file budget; using {used}");
    }
}

/// What the records output says about this scan before its first
/// observation.
fn header_of(request: &ScanRequest, started_at: time::OffsetDateTime) -> ScanHeader {
    let (targets, options) = (&request.targets_text, &request.probe_options);
    ScanHeader::new(targets.clone(), options.clone(), started_at)
}

/// Takes the scope's lock in the inventory, or says who is in the way.
fn lock_scope(store: &Store, request: &ScanRequest) -> Result<ScopeLock, AppError> {
    let key = scope_key(request);
    store.lock_scope(&key)?.ok_or_else(|| AppError::ScopeBusy {
        lock: store.scope_lock_name(&key),
    })
}

/// What identifies a scope for locking: the targets as written, ports,
/// SNI names, STARTTLS mode and shard (canonical JSON). Narrower than the
/// shard cycles' scope key on purpose: how endpoints are probed (versions,
/// legacy fallback, timeouts) does not make two scans of them different
/// scopes to lock (`tests/watch.rs` relies on it).
fn scope_key(request: &ScanRequest) -> String {
    let o = &request.options;
    serde_json::json!({
        "targets": request.targets_text,
        "ports": o["ports"],
        "sni": o["sni"],
        "starttls": o["starttls"],
        "shard": o["shard"],
    })
    .to_string()
}

/// Mozilla roots plus the `--ca-file` anchors and the config's
/// `[[anchors]]` certificates, for the strict verdict.
fn trust_store(request: &ScanRequest) -> Result<TrustStore, AppError> {
    let mut trust = TrustStore::mozilla(&certs::name_value_text);
    for path in &request.anchor_files {
        trust
            .add_file(path, &certs::name_value_text)
            .map_err(|e| anchor_error(path, e))?;
    }
    trust
        .add_config_anchors(&request.config_anchors, &certs::name_value_text)
        .map_err(AppError::ConfigAnchor)?;
    Ok(trust)
}

/// Checks what [`run_scan`] checks first (anchor files, the inventory and
/// its config), without scanning: `watch` calls it before its first run.
pub(super) fn validate(request: &ScanRequest) -> Result<(), AppError> {
    trust_store(request)?;
    open_inventory(request).map(|_| ())
}

/// Opens the inventory and loads what judging it needs (config anchors,
/// owner rules), unless `--no-db`.
fn open_inventory(request: &ScanRequest) -> Result<Option<(Store, InventoryContext)>, AppError> {
    let Some(wanted) = &request.store else {
        return Ok(None);
    };
    let context = InventoryContext::new(wanted.config.as_ref(), Vec::new())?;
    Ok(Some((Store::connect(&wanted.db)?, context)))
}

/// The engine's work for a scan request, with SNI discovery when asked.
fn work_of(request: &ScanRequest) -> Work {
    let known_names = request.scope.extra_sni().to_vec();
    let mut work = Work::from_scope(request.scope.clone(), request.starttls);
    if request.sni_discover {
        let extractor: engine::NameExtractor = Arc::new(|der: &[u8]| sni_candidates(der));
        work.discover = Some((extractor, known_names));
    }
    work
}

/// Runs the engine and hands every record to `write` as it arrives; a
/// cancelled `cancel` stops it (what was collected is summarised).
pub(super) async fn collect(
    work: Work,
    prober: Arc<Prober>,
    limits: ScanLimits,
    write: &mut dyn FnMut(&ObservationRecord<'_>) -> io::Result<()>,
    progress: &Progress,
    cancel: &CancellationToken,
) -> io::Result<ScanSummary> {
    // A child token: a failed write stops this scan, not the process.
    let cancel = cancel.child_token();
    let clock = prober.settings().clock;
    let (sink, mut observations) = mpsc::channel::<Observation>(256);
    let engine = tokio::spawn(engine::run(work, prober, limits, sink, cancel.clone()));
    let mut tally = Tally::new(clock.now());
    while let Some(observation) = observations.recv().await {
        let record = ObservationRecord::new(&observation);
        tally.add(&observation, record.leaf_sha256());
        if let Err(e) = write(&record) {
            cancel.cancel();
            return Err(e);
        }
        progress.tick();
    }
    progress.finish();
    let run = engine.await.map_err(io::Error::other)?;
    Ok(tally.finish(run.complete, run.dispatched, clock.now()))
}

/// The DNS names of a leaf usable as SNI (wildcards cannot be sent).
fn sni_candidates(der: &[u8]) -> Vec<String> {
    let Ok(view) = certs::parse_certificate(der) else {
        return Vec::new();
    };
    view.dns_names()
        .filter(|n| !n.contains('*'))
        .map(|n| n.trim_end_matches('.').to_ascii_lowercase())
        .collect()
}

/// The exit status a summary calls for.
pub(super) fn status_of(summary: &ScanSummary) -> RunStatus {
    if summary.complete {
        RunStatus::Complete
    } else {
        RunStatus::Interrupted
    }
}
