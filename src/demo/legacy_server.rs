//! A fake legacy TLS server (SSLv3 to TLS 1.2) for tests and the demo lab.
//!
//! It reads the ClientHello, picks a version from its range and its one suite, and sends
//! ServerHello, Certificate and ServerHelloDone in a chosen record/segment layout. It never
//! does a key exchange: it is a capture target only. Everything here is built by hand, on
//! purpose independently of the client in `crate::probe::legacy`, so that tests of one
//! against the other catch encoding mistakes on either side.

use std::io;
use std::ops::RangeInclusive;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::probe::legacy::LegacyVersion;

/// Most ClientHello bytes accepted (all records together).
const CLIENT_HELLO_LIMIT: usize = 16 * 1024;
/// How long the server waits for the client to hang up after its flight.
const LINGER_TIMEOUT: Duration = Duration::from_secs(10);
/// Most bytes read and discarded while waiting for the client to hang up.
const LINGER_LIMIT: usize = 64 * 1024;
/// Largest record payload the server sends.
const MAX_FRAGMENT: usize = 16 * 1024;

/// Record content types, handshake message types and alert codes.
const CONTENT_ALERT: u8 = 21;
const CONTENT_HANDSHAKE: u8 = 22;
const CLIENT_HELLO: u8 = 1;
const SERVER_HELLO: u8 = 2;
const CERTIFICATE: u8 = 11;
const SERVER_HELLO_DONE: u8 = 14;
const ALERT_FATAL: u8 = 2;
const ALERT_HANDSHAKE_FAILURE: u8 = 40;
const ALERT_PROTOCOL_VERSION: u8 = 70;

/// A fake legacy server: the versions it speaks, its one suite, its chain and how it sends.
#[derive(Debug, Clone)]
pub struct LegacyServer {
    /// Versions accepted; a client below the range gets a protocol_version alert, a client
    /// above it is answered with the range's top.
    pub versions: RangeInclusive<LegacyVersion>,
    /// The one cipher suite; a client that does not offer it gets handshake_failure.
    pub suite: u16,
    /// The certificates sent (DER), in order.
    pub chain: Vec<Vec<u8>>,
    /// How the flight is cut into records and writes.
    pub delivery: Delivery,
}

/// How the server's flight (ServerHello, Certificate, ServerHelloDone) is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// All three messages in one record (more only if the flight exceeds 16 KiB).
    OneRecord,
    /// One record per message.
    RecordPerMessage,
    /// The Certificate message split over records of at most this many bytes.
    CertificateFragmented(usize),
    /// The one-record flight, every byte its own flushed write.
    ByteByByte,
    /// The ServerHello at once, then one byte of the rest per interval.
    DripAfterServerHello(Duration),
}

/// What the client's ClientHello offered.
struct OfferedHello {
    client_version: u16,
    suites: Vec<u16>,
}

impl LegacyServer {
    /// Serves one connection: reads the ClientHello, answers with the flight or an alert,
    /// then waits (bounded) for the client to hang up.
    pub async fn serve_connection(&self, mut stream: TcpStream) -> io::Result<()> {
        stream.set_nodelay(true)?;
        let offered = read_client_hello(&mut stream).await?;
        match self.choose(&offered) {
            Ok(version) => self.send_flight(&mut stream, version).await?,
            Err((version, alert)) => stream.write_all(&alert_record(version, alert)).await?,
        }
        stream.flush().await?;
        linger(&mut stream).await
    }

    /// The version to answer with, or the record version and alert to refuse with.
    fn choose(&self, offered: &OfferedHello) -> Result<LegacyVersion, (LegacyVersion, u8)> {
        let lowest = *self.versions.start();
        let client = match offered_version(offered.client_version) {
            Some(version) if version >= lowest => version,
            _ => return Err((lowest, ALERT_PROTOCOL_VERSION)),
        };
        let chosen = client.min(*self.versions.end());
        if !offered.suites.contains(&self.suite) {
            return Err((chosen, ALERT_HANDSHAKE_FAILURE));
        }
        Ok(chosen)
    }

