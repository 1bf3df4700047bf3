//! Probes: one endpoint in, one [`Observation`] out.
//!
//! This module owns everything that talks to a peer: TCP connect with its own
//! timeout, the rustls handshake through a capturing verifier ([`capture`],
//! [`tls`]) and the strict verdict computed afterwards ([`verdict`]). A probe
//! never fails: every way a connection can go wrong is an [`Outcome`], and
//! nothing outlives the probe's deadline.

pub mod capture;
pub mod tls;
pub mod verdict;

use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::{ServerName, UnixTime};
use time::OffsetDateTime;
use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

use crate::observation::{hex_prefix, Observation, Outcome, Phase, TlsSession};
pub use capture::SchemeOffer;
use tls::{HandshakeFailure, HandshakeRecord};
pub use verdict::TrustStore;

/// One concrete thing to probe: an address and port, with the name the user
/// gave (or the address) and the SNI to send.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// The target as named by the user (hostname or address text).
    pub host: String,
    /// The address to connect to.
    pub address: IpAddr,
    /// TCP port.
    pub port: u16,
    /// Server name to send in SNI, if any.
    pub sni: Option<String>,
}

/// Limits and choices that apply to every probe.
#[derive(Debug, Clone)]
pub struct ProbeSettings {
    /// Deadline for the TCP connection alone.
    pub connect_timeout: Duration,
    /// Deadline for the whole probe, connection included.
    pub timeout: Duration,
    /// The clock for the strict verdict; `None` means the real time.
    pub verify_at: Option<UnixTime>,
    /// Which signature-scheme family to offer.
    pub offer: SchemeOffer,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            connect_timeout: Duration::from_secs(3),
            timeout: Duration::from_secs(10),
            verify_at: None,
            offer: SchemeOffer::All,
        }
    }
}

/// Runs probes; cheap to share between tasks behind an `Arc`.
#[derive(Debug)]
pub struct Prober {
    provider: Arc<CryptoProvider>,
    trust: TrustStore,
    settings: ProbeSettings,
}

/// What an attempt produced before the verdict is added.
type Attempt = (Outcome, Option<TlsSession>, Vec<Vec<u8>>);

impl Prober {
    /// A prober verifying against `trust` with `settings`.
    pub fn new(trust: TrustStore, settings: ProbeSettings) -> Prober {
        Prober {
            provider: capture::scanning_provider(),
            trust,
            settings,
        }
    }

    /// The settings in force.
    pub fn settings(&self) -> &ProbeSettings {
        &self.settings
    }

    /// Probes one endpoint; always returns an observation.
    pub async fn probe(&self, endpoint: &Endpoint) -> Observation {
        let started_at = OffsetDateTime::now_utc();
        let clock = std::time::Instant::now();
        let deadline = Instant::now() + self.settings.timeout;
        let (outcome, tls, chain_der) = self.attempt(endpoint, deadline).await;
        let verdict = (!chain_der.is_empty()).then(|| {
            let now = self.settings.verify_at.unwrap_or_else(UnixTime::now);
            self.trust.verdict(&chain_der, &server_name(endpoint), now)
        });
        Observation {
            host: endpoint.host.clone(),
            address: Some(endpoint.address),
            port: endpoint.port,
            sni: endpoint.sni.clone(),
            started_at,
            duration_ms: clock.elapsed().as_secs_f64() * 1000.0,
            outcome,
            tls,
            chain_der,
            verdict,
        }
    }

    /// Connects and runs the rustls handshake within `deadline`.
    async fn attempt(&self, endpoint: &Endpoint, deadline: Instant) -> Attempt {
        let addr = SocketAddr::new(endpoint.address, endpoint.port);
        let mut socket = match connect(addr, deadline, self.settings.connect_timeout).await {
            Ok(socket) => socket,
            Err(outcome) => return (outcome, None, Vec::new()),
        };
        let (config, slot) = match capture::client_config(&self.provider, self.settings.offer) {
            Ok(pair) => pair,
            Err(e) => {
                return (
                    Outcome::Error {
                        reason: e.to_string(),
                    },
                    None,
                    Vec::new(),
                )
            }
        };
        let handshake = tls::handshake(&mut socket, config, &slot, server_name(endpoint));
        match timeout_at(deadline, handshake).await {
            Ok(record) => classify(record),
            Err(_) => {
                let chain = slot.lock().unwrap_or_else(|e| e.into_inner()).chain.clone();
                if chain.is_empty() {
                    let phase = Phase::Handshake;
                    return (Outcome::Timeout { phase }, None, chain);
                }
                let session = TlsSession {
                    error: Some("deadline expired after the certificate".into()),
                    ..TlsSession::default()
                };
                (Outcome::Tls, Some(session), chain)
            }
        }
    }
}

