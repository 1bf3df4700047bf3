//! `certatlas scan`: validate, open the output and the inventory, run the
//! engine, write every record as it arrives, then summarise. The collection
//! loop here is shared with the demo.

use std::io::{self, Write};
use std::sync::Arc;

use tokio::sync::mpsc;

use super::recording::{InventoryContext, Recording};
use super::{anchor_error, cancel_on_signal, open_output, output_error, AppError, RunStatus};
use crate::certs;
use crate::cli::ScanRequest;
use crate::inventory::store::Store;
use crate::observation::Observation;
use crate::probe::{Prober, TrustStore};
use crate::report::progress::Progress;
use crate::report::ObservationRecord;
use crate::scan::summary::{ScanSummary, Tally};
use crate::scan::{self as engine, ScanLimits, Work};

/// Mozilla roots plus the `--ca-file` anchors, for the strict verdict.
fn trust_store(request: &ScanRequest) -> Result<TrustStore, AppError> {
    let mut trust = TrustStore::mozilla(&certs::name_value_text);
    for path in &request.anchor_files {
        trust
            .add_file(path, &certs::name_value_text)
            .map_err(|e| anchor_error(path, e))?;
    }
    Ok(trust)
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

/// Runs `certatlas scan`.
pub async fn scan(request: ScanRequest, quiet: bool) -> Result<RunStatus, AppError> {
    // Everything that can fail is checked before the scan is recorded.
    let trust = trust_store(&request)?;
    let store = open_inventory(&request)?;
    let alerting = super::alerting::Alerting::start(request.store.as_ref(), request.probe.clock)?;
    if let Some((asked, used)) = request.concurrency_lowered {
        tracing::warn!("--concurrency {asked} is over the open-file budget; using {used}");
    }
    let clock = request.probe.clock;
    let target = request
        .output
        .as_ref()
        .map_or("stdout".into(), |p| p.display().to_string());
    let mut writer = request
        .format
        .writer(open_output(request.output.as_deref())?);
    let recording = match store {
        Some((store, context)) => Some(Recording::begin(store, context, &request, clock)?),
        None => None,
    };
    let progress = Progress::new(request.scope.target_count(), quiet);
    let prober = Arc::new(Prober::new(trust, request.probe.clone()));
    let work = work_of(&request);
    let mut write = |record: &ObservationRecord<'_>| {
        if let Some(recording) = &recording {
            recording.write(record.observation)?;
        }
        progress.suspend(|| writer.observation(record))
    };
    let summary = collect(work, prober, request.limits.clone(), &mut write, &progress).await;
    let summary = summary.map_err(|source| output_error(&target, source))?;
    writer
        .finish(&summary)
        .map_err(|source| output_error(&target, source))?;
    let mut status = status_of(&summary);
    if let Some(recording) = recording {
        let stored = recording.finish(&summary, clock, &request.policy)?;
        if !quiet {
            stored
                .print(&mut io::stderr().lock())
                .map_err(|e| output_error("stderr", e))?;
        }
        if status == RunStatus::Complete {
            status = super::findings::gate(&stored.findings, request.policy.fail_on);
        }
        super::alerting::after_scan(alerting, &stored, request.alert_grace, quiet).await?;
    }
    Ok(status)
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

/// Runs the engine and hands every record to `write` as it arrives.
pub(super) async fn collect(
    work: Work,
    prober: Arc<Prober>,
    limits: ScanLimits,
    write: &mut dyn FnMut(&ObservationRecord<'_>) -> io::Result<()>,
    progress: &Progress,
) -> io::Result<ScanSummary> {
    let cancel = cancel_on_signal();
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

/// Writes a line to stderr unless quiet (progress notes).
pub(super) fn note(quiet: bool, text: &str) {
    if !quiet {
        let _ = writeln!(io::stderr().lock(), "{text}");
    }
}
