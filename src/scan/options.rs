//! [`ProbeOptions`]: every option that shapes what a scan's probes could
//! see, resolved (defaults, then the config's `[scope]`, then the command
//! line), as one documented JSON object recorded in `scans.options`; and
//! [`OptionsChange`]: how a scan's options differ from those of the
//! previous scan of its scope, said in the scan summary.
//!
//! The judge reads these to tell what a scan could see (a name not tried,
//! versions not probed, a port not in scope). Stores written before this
//! shape existed hold an untyped object with fewer keys (`options_version`
//! absent); [`ProbeOptions::from_stored`] reads both.

use std::collections::BTreeSet;
use std::fmt::Display;

use serde::{Deserialize, Serialize};

/// The shape version written by this release.
pub const OPTIONS_VERSION: u32 = 2;

/// Every probe option of a scan, resolved. Serialised as the `scans.options`
/// JSON object (documented in the README, table `scans`). Lists are sorted
/// and deduplicated, so equal options serialise equally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeOptions {
    /// Shape version: 2 (1 is the older untyped object, read by
    /// [`ProbeOptions::from_stored`]).
    pub options_version: u32,
    /// Ports probed on every address target (a `host:port` target adds its own).
    pub ports: Vec<u16>,
    /// Exclusions as written (`--exclude`, `[scope] exclude`), and each
    /// exclusion file as `@FILE`.
    pub exclude: Vec<String>,
    /// Names broadcast as SNI on every address (`--sni`, `[scope] sni`), lowercase.
    pub sni: Vec<String>,
    /// Name-to-address pairings (`--resolve`); empty until that option exists.
    #[serde(default)]
    pub resolve: Vec<String>,
    /// Names found in certificates were tried as SNI (`--sni-discover`).
    pub sni_discover: bool,
    /// Accepted protocol versions were probed (`--versions`).
    pub versions: bool,
    /// Accepted key-exchange groups were probed (`--groups`); absent in
    /// records made before the option existed (read as false).
    #[serde(default)]
    pub groups: bool,
    /// A second certificate of the other key type was looked for (`--all-certs`).
    pub all_certs: bool,
    /// The revocation status of the scan's certificates was asked of
    /// their CAs (`--check-revocation`).
    #[serde(default)]
    pub check_revocation: bool,
    /// STARTTLS mode: `auto`, `none`, or the dialect forced on every port.
    pub starttls: String,
    /// The legacy ClientHello was tried when rustls failed (not `--no-legacy`).
    pub legacy_fallback: bool,
    /// TCP connection deadline, milliseconds.
    pub connect_timeout_ms: u64,
    /// Whole-probe deadline, milliseconds.
    pub timeout_ms: u64,
    /// New connections per second across the scan; `null` for no limit.
    #[serde(default)]
    pub rate: Option<u32>,
    /// Probes in flight at once (after the open-file budget).
    #[serde(default)]
    pub concurrency: usize,
    /// Connections at once to one address.
    #[serde(default)]
    pub per_host: usize,
    /// `K/N` for a shard scan; `null` otherwise (and in a cycle scan).
    #[serde(default)]
    pub shard: Option<String>,
}

/// How a scan's options differ from the previous scan of its scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionsChange {
    /// The previous scan of the scope (`scans.id`).
    pub previous_scan: i64,
    /// One entry per option that differs: `+versions`, `-all-certs`,
    /// `sni: +a.example -b.example`, `timeout: 10s -> 5s`.
    pub changes: Vec<String>,
}

impl OptionsChange {
    /// `note: options differ from scan 12: +versions, sni: -tls10.example`.
    pub fn line(&self) -> String {
        format!(
            "note: options differ from scan {}: {}",
            self.previous_scan,
            self.changes.join(", ")
        )
    }
}

/// At most this many added or removed values are listed per option.
const LISTED: usize = 6;

impl ProbeOptions {
    /// Sorts and deduplicates the lists (done by every constructor).
    pub fn normalised(mut self) -> ProbeOptions {
        for list in [&mut self.exclude, &mut self.sni, &mut self.resolve] {
            list.sort();
            list.dedup();
        }
        self.ports.sort_unstable();
        self.ports.dedup();
        self
    }

    /// The JSON object stored in `scans.options`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// Reads a stored `scans.options` object: this shape, or the older one
    /// (version 1: `ports` as written or `null` for the default set,
    /// `starttls` as `ByPort`/`Off`/`Force(Smtp)`, no limits). `None` for
    /// an object that records no probe options (a demo scan's).
    pub fn from_stored(value: &serde_json::Value) -> Option<ProbeOptions> {
        if value.get("options_version").is_some() {
            return serde_json::from_value(value.clone())
                .ok()
                .map(ProbeOptions::normalised);
        }
        legacy(value)
    }

