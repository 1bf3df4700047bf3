//! Metrics over the history window ending at the scored scan: expiries,
//! renewals and re-keys from the change events, how quickly new leaves are
//! seen, scan cadence and reach, and how long findings took to fix.
//! Cadence counts distinct days with a complete scan, after leaving out
//! scans closer to each other than the profile's minimum interval
//! ([`super::ScanHistory::cadence`]), never scans.

use std::collections::BTreeSet;

use super::estate::Estate;
use super::input::distinct_days;
use super::leaf_facts::within_expiry_horizon;
use super::{median, Metric, MetricInput, ScanPoint};
use crate::store::{EventKind, EventRecord, FindingFix, ScanId};

/// Every window-scoped metric.
pub fn metrics(input: &MetricInput<'_>, estate: &Estate<'_>) -> Vec<Metric> {
    let days = input.window_days;
    let window = input.history.window(days);
    let in_window: BTreeSet<ScanId> = window.iter().map(|s| s.id).collect();
    let events: Vec<&EventRecord> = input
        .history
        .events
        .iter()
        .filter(|e| in_window.contains(&e.scan))
        .collect();
    let renewals: Vec<&EventRecord> = of_kind(&events, EventKind::Renewal);
    let cadence = input.history.cadence_window(days);
    let metrics = vec![
        expired_in_window(&events, estate),
        late_renewals(&renewals),
        renewal_lead_time(&renewals),
        renewal_lead_share(&renewals),
        rekey_rate(&events, &renewals),
        new_certificate_detection(estate),
        scans_in_window(&cadence),
        scan_interval(&cadence),
        scan_coverage(input),
        time_to_fix(&input.history.fixes, window),
    ];
    metrics.into_iter().map(|m| m.over(days)).collect()
}

fn of_kind<'a>(events: &[&'a EventRecord], kind: EventKind) -> Vec<&'a EventRecord> {
    events.iter().copied().filter(|e| e.kind == kind).collect()
}

fn expired_in_window(events: &[&EventRecord], estate: &Estate<'_>) -> Metric {
    let mut expired: BTreeSet<String> = of_kind(events, EventKind::ExpiredInService)
        .iter()
        .filter_map(|e| e.new_sha256.clone())
        .collect();
    expired.extend(estate.leaves().expired.iter().cloned());
    let samples = expired.len() as u64;
    Metric::count("expired_in_window", samples, samples).with_subjects(expired)
}

/// A renewal is late when deployed within the old certificate's expiry
/// horizon (14 days, or a quarter of its lifetime if that is shorter).
fn late(event: &EventRecord) -> bool {
    let lifetime = event.old_lifetime_days.unwrap_or(f64::INFINITY);
    event
        .lead_days
        .is_some_and(|d| within_expiry_horizon(d, lifetime))
}

/// The lead a renewal of a certificate valid `lifetime` days calls for: a
/// third of the lifetime (when ACME clients renew), at most 30 days.
pub fn wanted_lead_days(lifetime: f64) -> f64 {
    (lifetime / 3.0).min(30.0)
}

fn late_renewals(renewals: &[&EventRecord]) -> Metric {
    let late: Vec<&&EventRecord> = renewals.iter().filter(|e| late(e)).collect();
    let why = "no renewal seen in the window";
    Metric::percent(
        "late_renewals",
        late.len() as u64,
        renewals.len() as u64,
        why,
    )
    .with_subjects(late.iter().filter_map(|e| e.new_sha256.clone()))
}

fn renewal_lead_time(renewals: &[&EventRecord]) -> Metric {
    let mut lead: Vec<f64> = renewals.iter().filter_map(|e| e.lead_days).collect();
    let samples = lead.len() as u64;
    let why = "no renewal seen in the window";
    Metric::days("renewal_lead_time", median(&mut lead), samples, why)
}

/// Each renewal's lead as a share of the lead its old certificate's
/// lifetime calls for ([`wanted_lead_days`], capped at 100 %), median: a
/// 47-day certificate renewed with 16 days left scores as fully as a
/// 398-day one renewed with 30.
fn renewal_lead_share(renewals: &[&EventRecord]) -> Metric {
    let mut shares: Vec<f64> = renewals
        .iter()
        .filter_map(|e| {
            let lead = e.lead_days?;
            let wanted = wanted_lead_days(e.old_lifetime_days?);
            (wanted > 0.0).then(|| (lead / wanted).clamp(0.0, 1.0) * 100.0)
        })
        .collect();
    let samples = shares.len() as u64;
    let why = "no renewal with a known old lifetime seen in the window";
    let mut metric = Metric::days("renewal_lead_share", median(&mut shares), samples, why);
    metric.unit = super::Unit::Percent;
    metric
}

fn rekey_rate(events: &[&EventRecord], renewals: &[&EventRecord]) -> Metric {
    let rekeys = of_kind(events, EventKind::Rekey).len() as u64;
    let why = "no renewal seen in the window";
    let not_rekeyed = renewals
        .iter()
        .filter(|e| e.detail.get("rekeyed") != Some(&serde_json::Value::Bool(true)))
        .filter_map(|e| e.new_sha256.clone());
    Metric::percent("rekey_rate", rekeys, renewals.len() as u64, why).with_subjects(not_rekeyed)
}

/// Leaves first seen after the first scan and within the window
/// ([`super::ScanHistory::detection_since`]): days from notBefore to
/// first sight.
fn new_certificate_detection(estate: &Estate<'_>) -> Metric {
    let why = "no leaf appeared after the first scan within the window";
    let tally = estate.leaves();
    if !tally.detects() {
        return Metric::days("new_certificate_detection", None, 0, why);
    }
    let (median, samples) = tally.detection();
    Metric::days("new_certificate_detection", median, samples, why).with_listed(&tally.slow)
}

/// The distinct days (UTC) in the window with a cadence scan (scans of a
/// burst closer than the profile's minimum interval count once): three
/// scans in a minute count as one day, never three.
fn scans_in_window(cadence: &[ScanPoint]) -> Metric {
    let days = distinct_days(cadence);
    Metric::count("scans_in_window", days, days)
}

/// The longest gap between consecutive cadence scans in the window.
fn scan_interval(window: &[ScanPoint]) -> Metric {
    let longest = window
        .windows(2)
        .map(|pair| (pair[1].at - pair[0].at).whole_seconds() as f64 / 86_400.0)
        .max_by(f64::total_cmp);
    let why =
        "fewer than two complete scans in the window at least the profile's minimum interval apart";
    Metric::days("scan_interval", longest, window.len() as u64, why)
}

fn scan_coverage(input: &MetricInput<'_>) -> Metric {
    let reach = &input.history.reach;
    let why = "no endpoint served a certificate during the window";
    Metric::percent("scan_coverage", reach.reached, reach.known, why)
        .with_subjects(reach.missed.iter().cloned())
}

/// Median days to fix over the recorded fixes made by scans in the window.
/// Only `fixed` outcomes are recorded as fixes: a finding withdrawn (the
/// policy changed) or unobserved (its subject was not seen) never counts.
fn time_to_fix(fixes: &[FindingFix], window: &[ScanPoint]) -> Metric {
    let why = "no finding was fixed in the window";
    let in_window: BTreeSet<ScanId> = window.iter().map(|s| s.id).collect();
    let mut days: Vec<f64> = fixes
        .iter()
        .filter(|(scan, _)| in_window.contains(scan))
        .map(|(_, days)| *days as f64)
        .collect();
    let samples = days.len() as u64;
    Metric::days("time_to_fix", median(&mut days), samples, why)
}
