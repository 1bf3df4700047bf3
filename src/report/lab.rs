//! The demo's table: each lab case with what the scan saw there — status,
//! TLS parameters, every certificate of the chain, and the strict verdict.
//! The demo hands its cases over as plain [`LabCaseView`]s.

use std::io::{self, Write};
use std::net::SocketAddr;

use super::table::{detail, endpoint_text, key_text, problem_list, write_summary};
use super::{ChainEntry, ObservationRecord};
use crate::observation::{CaptureMethod, Observation, VersionSupport};
use crate::sanitize::terminal;
use crate::scan::summary::ScanSummary;

/// One lab case as the table shows it.
#[derive(Debug, Clone, Copy)]
pub struct LabCaseView<'a> {
    /// Short identifier, e.g. `"rsa-1024"`.
    pub name: &'a str,
    /// One line describing the case.
    pub description: &'a str,
    /// Where its server listens.
    pub address: SocketAddr,
    /// The server names probed: `None` = no SNI.
    pub server_names: &'a [Option<String>],
}

/// Writes every case with its observations, then the summary.
pub fn write_lab(
    out: &mut impl Write,
    cases: &[LabCaseView<'_>],
    observations: &[Observation],
    summary: &ScanSummary,
) -> io::Result<()> {
    writeln!(
        out,
        "certatlas demo: {} lab cases on loopback, scanned with the same engine as `certatlas scan`\n",
        cases.len()
    )?;
    for case in cases {
        write_case(out, case, observations)?;
    }
    write_summary(out, summary)?;
    writeln!(
        out,
        "\n(lab chains are trusted only through the lab's approved root, added as an extra anchor)"
    )
}

/// One case: heading, then each server name's observation.
fn write_case(
    out: &mut impl Write,
    case: &LabCaseView<'_>,
    observations: &[Observation],
) -> io::Result<()> {
    writeln!(out, "● {} — {}", case.name, case.description)?;
    for sni in case.server_names {
        let mut found = observations
            .iter()
            .filter(|o| {
                o.address == Some(case.address.ip())
                    && o.port == case.address.port()
                    && &o.sni == sni
            })
            .peekable();
        if found.peek().is_none() {
            writeln!(out, "    (not probed: the scan was interrupted)")?;
        }
        for observation in found {
            write_observation(out, &ObservationRecord::new(observation))?;
        }
    }
    writeln!(out)
}

/// The lines of one observation.
fn write_observation(out: &mut impl Write, record: &ObservationRecord<'_>) -> io::Result<()> {
    let obs = record.observation;
    writeln!(out, "    {}", terminal(&heading(obs)))?;
    for entry in &record.certificates {
        writeln!(out, "      {}", terminal(&chain_entry_text(entry)))?;
    }
    if let Some(verdict) = &obs.verdict {
        let text = if verdict.trusted {
            format!("trusted via {}", verdict.anchor.as_deref().unwrap_or("?"))
        } else {
            format!("untrusted: {}", problem_list(&verdict.problems))
        };
        let text = match verdict.name_check.note() {
            Some(note) => format!("{text} ({note})"),
            None => text,
        };
        writeln!(out, "      verdict: {}", terminal(&text))?;
    }
    for note in notes(obs) {
        writeln!(out, "      {}", terminal(&note))?;
    }
    Ok(())
}

/// Endpoint, SNI, dialect, offer, status and TLS parameters on one line.
fn heading(obs: &Observation) -> String {
    let sni = obs
        .sni
        .as_deref()
        .map_or("no SNI".into(), |s| format!("SNI {s}"));
    let mut line = format!("{}  {sni}", endpoint_text(obs));
    if let Some(dialect) = &obs.starttls {
        line.push_str(&format!("  STARTTLS {dialect}"));
    }
    if let Some(offer) = &obs.signature_offer {
        line.push_str(&format!("  offering only {offer} signatures"));
    }
    line.push_str(&format!("  →  {}", obs.outcome.reason_key()));
    if let Some(tls) = &obs.tls {
        let parts = [&tls.version, &tls.cipher_suite, &tls.key_exchange_group];
        for part in parts.into_iter().flatten() {
            line.push_str(&format!("  {part}"));
        }
    }
    if !obs.has_chain() {
        line.push_str(&format!("  ({})", detail(&obs.outcome)));
    }
    line
}

/// One certificate of the chain.
fn chain_entry_text(entry: &ChainEntry) -> String {
    match &entry.certificate {
        Some(c) => format!(
            "#{} {} · {} · {} · until {} · issuer {}",
            entry.position,
            c.subject.dn,
            key_text(c),
            c.signature_algorithm.name,
            c.not_after.date(),
            c.issuer.dn
        ),
        None => format!(
            "#{} unparseable ({})",
            entry.position,
            entry.parse_error.as_deref().unwrap_or("?")
        ),
    }
}

/// Versions and groups accepted, capture method, client-auth and late-failure notes.
fn notes(obs: &Observation) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(versions) = &obs.versions {
        let accepted: Vec<&str> = versions
            .iter()
            .filter(|(_, support)| **support == VersionSupport::Accepted)
            .map(|(name, _)| name.as_str())
            .collect();
        notes.push(format!("versions accepted: {}", accepted.join(", ")));
    }
    if let Some(groups) = &obs.groups {
        let accepted: Vec<&str> = groups
            .iter()
            .filter(|(_, support)| **support == VersionSupport::Accepted)
            .map(|(name, _)| name.as_str())
            .collect();
        notes.push(format!("groups accepted: {}", accepted.join(", ")));
    }
    let weak: Vec<&str> = obs
        .weak_suites
        .iter()
        .flatten()
        .filter(|(_, support)| **support == VersionSupport::Accepted)
        .map(|(class, _)| class.as_str())
        .collect();
    if !weak.is_empty() {
        notes.push(format!("weak suites accepted: {}", weak.join(", ")));
    }
    let Some(tls) = &obs.tls else {
        return notes;
    };
    if tls.capture == CaptureMethod::LegacyHello {
        notes.push("captured with the legacy ClientHello (rustls cannot talk to it)".into());
    }
    if tls.client_auth_requested {
        notes.push("the server requested a client certificate".into());
    }
    if let Some(error) = &tls.error {
        notes.push(format!("the handshake then stopped: {error}"));
    }
    notes
}
