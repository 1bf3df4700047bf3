//! Writing the bundle's files: `report.html`, `report.json`,
//! `inventory.csv`, `findings.csv` and `certificates/<sha256>.pem`. The
//! directory is created if needed; files of an earlier bundle in it are
//! replaced, never merged.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use super::AuditReport;
use crate::policy::model::LeafModel;
use crate::report::findings::write_findings;
use crate::report::listing::{write_listing, Listing};
use crate::report::ListingFormat;

/// Writes the report files of `report` into `dir`; `certificates` are
/// `(sha256, der)` of every certificate to export.
pub fn write_bundle(
    dir: &Path,
    report: &AuditReport,
    certificates: &[(String, Vec<u8>)],
) -> io::Result<()> {
    fs::create_dir_all(dir.join("certificates"))?;
    let write = |name: &str, body: &dyn Fn(&mut dyn Write) -> io::Result<()>| {
        let mut out = BufWriter::new(File::create(dir.join(name))?);
        body(&mut out)?;
        out.flush()
    };
    write("report.html", &|out| {
        out.write_all(super::render_html(report).as_bytes())
    })?;
    write("report.json", &|out| {
        serde_json::to_writer_pretty(&mut *out, report)?;
        writeln!(out)
    })?;
    write("inventory.csv", &|out| write_inventory_csv(out, report))?;
    write("findings.csv", &|out| {
        write_findings(out, ListingFormat::Csv, &report.findings)
    })?;
    for (sha256, der) in certificates {
        let name = format!("certificates/{sha256}.pem");
        write(&name, &|out| out.write_all(pem(der).as_bytes()))?;
    }
    Ok(())
}

/// The leaf certificates, one row each, cells neutralised for spreadsheets.
fn write_inventory_csv(out: &mut dyn Write, report: &AuditReport) -> io::Result<()> {
    let headers = [
        "sha256",
        "subject",
        "issuer",
        "not_before",
        "not_after",
        "days_left",
        "key",
        "signature",
        "ca_class",
        "anchor",
        "owner",
        "served_at",
        "chain_problems",
    ];
    let cells = |leaf: &LeafModel| {
        let c = &leaf.certificate;
        let key = if c.key.curve.is_empty() {
            format!("{} {}", c.key.algorithm, c.key.bits)
        } else {
            format!("{} {}", c.key.algorithm, c.key.curve)
        };
        vec![
            c.sha256.clone(),
            c.subject.dn.clone(),
            c.issuer.dn.clone(),
            c.not_before.clone(),
            c.not_after.clone(),
            c.days_left.to_string(),
            key,
            c.signature.algorithm.clone(),
            leaf.ca_class.clone(),
            leaf.anchor.clone(),
            leaf.owner.clone(),
            leaf.served_at.join(" "),
            leaf.chain_problems.join(" "),
        ]
    };
    let listing = Listing {
        kind: "inventory",
        headers: &headers,
        items: &report.leaves,
        cells: &cells,
    };
    write_listing(out, ListingFormat::Csv, &listing)
}

/// A certificate as PEM (64-column base64).
fn pem(der: &[u8]) -> String {
    crate::pem::certificate(der)
}

#[cfg(test)]
mod tests {
    #[test]
    fn inventory_csv_has_a_header_and_one_neutralised_row_per_leaf() {
        let mut report = super::super::fixture::report();
        report.leaves[0].certificate.subject.dn = "=cmd(),O=x".into();
        let mut out = Vec::new();
        super::write_inventory_csv(&mut out, &report).expect("written");
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "sha256,subject,issuer,not_before,not_after,days_left,key,signature,\
             ca_class,anchor,owner,served_at,chain_problems"
        );
        assert_eq!(lines.len(), report.leaves.len() + 1);
        let first = report.leaves[0].certificate.sha256.as_str();
        assert!(
            lines[1].starts_with(&format!("{first},\"'=cmd(),O=x\",")),
            "{}",
            lines[1]
        );
        assert!(lines[1].contains(",rsa 2048,"), "{}", lines[1]);
    }
}
