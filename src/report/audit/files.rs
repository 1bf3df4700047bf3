//! Writing the bundle's files: `report.html`, `report.json`,
//! `inventory.csv`, `findings.csv` and `certificates/<sha256>.pem`. The
//! directory is created if needed; files of an earlier bundle in it are
//! replaced, never merged. The lists come one by one ([`ListFiles`]): the
//! CSV files are written as they come and `report.json`'s lists spill to
//! unnamed temporary files until the report around them is known
//! ([`write_report`]).

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::Serialize;

use super::tables::ReportTables;
use super::AuditReport;
use crate::policy::lifecycle::TrackedFinding;
use crate::policy::model::{EndpointModel, LeafModel};
use crate::report::findings::findings_stream;
use crate::report::listing::{array_item, ListingStream};
use crate::report::spill::SortedSpill;
use crate::report::ListingFormat;

/// A bundle's lists, written as the leaves, endpoints and findings come,
/// in the order they come: `inventory.csv` and `findings.csv` at once,
/// `report.json`'s lists to temporary files, and the HTML tables folded.
pub struct ListFiles {
    inventory_csv: ListingStream<'static, BufWriter<File>, LeafModel>,
    findings_csv: ListingStream<'static, BufWriter<File>, TrackedFinding>,
    lists: ReportLists,
    tables: ReportTables,
}

/// `report.json`'s leaves, endpoints and findings, each item as it is
/// written there, spilled to temporary files.
pub struct ReportLists {
    leaves: SortedSpill<()>,
    endpoints: SortedSpill<()>,
    findings: SortedSpill<()>,
}

impl ListFiles {
    /// Creates `dir` (and `dir/certificates`) and starts the lists.
    pub fn create(dir: &Path) -> io::Result<ListFiles> {
        fs::create_dir_all(dir.join("certificates"))?;
        let create = |name: &str| Ok::<_, io::Error>(BufWriter::new(File::create(dir.join(name))?));
        let heads = ("inventory", &INVENTORY_HEADERS[..]);
        let csv = ListingFormat::Csv;
        Ok(ListFiles {
            inventory_csv: ListingStream::begin(create("inventory.csv")?, csv, heads, &leaf_cells)?,
            findings_csv: findings_stream(create("findings.csv")?, csv)?,
            lists: ReportLists {
                leaves: SortedSpill::new()?,
                endpoints: SortedSpill::new()?,
                findings: SortedSpill::new()?,
            },
            tables: ReportTables::default(),
        })
    }

    /// The next leaf.
    pub fn leaf(&mut self, leaf: &LeafModel) -> io::Result<()> {
        self.inventory_csv.item(leaf)?;
        self.lists.leaves.push((), item_text(leaf)?.as_bytes())?;
        self.tables.add_leaf(leaf);
        Ok(())
    }

    /// The next endpoint.
    pub fn endpoint(&mut self, endpoint: &EndpointModel) -> io::Result<()> {
        self.lists
            .endpoints
            .push((), item_text(endpoint)?.as_bytes())?;
        self.tables.add_endpoint(endpoint);
        Ok(())
    }

    /// The next finding.
    pub fn finding(&mut self, finding: &TrackedFinding) -> io::Result<()> {
        self.findings_csv.item(finding)?;
        self.lists
            .findings
            .push((), item_text(finding)?.as_bytes())?;
        self.tables.add_finding(finding);
        Ok(())
    }

    /// Ends the CSV files; returns the HTML tables and `report.json`'s
    /// lists.
    pub fn finish(self) -> io::Result<(ReportTables, ReportLists)> {
        self.inventory_csv.finish()?.flush()?;
        self.findings_csv.finish()?.flush()?;
        Ok((self.tables, self.lists))
    }
}

/// Writes `report.html` and `report.json` of `report` into `dir`, with
/// `lists` in `report.json`.
pub fn write_report(dir: &Path, report: &AuditReport, lists: ReportLists) -> io::Result<()> {
    let mut html = BufWriter::new(File::create(dir.join("report.html"))?);
    html.write_all(super::render_html(report).as_bytes())?;
    html.flush()?;
    let mut json = BufWriter::new(File::create(dir.join("report.json"))?);
    write_report_json(&mut json, report, lists)?;
    json.flush()
}

/// `report.json`: the report's fields in order, its lists in place (the
/// leaves before `cas`, the endpoints and findings after it), pretty.
fn write_report_json(
    out: &mut dyn Write,
    report: &AuditReport,
    lists: ReportLists,
) -> io::Result<()> {
    let head = serde_json::to_string_pretty(report)?;
    // the top-level keys are the lines two spaces in (a string value's line
    // breaks are escaped)
    let key = |name: &str| {
        let line = format!("\n  \"{name}\": ");
        head.find(&line)
            .ok_or_else(|| io::Error::other(format!("no {name} in the report")))
    };
    let (cas, digests) = (key("cas")?, key("digests")?);
    out.write_all(&head.as_bytes()[..cas])?;
    write_list(out, "leaves", lists.leaves)?;
    out.write_all(&head.as_bytes()[cas..digests])?;
    write_list(out, "endpoints", lists.endpoints)?;
    write_list(out, "findings", lists.findings)?;
    out.write_all(&head.as_bytes()[digests..])?;
    writeln!(out)
}

