//! The bounded plaintext conversation shared by every dialect.
//!
//! [`Plaintext`] owns the bytes received but not yet consumed and enforces the byte bounds:
//! [`MAX_LINE`] per line and [`MAX_EXCHANGE`] per exchange (everything read between two things
//! the client sends). Reads ask for at most what is needed when the size is known (LDAP,
//! PostgreSQL) and for a small chunk otherwise; servers never send TLS bytes before the
//! ClientHello, and [`Plaintext::finish`] fails if anything was received beyond the final
//! reply, so the stream handed to TLS is exactly at the switch point.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::StartTlsError;

/// Longest line accepted, terminator included, in bytes.
pub const MAX_LINE: usize = 8 * 1024;
/// Most bytes accepted from the server in one exchange (between two client messages).
pub const MAX_EXCHANGE: usize = 64 * 1024;
/// Size of one read when the reply's length is unknown.
const CHUNK: usize = 1024;
/// How many bytes an [`StartTlsError::Unexpected`] keeps.
const SHOWN_BYTES: usize = 64;
/// How many characters of the server's words a [`StartTlsError::Refused`] keeps.
const SHOWN_CHARS: usize = 200;

/// How far a scan over the received bytes got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scan {
    /// The awaited reply ends at this index (exclusive).
    Complete(usize),
    /// More bytes are needed.
    Incomplete,
    /// The bytes cannot belong to this protocol.
    Invalid,
}

/// The plaintext phase of one connection: writes, and bounded reads that keep unconsumed bytes.
pub(super) struct Plaintext<'s, S> {
    stream: &'s mut S,
    pending: Vec<u8>,
    exchange_read: usize,
}

impl<'s, S: AsyncRead + AsyncWrite + Unpin> Plaintext<'s, S> {
    /// Starts a conversation on `stream`; the first exchange is the server's greeting.
    pub(super) fn new(stream: &'s mut S) -> Self {
        Plaintext {
            stream,
            pending: Vec::new(),
            exchange_read: 0,
        }
    }

    /// Sends `bytes` and starts a new exchange. Bytes the server sent early stay pending and
    /// are read as the start of its next reply.
    pub(super) async fn send(&mut self, bytes: &[u8]) -> Result<(), StartTlsError> {
        self.stream.write_all(bytes).await?;
        self.stream.flush().await?;
        self.exchange_read = 0;
        Ok(())
    }

    /// Reads one line and returns it without its `\n` or `\r\n`, decoded lossily as UTF-8.
    /// Control bytes other than tab (such as a TLS record header) make it
    /// [`StartTlsError::Unexpected`] at once, without waiting for a line end.
    pub(super) async fn read_line(&mut self) -> Result<String, StartTlsError> {
        loop {
            let newline = self.pending.iter().position(|&byte| byte == b'\n');
            let line_end = newline.unwrap_or(self.pending.len());
            if self.pending[..line_end].iter().any(|&byte| is_binary(byte)) {
                return Err(unexpected(&self.pending));
            }
            match newline {
                Some(index) if index < MAX_LINE => return Ok(self.take_line(index)),
                Some(_) => return Err(StartTlsError::TooLong { limit: MAX_LINE }),
                None if self.pending.len() >= MAX_LINE => {
                    return Err(StartTlsError::TooLong { limit: MAX_LINE })
                }
                None => self.fill(CHUNK).await?,
            }
        }
    }

    /// Consumes the line ending at `newline` and returns its text without the terminator.
    fn take_line(&mut self, newline: usize) -> String {
        let mut line: Vec<u8> = self.pending.drain(..=newline).collect();
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        String::from_utf8_lossy(&line).into_owned()
    }

    /// Reads exactly `count` bytes, never asking the stream for more than are still missing.
    pub(super) async fn read_exact(&mut self, count: usize) -> Result<Vec<u8>, StartTlsError> {
        if count > MAX_EXCHANGE {
            return Err(StartTlsError::TooLong {
                limit: MAX_EXCHANGE,
            });
        }
        while self.pending.len() < count {
            self.fill(count - self.pending.len()).await?;
        }
        Ok(self.pending.drain(..count).collect())
    }

    /// Reads until `scan` finds the end of the awaited reply and returns the reply's bytes.
    pub(super) async fn read_until<F>(&mut self, mut scan: F) -> Result<Vec<u8>, StartTlsError>
    where
        F: FnMut(&[u8]) -> Scan,
    {
        loop {
            if self.pending.iter().any(|&byte| is_binary(byte)) {
                return Err(unexpected(&self.pending));
            }
            match scan(&self.pending) {
                Scan::Complete(end) => return Ok(self.pending.drain(..end).collect()),
                Scan::Invalid => return Err(unexpected(&self.pending)),
                Scan::Incomplete => self.fill(CHUNK).await?,
            }
        }
    }

    /// Ends the conversation: nothing may have been received beyond the final reply.
    pub(super) fn finish(self) -> Result<(), StartTlsError> {
        if self.pending.is_empty() {
            Ok(())
        } else {
            Err(unexpected(&self.pending))
        }
    }

