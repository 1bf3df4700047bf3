//! Bounded reading of the server's first flight: TLS records framed from a byte stream
//! (records may be split across reads), and handshake messages reassembled across records
//! (a message may span records, a record may hold several messages).
//!
//! Every byte is read through one fixed buffer, and never more than the byte budget.

use tls_parser::{parse_tls_message_alert, parse_tls_record_header, TlsMessage};
use tokio::io::{AsyncRead, AsyncReadExt};

use super::LegacyError;

/// Size of the fixed read buffer.
const READ_CHUNK: usize = 4096;
/// Record header: type, version, length.
const RECORD_HEADER_LEN: usize = 5;
/// Largest record payload allowed below TLS 1.3 (TLSCiphertext: 2^14 + 2048).
const MAX_RECORD_PAYLOAD: usize = (1 << 14) + 2048;
/// Handshake message header: type and a 24-bit length.
const HANDSHAKE_HEADER_LEN: usize = 4;
/// How many of the first bytes a [`LegacyError::NotTls`] keeps.
const NOT_TLS_PREFIX: usize = 16;

/// Record content types.
const CONTENT_ALERT: u8 = 21;
const CONTENT_HANDSHAKE: u8 = 22;
const CONTENT_TYPES: std::ops::RangeInclusive<u8> = 20..=24;

/// One thing the server sent, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ServerMessage {
    /// A complete handshake message.
    Handshake(HandshakeMessage),
    /// An alert: level (1 warning, 2 fatal) and description.
    Alert {
        /// Alert level.
        level: u8,
        /// Alert description code.
        description: u8,
    },
    /// A whole record of another content type (change_cipher_spec, application_data, ...).
    Other {
        /// The record's content type.
        content_type: u8,
    },
}

/// A reassembled handshake message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct HandshakeMessage {
    /// Handshake message type (2 ServerHello, 11 Certificate, 14 ServerHelloDone, ...).
    pub(super) msg_type: u8,
    /// The whole message, its 4-byte header included.
    pub(super) bytes: Vec<u8>,
}

impl HandshakeMessage {
    /// The message body, after the 4-byte header.
    pub(super) fn body(&self) -> &[u8] {
        &self.bytes[HANDSHAKE_HEADER_LEN..]
    }
}

/// One framed record.
struct Record {
    content_type: u8,
    payload: Vec<u8>,
}

/// Reads the server's messages from `stream`, at most `limit` bytes in total.
pub(super) struct FlightReader<'s, S> {
    stream: &'s mut S,
    limit: usize,
    /// Bytes read from the stream so far.
    received: usize,
    /// Records framed so far.
    records: usize,
    /// Bytes read but not yet framed into a record.
    inbox: Vec<u8>,
    /// Handshake payload not yet framed into a message.
    handshake: Vec<u8>,
}

impl<'s, S: AsyncRead + Unpin> FlightReader<'s, S> {
    /// A reader of `stream` that reads at most `limit` bytes.
    pub(super) fn new(stream: &'s mut S, limit: usize) -> Self {
        FlightReader {
            stream,
            limit,
            received: 0,
            records: 0,
            inbox: Vec::new(),
            handshake: Vec::new(),
        }
    }

    /// The next message: a complete handshake message, an alert or another record.
    pub(super) async fn next_message(&mut self) -> Result<ServerMessage, LegacyError> {
        loop {
            if let Some(message) = self.take_handshake_message()? {
                return Ok(ServerMessage::Handshake(message));
            }
            let record = self.next_record().await?;
            match record.content_type {
                CONTENT_HANDSHAKE => self.handshake.extend_from_slice(&record.payload),
                CONTENT_ALERT => return parse_alert(&record.payload),
                content_type => return Ok(ServerMessage::Other { content_type }),
            }
        }
    }

