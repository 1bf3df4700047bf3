//! Alerts in the app: starting the dispatcher for the inventory and config
//! a command uses (before a scan, so a missing secret stops it with exit
//! 2 and leftovers of earlier runs are delivered while it scans), turning
//! a stored, tracked and scored scan into enqueued events, and the grace
//! period at exit. The scan environment (`scan::ScanEnv`) keeps one
//! [`Alerting`] per process, across `watch` runs: it calls
//! [`Alerting::scan_stored`] after each stored scan and
//! [`Alerting::finish`] at exit.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use super::recording::StoredScan;
use super::{note, AppError};
use crate::alerts::{self, AlertInput, DeliveryReport, Dispatcher, Webhooks};
use crate::cli::StoreRequest;
use crate::clock::Clock;
use crate::config::WebhookEvent;
use crate::inventory::ca::CaClass;
use crate::judge::{InventoryContext, LEAF_CHUNK};
use crate::policy::model::{inventory_rows_in_chunks, CaModel};
use crate::store::{ScanId, Store};

/// The webhooks, the outbox's store and the delivery task of one process.
pub(super) struct Alerting {
    store: Arc<Store>,
    webhooks: Arc<Webhooks>,
    context: InventoryContext,
    dispatcher: Dispatcher,
    clock: Clock,
}

impl Alerting {
    /// Starts alerts for the inventory and config of `store`; `None` when
    /// there is no inventory (`--no-db`) or no webhook is configured.
    pub fn start(store: Option<&StoreRequest>, clock: Clock) -> Result<Option<Alerting>, AppError> {
        let Some(request) = store else {
            return Ok(None);
        };
        let Some(config) = &request.config else {
            return Ok(None);
        };
        let Some(webhooks) = Webhooks::prepare(&config.alerts, config.path())? else {
            return Ok(None);
        };
        let context = InventoryContext::new(Some(config), Vec::new())?;
        let store = Arc::new(Store::connect(&request.db)?);
        let webhooks = Arc::new(webhooks);
        let dispatcher = Dispatcher::start(store.clone(), webhooks.clone(), clock);
        Ok(Some(Alerting {
            store,
            webhooks,
            context,
            dispatcher,
            clock,
        }))
    }

    /// Enqueues the events of `stored` (nothing for a scan stored without
    /// being judged: interrupted, or a shard scan) and wakes the delivery
    /// task.
    pub fn scan_stored(&self, stored: &StoredScan) -> Result<(), AppError> {
        let Some((record, models)) = &stored.models else {
            return Ok(());
        };
        let previous = self.previous_shadow_cas(record.id, &models.cas)?;
        let input = AlertInput {
            scan: record.id,
            now: self.clock.now(),
            findings: &stored.findings,
            leaves: &models.leaves,
            cas: &models.cas,
            previous_shadow_cas: &previous,
        };
        alerts::enqueue(&self.store, &self.webhooks, &input)?;
        self.dispatcher.notify();
        Ok(())
    }

    /// Delivers what is due within `grace`, then stops.
    pub async fn finish(self, grace: Duration) -> DeliveryReport {
        self.dispatcher.drain(grace).await
    }

    /// SHA-256s of the shadow CAs of the scan `scan` is compared with (the
    /// previous of the same source: not an import in between); read
    /// only when it matters: `cas` (the scan's) has a shadow CA and a
    /// webhook wants shadow CA events.
    fn previous_shadow_cas(
        &self,
        scan: ScanId,
        cas: &[CaModel],
    ) -> Result<BTreeSet<String>, AppError> {
        let shadow = CaClass::Shadow.name();
        let wanted = self
            .webhooks
            .configs()
            .iter()
            .any(|w| w.events.contains(&WebhookEvent::ShadowCa));
        if !wanted || !cas.iter().any(|c| c.class == shadow) {
            return Ok(BTreeSet::new());
        }
        let Some(previous) = self.store.previous_comparable_scan(scan)? else {
            return Ok(BTreeSet::new());
        };
        // the graph the previous scan's leaves were classified over, read
        // a chunk of leaves at a time (the rows themselves are not kept)
        let judged_against = (&self.context.trust, &self.context.owners);
        let chunk = (LEAF_CHUNK, previous.started_at);
        let graph =
            inventory_rows_in_chunks(&self.store, &previous, judged_against, chunk, |_, _| ())?;
        Ok(graph
            .cas()
            .into_iter()
            .filter(|ca| ca.class == CaClass::Shadow)
            .map(|ca| ca.sha256)
            .collect())
    }
}

/// Says what deliveries did before exit (nothing when there was nothing).
pub(super) fn report_delivery(report: &DeliveryReport, quiet: bool) {
    if report.delivered + report.failed_attempts + report.pending == 0 {
        return;
    }
    let pending = match report.pending {
        0 => String::new(),
        n => format!(", {n} pending (retried on the next run)"),
    };
    let failed = match report.failed_attempts {
        0 => String::new(),
        n => format!(", {n} failed attempts"),
    };
    note(
        quiet,
        &format!("alerts: {} delivered{failed}{pending}", report.delivered),
    );
}
