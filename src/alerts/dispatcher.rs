//! The delivery task: a long-lived handle that POSTs due outbox rows in
//! the background, so delivery never blocks a scan. Start it once
//! ([`Dispatcher::start`]; it delivers what earlier runs left pending),
//! [`Dispatcher::notify`] it after each stored scan's events are enqueued,
//! and [`Dispatcher::drain`] it at exit: it keeps delivering what is due
//! within the grace period, then stops, leaving the rest pending for the
//! next run.
//!
//! Each attempt first claims its row (moving its due time to a lease a
//! little past the webhook's timeout), so two processes sharing the
//! database never send the same attempt, and a process that dies
//! mid-attempt leaves a row that becomes due again when the lease ends.
//! Webhooks are served concurrently, the rows of one webhook in order. An
//! attempt still in flight when the grace period ends is abandoned and its
//! row made due again without counting it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::backoff;
use super::webhooks::Webhooks;
use crate::clock::Clock;
use crate::store::{AttemptOutcome, AttemptRecord, OutboxEntry, OutboxStatus, Store, StoreError};

/// How often an idle dispatcher looks at the outbox unprompted (another
/// process may have enqueued events).
pub const IDLE_POLL: Duration = Duration::from_secs(60);

/// How long past the webhook's timeout a claimed row stays leased.
pub const LEASE_MARGIN: Duration = Duration::from_secs(30);

/// Rows read from the outbox at a time.
const BATCH: usize = 64;

/// What a dispatcher did while it ran.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Events delivered.
    pub delivered: u64,
    /// Attempts that did not deliver.
    pub failed_attempts: u64,
    /// Events given up (marked failed).
    pub gave_up: u64,
    /// Attempts abandoned when the grace period ended.
    pub abandoned: u64,
    /// Events of the configured webhooks still pending at the end.
    pub pending: u64,
}

impl DeliveryReport {
    fn add(&mut self, other: DeliveryReport) {
        self.delivered += other.delivered;
        self.failed_attempts += other.failed_attempts;
        self.gave_up += other.gave_up;
        self.abandoned += other.abandoned;
    }
}

/// The handle of the background delivery task.
#[derive(Debug)]
pub struct Dispatcher {
    wake: Arc<Notify>,
    deadline: watch::Sender<Option<Instant>>,
    task: tokio::task::JoinHandle<DeliveryReport>,
}

struct Shared {
    store: Arc<Store>,
    webhooks: Arc<Webhooks>,
    names: Vec<String>,
    clock: Clock,
    deadline: watch::Receiver<Option<Instant>>,
}

impl Dispatcher {
    /// Starts delivering the outbox of `store` to `webhooks` (rows of
    /// webhooks no longer configured are left alone). Needs a Tokio runtime.
    pub fn start(store: Arc<Store>, webhooks: Arc<Webhooks>, clock: Clock) -> Dispatcher {
        let (deadline, receiver) = watch::channel(None);
        let wake = Arc::new(Notify::new());
        let shared = Arc::new(Shared {
            names: webhooks.names(),
            store,
            webhooks,
            clock,
            deadline: receiver,
        });
        let task = tokio::spawn(run(shared, wake.clone()));
        Dispatcher {
            wake,
            deadline,
            task,
        }
    }

    /// Tells the task that events were enqueued (never blocks, never lost).
    pub fn notify(&self) {
        self.wake.notify_one();
    }

    /// Delivers what is due within `grace`, then stops and reports.
    pub async fn drain(self, grace: Duration) -> DeliveryReport {
        let _ = self.deadline.send(Some(Instant::now() + grace));
        self.wake.notify_one();
        match self.task.await {
            Ok(report) => report,
            Err(e) => {
                tracing::warn!("alerts: the delivery task failed: {e}");
                DeliveryReport::default()
            }
        }
    }
}

