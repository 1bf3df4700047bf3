//! `report.html`: the audit report as one self-contained page — inline
//! style and SVG, no scripts, no external assets, no network URLs —
//! written with maud templates, which escape every interpolated value by
//! construction. `PreEscaped` wraps static text only (the doctype and the
//! stylesheet; a test holds it to these two); the
//! page's Content-Security-Policy allows that one `<style>` by its SHA-256
//! ([`style_source`]) and nothing else. After rendering, control
//! characters and bidirectional marks (which can only have come from the
//! data) are made visible ([`visible`]), so a hostile certificate cannot
//! reorder or hide what the page shows.
//!
//! This file owns the page skeleton, the header with the estimate label
//! and profile, the score badges and the small number and table helpers
//! every section shares. Each section has its own file (`roadmap`,
//! `categories`, `metrics`, `inventory`, `revocation`, `findings`,
//! `trend`) and so has the radar chart (`radar`); none imports another.

mod categories;
mod findings;
mod inventory;
mod metrics;
mod radar;
mod revocation;
mod roadmap;
mod style;
mod trend;

#[cfg(test)]
mod tests;

use std::fmt::Write as _;

use maud::{html, Markup, PreEscaped};

use super::AuditReport;
use crate::policy::model::rfc3339;
use crate::scoring::metrics::Unit;
use crate::scoring::ScoreCard;

use super::tables::ROW_LIMIT;

/// Targets listed in the header before summarising the rest.
const TARGET_LIMIT: usize = 20;

/// Renders the report as one self-contained HTML page.
pub fn render(report: &AuditReport) -> String {
    let style = style_source();
    let markup = html! {
        (PreEscaped("<!doctype html>\n"))
        html lang="en" {
            head {
                meta charset="utf-8";
                // Nothing may load or run, even if some text slipped through.
                meta http-equiv="Content-Security-Policy" content=(csp(&style));
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "certatlas audit report · scan " (report.scan.id) }
                style { (PreEscaped(style.as_str())) }
            }
            body {
                (header(report))
                (contents())
                (scores(report))
                (roadmap::section(&report.score))
                (categories::section(&report.score))
                (metrics::section(&report.score.metrics))
                section id="inventory-section" {
                    h2 { "Inventory" }
                    (revocation::part(&report.tables))
                    (inventory::leaves(&report.tables.leaves))
                    (inventory::cas(&report.cas))
                    (inventory::endpoints(&report.tables.endpoints))
                }
                (findings::section(&report.tables))
                (trend::section(&report.trend))
                (footer(report))
            }
        }
    };
    let mut page = visible(markup.into_string());
    page.push('\n');
    page
}

/// The exact text of the page's one `<style>` element.
fn style_source() -> String {
    format!("\n{}", style::CSS)
}

/// The Content-Security-Policy: nothing may load; the one stylesheet is
/// allowed by its hash, so no other inline style would apply.
fn csp(style: &str) -> String {
    let digest = crate::certs::sha256(style.as_bytes());
    let hash = crate::pem::base64(&digest);
    format!("default-src 'none'; style-src 'sha256-{hash}'")
}

/// The page with control characters (other than tab and line feed) and
/// bidirectional formatting marks shown as `\u{..}` escapes. The templates
/// hold none, so every one replaced came from the data.
fn visible(page: String) -> String {
    if !page.chars().any(is_hazard) {
        return page;
    }
    let mut out = String::with_capacity(page.len() + 16);
    for ch in page.chars() {
        if is_hazard(ch) {
            let _ = write!(out, "\\u{{{:x}}}", ch as u32);
        } else {
            out.push(ch);
        }
    }
    out
}

