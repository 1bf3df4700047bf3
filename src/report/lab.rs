//! The demo's table: each lab case with what the scan saw there — status,
//! TLS parameters, every certificate of the chain, and the strict verdict.

use std::io::{self, Write};

use super::escape::terminal;
use super::table::{detail, endpoint_text, key_text, write_summary};
use super::ObservationRecord;
use crate::demo::{Lab, LabCase};
use crate::observation::Observation;
use crate::scan::summary::ScanSummary;

/// Writes every case of `lab` with its observations, then the summary.
pub fn write_lab(
    out: &mut impl Write,
    lab: &Lab,
    observations: &[Observation],
    summary: &ScanSummary,
) -> io::Result<()> {
    writeln!(
        out,
        "certatlas demo: {} lab cases on loopback, scanned with the same engine as `certatlas scan`\n",
        lab.cases().len()
    )?;
    for case in lab.cases() {
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
    case: &LabCase,
    observations: &[Observation],
) -> io::Result<()> {
    writeln!(out, "● {} — {}", case.name, case.description)?;
    for sni in &case.server_names {
        let found = observations.iter().find(|o| {
            o.address == Some(case.address.ip()) && o.port == case.address.port() && &o.sni == sni
        });
        match found {
            Some(observation) => write_observation(out, &ObservationRecord::new(observation))?,
            None => writeln!(out, "    (not probed: the scan was interrupted)")?,
        }
    }
    writeln!(out)
}

/// The lines of one observation.
fn write_observation(out: &mut impl Write, record: &ObservationRecord<'_>) -> io::Result<()> {
    let obs = record.observation;
    let sni = obs
        .sni
        .as_deref()
        .map_or("no SNI".to_string(), |s| format!("SNI {s}"));
    let mut line = format!(
        "{}  {sni}  →  {}",
        endpoint_text(obs),
        obs.outcome.reason_key()
    );
    if let Some(tls) = &obs.tls {
        for part in [&tls.version, &tls.cipher_suite, &tls.key_exchange_group]
            .into_iter()
            .flatten()
        {
            line.push_str(&format!("  {part}"));
        }
    }
    if !obs.has_chain() {
        line.push_str(&format!("  ({})", detail(&obs.outcome)));
    }
    writeln!(out, "    {}", terminal(&line))?;
    for entry in &record.certificates {
        let text = match &entry.certificate {
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
        };
        writeln!(out, "      {}", terminal(&text))?;
    }
    if let Some(verdict) = &obs.verdict {
        let text = if verdict.trusted {
            format!("trusted via {}", verdict.anchor.as_deref().unwrap_or("?"))
        } else {
            format!("untrusted: {}", verdict.problems.join(", "))
        };
        writeln!(out, "      verdict: {}", terminal(&text))?;
    }
    if let Some(tls) = obs
        .tls
        .as_ref()
        .filter(|t| t.client_auth_requested || t.error.is_some())
    {
        let mut notes = Vec::new();
        if tls.client_auth_requested {
            notes.push("server requested a client certificate".to_string());
        }
        notes.extend(
            tls.error
                .iter()
                .map(|e| format!("handshake then stopped: {e}")),
        );
        writeln!(out, "      note: {}", terminal(&notes.join("; ")))?;
    }
    Ok(())
}