    /// Sends ServerHello, Certificate and ServerHelloDone as `self.delivery` says.
    async fn send_flight(&self, stream: &mut TcpStream, version: LegacyVersion) -> io::Result<()> {
        let hello = server_hello(version, self.suite);
        let certificate = certificate_message(&self.chain);
        let done = handshake(SERVER_HELLO_DONE, &[]);
        let in_records = |message: &[u8], max: usize| records(version, message, max);
        match self.delivery {
            Delivery::OneRecord => {
                let flight = [hello, certificate, done].concat();
                stream.write_all(&in_records(&flight, MAX_FRAGMENT)).await
            }
            Delivery::RecordPerMessage => {
                let flight: Vec<u8> = [hello, certificate, done]
                    .iter()
                    .flat_map(|message| in_records(message, MAX_FRAGMENT))
                    .collect();
                stream.write_all(&flight).await
            }
            Delivery::CertificateFragmented(max) => {
                let mut flight = in_records(&hello, MAX_FRAGMENT);
                flight.extend(in_records(&certificate, max.clamp(1, MAX_FRAGMENT)));
                flight.extend(in_records(&done, MAX_FRAGMENT));
                stream.write_all(&flight).await
            }
            Delivery::ByteByByte => {
                let flight = in_records(&[hello, certificate, done].concat(), MAX_FRAGMENT);
                drip(stream, &flight, Duration::ZERO).await
            }
            Delivery::DripAfterServerHello(interval) => {
                stream.write_all(&in_records(&hello, MAX_FRAGMENT)).await?;
                stream.flush().await?;
                let rest = in_records(&[certificate, done].concat(), MAX_FRAGMENT);
                drip(stream, &rest, interval).await
            }
        }
    }
}

/// Writes `bytes` one flushed write per byte, waiting `interval` before each (if non-zero).
async fn drip(stream: &mut TcpStream, bytes: &[u8], interval: Duration) -> io::Result<()> {
    for byte in bytes {
        if !interval.is_zero() {
            tokio::time::sleep(interval).await;
        }
        stream.write_all(std::slice::from_ref(byte)).await?;
        stream.flush().await?;
    }
    Ok(())
}

/// Reads and discards until the client closes, at most [`LINGER_LIMIT`] bytes and
/// [`LINGER_TIMEOUT`].
async fn linger(stream: &mut TcpStream) -> io::Result<()> {
    let drain = async {
        let mut sink = [0u8; 1024];
        let mut total = 0;
        while total < LINGER_LIMIT {
            match stream.read(&mut sink).await? {
                0 => break,
                read => total += read,
            }
        }
        Ok(())
    };
    tokio::time::timeout(LINGER_TIMEOUT, drain)
        .await
        .unwrap_or(Ok(()))
}

/// The legacy version a ClientHello's `client_version` stands for: anything above TLS 1.2
/// counts as TLS 1.2, anything below SSLv3 as nothing.
fn offered_version(client_version: u16) -> Option<LegacyVersion> {
    let highest = LegacyVersion::Tls12;
    if client_version > highest.wire() {
        return Some(highest);
    }
    LegacyVersion::from_wire(client_version)
}

/// Reads handshake records until they hold a whole ClientHello; returns what it offered.
async fn read_client_hello<S: AsyncRead + Unpin>(stream: &mut S) -> io::Result<OfferedHello> {
    let mut message = Vec::new();
    loop {
        if let Some(offered) = complete_client_hello(&message)? {
            return Ok(offered);
        }
        let mut header = [0u8; 5];
        stream.read_exact(&mut header).await?;
        if header[0] != CONTENT_HANDSHAKE || header[1] != 3 {
            return Err(invalid(format!(
                "not a TLS handshake record: {header:02x?}"
            )));
        }
        let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
        if message.len() + len > CLIENT_HELLO_LIMIT {
            return Err(invalid(format!(
                "ClientHello over {CLIENT_HELLO_LIMIT} bytes"
            )));
        }
        let start = message.len();
        message.resize(start + len, 0);
        stream.read_exact(&mut message[start..]).await?;
    }
}

