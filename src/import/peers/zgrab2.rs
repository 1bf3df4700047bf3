//! zgrab2 JSON Lines, as written by zmap/zgrab2's `Grab` (one line per
//! target: `ip`, `port`, `domain`, and `data` keyed by module name, each
//! a `ScanResponse` with `status`, `protocol`, `port`, `timestamp`,
//! `result` and `error`). The TLS log (`handshake_log` with
//! `server_hello` and `server_certificates`: `certificate.raw` and
//! `chain[].raw`, base64 DER) is the `tls` module's `result` itself, the
//! `tls` object of a STARTTLS-capable module's result (smtp, imap, pop3,
//! ftp, mysql, postgres), or `result.response.request.tls_log` of http.
//! A module certatlas has no transport for is skipped and counted.

use serde::Deserialize;
use serde_json::Value;

use super::record::{self, Seen};
use super::{pem, LineFailure, PeerProblem, Visit};
use crate::observation::{Outcome, Phase};

const FORMAT: &str = "zgrab2";

/// The fields of one zgrab2 line certatlas reads.
#[derive(Deserialize)]
struct Grab {
    ip: Option<String>,
    port: Option<u16>,
    domain: Option<String>,
    data: Option<serde_json::Map<String, Value>>,
    error: Option<String>,
}

/// One module's response.
#[derive(Deserialize)]
struct Response {
    status: Option<String>,
    protocol: Option<String>,
    port: Option<u16>,
    timestamp: Option<String>,
    #[serde(default)]
    result: Value,
    error: Option<String>,
}

/// Reads one line: one observation per module with a TLS part.
pub(super) fn read_line(bytes: &[u8], visit: &mut Visit<'_>) -> Result<(), LineFailure> {
    let grab: Grab = serde_json::from_slice(bytes).map_err(|source| PeerProblem::Json {
        format: FORMAT,
        source,
    })?;
    let data = match (&grab.data, &grab.error) {
        (Some(data), _) if !data.is_empty() => data,
        (_, Some(_)) => {
            visit.skipped("zgrab2 records with an error before any module ran");
            return Ok(());
        }
        _ => {
            let why = "a zgrab2 line has the modules' results under data";
            return Err(missing("data", why).into());
        }
    };
    for (name, value) in data {
        let response: Response =
            serde_json::from_value(value.clone()).map_err(|source| PeerProblem::Json {
                format: FORMAT,
                source,
            })?;
        module(&grab, name, &response, visit)?;
    }
    Ok(())
}

/// The observation of one module's response, if it has one.
fn module(
    grab: &Grab,
    name: &str,
    response: &Response,
    visit: &mut Visit<'_>,
) -> Result<(), LineFailure> {
    let protocol = response.protocol.as_deref().unwrap_or(name);
    let (tls_log, starttls) = match protocol {
        "tls" => (Some(&response.result), None),
        "http" => (response.result.pointer("/response/request/tls_log"), None),
        "smtp" | "imap" | "pop3" => {
            let upgraded = text(&response.result, "starttls").is_some();
            let dialect = upgraded.then(|| protocol.to_string());
            (response.result.get("tls"), dialect)
        }
        "ftp" => (response.result.get("tls"), Some("ftp".to_string())),
        "mysql" | "postgres" => (response.result.get("tls"), Some(protocol.to_string())),
        other => {
            let has_tls = response.result.get("tls").is_some_and(|t| !t.is_null());
            if has_tls {
                visit.skipped(&format!(
                    "zgrab2 {other} records (certatlas has no transport for {other}'s TLS)"
                ));
            } else {
                visit.skipped(&format!("zgrab2 {other} records without TLS"));
            }
            return Ok(());
        }
    };
    let Some(ip) = &grab.ip else {
        visit.skipped("zgrab2 records without an IP address");
        return Ok(());
    };
    let address = record::address(FORMAT, "ip", ip)?;
    let Some(port) = response.port.filter(|&p| p != 0).or(grab.port) else {
        let why = "an endpoint is an address and a port (zgrab2 before 0.2 does not write it)";
        return Err(missing("port", why).into());
    };
    let Some(timestamp) = &response.timestamp else {
        return Err(missing(
            "data.*.timestamp",
            "certatlas records when a chain was seen",
        )
        .into());
    };
    let mut seen = Seen {
        host: grab.domain.clone().unwrap_or_else(|| address.to_string()),
        address,
        port,
        sni: record::sni(grab.domain.as_deref()),
        starttls,
        at: record::time(FORMAT, "timestamp", timestamp)?,
        outcome: Outcome::Tls,
        tls: None,
        chain: Vec::new(),
        leaf_only: false,
    };
    let log = tls_log.filter(|l| !l.is_null());
    let certificates = log.and_then(|l| l.pointer("/handshake_log/server_certificates"));
    let status = response.status.as_deref().unwrap_or("unknown-error");
    match certificates {
        Some(certificates) => {
            seen.chain = chain(certificates)?;
            let log = log.unwrap_or(&Value::Null);
            let hello = log.pointer("/handshake_log/server_hello");
            let version = hello
                .and_then(|h| text(h, "version").or_else(|| h.pointer("/version/name")?.as_str()))
                .and_then(record::version);
            let suite = hello
                .and_then(|h| h.pointer("/cipher_suite/name")?.as_str())
                .map(record::suite);
            let complete = log
                .get("handshake_completed_successfully")
                .and_then(Value::as_bool)
                .unwrap_or(status == "success");
            seen.tls = Some(record::session(version, suite, complete));
        }
        None if status == "success" => {
            visit.skipped(&format!(
                "zgrab2 {protocol} records without a TLS handshake"
            ));
            return Ok(());
        }
        None => {
            let reason = response.error.clone().unwrap_or_else(|| status.to_string());
            seen.outcome = match status {
                "connection-refused" => Outcome::Closed,
                "connection-timeout" => Outcome::Timeout {
                    phase: Phase::Connect,
                },
                "io-timeout" => Outcome::Timeout {
                    phase: Phase::Handshake,
                },
                _ => Outcome::Error { reason },
            };
        }
    }
    Ok(visit.observation(seen.observation())?)
}

/// `certificate.raw` then each `chain[].raw`, decoded.
fn chain(certificates: &Value) -> Result<Vec<Vec<u8>>, PeerProblem> {
    let leaf = certificates
        .pointer("/certificate/raw")
        .and_then(Value::as_str);
    let Some(leaf) = leaf else {
        let why = "the leaf's DER, which zgrab2 writes as base64";
        return Err(missing("server_certificates.certificate.raw", why));
    };
    let mut ders = vec![decode("server_certificates.certificate.raw", leaf)?];
    let rest = certificates.get("chain").and_then(Value::as_array);
    for entry in rest.into_iter().flatten() {
        let Some(raw) = entry.get("raw").and_then(Value::as_str) else {
            return Err(missing(
                "server_certificates.chain[].raw",
                "the DER of each certificate sent",
            ));
        };
        ders.push(decode("server_certificates.chain[].raw", raw)?);
    }
    Ok(ders)
}

fn decode(field: &'static str, text: &str) -> Result<Vec<u8>, PeerProblem> {
    pem::base64(text).map_err(|why| PeerProblem::bad(FORMAT, field, text, why.to_string()))
}

fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key)?.as_str().filter(|t| !t.is_empty())
}

fn missing(field: &'static str, why: &'static str) -> PeerProblem {
    PeerProblem::Missing {
        format: FORMAT,
        field,
        why,
    }
}
