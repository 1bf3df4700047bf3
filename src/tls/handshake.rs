//! The capturing handshake: a rustls 0.23 handshake driven by hand over a tokio
//! socket.
//!
//! Driving `ClientConnection` directly (instead of through an adaptor) keeps
//! the connection state after a failure — version, suite and group are still
//! readable — records the first bytes the peer sent (for `not_tls`), and
//! bounds every read to one fixed buffer. The record says what happened in
//! the stack's terms; `probe` names it in the observation's vocabulary.

use std::sync::Arc;
use std::time::Instant;

use rustls::pki_types::ServerName;
use rustls::{AlertDescription, ClientConfig, ClientConnection, Error, ProtocolVersion};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::capture::{CaptureSlot, Captured};
use crate::observation::TlsSession;

/// Bytes read from the socket at a time; rustls bounds the messages.
const READ_CHUNK: usize = 16 * 1024;
/// How many of the peer's first bytes are kept for diagnosis.
const FIRST_BYTES: usize = 16;

/// Everything a rustls handshake attempt produced.
#[derive(Debug)]
pub struct HandshakeRecord {
    /// What the capturing hooks saw.
    pub captured: Captured,
    /// Session parameters as far as the handshake got.
    pub session: TlsSession,
    /// The first bytes the peer sent.
    pub first_bytes: Vec<u8>,
    /// Why the handshake stopped early, if it did.
    pub failure: Option<HandshakeFailure>,
}

/// Why a handshake did not complete.
#[derive(Debug)]
pub enum HandshakeFailure {
    /// The peer closed the connection (`eof`) or reset it.
    Closed {
        /// Human readable detail.
        reason: String,
    },
    /// A socket error.
    Io(std::io::Error),
    /// The TLS stack refused what the peer sent, or the peer sent an alert.
    Tls(Error),
}

impl HandshakeFailure {
    /// The alert the peer sent, when that is why the handshake stopped.
    pub fn alert_received(&self) -> Option<AlertDescription> {
        match self {
            HandshakeFailure::Tls(Error::AlertReceived(alert)) => Some(*alert),
            _ => None,
        }
    }
}

/// Runs one handshake over `socket` with a config from
/// [`super::capture::client_config`]; never fails, records what happened
/// (the session's `error` is left for the caller to describe).
///
/// The caller wraps this in the probe deadline and keeps `slot`, so a
/// timeout after the certificate still yields the chain.
pub async fn handshake(
    socket: &mut TcpStream,
    config: Arc<ClientConfig>,
    slot: &CaptureSlot,
    server_name: ServerName<'static>,
) -> HandshakeRecord {
    let started = Instant::now();
    let mut first_bytes = Vec::new();
    let mut conn = match ClientConnection::new(config, server_name) {
        Ok(conn) => conn,
        Err(e) => {
            let failure = Some(HandshakeFailure::Tls(e));
            return record(Captured::default(), None, first_bytes, started, failure);
        }
    };
    let failure = drive(&mut conn, socket, &mut first_bytes).await.err();
    let captured = slot.lock().unwrap_or_else(|e| e.into_inner()).clone();
    record(captured, Some(&conn), first_bytes, started, failure)
}

/// Pumps bytes between the socket and rustls until the handshake ends.
async fn drive(
    conn: &mut ClientConnection,
    socket: &mut TcpStream,
    first_bytes: &mut Vec<u8>,
) -> Result<(), HandshakeFailure> {
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        flush(conn, socket).await?;
        if !conn.is_handshaking() {
            return Ok(());
        }
        let n = socket.read(&mut buf).await.map_err(HandshakeFailure::Io)?;
        if n == 0 {
            return Err(HandshakeFailure::Closed {
                reason: "connection closed by peer".into(),
            });
        }
        let room = FIRST_BYTES.saturating_sub(first_bytes.len());
        first_bytes.extend_from_slice(&buf[..n.min(room)]);
        let mut input = &buf[..n];
        while !input.is_empty() {
            conn.read_tls(&mut input).map_err(HandshakeFailure::Io)?;
            if let Err(e) = conn.process_new_packets() {
                // Send our alert, best effort, before giving up.
                let _ = flush(conn, socket).await;
                return Err(HandshakeFailure::Tls(e));
            }
        }
    }
}

/// Writes whatever rustls has queued.
async fn flush(
    conn: &mut ClientConnection,
    socket: &mut TcpStream,
) -> Result<(), HandshakeFailure> {
    while conn.wants_write() {
        let mut out = Vec::new();
        conn.write_tls(&mut out).map_err(HandshakeFailure::Io)?;
        socket.write_all(&out).await.map_err(HandshakeFailure::Io)?;
    }
    Ok(())
}

/// Assembles the record from the connection's state.
fn record(
    captured: Captured,
    conn: Option<&ClientConnection>,
    first_bytes: Vec<u8>,
    started: Instant,
    failure: Option<HandshakeFailure>,
) -> HandshakeRecord {
    let mut session = conn.map(session_of).unwrap_or_default();
    session.handshake_ms = started.elapsed().as_secs_f64() * 1000.0;
    session.handshake_complete = failure.is_none();
    session.client_auth_requested = captured.client_auth_requested;
    session.ocsp_stapled = captured.ocsp_stapled;
    HandshakeRecord {
        captured,
        session,
        first_bytes,
        failure,
    }
}

/// Reads the negotiated parameters off a connection.
fn session_of(conn: &ClientConnection) -> TlsSession {
    TlsSession {
        version: conn.protocol_version().map(version_name),
        cipher_suite: conn
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite())),
        key_exchange_group: conn
            .negotiated_key_exchange_group()
            .map(|g| format!("{:?}", g.name())),
        alpn: conn
            .alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned()),
        ..TlsSession::default()
    }
}

/// `TLSv1_3` → `TLSv1.3`.
pub fn version_name(v: ProtocolVersion) -> String {
    format!("{v:?}").replace('_', ".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_names_use_dots() {
        assert_eq!(version_name(ProtocolVersion::TLSv1_3), "TLSv1.3");
    }
}
