//! The command line: clap definitions, and turning arguments into the typed
//! requests the app runs ([`settings`]). This is the only user of clap.

mod cbom_args;
pub mod colour;
pub mod completions;
pub mod formats;
mod import_args;
mod init_args;
mod listing_args;
pub mod manpage;
pub mod names;
pub mod policy;
mod scope_args;
mod score_args;
pub mod settings;
mod watch_args;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

pub use cbom_args::{CbomArgs, CbomSpec};
pub use import_args::{import_request, AtRestArgs, ImportArgs, ImportFrom, ImportRequest};
pub use init_args::InitArgs;
pub use listing_args::ListingArgs;
pub use policy::PolicyRequest;
pub use score_args::{MetricsArgs, ReportArgs, ScoreArgs, VerifyArgs};
pub use settings::{DemoRequest, ScanRequest, SettingsError, StoreRequest};
pub use watch_args::{watch_request, WatchArgs, WatchRequest};

/// The evidence model, printed at the end of `certatlas --help`.
const EVIDENCE_MODEL: &str = "\
How certatlas counts (the README has the details):
  Endpoint   an address, a port and a transport (plain TLS or a STARTTLS
             dialect); counted once, however many names reach it.
  Names      how an endpoint is reached, each with its source: target (a host
             name target, name@address, a CSV pairing, --resolve), broadcast
             (--sni, tried everywhere), discovered (--sni-discover), or none.
             Names that get the endpoint's own chain fold into it; a broadcast
             or discovered name the certificate does not cover is 'not served
             here': no deployment, no mismatch. Host-name mismatch is judged
             only for target names.
  Findings   new, open, reappeared, fixed (seen again without it: the only
             status that counts in time-to-fix), unobserved (its subject was
             not seen this time: not probed, option missing, out of scope),
             withdrawn (the policy changed: rules, anchors, owners,
             exceptions, thresholds).
  Metrics    count only the subjects where the property was measured, show
             their coverage, and are unknown below the profile's floor.
  Cadence    counted in distinct days (or weeks) with a complete scan of the
             scope, never in scans; a scope with no certificate observed is
             not assessed.";

