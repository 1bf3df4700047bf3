//! The scan engine's limits: the file-descriptor budget, the global rate of
//! new connections, and the cap on connections to one address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Descriptors kept back for the process itself (stdio, output, DNS, logs).
const RESERVED_DESCRIPTORS: u64 = 64;
/// The default ceiling on probes in flight when the descriptor limit allows.
pub const DEFAULT_CONCURRENCY: usize = 1000;

/// Raises the soft open-file limit to the hard limit and returns how many
/// descriptors probes may use at once (one socket each).
pub fn descriptor_budget() -> usize {
    let soft = match crate::platform::raise_open_file_limit() {
        Ok(Some(soft)) => soft,
        Ok(None) => u64::MAX,
        Err(_) => return 256,
    };
    let budget = soft.saturating_sub(RESERVED_DESCRIPTORS).max(1);
    usize::try_from(budget).unwrap_or(usize::MAX)
}

/// The concurrency to use: the request (or the default), never above the
/// descriptor budget. Returns the value and whether it was lowered.
pub fn concurrency_within(requested: Option<usize>, budget: usize) -> (usize, bool) {
    let wanted = requested.unwrap_or(DEFAULT_CONCURRENCY).max(1);
    let lowered = requested.is_some_and(|r| r > budget);
    (wanted.min(budget), lowered)
}

/// Spaces new connections evenly at a global rate (no bursts).
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next: Mutex<Instant>,
}

impl RateLimiter {
    /// A limiter allowing `per_second` new connections each second.
    pub fn new(per_second: u32) -> RateLimiter {
        RateLimiter {
            interval: Duration::from_secs(1) / per_second.max(1),
            next: Mutex::new(Instant::now()),
        }
    }

    /// Reserves the next slot and sleeps until it comes.
    pub async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// Caps the connections open at once to one address. Entries exist only
/// while an address has connections or waiters, so memory follows the
/// concurrency, not the size of the scope.
#[derive(Debug)]
pub struct HostLimiter {
    cap: usize,
    hosts: Mutex<HashMap<IpAddr, Arc<Semaphore>>>,
}

/// A held per-address slot; released on drop.
#[derive(Debug)]
pub struct HostPermit {
    limiter: Arc<HostLimiter>,
    address: IpAddr,
    permit: Option<OwnedSemaphorePermit>,
}

impl HostLimiter {
    /// A limiter allowing `cap` connections at once per address.
    pub fn new(cap: usize) -> Arc<HostLimiter> {
        Arc::new(HostLimiter {
            cap: cap.max(1),
            hosts: Mutex::new(HashMap::new()),
        })
    }

    /// Waits for a slot on `address`.
    pub async fn acquire(self: &Arc<Self>, address: IpAddr) -> HostPermit {
        let semaphore = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
            let entry = hosts.entry(address);
            entry
                .or_insert_with(|| Arc::new(Semaphore::new(self.cap)))
                .clone()
        };
        let permit = semaphore
            .acquire_owned()
            .await
            .expect("per-host semaphores are never closed");
        HostPermit {
            limiter: self.clone(),
            address,
            permit: Some(permit),
        }
    }

    /// How many addresses currently have an entry.
    pub fn tracked(&self) -> usize {
        self.hosts.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

impl Drop for HostPermit {
    fn drop(&mut self) {
        drop(self.permit.take());
        let mut hosts = self.limiter.hosts.lock().unwrap_or_else(|e| e.into_inner());
        let idle = hosts.get(&self.address).is_some_and(|s| {
            Arc::strong_count(s) == 1 && s.available_permits() == self.limiter.cap
        });
        if idle {
            hosts.remove(&self.address);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrency_is_capped_by_the_budget() {
        assert_eq!(
            concurrency_within(None, 20_000),
            (DEFAULT_CONCURRENCY, false)
        );
        assert_eq!(concurrency_within(None, 100), (100, false));
        assert_eq!(concurrency_within(Some(5000), 900), (900, true));
        assert_eq!(concurrency_within(Some(0), 900), (1, false));
    }

    #[test]
    fn descriptor_budget_is_positive() {
        assert!(descriptor_budget() >= 1);
    }

    #[tokio::test(start_paused = true)]
    async fn rate_limiter_spaces_slots_evenly() {
        let limiter = RateLimiter::new(10);
        let start = Instant::now();
        for _ in 0..5 {
            limiter.wait().await;
        }
        // Paused clock: elapsed time is exactly the reserved slots.
        assert_eq!(start.elapsed(), Duration::from_millis(400));
    }

    #[tokio::test(start_paused = true)]
    async fn host_limiter_caps_and_forgets_idle_hosts() {
        let limiter = HostLimiter::new(2);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let a = limiter.acquire(ip).await;
        let b = limiter.acquire(ip).await;
        // A third slot is not granted while two are held (paused clock: the
        // timeout fires only once every task is idle).
        let blocked = tokio::time::timeout(Duration::from_secs(1), limiter.acquire(ip)).await;
        assert!(blocked.is_err());
        drop(a);
        let c = limiter.acquire(ip).await;
        assert_eq!(limiter.tracked(), 1);
        drop((b, c));
        assert_eq!(limiter.tracked(), 0);
    }
}
