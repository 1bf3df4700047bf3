//! Presenting rules and findings: `certatlas findings` (active findings by
//! severity, then excepted and fixed ones), the one-line findings summary
//! after a scan, `certatlas rules list` and `certatlas rules test`.
//! Messages hold certificate fields: escaped for the terminal, CSV cells
//! neutralised, never cut in JSON or CSV.

use std::cmp::Reverse;
use std::io::{self, Write};
use std::sync::Arc;

use super::listing::{write_json, write_listing, Listing, ListingFormat, ListingStream};
use super::spill::SortedSpill;
use crate::policy::examples::ExampleResult;
use crate::policy::lifecycle::{FindingCounts, FindingStatus, TrackedFinding};
use crate::policy::{RuleSummary, Severity};
use crate::sanitize::terminal;

/// Writes tracked findings in `format`.
pub fn write_findings(
    out: &mut dyn Write,
    format: ListingFormat,
    findings: &[TrackedFinding],
) -> io::Result<()> {
    match format {
        ListingFormat::Table => write_findings_table(out, findings),
        ListingFormat::Json => write_json(out, "findings", findings),
        ListingFormat::Csv => write_listing(
            out,
            format,
            &Listing {
                kind: "findings",
                headers: HEADERS,
                items: findings,
                cells: &csv_cells,
            },
        ),
    }
}

/// The CSV columns of a finding.
const HEADERS: &[&str] = &[
    "severity",
    "rule",
    "status",
    "subject",
    "label",
    "certificate",
    "endpoints",
    "first_seen",
    "open_since",
    "days_to_fix",
    "last_observed",
    "withdrawn_by",
    "exception",
    "message",
];

/// Starts writing tracked findings one by one as they are tracked, in
/// `format` (JSON or CSV: the bytes [`write_findings`] writes; a table
/// sorts every finding first, so it is not streamed).
pub fn findings_stream<W: Write>(
    out: W,
    format: ListingFormat,
) -> io::Result<ListingStream<'static, W, TrackedFinding>> {
    ListingStream::begin(out, format, ("findings", HEADERS), &csv_cells)
}

fn csv_cells(t: &TrackedFinding) -> Vec<String> {
    let f = &t.finding;
    vec![
        f.severity.name().into(),
        f.rule.to_string(),
        t.status.name().into(),
        f.subject.name().into(),
        f.label.to_string(),
        f.certificate.as_deref().unwrap_or_default().to_string(),
        f.endpoints.join(" "),
        super::instant_text(t.first_seen),
        super::instant_text(t.open_since),
        t.days_to_fix.map(|d| d.to_string()).unwrap_or_default(),
        t.last_observed.map(super::instant_text).unwrap_or_default(),
        t.withdrawn_by.join(" "),
        exception_text(t),
        f.message.clone(),
    ]
}

fn date(at: time::OffsetDateTime) -> String {
    at.date().to_string()
}

fn exception_text(t: &TrackedFinding) -> String {
    t.exception.as_ref().map_or_else(String::new, |e| {
        let lapsed = if e.lapsed { " (lapsed)" } else { "" };
        format!("{}: {}{lapsed}", e.what, e.reason)
    })
}

/// Active findings by severity, then excepted, unobserved (still open,
/// subject not observed), fixed and withdrawn (by a policy change); each
/// finding on two lines: what and where, then the message.
fn write_findings_table(out: &mut dyn Write, findings: &[TrackedFinding]) -> io::Result<()> {
    let mut table = FindingsTable::new()?;
    for t in findings {
        table.push(t)?;
    }
    table.finish(out)
}

/// The groups of the findings table, in the order they are shown.
const GROUPS: [&str; 5] = [
    "active findings",
    "excepted",
    "unobserved this scan, still open",
    "fixed since the previous scan",
    "withdrawn by a policy change",
];

/// The findings table written as findings come, in any order, never all
/// held: each finding's lines spill to a temporary file under its place
/// (group, severity from critical down, rule; then the order it came in)
/// and the counts are folded. The same bytes as over every finding.
pub struct FindingsTable {
    spill: SortedSpill<(usize, Reverse<Severity>, Arc<str>)>,
    groups: [u64; GROUPS.len()],
    counts: FindingCounts,
}

impl FindingsTable {
    /// An empty table.
    pub fn new() -> io::Result<Self> {
        Ok(FindingsTable {
            spill: SortedSpill::new()?,
            groups: [0; GROUPS.len()],
            counts: FindingCounts::default(),
        })
    }

    /// Adds a finding.
    pub fn push(&mut self, t: &TrackedFinding) -> io::Result<()> {
        let group = match t.status {
            _ if t.is_active() => 0,
            _ if is_excepted(t) => 1,
            FindingStatus::Unobserved => 2,
            FindingStatus::Fixed => 3,
            _ => 4,
        };
        let mut lines = Vec::new();
        write_one(&mut lines, t)?;
        let f = &t.finding;
        let key = (group, Reverse(f.severity), Arc::clone(&f.rule));
        self.spill.push(key, &lines)?;
        self.groups[group] += 1;
        self.counts.add(t);
        Ok(())
    }

    /// Writes the table: each group's title and count, its findings, then
    /// the summary line.
    pub fn finish(self, out: &mut dyn Write) -> io::Result<()> {
        let groups = self.groups;
        let mut titled = 0; // groups whose title is written
        let mut title_up_to = |out: &mut dyn Write, group: usize| -> io::Result<()> {
            while titled <= group.min(GROUPS.len() - 1) {
                let n = groups[titled];
                if n > 0 || titled == 0 {
                    writeln!(out, "{} ({n}):", GROUPS[titled])?;
                }
                titled += 1;
            }
            Ok(())
        };
        self.spill.drain(|(group, _, _), lines| {
            title_up_to(out, *group)?;
            out.write_all(lines)
        })?;
        title_up_to(out, GROUPS.len())?;
        writeln!(out, "{}", summary_line(&self.counts))
    }
}