/// certatlas: find every TLS certificate on your networks, keep an inventory,
/// and turn it into PKI maturity evidence.
///
/// Scan only networks you are authorised to scan.
#[derive(Debug, Parser)]
#[command(name = "certatlas", version, about, long_about = None, after_long_help = EVIDENCE_MODEL)]
pub struct Cli {
    /// More log output (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only errors on stderr; no progress bar.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Pretend the current time is TIME (RFC 3339) and advance from there:
    /// reproducible runs for tests.
    #[arg(long, global = true, hide = true, value_name = "TIME", value_parser = settings::parse_instant)]
    pub clock: Option<time::OffsetDateTime>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan targets for TLS endpoints and capture their certificate chains.
    Scan(Box<ScanArgs>),
    /// Scan the same scope on a schedule (--every 6h, --cron, or the watch schedule in
    /// the config), each run stored, scored and printed as `scan` would,
    /// optionally serving Prometheus metrics.
    Watch(Box<WatchArgs>),
    /// Start a built-in lab of TLS servers on loopback, scan it and report.
    Demo(DemoArgs),
    /// Write a commented starter config from a stored scan: its scope, the
    /// private roots it found as [[anchors]] to uncomment (their PEM beside
    /// the config), owner-rule examples from the subjects seen.
    Init(InitArgs),
    /// Store a scan written with `scan --no-db --format jsonl -o FILE` (on
    /// a scanner without database access), or by zgrab2, tlsx, sslyze or
    /// nmap, judged as a live scan is; or certificates at rest (PEM, DER,
    /// PKCS#12, Java keystores, directories).
    Import(Box<ImportArgs>),
    /// List the certificates of a stored scan, with owners and CA classes.
    Inventory(InventoryArgs),
    /// List the certificate authorities seen, with their class and reach;
    /// `--export SHA256|PREFIX` writes one as PEM.
    Cas(CasArgs),
    /// Show what changed between two stored scans.
    Diff(DiffArgs),
    /// Show the history of an endpoint (ADDRESS:PORT[/SNI]) or a certificate
    /// (its SHA-256, or a unique prefix of 8 digits or more).
    History(HistoryArgs),
    /// List the stored scans.
    Scans(ScansArgs),
    /// Policy rules: list them, or run their worked examples.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// The findings of the latest complete scan (or --scan), tracked across scans.
    ///
    /// Statuses: new, open, reappeared; and for a finding the previous scan
    /// had and this one does not: withdrawn (the policy changed: rules,
    /// anchors, owners, exceptions or profile, and the previous scan judged
    /// under the current policy no longer has it), fixed (its subject was
    /// observed again and the rule no longer fires; counts in time_to_fix),
    /// or unobserved (its subject was not observed: name not tried, option
    /// such as --versions not probed, out of scope, not reached; still
    /// open, with the last scan that observed it; not active for
    /// --fail-on). A certificate replaced at an endpoint that answered
    /// counts as observed.
    Findings(FindingsArgs),
    /// PKIMM maturity estimate of the latest complete scan (or --scan), with
    /// the evidence and the gap to the next level.
    ///
    /// Each criterion rates PKIMM requirements; a category's value is the
    /// mean of its rated requirements weighed by weight x evidence strength
    /// (direct 1, partial 1/2), shown with the model's level names. Its
    /// coverage (the share of its requirement weight rated evidence speaks
    /// to) stands beside it; at or under the profile's coverage floor it
    /// enters the roll-ups at no more than the coverage cap. Governance is
    /// supporting facts unless the profile opts in; each module says "n of
    /// m categories assessed" and its evidenced share; a roadmap lists the
    /// next level's limiting requirements. Metrics count only the
    /// subjects where their property was measured and are unknown under the
    /// metric coverage floor (legacy_tls, tls13_share and pq_hybrid_share need
    /// --versions). Cadence counts distinct days with a complete scan (scans
    /// closer than min_scan_interval_hours count once), never scans. A scan
    /// that observed no certificate is not assessed in any category.
    /// --format json writes the whole score card, csv one row per criterion.
    Score(ScoreArgs),
    /// Write an audit evidence bundle: report.html, report.json, CSVs,
    /// certificates and a manifest of SHA-256s (optionally signed).
    Report(ReportArgs),
    /// Check an evidence bundle: every file's SHA-256 and the signature.
    Verify(VerifyArgs),
    /// Print the latest complete scan (or --scan) as Prometheus metrics, once
    /// (for node_exporter's textfile collector).
    Metrics(MetricsArgs),
    /// Write a scan (default: the latest complete one) as a CycloneDX CBOM:
    /// its certificates, public keys, algorithms and TLS deployments as
    /// cryptographic assets, with the endpoints as evidence (facts only).
    Cbom(CbomArgs),
    /// Write the shell completion script for bash, zsh, fish, elvish or
    /// powershell to stdout.
    Completions(completions::CompletionsArgs),
    /// Write the manual page (roff) to stdout, or one page per command
    /// into a directory with --dir.
    Man(manpage::ManArgs),
}

/// Rule directories and CI gating, shared by `scan` and `findings`.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// A directory of rule files, added after the built-in rules and the
    /// config's `[rules]` dirs; a rule with an id already loaded replaces it
    /// (repeatable). Its `data/distrust.toml`, if any, replaces the built-in
    /// root-program distrust events.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Exit with code 1 when a finding at or above this severity is active
    /// (not fixed, not excepted).
    #[arg(long, value_name = "SEVERITY", ignore_case = true)]
    pub fail_on: Option<crate::policy::Severity>,
    /// A self-assessment to import: requirement ratings (`M.cat.req`,
    /// preferred, weighed by the model) and/or a level per PKIMM category,
    /// as TOML (`[requirements]`, `[levels]`) or the PKI Consortium
    /// self-assessment tool's JSON.
    #[arg(long, value_name = "FILE")]
    pub self_assessment: Option<PathBuf>,
}

