//! Table output: one aligned row per responsive observation, sorted by
//! address (numerically) then port, written with the summary once the scan
//! ends; unresponsive probes (refused, unreachable, connect timeout) are
//! only counted in the summary, by reason, unless `--show-closed` asks for
//! their rows. Every field from a certificate or a peer goes through
//! [`crate::sanitize::terminal`] before it is printed.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::net::IpAddr;

use super::{ObservationRecord, ScanWriter};
use crate::certs::{CertificateView, KeyAlgorithm};
use crate::observation::{Observation, Outcome, VerdictProblem, VersionSupport};
use crate::sanitize::{fit, terminal};
use crate::scan::summary::ScanSummary;

/// What the table shows beyond the responsive endpoints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableView {
    /// List the unresponsive probes too (`--show-closed`).
    pub show_closed: bool,
}

/// Where a row sorts: address (none last), port, then name and SNI.
type RowKey = (bool, Option<IpAddr>, u16, String, Option<String>);

/// Writes the table.
pub struct TableWriter {
    out: BufWriter<Box<dyn Write + Send>>,
    view: TableView,
    rows: Vec<(RowKey, String)>,
    hidden: BTreeMap<String, u64>,
}

impl TableWriter {
    /// A writer over `out`.
    pub fn new(out: Box<dyn Write + Send>, view: TableView) -> TableWriter {
        TableWriter {
            out: BufWriter::new(out),
            view,
            rows: Vec::new(),
            hidden: BTreeMap::new(),
        }
    }
}

const HEADER: [&str; 8] = [
    "STATUS",
    "ENDPOINT",
    "SNI",
    "TLS",
    "SUBJECT",
    "ISSUER",
    "KEY",
    "NOT AFTER",
];

impl ScanWriter for TableWriter {
    fn observation(&mut self, record: &ObservationRecord<'_>) -> io::Result<()> {
        let obs = record.observation;
        if obs.outcome.is_unresponsive() && !self.view.show_closed {
            *self.hidden.entry(obs.outcome.reason_key()).or_default() += 1;
            return Ok(());
        }
        let mut text = row(cells(record));
        if let Some(verdict_line) = verdict_line(obs) {
            text.push_str(&format!("\n{:>18}{verdict_line}", ""));
        }
        let key = (
            obs.address.is_none(),
            obs.address,
            obs.port,
            obs.host.clone(),
            obs.sni.clone(),
        );
        self.rows.push((key, text));
        Ok(())
    }

    fn finish(&mut self, summary: &ScanSummary) -> io::Result<()> {
        // A stable sort: probes of one endpoint keep their arrival order.
        self.rows.sort_by(|a, b| a.0.cmp(&b.0));
        if !self.rows.is_empty() {
            writeln!(self.out, "{}", row(HEADER.map(String::from)))?;
        }
        for (_, text) in &self.rows {
            writeln!(self.out, "{text}")?;
        }
        write_summary(&mut self.out, summary)?;
        write_hidden(&mut self.out, &self.hidden)?;
        self.out.flush()
    }
}

/// The line counting the unresponsive probes left out of the table.
fn write_hidden(out: &mut impl Write, hidden: &BTreeMap<String, u64>) -> io::Result<()> {
    let total: u64 = hidden.values().sum();
    if total == 0 {
        return Ok(());
    }
    let reasons: Vec<String> = hidden.iter().map(|(k, v)| format!("{k} {v}")).collect();
    writeln!(
        out,
        "not listed: {total} unresponsive ({}); --show-closed lists them",
        reasons.join(" · ")
    )
}

/// Pads the cells to the column widths.
fn row(cells: [String; 8]) -> String {
    const WIDTHS: [usize; 8] = [17, 22, 26, 8, 30, 24, 10, 10];
    let mut line = String::new();
    for (cell, width) in cells.iter().zip(WIDTHS) {
        line.push_str(&format!("{:<width$} ", fit(&terminal(cell), width)));
    }
    line.trim_end().to_string()
}

/// The cells of one observation.
fn cells(record: &ObservationRecord<'_>) -> [String; 8] {
    let obs = record.observation;
    let endpoint = endpoint_text(obs);
    let sni = obs.sni.clone().unwrap_or_else(|| "-".into());
    let version = obs
        .tls
        .as_ref()
        .and_then(|t| t.version.clone())
        .unwrap_or_else(|| "-".into());
    let (subject, issuer, key, not_after) = match (record.leaf(), &obs.outcome) {
        (Some(leaf), _) => leaf_cells(leaf),
        (None, Outcome::Tls) => (
            "(unparseable leaf)".into(),
            "-".into(),
            "-".into(),
            "-".into(),
        ),
        (None, outcome) => (detail(outcome), String::new(), String::new(), String::new()),
    };
    let status = obs.outcome.reason_key();
    [
        status, endpoint, sni, version, subject, issuer, key, not_after,
    ]
}

