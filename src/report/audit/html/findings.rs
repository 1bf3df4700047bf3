//! The findings section of `report.html`: counts per severity, then every
//! finding — active ones first, each group from critical to info — with
//! its status, rule, subject, message and exception, capped at
//! [`ROW_LIMIT`](super::ROW_LIMIT) rows (kept as they came, `tables`).

use maud::{html, Markup};

use super::super::tables::ReportTables;
use super::{table, Rows};
use crate::policy::exceptions::AppliedException;
use crate::policy::lifecycle::{FindingStatus, TrackedFinding};
use crate::policy::Severity;

/// The findings section.
pub(super) fn section(tables: &ReportTables) -> Markup {
    let headers = [
        "Severity",
        "Status",
        "Rule",
        "Subject",
        "Message",
        "Exception",
    ];
    let sorted = tables.findings.shown();
    let rows = html! {
        @for finding in &sorted {
            (row(finding))
        }
    };
    let rows_shown = Rows {
        shown: sorted.len(),
        total: tables.findings.total(),
        files: "findings.csv / report.json",
    };
    html! {
        section id="findings-section" {
            h2 { "Findings" }
            @if tables.findings.total() == 0 {
                p.muted { "No finding." }
            } @else {
                (counts(tables))
                (table("findings", &headers, rows, rows_shown))
            }
        }
    }
}

/// Active, excepted, unobserved, fixed and withdrawn findings per severity.
fn counts(tables: &ReportTables) -> Markup {
    let headers = [
        "Severity",
        "Active",
        "Excepted",
        "Unobserved",
        "Fixed",
        "Withdrawn",
    ];
    let rows = html! {
        @for severity in Severity::most_severe_first() {
            tr {
                td class={ "sev " (severity.name()) } { (severity.name()) }
                @for n in tables.counts_of(severity) {
                    td.num { (n) }
                }
            }
        }
    };
    table("finding-counts", &headers, rows, Rows::all(0))
}

fn row(t: &TrackedFinding) -> Markup {
    let f = &t.finding;
    html! {
        tr class=[(!t.is_active()).then_some("inactive")] {
            td class={ "sev " (f.severity.name()) } { (f.severity.name()) }
            td { (status(t)) }
            td { code { (f.rule) } br; span.desc { (f.title) } }
            td {
                (f.label)
                @if !f.endpoints.is_empty() {
                    br; span.desc { (f.endpoints.join(", ")) }
                }
            }
            td { (f.message) }
            td { (exception(t.exception.as_ref())) }
        }
    }
}

/// The status, with the open-since or fixed-after figure.
fn status(t: &TrackedFinding) -> String {
    match (t.status, t.days_to_fix) {
        (FindingStatus::Fixed, Some(days)) => format!("fixed after {days} days"),
        (FindingStatus::Unobserved, _) => match t.last_observed {
            Some(at) => format!("unobserved, last observed {}", at.date()),
            None => "unobserved".to_string(),
        },
        (FindingStatus::Withdrawn, _) => "withdrawn by a policy change".to_string(),
        (status, _) => format!("{} since {}", status.name(), t.open_since.date()),
    }
}

/// The exception cell: what it covers, who and why, the review date.
fn exception(exception: Option<&AppliedException>) -> Markup {
    let Some(e) = exception else {
        return html! {};
    };
    html! {
        code { (e.what) }
        @if let Some(owner) = &e.owner {
            br; "accepted by " (owner)
        }
        br; (e.reason)
        @if let Some(review) = e.review {
            br; "review by " (review)
        }
        @if e.lapsed {
            " " span.tag { "lapsed" }
        }
    }
}
