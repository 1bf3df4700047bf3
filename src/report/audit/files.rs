//! Writing the bundle's files: `report.html`, `report.json`,
//! `inventory.csv`, `findings.csv` and `certificates/<sha256>.pem`. The
//! directory is created if needed; files of an earlier bundle in it are
//! replaced, never merged.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::AuditReport;
use crate::report::escape::csv_cell;
use crate::report::findings::write_findings;
use crate::report::ListingFormat;

/// What [`write_bundle`] wrote, relative to the directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BundleFiles {
    /// Every file written.
    pub files: Vec<PathBuf>,
    /// Certificates written as PEM.
    pub certificates: usize,
}

/// Writes the report files of `report` into `dir`; `certificates` are
/// `(sha256, der)` of every certificate to export.
pub fn write_bundle(
    dir: &Path,
    report: &AuditReport,
    certificates: &[(String, Vec<u8>)],
) -> io::Result<BundleFiles> {
    fs::create_dir_all(dir.join("certificates"))?;
    let mut written = BundleFiles::default();
    let mut write = |name: &str, body: &dyn Fn(&mut dyn Write) -> io::Result<()>| {
        let mut out = BufWriter::new(File::create(dir.join(name))?);
        body(&mut out)?;
        out.flush()?;
        written.files.push(PathBuf::from(name));
        Ok::<(), io::Error>(())
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
        written.certificates += 1;
    }
    Ok(written)
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
    writeln!(out, "{}", headers.join(","))?;
    for leaf in &report.leaves {
        let c = &leaf.certificate;
        let key = if c.key.curve.is_empty() {
            format!("{} {}", c.key.algorithm, c.key.bits)
        } else {
            format!("{} {}", c.key.algorithm, c.key.curve)
        };
        let cells = [
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
        ];
        let row: Vec<_> = cells.iter().map(|cell| csv_cell(cell)).collect();
        writeln!(out, "{}", row.join(","))?;
    }
    Ok(())
}

/// A certificate as PEM (64-column base64).
fn pem(der: &[u8]) -> String {
    use base64::Engine;
    let text = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in text.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}