    /// What differs from `previous` (the options of scan `previous_scan`);
    /// `None` when nothing does. Limits a version-1 record does not hold
    /// (rate, concurrency, per-host) are not compared with it.
    pub fn change_from(
        &self,
        previous: &ProbeOptions,
        previous_scan: i64,
    ) -> Option<OptionsChange> {
        let (a, b) = (previous, self);
        let mut changes = Vec::new();
        list_change(&mut changes, "ports", &a.ports, &b.ports);
        list_change(&mut changes, "exclude", &a.exclude, &b.exclude);
        list_change(&mut changes, "sni", &a.sni, &b.sni);
        list_change(&mut changes, "resolve", &a.resolve, &b.resolve);
        flag_change(&mut changes, "sni-discover", a.sni_discover, b.sni_discover);
        flag_change(&mut changes, "versions", a.versions, b.versions);
        flag_change(&mut changes, "groups", a.groups, b.groups);
        flag_change(&mut changes, "all-certs", a.all_certs, b.all_certs);
        flag_change(
            &mut changes,
            "check-revocation",
            a.check_revocation,
            b.check_revocation,
        );
        flag_change(
            &mut changes,
            "legacy-fallback",
            a.legacy_fallback,
            b.legacy_fallback,
        );
        value_change(&mut changes, "starttls", &a.starttls, &b.starttls);
        let ms = |v: u64| humantime_ms(v);
        value_change(
            &mut changes,
            "connect-timeout",
            ms(a.connect_timeout_ms),
            ms(b.connect_timeout_ms),
        );
        value_change(&mut changes, "timeout", ms(a.timeout_ms), ms(b.timeout_ms));
        if a.options_version >= OPTIONS_VERSION && b.options_version >= OPTIONS_VERSION {
            let rate = |r: Option<u32>| r.map_or_else(|| "none".to_string(), |r| r.to_string());
            value_change(&mut changes, "rate", rate(a.rate), rate(b.rate));
            value_change(&mut changes, "concurrency", a.concurrency, b.concurrency);
            value_change(&mut changes, "per-host", a.per_host, b.per_host);
        }
        let shard = |s: &Option<String>| s.clone().unwrap_or_else(|| "none".into());
        value_change(&mut changes, "shard", shard(&a.shard), shard(&b.shard));
        (!changes.is_empty()).then_some(OptionsChange {
            previous_scan,
            changes,
        })
    }
}

/// `+name` or `-name` when a flag was turned on or off.
fn flag_change(changes: &mut Vec<String>, name: &str, before: bool, now: bool) {
    match (before, now) {
        (false, true) => changes.push(format!("+{name}")),
        (true, false) => changes.push(format!("-{name}")),
        _ => {}
    }
}

/// `name: before -> now` when a value changed.
fn value_change<T: PartialEq + Display>(changes: &mut Vec<String>, name: &str, before: T, now: T) {
    if before != now {
        changes.push(format!("{name}: {before} -> {now}"));
    }
}

/// `name: +added -removed` (at most [`LISTED`] of each, then `+N more`).
fn list_change<T: Ord + Display>(changes: &mut Vec<String>, name: &str, before: &[T], now: &[T]) {
    let before: BTreeSet<&T> = before.iter().collect();
    let now: BTreeSet<&T> = now.iter().collect();
    let added: Vec<&T> = now.difference(&before).copied().collect();
    let removed: Vec<&T> = before.difference(&now).copied().collect();
    if added.is_empty() && removed.is_empty() {
        return;
    }
    let mut parts = listed('+', &added);
    parts.extend(listed('-', &removed));
    changes.push(format!("{name}: {}", parts.join(" ")));
}

fn listed<T: Display>(sign: char, values: &[&T]) -> Vec<String> {
    let mut parts: Vec<String> = values
        .iter()
        .take(LISTED)
        .map(|v| format!("{sign}{v}"))
        .collect();
    if values.len() > LISTED {
        parts.push(format!("({sign}{} more)", values.len() - LISTED));
    }
    parts
}

/// `500ms`, `3s`, `2m` (as the flags take durations).
fn humantime_ms(ms: u64) -> String {
    match ms {
        ms if ms % 60_000 == 0 && ms > 0 => format!("{}m", ms / 60_000),
        ms if ms % 1000 == 0 => format!("{}s", ms / 1000),
        ms => format!("{ms}ms"),
    }
}

/// The version-1 object, or `None` when it lacks the probe options.
fn legacy(value: &serde_json::Value) -> Option<ProbeOptions> {
    let object = value.as_object()?;
    if !["starttls", "timeout_ms", "connect_timeout_ms"]
        .iter()
        .all(|key| object.contains_key(*key))
    {
        return None;
    }
    let strings = |key: &str| -> Vec<String> {
        let items = object.get(key).and_then(|v| v.as_array());
        let items = items.map(|items| items.iter().filter_map(|i| i.as_str()));
        items.map_or_else(Vec::new, |i| i.map(str::to_string).collect())
    };
    let flag =
        |key: &str, default: bool| object.get(key).and_then(|v| v.as_bool()).unwrap_or(default);
    let ms = |key: &str| object.get(key).and_then(|v| v.as_u64()).unwrap_or(0);
    let ports = match object.get("ports").and_then(|v| v.as_str()) {
        Some(text) => crate::targets::parse_ports(text).ok()?,
        None => crate::targets::DEFAULT_PORTS.to_vec(),
    };
    let options = ProbeOptions {
        options_version: 1,
        ports,
        exclude: strings("exclude"),
        sni: strings("sni")
            .iter()
            .map(|n| n.to_ascii_lowercase())
            .collect(),
        resolve: Vec::new(),
        sni_discover: flag("sni_discover", false),
        versions: flag("versions", false),
        groups: false,
        all_certs: flag("all_certs", false),
        check_revocation: false,
        starttls: legacy_starttls(object.get("starttls")?.as_str()?),
        legacy_fallback: flag("legacy_fallback", true),
        connect_timeout_ms: ms("connect_timeout_ms"),
        timeout_ms: ms("timeout_ms"),
        rate: None,
        concurrency: 0,
        per_host: 0,
        shard: object
            .get("shard")
            .and_then(|v| v.as_str())
            .map(str::to_string),
    };
    Some(options.normalised())
}

/// `ByPort` -> `auto`, `Off` -> `none`, `Force(Smtp)` -> `smtp`.
fn legacy_starttls(text: &str) -> String {
    match text {
        "ByPort" => "auto".into(),
        "Off" => "none".into(),
        other => other
            .strip_prefix("Force(")
            .and_then(|rest| rest.strip_suffix(')'))
            .unwrap_or(other)
            .to_ascii_lowercase(),
    }
}

#[cfg(test)]
mod tests;
