//! `[scope]`: what `certatlas scan --config` and `certatlas watch --config`
//! scan and how, with every probe option the command line has (targets and
//! target files, ports, exclusions, SNI names, `sni_discover`, `versions`,
//! `groups`, `all_certs`, `check_revocation`, `starttls`, `legacy_fallback`, timeouts, rate, concurrency,
//! per-host limit, shard). Every value is checked when the file is loaded;
//! a bad one is an error at its `file:line:column`. How the command line
//! overrides these is `cli`'s business (README, "`[scope]`").

use std::path::PathBuf;
use std::time::Duration;

use crate::document::Spanned;
use serde::Deserialize;

use super::error::ConfigError;
use super::source::Source;
use crate::scan::StartTlsMode;
use crate::targets::{self, Origin, Shard};

/// `[scope]`, checked. Target specs, ports and exclusions are kept as
/// written (already checked to parse); the rest is typed. `None` (or an
/// empty list) means the key is absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeConfig {
    /// `targets`: target specs (addresses, CIDR blocks, ranges, host names, `host:port`).
    pub targets: Vec<String>,
    /// `input`: target files (relative to the config file's directory).
    pub input: Vec<PathBuf>,
    /// `ports`: a port list such as `"443,8443"`.
    pub ports: Option<String>,
    /// `exclude`: specs never to contact.
    pub exclude: Vec<String>,
    /// `exclude_file`: files of specs never to contact (relative to the config file).
    pub exclude_file: Vec<PathBuf>,
    /// `sni`: server names tried on every address.
    pub sni: Vec<String>,
    /// `resolve`: names paired with addresses, as `--resolve` takes them
    /// (`name:address` or `name:port:address`).
    pub resolve: Vec<String>,
    /// `sni_discover`: also try the DNS names found in certificates.
    pub sni_discover: Option<bool>,
    /// `versions`: also record the accepted protocol versions.
    pub versions: Option<bool>,
    /// `groups`: also record the accepted key-exchange groups.
    pub groups: Option<bool>,
    /// `all_certs`: also look for a certificate of the other key type.
    pub all_certs: Option<bool>,
    /// `check_revocation`: ask the CAs (OCSP, CRL) whether the scan's
    /// certificates are revoked.
    pub check_revocation: Option<bool>,
    /// `starttls`: `auto`, `none` or a dialect name.
    pub starttls: Option<StartTlsMode>,
    /// `legacy_fallback`: retry with the legacy ClientHello (`false` is `--no-legacy`).
    pub legacy_fallback: Option<bool>,
    /// `connect_timeout`: the TCP connection deadline.
    pub connect_timeout: Option<Duration>,
    /// `timeout`: the whole-probe deadline.
    pub timeout: Option<Duration>,
    /// `rate`: new connections per second across the scan.
    pub rate: Option<u32>,
    /// `concurrency`: probes in flight at once.
    pub concurrency: Option<usize>,
    /// `per_host`: connections at once to one address.
    pub per_host: Option<u64>,
    /// `shard`: the part `K/N` of the scope this scanner probes.
    pub shard: Option<Shard>,
}

/// `[scope]` as serde reads it: unknown keys and wrong types are errors.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScope {
    /// Target specs, as on the command line: addresses, CIDR blocks, dash ranges, host names, each optionally with `:port`.
    #[serde(default)]
    targets: Vec<Spanned<String>>,
    /// Target files (`-i/--input`), relative to the config file.
    #[serde(default)]
    input: Vec<Spanned<String>>,
    /// Port list such as `"443,8443"` or `"443,8000-8100"` (`-p/--ports`); default: the built-in TLS port set.
    ports: Option<Spanned<String>>,
    /// Specs never to contact (`--exclude`); the config's and the command line's add up.
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    /// Files of specs never to contact (`--exclude-file`), relative to the config file.
    #[serde(default)]
    exclude_file: Vec<Spanned<String>>,
    /// Server names tried on every address (`--sni`).
    #[serde(default)]
    sni: Vec<Spanned<String>>,
    /// Names paired with addresses, `name:address` or `name:port:address` (`--resolve`): never ask DNS for them.
    #[serde(default)]
    resolve: Vec<Spanned<String>>,
    /// Also try the DNS names found in certificates (`--sni-discover`).
    sni_discover: Option<bool>,
    /// Also record which protocol versions each endpoint accepts (`--versions`).
    versions: Option<bool>,
    /// Also record which key-exchange groups each endpoint accepts (`--groups`).
    groups: Option<bool>,
    /// Also look for a second certificate of the other key type (`--all-certs`).
    all_certs: Option<bool>,
    /// Ask the CAs (OCSP, else CRL) whether the scan's certificates are revoked (`--check-revocation`).
    check_revocation: Option<bool>,
    /// `auto` (default), `none`, or a dialect forced on every port (`--starttls`).
    starttls: Option<Spanned<String>>,
    /// `false` never retries with the legacy ClientHello (`--no-legacy`; default `true`).
    legacy_fallback: Option<bool>,
    /// TCP connection deadline, e.g. `"500ms"` (`--connect-timeout`; default `3s`).
    connect_timeout: Option<Spanned<String>>,
    /// Whole-probe deadline (`--timeout`; default `10s`).
    timeout: Option<Spanned<String>>,
    /// New connections per second across the scan (`--rate`; default: no limit).
    rate: Option<Spanned<i64>>,
    /// Probes in flight at once (`--concurrency`; default 1000, capped by the open-file limit).
    concurrency: Option<Spanned<i64>>,
    /// Connections at once to one address, 1-1024 (`--per-host`; default 4).
    per_host: Option<Spanned<i64>>,
    /// `K/N`: the part of the scope this scanner probes (`--shard`).
    shard: Option<Spanned<String>>,
}