/// `host (address):port`, or `address:port` when they are the same.
pub fn endpoint_text(obs: &Observation) -> String {
    match obs.address {
        Some(address) if address.to_string() == obs.host => match address {
            std::net::IpAddr::V6(v6) => format!("[{v6}]:{}", obs.port),
            v4 => format!("{v4}:{}", obs.port),
        },
        Some(address) => format!("{} ({address}):{}", obs.host, obs.port),
        None => format!("{}:{}", obs.host, obs.port),
    }
}

/// Subject, issuer, key and expiry of a leaf.
fn leaf_cells(leaf: &CertificateView) -> (String, String, String, String) {
    let subject = leaf
        .subject
        .common_names
        .first()
        .or(leaf.san.dns.first())
        .cloned()
        .unwrap_or_else(|| leaf.subject.dn.clone());
    let issuer = leaf
        .issuer
        .common_names
        .first()
        .or(leaf.issuer.organizations.first())
        .cloned()
        .unwrap_or_else(|| leaf.issuer.dn.clone());
    let not_after = leaf.not_after.date().to_string();
    (subject, issuer, key_text(leaf), not_after)
}

/// `RSA-2048`, `EC-P-256`, `Ed25519`.
pub fn key_text(view: &CertificateView) -> String {
    match &view.key.algorithm {
        KeyAlgorithm::Rsa => format!("RSA-{}", view.key.bits),
        KeyAlgorithm::Ec => format!("EC-{}", view.key.curve.as_deref().unwrap_or("?")),
        KeyAlgorithm::Ed25519 => "Ed25519".into(),
        KeyAlgorithm::Ed448 => "Ed448".into(),
        KeyAlgorithm::Dsa => format!("DSA-{}", view.key.bits),
        KeyAlgorithm::PostQuantum(_) | KeyAlgorithm::Other(_) => view.key.algorithm.name(),
    }
}

/// The detail shown for an observation without a chain.
pub fn detail(outcome: &Outcome) -> String {
    match outcome {
        Outcome::NotTls { first_bytes } => format!("first bytes {first_bytes}"),
        Outcome::HandshakeFailed { reason, .. }
        | Outcome::Reset { reason, .. }
        | Outcome::Unreachable { reason }
        | Outcome::DnsError { reason }
        | Outcome::Error { reason } => reason.clone(),
        Outcome::Timeout { phase } => format!("no answer during {}", phase.as_str()),
        Outcome::StarttlsRefused { reply } => format!("STARTTLS refused: {reply}"),
        Outcome::NeedsName { reply } => format!("needs its domain name: {reply}"),
        Outcome::Closed => "connection refused".into(),
        Outcome::Tls => String::new(),
    }
}

/// `↳ trusted (anchor)` or `↳ untrusted: expired, name_mismatch` (with
/// `(no name checked)` when the probe sent no name), plus the handshake
/// error after the certificate, if any.
fn verdict_line(obs: &Observation) -> Option<String> {
    let verdict = obs.verdict.as_ref()?;
    let mut line = if verdict.trusted {
        format!("↳ trusted via {}", verdict.anchor.as_deref().unwrap_or("?"))
    } else {
        format!("↳ untrusted: {}", problem_list(&verdict.problems))
    };
    if let Some(note) = verdict.name_check.note() {
        line.push_str(&format!(" ({note})"));
    }
    line.push_str(&format!(" · chain of {}", obs.chain_der.len()));
    if let Some(tls) = &obs.tls {
        if let Some(group) = &tls.key_exchange_group {
            line.push_str(&format!(" · {group}"));
        }
        if let Some(groups) = &obs.groups {
            let accepted = groups
                .iter()
                .filter(|(_, s)| **s == VersionSupport::Accepted);
            let names: Vec<&str> = accepted.map(|(name, _)| name.as_str()).collect();
            let names = if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            };
            line.push_str(&format!(" · groups accepted: {names}"));
        }
        if tls.client_auth_requested {
            line.push_str(" · client certificate requested");
        }
        if let Some(error) = &tls.error {
            line.push_str(&format!(" · then: {error}"));
        }
    }
    Some(terminal(&line).into_owned())
}

/// A verdict's problems, comma-separated.
pub fn problem_list(problems: &[VerdictProblem]) -> String {
    let names: Vec<&str> = problems.iter().map(|p| p.name()).collect();
    names.join(", ")
}

/// The closing lines of a table.
pub fn write_summary(out: &mut impl Write, s: &ScanSummary) -> io::Result<()> {
    let seconds = (s.finished_at - s.started_at).as_seconds_f64();
    writeln!(out)?;
    writeln!(
        out,
        "{} observations, {} chains captured ({} distinct leaves) in {seconds:.2} s",
        s.observations, s.chains_captured, s.distinct_leaves
    )?;
    let outcomes: Vec<String> = s.outcomes.iter().map(|(k, v)| format!("{k} {v}")).collect();
    writeln!(out, "outcomes: {}", outcomes.join(" · "))?;
    for hint in s.hints() {
        writeln!(out, "{hint}")?;
    }
    if !s.complete {
        writeln!(
            out,
            "INCOMPLETE: the scan was interrupted; what was collected is above"
        )?;
    }
    if let Some(change) = &s.options_change {
        writeln!(out, "{}", terminal(&change.line()))?;
    }
    Ok(())
}
