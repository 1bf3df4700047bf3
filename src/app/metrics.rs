//! `certatlas metrics`: the latest complete scan (or `--scan`) as
//! Prometheus text, once — from what the store holds: the scan record and
//! its summary, the inventory rows (owners, CA classes), the stored
//! findings with the config's exceptions applied, the stored score, and
//! the alert outbox per webhook.
//! Nothing is evaluated or written.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::listings::{open, pick_record};
use super::recording::InventoryContext;
use super::{stdout_error, AppError, RunStatus};
use crate::cli::MetricsArgs;
use crate::clock::Clock;
use crate::config::Config;
use crate::inventory::store::{OutboxStatus, ScanRecord, Store};
use crate::inventory::view::{self, InventoryRow};
use crate::policy::exceptions::exception_for;
use crate::policy::Finding;
use crate::report::inventory::endpoint_key_text;
use crate::report::prometheus::{self, AlertSeries, CertificateSeries, Exposition, FindingCounts};
use crate::scan::summary::ScanSummary;

/// `certatlas metrics`.
pub fn metrics(args: MetricsArgs, clock: Clock) -> Result<RunStatus, AppError> {
    let (store, context, config) = open(&args.store)?;
    let record = pick_record(&store, args.scan)?;
    let text = exposition_text(
        &store,
        &context,
        config.as_ref(),
        &record,
        args.max_series,
        clock,
    )?;
    io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(stdout_error)?;
    Ok(RunStatus::Complete)
}

/// Scan `record` as Prometheus text: what `certatlas metrics` prints, and
/// what `watch --metrics-listen` serves.
pub(super) fn exposition_text(
    store: &Store,
    context: &InventoryContext,
    config: Option<&Config>,
    record: &ScanRecord,
    max_series: usize,
    clock: Clock,
) -> Result<String, AppError> {
    let id = record.id;
    let leaves = store.endpoint_leaves(id)?;
    let certificates = store.certificates_in_scan(id)?;
    let graph = view::graph(&certificates, &context.trust);
    let rows = view::rows(&leaves, &certificates, &graph, &context.owners, clock.now());
    let mut exposition = scan_part(record);
    certificate_part(&mut exposition, &rows, max_series);
    let webhooks = config.map(|c| c.alerts.webhooks.clone());
    exposition.alerts = alert_part(store, webhooks.unwrap_or_default())?;
    let exceptions = config.map(|c| c.exceptions.as_slice()).unwrap_or_default();
    exposition.findings = findings_part(store, record, exceptions, clock)?;
    exposition.score = store
        .score(id)?
        .and_then(|s| serde_json::from_value(s.card).ok());
    let mut text = Vec::new();
    prometheus::write(&mut text, &exposition).map_err(|e| AppError::Inventory(e.to_string()))?;
    Ok(String::from_utf8_lossy(&text).into_owned())
}

fn scan_part(record: &ScanRecord) -> Exposition {
    let summary: Option<ScanSummary> = record
        .summary
        .clone()
        .and_then(|s| serde_json::from_value(s).ok());
    Exposition {
        scan: record.id.0,
        started_at: record.started_at.unix_timestamp(),
        duration_seconds: record
            .finished_at
            .map(|end| (end - record.started_at).as_seconds_f64()),
        complete: record.status == crate::inventory::store::ScanStatus::Complete,
        outcomes: summary.map(|s| s.outcomes).unwrap_or_default(),
        ..Exposition::default()
    }
}

/// One series per certificate and endpoint, the `max_series` soonest
/// expiring kept; and the count per CA class.
fn certificate_part(e: &mut Exposition, rows: &[InventoryRow], max_series: usize) {
    let mut series = Vec::new();
    for row in rows {
        *e.classes
            .entry(row.ca_class.name().to_string())
            .or_default() += 1;
        let c = &row.certificate;
        let issuer = c.issuer.common_names.first().unwrap_or(&c.issuer.dn);
        for endpoint in &row.endpoints {
            series.push(CertificateSeries {
                fingerprint: row.sha256.clone(),
                subject_cn: c.subject.common_names.first().cloned().unwrap_or_default(),
                issuer: issuer.clone(),
                endpoint: endpoint_key_text(endpoint),
                owner: row.owner.clone().unwrap_or_default(),
                ca_class: row.ca_class.name().to_string(),
                not_after: c.not_after.unix_timestamp(),
            });
        }
    }
    series.sort_by(|a, b| {
        (a.not_after, &a.fingerprint, &a.endpoint).cmp(&(b.not_after, &b.fingerprint, &b.endpoint))
    });
    e.certificates_dropped = series.len().saturating_sub(max_series) as u64;
    series.truncate(max_series);
    e.certificates = series;
}

/// Active findings of the stored evaluation by severity and rule; `None`
/// when the scan was never evaluated.
fn findings_part(
    store: &Store,
    record: &ScanRecord,
    exceptions: &[crate::config::ExceptionConfig],
    clock: Clock,
) -> Result<Option<FindingCounts>, AppError> {
    if store.finding_run(record.id)?.is_none() {
        return Ok(None);
    }
    let mut counts = BTreeMap::new();
    let today = clock.now().date();
    for stored in store.findings(record.id)? {
        let Some(finding) = Finding::from_stored(&stored.finding) else {
            continue;
        };
        let excepted = exception_for(&finding, exceptions, today).is_some_and(|e| !e.lapsed);
        if !excepted {
            let key = (finding.severity.name().to_string(), finding.rule.clone());
            *counts.entry(key).or_default() += 1;
        }
    }
    Ok(Some(counts))
}

/// The outbox per webhook: every configured webhook (zeros when it has no
/// rows) and every webhook with rows, by name.
fn alert_part(
    store: &Store,
    configured: Vec<crate::config::WebhookConfig>,
) -> Result<Vec<AlertSeries>, AppError> {
    let mut series: BTreeMap<String, AlertSeries> = configured
        .into_iter()
        .map(|w| {
            (
                w.name.clone(),
                AlertSeries {
                    webhook: w.name,
                    ..AlertSeries::default()
                },
            )
        })
        .collect();
    for count in store.alert_counts()? {
        let entry = series
            .entry(count.webhook.clone())
            .or_insert_with(|| AlertSeries {
                webhook: count.webhook.clone(),
                ..AlertSeries::default()
            });
        let slot = match count.status {
            OutboxStatus::Pending => &mut entry.pending,
            OutboxStatus::Delivered => &mut entry.delivered,
            OutboxStatus::Failed => &mut entry.failed,
        };
        *slot += count.rows;
        entry.delivery_failures += count.failures;
    }
    Ok(series.into_values().collect())
}