/// Checks every `[scope]` value; errors name the key and its position.
pub(super) fn check_scope(raw: RawScope, src: &Source<'_>) -> Result<ScopeConfig, ConfigError> {
    let checker = Checker { src };
    Ok(ScopeConfig {
        targets: checker.specs("targets", raw.targets)?,
        input: checker.files("input", raw.input)?,
        ports: raw.ports.map(|p| checker.ports(p)).transpose()?,
        exclude: checker.specs("exclude", raw.exclude)?,
        exclude_file: checker.files("exclude_file", raw.exclude_file)?,
        sni: checker.names(raw.sni)?,
        resolve: checker.pairings(raw.resolve)?,
        sni_discover: raw.sni_discover,
        versions: raw.versions,
        groups: raw.groups,
        all_certs: raw.all_certs,
        check_revocation: raw.check_revocation,
        starttls: checker.parsed("starttls", raw.starttls, StartTlsMode::parse)?,
        legacy_fallback: raw.legacy_fallback,
        connect_timeout: checker.parsed(
            "connect_timeout",
            raw.connect_timeout,
            crate::schedule::parse_config_duration,
        )?,
        timeout: checker.parsed(
            "timeout",
            raw.timeout,
            crate::schedule::parse_config_duration,
        )?,
        rate: checker.number("rate", raw.rate, 1, i64::from(u32::MAX))?,
        concurrency: checker.number("concurrency", raw.concurrency, 1, 1 << 20)?,
        per_host: checker.number("per_host", raw.per_host, 1, 1024)?,
        shard: checker.parsed("shard", raw.shard, Shard::parse)?,
    })
}

/// The checks of `[scope]` values, each error at the value's position.
struct Checker<'a, 'b> {
    src: &'a Source<'b>,
}

impl Checker<'_, '_> {
    fn error(
        &self,
        value_span: std::ops::Range<usize>,
        key: &str,
        e: impl std::fmt::Display,
    ) -> ConfigError {
        self.src.error(&value_span, format!("scope.{key}: {e}"))
    }

    /// Target specs, as the command line takes them.
    fn specs(&self, key: &str, values: Vec<Spanned<String>>) -> Result<Vec<String>, ConfigError> {
        values
            .into_iter()
            .map(|value| match targets::parse_spec(value.get_ref()) {
                Ok(_) => Ok(value.into_inner()),
                Err(e) => Err(self.error(value.span(), key, e)),
            })
            .collect()
    }

    /// File names, not blank, resolved against the config file's directory.
    fn files(&self, key: &str, values: Vec<Spanned<String>>) -> Result<Vec<PathBuf>, ConfigError> {
        values
            .into_iter()
            .map(|value| match value.get_ref().trim().is_empty() {
                true => Err(self.error(value.span(), key, "empty file name")),
                false => Ok(self.src.resolve(value.get_ref())),
            })
            .collect()
    }

    /// A port list.
    fn ports(&self, ports: Spanned<String>) -> Result<String, ConfigError> {
        match targets::parse_ports_in(ports.get_ref(), &Origin::Unspecified) {
            Ok(_) => Ok(ports.into_inner()),
            Err(e) => Err(self.error(ports.span(), "ports", e)),
        }
    }

    /// Server names usable as SNI.
    fn names(&self, values: Vec<Spanned<String>>) -> Result<Vec<String>, ConfigError> {
        values
            .into_iter()
            .map(
                |value| match targets::parse_host_name_in(value.get_ref(), &Origin::Unspecified) {
                    Ok(_) => Ok(value.into_inner()),
                    Err(e) => Err(self.error(value.span(), "sni", e)),
                },
            )
            .collect()
    }

    /// Name and address pairings, as `--resolve` takes them.
    fn pairings(&self, values: Vec<Spanned<String>>) -> Result<Vec<String>, ConfigError> {
        values
            .into_iter()
            .map(
                |value| match targets::parse_resolve_in(value.get_ref(), &Origin::Unspecified) {
                    Ok(_) => Ok(value.into_inner()),
                    Err(e) => Err(self.error(value.span(), "resolve", e)),
                },
            )
            .collect()
    }

    /// A text value parsed by `parse`.
    fn parsed<T, E: std::fmt::Display>(
        &self,
        key: &str,
        value: Option<Spanned<String>>,
        parse: impl Fn(&str) -> Result<T, E>,
    ) -> Result<Option<T>, ConfigError> {
        let Some(value) = value else { return Ok(None) };
        parse(value.get_ref())
            .map(Some)
            .map_err(|e| self.error(value.span(), key, e.to_string()))
    }

    /// An integer in `min..=max`.
    fn number<T: TryFrom<i64>>(
        &self,
        key: &str,
        value: Option<Spanned<i64>>,
        min: i64,
        max: i64,
    ) -> Result<Option<T>, ConfigError> {
        let Some(value) = value else { return Ok(None) };
        let number = *value.get_ref();
        match (min..=max).contains(&number) {
            true => Ok(T::try_from(number).ok()),
            false => Err(self.error(
                value.span(),
                key,
                format!("{number} is out of range ({min} to {max})"),
            )),
        }
    }
}

#[cfg(test)]
#[path = "scope_tests.rs"]
pub(crate) mod tests;
