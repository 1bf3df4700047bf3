//! The metrics section of `report.html`: every measured metric in
//! catalogue order with its value, counts, samples, window, note and the
//! first subjects behind it, then the certificates and endpoints declared
//! exceptions took out of the figures.

use maud::{html, Markup};

use super::{ratio, table, with_unit, Rows, ROW_LIMIT};
use crate::scoring::metrics::{find, Metric, MetricSet, CATALOGUE};

/// Subjects shown per metric; the rest are counted.
const SUBJECTS_SHOWN: usize = 5;

/// The metrics section.
pub(super) fn section(set: &MetricSet) -> Markup {
    let headers = [
        "Metric", "Value", "Count", "Samples", "Window", "Note", "Subjects",
    ];
    let metrics = ordered(set);
    let rows = html! {
        @for metric in &metrics {
            (row(metric))
        }
    };
    html! {
        section id="metrics-section" {
            h2 { "Metrics" }
            p.note {
                "The measured facts the criteria read. Subjects are the certificates \
                 (SHA-256) or endpoints behind the count — the ones that need attention."
            }
            (table("metrics", &headers, rows, Rows::all(metrics.len())))
            (exclusions(set))
        }
    }
}

/// The metrics in catalogue order, any others after them by id.
fn ordered(set: &MetricSet) -> Vec<&Metric> {
    let mut metrics: Vec<&Metric> = set.metrics.values().collect();
    let rank = |id: &str| {
        CATALOGUE
            .iter()
            .position(|d| d.id == id)
            .unwrap_or(CATALOGUE.len())
    };
    metrics.sort_by(|a, b| rank(&a.id).cmp(&rank(&b.id)).then(a.id.cmp(&b.id)));
    metrics
}

fn row(m: &Metric) -> Markup {
    let description = find(&m.id).map_or("", |d| d.description);
    let window = m
        .window_days
        .map_or_else(|| "this scan".to_string(), |d| format!("{d} days"));
    html! {
        tr {
            td { code { (m.id) } br; span.desc { (description) } }
            td.num { (with_unit(m.value, m.unit)) }
            td.num { (ratio(m.numerator, m.denominator)) }
            td.num { (m.samples) }
            td { (window) }
            td { (m.note.as_deref().unwrap_or("")) }
            td { (subjects(m)) }
        }
    }
}

/// The first subjects and how many more there are.
fn subjects(m: &Metric) -> Markup {
    let shown = m.subjects.len().min(SUBJECTS_SHOWN);
    let total = m.subjects_total.max(m.subjects.len() as u64);
    html! {
        @for (i, subject) in m.subjects.iter().take(shown).enumerate() {
            @if i > 0 { br; }
            code.hash { (subject) }
        }
        @if total > shown as u64 {
            br; span.more { "and " (total - shown as u64) " more" }
        }
    }
}

/// Certificates and endpoints excluded by declared exceptions.
fn exclusions(set: &MetricSet) -> Markup {
    let lists = [
        ("Certificates", &set.excluded_certificates),
        ("Endpoints", &set.excluded_endpoints),
    ];
    if lists.iter().all(|(_, list)| list.is_empty()) {
        return html! {
            p.muted { "No certificate or endpoint is excluded by a declared exception." }
        };
    }
    html! {
        h3 { "Excluded by declared exceptions" }
        @for (name, list) in lists.into_iter().filter(|(_, list)| !list.is_empty()) {
            h4 { (name) " (" (list.len()) ")" }
            ul {
                @for subject in list.iter().take(ROW_LIMIT) {
                    li { code { (subject) } }
                }
            }
            @if list.len() > ROW_LIMIT {
                p.more { (list.len() - ROW_LIMIT) " more in report.json" }
            }
        }
    }
}