/// The ClientHello in `message`, once all of it has arrived.
fn complete_client_hello(message: &[u8]) -> io::Result<Option<OfferedHello>> {
    let [kind, a, b, c, body @ ..] = message else {
        return Ok(None);
    };
    if *kind != CLIENT_HELLO {
        return Err(invalid(format!("first handshake message has type {kind}")));
    }
    let len = usize::from(*a) << 16 | usize::from(*b) << 8 | usize::from(*c);
    match body.get(..len) {
        None => Ok(None),
        Some(body) => parse_client_hello(body).map(Some),
    }
}

/// Client version and suites from a ClientHello body (the rest is not needed).
fn parse_client_hello(body: &[u8]) -> io::Result<OfferedHello> {
    let mut fields = Fields(body);
    let client_version = u16::from_be_bytes(fields.take_array()?);
    fields.take(32)?; // random
    let session_id_len = usize::from(fields.take(1)?[0]);
    fields.take(session_id_len)?;
    let suites_len = usize::from(u16::from_be_bytes(fields.take_array()?));
    let suites = fields
        .take(suites_len)?
        .chunks_exact(2)
        .map(|pair| u16::from_be_bytes([pair[0], pair[1]]))
        .collect();
    Ok(OfferedHello {
        client_version,
        suites,
    })
}

/// A cursor over message fields.
struct Fields<'a>(&'a [u8]);

impl<'a> Fields<'a> {
    /// The next `len` bytes.
    fn take(&mut self, len: usize) -> io::Result<&'a [u8]> {
        if self.0.len() < len {
            return Err(invalid("ClientHello ends inside a field".into()));
        }
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(head)
    }

    /// The next `N` bytes as an array.
    fn take_array<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let bytes = self.take(N)?;
        let mut array = [0u8; N];
        array.copy_from_slice(bytes);
        Ok(array)
    }
}

/// A ServerHello choosing `version` and `suite`, with renegotiation_info above SSLv3.
fn server_hello(version: LegacyVersion, suite: u16) -> Vec<u8> {
    let mut body = version.wire().to_be_bytes().to_vec();
    body.extend((0..32u8).map(|i| i.wrapping_mul(37))); // server random
    body.push(32);
    body.extend((0..32u8).map(|i| i ^ 0xa5)); // session id
    body.extend_from_slice(&suite.to_be_bytes());
    body.push(0); // null compression
    if version != LegacyVersion::Ssl3 {
        body.extend_from_slice(&[0, 5, 0xff, 0x01, 0, 1, 0]); // renegotiation_info, empty
    }
    handshake(SERVER_HELLO, &body)
}

/// A Certificate message carrying `chain`.
fn certificate_message(chain: &[Vec<u8>]) -> Vec<u8> {
    let mut list = Vec::new();
    for der in chain {
        list.extend_from_slice(&u24(der.len()));
        list.extend_from_slice(der);
    }
    let mut body = u24(list.len()).to_vec();
    body.extend_from_slice(&list);
    handshake(CERTIFICATE, &body)
}

/// A handshake message: type, 24-bit length, body.
fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut message = vec![msg_type];
    message.extend_from_slice(&u24(body.len()));
    message.extend_from_slice(body);
    message
}

/// `bytes` as handshake records of at most `max` payload bytes each.
fn records(version: LegacyVersion, bytes: &[u8], max: usize) -> Vec<u8> {
    bytes
        .chunks(max)
        .flat_map(|chunk| record(CONTENT_HANDSHAKE, version, chunk))
        .collect()
}

/// A fatal alert record.
fn alert_record(version: LegacyVersion, description: u8) -> Vec<u8> {
    record(CONTENT_ALERT, version, &[ALERT_FATAL, description])
}

/// One record (payloads here never exceed [`MAX_FRAGMENT`]).
fn record(content_type: u8, version: LegacyVersion, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(payload.len()).unwrap_or(u16::MAX);
    let mut out = vec![content_type];
    out.extend_from_slice(&version.wire().to_be_bytes());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// A length as three big-endian bytes.
fn u24(len: usize) -> [u8; 3] {
    let [_, a, b, c] = u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes();
    [a, b, c]
}

/// An InvalidData error with `message`.
fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests;
