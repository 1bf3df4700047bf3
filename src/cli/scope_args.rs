//! The config's `[scope]` under the command line: every probe option the
//! command line leaves out is taken from `[scope]`, then from the defaults;
//! and the resolved options as recorded with the scan ([`ProbeOptions`]).
//!
//! Precedence, option by option: the command line, then `[scope]`, then the
//! default. Targets and `--input` files given on the command line replace
//! the config's targets and input files (together); exclusions and
//! exclusion files add up (an exclusion is a promise never to contact);
//! a flag (`--versions`, `--groups`, `--all-certs`, `--check-revocation`, `--sni-discover`, `--no-legacy`)
//! turns its option on whatever the config says.

use std::time::Duration;

use super::ScanArgs;
use crate::config::ScopeConfig;
use crate::scan::options::{ProbeOptions, OPTIONS_VERSION};
use crate::scan::StartTlsMode;

/// `--connect-timeout` when neither the command line nor `[scope]` sets it.
pub(super) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// `--timeout` when neither the command line nor `[scope]` sets it.
pub(super) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// `--per-host` when neither the command line nor `[scope]` sets it.
pub(super) const DEFAULT_PER_HOST: u64 = 4;

/// Fills every option `args` leaves out from the config's `[scope]`.
pub(super) fn apply_config_scope(args: &mut ScanArgs, scope: Option<&ScopeConfig>) {
    let Some(scope) = scope else { return };
    if args.targets.is_empty() && args.input.is_empty() {
        args.targets = scope.targets.clone();
        args.input = scope.input.clone();
    }
    let exclude = std::mem::take(&mut args.exclude);
    args.exclude = scope.exclude.iter().cloned().chain(exclude).collect();
    let files = std::mem::take(&mut args.exclude_file);
    args.exclude_file = scope.exclude_file.iter().cloned().chain(files).collect();
    if args.sni.is_empty() {
        args.sni = scope.sni.clone();
    }
    let resolve = std::mem::take(&mut args.resolve);
    args.resolve = scope.resolve.iter().cloned().chain(resolve).collect();
    args.ports = args.ports.take().or_else(|| scope.ports.clone());
    args.sni_discover |= scope.sni_discover == Some(true);
    args.versions |= scope.versions == Some(true);
    args.groups |= scope.groups == Some(true);
    args.all_certs |= scope.all_certs == Some(true);
    args.check_revocation |= scope.check_revocation == Some(true);
    args.no_legacy |= scope.legacy_fallback == Some(false);
    args.starttls = args.starttls.or(scope.starttls);
    args.connect_timeout = args.connect_timeout.or(scope.connect_timeout);
    args.timeout = args.timeout.or(scope.timeout);
    args.rate = args.rate.or(scope.rate);
    args.concurrency = args.concurrency.or(scope.concurrency);
    args.per_host = args.per_host.or(scope.per_host);
    args.shard = args.shard.or(scope.shard);
}

/// The STARTTLS mode: `auto` unless given.
pub(super) fn starttls(args: &ScanArgs) -> StartTlsMode {
    args.starttls.unwrap_or(StartTlsMode::ByPort)
}

/// The whole-probe deadline.
pub(super) fn timeout(args: &ScanArgs) -> Duration {
    args.timeout.unwrap_or(DEFAULT_TIMEOUT)
}

/// The connection deadline (never longer than the whole-probe deadline).
pub(super) fn connect_timeout(args: &ScanArgs) -> Duration {
    args.connect_timeout
        .unwrap_or(DEFAULT_CONNECT_TIMEOUT)
        .min(timeout(args))
}

/// Connections at once to one address.
pub(super) fn per_host(args: &ScanArgs) -> usize {
    usize::try_from(args.per_host.unwrap_or(DEFAULT_PER_HOST)).unwrap_or(1)
}

/// The resolved options of a scan of `args` (config already applied)
/// probing `ports` with `concurrency` probes in flight.
pub(super) fn probe_options(args: &ScanArgs, ports: &[u16], concurrency: usize) -> ProbeOptions {
    let files = args
        .exclude_file
        .iter()
        .map(|p| format!("@{}", p.display()));
    let exclude = args.exclude.iter().filter(|t| !t.trim().is_empty());
    let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    ProbeOptions {
        options_version: OPTIONS_VERSION,
        ports: ports.to_vec(),
        exclude: exclude.cloned().chain(files).collect(),
        sni: args.sni.iter().map(|n| n.to_ascii_lowercase()).collect(),
        resolve: args.resolve.clone(),
        sni_discover: args.sni_discover,
        versions: args.versions,
        groups: args.groups,
        all_certs: args.all_certs,
        check_revocation: args.check_revocation,
        starttls: starttls(args).name().to_string(),
        legacy_fallback: !args.no_legacy,
        connect_timeout_ms: millis(connect_timeout(args)),
        timeout_ms: millis(timeout(args)),
        rate: args.rate,
        concurrency,
        per_host: per_host(args),
        shard: args.shard.map(|s| s.to_string()),
    }
    .normalised()
}
