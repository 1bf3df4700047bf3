//! The findings section of `report.html`: counts per severity, then every
//! finding — active ones first, each group from critical to info — with
//! its status, rule, subject, message and exception, capped at
//! [`ROW_LIMIT`] rows.

use std::cmp::Reverse;

use maud::{html, Markup};

use super::{table, Rows, ROW_LIMIT};
use crate::policy::exceptions::AppliedException;
use crate::policy::lifecycle::{FindingStatus, TrackedFinding};
use crate::policy::Severity;

/// The findings section.
pub(super) fn section(findings: &[TrackedFinding]) -> Markup {
    let headers = [
        "Severity",
        "Status",
        "Rule",
        "Subject",
        "Message",
        "Exception",
    ];
    let sorted = ordered(findings);
    let shown = sorted.len().min(ROW_LIMIT);
    let rows = html! {
        @for finding in sorted.iter().take(shown) {
            (row(finding))
        }
    };
    let rows_shown = Rows {
        shown,
        total: sorted.len(),
        files: "findings.csv / report.json",
    };
    html! {
        section id="findings-section" {
            h2 { "Findings" }
            @if findings.is_empty() {
                p.muted { "No finding." }
            } @else {
                (counts(findings))
                (table("findings", &headers, rows, rows_shown))
            }
        }
    }
}

/// Active findings first, then by severity (critical first), rule and
/// subject.
pub(super) fn ordered(findings: &[TrackedFinding]) -> Vec<&TrackedFinding> {
    let mut sorted: Vec<&TrackedFinding> = findings.iter().collect();
    sorted.sort_by_key(|t| {
        (
            !t.is_active(),
            Reverse(t.finding.severity),
            &*t.finding.rule,
            &*t.finding.label,
        )
    });
    sorted
}

/// Active, excepted, unobserved, fixed and withdrawn findings per severity.
fn counts(findings: &[TrackedFinding]) -> Markup {
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
            @let of = |keep: &dyn Fn(&TrackedFinding) -> bool| {
                findings
                    .iter()
                    .filter(|t| t.finding.severity == severity && keep(t))
                    .count()
            };
            tr {
                td class={ "sev " (severity.name()) } { (severity.name()) }
                td.num { (of(&|t| t.is_active())) }
                td.num { (of(&|t| !t.is_active() && t.status.is_present())) }
                td.num { (of(&|t| t.status == FindingStatus::Unobserved)) }
                td.num { (of(&|t| t.status == FindingStatus::Fixed)) }
                td.num { (of(&|t| t.status == FindingStatus::Withdrawn)) }
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
