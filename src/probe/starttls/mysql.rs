//! MySQL and MariaDB (client/server protocol, "SSL handshake"): the server greets first with
//! a protocol 10 handshake packet; when its capability flags carry `CLIENT_SSL` the client
//! answers with a 32-byte SSLRequest packet (sequence id 1) and the TLS handshake follows.
//!
//! The greeting is read exactly (a 4-byte packet header, then its payload), so nothing of the
//! stream after it is consumed. A greeting without `CLIENT_SSL` is a refusal naming the server
//! version; an error packet instead of a greeting (host not allowed, too many connections) is
//! a refusal in the server's words.

use tokio::io::{AsyncRead, AsyncWrite};

use super::reader::{refused, unexpected, Plaintext};
use super::{DialectSpec, StartTlsError};

/// The MySQL dialect as listed in the registry.
pub(super) const SPEC: DialectSpec = DialectSpec {
    description: "MySQL/MariaDB: the server greets, the client answers SSLRequest, then TLS",
    default_ports: &[3306],
};

/// The only handshake protocol version spoken since MySQL 3.21.
const PROTOCOL_10: u8 = 0x0a;
/// The first payload byte of an error packet (ERR_Packet).
const ERROR_PACKET: u8 = 0xff;
/// The longest greeting accepted, in bytes; real ones are about 100 bytes.
const MAX_GREETING: usize = 4096;
/// Capability flag: the client uses the 4.1 protocol (CLIENT_PROTOCOL_41).
const CLIENT_PROTOCOL_41: u32 = 0x0200;
/// Capability flag: the peer can switch to TLS (CLIENT_SSL).
const CLIENT_SSL: u32 = 0x0800;
/// Capability flags the SSLRequest claims: long passwords (CLIENT_MYSQL for MariaDB), the 4.1
/// protocol, TLS, 4.1 authentication (CLIENT_SECURE_CONNECTION) and auth plugins.
const REQUEST_CAPABILITIES: u32 = 0x0001 | CLIENT_PROTOCOL_41 | CLIENT_SSL | 0x8000 | 0x0008_0000;
/// The max packet size the SSLRequest announces (16 MiB, what the mysql client sends).
const MAX_PACKET: u32 = 16 * 1024 * 1024;
/// The SSLRequest's character set: utf8mb4_general_ci.
const CHARSET: u8 = 45;

/// Runs the MySQL exchange up to the point where the server expects a ClientHello.
pub(super) async fn upgrade<S: AsyncRead + AsyncWrite + Unpin>(
    conversation: &mut Plaintext<'_, S>,
) -> Result<(), StartTlsError> {
    let greeting = read_greeting(conversation).await?;
    match greeting.first() {
        Some(&PROTOCOL_10) => {}
        Some(&ERROR_PACKET) => return Err(refused(&error_text(&greeting))),
        _ => return Err(unexpected(&greeting)),
    }
    let Some((version, capabilities)) = parse_greeting(&greeting) else {
        return Err(unexpected(&greeting));
    };
    if capabilities & CLIENT_SSL == 0 {
        return Err(refused(&format!(
            "server {version} does not offer TLS (no CLIENT_SSL capability in its greeting)"
        )));
    }
    conversation.send(&ssl_request()).await
}

/// Reads the greeting packet (sequence id 0) and returns its payload. A header that cannot
/// start a greeting (another sequence id, an empty or oversized payload) is not MySQL.
async fn read_greeting<S: AsyncRead + AsyncWrite + Unpin>(
    conversation: &mut Plaintext<'_, S>,
) -> Result<Vec<u8>, StartTlsError> {
    let header = conversation.read_exact(4).await?;
    let length =
        usize::from(header[0]) | usize::from(header[1]) << 8 | usize::from(header[2]) << 16;
    if header[3] != 0 || length == 0 || length > MAX_GREETING {
        return Err(unexpected(&header));
    }
    conversation.read_exact(length).await
}

/// The server version and the 32 capability bits of a protocol 10 greeting: version (NUL
/// terminated), connection id (4), auth data (8), filler (1), capabilities low (2), then
/// optionally charset (1), status (2) and capabilities high (2).
fn parse_greeting(payload: &[u8]) -> Option<(String, u32)> {
    let rest = payload.get(1..)?;
    let end = rest.iter().position(|&byte| byte == 0)?;
    let version = printable(&rest[..end]);
    let after = rest.get(end + 1 + 4 + 8 + 1..)?;
    let low = u32::from(u16::from_le_bytes([*after.first()?, *after.get(1)?]));
    let high = match after.get(5..7) {
        Some(&[a, b]) => u32::from(u16::from_le_bytes([a, b])),
        _ => 0,
    };
    Some((version, low | high << 16))
}

/// `error 1130: Host '…' is not allowed…` from an ERR_Packet payload.
fn error_text(payload: &[u8]) -> String {
    let code = match payload.get(1..3) {
        Some(&[a, b]) => u16::from_le_bytes([a, b]),
        _ => 0,
    };
    let mut message = payload.get(3..).unwrap_or_default();
    if message.first() == Some(&b'#') {
        message = message.get(6..).unwrap_or_default();
    }
    format!("error {code}: {}", printable(message))
}

