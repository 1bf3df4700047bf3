//! Test-only helpers: builders of server-side TLS bytes (records, handshake messages) and an
//! in-memory stream that hands its input out in reads of a chosen size.

use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::LegacyVersion;

/// Record content types and handshake message types used by the tests.
pub(super) const CHANGE_CIPHER_SPEC: u8 = 20;
pub(super) const ALERT: u8 = 21;
pub(super) const HANDSHAKE: u8 = 22;
pub(super) const SERVER_HELLO: u8 = 2;
pub(super) const CERTIFICATE: u8 = 11;
pub(super) const SERVER_KEY_EXCHANGE: u8 = 12;
pub(super) const SERVER_HELLO_DONE: u8 = 14;

/// One record.
pub(super) fn record(content_type: u8, version: LegacyVersion, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![content_type];
    out.extend_from_slice(&version.wire().to_be_bytes());
    out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// `bytes` as consecutive records of at most `max` payload bytes each.
pub(super) fn records(
    content_type: u8,
    version: LegacyVersion,
    bytes: &[u8],
    max: usize,
) -> Vec<u8> {
    bytes
        .chunks(max)
        .flat_map(|chunk| record(content_type, version, chunk))
        .collect()
}

/// An alert record.
pub(super) fn alert(level: u8, description: u8) -> Vec<u8> {
    record(ALERT, LegacyVersion::Tls10, &[level, description])
}

/// One handshake message with its 4-byte header.
pub(super) fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![msg_type];
    out.extend_from_slice(&u24(body.len()));
    out.extend_from_slice(body);
    out
}

/// A ServerHello message choosing `version` and `suite` (no extensions).
pub(super) fn server_hello(version: LegacyVersion, suite: u16) -> Vec<u8> {
    let mut body = version.wire().to_be_bytes().to_vec();
    body.extend_from_slice(&[0x5a; 32]);
    body.push(0); // empty session id
    body.extend_from_slice(&suite.to_be_bytes());
    body.push(0); // null compression
    handshake(SERVER_HELLO, &body)
}

/// A Certificate message carrying `chain`.
pub(super) fn certificate(chain: &[Vec<u8>]) -> Vec<u8> {
    let list: Vec<u8> = chain
        .iter()
        .flat_map(|der| u24(der.len()).into_iter().chain(der.iter().copied()))
        .collect();
    let mut body = u24(list.len()).to_vec();
    body.extend_from_slice(&list);
    handshake(CERTIFICATE, &body)
}

/// A ServerHelloDone message.
pub(super) fn server_hello_done() -> Vec<u8> {
    handshake(SERVER_HELLO_DONE, &[])
}

/// Two made-up "certificates" of distinct content (the reader does not parse DER).
pub(super) fn sample_chain() -> Vec<Vec<u8>> {
    vec![
        (0..700u32).map(|i| (i % 251) as u8).collect(),
        (0..450u32).map(|i| (i % 13) as u8 + 100).collect(),
    ]
}

fn u24(len: usize) -> [u8; 3] {
    let [_, a, b, c] = (len as u32).to_be_bytes();
    [a, b, c]
}

/// An in-memory peer: reads return `input` at most `max_read` bytes at a time, then EOF
/// (or stay pending for ever when `hang_at_end`); writes are collected in `written`.
pub(super) struct ScriptedStream {
    input: Vec<u8>,
    position: usize,
    max_read: usize,
    hang_at_end: bool,
    /// Everything written to the stream.
    pub(super) written: Vec<u8>,
}

impl ScriptedStream {
    /// A stream that hands out `input` in reads of at most `max_read` bytes, then EOF.
    pub(super) fn new(input: Vec<u8>, max_read: usize) -> Self {
        ScriptedStream {
            input,
            position: 0,
            max_read,
            hang_at_end: false,
            written: Vec::new(),
        }
    }

    /// Like [`ScriptedStream::new`], but never ends: after the input, reads stay pending.
    pub(super) fn hanging(input: Vec<u8>) -> Self {
        ScriptedStream {
            hang_at_end: true,
            ..Self::new(input, usize::MAX)
        }
    }

    /// How many input bytes have been read.
    pub(super) fn consumed(&self) -> usize {
        self.position
    }
}

impl AsyncRead for ScriptedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let left = self.input.len() - self.position;
        if left == 0 && self.hang_at_end {
            return Poll::Pending;
        }
        let count = left.min(self.max_read).min(buf.remaining());
        let start = self.position;
        buf.put_slice(&self.input[start..start + count]);
        self.position += count;
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for ScriptedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.written.extend_from_slice(data);
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
