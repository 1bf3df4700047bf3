//! The scan engine: bounded-concurrency probing of a lazy target stream.
//!
//! Targets are pulled from the [`Scope`] one at a time; a slot of the global
//! semaphore is taken *before* a task is spawned, so at most `concurrency`
//! probes exist at once and the stream is never read ahead. Finished tasks
//! are reaped as the loop goes. Hostnames are resolved inside their task
//! (through the scope's [`Pairings`] first: a paired name never asks DNS)
//! and every address they resolve to (unless excluded) is probed with the
//! name as SNI. The SNI's source comes with the target. Observations leave through a bounded channel, so a slow writer slows
//! the scan instead of growing memory. Cancellation stops dispatching, aborts
//! probes in flight and reports the run as incomplete.

pub mod header;
pub mod limits;
pub mod options;
pub mod summary;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use strum::VariantArray;
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::observation::{Observation, Outcome, Phase, SniSource};
use crate::probe::{self, Dialect, Endpoint, Prober};
use crate::targets::{Host, Pairings, Scope, Target};
use limits::{HostLimiter, RateLimiter};

/// At most this many names are tried per address by SNI discovery.
const MAX_DISCOVERED_NAMES: usize = 32;

/// How hard the engine may push.
#[derive(Debug, Clone)]
pub struct ScanLimits {
    /// Probes in flight at once (already capped by the descriptor budget).
    pub concurrency: usize,
    /// New connections per second across the scan, if limited.
    pub rate: Option<u32>,
    /// Connections at once to one address.
    pub per_host: usize,
}

/// How the engine's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineRun {
    /// False when the run was cancelled before every target was probed.
    pub complete: bool,
    /// Targets handed to a probe task.
    pub dispatched: u64,
}

/// A `--starttls` or `[scope] starttls` value that is neither `auto`,
/// `none` nor a dialect name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a STARTTLS dialect (auto, none, {names})", names = dialect_names())]
pub struct UnknownStartTls(pub String);

/// The dialect names, comma-separated.
fn dialect_names() -> String {
    let names: Vec<&str> = Dialect::VARIANTS.iter().map(|d| d.name()).collect();
    names.join(", ")
}

/// How the engine picks a STARTTLS dialect for each target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartTlsMode {
    /// By port: 25/587 SMTP, 143 IMAP, 110 POP3, 21 FTP, 389 LDAP, 5432
    /// PostgreSQL, 5222 XMPP; every other port is plain TLS.
    ByPort,
    /// The same dialect on every port (`--starttls PROTO`).
    Force(Dialect),
    /// Never (`--starttls none`).
    Off,
}

impl StartTlsMode {
    /// The dialect for `port` under this mode.
    pub fn dialect_for(self, port: u16) -> Option<Dialect> {
        match self {
            StartTlsMode::ByPort => Dialect::for_port(port),
            StartTlsMode::Force(dialect) => Some(dialect),
            StartTlsMode::Off => None,
        }
    }

    /// Parses `auto`, `none` or a STARTTLS dialect name (as `--starttls`
    /// and `[scope] starttls` take it); the error lists the choices.
    pub fn parse(text: &str) -> Result<StartTlsMode, UnknownStartTls> {
        match text.trim() {
            "auto" => Ok(StartTlsMode::ByPort),
            "none" => Ok(StartTlsMode::Off),
            name => Dialect::from_name(name)
                .map(StartTlsMode::Force)
                .ok_or_else(|| UnknownStartTls(name.to_string())),
        }
    }

    /// The name [`StartTlsMode::parse`] takes: `auto`, `none` or the dialect.
    pub fn name(self) -> &'static str {
        match self {
            StartTlsMode::ByPort => "auto",
            StartTlsMode::Off => "none",
            StartTlsMode::Force(dialect) => dialect.name(),
        }
    }
}

/// Extracts the DNS names worth trying as SNI from a leaf certificate (DER).
pub type NameExtractor = Arc<dyn Fn(&[u8]) -> Vec<String> + Send + Sync>;

