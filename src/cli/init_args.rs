//! Arguments of `certatlas init`: a commented starter config written from
//! a stored scan.

use std::path::PathBuf;

use clap::Args;

use super::StoreArgs;

/// `certatlas init`.
#[derive(Debug, Args)]
#[command(after_help = INIT_HELP)]
pub struct InitArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub store: StoreArgs,
    /// The scan to start from (default: the latest complete scan).
    #[arg(long, value_name = "ID")]
    pub from_scan: Option<i64>,
    /// Where to write the config; the private roots' PEM files go in the
    /// same directory, named `anchor-<first 16 hex digits of the SHA-256>.pem`.
    #[arg(short, long, value_name = "FILE", default_value = "certatlas.toml")]
    pub output: PathBuf,
    /// Replace an existing config and anchor PEM files (without it, an
    /// existing file is an error, exit 2, and nothing is written).
    #[arg(long)]
    pub force: bool,
}

const INIT_HELP: &str = "\
The config loads as written and changes nothing until you edit it: every
[[anchors]] and [[owners]] entry is commented out. Uncomment the anchors of
the roots your organisation runs; the next scan (or `findings --config`)
classes their certificates as approved, trusts them in the strict verdict,
and withdraws the shadow-CA findings they caused.";
