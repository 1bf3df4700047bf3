//! Wires the pipeline stages for each subcommand: the one module that knows
//! them all. Computing happens in the stages, printing in `report`; this
//! module only connects them, opens files and handles signals.

use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use time::OffsetDateTime;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::certs;
use crate::cli::{self, Cli, Command, DemoRequest, ScanRequest, SettingsError};
use crate::demo::{Lab, LabError};
use crate::observation::Observation;
use crate::probe::verdict::AnchorError;
use crate::probe::{Dialect, ProbeSettings, Prober, TrustStore};
use crate::report::progress::Progress;
use crate::report::{self, ObservationRecord, OutputFormat};
use crate::scan::summary::{ScanSummary, Tally};
use crate::scan::{self, ScanLimits, Work};
use crate::targets::{Host, Target};

/// How a run ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Everything asked for was done.
    Complete,
    /// Interrupted by a signal; what was collected was written.
    Interrupted,
}

/// Operational errors: they end the run with exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Bad arguments or input files.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// A trust-anchor file that cannot be used.
    #[error("--ca-file {path}: {reason}")]
    Anchor {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// The output cannot be written.
    #[error("cannot write {target}: {source}")]
    Output {
        /// The file, or `stdout`.
        target: String,
        /// The operating system's reason.
        source: io::Error,
    },
    /// The demo lab could not start.
    #[error("demo lab: {0}")]
    Lab(#[from] LabError),
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<RunStatus, AppError> {
    match cli.command {
        Command::Scan(args) => scan(cli::settings::scan_request(*args)?, cli.quiet).await,
        Command::Demo(args) => demo(cli::settings::demo_request(args), cli.quiet).await,
    }
}

/// `certatlas scan`: validate, open the output, scan, summarise.
async fn scan(request: ScanRequest, quiet: bool) -> Result<RunStatus, AppError> {
    let mut trust = TrustStore::mozilla(&certs::name_value_text);
    for path in &request.anchor_files {
        add_anchor_file(&mut trust, path)?;
    }
    if let Some((asked, used)) = request.concurrency_lowered {
        tracing::warn!("--concurrency {asked} is over the open-file budget; using {used}");
    }
    let target = request
        .output
        .as_ref()
        .map_or("stdout".to_string(), |p| p.display().to_string());
    let mut writer = request
        .format
        .writer(open_output(request.output.as_deref())?);
    let progress = Progress::new(request.scope.target_count(), quiet);
    let prober = Arc::new(Prober::new(trust, request.probe));
    let known_names = request.scope.extra_sni().to_vec();
    let mut work = Work::from_scope(request.scope, request.starttls);
    if request.sni_discover {
        let extractor: scan::NameExtractor = Arc::new(|der: &[u8]| sni_candidates(der));
        work.discover = Some((extractor, known_names));
    }
    let mut write =
        |record: &ObservationRecord<'_>| progress.suspend(|| writer.observation(record));
    let summary = collect(work, prober, request.limits, &mut write, &progress)
        .await
        .map_err(|source| output_error(&target, source))?;
    writer
        .finish(&summary)
        .map_err(|source| output_error(&target, source))?;
    Ok(status_of(&summary))
}

/// Runs the engine and hands every record to `write` as it arrives.
async fn collect(
    work: Work,
    prober: Arc<Prober>,
    limits: ScanLimits,
    write: &mut dyn FnMut(&ObservationRecord<'_>) -> io::Result<()>,
    progress: &Progress,
) -> io::Result<ScanSummary> {
    let cancel = cancel_on_signal();
    let (sink, mut observations) = mpsc::channel::<Observation>(256);
    let engine = tokio::spawn(scan::run(work, prober, limits, sink, cancel.clone()));
    let mut tally = Tally::new(OffsetDateTime::now_utc());
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
    Ok(tally.finish(run.complete, run.dispatched))
}

/// `certatlas demo`: start the lab, scan it like `scan` does, report.
async fn demo(request: DemoRequest, quiet: bool) -> Result<RunStatus, AppError> {
    let lab = Lab::start(OffsetDateTime::now_utc()).await?;
    let mut trust = TrustStore::mozilla(&certs::name_value_text);
    trust
        .add_certificate(lab.approved_root_der(), &certs::name_value_text)
        .map_err(|e| anchor_error(Path::new("<lab approved root>"), e))?;
    let settings = ProbeSettings {
        connect_timeout: std::time::Duration::from_secs(2),
        timeout: std::time::Duration::from_secs(5),
        all_certs: true,
        versions: true,
        ..ProbeSettings::default()
    };
    let prober = Arc::new(Prober::new(trust, settings));
    let limits = ScanLimits {
        concurrency: 64,
        rate: None,
        per_host: 4,
    };
    let progress = Progress::new(0, true);
    let stdout = || output_error("stdout", io::Error::other("write failed"));
    let summary = if request.format == OutputFormat::Table {
        let mut seen = Vec::new();
        let mut keep = |r: &ObservationRecord<'_>| {
            seen.push(r.observation.clone());
            Ok(())
        };
        let summary = collect(
            Work::list(lab_targets(&lab)),
            prober,
            limits,
            &mut keep,
            &progress,
        )
        .await
        .map_err(|e| output_error("stdout", e))?;
        report::lab::write_lab(&mut io::stdout().lock(), &lab, &seen, &summary)
            .map_err(|e| output_error("stdout", e))?;
        summary
    } else {
        let mut writer = request.format.writer(Box::new(io::stdout()));
        let mut write = |r: &ObservationRecord<'_>| writer.observation(r);
        let summary = collect(
            Work::list(lab_targets(&lab)),
            prober,
            limits,
            &mut write,
            &progress,
        )
        .await
        .map_err(|e| output_error("stdout", e))?;
        writer.finish(&summary).map_err(|_| stdout())?;
        summary
    };
    if request.serve {
        serve_until_signal(&lab, quiet).await;
    }
    lab.shutdown().await;
    Ok(status_of(&summary))
}

/// One target per lab case and server name, with the case's dialect.
fn lab_targets(lab: &Lab) -> Vec<(Target, Option<Dialect>)> {
    let mut targets = Vec::new();
    for case in lab.cases() {
        for sni in &case.server_names {
            let target = Target {
                host: Host::Ip(case.address.ip()),
                port: case.address.port(),
                sni: sni.clone(),
            };
            targets.push((target, case.starttls));
        }
    }
    targets
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

/// Keeps the lab up until Ctrl-C or SIGTERM, listing where each case is.
async fn serve_until_signal(lab: &Lab, quiet: bool) {
    if !quiet {
        let mut err = io::stderr().lock();
        let _ = writeln!(err, "\nThe lab stays up until Ctrl-C. Try for example:");
        for case in lab.cases() {
            let sni = case.server_names.iter().flatten().next();
            let sni = sni.map(|s| format!(" --sni {s}")).unwrap_or_default();
            let (ip, port) = (case.address.ip(), case.address.port());
            let _ = writeln!(
                err,
                "  certatlas scan {ip} -p {port}{sni}   # {}",
                case.name
            );
        }
    }
    cancel_on_signal().cancelled().await;
}

/// A token cancelled by the first Ctrl-C or SIGTERM.
fn cancel_on_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let trigger = token.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::warn!("interrupted: stopping; what was collected is kept");
        trigger.cancel();
    });
    token
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
async fn wait_for_signal() {
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(_) => return std::future::pending().await,
        };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}

/// Adds every certificate of a PEM or DER file as a trust anchor.
fn add_anchor_file(trust: &mut TrustStore, path: &Path) -> Result<(), AppError> {
    trust
        .add_file(path, &certs::name_value_text)
        .map_err(|e| anchor_error(path, e))
        .map(|_| ())
}

fn anchor_error(path: &Path, e: AnchorError) -> AppError {
    AppError::Anchor {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Opens the output file (or stdout) before anything is probed.
fn open_output(path: Option<&Path>) -> Result<Box<dyn Write + Send>, AppError> {
    match path {
        None => Ok(Box::new(io::stdout())),
        Some(path) => std::fs::File::create(path)
            .map(|f| Box::new(f) as Box<dyn Write + Send>)
            .map_err(|source| output_error(&path.display().to_string(), source)),
    }
}

fn output_error(target: &str, source: io::Error) -> AppError {
    AppError::Output {
        target: target.to_string(),
        source,
    }
}

fn status_of(summary: &ScanSummary) -> RunStatus {
    if summary.complete {
        RunStatus::Complete
    } else {
        RunStatus::Interrupted
    }
}