/// The targets of one run and the per-target decisions the engine needs.
pub struct Work {
    /// The lazy target stream.
    pub targets: Box<dyn Iterator<Item = Target> + Send>,
    /// True for an address that must never be contacted.
    pub excluded: Box<dyn Fn(IpAddr) -> bool + Send + Sync>,
    /// The STARTTLS dialect for an address and port.
    pub dialect: Box<dyn Fn(IpAddr, u16) -> Option<Dialect> + Send + Sync>,
    /// With `--sni-discover`: how to find names in a captured leaf, and the
    /// names already tried on every address (not tried again).
    pub discover: Option<(NameExtractor, Vec<String>)>,
    /// Names paired with addresses (`--resolve`, `name@address`): used
    /// instead of DNS for those names.
    pub pairings: Arc<Pairings>,
}

impl Work {
    /// The work of a scope, picking dialects by `mode`.
    pub fn from_scope(scope: Scope, mode: StartTlsMode) -> Work {
        let targets = Box::new(scope.iter());
        Work {
            targets,
            pairings: Arc::clone(scope.pairings()),
            excluded: Box::new(move |ip| scope.is_excluded(ip)),
            dialect: Box::new(move |_, port| mode.dialect_for(port)),
            discover: None,
        }
    }

    /// An explicit list of targets, each with its dialect, and no
    /// exclusions (the demo lab).
    pub fn list(targets: Vec<(Target, Option<Dialect>)>) -> Work {
        let dialects: HashMap<(IpAddr, u16), Dialect> = targets
            .iter()
            .filter_map(|(t, d)| Some(((target_ip(t)?, t.port), (*d)?)))
            .collect();
        Work {
            targets: Box::new(targets.into_iter().map(|(t, _)| t)),
            excluded: Box::new(|_| false),
            dialect: Box::new(move |ip, port| dialects.get(&(ip, port)).copied()),
            discover: None,
            pairings: Arc::default(),
        }
    }
}

/// The address of a target given as an address.
fn target_ip(target: &Target) -> Option<IpAddr> {
    match target.host {
        Host::Ip(ip) => Some(ip),
        Host::Name(_) => None,
    }
}

/// What every probe task shares.
struct Shared {
    prober: Arc<Prober>,
    excluded: Box<dyn Fn(IpAddr) -> bool + Send + Sync>,
    dialect: Box<dyn Fn(IpAddr, u16) -> Option<Dialect> + Send + Sync>,
    discover: Option<(NameExtractor, Vec<String>)>,
    pairings: Arc<Pairings>,
    hosts: Arc<HostLimiter>,
    pacer: Option<RateLimiter>,
    sink: mpsc::Sender<Observation>,
}