/// `certatlas rules ...`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// The rules in force: built-in, the config's, and --rules directories.
    List(RulesListArgs),
    /// Run every rule's `[[examples]]` and report each result (exit 1 on a failure).
    Test(RulesTestArgs),
}

/// `certatlas rules list`.
#[derive(Debug, Args)]
pub struct RulesListArgs {
    /// Config file (its `[rules]` dirs and disable list apply).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// An extra rule directory (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = formats::listing())]
    pub format: crate::report::ListingFormat,
}

/// `certatlas rules test`.
#[derive(Debug, Args)]
pub struct RulesTestArgs {
    /// Test only the rules in this directory (default: the built-in rules).
    pub dir: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = formats::listing())]
    pub format: crate::report::ListingFormat,
}

/// `certatlas findings`.
#[derive(Debug, Args)]
pub struct FindingsArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub listing: ListingArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub policy: PolicyArgs,
    /// The scan to evaluate (default: the latest complete scan).
    #[arg(long, value_name = "ID")]
    pub scan: Option<i64>,
    /// Only findings at or above this severity.
    #[arg(long, value_name = "SEVERITY", ignore_case = true)]
    pub severity: Option<crate::policy::Severity>,
}

/// Where the inventory lives and how to read it.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The inventory database: a SQLite file, or a PostgreSQL URL
    /// (postgres://user@host:port/db) that several scanners can share
    /// (default: $CERTATLAS_DB, else the user's data directory, e.g.
    /// ~/.local/share/certatlas/inventory.db). TLS as libpq:
    /// ?sslmode=disable|allow|prefer|require|verify-ca|verify-full
    /// (default prefer) and &sslrootcert=CA.pem (or system); the password
    /// from $PGPASSWORD or ~/.pgpass ($PGPASSFILE) rather than the URL. Reading commands (scans,
    /// inventory, cas, diff, history, findings, score, metrics, report, cbom)
    /// open it read-only and never write it: a copy without write
    /// permission works.
    #[arg(long, value_name = "PATH|URL")]
    pub db: Option<String>,
    /// The configuration file: owners, approved anchors, scope, exceptions.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Arguments of `certatlas inventory`.
#[derive(Debug, Args)]
pub struct InventoryArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub listing: ListingArgs,
    /// The scan to list (default: the latest complete scan).
    #[arg(long, value_name = "ID")]
    pub scan: Option<i64>,
    /// Only certificates expiring within this long (e.g. 30d), expired included.
    #[arg(long, value_name = "DURATION", value_parser = settings::parse_duration)]
    pub expiring: Option<Duration>,
    /// Only certificates of this owner (`unassigned` for none).
    #[arg(long, value_name = "NAME")]
    pub owner: Option<String>,
    /// Only certificates whose issuer DN contains this text.
    #[arg(long, value_name = "TEXT")]
    pub issuer: Option<String>,
    /// Only certificates chaining to this CA class.
    #[arg(long, value_name = "CLASS", ignore_case = true)]
    pub ca_class: Option<crate::inventory::ca::CaClass>,
    /// Only keys of this type: rsa, ec, ed25519, ed448, dsa.
    #[arg(long, value_name = "TYPE", value_parser = ["rsa", "ec", "ed25519", "ed448", "dsa"])]
    pub key_type: Option<String>,
}

/// Arguments of `certatlas cas`.
#[derive(Debug, Args)]
pub struct CasArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub listing: ListingArgs,
    /// The scan whose chains are examined (default: the latest complete scan).
    #[arg(long, value_name = "ID")]
    pub scan: Option<i64>,
    /// Instead of the list, write this CA certificate as PEM: its SHA-256
    /// or a unique prefix of at least 8 hex digits (an ambiguous prefix
    /// lists the candidates and exits 2). Any stored CA, from any scan.
    #[arg(long, value_name = "SHA256|PREFIX")]
    pub export: Option<String>,
    /// With --export: write the PEM to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE", requires = "export")]
    pub output: Option<PathBuf>,
}

/// Arguments of `certatlas diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub listing: ListingArgs,
    /// The older scan (default: the complete scan before the newer one).
    pub from: Option<i64>,
    /// The newer scan (default: the latest complete scan).
    pub to: Option<i64>,
}

