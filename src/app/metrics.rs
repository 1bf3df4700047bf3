//! `certatlas metrics`: the latest complete scan (or `--scan`) as
//! Prometheus text, once: the scan record and its summary, the scan
//! judged in memory (its leaves' owners, CA classes and expiry, folded a
//! chunk of leaf models at a time; its active findings, exceptions
//! applied, counted as they are tracked; and its score), and the alert
//! outbox per webhook. Nothing is written.

use std::collections::{BTreeMap, BinaryHeap};
use std::io::{self, Write};

use time::OffsetDateTime;

use super::judged::Opened;
use super::listings::pick_record;
use super::{stdout_error, AppError, RunStatus};
use crate::cli::MetricsArgs;
use crate::clock::Clock;
use crate::config::Config;
use crate::judge::{Judge, ModelRetention, LEAF_CHUNK};
use crate::policy::lifecycle::TrackedFinding;
use crate::policy::model::ModelChunk;
use crate::report::inventory::endpoint_key_text;
use crate::report::prometheus::{self, AlertSeries, CertificateSeries, Exposition, FindingCounts};
use crate::scan::summary::ScanSummary;
use crate::store::{EndpointKey, OutboxStatus, ScanRecord, Store};
use crate::time_text::parse_rfc3339;

/// `certatlas metrics`.
pub fn metrics(args: MetricsArgs, clock: Clock) -> Result<RunStatus, AppError> {
    let opened = Opened::new(&args.store, &args.policy)?;
    let record = pick_record(&opened.store, args.scan)?;
    let judge = opened.judge_with(clock);
    let config = opened.config.as_ref();
    let text = exposition_text(&judge, record, config, args.max_series)?;
    io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(stdout_error)?;
    Ok(RunStatus::Complete)
}

