//! IMAP (RFC 3501 section 6.2.1): read the `* OK` greeting, send `a1 STARTTLS`, skip untagged
//! lines, expect `a1 OK`.

use tokio::io::{AsyncRead, AsyncWrite};

use super::reader::{refused, unexpected, Plaintext};
use super::{DialectSpec, StartTlsError};

/// The IMAP dialect as listed in the registry.
pub(super) const SPEC: DialectSpec = DialectSpec {
    description: "IMAP: tagged STARTTLS after the * OK greeting (RFC 3501)",
    default_ports: &[143],
};

/// The tag of our only command.
const TAG: &str = "a1";

/// Runs the IMAP exchange up to the server's tagged OK to STARTTLS.
pub(super) async fn upgrade<S: AsyncRead + AsyncWrite + Unpin>(
    conversation: &mut Plaintext<'_, S>,
) -> Result<(), StartTlsError> {
    check_greeting(&conversation.read_line().await?)?;
    conversation
        .send(format!("{TAG} STARTTLS\r\n").as_bytes())
        .await?;
    loop {
        let line = conversation.read_line().await?;
        if let Some(status) = strip_word(&line, TAG) {
            return tagged_status(status);
        }
        if strip_word(&line, "*").is_some_and(|rest| strip_word(rest, "BYE").is_some()) {
            return Err(refused(&line));
        }
        if strip_word(&line, "*").is_none() {
            return Err(unexpected(line.as_bytes()));
        }
    }
}

/// `* OK` lets us continue; `* PREAUTH` (STARTTLS is not allowed once authenticated) and
/// `* BYE` are refusals; anything else is not IMAP.
fn check_greeting(line: &str) -> Result<(), StartTlsError> {
    let Some(status) = strip_word(line, "*") else {
        return Err(unexpected(line.as_bytes()));
    };
    if strip_word(status, "OK").is_some() {
        Ok(())
    } else if strip_word(status, "PREAUTH").is_some() || strip_word(status, "BYE").is_some() {
        Err(refused(line))
    } else {
        Err(unexpected(line.as_bytes()))
    }
}

/// The meaning of our tagged reply: OK succeeds, NO and BAD refuse.
fn tagged_status(status: &str) -> Result<(), StartTlsError> {
    if strip_word(status, "OK").is_some() {
        Ok(())
    } else if strip_word(status, "NO").is_some() || strip_word(status, "BAD").is_some() {
        Err(refused(status))
    } else {
        Err(unexpected(format!("{TAG} {status}").as_bytes()))
    }
}

/// The rest of `line` if its first word is `word` (ASCII case ignored), else `None`.
fn strip_word<'l>(line: &'l str, word: &str) -> Option<&'l str> {
    let head = line.get(..word.len())?;
    let rest = &line[word.len()..];
    let ends_word = rest.is_empty() || rest.starts_with(' ');
    (head.eq_ignore_ascii_case(word) && ends_word).then(|| rest.trim_start())
}

#[cfg(test)]
mod tests {
    use super::super::testing::{
        assert_too_long, assert_upgraded, expect, refusal, run, send, unexpected_bytes, Step,
    };
    use super::super::{Dialect, MAX_LINE};
    use super::*;

    const GREETING: &str = "* OK [CAPABILITY IMAP4rev1 STARTTLS] lab ready\r\n";

    fn command() -> Step {
        expect(format!("{TAG} STARTTLS\r\n"))
    }

    #[tokio::test]
    async fn upgrades_and_tolerates_untagged_lines_before_the_answer() {
        let steps = vec![
            send(GREETING),
            command(),
            send("* CAPABILITY IMAP4rev1 STARTTLS\r\n* OK still here\r\n"),
            send(format!("{TAG} OK Begin TLS negotiation now\r\n")),
        ];
        assert_upgraded(&run(Dialect::Imap, None, steps).await);
    }

    #[tokio::test]
    async fn an_untagged_line_sent_right_after_the_greeting_is_tolerated() {
        let steps = vec![
            send(format!("{GREETING}* OK [ALERT] maintenance tonight\r\n")),
            command(),
            send(format!("{TAG} OK go\r\n")),
        ];
        assert_upgraded(&run(Dialect::Imap, None, steps).await);
    }

    #[tokio::test]
    async fn a_tagged_no_is_a_refusal_in_the_servers_words() {
        let words = "NO STARTTLS is disabled here";
        let steps = vec![
            send(GREETING),
            command(),
            send(format!("{TAG} {words}\r\n")),
        ];
        assert_eq!(refusal(&run(Dialect::Imap, None, steps).await), words);
    }

    #[tokio::test]
    async fn preauth_and_bye_greetings_are_refusals() {
        for greeting in ["* PREAUTH welcome back", "* BYE too busy"] {
            let run = run(Dialect::Imap, None, vec![send(format!("{greeting}\r\n"))]).await;
            assert_eq!(refusal(&run), greeting);
        }
    }

    #[tokio::test]
    async fn an_smtp_greeting_is_unexpected() {
        let greeting = "220 mx.lab.test ESMTP";
        let run = run(Dialect::Imap, None, vec![send(format!("{greeting}\r\n"))]).await;
        assert_eq!(unexpected_bytes(&run), greeting.as_bytes());
    }

    #[tokio::test]
    async fn a_line_that_is_neither_tagged_nor_untagged_is_unexpected() {
        let line = "220 mx.lab.test ready";
        let steps = vec![send(GREETING), command(), send(format!("{line}\r\n"))];
        assert_eq!(
            unexpected_bytes(&run(Dialect::Imap, None, steps).await),
            line.as_bytes()
        );
    }

    #[tokio::test]
    async fn endless_untagged_lines_hit_the_line_bound() {
        let steps = vec![send(GREETING), command(), send("* "), Step::Flood(b'x')];
        assert_too_long(&run(Dialect::Imap, None, steps).await, MAX_LINE);
    }

    #[test]
    fn words_match_whole_and_ignore_case() {
        assert_eq!(strip_word("a1 ok done", TAG), Some("ok done"));
        assert_eq!(strip_word("a1 ok done", "a"), None);
        assert_eq!(
            strip_word("* OK", "*").and_then(|s| strip_word(s, "ok")),
            Some("")
        );
        assert_eq!(strip_word("OKAY", "OK"), None);
    }
}