/// Arguments of `certatlas history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub listing: ListingArgs,
    /// `ADDRESS:PORT` or `[V6]:PORT`, either followed by `/SNI`, or a
    /// certificate's SHA-256 or a unique prefix of it (at least 8 hex
    /// digits; colons allowed). An ambiguous prefix lists the candidates.
    pub target: String,
}

/// Arguments of `certatlas scans`.
#[derive(Debug, Args)]
pub struct ScansArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub listing: ListingArgs,
}

/// Arguments of `certatlas scan`.
#[derive(Debug, Args)]
#[command(after_help = SCAN_EXAMPLES)]
pub struct ScanArgs {
    /// Targets: 192.0.2.7, 192.0.2.0/24, 2001:db8::/120, 192.0.2.1-40,
    /// 192.0.2.1-192.0.2.99, host.example, host.example:8443, `[2001:db8::1]:443`,
    /// or a name paired with one address, probed there with the name as SNI
    /// and never looked up in DNS: www.example@192.0.2.7,
    /// `www.example@[2001:db8::1]:8443`. Names are DNS names as TLS sends
    /// them (an internationalised name as its xn-- A-label).
    pub targets: Vec<String>,
    /// Read targets from FILE, one per line, `#` comments; `-` for stdin. A
    /// line with a comma is CSV as zgrab2 takes it, `address,name[,port]`
    /// (a pairing; an empty side leaves a plain target); a first line
    /// `address,name,port` is a header and skipped.
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
    /// Also try these server names (SNI) on every address (recorded as sni_source
    /// `broadcast`: not a claim that the name belongs there). They never make endpoints of their own: a name that gets
    /// the endpoint's default certificate is listed on the endpoint (or
    /// "not served here" when that certificate does not cover it; no
    /// host-name mismatch), a name that gets its own certificate is a
    /// deployment of it there.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub sni: Vec<String>,
    /// Pair a name with an address, as curl does: every connection to NAME
    /// (on PORT only, when given) goes to ADDRESS and never asks DNS; IPv6
    /// in brackets, `www.example:443:[2001:db8::1]`. Repeat to add
    /// addresses or names.
    #[arg(long, value_name = "NAME:[PORT:]ADDRESS")]
    pub resolve: Vec<String>,
    /// Probe only part K of N of the scope (split by a hash of address and
    /// port): N scanners with 1/N … N/N cover it exactly once.
    #[arg(long, value_name = "K/N", value_parser = crate::targets::Shard::parse)]
    pub shard: Option<crate::targets::Shard>,
    /// Probes in flight at once (default: 1000, capped by the open-file limit).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// New connections per second across the whole scan.
    #[arg(long, value_name = "PER_SECOND", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate: Option<u32>,
    /// Connections at once to one address (default: 4).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub per_host: Option<u64>,
    /// Deadline for the TCP connection, e.g. 500ms, 3s (default: 3s).
    #[arg(long, value_name = "DURATION", value_parser = settings::parse_duration)]
    pub connect_timeout: Option<Duration>,
    /// Deadline for a whole probe, connection included (default: 10s).
    #[arg(long, value_name = "DURATION", value_parser = settings::parse_duration)]
    pub timeout: Option<Duration>,
    /// Output format. The table lists the endpoints that answered, by
    /// address and port, and counts the unresponsive probes in its summary;
    /// JSON and JSON Lines keep every outcome.
    #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = formats::scan())]
    pub format: crate::report::OutputFormat,
    /// List the unresponsive probes (refused, unreachable, connect timeout)
    /// in the table too, instead of only counting them.
    #[arg(long)]
    pub show_closed: bool,
    /// Write the output to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// STARTTLS: `auto` picks the dialect by port (25/587 smtp, 143 imap,
    /// 110 pop3, 21 ftp, 389 ldap, 5432 postgres, 3306 mysql, 5222 xmpp), a dialect name
    /// forces it on every port, `none` disables it (default: auto).
    #[arg(long, value_name = "PROTO", ignore_case = true, value_parser = names::starttls())]
    pub starttls: Option<crate::scan::StartTlsMode>,
    /// Also record which protocol versions each endpoint accepts (TLS 1.3 to SSLv3).
    #[arg(long)]
    pub versions: bool,
    /// Also record which key-exchange groups each endpoint accepts, each
    /// offered alone: the hybrid post-quantum X25519MLKEM768,
    /// SecP256r1MLKEM768 and SecP384r1MLKEM1024, and X25519, secp256r1,
    /// secp384r1 (six more handshakes per endpoint).
    #[arg(long)]
    pub groups: bool,
    /// Also look for a second certificate of the other key type (RSA vs ECDSA).
    #[arg(long)]
    pub all_certs: bool,
    /// After the scan is stored, ask the CAs whether its end-entity
    /// certificates are revoked: OCSP (from the certificate's AIA), else the
    /// CRL (from its CRL distribution points), only at the URLs the
    /// certificates name (`--resolve` pairings apply). A certificate checked
    /// within 24 hours (or before its answer's nextUpdate) is not asked
    /// again. Each request: 10 s, 64 KiB for OCSP, 20 MiB for a CRL, 4 at
    /// once per host.
    #[arg(long)]
    pub check_revocation: bool,
    /// Also try the DNS names found in certificates captured without SNI.
    #[arg(long)]
    pub sni_discover: bool,
    /// Do not retry with the legacy ClientHello (SSLv3 to TLS 1.2) when rustls fails.
    #[arg(long)]
    pub no_legacy: bool,
    /// Extra trust anchors (PEM or DER certificates) for the strict verdict,
    /// for this run; the config's [[anchors]] files are trusted there too.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Vec<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub store: StoreArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub policy: PolicyArgs,
    /// Do not store the scan in the inventory database.
    #[arg(long)]
    pub no_db: bool,
    /// Store every unresponsive probe (refused, unreachable, connect
    /// timeout) as a row. By default those of an address and port that never
    /// accepted a connection are only counted, per port and reason, so a
    /// sweep of a large range does not grow the inventory per address.
    #[arg(long, conflicts_with = "no_db")]
    pub keep_unresponsive: bool,
    /// Verify chains as of this instant (RFC 3339) instead of now.
    #[arg(long, value_name = "TIME", value_parser = settings::parse_instant)]
    pub verify_at: Option<time::OffsetDateTime>,
    /// After the summary, wait at most this long for webhook alerts to be
    /// delivered; what is left stays pending for the next run.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = settings::parse_duration)]
    pub alert_grace: Duration,
}

