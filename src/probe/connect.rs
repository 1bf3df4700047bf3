//! Opening a probe's connection: TCP connect bounded by its own timeout and
//! the probe deadline, then the STARTTLS dialect when the endpoint has one.
//! Every failure is an [`Outcome`].

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::time::{timeout_at, Instant};

use super::starttls::{self, StartTlsError};
use super::Endpoint;
use crate::observation::{hex_prefix, Outcome, Phase};

/// Connects to `endpoint` and speaks its STARTTLS dialect, if any, so the
/// next bytes on the socket are a TLS handshake.
pub async fn open(
    endpoint: &Endpoint,
    deadline: Instant,
    connect_timeout: Duration,
) -> Result<TcpStream, Outcome> {
    let addr = SocketAddr::new(endpoint.address, endpoint.port);
    let mut socket = connect(addr, deadline, connect_timeout).await?;
    if let Some(dialect) = endpoint.starttls {
        let upgrade = starttls::upgrade(dialect, &mut socket, endpoint.sni.as_deref());
        match timeout_at(deadline, upgrade).await {
            Err(_) => {
                return Err(Outcome::Timeout {
                    phase: Phase::Starttls,
                })
            }
            Ok(Err(e)) => return Err(starttls_outcome(e)),
            Ok(Ok(())) => {}
        }
    }
    Ok(socket)
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

/// Maps a STARTTLS failure to the outcome vocabulary.
fn starttls_outcome(e: StartTlsError) -> Outcome {
    let phase = Phase::Starttls;
    match e {
        StartTlsError::Refused { reply } => Outcome::StarttlsRefused { reply },
        StartTlsError::NeedsName { reply } => Outcome::NeedsName { reply },
        StartTlsError::Unexpected { first_bytes } => Outcome::NotTls {
            first_bytes: hex_prefix(&first_bytes, 16),
        },
        StartTlsError::Closed => Outcome::Reset {
            phase,
            reason: "connection closed during STARTTLS".into(),
        },
        StartTlsError::TooLong { limit } => Outcome::Error {
            reason: format!("STARTTLS reply longer than {limit} bytes"),
        },
        StartTlsError::Io(e) => match e.kind() {
            ErrorKind::ConnectionReset | ErrorKind::BrokenPipe | ErrorKind::ConnectionAborted => {
                Outcome::Reset {
                    phase,
                    reason: e.to_string(),
                }
            }
            _ => Outcome::Error {
                reason: e.to_string(),
            },
        },
    }
}
