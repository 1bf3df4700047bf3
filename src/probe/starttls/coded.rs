//! Three-digit replies, as SMTP (RFC 5321) and FTP (RFC 959) send them.
//!
//! A reply is one line `ddd text`, or several: the first `ddd-text`, the last `ddd text` (or
//! just `ddd`) with the same code. FTP allows free text in between, so any line that is not the
//! closing one continues the reply.

use tokio::io::{AsyncRead, AsyncWrite};

use super::reader::{refused, unexpected, Plaintext};
use super::StartTlsError;

/// One complete reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CodedReply {
    /// The three-digit code.
    pub(super) code: u16,
    /// Every line as received, code included, without terminators.
    pub(super) lines: Vec<String>,
}

impl CodedReply {
    /// The text after the code on each line (continuation lines without a code as they are).
    pub(super) fn texts(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().map(|line| match parse_code(line) {
            Some(_) => line.get(4..).unwrap_or(""),
            None => line.as_str(),
        })
    }

    /// Succeeds on `wanted`; a 4xx/5xx code is a refusal in the server's words; anything
    /// else means the peer is not speaking this protocol as expected.
    pub(super) fn expect(&self, wanted: u16) -> Result<(), StartTlsError> {
        match self.code {
            code if code == wanted => Ok(()),
            400..=599 => Err(refused(&self.lines.join("\n"))),
            _ => Err(unexpected(self.lines.join("\r\n").as_bytes())),
        }
    }
}

/// Reads one complete reply; a first line without a three-digit code is
/// [`StartTlsError::Unexpected`].
pub(super) async fn read_reply<S: AsyncRead + AsyncWrite + Unpin>(
    conversation: &mut Plaintext<'_, S>,
) -> Result<CodedReply, StartTlsError> {
    let first = conversation.read_line().await?;
    let Some((code, mut more)) = parse_code(&first) else {
        return Err(unexpected(first.as_bytes()));
    };
    let mut lines = vec![first];
    while more {
        let line = conversation.read_line().await?;
        more = parse_code(&line) != Some((code, false));
        lines.push(line);
    }
    Ok(CodedReply { code, lines })
}

/// The code of a reply line and whether the reply continues (`ddd-`), or `None` if the line
/// does not start with a code from 100 to 599 followed by `-`, a space or nothing.
fn parse_code(line: &str) -> Option<(u16, bool)> {
    let bytes = line.as_bytes();
    let digits = bytes.get(..3)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let code = digits
        .iter()
        .fold(0u16, |code, digit| code * 10 + u16::from(digit - b'0'));
    if !(100..=599).contains(&code) {
        return None;
    }
    match bytes.get(3) {
        None | Some(b' ') => Some((code, false)),
        Some(b'-') => Some((code, true)),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{duplex, AsyncWriteExt};

    #[test]
    fn codes_and_continuation_marks_are_recognised() {
        assert_eq!(parse_code("220 ready"), Some((220, false)));
        assert_eq!(parse_code("250-PIPELINING"), Some((250, true)));
        assert_eq!(parse_code("234"), Some((234, false)));
        assert_eq!(parse_code("* OK ready"), None);
        assert_eq!(parse_code("2200 ready"), None);
        assert_eq!(parse_code("700 ready"), None);
        assert_eq!(parse_code("HTTP/1.1 400"), None);
    }

    #[tokio::test]
    async fn multi_line_replies_end_at_the_line_with_the_same_code_and_a_space() {
        let (mut client, mut server) = duplex(1024);
        let sent = "220-welcome\r\nfree ftp text\r\n220-more\r\n220 ready\r\n";
        server.write_all(sent.as_bytes()).await.unwrap();
        drop(server);
        let mut conversation = Plaintext::new(&mut client);
        let reply = read_reply(&mut conversation).await.unwrap();
        assert_eq!(reply.code, 220);
        assert_eq!(reply.lines.join("\r\n") + "\r\n", sent);
        let texts: Vec<&str> = reply.texts().collect();
        assert_eq!(texts, ["welcome", "free ftp text", "more", "ready"]);
        conversation.finish().unwrap();
    }

    #[test]
    fn expect_sorts_replies_into_success_refusal_and_unexpected() {
        let reply = |code: u16, text: &str| CodedReply {
            code,
            lines: vec![format!("{code} {text}")],
        };
        assert!(reply(220, "go ahead").expect(220).is_ok());
        let refusal = reply(454, "TLS not available").expect(220).unwrap_err();
        assert!(
            matches!(refusal, StartTlsError::Refused { ref reply } if reply == "454 TLS not available")
        );
        let odd = reply(250, "fine").expect(220).unwrap_err();
        assert!(
            matches!(odd, StartTlsError::Unexpected { ref first_bytes } if first_bytes == b"250 fine")
        );
    }
}