    /// One read of at most `max` bytes (and never past the exchange bound) into `pending`.
    async fn fill(&mut self, max: usize) -> Result<(), StartTlsError> {
        let allowed = max.min(CHUNK).min(MAX_EXCHANGE - self.exchange_read);
        if allowed == 0 {
            return Err(StartTlsError::TooLong {
                limit: MAX_EXCHANGE,
            });
        }
        let mut chunk = [0u8; CHUNK];
        let count = self.stream.read(&mut chunk[..allowed]).await?;
        if count == 0 {
            return Err(StartTlsError::Closed);
        }
        self.exchange_read += count;
        self.pending.extend_from_slice(&chunk[..count]);
        Ok(())
    }
}

/// True for bytes no text protocol line contains: controls other than tab, CR and LF.
fn is_binary(byte: u8) -> bool {
    (byte < 0x20 && !matches!(byte, b'\t' | b'\r' | b'\n')) || byte == 0x7f
}

/// [`StartTlsError::Unexpected`] showing the first bytes of `received`.
pub(super) fn unexpected(received: &[u8]) -> StartTlsError {
    StartTlsError::Unexpected {
        first_bytes: received.iter().take(SHOWN_BYTES).copied().collect(),
    }
}

/// [`StartTlsError::Refused`] with the server's words: whitespace runs (line breaks included)
/// collapsed to one space, trimmed, cut to about 200 characters.
pub(super) fn refused(words: &str) -> StartTlsError {
    let collapsed = words.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut reply: String = collapsed.chars().take(SHOWN_CHARS).collect();
    if reply.len() < collapsed.len() {
        reply.push('…');
    }
    StartTlsError::Refused { reply }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::duplex;

    #[tokio::test]
    async fn lines_are_split_without_terminators_and_leftovers_are_kept() {
        let (mut client, mut server) = duplex(1024);
        server.write_all(b"first\r\nsecond\nthird").await.unwrap();
        drop(server);
        let mut conversation = Plaintext::new(&mut client);
        assert_eq!(conversation.read_line().await.unwrap(), "first");
        assert_eq!(conversation.read_line().await.unwrap(), "second");
        let leftover = conversation.finish().unwrap_err();
        assert!(
            matches!(leftover, StartTlsError::Unexpected { ref first_bytes } if first_bytes == b"third")
        );
    }

    #[tokio::test]
    async fn a_tls_record_is_rejected_without_waiting_for_a_line_end() {
        let (mut client, mut server) = duplex(1024);
        let record = [0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x28];
        server.write_all(&record).await.unwrap();
        drop(server);
        let error = Plaintext::new(&mut client).read_line().await.unwrap_err();
        assert!(
            matches!(error, StartTlsError::Unexpected { ref first_bytes } if first_bytes == &record)
        );
    }

    #[tokio::test]
    async fn read_exact_never_consumes_bytes_it_was_not_asked_for() {
        let (mut client, mut server) = duplex(1024);
        server.write_all(b"SXYZ").await.unwrap();
        let mut conversation = Plaintext::new(&mut client);
        assert_eq!(conversation.read_exact(1).await.unwrap(), b"S");
        assert!(conversation.pending.is_empty());
        drop(conversation);
        let mut rest = [0u8; 3];
        client.read_exact(&mut rest).await.unwrap();
        assert_eq!(&rest, b"XYZ");
    }

    #[tokio::test]
    async fn a_line_at_the_limit_is_too_long_and_one_below_is_not() {
        let (mut client, mut server) = duplex(4 * MAX_LINE);
        let fits = format!("{}\n", "a".repeat(MAX_LINE - 1));
        let overflows = format!("{}\n", "b".repeat(MAX_LINE));
        server.write_all(fits.as_bytes()).await.unwrap();
        server.write_all(overflows.as_bytes()).await.unwrap();
        drop(server);
        let mut conversation = Plaintext::new(&mut client);
        assert_eq!(conversation.read_line().await.unwrap().len(), MAX_LINE - 1);
        let error = conversation.read_line().await.unwrap_err();
        assert!(matches!(error, StartTlsError::TooLong { limit } if limit == MAX_LINE));
    }

    #[tokio::test]
    async fn an_exchange_is_bounded_even_when_made_of_short_lines() {
        let (mut client, mut server) = duplex(4 * MAX_EXCHANGE);
        let lines = "x\n".repeat(MAX_EXCHANGE);
        server.write_all(lines.as_bytes()).await.unwrap();
        drop(server);
        let mut conversation = Plaintext::new(&mut client);
        let error = loop {
            if let Err(error) = conversation.read_line().await {
                break error;
            }
        };
        assert!(matches!(error, StartTlsError::TooLong { limit } if limit == MAX_EXCHANGE));
    }

    #[test]
    fn refusals_collapse_whitespace_and_are_cut() {
        let words = format!("  454 4.7.0\r\n  try   later {}", "z".repeat(500));
        let StartTlsError::Refused { reply } = refused(&words) else {
            panic!("not a refusal");
        };
        assert!(reply.starts_with("454 4.7.0 try later z"));
        assert_eq!(reply.chars().count(), SHOWN_CHARS + 1);
    }
}