/// `record` judged by `judge` as Prometheus text: what `certatlas
/// metrics` prints, and what `watch --metrics-listen` serves. The active
/// findings are counted as they are tracked and the certificate series
/// folded from each chunk of leaf models as it is judged, so that neither
/// every finding nor every leaf is held.
pub(super) fn exposition_text(
    judge: &Judge<'_>,
    record: ScanRecord,
    config: Option<&Config>,
    max_series: usize,
) -> Result<String, AppError> {
    let mut findings = FindingCounts::new();
    let mut count = |tracked: TrackedFinding| {
        if tracked.is_active() {
            let finding = &tracked.finding;
            let key = (
                finding.severity.name().to_string(),
                finding.rule.to_string(),
            );
            *findings.entry(key).or_default() += 1;
        }
    };
    let mut series = SeriesFold::new(max_series);
    let judged = judge.judge_watching(
        record,
        (LEAF_CHUNK, ModelRetention::Fold),
        &mut count,
        &mut |chunk| series.add_chunk(chunk),
    )?;
    let mut exposition = scan_part(&judged.record);
    series.finish(&mut exposition);
    let webhooks = config.map(|c| c.alerts.webhooks.clone());
    exposition.alerts = alert_part(judge.store, webhooks.unwrap_or_default())?;
    exposition.findings = Some(findings);
    exposition.score = Some(judged.card);
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

/// One series per leaf certificate and endpoint it is served at, the
/// `max_series` soonest expiring kept (a bounded heap, not every series),
/// and the count of leaves per CA class, folded a chunk of leaf models at
/// a time.
struct SeriesFold {
    max: usize,
    /// How many series there were.
    total: u64,
    classes: BTreeMap<String, u64>,
    /// The soonest expiring so far, the latest on top.
    kept: BinaryHeap<Ranked>,
}

/// A series ordered by expiry, then fingerprint and endpoint.
struct Ranked(CertificateSeries);

impl Ranked {
    fn key(&self) -> (i64, &str, &str) {
        let s = &self.0;
        (s.not_after, &s.fingerprint, &s.endpoint)
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl SeriesFold {
    fn new(max: usize) -> SeriesFold {
        SeriesFold {
            max,
            total: 0,
            classes: BTreeMap::new(),
            kept: BinaryHeap::new(),
        }
    }

    /// Folds in the leaves of `chunk` (other chunks add nothing).
    fn add_chunk(&mut self, chunk: &ModelChunk) {
        let ModelChunk::Leaves(leaves) = chunk else {
            return;
        };
        for leaf in leaves {
            *self.classes.entry(leaf.ca_class.clone()).or_default() += 1;
            let c = &leaf.certificate;
            let issuer = c.issuer.common_names.first().unwrap_or(&c.issuer.dn);
            let not_after = parse_rfc3339(&c.not_after).map_or(0, OffsetDateTime::unix_timestamp);
            for endpoint in &leaf.endpoints {
                let key = EndpointKey {
                    address: endpoint.address.clone(),
                    port: u16::try_from(endpoint.port).unwrap_or_default(),
                    sni: (!endpoint.sni.is_empty()).then(|| endpoint.sni.clone()),
                };
                self.total += 1;
                self.kept.push(Ranked(CertificateSeries {
                    fingerprint: c.sha256.clone(),
                    subject_cn: c.subject.cn.clone(),
                    issuer: issuer.clone(),
                    endpoint: endpoint_key_text(&key),
                    owner: leaf.owner.clone(),
                    ca_class: leaf.ca_class.clone(),
                    not_after,
                }));
                if self.kept.len() > self.max {
                    self.kept.pop();
                }
            }
        }
    }

    /// The series kept, soonest first, the number dropped and the classes.
    fn finish(self, e: &mut Exposition) {
        e.classes = self.classes;
        let kept = self.kept.into_sorted_vec();
        e.certificates_dropped = self.total - kept.len() as u64;
        e.certificates = kept.into_iter().map(|r| r.0).collect();
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::model::{EndpointRef, LeafModel};

    fn leaf(sha: &str, not_after: &str, class: &str, places: &[(&str, &str)]) -> LeafModel {
        let mut leaf = LeafModel::default();
        leaf.certificate.sha256 = sha.into();
        leaf.certificate.not_after = not_after.into();
        leaf.ca_class = class.into();
        leaf.endpoints = places
            .iter()
            .map(|(address, sni)| EndpointRef {
                address: address.to_string(),
                port: 443,
                sni: sni.to_string(),
                ..EndpointRef::default()
            })
            .collect();
        leaf
    }

    #[test]
    fn the_soonest_expiring_series_are_kept_in_order_whatever_the_chunks() {
        let leaves = vec![
            leaf("cc", "2027-03-01T00:00:00Z", "public", &[("10.0.0.3", "")]),
            leaf(
                "aa",
                "2027-01-01T00:00:00Z",
                "shadow",
                &[("10.0.0.1", "a.test"), ("10.0.0.2", "")],
            ),
            leaf("bb", "2026-12-01T00:00:00Z", "shadow", &[("10.0.0.4", "")]),
            leaf("dd", "2026-12-01T00:00:00Z", "public", &[]),
        ];
        let mut by_one = SeriesFold::new(3);
        for l in &leaves {
            by_one.add_chunk(&ModelChunk::Leaves(vec![l.clone()]));
        }
        let mut at_once = SeriesFold::new(3);
        at_once.add_chunk(&ModelChunk::Leaves(leaves));
        for fold in [by_one, at_once] {
            let mut e = Exposition::default();
            fold.finish(&mut e);
            let kept: Vec<(&str, &str)> = (e.certificates.iter())
                .map(|s| (s.fingerprint.as_str(), s.endpoint.as_str()))
                .collect();
            // five series (one leaf is served nowhere), the latest dropped
            let aa = endpoint_key_text(&EndpointKey {
                address: "10.0.0.1".into(),
                port: 443,
                sni: Some("a.test".into()),
            });
            assert_eq!(
                kept,
                [
                    ("bb", "10.0.0.4:443"),
                    ("aa", aa.as_str()),
                    ("aa", "10.0.0.2:443")
                ]
            );
            assert_eq!(e.certificates_dropped, 1);
            assert_eq!(e.classes["shadow"], 2);
            assert_eq!(e.classes["public"], 2);
        }
    }
}
