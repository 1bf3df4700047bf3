//! The metrics section of `report.html`: every measured metric in
//! catalogue order with its value, counts, samples, window, note and the
//! first subjects behind it, then the certificates and endpoints declared
//! exceptions took out of the figures.

use std::fmt::{self, Write};

use super::{ratio, table_end, table_start, with_unit, Esc, ROW_LIMIT};
use crate::scoring::metrics::{find, Metric, MetricSet, CATALOGUE};

/// Subjects shown per metric; the rest are counted.
const SUBJECTS_SHOWN: usize = 5;

/// The metrics section.
pub(crate) fn section(out: &mut String, set: &MetricSet) -> fmt::Result {
    out.write_str("<section id=\"metrics-section\">\n<h2>Metrics</h2>\n")?;
    out.write_str(
        "<p class=\"note\">The measured facts the criteria read. Subjects are the \
         certificates (SHA-256) or endpoints behind the count — the ones that need \
         attention.</p>\n",
    )?;
    let headers = [
        "Metric", "Value", "Count", "Samples", "Window", "Note", "Subjects",
    ];
    table_start(out, "metrics", &headers)?;
    let metrics = ordered(set);
    for metric in &metrics {
        row(out, metric)?;
    }
    table_end(out, metrics.len(), metrics.len(), "")?;
    exclusions(out, set)?;
    out.write_str("</section>\n")
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

fn row(out: &mut String, m: &Metric) -> fmt::Result {
    let description = find(&m.id).map_or("", |d| d.description);
    let window = m
        .window_days
        .map_or_else(|| "this scan".to_string(), |d| format!("{d} days"));
    writeln!(
        out,
        "<tr><td><code>{}</code><br><span class=\"desc\">{}</span></td>\
         <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
         <td>{}</td><td>{}</td><td>{}</td></tr>",
        Esc(&m.id),
        Esc(description),
        Esc(&with_unit(m.value, m.unit)),
        ratio(m.numerator, m.denominator),
        m.samples,
        window,
        Esc(m.note.as_deref().unwrap_or("")),
        subjects(m)
    )
}

/// The first subjects, escaped, and how many more there are.
fn subjects(m: &Metric) -> String {
    let mut text = m
        .subjects
        .iter()
        .take(SUBJECTS_SHOWN)
        .map(|s| format!("<code class=\"hash\">{}</code>", Esc(s)))
        .collect::<Vec<_>>()
        .join("<br>");
    let shown = m.subjects.len().min(SUBJECTS_SHOWN) as u64;
    let total = m.subjects_total.max(m.subjects.len() as u64);
    if total > shown {
        let _ = write!(
            text,
            "<br><span class=\"more\">and {} more</span>",
            total - shown
        );
    }
    text
}

/// Certificates and endpoints excluded by declared exceptions.
fn exclusions(out: &mut String, set: &MetricSet) -> fmt::Result {
    let lists = [
        ("Certificates", &set.excluded_certificates),
        ("Endpoints", &set.excluded_endpoints),
    ];
    if lists.iter().all(|(_, list)| list.is_empty()) {
        return out.write_str("<p class=\"muted\">No certificate or endpoint is excluded by a declared exception.</p>\n");
    }
    out.write_str("<h3>Excluded by declared exceptions</h3>\n")?;
    for (name, list) in lists.into_iter().filter(|(_, list)| !list.is_empty()) {
        writeln!(out, "<h4>{name} ({})</h4>\n<ul>", list.len())?;
        for subject in list.iter().take(ROW_LIMIT) {
            writeln!(out, "<li><code>{}</code></li>", Esc(subject))?;
        }
        out.write_str("</ul>\n")?;
        if list.len() > ROW_LIMIT {
            writeln!(
                out,
                "<p class=\"more\">{} more in report.json</p>",
                list.len() - ROW_LIMIT
            )?;
        }
    }
    Ok(())
}
