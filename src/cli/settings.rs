//! Turning command-line arguments into typed, validated requests.
//!
//! Everything the user wrote is checked here, before any output is opened
//! or any packet sent: a bad target, port list, exclusion or file ends the
//! run with exit code 2 and a message naming where it was written.

use std::path::PathBuf;
use std::time::Duration;

use time::OffsetDateTime;

use super::scope_args;
use super::{DemoArgs, ScanArgs, StoreArgs};
use crate::clock::Clock;
use crate::config::{self, Config, ConfigError};
use crate::probe::ProbeSettings;
use crate::report::OutputFormat;
use crate::scan::limits;
use crate::scan::options::ProbeOptions;
use crate::scan::{ScanLimits, StartTlsMode};
use crate::store::{Database, Store};
use crate::targets::{self, Origin, Scope, ScopeBuilder, TargetSpec, TargetsError};

/// A validated `scan` invocation.
#[derive(Debug)]
pub struct ScanRequest {
    /// What to probe.
    pub scope: Scope,
    /// Concurrency, rate and per-host limits.
    pub limits: ScanLimits,
    /// Per-probe timeouts and choices.
    pub probe: ProbeSettings,
    /// Extra trust anchors for the strict verdict (`--ca-file`).
    pub anchor_files: Vec<PathBuf>,
    /// The config's `[[anchors]]` certificates (DER): trusted in the strict
    /// verdict as well as approved for the CA class.
    pub config_anchors: Vec<Vec<u8>>,
    /// How STARTTLS dialects are chosen.
    pub starttls: StartTlsMode,
    /// Try DNS names found in certificates as SNI.
    pub sni_discover: bool,
    /// How to write results.
    pub format: OutputFormat,
    /// What a table shows (`--show-closed`).
    pub table: crate::report::TableView,
    /// Where to write results (stdout when absent).
    pub output: Option<PathBuf>,
    /// Set when the requested concurrency was lowered to fit the descriptor
    /// budget: (requested, used).
    pub concurrency_lowered: Option<(usize, usize)>,
    /// Where to store the scan; `None` with `--no-db`.
    pub store: Option<StoreRequest>,
    /// The rules evaluated after the scan is stored (shared with the
    /// judging thread).
    pub policy: std::sync::Arc<super::policy::PolicyRequest>,
    /// The targets as written (recorded with the scan).
    pub targets_text: Vec<String>,
    /// Every probe option, resolved (defaults, `[scope]`, command line).
    pub probe_options: ProbeOptions,
    /// [`ScanRequest::probe_options`] as the JSON object recorded with the scan.
    pub options: serde_json::Value,
    /// How long webhook deliveries may go on after the summary.
    pub alert_grace: std::time::Duration,
    /// Store unresponsive probes as rows (`--keep-unresponsive`).
    pub keep_unresponsive: bool,
}

/// The inventory database and configuration a command uses.
#[derive(Debug)]
pub struct StoreRequest {
    /// The inventory database.
    pub db: Database,
    /// The configuration file, loaded and checked.
    pub config: Option<Config>,
}

/// A validated `demo` invocation.
#[derive(Debug)]
pub struct DemoRequest {
    /// How to write the scan results.
    pub format: OutputFormat,
    /// Keep the lab up after the scan.
    pub serve: bool,
    /// The demo's database, when the user chose one.
    pub db: Option<PathBuf>,
    /// Where the lab's audit report bundle goes.
    pub report: PathBuf,
}

