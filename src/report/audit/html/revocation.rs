//! The revoked certificates of `report.html` (inside the inventory
//! section): every served leaf whose CA says it is revoked, with the
//! reason, the date and where the answer came from; shown when the scan's
//! leaves had their revocation checked (`--check-revocation`).

use std::fmt::{self, Write};

use super::{table_end, table_start, Esc, ROW_LIMIT};
use crate::policy::model::LeafModel;

/// The revoked-certificates part; nothing when no leaf was checked.
pub(crate) fn section(out: &mut String, leaves: &[LeafModel]) -> fmt::Result {
    let checked = leaves.iter().filter(|l| l.revocation.checked).count();
    if checked == 0 {
        return Ok(());
    }
    let revoked: Vec<&LeafModel> = leaves
        .iter()
        .filter(|l| l.revocation.status == "revoked")
        .collect();
    writeln!(
        out,
        "<h3 id=\"revoked\">Revoked certificates ({})</h3>",
        revoked.len()
    )?;
    let unknown = leaves
        .iter()
        .filter(|l| l.revocation.status == "unknown")
        .count();
    writeln!(
        out,
        "<p class=\"note\">Revocation checked for {checked} of {} leaves; {unknown} without a \
         usable answer.</p>",
        leaves.len()
    )?;
    if revoked.is_empty() {
        return out.write_str("<p class=\"muted\">No served certificate is revoked.</p>\n");
    }
    let headers = [
        "Subject",
        "Reason",
        "Revoked at",
        "Answer",
        "Checked at",
        "Served at",
    ];
    table_start(out, "revoked", &headers)?;
    for leaf in revoked.iter().take(ROW_LIMIT) {
        row(out, leaf)?;
    }
    table_end(
        out,
        revoked.len().min(ROW_LIMIT),
        revoked.len(),
        "report.json",
    )
}

fn row(out: &mut String, leaf: &LeafModel) -> fmt::Result {
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
    writeln!(
        out,
        "<tr class=\"critical\"><td><strong class=\"dn\">{}</strong><br><code class=\"desc\">{}</code></td>\
         <td>{}</td><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td></tr>",
        Esc(name),
        Esc(&c.sha256),
        Esc(reason),
        Esc(&r.revoked_at),
        Esc(&r.source),
        Esc(&r.url),
        Esc(&r.checked_at),
        Esc(&leaf.served_at.join(", "))
    )
}
