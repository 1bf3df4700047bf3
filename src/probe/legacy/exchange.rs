//! The legacy exchange itself: send the ClientHello, then interpret the server's flight
//! (ServerHello, then messages up to the Certificate or ServerHelloDone).

use std::io::ErrorKind;

use tls_parser::{
    parse_tls_handshake_server_hello, parse_tls_message_handshake, TlsMessage, TlsMessageHandshake,
};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use super::alerts::{alert_name, CLOSE_NOTIFY, LEVEL_WARNING};
use super::hello::{client_hello_record, client_random};
use super::reader::{FlightReader, HandshakeMessage, ServerMessage};
use super::{LegacyError, LegacyHello, LegacyVersion};

/// Handshake message types that matter here.
const HELLO_REQUEST: u8 = 0;
const SERVER_HELLO: u8 = 2;
const CERTIFICATE: u8 = 11;
const SERVER_HELLO_DONE: u8 = 14;
/// Size of the 24-bit length before the certificate list and before each certificate.
const CERT_LEN_BYTES: usize = 3;

/// What the ServerHello chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ServerChoice {
    /// The protocol version.
    pub(super) version: LegacyVersion,
    /// The cipher suite.
    pub(super) cipher_suite_id: u16,
}

/// Writes the ClientHello for `hello` and flushes it.
pub(super) async fn send_hello<S>(stream: &mut S, hello: &LegacyHello) -> Result<(), LegacyError>
where
    S: AsyncWrite + Unpin,
{
    let record = client_hello_record(hello, &client_random()?);
    stream.write_all(&record).await?;
    stream.flush().await?;
    Ok(())
}

/// Reads up to and including the ServerHello; warning alerts and HelloRequests are skipped.
pub(super) async fn read_server_hello<S>(
    reader: &mut FlightReader<'_, S>,
) -> Result<ServerChoice, LegacyError>
where
    S: AsyncRead + Unpin,
{
    loop {
        match next_handshake(reader, "ServerHello").await? {
            message if message.msg_type == SERVER_HELLO => return parse_server_hello(&message),
            message if message.msg_type == HELLO_REQUEST => continue,
            message => {
                return Err(LegacyError::Malformed(format!(
                    "expected ServerHello, got handshake message type {}",
                    message.msg_type
                )))
            }
        }
    }
}

/// Reads on after the ServerHello until the Certificate message is complete; returns the
/// chain (DER, as sent). ServerHelloDone first, or an empty chain, is [`LegacyError::NoCertificate`].
pub(super) async fn read_certificate<S>(
    reader: &mut FlightReader<'_, S>,
) -> Result<Vec<Vec<u8>>, LegacyError>
where
    S: AsyncRead + Unpin,
{
    loop {
        let message = next_handshake(reader, "Certificate").await?;
        match message.msg_type {
            CERTIFICATE => return parse_certificate(&message),
            SERVER_HELLO_DONE => return Err(LegacyError::NoCertificate),
            _ => continue, // ServerKeyExchange of anonymous suites, HelloRequest, ...
        }
    }
}

/// The next handshake message; fatal alerts and close_notify end the exchange, other
/// warnings are skipped, any other record type is out of place before `expected`.
async fn next_handshake<S>(
    reader: &mut FlightReader<'_, S>,
    expected: &str,
) -> Result<HandshakeMessage, LegacyError>
where
    S: AsyncRead + Unpin,
{
    loop {
        match reader.next_message().await? {
            ServerMessage::Handshake(message) => return Ok(message),
            ServerMessage::Alert { level, description }
                if level == LEVEL_WARNING && description != CLOSE_NOTIFY =>
            {
                continue
            }
            ServerMessage::Alert { description, .. } => {
                let description = alert_name(description);
                return Err(LegacyError::Alert { description });
            }
            ServerMessage::Other { content_type } => {
                return Err(LegacyError::Malformed(format!(
                    "record of content type {content_type} before the {expected}"
                )))
            }
        }
    }
}

/// The version and suite of a ServerHello message.
fn parse_server_hello(message: &HandshakeMessage) -> Result<ServerChoice, LegacyError> {
    let (_, hello) = parse_tls_handshake_server_hello(message.body())
        .map_err(|e| LegacyError::Malformed(format!("ServerHello does not parse: {e}")))?;
    let version = LegacyVersion::from_wire(hello.version.0).ok_or_else(|| {
        LegacyError::Malformed(format!(
            "ServerHello selects version 0x{:04x}, not SSLv3 to TLS 1.2",
            hello.version.0
        ))
    })?;
    Ok(ServerChoice {
        version,
        cipher_suite_id: hello.cipher.0,
    })
}

/// The certificates of a Certificate message, leaf first.
fn parse_certificate(message: &HandshakeMessage) -> Result<Vec<Vec<u8>>, LegacyError> {
    let parsed = parse_tls_message_handshake(&message.bytes);
    let Ok((_, TlsMessage::Handshake(TlsMessageHandshake::Certificate(contents)))) = parsed else {
        return Err(LegacyError::Malformed(format!(
            "Certificate message of {} bytes does not parse",
            message.bytes.len()
        )));
    };
    let chain: Vec<Vec<u8>> = contents
        .cert_chain
        .iter()
        .map(|certificate| certificate.data.to_vec())
        .collect();
    let framed: usize = chain.iter().map(|der| CERT_LEN_BYTES + der.len()).sum();
    if CERT_LEN_BYTES + framed != message.body().len() {
        return Err(LegacyError::Malformed(format!(
            "Certificate message lists {framed} bytes of certificates in a {}-byte body",
            message.body().len()
        )));
    }
    if chain.is_empty() {
        return Err(LegacyError::NoCertificate);
    }
    Ok(chain)
}

/// Whether an I/O error is the peer resetting or aborting the connection.
pub(super) fn is_reset(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::BrokenPipe
            | ErrorKind::UnexpectedEof
    )
}
