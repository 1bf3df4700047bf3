//! The scan engine: bounded-concurrency probing of a lazy target stream.
//!
//! Targets are pulled from the [`Scope`] one at a time; a slot of the global
//! semaphore is taken *before* a task is spawned, so at most `concurrency`
//! probes exist at once and the stream is never read ahead. Finished tasks
//! are reaped as the loop goes. Hostnames are resolved inside their task and
//! every address they resolve to (unless excluded) is probed with the name as
//! SNI. Observations leave through a bounded channel, so a slow writer slows
//! the scan instead of growing memory. Cancellation stops dispatching, aborts
//! probes in flight and reports the run as incomplete.

pub mod limits;
pub mod summary;

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::observation::{Observation, Outcome, Phase};
use crate::probe::{self, Endpoint, Prober};
use crate::targets::{Host, Scope, Target};
use limits::{HostLimiter, RateLimiter};

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

/// The targets of one run and the exclusion test applied to the addresses
/// hostnames resolve to.
pub struct Work {
    /// The lazy target stream.
    pub targets: Box<dyn Iterator<Item = Target> + Send>,
    /// True for an address that must never be contacted.
    pub excluded: Box<dyn Fn(IpAddr) -> bool + Send + Sync>,
}

impl From<Scope> for Work {
    fn from(scope: Scope) -> Work {
        Work {
            targets: Box::new(scope.iter()),
            excluded: Box::new(move |ip| scope.is_excluded(ip)),
        }
    }
}

impl Work {
    /// An explicit list of targets with no exclusions (the demo lab).
    pub fn list(targets: Vec<Target>) -> Work {
        Work {
            targets: Box::new(targets.into_iter()),
            excluded: Box::new(|_| false),
        }
    }
}

/// What every probe task shares.
struct Shared {
    prober: Arc<Prober>,
    excluded: Box<dyn Fn(IpAddr) -> bool + Send + Sync>,
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

/// Probes one target: directly for an address, through DNS for a name.
async fn probe_target(shared: &Shared, target: Target) {
    let Target { host, port, sni } = target;
    match host {
        Host::Ip(address) => {
            let host = address.to_string();
            let endpoint = Endpoint {
                host,
                address,
                port,
                sni,
            };
            probe_endpoint(shared, endpoint).await;
        }
        Host::Name(name) => {
            let timeout = shared.prober.settings().connect_timeout;
            let addresses = match resolve(&name, port, timeout).await {
                Ok(addresses) => addresses,
                Err(outcome) => {
                    let obs = probe::unresolved(&name, port, sni, outcome);
                    let _ = shared.sink.send(obs).await;
                    return;
                }
            };
            for address in addresses {
                if (shared.excluded)(address) {
                    tracing::debug!(%name, %address, "resolved address is excluded; not contacted");
                    continue;
                }
                let host = name.clone();
                let sni = sni.clone();
                probe_endpoint(
                    shared,
                    Endpoint {
                        host,
                        address,
                        port,
                        sni,
                    },
                )
                .await;
            }
        }
    }
}

/// Probes one endpoint within the per-host cap and the global rate.
async fn probe_endpoint(shared: &Shared, endpoint: Endpoint) {
    let _slot = shared.hosts.acquire(endpoint.address).await;
    if let Some(pacer) = &shared.pacer {
        pacer.wait().await;
    }
    let observation = shared.prober.probe(&endpoint).await;
    // A closed sink means the writer is gone (run cancelled); drop quietly.
    let _ = shared.sink.send(observation).await;
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
