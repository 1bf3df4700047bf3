//! `metrics.md`: the maturity metric catalogue (`scoring::metrics`) and
//! every Prometheus family certatlas exposes, read from the exposition
//! writers themselves: an exposition with every optional part present is
//! written and its `# HELP`/`# TYPE` lines and label names are listed.

use std::collections::BTreeMap;

use strum::VariantArray;

use super::markdown::{cell, code, table};
use super::ReferenceError;
use crate::report::prometheus::{self, AlertSeries, CertificateSeries, Exposition};
use crate::report::watch::{write_watch_series, RunOutcome, WatchSeries};
use crate::scoring::metrics::{MetricSet, CATALOGUE, CATEGORY_FINDINGS};
use crate::scoring::{ladder, score, HistoryDepth};

/// The page.
pub fn page() -> Result<String, ReferenceError> {
    let mut text = String::from(
        "Read from the metric catalogue (`src/scoring/metrics/catalogue.rs`) and from the \
         Prometheus writers (`src/report/prometheus.rs`, `src/report/watch.rs`).\n\n\
         ## Maturity metrics\n\nWhat ladder criteria read (`certatlas score --ladders`). A \
         metric counts only subjects where the property was measured, reports its \
         coverage, and is `unknown` below the profile's coverage floor.\n\n",
    );
    let rows: Vec<Vec<String>> = CATALOGUE
        .iter()
        .chain(std::iter::once(&CATEGORY_FINDINGS))
        .map(|m| {
            vec![
                code(m.id),
                word(m.unit),
                word(m.scope),
                word(m.better),
                cell(m.description),
            ]
        })
        .collect();
    text.push_str(&table(&["id", "unit", "over", "better", "meaning"], &rows));
    text.push_str(
        "\n## Prometheus families\n\n`certatlas metrics` prints these (textfile collector \
         format); `certatlas watch --metrics-listen` serves them with the `certatlas_watch_*` \
         families added. A family without samples is left out (no findings stored, no \
         score, no webhook).\n\n",
    );
    let mut exposition = Vec::new();
    prometheus::write(&mut exposition, &full_exposition()?).map_err(|source| {
        ReferenceError::Write {
            path: "exposition".into(),
            source,
        }
    })?;
    let mut exposition = String::from_utf8_lossy(&exposition).to_string();
    write_watch_series(&mut exposition, &full_watch());
    text.push_str(&table(
        &["family", "type", "labels", "meaning"],
        &families(&exposition),
    ));
    Ok(text)
}

/// The serde name of a catalogue enum value.
fn word(value: impl serde::Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// An exposition with every optional family present.
fn full_exposition() -> Result<Exposition, ReferenceError> {
    let profile = ladder::load(&ladder::Overrides::default())?;
    let mut card = score(
        &MetricSet::default(),
        &[],
        &profile,
        HistoryDepth::default(),
        None,
    );
    if let Some(first) = card.categories.first_mut() {
        first.level = Some(1);
    }
    card.overall_value = Some(1.0);
    Ok(Exposition {
        duration_seconds: Some(1.0),
        outcomes: BTreeMap::from([("tls".to_string(), 1)]),
        certificates: vec![CertificateSeries {
            fingerprint: String::new(),
            subject_cn: String::new(),
            issuer: String::new(),
            endpoint: String::new(),
            owner: String::new(),
            ca_class: String::new(),
            not_after: 0,
        }],
        classes: BTreeMap::from([("public".to_string(), 1)]),
        findings: Some(BTreeMap::from([(("high".into(), "r".into()), 1)])),
        score: Some(card),
        alerts: vec![AlertSeries::default()],
        ..Exposition::default()
    })
}

fn full_watch() -> WatchSeries {
    WatchSeries {
        runs: RunOutcome::VARIANTS
            .iter()
            .copied()
            .map(|o| (o, 1))
            .collect(),
        slots_skipped: 0,
        last_run_start: Some(0.0),
        last_run_duration: Some(0.0),
        last_success: Some(0.0),
        next_run: Some(0.0),
    }
}

/// One row per family of an exposition: name, type, label names, help.
fn families(exposition: &str) -> Vec<Vec<String>> {
    let mut order: Vec<String> = Vec::new();
    let mut facts: BTreeMap<String, (String, String, Vec<String>)> = BTreeMap::new();
    for line in exposition.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
            order.push(name.to_string());
            facts.entry(name.to_string()).or_default().1 = help.to_string();
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, ""));
            facts.entry(name.to_string()).or_default().0 = kind.to_string();
        } else if let Some((name, labels)) = line.split_once('{') {
            let entry = facts.entry(name.to_string()).or_default();
            for pair in labels.split(',') {
                let key = pair.split('=').next().unwrap_or_default().to_string();
                if !key.is_empty() && !entry.2.contains(&key) {
                    entry.2.push(key);
                }
            }
        }
    }
    order
        .iter()
        .map(|name| {
            let (kind, help, labels) = facts.get(name).cloned().unwrap_or_default();
            let labels: Vec<String> = labels.iter().map(|l| code(l)).collect();
            vec![code(name), kind, labels.join(", "), cell(&help)]
        })
        .collect()
}
