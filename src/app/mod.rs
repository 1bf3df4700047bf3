//! Wires the pipeline stages for each subcommand: the one module that knows
//! them all. Computing happens in the stages and printing in `report`; this
//! module connects them, opens files and databases, and handles signals.
//!
//! - [`scan`](mod@scan): `certatlas scan`, the one function that runs a
//!   scan end to end (for `scan` and `watch`), and the collection loop
//!   shared with the demo;
//! - `watch`: `certatlas watch`, scans on a schedule; `metrics_http`
//!   says what its metrics page answers (served by [`crate::http`]);
//! - `recording`: storing a scan, then handing it to [`crate::judge`];
//! - `demo`: the lab, scanned twice around a renewal;
//! - `import`: `certatlas import`, a scan file stored and judged as the
//!   scan it records, or certificates at rest as a scan of their own;
//! - `listings`: `inventory`, `cas`, `diff`, `history`, `scans`;
//! - `judged`: the read-only commands' scan, judged in memory;
//! - `findings`, `score`, `audit` (`report`, `verify`), `metrics`: the
//!   judged scan printed;
//! - `rules`: `certatlas rules list` and `rules test`;
//! - `init`: `certatlas init` (a starter config) and `cas --export`;
//! - `alerting`: webhook alerts after a stored scan, and their delivery.

mod alerting;
mod audit;
mod cbom;
mod demo;
mod findings;
mod import;
mod init;
mod judged;
mod listings;
mod manual;
mod metrics;
mod metrics_http;
mod recording;
mod rules;
pub mod scan;
mod score;
mod watch;

use std::io::{self, Write};
use std::path::Path;

use tokio_util::sync::CancellationToken;

use crate::cli::{self, Cli, Command, SettingsError};
use crate::clock::Clock;
use crate::demo::LabError;
use crate::probe::verdict::AnchorError;
use crate::store::StoreError;

/// How a run ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// Everything asked for was done.
    Complete,
    /// Interrupted by a signal; what was collected was written.
    Interrupted,
    /// Done, but a check failed: an active finding at or above `--fail-on`,
    /// or a rule example that did not hold (exit code 1).
    Failed,
}

