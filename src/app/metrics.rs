//! `certatlas metrics`: the latest complete scan (or `--scan`) as
//! Prometheus text, once: the scan record and its summary, the inventory
//! rows (owners, CA classes), the scan judged in memory (its active
//! findings, exceptions applied, and its score), and the alert outbox per
//! webhook. Nothing is written.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::judged::Opened;
use super::{stdout_error, AppError, RunStatus};
use crate::cli::MetricsArgs;
use crate::clock::Clock;
use crate::config::Config;
use crate::inventory::view::{self, InventoryRow};
use crate::judge::{InventoryContext, Judged};
use crate::report::inventory::endpoint_key_text;
use crate::report::prometheus::{self, AlertSeries, CertificateSeries, Exposition, FindingCounts};
use crate::scan::summary::ScanSummary;
use crate::store::{OutboxStatus, ScanRecord, Store};

/// `certatlas metrics`.
pub fn metrics(args: MetricsArgs, clock: Clock) -> Result<RunStatus, AppError> {
    let opened = Opened::new(&args.store, &args.policy)?;
    let judged = opened.judge(args.scan, clock)?;
    let (store, context) = (&opened.store, &opened.context);
    let config = opened.config.as_ref();
    let text = exposition_text(store, context, config, &judged, args.max_series, clock)?;
    io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(stdout_error)?;
    Ok(RunStatus::Complete)
}

/// A judged scan as Prometheus text: what `certatlas metrics` prints, and
/// what `watch --metrics-listen` serves.
pub(super) fn exposition_text(
    store: &Store,
    context: &InventoryContext,
    config: Option<&Config>,
    judged: &Judged,
    max_series: usize,
    clock: Clock,
) -> Result<String, AppError> {
    let record = &judged.record;
    let id = record.id;
    let leaves = store.endpoint_leaves(id)?;
    let certificates = store.certificates_in_scan(id)?;
    let graph = view::graph(&certificates, &context.trust);
    let owners = &context.owners;
    let files = store.at_rest(id)?;
    let rows = view::rows_with_files(&leaves, &files, &certificates, &graph, owners, clock.now());
    let mut exposition = scan_part(record);
    certificate_part(&mut exposition, &rows, max_series);
    let webhooks = config.map(|c| c.alerts.webhooks.clone());
    exposition.alerts = alert_part(store, webhooks.unwrap_or_default())?;
    exposition.findings = Some(findings_part(judged));
    exposition.score = Some(judged.card.clone());
    let mut text = Vec::new();
    prometheus::write(&mut text, &exposition).map_err(stdout_error)?;
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
        complete: record.status == crate::store::ScanStatus::Complete,
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

/// Active findings (not fixed, not excepted) by severity and rule.
fn findings_part(judged: &Judged) -> FindingCounts {
    let mut counts = BTreeMap::new();
    for tracked in judged.findings.iter().filter(|t| t.is_active()) {
        let finding = &tracked.finding;
        let key = (
            finding.severity.name().to_string(),
            finding.rule.to_string(),
        );
        *counts.entry(key).or_default() += 1;
    }
    counts
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
