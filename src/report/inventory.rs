//! Presentation of the inventory: the columns of `inventory`, `cas`,
//! `history` and `scans`, the `diff` report, and the summary printed after
//! a stored scan.

use std::io::{self, Write};

use super::listing::{write_json, write_listing, Listing, ListingFormat, SortedListing};
use crate::inventory::ca::CaSummary;
use crate::inventory::history::{ChangeKind, EndpointChange, ScanDiff};
use crate::inventory::view::{InventoryRow, InventorySummary};
use crate::sanitize::terminal;
use crate::store::{EndpointKey, HistoryEntry, ScanRecord, ScanRole};
use serde::Serialize;

/// `address:port` or `address:port/sni` (the key's `Display`).
pub fn endpoint_key_text(key: &EndpointKey) -> String {
    key.to_string()
}

/// An instant in a listing: RFC 3339 in UTC (tables, JSON and CSV alike).
fn date(at: time::OffsetDateTime) -> String {
    super::instant_text(at)
}

/// Writes the inventory rows.
pub fn write_inventory(
    out: &mut dyn Write,
    format: ListingFormat,
    rows: &[InventoryRow],
) -> io::Result<()> {
    let listing = Listing {
        kind: INVENTORY_KIND,
        headers: &INVENTORY_HEADERS,
        items: rows,
        cells: &inventory_cells,
    };
    write_listing(out, format, &listing)
}

/// The inventory listing written as the rows come, in any order, sorted
/// by the key each row is pushed with, never all held: the bytes
/// [`write_inventory`] writes for the rows sorted (stably) by key.
pub fn inventory_listing<K: Ord>(
    format: ListingFormat,
) -> io::Result<SortedListing<'static, InventoryRow, K>> {
    let heads = (INVENTORY_KIND, &INVENTORY_HEADERS[..]);
    SortedListing::new(format, heads, &inventory_cells)
}

/// The inventory listing's `kind` in JSON.
const INVENTORY_KIND: &str = "certificates";

/// The inventory listing's columns.
const INVENTORY_HEADERS: [&str; 14] = [
    "subject",
    "names",
    "issuer",
    "not_after",
    "days_left",
    "key",
    "signature",
    "ca_class",
    "owner",
    "owner_rule",
    "endpoints",
    "at_rest",
    "chain",
    "sha256",
];

/// The cells of one inventory row, in header order.
fn inventory_cells(r: &InventoryRow) -> Vec<String> {
    let c = &r.certificate;
    let first_or_dn =
        |values: &[String], dn: &str| values.first().cloned().unwrap_or_else(|| dn.to_string());
    let names: Vec<&str> = c.dns_names().collect();
    let endpoints: Vec<String> = r.endpoints.iter().map(endpoint_key_text).collect();
    let at_rest: Vec<String> = r.at_rest.iter().map(ToString::to_string).collect();
    let chain = match r.chain_problems.is_empty() {
        true => "ok".to_string(),
        false => r.chain_problems.join(","),
    };
    vec![
        first_or_dn(&c.subject.common_names, &c.subject.dn),
        names.join(" "),
        first_or_dn(&c.issuer.common_names, &c.issuer.dn),
        date(c.not_after),
        r.days_left.to_string(),
        super::table::key_text(c),
        c.signature_algorithm.name.clone(),
        r.ca_class.name().to_string(),
        r.owner.clone().unwrap_or_else(|| "unassigned".into()),
        r.owner_rule.clone().unwrap_or_default(),
        endpoints.join(" "),
        at_rest.join(" "),
        chain,
        r.sha256.clone(),
    ]
}

/// Writes the CA list.
pub fn write_cas(out: &mut dyn Write, format: ListingFormat, cas: &[CaSummary]) -> io::Result<()> {
    let headers = [
        "subject",
        "class",
        "key",
        "not_after",
        "self_signed",
        "issued",
        "leaves",
        "endpoints",
        "sha256",
    ];
    let cells = |c: &CaSummary| {
        vec![
            c.subject.clone(),
            c.class.name().to_string(),
            c.key.clone(),
            date(c.not_after),
            if c.self_signed {
                "yes".into()
            } else {
                "no".into()
            },
            c.issued.to_string(),
            c.leaves.to_string(),
            c.endpoints.to_string(),
            c.sha256.clone(),
        ]
    };
    write_listing(
        out,
        format,
        &Listing {
            kind: "certificate authorities",
            headers: &headers,
            items: cas,
            cells: &cells,
        },
    )
}