/// Control characters but tab and line feed, and bidi formatting marks.
fn is_hazard(ch: char) -> bool {
    (ch.is_control() && ch != '\t' && ch != '\n')
        || matches!(ch, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Title, the estimate label, the scan, the profile and the digests.
fn header(report: &AuditReport) -> Markup {
    html! {
        header {
            h1 { "certatlas audit report" }
            p.label { strong { (report.score.label) } }
            dl.facts {
                (scan_facts(report))
                (profile_facts(report))
            }
        }
    }
}

/// The scan: id and status, times, targets, where it ran from.
fn scan_facts(report: &AuditReport) -> Markup {
    let scan = &report.scan;
    let status = format!("#{} ({})", scan.id, scan.status.as_str());
    let finished = scan.finished_at.map_or("not finished".into(), rfc3339);
    let times = format!("{} / {finished}", rfc3339(scan.started_at));
    let from = format!(
        "{} (certatlas {}), {} observations",
        scan.host, scan.tool_version, scan.observations
    );
    html! {
        (fact("Scan", &status))
        (fact("Started / finished", &times))
        (fact("Targets", &targets(&scan.targets)))
        (fact("Scanned from", &from))
    }
}

/// The profile with its digest, the history depth, the other digests and
/// when and by what the report was generated.
fn profile_facts(report: &AuditReport) -> Markup {
    let card = &report.score;
    let profile = &card.profile;
    let name = format!(
        "{} {} (history window {} days)",
        profile.name, profile.version, profile.window_days
    );
    let depth = format!(
        "{} days, {} days with a complete scan",
        card.history.days, card.history.scans
    );
    let generated = format!(
        "{} by certatlas {}",
        rfc3339(report.generated_at),
        report.tool_version
    );
    html! {
        (fact("Maturity profile", &name))
        (code_fact("Profile digest", &profile.digest))
        (fact("History", &depth))
        (code_fact("Rules digest", &report.digests.rules))
        (code_fact("Ladders digest", &report.digests.ladders))
        @if let Some(config) = &report.digests.config {
            (code_fact("Config digest", config))
        }
        (fact("Generated", &generated))
    }
}

/// The targets, the first [`TARGET_LIMIT`] of them.
fn targets(targets: &[String]) -> String {
    let mut text = targets
        .iter()
        .take(TARGET_LIMIT)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if targets.len() > TARGET_LIMIT {
        let _ = write!(text, " and {} more", targets.len() - TARGET_LIMIT);
    }
    if text.is_empty() {
        text.push_str("none recorded");
    }
    text
}

fn fact(term: &str, text: &str) -> Markup {
    html! { dt { (term) } dd { (text) } }
}

fn code_fact(term: &str, text: &str) -> Markup {
    html! { dt { (term) } dd { code { (text) } } }
}

fn contents() -> Markup {
    let links = [
        ("scores", "Scores"),
        ("roadmap", "Roadmap"),
        ("categories", "Categories"),
        ("metrics", "Metrics"),
        ("inventory", "Inventory"),
        ("findings", "Findings"),
        ("trend", "Trend"),
    ];
    html! {
        nav.contents {
            @for (id, name) in links {
                a href={ "#" (id) "-section" } { (name) }
            }
        }
    }
}

/// Overall, module and minimum badges, then the radar chart.
fn scores(report: &AuditReport) -> Markup {
    let card = &report.score;
    html! {
        section id="scores-section" {
            h2 { "Scores" }
            p.note {
                "Levels 1–5 against profile "
                strong { (card.profile.name) " " (card.profile.version) }
                " — " (card.label) "."
            }
            (badges(card))
            @if let Some(reason) = &card.not_assessed {
                p.not-assessed {
                    strong { "Not assessed" }
                    ": " (reason) ". No category has a level and there is no overall level."
                }
            }
            (radar::figure(report))
            (levels())
        }
    }
}

/// The model's level names, each with a line in our words.
fn levels() -> Markup {
    html! {
        h3 { "Levels" }
        dl.levels {
            @for level in &crate::scoring::model::builtin().levels {
                dt {
                    span class={ "level l" (level.number) } { (level.number) " " (level.name) }
                }
                dd { (level.description) }
            }
        }
    }
}

/// The overall badge, one per module and the lowest category level.
fn badges(card: &ScoreCard) -> Markup {
    let overall = format!("Overall ({})", crate::report::score::overall_basis(card));
    html! {
        div.badges {
            (badge("overall", &overall, card.overall_level, card.overall_value))
            @for module in &card.modules {
                (badge(
                    "module",
                    &format!("{} ({})", module.module, module.assessed_text()),
                    module.level,
                    module.value,
                ))
            }
            (badge("minimum", "Lowest category level", card.minimum_level, None))
        }
    }
}

fn badge(kind: &str, name: &str, level: Option<u8>, value: Option<f64>) -> Markup {
    html! {
        div class={ "badge " (kind) " " (level_class(level)) } {
            span.badge-name { (name) }
            @match level {
                Some(level) => span.badge-level {
                    "Level " (level) " " (crate::scoring::model::builtin().level_name(level))
                },
                None => span.badge-level { "not assessed" },
            }
            @if let Some(value) = value {
                span.badge-value { "value " (format!("{value:.2}")) }
            }
        }
    }
}

fn footer(report: &AuditReport) -> Markup {
    html! {
        footer {
            "certatlas " (report.tool_version) " · report " (report.schema) " · scan #"
            (report.scan.id) " · " (report.score.label)
            ". Complete data: report.json, inventory.csv, findings.csv and certificates/ \
             beside this page."
        }
    }
}

/// The CSS class of a level (`l1`–`l5`, `na`).
fn level_class(level: Option<u8>) -> String {
    level.map_or_else(|| "na".to_string(), |l| format!("l{l}"))
}

/// `level N Name` or `not assessed`.
fn level_text(level: Option<u8>) -> String {
    level.map_or_else(
        || "not assessed".to_string(),
        |l| {
            format!(
                "level {l} {}",
                crate::scoring::model::builtin().level_name(l)
            )
        },
    )
}

/// A figure with at most two decimals, trailing zeros dropped.
fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// A value with its unit's suffix, or `unknown`.
fn with_unit(value: Option<f64>, unit: Unit) -> String {
    value.map_or_else(
        || "unknown".to_string(),
        |v| format!("{}{}", number(v), unit.suffix()),
    )
}

/// `numerator/denominator`, or `""` when either is missing.
fn ratio(numerator: Option<u64>, denominator: Option<u64>) -> String {
    match (numerator, denominator) {
        (Some(n), Some(d)) => format!("{n}/{d}"),
        _ => String::new(),
    }
}

/// `<=` and `>=` as `≤` and `≥`.
fn comparison(compare: &str) -> &str {
    match compare {
        "<=" => "≤",
        ">=" => "≥",
        other => other,
    }
}

/// Which rows a table shows of how many, and where the rest are.
struct Rows<'a> {
    /// Rows written.
    shown: usize,
    /// Rows there are.
    total: usize,
    /// The files holding them all.
    files: &'a str,
}

impl Rows<'_> {
    /// Every row is shown.
    fn all(count: usize) -> Rows<'static> {
        Rows {
            shown: count,
            total: count,
            files: "",
        }
    }
}

/// A table (in a horizontally scrolling box) with these headers and rows;
/// when only some rows were written, says where the rest are.
fn table(class: &str, headers: &[&str], body: Markup, rows: Rows<'_>) -> Markup {
    html! {
        div.scroll {
            table class=(class) {
                thead { tr { @for header in headers { th { (header) } } } }
                tbody { (body) }
            }
        }
        (more(rows))
    }
}

/// `N more in FILES` when rows were left out.
fn more(rows: Rows<'_>) -> Markup {
    html! {
        @if rows.total > rows.shown {
            p.more { (rows.total - rows.shown) " more in " (rows.files) }
        }
    }
}