/// Probes every target of `work`, sending one observation per endpoint to
/// `sink`, until the targets are exhausted or `cancel` fires.
pub async fn run(
    work: Work,
    prober: Arc<Prober>,
    limits: ScanLimits,
    sink: mpsc::Sender<Observation>,
    cancel: CancellationToken,
) -> EngineRun {
    let shared = Arc::new(Shared {
        prober,
        hosts: HostLimiter::new(limits.per_host),
        pacer: limits.rate.map(RateLimiter::new),
        excluded: work.excluded,
        dialect: work.dialect,
        discover: work.discover,
        pairings: work.pairings,
        sink,
    });
    let slots = Arc::new(Semaphore::new(limits.concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let mut dispatched = 0u64;
    let mut complete = true;
    for target in work.targets {
        while let Some(result) = tasks.try_join_next() {
            report_panic(result);
        }
        let permit = tokio::select! {
            biased;
            _ = cancel.cancelled() => { complete = false; break; }
            permit = slots.clone().acquire_owned() => permit.expect("scan semaphore is never closed"),
        };
        let shared = shared.clone();
        tasks.spawn(async move {
            probe_target(&shared, target).await;
            drop(permit);
        });
        dispatched += 1;
    }
    complete &= drain(&mut tasks, &cancel).await;
    EngineRun {
        complete,
        dispatched,
    }
}

/// Waits for the tasks in flight; on cancellation aborts them. Returns false
/// when it had to abort.
async fn drain(tasks: &mut JoinSet<()>, cancel: &CancellationToken) -> bool {
    loop {
        tokio::select! {
            biased;
            _ = cancel.cancelled() => {
                tasks.abort_all();
                while tasks.join_next().await.is_some() {}
                return false;
            }
            next = tasks.join_next() => match next {
                Some(result) => report_panic(result),
                None => return !cancel.is_cancelled(),
            },
        }
    }
}

/// Logs a probe task that panicked (a bug, never a target's fault).
fn report_panic(result: Result<(), tokio::task::JoinError>) {
    if let Err(e) = result {
        if e.is_panic() {
            tracing::error!("a probe task panicked: {e}");
        }
    }
}

/// Probes one target: directly for an address; for a name at its paired
/// addresses, else through DNS.
async fn probe_target(shared: &Shared, target: Target) {
    let Target {
        host,
        port,
        sni,
        sni_source,
    } = target;
    let (name, addresses) = match host {
        Host::Ip(address) => (address.to_string(), vec![address]),
        Host::Name(name) => match shared.pairings.addresses(&name, port) {
            Some(addresses) => (name, addresses),
            None => {
                let timeout = shared.prober.settings().connect_timeout;
                match resolve(&name, port, timeout).await {
                    Ok(addresses) => (name, addresses),
                    Err(outcome) => {
                        let at = shared.prober.settings().clock.now();
                        let obs = probe::unresolved(&name, port, (sni, sni_source), outcome, at);
                        let _ = shared.sink.send(obs).await;
                        return;
                    }
                }
            }
        },
    };
    for address in addresses {
        if (shared.excluded)(address) {
            tracing::debug!(%name, %address, "resolved address is excluded; not contacted");
            continue;
        }
        let endpoint = Endpoint {
            host: name.clone(),
            address,
            port,
            sni: sni.clone(),
            sni_source,
            starttls: (shared.dialect)(address, port),
        };
        let leaves = probe_endpoint(shared, &endpoint).await;
        if sni_source == SniSource::None {
            discover_names(shared, &endpoint, &leaves).await;
        }
    }
}

/// Probes one endpoint within the per-host cap and the global rate, sends
/// its observations, and returns the leaves captured.
async fn probe_endpoint(shared: &Shared, endpoint: &Endpoint) -> Vec<Vec<u8>> {
    let _slot = shared.hosts.acquire(endpoint.address).await;
    if let Some(pacer) = &shared.pacer {
        pacer.wait().await;
    }
    let mut leaves = Vec::new();
    for observation in shared.prober.probe(endpoint).await {
        leaves.extend(observation.chain_der.first().cloned());
        // A closed sink means the writer is gone (run cancelled); stop quietly.
        if shared.sink.send(observation).await.is_err() {
            break;
        }
    }
    leaves
}

/// With `--sni-discover`: probes the DNS names found in the leaves captured
/// without SNI, each as its own observation marked `discovered`.
async fn discover_names(shared: &Shared, endpoint: &Endpoint, leaves: &[Vec<u8>]) {
    let Some((extract, known)) = &shared.discover else {
        return;
    };
    let mut tried: Vec<String> = known.clone();
    for name in leaves.iter().flat_map(|leaf| extract(leaf)) {
        if tried.len() >= known.len() + MAX_DISCOVERED_NAMES || tried.contains(&name) {
            continue;
        }
        tried.push(name.clone());
        let discovered = Endpoint {
            sni: Some(name),
            sni_source: SniSource::Discovered,
            ..endpoint.clone()
        };
        probe_endpoint(shared, &discovered).await;
    }
}

/// Resolves a hostname to its distinct addresses, in resolver order.
async fn resolve(name: &str, port: u16, timeout: Duration) -> Result<Vec<IpAddr>, Outcome> {
    let lookup = tokio::net::lookup_host((name, port));
    let found = match tokio::time::timeout(timeout, lookup).await {
        Err(_) => {
            return Err(Outcome::Timeout {
                phase: Phase::Resolve,
            })
        }
        Ok(Err(e)) => {
            return Err(Outcome::DnsError {
                reason: e.to_string(),
            })
        }
        Ok(Ok(found)) => found,
    };
    let mut addresses: Vec<IpAddr> = Vec::new();
    for address in found.map(|sa| sa.ip()) {
        if !addresses.contains(&address) {
            addresses.push(address);
        }
    }
    if addresses.is_empty() {
        return Err(Outcome::DnsError {
            reason: "no addresses".into(),
        });
    }
    Ok(addresses)
}
