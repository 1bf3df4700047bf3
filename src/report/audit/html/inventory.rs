//! The inventory section of `report.html`: revoked certificates (see
//! `html_revocation`), leaf certificates (soonest
//! expiry first), CA certificates grouped by class, and endpoints, each
//! table capped at [`ROW_LIMIT`] rows with a pointer to the complete
//! files.

use std::collections::BTreeMap;
use std::fmt::{self, Write};

use super::{table_end, table_start, Esc, ROW_LIMIT};
use super::super::AuditReport;
use crate::policy::model::{CaModel, CertificateFields, EndpointModel, LeafModel};

/// Where the rows beyond the cap are.
const FULL_FILES: &str = "inventory.csv / report.json";

/// Days left under which a certificate is flagged as expiring soon.
const SOON_DAYS: i64 = 30;

/// The inventory section.
pub(crate) fn section(out: &mut String, report: &AuditReport) -> fmt::Result {
    out.write_str("<section id=\"inventory-section\">\n<h2>Inventory</h2>\n")?;
    super::revocation::section(out, &report.leaves)?;
    leaves(out, &report.leaves)?;
    cas(out, &report.cas)?;
    endpoints(out, &report.endpoints)?;
    out.write_str("</section>\n")
}

fn leaves(out: &mut String, leaves: &[LeafModel]) -> fmt::Result {
    writeln!(out, "<h3>Certificates ({})</h3>", leaves.len())?;
    if leaves.is_empty() {
        return out.write_str("<p class=\"muted\">No leaf certificate was served.</p>\n");
    }
    out.write_str("<p class=\"note\">Soonest expiry first.</p>\n")?;
    let headers = [
        "Subject",
        "Issuer",
        "Not after",
        "Days left",
        "Key",
        "Signature",
        "CA class",
        "Owner",
        "Served at",
    ];
    table_start(out, "certificates", &headers)?;
    let mut sorted: Vec<&LeafModel> = leaves.iter().collect();
    sorted.sort_by(|a, b| {
        let (a, b) = (&a.certificate, &b.certificate);
        a.days_left.cmp(&b.days_left).then(a.sha256.cmp(&b.sha256))
    });
    for leaf in sorted.iter().take(ROW_LIMIT) {
        leaf_row(out, leaf)?;
    }
    table_end(out, sorted.len().min(ROW_LIMIT), sorted.len(), FULL_FILES)
}

fn leaf_row(out: &mut String, leaf: &LeafModel) -> fmt::Result {
    let c = &leaf.certificate;
    let owner = if leaf.owner.is_empty() {
        "<span class=\"muted\">unassigned</span>".to_string()
    } else {
        Esc(&leaf.owner).to_string()
    };
    writeln!(
        out,
        "<tr><td>{}</td><td>{}</td><td>{}</td>{}<td>{}</td><td>{}</td><td>{}</td>\
         <td>{owner}</td><td>{}</td></tr>",
        subject(c),
        Esc(&c.issuer.cn),
        Esc(&c.not_after),
        days_left(c),
        Esc(&key(c)),
        Esc(&c.signature.algorithm),
        Esc(&leaf.ca_class),
        lines(&leaf.served_at)
    )
}

/// The subject: CN (or the DN when there is none), the DN and a short
/// SHA-256.
fn subject(c: &CertificateFields) -> String {
    let name = if c.subject.cn.is_empty() {
        &c.subject.dn
    } else {
        &c.subject.cn
    };
    let mut text = format!(
        "<strong class=\"dn\">{}</strong><br><span class=\"desc dn\">{}</span>",
        Esc(name),
        Esc(&c.subject.dn)
    );
    if !c.sha256.is_empty() {
        let short: String = c.sha256.chars().take(16).collect();
        let _ = write!(text, "<br><code class=\"desc\">{}…</code>", Esc(&short));
    }
    text
}

/// The days-left cell, flagged when expired or expiring soon.
fn days_left(c: &CertificateFields) -> String {
    let class = if c.expired || c.days_left < 0 {
        "num expired"
    } else if c.days_left < SOON_DAYS {
        "num soon"
    } else {
        "num"
    };
    format!("<td class=\"{class}\">{}</td>", c.days_left)
}

/// `rsa 2048`, `ec P-256`.
fn key(c: &CertificateFields) -> String {
    if c.key.curve.is_empty() {
        format!("{} {}", c.key.algorithm, c.key.bits)
    } else {
        format!("{} {}", c.key.algorithm, c.key.curve)
    }
}

