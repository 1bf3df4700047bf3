//! SMTP (RFC 3207): read the 220 greeting, EHLO, require the STARTTLS capability, STARTTLS,
//! expect 220.

use tokio::io::{AsyncRead, AsyncWrite};

use super::coded::{read_reply, CodedReply};
use super::reader::{refused, Plaintext};
use super::{DialectSpec, StartTlsError};

/// The SMTP dialect as listed in the registry.
pub(super) const SPEC: DialectSpec = DialectSpec {
    description: "SMTP: EHLO, then STARTTLS (RFC 3207)",
    default_ports: &[25, 587],
};

/// The name the scanner greets with; `.invalid` (RFC 2606) can never be a real host.
pub(super) const CLIENT_NAME: &str = "certatlas.invalid";

/// Runs the SMTP exchange up to the server's 220 answer to STARTTLS.
pub(super) async fn upgrade<S: AsyncRead + AsyncWrite + Unpin>(
    conversation: &mut Plaintext<'_, S>,
) -> Result<(), StartTlsError> {
    read_reply(conversation).await?.expect(220)?;
    conversation
        .send(format!("EHLO {CLIENT_NAME}\r\n").as_bytes())
        .await?;
    let capabilities = read_reply(conversation).await?;
    capabilities.expect(250)?;
    if !offers_starttls(&capabilities) {
        let words = capabilities.lines.join("\n");
        return Err(refused(&format!("no STARTTLS in EHLO reply: {words}")));
    }
    conversation.send(b"STARTTLS\r\n").await?;
    read_reply(conversation).await?.expect(220)
}

/// True if an EHLO reply lists the STARTTLS keyword (case-insensitive) on one of its lines.
fn offers_starttls(reply: &CodedReply) -> bool {
    reply.texts().any(|text| {
        text.split_whitespace()
            .next()
            .is_some_and(|keyword| keyword.eq_ignore_ascii_case("STARTTLS"))
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{
        assert_too_long, assert_upgraded, expect, refusal, run, send, unexpected_bytes, Step,
    };
    use super::super::{Dialect, MAX_LINE};
    use super::*;

    const GREETING: &str = "220-mx.lab.test ESMTP\r\n220 no UCE\r\n";

    fn ehlo() -> Step {
        expect(format!("EHLO {CLIENT_NAME}\r\n"))
    }

    #[tokio::test]
    async fn upgrades_after_a_multi_line_greeting_and_capabilities() {
        let steps = vec![
            send(GREETING),
            ehlo(),
            send("250-mx.lab.test\r\n250-PIPELINING\r\n250-starttls\r\n250 SIZE 1000\r\n"),
            expect("STARTTLS\r\n"),
            send("220 2.0.0 Ready to start TLS\r\n"),
        ];
        assert_upgraded(&run(Dialect::Smtp, None, steps).await);
    }

    #[tokio::test]
    async fn a_454_answer_is_a_refusal_in_the_servers_words() {
        let answer = "454 4.7.0 TLS not available due to temporary reason";
        let steps = vec![
            send(GREETING),
            ehlo(),
            send("250 STARTTLS\r\n"),
            expect("STARTTLS\r\n"),
            send(format!("{answer}\r\n")),
        ];
        assert_eq!(refusal(&run(Dialect::Smtp, None, steps).await), answer);
    }

    #[tokio::test]
    async fn missing_capability_is_a_refusal_quoting_the_capabilities() {
        let steps = vec![
            send(GREETING),
            ehlo(),
            send("250-mx.lab.test\r\n250 SIZE 1000\r\n"),
        ];
        let run = run(Dialect::Smtp, None, steps).await;
        let reply = refusal(&run);
        assert!(reply.contains("250-mx.lab.test 250 SIZE 1000"), "{reply}");
        assert!(
            run.after.is_empty(),
            "sent STARTTLS anyway: {:?}",
            run.after
        );
    }

    #[tokio::test]
    async fn a_554_greeting_is_a_refusal() {
        let greeting = "554 5.7.1 no service for you";
        let run = run(Dialect::Smtp, None, vec![send(format!("{greeting}\r\n"))]).await;
        assert_eq!(refusal(&run), greeting);
    }

    #[tokio::test]
    async fn an_imap_greeting_is_unexpected() {
        let greeting = "* OK [CAPABILITY IMAP4rev1] ready";
        let run = run(Dialect::Smtp, None, vec![send(format!("{greeting}\r\n"))]).await;
        assert_eq!(unexpected_bytes(&run), greeting.as_bytes());
    }

    #[tokio::test]
    async fn an_endless_greeting_line_is_too_long() {
        let run = run(Dialect::Smtp, None, vec![send("220-"), Step::Flood(b'a')]).await;
        assert_too_long(&run, MAX_LINE);
    }

    #[tokio::test]
    async fn bytes_after_the_final_reply_are_not_swallowed() {
        let steps = vec![
            send(GREETING),
            ehlo(),
            send("250 STARTTLS\r\n"),
            expect("STARTTLS\r\n"),
            send("220 go ahead\r\nEXTRA"),
        ];
        let run = run(Dialect::Smtp, None, steps).await;
        let shown = unexpected_bytes(&run);
        assert!(
            b"EXTRA".starts_with(shown) && !shown.is_empty(),
            "{shown:?}"
        );
    }
}