    /// Splits a complete handshake message off the reassembly buffer, if there is one.
    fn take_handshake_message(&mut self) -> Result<Option<HandshakeMessage>, LegacyError> {
        let Some(header) = self.handshake.get(..HANDSHAKE_HEADER_LEN) else {
            return Ok(None);
        };
        let body_len =
            usize::from(header[1]) << 16 | usize::from(header[2]) << 8 | usize::from(header[3]);
        let total = HANDSHAKE_HEADER_LEN + body_len;
        if total > self.limit {
            return Err(LegacyError::TooLarge { limit: self.limit });
        }
        if self.handshake.len() < total {
            return Ok(None);
        }
        let bytes: Vec<u8> = self.handshake.drain(..total).collect();
        Ok(Some(HandshakeMessage {
            msg_type: bytes[0],
            bytes,
        }))
    }

    /// The next whole record, reading as needed.
    async fn next_record(&mut self) -> Result<Record, LegacyError> {
        loop {
            if let Some(record) = self.take_record()? {
                return Ok(record);
            }
            self.fill().await?;
        }
    }

    /// Frames one record from the inbox, if it holds a whole one.
    fn take_record(&mut self) -> Result<Option<Record>, LegacyError> {
        self.check_prefix()?;
        let Some(header) = self.inbox.get(..RECORD_HEADER_LEN) else {
            return Ok(None);
        };
        let (_, header) = parse_tls_record_header(header)
            .map_err(|e| LegacyError::Malformed(format!("record header: {e}")))?;
        let len = usize::from(header.len);
        if len > MAX_RECORD_PAYLOAD {
            return Err(LegacyError::Malformed(format!(
                "record {} announces {len} bytes, more than {MAX_RECORD_PAYLOAD}",
                self.records + 1
            )));
        }
        if self.inbox.len() < RECORD_HEADER_LEN + len {
            return Ok(None);
        }
        let payload = self.inbox[RECORD_HEADER_LEN..RECORD_HEADER_LEN + len].to_vec();
        self.inbox.drain(..RECORD_HEADER_LEN + len);
        self.records += 1;
        Ok(Some(Record {
            content_type: header.record_type.0,
            payload,
        }))
    }

    /// Fails as soon as the start of the inbox cannot be a record header (type, major 3).
    fn check_prefix(&self) -> Result<(), LegacyError> {
        let plausible = match self.inbox.as_slice() {
            [] => true,
            [kind] => CONTENT_TYPES.contains(kind),
            [kind, major, ..] => CONTENT_TYPES.contains(kind) && *major == 3,
        };
        match (plausible, self.records) {
            (true, _) => Ok(()),
            (false, 0) => Err(self.not_tls()),
            (false, n) => Err(LegacyError::Malformed(format!(
                "record {} starts with {:02x?}, not a TLS record header",
                n + 1,
                &self.inbox[..self.inbox.len().min(RECORD_HEADER_LEN)]
            ))),
        }
    }

    /// NotTls with the first bytes received.
    fn not_tls(&self) -> LegacyError {
        let first_bytes = self.inbox[..self.inbox.len().min(NOT_TLS_PREFIX)].to_vec();
        LegacyError::NotTls { first_bytes }
    }

    /// Reads once into the fixed buffer, within the budget.
    async fn fill(&mut self) -> Result<(), LegacyError> {
        let room = self.limit - self.received;
        if room == 0 {
            return Err(LegacyError::TooLarge { limit: self.limit });
        }
        let mut chunk = [0u8; READ_CHUNK];
        let read = self.stream.read(&mut chunk[..room.min(READ_CHUNK)]).await?;
        if read == 0 {
            return Err(LegacyError::Closed);
        }
        self.received += read;
        self.inbox.extend_from_slice(&chunk[..read]);
        Ok(())
    }
}

/// The first alert of an alert record.
fn parse_alert(payload: &[u8]) -> Result<ServerMessage, LegacyError> {
    match parse_tls_message_alert(payload) {
        Ok((_, TlsMessage::Alert(alert))) => Ok(ServerMessage::Alert {
            level: alert.severity.0,
            description: alert.code.0,
        }),
        _ => Err(LegacyError::Malformed(format!(
            "alert record of {} bytes does not hold an alert",
            payload.len()
        ))),
    }
}