/// The task: deliver what is due, then wait for a notification, the next
/// due time or the deadline.
async fn run(shared: Arc<Shared>, wake: Arc<Notify>) -> DeliveryReport {
    let mut report = DeliveryReport::default();
    let mut deadline_changes = shared.deadline.clone();
    loop {
        let deadline = *deadline_changes.borrow_and_update();
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        let now = shared.clock.now();
        match store_call(&shared, move |s, names| s.due_alerts(names, now, BATCH)).await {
            Ok(due) if !due.is_empty() => {
                report.add(deliver(&shared, due).await);
                continue;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!("alerts: cannot read the outbox: {e}"),
        }
        let next = store_call(&shared, |s, names| s.next_alert_due(names)).await;
        let next = next.unwrap_or_else(|e| {
            tracing::warn!("alerts: cannot read the outbox: {e}");
            None
        });
        let wait = next.map_or(IDLE_POLL, |at| until(at, shared.clock).min(IDLE_POLL));
        if deadline.is_some_and(|d| next.is_none() || Instant::now() + wait >= d) {
            break;
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            changed = deadline_changes.changed() => if changed.is_err() { break },
        }
    }
    report.pending = pending(&shared).await;
    report
}

/// The wait from now until `at` on `clock` (zero when past).
fn until(at: time::OffsetDateTime, clock: Clock) -> Duration {
    Duration::try_from(at - clock.now()).unwrap_or(Duration::ZERO)
}

/// Delivers `due` rows: webhooks concurrently, each webhook's rows in order.
async fn deliver(shared: &Arc<Shared>, due: Vec<OutboxEntry>) -> DeliveryReport {
    let mut by_webhook: BTreeMap<String, Vec<OutboxEntry>> = BTreeMap::new();
    for entry in due {
        by_webhook
            .entry(entry.webhook.clone())
            .or_default()
            .push(entry);
    }
    let mut tasks = JoinSet::new();
    for (_, entries) in by_webhook {
        let shared = shared.clone();
        tasks.spawn(async move {
            let mut report = DeliveryReport::default();
            for entry in entries {
                report.add(attempt(&shared, entry).await);
            }
            report
        });
    }
    let mut report = DeliveryReport::default();
    while let Some(done) = tasks.join_next().await {
        report.add(done.unwrap_or_default());
    }
    report
}

/// Claims, sends and records one attempt.
async fn attempt(shared: &Arc<Shared>, entry: OutboxEntry) -> DeliveryReport {
    let mut report = DeliveryReport::default();
    let lease = shared.clock.now() + shared.webhooks.timeout(&entry.webhook) + LEASE_MARGIN;
    let (id, seen) = (entry.id, entry.next_attempt_at);
    match store_call(shared, move |s, _| s.claim_alert(id, seen, lease)).await {
        Ok(true) => {}
        Ok(false) => return report,
        Err(e) => {
            tracing::warn!(
                "alerts: cannot claim {} for {}: {e}",
                entry.event_key,
                entry.webhook
            );
            return report;
        }
    }
    let number = entry.attempts + 1;
    let response = tokio::select! {
        response = shared.webhooks.post(&entry.webhook, &entry.payload, number) => response,
        _ = stopped(shared.deadline.clone()) => {
            release(shared, &entry).await;
            report.abandoned = 1;
            return report;
        }
    };
    let at = shared.clock.now();
    let outcome = backoff::outcome(number, response.status, response.retry_after, at);
    log_attempt(&entry, number, outcome, response.error.as_deref());
    match outcome {
        AttemptOutcome::Delivered => report.delivered = 1,
        AttemptOutcome::Retry(_) => report.failed_attempts = 1,
        AttemptOutcome::GaveUp => (report.failed_attempts, report.gave_up) = (1, 1),
    }
    let record = AttemptRecord {
        at,
        outcome,
        http_status: response.status,
        error: response.error,
    };
    if let Err(e) = store_call(shared, move |s, _| s.record_alert_attempt(id, &record)).await {
        tracing::warn!(
            "alerts: cannot record the attempt on {}: {e}",
            entry.event_key
        );
    }
    report
}

/// Makes a claimed row due again now, without counting an attempt.
async fn release(shared: &Arc<Shared>, entry: &OutboxEntry) {
    let (id, now) = (entry.id, shared.clock.now());
    if let Err(e) = store_call(shared, move |s, _| s.release_alert(id, now)).await {
        tracing::warn!("alerts: cannot release {}: {e}", entry.event_key);
    }
}

fn log_attempt(entry: &OutboxEntry, number: u32, outcome: AttemptOutcome, error: Option<&str>) {
    let (hook, key) = (&entry.webhook, &entry.event_key);
    let error = error.unwrap_or("");
    match outcome {
        AttemptOutcome::Delivered => {
            tracing::info!("alert {key} delivered to webhook {hook} (attempt {number})")
        }
        AttemptOutcome::Retry(next) => tracing::warn!(
            "alert {key} to webhook {hook}: attempt {number} failed: {error}; next attempt at {}",
            crate::time_text::rfc3339(next)
        ),
        AttemptOutcome::GaveUp => tracing::warn!(
            "alert {key} to webhook {hook}: attempt {number} failed: {error}; giving up"
        ),
    }
}

/// Resolves once the deadline has passed, or the handle is gone.
async fn stopped(mut deadline: watch::Receiver<Option<Instant>>) {
    loop {
        let current = *deadline.borrow_and_update();
        match current {
            Some(at) => return tokio::time::sleep_until(at).await,
            None if deadline.changed().await.is_err() => return,
            None => {}
        }
    }
}

/// Pending rows of the configured webhooks.
async fn pending(shared: &Arc<Shared>) -> u64 {
    let counts = store_call(shared, |s, _| s.alert_counts()).await;
    counts.map_or(0, |counts| {
        counts
            .iter()
            .filter(|c| c.status == OutboxStatus::Pending && shared.names.contains(&c.webhook))
            .map(|c| c.rows)
            .sum()
    })
}

/// Runs a store call on the blocking pool (SQLite may wait for a lock).
async fn store_call<T, F>(shared: &Arc<Shared>, call: F) -> Result<T, StoreCallError>
where
    T: Send + 'static,
    F: FnOnce(&Store, &[String]) -> Result<T, StoreError> + Send + 'static,
{
    let shared = shared.clone();
    Ok(tokio::task::spawn_blocking(move || call(&shared.store, &shared.names)).await??)
}

/// Why a store call of the dispatcher failed (logged; delivery goes on).
#[derive(Debug, thiserror::Error)]
enum StoreCallError {
    /// The store refused.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The blocking task did not finish (it panicked or was cancelled).
    #[error(transparent)]
    Join(#[from] tokio::task::JoinError),
}