/// Why the arguments cannot be run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// A target, exclusion, port list or target file is wrong.
    #[error(transparent)]
    Targets(#[from] TargetsError),
    /// Nothing to scan.
    #[error("no targets: give addresses, ranges or hostnames, or --input FILE")]
    NoTargets,
    /// Every target is excluded.
    #[error("every target is excluded: nothing would be contacted")]
    EverythingExcluded,
    /// The configuration file is wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The rules, the maturity profile or a self-assessment cannot be
    /// loaded.
    #[error(transparent)]
    Policy(#[from] super::policy::PolicyLoadError),
    /// `watch` has no schedule.
    #[error("watch needs a schedule: --every 6h, --cron '0 */6 * * *', or every/cron under [watch] in the --config file")]
    NoSchedule,
    /// A `watch` option that cannot be used as given.
    #[error("{flag}: {problem}")]
    Watch {
        /// The flag or config key.
        flag: String,
        /// What is wrong.
        problem: String,
    },
    /// `--fail-on` needs the findings of a stored scan.
    #[error("--fail-on needs the inventory: it cannot be combined with --no-db")]
    FailOnWithoutStore,
}

/// Validates `--db` and `--config`.
pub fn store_request(args: &StoreArgs) -> Result<StoreRequest, SettingsError> {
    let config = args.config.as_deref().map(config::load).transpose()?;
    Ok(StoreRequest {
        db: database(args.db.as_deref(), config.as_ref()),
        config,
    })
}

/// The inventory: `--db`, else the config's `db` (a relative SQLite path
/// taken from the config file's directory), else `$CERTATLAS_DB` or the
/// default path.
fn database(flag: Option<&str>, config: Option<&config::Config>) -> Database {
    if let Some(flag) = flag {
        return Database::parse(flag);
    }
    let Some(config) = config.filter(|c| c.db.is_some()) else {
        return Store::default_database();
    };
    match Database::parse(config.db.as_deref().unwrap_or_default()) {
        Database::Sqlite(path) if path.is_relative() => {
            let dir = config.path().parent().unwrap_or(std::path::Path::new(""));
            Database::Sqlite(dir.join(path))
        }
        other => other,
    }
}

/// Validates `scan` arguments into a request, stamping with `clock`.
pub fn scan_request(mut args: ScanArgs, clock: Clock) -> Result<ScanRequest, SettingsError> {
    let store = store_request(&args.store)?;
    if args.no_db && args.policy.fail_on.is_some() {
        return Err(SettingsError::FailOnWithoutStore);
    }
    let policy = super::policy::policy_request(&args.policy, store.config.as_ref())?;
    let config_anchors = match &store.config {
        Some(config) => config.approved_anchor_ders()?,
        None => Vec::new(),
    };
    let config_scope = store.config.as_ref().and_then(|c| c.scope.as_ref());
    scope_args::apply_config_scope(&mut args, config_scope);
    let ports = ports_of(&args)?;
    let scope = scope_of(&args, ports.clone())?;
    let (concurrency, lowered) =
        limits::concurrency_within(args.concurrency, limits::descriptor_budget());
    let probe_options = scope_args::probe_options(&args, &ports, concurrency);
    Ok(ScanRequest {
        scope,
        limits: ScanLimits {
            concurrency,
            rate: args.rate,
            per_host: scope_args::per_host(&args),
        },
        probe: probe_settings(&args, clock),
        concurrency_lowered: lowered.then(|| (args.concurrency.unwrap_or(0), concurrency)),
        options: probe_options.to_json(),
        probe_options,
        targets_text: targets_text(&args),
        starttls: scope_args::starttls(&args),
        anchor_files: args.ca_file,
        config_anchors,
        sni_discover: args.sni_discover,
        format: args.format,
        table: crate::report::TableView {
            show_closed: args.show_closed,
        },
        output: args.output,
        store: (!args.no_db).then_some(store),
        policy: std::sync::Arc::new(policy),
        alert_grace: args.alert_grace,
        keep_unresponsive: args.keep_unresponsive,
    })
}

/// The ports to probe: `--ports` (or `[scope] ports`), else the default set.
fn ports_of(args: &ScanArgs) -> Result<Vec<u16>, SettingsError> {
    Ok(match &args.ports {
        Some(text) => {
            targets::parse_ports(text).map_err(|e| e.with_origin(Origin::argument("--ports")))?
        }
        None => targets::DEFAULT_PORTS.to_vec(),
    })
}

/// Targets, ports, exclusions and extra SNI names as one scope.
fn scope_of(args: &ScanArgs, ports: Vec<u16>) -> Result<Scope, SettingsError> {
    let specs = target_specs(args)?;
    let excludes = exclude_specs(args)?;
    let scope = ScopeBuilder::new()
        .targets(specs)
        .ports(ports)
        .exclude(excludes)
        .extra_sni(sni_names(&args.sni)?)
        .resolve(resolve_pairings(&args.resolve)?)
        .shard(args.shard)
        .build();
    if scope.address_count() == 0 {
        return Err(SettingsError::EverythingExcluded);
    }
    Ok(scope)
}

/// The per-probe settings the flags ask for.
fn probe_settings(args: &ScanArgs, clock: Clock) -> ProbeSettings {
    ProbeSettings {
        connect_timeout: scope_args::connect_timeout(args),
        timeout: scope_args::timeout(args),
        clock,
        verify_at: args.verify_at.map(unix_time),
        legacy_fallback: !args.no_legacy,
        all_certs: args.all_certs,
        versions: args.versions,
        groups: args.groups,
    }
}

/// The targets as the user wrote them, files named as `@FILE`.
fn targets_text(args: &ScanArgs) -> Vec<String> {
    let files = args.input.iter().map(|p| format!("@{}", p.display()));
    args.targets.iter().cloned().chain(files).collect()
}

/// Validates `demo` arguments.
pub fn demo_request(args: DemoArgs) -> DemoRequest {
    DemoRequest {
        format: args.format,
        serve: args.serve,
        db: args.db,
        report: args
            .report
            .unwrap_or_else(|| std::env::temp_dir().join("certatlas-demo-report")),
    }
}

/// Positional targets plus every `--input` file.
fn target_specs(args: &ScanArgs) -> Result<Vec<TargetSpec>, SettingsError> {
    let origin = Origin::argument("target argument");
    let mut specs = Vec::new();
    for text in &args.targets {
        specs.push(targets::parse_spec(text).map_err(|e| e.with_origin(origin.clone()))?);
    }
    for path in &args.input {
        specs.extend(targets::read_specs(path)?);
    }
    if specs.is_empty() {
        return Err(SettingsError::NoTargets);
    }
    Ok(specs)
}

/// `--exclude` values plus every `--exclude-file`.
fn exclude_specs(args: &ScanArgs) -> Result<Vec<TargetSpec>, SettingsError> {
    let origin = Origin::argument("--exclude");
    let mut specs = Vec::new();
    for text in args.exclude.iter().filter(|t| !t.trim().is_empty()) {
        specs.push(targets::parse_spec(text).map_err(|e| e.with_origin(origin.clone()))?);
    }
    for path in &args.exclude_file {
        specs.extend(targets::read_specs(path)?);
    }
    Ok(specs)
}

/// The `--sni` names, checked by the targets' host-name rules and
/// normalized.
fn sni_names(values: &[String]) -> Result<Vec<String>, TargetsError> {
    let origin = Origin::argument("--sni");
    values
        .iter()
        .map(|name| targets::parse_host_name_in(name, &origin))
        .collect()
}

/// The `--resolve` pairings (`name:address` or `name:port:address`).
fn resolve_pairings(values: &[String]) -> Result<Vec<targets::Pairing>, TargetsError> {
    let origin = Origin::argument("--resolve");
    values
        .iter()
        .map(|value| targets::parse_resolve_in(value, &origin))
        .collect()
}

/// Durations (`500ms`, `3s`, `6h`, `1d`): the parser lives in `schedule`.
pub use crate::schedule::parse_duration;

/// An RFC 3339 instant.
pub fn parse_instant(text: &str) -> Result<OffsetDateTime, crate::time_text::NotRfc3339> {
    crate::time_text::parse_instant(text)
}

/// Converts to the verifier's clock type.
fn unix_time(at: OffsetDateTime) -> rustls::pki_types::UnixTime {
    let seconds = u64::try_from(at.unix_timestamp()).unwrap_or(0);
    rustls::pki_types::UnixTime::since_unix_epoch(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests;
