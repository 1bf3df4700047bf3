//! The command line: clap definitions, and turning arguments into the typed
//! requests the app runs ([`settings`]). This is the only user of clap.

pub mod settings;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

pub use settings::{DemoRequest, ScanRequest, SettingsError};

/// certatlas: find every TLS certificate on your networks, keep an inventory,
/// and turn it into PKI maturity evidence.
///
/// Scan only networks you are authorised to scan.
#[derive(Debug, Parser)]
#[command(name = "certatlas", version, about, long_about = None)]
pub struct Cli {
    /// More log output (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr; no progress bar.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan targets for TLS endpoints and capture their certificate chains.
    Scan(Box<ScanArgs>),
    /// Start a built-in lab of TLS servers on loopback, scan it and report.
    Demo(DemoArgs),
}

/// Arguments of `certatlas scan`.
#[derive(Debug, Args)]
#[command(after_help = SCAN_EXAMPLES)]
pub struct ScanArgs {
    /// Targets: 192.0.2.7, 192.0.2.0/24, 2001:db8::/120, 192.0.2.1-40,
    /// 192.0.2.1-192.0.2.99, host.example, host.example:8443, [2001:db8::1]:443.
    pub targets: Vec<String>,
    /// Read targets from FILE, one per line, `#` comments; `-` for stdin.
    #[arg(short, long, value_name = "FILE")]
    pub input: Vec<PathBuf>,
    /// Ports to probe, e.g. 443,8443,9000-9010 (default: the TLS port set in the README).
    #[arg(short, long, value_name = "LIST")]
    pub ports: Option<String>,
    /// Never contact these (same forms as targets; repeat or comma-separate).
    #[arg(long, value_name = "TARGET", value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// Never contact the targets listed in FILE.
    #[arg(long, value_name = "FILE")]
    pub exclude_file: Vec<PathBuf>,
    /// Also try these server names (SNI) on every address.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub sni: Vec<String>,
    /// Probes in flight at once (default: 1000, capped by the open-file limit).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// New connections per second across the whole scan.
    #[arg(long, value_name = "PER_SECOND", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate: Option<u32>,
    /// Connections at once to one address.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub per_host: u64,
    /// Deadline for the TCP connection (e.g. 500ms, 3s).
    #[arg(long, value_name = "DURATION", default_value = "3s", value_parser = settings::parse_duration)]
    pub connect_timeout: Duration,
    /// Deadline for a whole probe, connection included.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = settings::parse_duration)]
    pub timeout: Duration,
    /// Output format: table, jsonl or json.
    #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = settings::parse_format)]
    pub format: crate::report::OutputFormat,
    /// Write the output to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// STARTTLS: `auto` picks the dialect by port (25/587 smtp, 143 imap,
    /// 110 pop3, 21 ftp, 389 ldap, 5432 postgres, 5222 xmpp), a dialect name
    /// forces it on every port, `none` disables it.
    #[arg(long, value_name = "PROTO", default_value = "auto", value_parser = settings::parse_starttls)]
    pub starttls: crate::scan::StartTlsMode,
    /// Also record which protocol versions each endpoint accepts (TLS 1.3 to SSLv3).
    #[arg(long)]
    pub versions: bool,
    /// Also look for a second certificate of the other key type (RSA vs ECDSA).
    #[arg(long)]
    pub all_certs: bool,
    /// Also try the DNS names found in certificates captured without SNI.
    #[arg(long)]
    pub sni_discover: bool,
    /// Do not retry with the legacy ClientHello (SSLv3 to TLS 1.2) when rustls fails.
    #[arg(long)]
    pub no_legacy: bool,
    /// Extra trust anchors (PEM or DER certificates) for the strict verdict.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Vec<PathBuf>,
    /// Verify chains as of this instant (RFC 3339) instead of now.
    #[arg(long, value_name = "TIME", value_parser = settings::parse_instant)]
    pub verify_at: Option<time::OffsetDateTime>,
}

/// Arguments of `certatlas demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Output format for the scan results (table shows each lab case).
    #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = settings::parse_format)]
    pub format: crate::report::OutputFormat,
    /// Keep the lab running after the scan until Ctrl-C, to scan it by hand.
    #[arg(long)]
    pub serve: bool,
}

const SCAN_EXAMPLES: &str = "Examples:
  certatlas scan 192.0.2.0/24 -p 443,8443
  certatlas scan -i hosts.txt --exclude 192.0.2.7 --format jsonl -o scan.jsonl
  certatlas scan mail.example.org:465 '[2001:db8::1]:443' --sni www.example.org

Exit codes: 0 done, 2 bad input or operational error, 130 interrupted (output kept, marked incomplete).";
