//! The revoked certificates of `report.html` (inside the inventory
//! section): every served leaf whose CA says it is revoked, with the
//! reason, the date and where the answer came from; shown when the scan's
//! leaves had their revocation checked (`--check-revocation`).

use maud::{html, Markup};

use super::super::tables::ReportTables;
use super::{table, Rows};
use crate::policy::model::LeafModel;

/// The revoked-certificates part; nothing when no leaf was checked.
pub(super) fn part(tables: &ReportTables) -> Markup {
    let checked = tables.revocation_checked;
    if checked == 0 {
        return html! {};
    }
    let revoked = tables.revoked.shown();
    let unknown = tables.revocation_unknown;
    let total = tables.revoked.total();
    let leaves = tables.leaves.total();
    let headers = [
        "Subject",
        "Reason",
        "Revoked at",
        "Answer",
        "Checked at",
        "Served at",
    ];
    let rows = html! {
        @for leaf in &revoked {
            (row(leaf))
        }
    };
    let rows_shown = Rows {
        shown: revoked.len(),
        total,
        files: "report.json",
    };
    html! {
        h3 id="revoked" { "Revoked certificates (" (total) ")" }
        p.note {
            "Revocation checked for " (checked) " of " (leaves) " leaves; "
            (unknown) " without a usable answer."
        }
        @if revoked.is_empty() {
            p.muted { "No served certificate is revoked." }
        } @else {
            (table("revoked", &headers, rows, rows_shown))
        }
    }
}

fn row(leaf: &LeafModel) -> Markup {
    let r = &leaf.revocation;
    let c = &leaf.certificate;
    let name = if c.subject.cn.is_empty() {
        &c.subject.dn
    } else {
        &c.subject.cn
    };
    let reason = if r.reason.is_empty() {
        "not given"
    } else {
        &r.reason
    };
    html! {
        tr.critical {
            td { strong.dn { (name) } br; code.desc { (c.sha256) } }
            td { (reason) }
            td { (r.revoked_at) }
            td { (r.source) " " (r.url) }
            td { (r.checked_at) }
            td { (leaf.served_at.join(", ")) }
        }
    }
}