/// An observation for a hostname that did not resolve.
pub fn unresolved(host: &str, port: u16, sni: Option<String>, outcome: Outcome) -> Observation {
    Observation {
        host: host.to_string(),
        address: None,
        port,
        sni,
        started_at: OffsetDateTime::now_utc(),
        duration_ms: 0.0,
        outcome,
        tls: None,
        chain_der: Vec::new(),
        verdict: None,
    }
}

/// TCP connect bounded by the connect timeout and the probe deadline.
async fn connect(
    addr: SocketAddr,
    deadline: Instant,
    connect_timeout: Duration,
) -> Result<TcpStream, Outcome> {
    let connect_deadline = deadline.min(Instant::now() + connect_timeout);
    match timeout_at(connect_deadline, TcpStream::connect(addr)).await {
        Err(_) => Err(Outcome::Timeout {
            phase: Phase::Connect,
        }),
        Ok(Err(e)) => Err(connect_error(&e)),
        Ok(Ok(socket)) => {
            let _ = socket.set_nodelay(true);
            Ok(socket)
        }
    }
}

/// Maps a connect error to the outcome vocabulary.
fn connect_error(e: &std::io::Error) -> Outcome {
    let reason = e.to_string();
    match e.kind() {
        ErrorKind::ConnectionRefused => Outcome::Closed,
        ErrorKind::NetworkUnreachable | ErrorKind::HostUnreachable => {
            Outcome::Unreachable { reason }
        }
        ErrorKind::TimedOut => Outcome::Timeout {
            phase: Phase::Connect,
        },
        _ => Outcome::Error { reason },
    }
}

/// Turns a finished handshake attempt into an outcome.
fn classify(record: HandshakeRecord) -> Attempt {
    if !record.captured.chain.is_empty() {
        return (Outcome::Tls, Some(record.session), record.captured.chain);
    }
    let outcome = match &record.failure {
        None => Outcome::HandshakeFailed {
            alert: None,
            reason: "handshake completed without a certificate".into(),
        },
        Some(failure) => failure_outcome(failure, &record.first_bytes),
    };
    let session = record.session.version.is_some().then_some(record.session);
    (outcome, session, Vec::new())
}

/// The outcome of a handshake that failed before any certificate.
fn failure_outcome(failure: &HandshakeFailure, first_bytes: &[u8]) -> Outcome {
    if !tls::looks_like_tls(first_bytes) {
        return Outcome::NotTls {
            first_bytes: hex_prefix(first_bytes, 16),
        };
    }
    let reason = tls::describe_failure(failure);
    let phase = Phase::Handshake;
    match failure {
        HandshakeFailure::Closed { .. } => Outcome::Reset { phase, reason },
        HandshakeFailure::Io(e)
            if matches!(
                e.kind(),
                ErrorKind::ConnectionReset | ErrorKind::BrokenPipe | ErrorKind::ConnectionAborted
            ) =>
        {
            Outcome::Reset { phase, reason }
        }
        HandshakeFailure::Io(_) => Outcome::Error { reason },
        HandshakeFailure::Tls(rustls::Error::AlertReceived(a)) => Outcome::HandshakeFailed {
            alert: Some(tls::alert_name(*a)),
            reason,
        },
        HandshakeFailure::Tls(_) => Outcome::HandshakeFailed {
            alert: None,
            reason,
        },
    }
}

/// The SNI to send, which is also the name the strict verdict checks: the
/// requested name, or else the address (rustls then sends no SNI).
fn server_name(endpoint: &Endpoint) -> ServerName<'static> {
    endpoint
        .sni
        .as_deref()
        .and_then(|n| ServerName::try_from(n.to_string()).ok())
        .unwrap_or(ServerName::IpAddress(endpoint.address.into()))
}
