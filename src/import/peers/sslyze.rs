//! sslyze JSON (`sslyze --certinfo --json_out=FILE`, sslyze 5 and 6): one
//! document whose `server_scan_results` hold, per server, its
//! `server_location` (`hostname`, `port`, `ip_address`), its
//! `network_configuration` (the SNI sent, the STARTTLS protocol), the
//! connectivity result (highest version and a suite it accepted) and the
//! `certificate_info` result, whose `certificate_deployments` each carry
//! the `received_certificate_chain` as PEM. The document is read as a
//! stream: one server result at a time is held.

use std::fmt;
use std::path::Path;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use time::OffsetDateTime;

use super::digest::Hashed;
use super::record::{self, Seen};
use super::{pem, Failure, PeerProblem, Visit};
use crate::observation::{Outcome, Phase};

const FORMAT: &str = "sslyze";

/// Walks the document; returns the file's SHA-256.
pub(super) fn read(path: &Path, visit: &mut Visit<'_>) -> Result<String, Failure> {
    let mut reader = Hashed::open(path).map_err(Failure::Read)?;
    let mut state = State {
        visit,
        problem: None,
        stopped: false,
        results: false,
    };
    let parsed = {
        let mut deserializer = serde_json::Deserializer::from_reader(&mut reader);
        DocumentSeed(&mut state)
            .deserialize(&mut deserializer)
            .and_then(|()| deserializer.end())
    };
    if let Err(error) = parsed {
        if state.stopped {
            return Err(Failure::Stopped);
        }
        if error.is_io() {
            return Err(Failure::Read(std::io::Error::other(error.to_string())));
        }
        let line = error.line() as u64;
        let problem = state.problem.take().unwrap_or(PeerProblem::Json {
            format: FORMAT,
            source: error,
        });
        return Err(Failure::At { line, problem });
    }
    if !state.results {
        let problem = PeerProblem::Shape("sslyze JSON without server_scan_results");
        return Err(Failure::At { line: 1, problem });
    }
    if state.visit.facts.started_at.is_none() {
        let problem = PeerProblem::Missing {
            format: FORMAT,
            field: "date_scans_started",
            why: "certatlas records when the chains were seen",
        };
        return Err(Failure::At { line: 1, problem });
    }
    Hashed::finish(reader).map_err(Failure::Read)
}

/// What the streaming read carries between records.
struct State<'v, 'e> {
    visit: &'v mut Visit<'e>,
    /// The problem of the record that stopped the read, with its line
    /// taken from serde's error.
    problem: Option<PeerProblem>,
    /// The receiver stopped the read.
    stopped: bool,
    /// `server_scan_results` was there.
    results: bool,
}

struct DocumentSeed<'s, 'v, 'e>(&'s mut State<'v, 'e>);

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the sslyze JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        use serde::de::Error as _;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "server_scan_results" => {
                    self.0.results = true;
                    map.next_value_seed(ResultsSeed(&mut *self.0))?;
                }
                "date_scans_started" | "date_scans_completed" => {
                    let text: String = map.next_value()?;
                    let at = record::time(FORMAT, "date_scans_started", &text).map_err(|p| {
                        let message = p.to_string();
                        self.0.problem = Some(p);
                        A::Error::custom(message)
                    })?;
                    match key.as_str() {
                        "date_scans_started" => self.0.visit.facts.started_at = Some(at),
                        _ => self.0.visit.facts.finished_at = Some(at),
                    }
                }
                "sslyze_version" => self.0.visit.facts.tool_version = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct ResultsSeed<'s, 'v, 'e>(&'s mut State<'v, 'e>);

impl<'de> DeserializeSeed<'de> for ResultsSeed<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ResultsSeed<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the list of server scan results")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        use serde::de::Error as _;
        while let Some(server) = seq.next_element::<Server>()? {
            let state = &mut *self.0;
            state.visit.facts.records += 1;
            let at = state.visit.start_hint.unwrap_or(OffsetDateTime::UNIX_EPOCH);
            match observe(server, at, state.visit) {
                Ok(()) => {}
                Err(Taken::Problem(problem)) => {
                    let message = problem.to_string();
                    state.problem = Some(problem);
                    return Err(A::Error::custom(message));
                }
                Err(Taken::Stopped) => {
                    state.stopped = true;
                    return Err(A::Error::custom("stopped"));
                }
            }
        }
        Ok(())
    }
}

/// One server's result (the fields certatlas reads).
#[derive(Deserialize)]
struct Server {
    server_location: Location,
    network_configuration: Option<Network>,
    connectivity_error_trace: Option<String>,
    connectivity_result: Option<Connectivity>,
    scan_status: String,
    scan_result: Option<ScanResult>,
}

#[derive(Deserialize)]
struct Location {
    hostname: String,
    port: u16,
    ip_address: Option<String>,
}

#[derive(Deserialize)]
struct Network {
    tls_server_name_indication: Option<String>,
    tls_opportunistic_encryption: Option<String>,
}

#[derive(Deserialize)]
struct Connectivity {
    highest_tls_version_supported: Option<String>,
    cipher_suite_supported: Option<String>,
    client_auth_requirement: Option<String>,
}

#[derive(Deserialize)]
struct ScanResult {
    certificate_info: Option<Attempt>,
}

#[derive(Deserialize)]
struct Attempt {
    status: String,
    error_reason: Option<String>,
    result: Option<CertificateInfo>,
}

#[derive(Deserialize)]
struct CertificateInfo {
    certificate_deployments: Vec<Deployment>,
}