/// Arguments of `certatlas demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Output format for the scan results (table shows each lab case).
    #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = formats::scan())]
    pub format: crate::report::OutputFormat,
    /// Keep the lab running after the scan until Ctrl-C, to scan it by hand.
    #[arg(long)]
    pub serve: bool,
    /// Keep the demo's inventory in this database (default: a temporary file, removed).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Write the lab's audit report bundle here (default:
    /// certatlas-demo-report in the system's temporary directory; an
    /// earlier bundle there is replaced).
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
}

const SCAN_EXAMPLES: &str = "Examples:
  certatlas scan 192.0.2.0/24 -p 443,8443
  certatlas scan -i hosts.txt --exclude 192.0.2.7 --format jsonl -o scan.jsonl
  certatlas scan mail.example.org:465 '[2001:db8::1]:443' --sni www.example.org
  certatlas scan www.example.org@192.0.2.7 -i cmdb.csv --resolve mail.example.org:25:192.0.2.9
  certatlas scan --config certatlas.toml          # targets and probe options from [scope]

With --config, the config's [scope] supplies every probe option not given on the command
line; the command line wins option by option. Targets or --input replace the config's
targets and input files; exclusions add up; --versions, --groups, --all-certs,
--sni-discover and --no-legacy turn their option on whatever the config says. Every scan records its resolved
options; one whose options differ from the previous scan of its targets says so in its summary.

Exit codes: 0 done, 1 an active finding at or above --fail-on, 2 bad input or operational error,
130 interrupted (output kept, marked incomplete).";