/// One list of `report.json` and the comma after it.
fn write_list(out: &mut dyn Write, name: &str, items: SortedSpill<()>) -> io::Result<()> {
    write!(out, "\n  \"{name}\": [")?;
    let empty = items.is_empty();
    let mut first = true;
    items.drain(|(), text| {
        if !std::mem::take(&mut first) {
            out.write_all(b",")?;
        }
        out.write_all(text)
    })?;
    out.write_all(if empty { b"]," } else { b"\n  ]," })
}

/// One item of a `report.json` list, in its fields' order (as
/// serialising the whole report would have it).
fn item_text<T: Serialize>(item: &T) -> io::Result<String> {
    Ok(array_item(&serde_json::to_string_pretty(item)?))
}

/// Writes `certificates/<sha256>.pem` of one certificate into `dir`.
pub fn write_certificate(dir: &Path, sha256: &str, der: &[u8]) -> io::Result<()> {
    fs::write(dir.join(format!("certificates/{sha256}.pem")), pem(der))
}

/// The columns of `inventory.csv`.
const INVENTORY_HEADERS: [&str; 13] = [
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

/// One leaf's row of `inventory.csv` (cells neutralised for spreadsheets
/// when written).
fn leaf_cells(leaf: &LeafModel) -> Vec<String> {
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
}

/// A certificate as PEM (64-column base64).
fn pem(der: &[u8]) -> String {
    crate::pem::certificate(der)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{lists, report_with, Lists};
    use super::super::{AuditReport, ReportJson};
    use super::ListFiles;

    /// The bundle's lists and report files of `lists`, written through
    /// [`ListFiles`] into a new directory.
    fn written(lists: &Lists) -> (tempfile::TempDir, AuditReport) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut files = ListFiles::create(dir.path()).expect("created");
        lists
            .leaves
            .iter()
            .for_each(|l| files.leaf(l).expect("leaf"));
        (lists.endpoints.iter()).for_each(|e| files.endpoint(e).expect("endpoint"));
        (lists.findings.iter()).for_each(|t| files.finding(t).expect("finding"));
        let (tables, spilled) = files.finish().expect("finished");
        let mut report = report_with(lists);
        report.tables = tables;
        super::write_report(dir.path(), &report, spilled).expect("report written");
        (dir, report)
    }

    fn read(dir: &tempfile::TempDir, name: &str) -> String {
        std::fs::read_to_string(dir.path().join(name)).expect("read")
    }

    #[test]
    fn report_json_written_from_spilled_lists_is_the_whole_report_serialised() {
        let full = lists();
        let cut = |n: usize| Lists {
            leaves: full.leaves[..n.min(full.leaves.len())].to_vec(),
            endpoints: full.endpoints[..n.min(full.endpoints.len())].to_vec(),
            findings: full.findings[..n.min(full.findings.len())].to_vec(),
        };
        for lists in [cut(0), cut(1), cut(usize::MAX)] {
            let (dir, report) = written(&lists);
            let whole = ReportJson {
                schema: report.schema,
                generated_at: report.generated_at,
                tool_version: report.tool_version.clone(),
                scan: report.scan.clone(),
                score: report.score.clone(),
                previous: report.previous.clone(),
                trend: report.trend.clone(),
                leaves: lists.leaves.clone(),
                cas: report.cas.clone(),
                endpoints: lists.endpoints.clone(),
                findings: lists.findings.clone(),
                digests: report.digests.clone(),
            };
            let want = serde_json::to_string_pretty(&whole).expect("json") + "\n";
            assert_eq!(
                read(&dir, "report.json"),
                want,
                "{} leaves",
                lists.leaves.len()
            );
            // and the page is the page of the tables folded from the same lists
            let html = read(&dir, "report.html");
            assert_eq!(html, super::super::render_html(&report_with(&lists)));
        }
    }

    #[test]
    fn inventory_csv_has_a_header_and_one_neutralised_row_per_leaf() {
        let mut lists = lists();
        lists.leaves[0].certificate.subject.dn = "=cmd(),O=x".into();
        let (dir, _) = written(&lists);
        let text = read(&dir, "inventory.csv");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "sha256,subject,issuer,not_before,not_after,days_left,key,signature,\
             ca_class,anchor,owner,served_at,chain_problems"
        );
        assert_eq!(lines.len(), lists.leaves.len() + 1);
        let first = lists.leaves[0].certificate.sha256.as_str();
        assert!(
            lines[1].starts_with(&format!("{first},\"'=cmd(),O=x\",")),
            "{}",
            lines[1]
        );
        assert!(lines[1].contains(",rsa 2048,"), "{}", lines[1]);
        let findings = read(&dir, "findings.csv");
        assert_eq!(findings.lines().count(), lists.findings.len() + 1);
        assert!(findings.starts_with("severity,rule,status,"));
    }
}
