//! `report.html`: the audit report as one self-contained page — inline
//! style and SVG, no scripts, no external assets, no network URLs. This
//! file owns the page skeleton, the header with the estimate label and
//! profile, the score badges, HTML escaping ([`escape_html`]) and the
//! small number and table helpers every section shares. The sections are
//! in `html_categories`, `html_metrics`, `html_inventory`, `html_findings`
//! and `html_trend`; the radar chart in `radar`.

use std::borrow::Cow;
use std::fmt::{self, Write};

mod categories;
mod findings;
mod inventory;
mod metrics;
mod radar;
mod revocation;
mod roadmap;
mod style;
#[cfg(test)]
mod tests;
mod trend;

use super::AuditReport;
use crate::policy::model::rfc3339;
use crate::scoring::metrics::Unit;
use crate::scoring::ScoreCard;

/// Rows shown per table before pointing at the complete files.
pub(crate) const ROW_LIMIT: usize = 1000;

/// Targets listed in the header before summarising the rest.
const TARGET_LIMIT: usize = 20;

/// Renders the report as one self-contained HTML page.
pub fn render(report: &AuditReport) -> String {
    let mut out = String::with_capacity(64 * 1024);
    page(&mut out, report).expect("writing to a String cannot fail");
    out
}

fn page(out: &mut String, report: &AuditReport) -> fmt::Result {
    out.write_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")?;
    // Nothing may load or run, even if some text slipped through unescaped.
    out.write_str(
        "<meta http-equiv=\"Content-Security-Policy\" \
         content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    )?;
    out.write_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")?;
    writeln!(
        out,
        "<title>certatlas audit report · scan {}</title>",
        report.scan.id
    )?;
    writeln!(out, "<style>\n{}</style>\n</head>\n<body>", style::CSS)?;
    header(out, report)?;
    contents(out)?;
    scores(out, report)?;
    roadmap::section(out, &report.score)?;
    categories::section(out, &report.score)?;
    metrics::section(out, &report.score.metrics)?;
    inventory::section(out, report)?;
    findings::section(out, &report.findings)?;
    trend::section(out, &report.trend)?;
    footer(out, report)?;
    out.write_str("</body>\n</html>\n")
}

/// Title, the estimate label, the scan, the profile and the digests.
fn header(out: &mut String, report: &AuditReport) -> fmt::Result {
    out.write_str("<header>\n<h1>certatlas audit report</h1>\n")?;
    writeln!(
        out,
        "<p class=\"label\"><strong>{}</strong></p>",
        Esc(&report.score.label)
    )?;
    out.write_str("<dl class=\"facts\">\n")?;
    scan_facts(out, report)?;
    profile_facts(out, report)?;
    out.write_str("</dl>\n</header>\n")
}

/// The scan: id and status, times, targets, where it ran from.
fn scan_facts(out: &mut String, report: &AuditReport) -> fmt::Result {
    let scan = &report.scan;
    let status = format!("#{} ({})", scan.id, scan.status.as_str());
    fact(out, "Scan", &status)?;
    let finished = scan.finished_at.map_or("not finished".into(), rfc3339);
    let times = format!("{} / {finished}", rfc3339(scan.started_at));
    fact(out, "Started / finished", &times)?;
    fact(out, "Targets", &targets(&scan.targets))?;
    let from = format!(
        "{} (certatlas {}), {} observations",
        scan.host, scan.tool_version, scan.observations
    );
    fact(out, "Scanned from", &from)
}

/// The profile with its digest, the history depth, the other digests and
/// when and by what the report was generated.
fn profile_facts(out: &mut String, report: &AuditReport) -> fmt::Result {
    let card = &report.score;
    let profile = &card.profile;
    let name = format!(
        "{} {} (history window {} days)",
        profile.name, profile.version, profile.window_days
    );
    fact(out, "Maturity profile", &name)?;
    code_fact(out, "Profile digest", &profile.digest)?;
    let depth = format!(
        "{} days, {} days with a complete scan",
        card.history.days, card.history.scans
    );
    fact(out, "History", &depth)?;
    code_fact(out, "Rules digest", &report.digests.rules)?;
    code_fact(out, "Ladders digest", &report.digests.ladders)?;
    if let Some(config) = &report.digests.config {
        code_fact(out, "Config digest", config)?;
    }
    let generated = format!(
        "{} by certatlas {}",
        rfc3339(report.generated_at),
        report.tool_version
    );
    fact(out, "Generated", &generated)
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

fn fact(out: &mut String, term: &str, text: &str) -> fmt::Result {
    writeln!(out, "<dt>{}</dt><dd>{}</dd>", Esc(term), Esc(text))
}

fn code_fact(out: &mut String, term: &str, text: &str) -> fmt::Result {
    writeln!(
        out,
        "<dt>{}</dt><dd><code>{}</code></dd>",
        Esc(term),
        Esc(text)
    )
}

fn contents(out: &mut String) -> fmt::Result {
    let links = [
        ("scores", "Scores"),
        ("roadmap", "Roadmap"),
        ("categories", "Categories"),
        ("metrics", "Metrics"),
        ("inventory", "Inventory"),
        ("findings", "Findings"),
        ("trend", "Trend"),
    ];
    out.write_str("<nav class=\"contents\">")?;
    for (id, name) in links {
        write!(out, "<a href=\"#{id}-section\">{name}</a>")?;
    }
    out.write_str("</nav>\n")
}

/// Overall, module and minimum badges, then the radar chart.
fn scores(out: &mut String, report: &AuditReport) -> fmt::Result {
    let card = &report.score;
    out.write_str("<section id=\"scores-section\">\n<h2>Scores</h2>\n")?;
    writeln!(
        out,
        "<p class=\"note\">Levels 1–5 against profile <strong>{} {}</strong> — {}.</p>",
        Esc(&card.profile.name),
        Esc(&card.profile.version),
        Esc(&card.label)
    )?;
    badges(out, card)?;
    if let Some(reason) = &card.not_assessed {
        writeln!(
            out,
            "<p class=\"not-assessed\"><strong>Not assessed</strong>: {}. No category has a \
             level and there is no overall level.</p>",
            Esc(reason)
        )?;
    }
    radar::figure(out, report)?;
    levels(out)?;
    out.write_str("</section>\n")
}

/// The model's level names, each with a line in our words.
fn levels(out: &mut String) -> fmt::Result {
    out.write_str("<h3>Levels</h3>\n<dl class=\"levels\">\n")?;
    for level in &crate::scoring::model::builtin().levels {
        writeln!(
            out,
            "<dt><span class=\"level l{n}\">{n} {}</span></dt><dd>{}</dd>",
            Esc(&level.name),
            Esc(&level.description),
            n = level.number
        )?;
    }
    out.write_str("</dl>\n")
}

/// The overall badge, one per module and the lowest category level.
fn badges(out: &mut String, card: &ScoreCard) -> fmt::Result {
    out.write_str("<div class=\"badges\">\n")?;
    let (level, value) = (card.overall_level, card.overall_value);
    let name = format!("Overall ({})", crate::report::score::overall_basis(card));
    badge(out, "overall", &name, level, value)?;
    for module in &card.modules {
        let name = format!("{} ({})", module.module, module.assessed_text());
        badge(out, "module", &name, module.level, module.value)?;
    }
    let minimum = card.minimum_level;
    badge(out, "minimum", "Lowest category level", minimum, None)?;
    out.write_str("</div>\n")
}

fn badge(
    out: &mut String,
    kind: &str,
    name: &str,
    level: Option<u8>,
    value: Option<f64>,
) -> fmt::Result {
    write!(
        out,
        "<div class=\"badge {kind} {}\"><span class=\"badge-name\">{}</span>",
        level_class(level),
        Esc(name)
    )?;
    match level {
        Some(level) => write!(
            out,
            "<span class=\"badge-level\">Level {level} {}</span>",
            crate::scoring::model::builtin().level_name(level)
        )?,
        None => out.write_str("<span class=\"badge-level\">not assessed</span>")?,
    }
    if let Some(value) = value {
        write!(out, "<span class=\"badge-value\">value {value:.2}</span>")?;
    }
    out.write_str("</div>\n")
}

fn footer(out: &mut String, report: &AuditReport) -> fmt::Result {
    writeln!(
        out,
        "<footer>certatlas {} · report {} · scan #{} · {}. Complete data: report.json, \
         inventory.csv, findings.csv and certificates/ beside this page.</footer>",
        Esc(&report.tool_version),
        Esc(report.schema),
        report.scan.id,
        Esc(&report.score.label)
    )
}

/// The CSS class of a level (`l1`–`l5`, `na`).
pub(crate) fn level_class(level: Option<u8>) -> String {
    level.map_or_else(|| "na".to_string(), |l| format!("l{l}"))
}

/// `level N Name` or `not assessed`.
pub(crate) fn level_text(level: Option<u8>) -> String {
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
pub(crate) fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// A value with its unit's suffix, or `unknown`.
pub(crate) fn with_unit(value: Option<f64>, unit: Unit) -> String {
    value.map_or_else(
        || "unknown".to_string(),
        |v| format!("{}{}", number(v), unit.suffix()),
    )
}

/// `numerator/denominator`, or `""` when either is missing.
pub(crate) fn ratio(numerator: Option<u64>, denominator: Option<u64>) -> String {
    match (numerator, denominator) {
        (Some(n), Some(d)) => format!("{n}/{d}"),
        _ => String::new(),
    }
}

/// Opens a table (in a horizontally scrolling box) with these headers.
pub(crate) fn table_start(out: &mut String, class: &str, headers: &[&str]) -> fmt::Result {
    write!(
        out,
        "<div class=\"scroll\"><table class=\"{class}\">\n<thead><tr>"
    )?;
    for header in headers {
        write!(out, "<th>{}</th>", Esc(header))?;
    }
    out.write_str("</tr></thead>\n<tbody>\n")
}

/// Closes a table; when only `shown` of `total` rows were written, says
/// where the rest are.
pub(crate) fn table_end(out: &mut String, shown: usize, total: usize, files: &str) -> fmt::Result {
    out.write_str("</tbody>\n</table></div>\n")?;
    if total > shown {
        writeln!(
            out,
            "<p class=\"more\">{} more in {}</p>",
            total - shown,
            Esc(files)
        )?;
    }
    Ok(())
}

/// Text made safe for HTML element content and quoted attributes: `&`,
/// `<`, `>`, `"` and `'` become character references; control characters
/// (other than tab and line feed) and bidirectional overrides become
/// visible `\u{..}` escapes, so a hostile certificate cannot reorder or
/// hide what the page shows.
pub(crate) fn escape_html(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| "&<>\"'".contains(c) || is_hazard(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_hazard(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Control characters but tab and line feed, and bidi formatting marks.
fn is_hazard(ch: char) -> bool {
    (ch.is_control() && ch != '\t' && ch != '\n')
        || matches!(ch, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Displays its text HTML-escaped (see [`escape_html`]).
pub(crate) struct Esc<'a>(pub &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape_html(self.0))
    }
}
