//! The findings section of `report.html`: counts per severity, then every
//! finding — active ones first, each group from critical to info — with
//! its status, rule, subject, message and exception, capped at
//! [`ROW_LIMIT`] rows.

use std::cmp::Reverse;
use std::fmt::{self, Write};

use super::html::{table_end, table_start, Esc, ROW_LIMIT};
use crate::policy::exceptions::AppliedException;
use crate::policy::lifecycle::{FindingStatus, TrackedFinding};
use crate::policy::Severity;

/// The findings section.
pub(crate) fn section(out: &mut String, findings: &[TrackedFinding]) -> fmt::Result {
    out.write_str("<section id=\"findings-section\">\n<h2>Findings</h2>\n")?;
    if findings.is_empty() {
        out.write_str("<p class=\"muted\">No finding.</p>\n")?;
        return out.write_str("</section>\n");
    }
    counts(out, findings)?;
    let headers = [
        "Severity",
        "Status",
        "Rule",
        "Subject",
        "Message",
        "Exception",
    ];
    table_start(out, "findings", &headers)?;
    let sorted = ordered(findings);
    for finding in sorted.iter().take(ROW_LIMIT) {
        row(out, finding)?;
    }
    table_end(
        out,
        sorted.len().min(ROW_LIMIT),
        sorted.len(),
        "findings.csv / report.json",
    )?;
    out.write_str("</section>\n")
}

/// Active findings first, then by severity (critical first), rule and
/// subject.
pub(crate) fn ordered(findings: &[TrackedFinding]) -> Vec<&TrackedFinding> {
    let mut sorted: Vec<&TrackedFinding> = findings.iter().collect();
    sorted.sort_by_key(|t| {
        (
            !t.is_active(),
            Reverse(t.finding.severity),
            t.finding.rule.as_str(),
            t.finding.label.as_str(),
        )
    });
    sorted
}

/// Active, excepted, unobserved, fixed and withdrawn findings per severity.
fn counts(out: &mut String, findings: &[TrackedFinding]) -> fmt::Result {
    table_start(
        out,
        "finding-counts",
        &[
            "Severity",
            "Active",
            "Excepted",
            "Unobserved",
            "Fixed",
            "Withdrawn",
        ],
    )?;
    for severity in Severity::most_severe_first() {
        let of = |keep: &dyn Fn(&TrackedFinding) -> bool| {
            findings
                .iter()
                .filter(|t| t.finding.severity == severity && keep(t))
                .count()
        };
        let active = of(&|t| t.is_active());
        let fixed = of(&|t| t.status == FindingStatus::Fixed);
        let excepted = of(&|t| !t.is_active() && t.status.is_present());
        let unobserved = of(&|t| t.status == FindingStatus::Unobserved);
        let withdrawn = of(&|t| t.status == FindingStatus::Withdrawn);
        writeln!(
            out,
            "<tr><td class=\"sev {s}\">{s}</td><td class=\"num\">{active}</td>\
             <td class=\"num\">{excepted}</td><td class=\"num\">{unobserved}</td>\
             <td class=\"num\">{fixed}</td><td class=\"num\">{withdrawn}</td></tr>",
            s = severity.name()
        )?;
    }
    table_end(out, 0, 0, "")
}

fn row(out: &mut String, t: &TrackedFinding) -> fmt::Result {
    let f = &t.finding;
    let class = if t.is_active() {
        ""
    } else {
        " class=\"inactive\""
    };
    let endpoints = if f.endpoints.is_empty() {
        String::new()
    } else {
        format!(
            "<br><span class=\"desc\">{}</span>",
            Esc(&f.endpoints.join(", "))
        )
    };
    writeln!(
        out,
        "<tr{class}><td class=\"sev {s}\">{s}</td><td>{}</td>\
         <td><code>{}</code><br><span class=\"desc\">{}</span></td>\
         <td>{}{endpoints}</td><td>{}</td><td>{}</td></tr>",
        status(t),
        Esc(&f.rule),
        Esc(&f.title),
        Esc(&f.label),
        Esc(&f.message),
        exception(t.exception.as_ref()),
        s = f.severity.name()
    )
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
fn exception(exception: Option<&AppliedException>) -> String {
    let Some(e) = exception else {
        return String::new();
    };
    let mut text = format!("<code>{}</code>", Esc(&e.what));
    if let Some(owner) = &e.owner {
        let _ = write!(text, "<br>accepted by {}", Esc(owner));
    }
    let _ = write!(text, "<br>{}", Esc(&e.reason));
    if let Some(review) = e.review {
        let _ = write!(text, "<br>review by {review}");
    }
    if e.lapsed {
        text.push_str(" <span class=\"tag\">lapsed</span>");
    }
    text
}