/// Writes an endpoint's or a certificate's history.
pub fn write_history(
    out: &mut dyn Write,
    format: ListingFormat,
    entries: &[HistoryEntry],
) -> io::Result<()> {
    let headers = [
        "scan",
        "observed_at",
        "endpoint",
        "status",
        "position",
        "leaf_subject",
        "leaf_not_after",
        "leaf_sha256",
    ];
    let cells = |e: &HistoryEntry| {
        vec![
            e.scan.0.to_string(),
            super::instant_text(e.observed_at),
            endpoint_key_text(&e.endpoint),
            e.reason.clone(),
            e.position.map(|p| p.to_string()).unwrap_or_default(),
            e.leaf_subject.clone().unwrap_or_default(),
            e.leaf_not_after.map(date).unwrap_or_default(),
            e.leaf_sha256.clone().unwrap_or_default(),
        ]
    };
    write_listing(
        out,
        format,
        &Listing {
            kind: "observations",
            headers: &headers,
            items: entries,
            cells: &cells,
        },
    )
}

/// Writes the stored scans.
pub fn write_scans(
    out: &mut dyn Write,
    format: ListingFormat,
    scans: &[ListedScan<'_>],
) -> io::Result<()> {
    let headers = [
        "id",
        "started_at",
        "finished_at",
        "status",
        "observations",
        "targets",
        "host",
        "cycle",
    ];
    let cells = |listed: &ListedScan<'_>| {
        let s = listed.record;
        vec![
            s.id.0.to_string(),
            super::instant_text(s.started_at),
            s.finished_at.map(super::instant_text).unwrap_or_default(),
            s.status.as_str().to_string(),
            s.observations.to_string(),
            s.targets.join(" "),
            s.host.clone(),
            listed.cycle_role.map(role_text).unwrap_or_default(),
        ]
    };
    write_listing(
        out,
        format,
        &Listing {
            kind: "scans",
            headers: &headers,
            items: scans,
            cells: &cells,
        },
    )
}

/// A scan as `scans` lists it: its record and, for shard and cycle scans,
/// its place in the shard cycles (JSON: the record's fields plus
/// `cycle_role`).
#[derive(Debug, Serialize)]
pub struct ListedScan<'a> {
    /// The scan.
    #[serde(flatten)]
    pub record: &'a ScanRecord,
    /// Its role, when it is a shard or cycle scan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycle_role: Option<&'a ScanRole>,
}

/// `shard 2/4 -> scan 7`, `shard 2/4 (cycle pending)`, `cycle of 3,4,5,6`.
fn role_text(role: &ScanRole) -> String {
    match role {
        ScanRole::Shard { part, cycle } => {
            let cycle = cycle.map_or("(cycle pending)".to_string(), |c| format!("-> scan {c}"));
            format!("shard {}/{} {cycle}", part.shard, part.count)
        }
        ScanRole::Cycle { cycle } => {
            let members: Vec<String> = cycle.members.iter().map(|m| m.to_string()).collect();
            format!("cycle of {}", members.join(","))
        }
    }
}

/// Writes a diff: sections for a terminal, the whole diff as JSON, or one
/// CSV row per change.
pub fn write_diff(
    out: &mut dyn Write,
    format: ListingFormat,
    from: i64,
    to: i64,
    diff: &ScanDiff,
) -> io::Result<()> {
    match format {
        ListingFormat::Json => write_json(
            out,
            "diff",
            &serde_json::json!({ "from": from, "to": to, "diff": diff }),
        ),
        ListingFormat::Csv => {
            let headers = [
                "endpoint",
                "change",
                "rekeyed",
                "lead_days",
                "old_sha256",
                "new_sha256",
            ];
            let cells = |c: &EndpointChange| change_cells(c);
            write_listing(
                out,
                format,
                &Listing {
                    kind: "changes",
                    headers: &headers,
                    items: &diff.changed,
                    cells: &cells,
                },
            )
        }
        ListingFormat::Table => write_diff_text(out, from, to, diff),
    }
}

fn change_cells(c: &EndpointChange) -> Vec<String> {
    vec![
        endpoint_key_text(&c.endpoint),
        match c.kind {
            ChangeKind::Renewal => "renewal".into(),
            ChangeKind::Replacement => "replacement".into(),
        },
        c.rekeyed.to_string(),
        c.lead_days.map(|d| format!("{d:.1}")).unwrap_or_default(),
        c.old.sha256.clone(),
        c.new.sha256.clone(),
    ]
}