#[derive(Deserialize)]
struct Deployment {
    received_certificate_chain: Vec<Certificate>,
}

#[derive(Deserialize)]
struct Certificate {
    as_pem: String,
    public_key: Option<PublicKey>,
}

#[derive(Deserialize)]
struct PublicKey {
    algorithm: Option<String>,
}

enum Taken {
    Problem(PeerProblem),
    Stopped,
}

impl From<PeerProblem> for Taken {
    fn from(problem: PeerProblem) -> Self {
        Taken::Problem(problem)
    }
}

impl From<super::Stopped> for Taken {
    fn from(_: super::Stopped) -> Self {
        Taken::Stopped
    }
}

/// The observations of one server: one per certificate deployment, or
/// one saying why there is none.
fn observe(server: Server, at: OffsetDateTime, visit: &mut Visit<'_>) -> Result<(), Taken> {
    let location = &server.server_location;
    let ip = location.ip_address.as_deref().unwrap_or(&location.hostname);
    let Ok(address) = record::address(FORMAT, "server_location.ip_address", ip) else {
        visit.skipped("sslyze results without an IP address");
        return Ok(());
    };
    let network = server.network_configuration.as_ref();
    let starttls = match network.and_then(|n| n.tls_opportunistic_encryption.as_deref()) {
        None => None,
        Some(protocol) => match protocol.to_ascii_lowercase().as_str() {
            name @ ("smtp" | "imap" | "pop3" | "ftp" | "ldap" | "postgres" | "xmpp") => {
                Some(name.to_string())
            }
            other => {
                visit.skipped(&format!(
                    "sslyze results over {other} (no certatlas transport)"
                ));
                return Ok(());
            }
        },
    };
    let seen = |outcome| Seen {
        host: location.hostname.clone(),
        address,
        port: location.port,
        sni: record::sni(network.and_then(|n| n.tls_server_name_indication.as_deref())),
        starttls: starttls.clone(),
        at,
        outcome,
        tls: None,
        chain: Vec::new(),
        leaf_only: false,
    };
    if server.scan_status != "COMPLETED" {
        let trace = server
            .connectivity_error_trace
            .as_deref()
            .unwrap_or_default();
        let outcome = if trace.contains("ServerRejectedConnection") {
            Outcome::Closed
        } else if trace.contains("ConnectionToServerTimedOut") {
            Outcome::Timeout {
                phase: Phase::Connect,
            }
        } else {
            let last = trace.lines().rev().find(|l| !l.trim().is_empty());
            let reason = last.unwrap_or(&server.scan_status).trim();
            Outcome::Error {
                reason: reason.chars().take(200).collect(),
            }
        };
        return Ok(visit.observation(seen(outcome).observation())?);
    }
    let attempt = server
        .scan_result
        .as_ref()
        .and_then(|r| r.certificate_info.as_ref());
    let Some(attempt) = attempt.filter(|a| a.status != "NOT_SCHEDULED") else {
        visit.skipped("sslyze results without certinfo (run sslyze with --certinfo)");
        return Ok(());
    };
    let info = match (&attempt.result, attempt.status.as_str()) {
        (Some(info), "COMPLETED") => info,
        _ => {
            let reason = attempt
                .error_reason
                .clone()
                .unwrap_or(attempt.status.clone());
            return Ok(visit.observation(seen(Outcome::Error { reason }).observation())?);
        }
    };
    let connectivity = server.connectivity_result.as_ref();
    let version = connectivity
        .and_then(|c| c.highest_tls_version_supported.as_deref())
        .and_then(record::version);
    let suite = connectivity
        .and_then(|c| c.cipher_suite_supported.as_deref())
        .map(record::suite);
    let client_auth = connectivity
        .and_then(|c| c.client_auth_requirement.as_deref())
        .is_some_and(|r| r != "DISABLED");
    for (index, deployment) in info.certificate_deployments.iter().enumerate() {
        let mut chain = Vec::new();
        for certificate in &deployment.received_certificate_chain {
            let field = "received_certificate_chain[].as_pem";
            match pem::certificates(&certificate.as_pem) {
                Ok(ders) if ders.len() == 1 => chain.extend(ders),
                Ok(_) => {
                    let why = "not one CERTIFICATE block";
                    return Err(PeerProblem::bad(FORMAT, field, &certificate.as_pem, why).into());
                }
                Err(why) => {
                    let why = why.to_string();
                    return Err(PeerProblem::bad(FORMAT, field, &certificate.as_pem, why).into());
                }
            }
        }
        if chain.is_empty() {
            let why = "the chain the server sent";
            let field = "received_certificate_chain";
            return Err(PeerProblem::Missing {
                format: FORMAT,
                field,
                why,
            }
            .into());
        }
        let mut seen = seen(Outcome::Tls);
        seen.chain = chain;
        let mut session = record::session(version.clone(), suite.clone(), true);
        session.client_auth_requested = client_auth;
        seen.tls = Some(session);
        let mut observation = seen.observation();
        if index > 0 {
            // A further deployment sslyze found by offering other
            // signature algorithms, as `scan --all-certs` does.
            let leaf_key = deployment.received_certificate_chain[0]
                .public_key
                .as_ref()
                .and_then(|k| k.algorithm.as_deref())
                .unwrap_or_default();
            let family = match leaf_key.contains("EllipticCurve") {
                true => "ecdsa",
                false => "rsa",
            };
            observation.signature_offer = Some(family.to_string());
        }
        visit.observation(observation)?;
    }
    Ok(())
}