fn write_one(out: &mut dyn Write, t: &TrackedFinding) -> io::Result<()> {
    let f = &t.finding;
    let history = match t.status {
        FindingStatus::Fixed => format!("fixed after {} day(s)", t.days_to_fix.unwrap_or(0)),
        FindingStatus::Open => format!("open since {}", date(t.open_since)),
        FindingStatus::Reappeared => format!("reappeared (first seen {})", date(t.first_seen)),
        FindingStatus::New => "new".to_string(),
        FindingStatus::Unobserved => match t.last_observed {
            Some(at) => format!("unobserved, last observed {}", date(at)),
            None => "unobserved".to_string(),
        },
        FindingStatus::Withdrawn => match t.withdrawn_by.is_empty() {
            true => "withdrawn".to_string(),
            false => format!("withdrawn, policy changed: {}", t.withdrawn_by.join(", ")),
        },
    };
    writeln!(
        out,
        "  {:<8}  {}  {}  [{}]",
        f.severity.name().to_ascii_uppercase(),
        terminal(&f.rule),
        terminal(&f.label),
        history
    )?;
    writeln!(out, "            {}", terminal(&f.message))?;
    if let Some(e) = &t.exception {
        writeln!(
            out,
            "            exception: {}",
            terminal(&exception_text_of(e))
        )?;
    }
    Ok(())
}

fn exception_text_of(e: &crate::policy::exceptions::AppliedException) -> String {
    let owner = e
        .owner
        .as_deref()
        .map(|o| format!(" ({o})"))
        .unwrap_or_default();
    let review = e
        .review
        .map(|r| format!(", review {r}"))
        .unwrap_or_default();
    let lapsed = if e.lapsed {
        " — LAPSED, counts again"
    } else {
        ""
    };
    format!("{}{owner}: {}{review}{lapsed}", e.what, e.reason)
}

/// `findings: 1 critical, 3 high, ... active; 2 excepted; 1 fixed`.
pub fn summary_line(findings: &FindingCounts) -> String {
    let counts: Vec<String> = Severity::most_severe_first()
        .map(|s| (s, findings.active(s)))
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let count = |status: FindingStatus| findings.with_status(status);
    let excepted = findings.excepted();
    let active = if counts.is_empty() {
        "none active".to_string()
    } else {
        format!("{} active", counts.join(", "))
    };
    let mut line = format!(
        "findings: {active}; {} new; {excepted} excepted; {} fixed since the previous scan",
        count(FindingStatus::New),
        count(FindingStatus::Fixed)
    );
    for status in [FindingStatus::Unobserved, FindingStatus::Withdrawn] {
        let n = count(status);
        if n > 0 {
            line.push_str(&format!("; {n} {}", status.name()));
        }
    }
    line
}

/// Present in the scan but covered by an exception in force.
fn is_excepted(t: &TrackedFinding) -> bool {
    t.status.is_present() && !t.is_active()
}

/// Writes `certatlas rules list`.
pub fn write_rules(
    out: &mut dyn Write,
    format: ListingFormat,
    rules: &[RuleSummary],
) -> io::Result<()> {
    let cells = |r: &RuleSummary| {
        vec![
            r.id.clone(),
            r.severity.name().into(),
            r.subject.name().into(),
            r.title.clone(),
            r.categories.join(" "),
            r.source.clone(),
        ]
    };
    let headers = ["id", "severity", "subject", "title", "pkimm", "source"];
    write_listing(
        out,
        format,
        &Listing {
            kind: "rules",
            headers: &headers,
            items: rules,
            cells: &cells,
        },
    )
}

/// Writes `certatlas rules test`; the table ends with the totals.
pub fn write_example_results(
    out: &mut dyn Write,
    format: ListingFormat,
    results: &[ExampleResult],
) -> io::Result<()> {
    if format != ListingFormat::Table {
        let cells = |r: &ExampleResult| {
            let ok = if r.ok { "ok" } else { "FAIL" };
            vec![
                ok.into(),
                r.rule.clone(),
                r.expected.clone(),
                r.fixture.clone(),
                r.location.clone(),
                r.detail.clone(),
            ]
        };
        let headers = [
            "result", "rule", "expected", "fixture", "location", "detail",
        ];
        return write_listing(
            out,
            format,
            &Listing {
                kind: "rule_examples",
                headers: &headers,
                items: results,
                cells: &cells,
            },
        );
    }
    write_example_table(out, results)
}

/// One line per example (a second with the reason for a failure), then totals.
fn write_example_table(out: &mut dyn Write, results: &[ExampleResult]) -> io::Result<()> {
    for r in results {
        let ok = if r.ok { "ok  " } else { "FAIL" };
        writeln!(
            out,
            "{ok}  {:<40}  {:<7}  {}",
            terminal(&r.rule),
            r.expected,
            terminal(&r.fixture)
        )?;
        if !r.ok {
            writeln!(
                out,
                "      {}: {}",
                terminal(&r.location),
                terminal(&r.detail)
            )?;
        }
    }
    let failed = results.iter().filter(|r| !r.ok).count();
    let rules: std::collections::BTreeSet<&str> = results.iter().map(|r| r.rule.as_str()).collect();
    writeln!(
        out,
        "{} example(s) of {} rule(s): {} passed, {failed} failed",
        results.len(),
        rules.len(),
        results.len() - failed
    )
}
