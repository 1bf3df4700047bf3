//! POP3 (RFC 2595 section 4): read the `+OK` greeting, send `STLS`, expect `+OK`.

use tokio::io::{AsyncRead, AsyncWrite};

use super::reader::{refused, unexpected, Plaintext};
use super::{DialectSpec, StartTlsError};

/// The POP3 dialect as listed in the registry.
pub(super) const SPEC: DialectSpec = DialectSpec {
    description: "POP3: STLS after the +OK greeting (RFC 2595)",
    default_ports: &[110],
};

/// Runs the POP3 exchange up to the server's `+OK` to STLS.
pub(super) async fn upgrade<S: AsyncRead + AsyncWrite + Unpin>(
    conversation: &mut Plaintext<'_, S>,
) -> Result<(), StartTlsError> {
    status(&conversation.read_line().await?)?;
    conversation.send(b"STLS\r\n").await?;
    status(&conversation.read_line().await?)
}

/// `+OK` succeeds, `-ERR` is a refusal, anything else is not POP3.
fn status(line: &str) -> Result<(), StartTlsError> {
    if has_indicator(line, "+OK") {
        Ok(())
    } else if has_indicator(line, "-ERR") {
        Err(refused(line))
    } else {
        Err(unexpected(line.as_bytes()))
    }
}

/// True if `line` is `indicator` alone or followed by a space.
fn has_indicator(line: &str, indicator: &str) -> bool {
    line.strip_prefix(indicator)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{
        assert_too_long, assert_upgraded, expect, refusal, run, send, unexpected_bytes, Step,
    };
    use super::super::{Dialect, MAX_LINE};

    const GREETING: &str = "+OK lab POP3 ready\r\n";

    #[tokio::test]
    async fn upgrades_after_the_greeting() {
        let steps = vec![
            send(GREETING),
            expect("STLS\r\n"),
            send("+OK Begin TLS negotiation\r\n"),
        ];
        assert_upgraded(&run(Dialect::Pop3, None, steps).await);
    }

    #[tokio::test]
    async fn an_err_answer_is_a_refusal_in_the_servers_words() {
        let answer = "-ERR TLS not available";
        let steps = vec![
            send(GREETING),
            expect("STLS\r\n"),
            send(format!("{answer}\r\n")),
        ];
        assert_eq!(refusal(&run(Dialect::Pop3, None, steps).await), answer);
    }

    #[tokio::test]
    async fn an_smtp_greeting_is_unexpected() {
        let greeting = "220 mx.lab.test ESMTP";
        let run = run(Dialect::Pop3, None, vec![send(format!("{greeting}\r\n"))]).await;
        assert_eq!(unexpected_bytes(&run), greeting.as_bytes());
    }

    #[tokio::test]
    async fn a_greeting_that_merely_starts_like_ok_is_unexpected() {
        let greeting = "+OKAY whatever";
        let run = run(Dialect::Pop3, None, vec![send(format!("{greeting}\r\n"))]).await;
        assert_eq!(unexpected_bytes(&run), greeting.as_bytes());
    }

    #[tokio::test]
    async fn an_endless_greeting_is_too_long() {
        let run = run(Dialect::Pop3, None, vec![send("+OK "), Step::Flood(b'p')]).await;
        assert_too_long(&run, MAX_LINE);
    }
}
