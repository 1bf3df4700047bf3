//! FTP (RFC 4217 section 4): read the 220 greeting (possibly multi-line, possibly after a 120
//! "ready soon"), send `AUTH TLS`, expect 234.

use tokio::io::{AsyncRead, AsyncWrite};

use super::coded::read_reply;
use super::reader::Plaintext;
use super::{DialectSpec, StartTlsError};

/// The FTP dialect as listed in the registry.
pub(super) const SPEC: DialectSpec = DialectSpec {
    description: "FTP: AUTH TLS after the 220 greeting (RFC 4217)",
    default_ports: &[21],
};

/// Runs the FTP exchange up to the server's 234 answer to AUTH TLS.
pub(super) async fn upgrade<S: AsyncRead + AsyncWrite + Unpin>(
    conversation: &mut Plaintext<'_, S>,
) -> Result<(), StartTlsError> {
    let mut greeting = read_reply(conversation).await?;
    if greeting.code == 120 {
        greeting = read_reply(conversation).await?;
    }
    greeting.expect(220)?;
    conversation.send(b"AUTH TLS\r\n").await?;
    read_reply(conversation).await?.expect(234)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{
        assert_too_long, assert_upgraded, expect, refusal, run, send, unexpected_bytes, Step,
    };
    use super::super::{Dialect, MAX_LINE};

    #[tokio::test]
    async fn upgrades_after_a_multi_line_greeting_with_free_text() {
        let steps = vec![
            send("220-lab FTP\r\n  welcome, be nice\r\n220 ready\r\n"),
            expect("AUTH TLS\r\n"),
            send("234 AUTH TLS successful\r\n"),
        ];
        assert_upgraded(&run(Dialect::Ftp, None, steps).await);
    }

    #[tokio::test]
    async fn a_120_before_the_greeting_is_waited_out() {
        let steps = vec![
            send("120 ready in 1 minute\r\n220 ready\r\n"),
            expect("AUTH TLS\r\n"),
            send("234 go\r\n"),
        ];
        assert_upgraded(&run(Dialect::Ftp, None, steps).await);
    }

    #[tokio::test]
    async fn a_5xx_answer_is_a_refusal_in_the_servers_words() {
        let answer = "534 Policy requires plaintext";
        let steps = vec![
            send("220 ready\r\n"),
            expect("AUTH TLS\r\n"),
            send(format!("{answer}\r\n")),
        ];
        assert_eq!(refusal(&run(Dialect::Ftp, None, steps).await), answer);
    }

    #[tokio::test]
    async fn a_pop3_greeting_is_unexpected() {
        let greeting = "+OK POP3 ready";
        let run = run(Dialect::Ftp, None, vec![send(format!("{greeting}\r\n"))]).await;
        assert_eq!(unexpected_bytes(&run), greeting.as_bytes());
    }

    #[tokio::test]
    async fn an_endless_multi_line_greeting_is_too_long() {
        let run = run(Dialect::Ftp, None, vec![send("220-"), Step::Flood(b'f')]).await;
        assert_too_long(&run, MAX_LINE);
    }
}
