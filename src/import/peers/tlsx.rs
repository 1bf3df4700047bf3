//! tlsx JSON Lines (`tlsx -json`; `-cert` adds the leaf's PEM as
//! `certificate`, `-tc -cert` the rest of the chain as `chain[].certificate`),
//! as written by projectdiscovery/tlsx's `clients.Response`: one line per
//! probe, `host`, `ip`, `port` (a string), `probe_status`, `error`,
//! `tls_version` (`tls13`), `cipher`, `sni` and `timestamp`.

use serde::Deserialize;

use super::record::{self, Seen};
use super::{pem, LineFailure, PeerProblem, Visit};
use crate::observation::Outcome;

const FORMAT: &str = "tlsx";

/// The fields of one tlsx line certatlas reads (others are ignored).
#[derive(Deserialize)]
struct Line {
    timestamp: Option<String>,
    host: Option<String>,
    ip: Option<String>,
    port: Option<serde_json::Value>,
    #[serde(default)]
    probe_status: bool,
    error: Option<String>,
    tls_version: Option<String>,
    cipher: Option<String>,
    sni: Option<String>,
    certificate: Option<String>,
    #[serde(default)]
    chain: Vec<ChainEntry>,
}

/// One certificate of `chain` (after the leaf).
#[derive(Deserialize)]
struct ChainEntry {
    certificate: Option<String>,
}

/// Reads one line into at most one observation.
pub(super) fn read_line(bytes: &[u8], visit: &mut Visit<'_>) -> Result<(), LineFailure> {
    let line: Line = serde_json::from_slice(bytes).map_err(|source| PeerProblem::Json {
        format: FORMAT,
        source,
    })?;
    let host = line.host.clone().unwrap_or_default();
    let port = port(line.port.as_ref())?;
    let at = match &line.timestamp {
        Some(text) => record::time(FORMAT, "timestamp", text)?,
        None => return Err(missing("timestamp", "certatlas records when a chain was seen").into()),
    };
    let address = match (&line.ip, host.parse()) {
        (Some(ip), _) => record::address(FORMAT, "ip", ip)?,
        (None, Ok(address)) => address,
        (None, Err(_)) => {
            visit.skipped("tlsx records without an IP address (the name did not resolve)");
            return Ok(());
        }
    };
    let mut seen = Seen {
        host: if host.is_empty() {
            address.to_string()
        } else {
            host
        },
        address,
        port,
        sni: record::sni(line.sni.as_deref()),
        starttls: None,
        at,
        outcome: Outcome::Tls,
        tls: None,
        chain: Vec::new(),
        leaf_only: false,
    };
    if !line.probe_status {
        let reason = line.error.unwrap_or_else(|| "tlsx probe failed".into());
        seen.outcome = Outcome::Error { reason };
        return Ok(visit.observation(seen.observation())?);
    }
    let Some(leaf) = &line.certificate else {
        let why = "tlsx writes certificates only with -cert: run tlsx -json -cert -tc";
        return Err(missing("certificate", why).into());
    };
    seen.chain = certificates("certificate", leaf)?;
    let mut rest_missing = false;
    for entry in &line.chain {
        match &entry.certificate {
            Some(text) => seen
                .chain
                .extend(certificates("chain[].certificate", text)?),
            None => rest_missing = true,
        }
    }
    // tlsx omits the chain without -tc (and when empty): the leaf alone
    // says nothing about what the server sent
    seen.leaf_only = seen.chain.len() == 1 || rest_missing;
    let version = line.tls_version.as_deref().and_then(record::version);
    let suite = line.cipher.as_deref().map(record::suite);
    seen.tls = Some(record::session(version, suite, true));
    Ok(visit.observation(seen.observation())?)
}

/// tlsx writes the port as a string.
fn port(value: Option<&serde_json::Value>) -> Result<u16, PeerProblem> {
    let text = match value {
        Some(serde_json::Value::String(text)) => text.clone(),
        Some(serde_json::Value::Number(number)) => number.to_string(),
        _ => return Err(missing("port", "an endpoint is an address and a port")),
    };
    text.trim()
        .parse()
        .map_err(|_| PeerProblem::bad(FORMAT, "port", &text, "not a TCP port"))
}

fn certificates(field: &'static str, text: &str) -> Result<Vec<Vec<u8>>, PeerProblem> {
    match pem::certificates(text) {
        Ok(ders) if !ders.is_empty() => Ok(ders),
        Ok(_) => Err(PeerProblem::bad(
            FORMAT,
            field,
            text,
            "no CERTIFICATE block",
        )),
        Err(why) => Err(PeerProblem::bad(FORMAT, field, text, why.to_string())),
    }
}

fn missing(field: &'static str, why: &'static str) -> PeerProblem {
    PeerProblem::Missing {
        format: FORMAT,
        field,
        why,
    }
}
