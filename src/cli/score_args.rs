//! Arguments of `certatlas score`, `certatlas report`, `certatlas verify`
//! and `certatlas metrics`: the maturity estimate, the audit bundle, its
//! check, and the inventory as Prometheus metrics.

use std::path::PathBuf;

use clap::Args;

use super::{formats, ListingArgs, PolicyArgs, StoreArgs};

/// `certatlas score`.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub listing: ListingArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub policy: PolicyArgs,
    /// The scan to score (default: the latest complete scan).
    #[arg(long, value_name = "ID")]
    pub scan: Option<i64>,
    /// Show how each category moved across the scored scans instead.
    #[arg(long, conflicts_with = "ladders")]
    pub history: bool,
    /// Print the maturity profile's criteria (thresholds, history needed,
    /// coverage) instead of scoring.
    #[arg(long)]
    pub ladders: bool,
}

/// `certatlas report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub store: StoreArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub policy: PolicyArgs,
    /// The scan to report on (default: the latest complete scan).
    #[arg(long, value_name = "ID")]
    pub scan: Option<i64>,
    /// The directory to write the bundle into (created; an earlier bundle
    /// in it is replaced; any other non-empty directory is refused).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Sign manifest.json with this Ed25519 private key (PKCS#8 PEM, e.g.
    /// from `openssl genpkey -algorithm ed25519`).
    #[arg(long, value_name = "KEY")]
    pub sign: Option<PathBuf>,
}

/// `certatlas verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bundle directory (holding manifest.json).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Require a signature by this Ed25519 public key (SPKI PEM).
    #[arg(long, value_name = "PUBLIC_KEY")]
    pub key: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = formats::summary())]
    pub format: crate::report::ListingFormat,
}

/// `certatlas metrics`.
#[derive(Debug, Args)]
pub struct MetricsArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub store: StoreArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub policy: PolicyArgs,
    /// The scan to describe (default: the latest complete scan).
    #[arg(long, value_name = "ID")]
    pub scan: Option<i64>,
    /// At most this many per-certificate series (the soonest-expiring are
    /// kept; the number left out is itself a metric).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_series: usize,
}
