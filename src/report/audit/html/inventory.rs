//! The inventory tables of `report.html`: leaf certificates (soonest
//! expiry first), CA certificates grouped by class, and endpoints, each
//! table capped at [`ROW_LIMIT`] rows (the leaves and endpoints kept as
//! they came, `tables`) with a pointer to the complete files. The revoked
//! certificates before them are `revocation`'s.

use std::collections::BTreeMap;

use maud::{html, Markup};

use super::super::tables::TopRows;
use super::{table, Rows, ROW_LIMIT};
use crate::policy::model::{CaModel, CertificateFields, EndpointModel, LeafModel};

/// Where the rows beyond the cap are.
const FULL_FILES: &str = "inventory.csv / report.json";

/// Days left under which a certificate is flagged as expiring soon.
const SOON_DAYS: i64 = 30;

/// The leaf certificates, soonest expiry first.
pub(super) fn leaves<K: Ord>(leaves: &TopRows<K, LeafModel>) -> Markup {
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
    let sorted = leaves.shown();
    let rows = html! {
        @for leaf in &sorted {
            (leaf_row(leaf))
        }
    };
    let rows_shown = Rows {
        shown: sorted.len(),
        total: leaves.total(),
        files: FULL_FILES,
    };
    html! {
        h3 { "Certificates (" (leaves.total()) ")" }
        @if leaves.total() == 0 {
            p.muted { "No leaf certificate was served." }
        } @else {
            p.note { "Soonest expiry first." }
            (table("certificates", &headers, rows, rows_shown))
        }
    }
}

fn leaf_row(leaf: &LeafModel) -> Markup {
    let c = &leaf.certificate;
    html! {
        tr {
            td { (subject(c)) }
            td { (c.issuer.cn) }
            td { (c.not_after) }
            (days_left(c))
            td { (key(c)) }
            td { (c.signature.algorithm) }
            td { (leaf.ca_class) }
            td {
                @if leaf.owner.is_empty() {
                    span.muted { "unassigned" }
                } @else {
                    (leaf.owner)
                }
            }
            td { (lines(&leaf.served_at)) }
        }
    }
}

/// The subject: CN (or the DN when there is none), the DN and a short
/// SHA-256.
fn subject(c: &CertificateFields) -> Markup {
    let name = if c.subject.cn.is_empty() {
        &c.subject.dn
    } else {
        &c.subject.cn
    };
    let short: String = c.sha256.chars().take(16).collect();
    html! {
        strong.dn { (name) }
        br;
        span.desc.dn { (c.subject.dn) }
        @if !c.sha256.is_empty() {
            br; code.desc { (short) "…" }
        }
    }
}

/// The days-left cell, flagged when expired or expiring soon.
fn days_left(c: &CertificateFields) -> Markup {
    let class = if c.expired || c.days_left < 0 {
        "num expired"
    } else if c.days_left < SOON_DAYS {
        "num soon"
    } else {
        "num"
    };
    html! { td class=(class) { (c.days_left) } }
}

/// `rsa 2048`, `ec P-256`.
fn key(c: &CertificateFields) -> String {
    if c.key.curve.is_empty() {
        format!("{} {}", c.key.algorithm, c.key.bits)
    } else {
        format!("{} {}", c.key.algorithm, c.key.curve)
    }
}

/// Texts one per line.
fn lines(texts: &[String]) -> Markup {
    html! {
        @for (i, text) in texts.iter().enumerate() {
            @if i > 0 { br; }
            (text)
        }
    }
}

/// CA certificates, one table per class.
pub(super) fn cas(cas: &[CaModel]) -> Markup {
    let mut by_class: BTreeMap<&str, Vec<&CaModel>> = BTreeMap::new();
    for ca in cas {
        by_class.entry(ca.class.as_str()).or_default().push(ca);
    }
    html! {
        h3 { "CA certificates (" (cas.len()) ")" }
        @if cas.is_empty() {
            p.muted { "No CA certificate in the scan." }
        }
        @for (class, members) in by_class {
            h4 { (if class.is_empty() { "unclassified" } else { class }) " (" (members.len()) ")" }
            (ca_table(&members))
        }
    }
}

/// One class's CA certificates.
fn ca_table(members: &[&CaModel]) -> Markup {
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
    let shown = members.len().min(ROW_LIMIT);
    let rows = html! {
        @for ca in members.iter().take(shown) {
            (ca_row(ca))
        }
    };
    let rows_shown = Rows {
        shown,
        total: members.len(),
        files: "report.json",
    };
    table("cas", &headers, rows, rows_shown)
}

fn ca_row(ca: &CaModel) -> Markup {
    let c = &ca.certificate;
    html! {
        tr {
            td { (subject(c)) }
            td { (ca.role) }
            td { (c.issuer.cn) }
            td { (c.not_after) }
            (days_left(c))
            td { (key(c)) }
            td { (if ca.served { "yes" } else { "anchor only" }) }
            td.num { (ca.issued) }
            td.num { (ca.leaves) }
            td.num { (ca.endpoints) }
        }
    }
}

/// The endpoints that completed a handshake, by address.
pub(super) fn endpoints<K: Ord>(endpoints: &TopRows<K, EndpointModel>) -> Markup {
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
    let sorted = endpoints.shown();
    let rows = html! {
        @for endpoint in &sorted {
            (endpoint_row(endpoint))
        }
    };
    let rows_shown = Rows {
        shown: sorted.len(),
        total: endpoints.total(),
        files: "report.json",
    };
    html! {
        h3 { "Endpoints (" (endpoints.total()) ")" }
        @if endpoints.total() == 0 {
            p.muted { "No endpoint completed a handshake." }
        } @else {
            (table("endpoints", &headers, rows, rows_shown))
        }
    }
}

/// The names joined with commas, or `none`.
fn none_if_empty(names: &[String]) -> String {
    match names.is_empty() {
        true => "none".into(),
        false => names.join(", "),
    }
}

fn endpoint_row(e: &EndpointModel) -> Markup {
    html! {
        tr {
            td {
                (e.served_at)
                @if !e.starttls.is_empty() {
                    br; span.desc { "STARTTLS " (e.starttls) }
                }
            }
            td { (e.host) }
            td { (e.tls_version) }
            td { (e.cipher_suite) }
            td {
                (e.key_exchange_group)
                @if e.post_quantum_hybrid {
                    span.tag { "PQ hybrid" }
                }
                @if e.groups.probed {
                    br; span.desc { "accepts " (none_if_empty(&e.groups.accepted)) }
                }
            }
            td { (e.tls13) }
            td { (e.accepted_versions.join(", ")) }
            td { (e.leaf_cn) }
        }
    }
}