/// Operational errors: they end the run with exit code 2.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// Bad arguments, input or configuration files.
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
    /// A config `[[anchors]]` certificate the strict verdict cannot use.
    #[error("config {0}")]
    ConfigAnchor(AnchorError),
    /// A file that exists and would be replaced without `--force`.
    #[error("{} exists: not overwritten (use --force to replace it)", path.display())]
    WouldOverwrite {
        /// The file.
        path: std::path::PathBuf,
    },
    /// A fingerprint (or prefix) that names no single stored certificate.
    #[error(transparent)]
    Fingerprint(#[from] crate::store::FingerprintError),
    /// The output cannot be written.
    #[error("cannot write {target}: {source}")]
    Output {
        /// The file, or `stdout`.
        target: String,
        /// The operating system's reason.
        source: io::Error,
    },
    /// The inventory database cannot be used.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored scan could not be judged.
    #[error(transparent)]
    Judge(#[from] crate::judge::JudgeError),
    /// No inventory database at the SQLite path of a read-only command.
    #[error("no inventory at {db}: run `certatlas scan` first, or pass --db")]
    NoInventory {
        /// The database path.
        db: String,
    },
    /// The scan asked for is not in the inventory.
    #[error("{db} has no scan {id}")]
    NoSuchScan {
        /// The database.
        db: String,
        /// The scan id asked for.
        id: i64,
    },
    /// The inventory holds no complete scan yet.
    #[error("{db} has no complete scan yet")]
    NoCompleteScan {
        /// The database.
        db: String,
    },
    /// `diff` without FROM, and no complete scan before TO.
    #[error(
        "{db} has no complete scan before scan {scan} of the same source to compare it with \
         (an import of another tool's output is compared with none; an import of certificates \
         at rest only with another): name one with FROM"
    )]
    NoEarlierScan {
        /// The database.
        db: String,
        /// The scan diffed against its predecessor.
        scan: crate::store::ScanId,
    },
    /// `history` was given neither an endpoint nor a fingerprint.
    #[error("history: '{text}' is neither ADDRESS:PORT[/SNI] nor a certificate SHA-256")]
    BadHistoryTarget {
        /// The argument as given.
        text: String,
    },
    /// A certificate resolved from its fingerprint could not be read back.
    #[error("certificate {sha256} vanished")]
    CertificateVanished {
        /// Its SHA-256.
        sha256: String,
    },
    /// `cas --export` named a certificate that is not a CA certificate.
    #[error("cas --export {text}: certificate {sha256} is not a CA certificate")]
    NotACa {
        /// The fingerprint as given.
        text: String,
        /// The certificate's SHA-256.
        sha256: String,
    },
    /// The evidence directory holds other files and no earlier bundle.
    #[error("{} is not empty and holds no {}: refusing to write a bundle into it", dir.display(), crate::evidence::MANIFEST_FILE)]
    NotABundleDir {
        /// The directory.
        dir: std::path::PathBuf,
    },
    /// The watch schedule has no next run.
    #[error("the schedule never fires")]
    ScheduleNeverFires,
    /// The demo lab's owner rule is invalid.
    #[error("demo owner rule: {0}")]
    DemoOwnerRule(#[source] crate::inventory::owners::OwnerRuleError),
    /// An evidence bundle cannot be written or read, or a key cannot be used.
    #[error(transparent)]
    Evidence(#[from] crate::evidence::EvidenceError),
    /// Webhook alerts cannot start, or events cannot be enqueued.
    #[error(transparent)]
    Alerts(#[from] crate::alerts::AlertError),
    /// Another process is scanning the same scope into the same inventory.
    #[error("scope busy: another certatlas scan or watch of this scope is running into this inventory (lock {lock})")]
    ScopeBusy {
        /// The lock held by the other process (a file, or an advisory lock).
        lock: String,
    },
    /// The metrics listener cannot be started.
    #[error("--metrics-listen {addr}: {source}")]
    MetricsListen {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The operating system's reason.
        source: io::Error,
    },
    /// A file to import is not certatlas JSON Lines, or cannot be read.
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
    /// Certificates at rest that cannot be read (a file named that holds
    /// none, a wrong password, a bad --glob).
    #[error(transparent)]
    AtRest(#[from] crate::import::at_rest::AtRestError),
    /// A good file whose import is refused (imported before, out of order).
    #[error(transparent)]
    ImportRefused(#[from] import::ImportRefusal),
    /// The demo lab could not start.
    #[error("demo lab: {0}")]
    Lab(#[from] LabError),
    /// The revocation checks (`--check-revocation`) could not run.
    #[error(transparent)]
    Revocation(#[from] crate::revocation::RevocationError),
}

impl From<crate::config::ConfigError> for AppError {
    fn from(e: crate::config::ConfigError) -> Self {
        AppError::Settings(e.into())
    }
}

impl From<cli::policy::PolicyLoadError> for AppError {
    fn from(e: cli::policy::PolicyLoadError) -> Self {
        AppError::Settings(e.into())
    }
}

impl From<crate::policy::RuleError> for AppError {
    fn from(e: crate::policy::RuleError) -> Self {
        AppError::Settings(SettingsError::Policy(e.into()))
    }
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<RunStatus, AppError> {
    let clock = cli.clock.map_or(Clock::real(), Clock::starting_at);
    let quiet = cli.quiet;
    match cli.command {
        Command::Scan(args) => {
            let request = cli::settings::scan_request(*args, clock)?;
            scan::scan(request, quiet).await
        }
        Command::Watch(args) => {
            let request = cli::watch_request(*args, clock)?;
            watch::watch(request, quiet).await
        }
        Command::Import(args) => import::import(cli::import_request(*args)?, clock, quiet).await,
        Command::Demo(args) => demo::demo(cli::settings::demo_request(args), clock, quiet).await,
        Command::Inventory(args) => listings::inventory(args, clock),
        Command::Cas(args) => match args.export.clone() {
            Some(fingerprint) => init::export_ca(&args, &fingerprint),
            None => listings::cas(args, clock),
        },
        Command::Init(args) => init::init(args),
        Command::Diff(args) => listings::diff(args),
        Command::History(args) => listings::history(args),
        Command::Scans(args) => listings::scans(args),
        Command::Rules(command) => rules::rules(command),
        Command::Findings(args) => findings::findings(args, clock),
        Command::Score(args) => score::score(args, clock),
        Command::Report(args) => audit::report(args, clock),
        Command::Verify(args) => audit::verify(args),
        Command::Metrics(args) => metrics::metrics(args, clock),
        Command::Cbom(args) => cbom::cbom(args),
        Command::Completions(args) => manual::completions(args),
        Command::Man(args) => manual::man(args),
    }
}

/// A token cancelled by the first Ctrl-C or SIGTERM. The handlers are
/// registered before this returns, so a signal that arrives as soon as the
/// first probe starts is already caught.
fn cancel_on_signal() -> CancellationToken {
    use tokio::signal::unix::{signal, SignalKind};
    let token = CancellationToken::new();
    let trigger = token.clone();
    let interrupt = signal(SignalKind::interrupt());
    let terminate = signal(SignalKind::terminate());
    tokio::spawn(async move {
        let (Ok(mut interrupt), Ok(mut terminate)) = (interrupt, terminate) else {
            tracing::warn!(
                "cannot watch for Ctrl-C/SIGTERM; the scan cannot be interrupted cleanly"
            );
            return;
        };
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        tracing::warn!("interrupted: stopping; what was collected is kept");
        trigger.cancel();
    });
    token
}

fn anchor_error(path: &Path, e: AnchorError) -> AppError {
    AppError::Anchor {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

fn output_error(target: &str, source: io::Error) -> AppError {
    AppError::Output {
        target: target.to_string(),
        source,
    }
}

fn stdout_error(source: io::Error) -> AppError {
    output_error("stdout", source)
}

/// A temporary file that holds what a listing sorts (`report::spill`)
/// cannot be written.
fn spill_error(source: io::Error) -> AppError {
    let dir = std::env::temp_dir();
    output_error(&format!("a temporary file in {}", dir.display()), source)
}

/// Writes a line to stderr unless quiet (progress notes).
fn note(quiet: bool, text: &str) {
    if !quiet {
        let _ = writeln!(io::stderr().lock(), "{text}");
    }
}