/// Texts escaped, one per line.
fn lines(texts: &[String]) -> String {
    texts
        .iter()
        .map(|t| Esc(t).to_string())
        .collect::<Vec<_>>()
        .join("<br>")
}

/// CA certificates, one table per class.
fn cas(out: &mut String, cas: &[CaModel]) -> fmt::Result {
    writeln!(out, "<h3>CA certificates ({})</h3>", cas.len())?;
    if cas.is_empty() {
        return out.write_str("<p class=\"muted\">No CA certificate in the scan.</p>\n");
    }
    let mut by_class: BTreeMap<&str, Vec<&CaModel>> = BTreeMap::new();
    for ca in cas {
        by_class.entry(ca.class.as_str()).or_default().push(ca);
    }
    for (class, members) in by_class {
        let class = if class.is_empty() {
            "unclassified"
        } else {
            class
        };
        writeln!(out, "<h4>{} ({})</h4>", Esc(class), members.len())?;
        ca_table(out, &members)?;
    }
    Ok(())
}

/// One class's CA certificates.
fn ca_table(out: &mut String, members: &[&CaModel]) -> fmt::Result {
    let headers = [
        "Subject",
        "Role",
        "Issuer",
        "Not after",
        "Days left",
        "Key",
        "Served",
        "Issued",
        "Leaves",
        "Endpoints",
    ];
    table_start(out, "cas", &headers)?;
    for ca in members.iter().take(ROW_LIMIT) {
        ca_row(out, ca)?;
    }
    table_end(
        out,
        members.len().min(ROW_LIMIT),
        members.len(),
        "report.json",
    )
}

fn ca_row(out: &mut String, ca: &CaModel) -> fmt::Result {
    let c = &ca.certificate;
    writeln!(
        out,
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{}<td>{}</td><td>{}</td>\
         <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
        subject(c),
        Esc(&ca.role),
        Esc(&c.issuer.cn),
        Esc(&c.not_after),
        days_left(c),
        Esc(&key(c)),
        if ca.served { "yes" } else { "anchor only" },
        ca.issued,
        ca.leaves,
        ca.endpoints
    )
}

fn endpoints(out: &mut String, endpoints: &[EndpointModel]) -> fmt::Result {
    writeln!(out, "<h3>Endpoints ({})</h3>", endpoints.len())?;
    if endpoints.is_empty() {
        return out.write_str("<p class=\"muted\">No endpoint completed a handshake.</p>\n");
    }
    let headers = [
        "Served at",
        "Host",
        "TLS version",
        "Cipher suite",
        "Key exchange",
        "TLS 1.3",
        "Accepted versions",
        "Certificate",
    ];
    table_start(out, "endpoints", &headers)?;
    let mut sorted: Vec<&EndpointModel> = endpoints.iter().collect();
    sorted.sort_by(|a, b| a.served_at.cmp(&b.served_at));
    for endpoint in sorted.iter().take(ROW_LIMIT) {
        endpoint_row(out, endpoint)?;
    }
    table_end(
        out,
        sorted.len().min(ROW_LIMIT),
        sorted.len(),
        "report.json",
    )
}

/// The names joined with commas, or `none`.
fn none_if_empty(names: &[String]) -> String {
    match names.is_empty() {
        true => "none".into(),
        false => names.join(", "),
    }
}

fn endpoint_row(out: &mut String, e: &EndpointModel) -> fmt::Result {
    let hybrid = if e.post_quantum_hybrid {
        "<span class=\"tag\">PQ hybrid</span>"
    } else {
        ""
    };
    let groups = match e.groups.probed {
        true => format!(
            "<br><span class=\"desc\">accepts {}</span>",
            Esc(&none_if_empty(&e.groups.accepted))
        ),
        false => String::new(),
    };
    let starttls = if e.starttls.is_empty() {
        String::new()
    } else {
        format!(
            "<br><span class=\"desc\">STARTTLS {}</span>",
            Esc(&e.starttls)
        )
    };
    writeln!(
        out,
        "<tr><td>{}{starttls}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{hybrid}{groups}</td>\
         <td>{}</td><td>{}</td><td>{}</td></tr>",
        Esc(&e.served_at),
        Esc(&e.host),
        Esc(&e.tls_version),
        Esc(&e.cipher_suite),
        Esc(&e.key_exchange_group),
        Esc(&e.tls13),
        Esc(&e.accepted_versions.join(", ")),
        Esc(&e.leaf_cn)
    )
}