fn write_diff_text(out: &mut dyn Write, from: i64, to: i64, diff: &ScanDiff) -> io::Result<()> {
    writeln!(out, "changes from scan {from} to scan {to}")?;
    if diff.is_empty() {
        return writeln!(out, "  nothing changed");
    }
    for change in &diff.changed {
        writeln!(out, "  {}", terminal(&change_line(change)))?;
    }
    let sections = [
        ("new certificate", &diff.new_certificates),
        ("no longer served", &diff.gone_certificates),
    ];
    for (label, certs) in sections {
        for cert in certs {
            let subject = cert.subject.as_deref().unwrap_or("(unparseable)");
            writeln!(
                out,
                "  {label}: {} ({})",
                terminal(subject),
                &cert.sha256[..16.min(cert.sha256.len())]
            )?;
        }
    }
    for endpoint in &diff.new_endpoints {
        writeln!(
            out,
            "  new endpoint: {}",
            terminal(&endpoint_key_text(endpoint))
        )?;
    }
    for endpoint in &diff.gone_endpoints {
        writeln!(
            out,
            "  endpoint gone: {}",
            terminal(&endpoint_key_text(endpoint))
        )?;
    }
    Ok(())
}

/// `127.0.0.2:443/www: renewal (re-keyed), 30.0 days before expiry: old → new`.
fn change_line(c: &EndpointChange) -> String {
    let kind = match c.kind {
        ChangeKind::Renewal => "renewal",
        ChangeKind::Replacement => "replaced by a certificate for other names",
    };
    let rekey = if c.rekeyed {
        " (re-keyed)"
    } else {
        " (same key)"
    };
    let lead = match c.lead_days {
        Some(d) if d >= 0.0 => format!(", {d:.1} days before the old one expired"),
        Some(d) => format!(", {:.1} days AFTER the old one expired", -d),
        None => String::new(),
    };
    let subject = |s: &Option<String>| s.clone().unwrap_or_else(|| "(unparseable)".into());
    format!(
        "{}: {kind}{rekey}{lead}: {} [{}] → {} [{}]",
        endpoint_key_text(&c.endpoint),
        subject(&c.old.subject),
        &c.old.sha256[..16.min(c.old.sha256.len())],
        subject(&c.new.subject),
        &c.new.sha256[..16.min(c.new.sha256.len())],
    )
}

/// The one-screen summary after a stored scan.
pub fn write_summary(
    out: &mut dyn Write,
    scan: i64,
    db: &str,
    s: &InventorySummary,
) -> io::Result<()> {
    writeln!(out, "\ninventory (scan {scan}, {}):", terminal(db))?;
    writeln!(
        out,
        "  {} endpoints serve {} certificates",
        s.endpoints, s.certificates
    )?;
    writeln!(
        out,
        "  since the previous scan: {} new, {} changed, {} gone",
        s.new, s.changed, s.gone
    )?;
    writeln!(
        out,
        "  {} expired, {} expiring within 30 days",
        s.expired, s.expiring_30_days
    )?;
    let classes: Vec<String> = s
        .by_class
        .iter()
        .map(|(c, n)| format!("{} {n}", c.name()))
        .collect();
    writeln!(out, "  by CA class: {}", classes.join(" · "))?;
    if !s.shadow_cas.is_empty() {
        let names: Vec<String> = s
            .shadow_cas
            .iter()
            .map(|n| terminal(n).into_owned())
            .collect();
        writeln!(out, "  shadow CAs: {}", names.join("; "))?;
    }
    if s.every_private_ca_is_shadow() {
        writeln!(out, "  {ANCHORS_HINT}")?;
    }
    Ok(())
}

/// The summary line shown when every private CA of a scan is shadow.
pub const ANCHORS_HINT: &str = "no private CA is approved: `certatlas init` writes a config listing them as [[anchors]] to declare";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::ca::CaClass;

    fn summary_text(by_class: &[(CaClass, u64)], shadow: &[&str]) -> String {
        let summary = InventorySummary {
            by_class: by_class.iter().copied().collect(),
            shadow_cas: shadow.iter().map(|s| s.to_string()).collect(),
            ..InventorySummary::default()
        };
        let mut out = Vec::new();
        write_summary(&mut out, 1, "db", &summary).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_summary_says_how_to_declare_anchors_only_when_every_private_ca_is_shadow() {
        let all_shadow = summary_text(&[(CaClass::Shadow, 3)], &["CN=Corp Root"]);
        assert!(all_shadow.contains(ANCHORS_HINT), "{all_shadow}");
        let one_approved = summary_text(
            &[(CaClass::Approved, 2), (CaClass::Shadow, 1)],
            &["CN=Rogue"],
        );
        assert!(!one_approved.contains("certatlas init"), "{one_approved}");
        let public_only = summary_text(&[(CaClass::Public, 4)], &[]);
        assert!(!public_only.contains("certatlas init"), "{public_only}");
    }
}