/// Bytes as text, control characters replaced.
fn printable(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// The SSLRequest packet: header (payload length 32, sequence id 1), capabilities, max packet
/// size, character set, 23 zero bytes; integers little-endian.
fn ssl_request() -> [u8; 36] {
    let mut packet = [0u8; 36];
    packet[..4].copy_from_slice(&[32, 0, 0, 1]);
    packet[4..8].copy_from_slice(&REQUEST_CAPABILITIES.to_le_bytes());
    packet[8..12].copy_from_slice(&MAX_PACKET.to_le_bytes());
    packet[12] = CHARSET;
    packet
}

#[cfg(test)]
mod tests {
    use super::super::testing::{
        assert_upgraded, expect, refusal, run, send, unexpected_bytes, Step,
    };
    use super::super::Dialect;
    use super::*;

    /// The start of MariaDB 10.11's greeting as the issue recorded it.
    const MARIADB_START: &str = "640000000a352e352e352d31302e3131";

    /// A protocol 10 greeting packet from `version` with `capabilities`.
    fn greeting(version: &str, capabilities: u32) -> Vec<u8> {
        let mut payload = vec![PROTOCOL_10];
        payload.extend_from_slice(version.as_bytes());
        payload.push(0);
        payload.extend_from_slice(&7u32.to_le_bytes());
        payload.extend_from_slice(b"abcdefgh");
        payload.push(0);
        payload.extend_from_slice(&(capabilities as u16).to_le_bytes());
        payload.push(45);
        payload.extend_from_slice(&2u16.to_le_bytes());
        payload.extend_from_slice(&((capabilities >> 16) as u16).to_le_bytes());
        payload.extend_from_slice(&[21; 11]);
        payload.extend_from_slice(b"ijklmnopqrst\0mysql_native_password\0");
        packet(0, &payload)
    }

    fn packet(sequence: u8, payload: &[u8]) -> Vec<u8> {
        let length = payload.len() as u32;
        let mut packet = length.to_le_bytes()[..3].to_vec();
        packet.push(sequence);
        packet.extend_from_slice(payload);
        packet
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn the_request_is_32_bytes_with_sequence_one_and_asks_for_tls() {
        let request = ssl_request();
        assert_eq!(&request[..4], &[32, 0, 0, 1]);
        let flags = u32::from_le_bytes(request[4..8].try_into().unwrap());
        assert_ne!(flags & CLIENT_SSL, 0);
        assert_ne!(flags & CLIENT_PROTOCOL_41, 0);
        assert_eq!(request[12], CHARSET);
        assert!(request[13..].iter().all(|&b| b == 0));
    }

    #[test]
    fn the_test_greeting_looks_like_mariadbs() {
        let packet = greeting("5.5.5-10.11.6-MariaDB-0+deb12u1", 0xf7fe | CLIENT_SSL);
        assert!(
            hex(&packet[1..]).starts_with(&MARIADB_START[2..]),
            "{}",
            hex(&packet)
        );
        let (version, flags) = parse_greeting(&packet[4..]).unwrap();
        assert_eq!(version, "5.5.5-10.11.6-MariaDB-0+deb12u1");
        assert_ne!(flags & CLIENT_SSL, 0);
    }

    #[tokio::test]
    async fn upgrades_when_the_greeting_offers_ssl() {
        let steps = vec![
            send(greeting("8.0.36", 0x0000_ffff | CLIENT_SSL)),
            expect(ssl_request()),
        ];
        assert_upgraded(&run(Dialect::Mysql, None, steps).await);
    }

    #[tokio::test]
    async fn a_greeting_arriving_byte_by_byte_is_read_whole() {
        let bytes = greeting("10.11.6-MariaDB", 0xf7fe | CLIENT_SSL);
        let mut steps: Vec<Step> = bytes.iter().map(|b| send([*b])).collect();
        steps.push(expect(ssl_request()));
        assert_upgraded(&run(Dialect::Mysql, None, steps).await);
    }

    #[tokio::test]
    async fn a_greeting_without_ssl_is_a_refusal_naming_the_version_and_nothing_is_sent() {
        let steps = vec![send(greeting("10.11.6-MariaDB", 0xf7fe & !CLIENT_SSL))];
        let run = run(Dialect::Mysql, None, steps).await;
        let reply = refusal(&run);
        assert!(reply.contains("10.11.6-MariaDB"), "{reply}");
        assert!(reply.contains("CLIENT_SSL"), "{reply}");
        assert!(run.after.is_empty(), "client sent {:?}", run.after);
    }

    #[tokio::test]
    async fn an_error_packet_is_a_refusal_in_the_servers_words() {
        let mut payload = vec![ERROR_PACKET];
        payload.extend_from_slice(&1130u16.to_le_bytes());
        payload.extend_from_slice(b"Host '127.0.0.1' is not allowed to connect");
        let run = run(Dialect::Mysql, None, vec![send(packet(0, &payload))]).await;
        assert_eq!(
            refusal(&run),
            "error 1130: Host '127.0.0.1' is not allowed to connect"
        );
    }

    #[tokio::test]
    async fn a_wrong_sequence_or_protocol_is_unexpected() {
        let mut later = greeting("8.0.36", CLIENT_SSL);
        later[3] = 1;
        let run_later = run(Dialect::Mysql, None, vec![send(&later)]).await;
        assert_eq!(unexpected_bytes(&run_later), &later[..4]);
        let protocol_9 = packet(0, b"\x09old\0");
        let run_old = run(Dialect::Mysql, None, vec![send(&protocol_9)]).await;
        assert_eq!(unexpected_bytes(&run_old), &protocol_9[4..]);
    }

    #[tokio::test]
    async fn an_oversized_greeting_header_is_unexpected_without_reading_on() {
        let header = [0xff, 0xff, 0x00, 0x00];
        let steps = vec![send(header), Step::Flood(b'x')];
        assert_eq!(
            unexpected_bytes(&run(Dialect::Mysql, None, steps).await),
            &header
        );
    }
}
