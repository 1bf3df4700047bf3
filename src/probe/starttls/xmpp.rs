//! XMPP client streams (RFC 6120 section 5): open the stream, read the stream features,
//! require `<starttls>`, send `<starttls/>`, expect `<proceed/>`.
//!
//! The XML is only scanned, not parsed: we look for the start of the few elements that matter
//! (`<stream:features>`, `<stream:error>`, `<proceed>`, `<failure>`) and for their end (`/>` or
//! the closing tag). The server sends nothing after `<proceed/>` until our ClientHello, so the
//! read stops exactly at the switch point.

use tokio::io::{AsyncRead, AsyncWrite};

use super::reader::{refused, Plaintext, Scan};
use super::{DialectSpec, StartTlsError};

/// The XMPP dialect as listed in the registry.
pub(super) const SPEC: DialectSpec = DialectSpec {
    description: "XMPP: stream header, then <starttls/> from the stream features (RFC 6120)",
    default_ports: &[5222],
};

/// The namespace of the STARTTLS negotiation elements.
const TLS_NAMESPACE: &str = "urn:ietf:params:xml:ns:xmpp-tls";
/// What a server sends when it closes the stream.
const STREAM_CLOSE: &[u8] = b"</stream:stream>";

/// Runs the XMPP exchange up to the server's `<proceed/>`.
pub(super) async fn upgrade<S: AsyncRead + AsyncWrite + Unpin>(
    conversation: &mut Plaintext<'_, S>,
    server_name: Option<&str>,
) -> Result<(), StartTlsError> {
    conversation
        .send(stream_header(server_name).as_bytes())
        .await?;
    let awaited = ["stream:features", "stream:error"];
    let opening = conversation.read_until(|got| scan(got, &awaited)).await?;
    if let Some(error) = element(&opening, "stream:error") {
        return Err(stream_error(error, server_name));
    }
    let Some(features) = element(&opening, "stream:features") else {
        return Err(refused(&String::from_utf8_lossy(&opening)));
    };
    if find_start(features, "starttls").is_none() {
        let features = String::from_utf8_lossy(features);
        return Err(refused(&format!(
            "stream features without starttls: {features}"
        )));
    }
    let request = format!("<starttls xmlns='{TLS_NAMESPACE}'/>");
    conversation.send(request.as_bytes()).await?;
    let awaited = ["proceed", "failure", "stream:error"];
    let answer = conversation.read_until(|got| scan(got, &awaited)).await?;
    match element(&answer, "proceed") {
        Some(_) => Ok(()),
        None => Err(refused(&String::from_utf8_lossy(&answer))),
    }
}

/// The stream errors a server sends when the header does not name a domain it hosts.
const ADDRESSING_ERRORS: [&str; 2] = ["improper-addressing", "host-unknown"];

/// The error for a `<stream:error>` answering our header: without a name to send, an
/// addressing error means the service needs its domain name; anything else is a refusal.
fn stream_error(error: &[u8], server_name: Option<&str>) -> StartTlsError {
    let text = String::from_utf8_lossy(error);
    let addressing = ADDRESSING_ERRORS
        .iter()
        .any(|condition| find_start(error, condition).is_some());
    match (addressing, server_name) {
        (true, None) => match refused(&text) {
            StartTlsError::Refused { reply } => StartTlsError::NeedsName { reply },
            other => other,
        },
        _ => refused(&text),
    }
}

/// The opening stream header, addressed to `server_name` when there is one.
fn stream_header(server_name: Option<&str>) -> String {
    let to = server_name
        .map(|name| format!(" to='{}'", escape_attribute(name)))
        .unwrap_or_default();
    format!(
        "<?xml version='1.0'?><stream:stream{to} xmlns='jabber:client' \
         xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
    )
}

/// `value` made safe inside a single- or double-quoted XML attribute.
fn escape_attribute(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for character in value.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '\'' => escaped.push_str("&apos;"),
            '"' => escaped.push_str("&quot;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Whether `received` holds a whole element among `awaited` (the first one to start), or the
/// stream's end. XML starts with `<`: anything else is not XMPP.
fn scan(received: &[u8], awaited: &[&str]) -> Scan {
    match received.iter().find(|byte| !byte.is_ascii_whitespace()) {
        None => return Scan::Incomplete,
        Some(&first) if first != b'<' => return Scan::Invalid,
        Some(_) => {}
    }
    let first = awaited
        .iter()
        .filter_map(|&name| find_start(received, name).map(|start| (start, name)))
        .min();
    match first {
        Some((start, name)) => {
            element_end(received, start, name).map_or(Scan::Incomplete, Scan::Complete)
        }
        None => find(received, STREAM_CLOSE).map_or(Scan::Incomplete, |at| {
            Scan::Complete(at + STREAM_CLOSE.len())
        }),
    }
}

/// The whole element `name` (from `<name` to its end) if `text` holds it.
fn element<'t>(text: &'t [u8], name: &str) -> Option<&'t [u8]> {
    let start = find_start(text, name)?;
    let end = element_end(text, start, name)?;
    Some(&text[start..end])
}

/// Where the start tag `<name` begins (followed by whitespace, `/` or `>`), if it does.
fn find_start(text: &[u8], name: &str) -> Option<usize> {
    let tag = format!("<{name}");
    let mut from = 0;
    while let Some(found) = find(&text[from..], tag.as_bytes()) {
        let start = from + found;
        let next = text.get(start + tag.len())?;
        if next.is_ascii_whitespace() || matches!(next, b'/' | b'>') {
            return Some(start);
        }
        from = start + 1;
    }
    None
}

/// Where the element starting at `start` ends (exclusive): after `/>` if the start tag closes
/// itself, else after `</name>`.
fn element_end(text: &[u8], start: usize, name: &str) -> Option<usize> {
    let tag_end = start + text[start..].iter().position(|&byte| byte == b'>')?;
    if text[tag_end - 1] == b'/' {
        return Some(tag_end + 1);
    }
    let closing = format!("</{name}>");
    let found = find(&text[tag_end..], closing.as_bytes())?;
    Some(tag_end + found + closing.len())
}

/// The first position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{
        assert_too_long, assert_upgraded, expect, refusal, run, send, unexpected_bytes, Step,
    };
    use super::super::{Dialect, StartTlsError, MAX_EXCHANGE};
    use super::*;

    const NAME: &str = "chat.lab.test";
    const SERVER_HEADER: &str = "<?xml version='1.0'?><stream:stream from='chat.lab.test' \
        id='s1' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";

    fn features(inner: &str) -> String {
        format!("<stream:features>{inner}</stream:features>")
    }

    fn starttls_feature() -> String {
        features(&format!(
            "<starttls xmlns='{TLS_NAMESPACE}'><required/></starttls>"
        ))
    }

    fn request() -> Step {
        expect(format!("<starttls xmlns='{TLS_NAMESPACE}'/>"))
    }

    #[tokio::test]
    async fn upgrades_when_features_arrive_after_the_header() {
        let steps = vec![
            expect(stream_header(Some(NAME))),
            send(SERVER_HEADER),
            send(starttls_feature()),
            request(),
            send(format!("<proceed xmlns='{TLS_NAMESPACE}'/>")),
        ];
        assert_upgraded(&run(Dialect::Xmpp, Some(NAME), steps).await);
    }

    #[tokio::test]
    async fn a_proceed_with_a_closing_tag_is_read_to_its_end() {
        let steps = vec![
            expect(stream_header(None)),
            send(format!("{SERVER_HEADER}\n  {}", starttls_feature())),
            request(),
            send(format!("<proceed xmlns='{TLS_NAMESPACE}'></proceed>")),
        ];
        assert_upgraded(&run(Dialect::Xmpp, None, steps).await);
    }

    #[tokio::test]
    async fn features_without_starttls_are_a_refusal_and_nothing_more_is_sent() {
        for inner in ["<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>", ""] {
            let steps = vec![
                expect(stream_header(Some(NAME))),
                send(SERVER_HEADER),
                send(features(inner)),
            ];
            let run = run(Dialect::Xmpp, Some(NAME), steps).await;
            assert!(refusal(&run).contains(&features(inner)), "{:?}", run.result);
            assert!(run.after.is_empty(), "client sent {:?}", run.after);
        }
    }

    #[tokio::test]
    async fn a_failure_answer_is_a_refusal_in_the_servers_words() {
        let failure = format!("<failure xmlns='{TLS_NAMESPACE}'/>");
        let steps = vec![
            expect(stream_header(Some(NAME))),
            send(format!("{SERVER_HEADER}{}", starttls_feature())),
            request(),
            send(format!("{failure}</stream:stream>")),
        ];
        assert_eq!(
            refusal(&run(Dialect::Xmpp, Some(NAME), steps).await),
            failure
        );
    }

    #[tokio::test]
    async fn a_stream_error_is_a_refusal_naming_the_condition() {
        let error = "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>";
        let steps = vec![
            expect(stream_header(Some(NAME))),
            send(format!("{SERVER_HEADER}{error}")),
        ];
        let run = run(Dialect::Xmpp, Some(NAME), steps).await;
        assert!(refusal(&run).contains("host-unknown"), "{:?}", run.result);
    }

    /// A stream error with `condition`, as prosody sends it.
    fn stream_error_with(condition: &str) -> String {
        format!(
            "<stream:error><{condition} xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>\
             </stream:error></stream:stream>"
        )
    }

    #[tokio::test]
    async fn without_a_name_an_addressing_error_says_the_service_needs_its_name() {
        for condition in ADDRESSING_ERRORS {
            let steps = vec![
                expect(stream_header(None)),
                send(format!("{SERVER_HEADER}{}", stream_error_with(condition))),
            ];
            let run = run(Dialect::Xmpp, None, steps).await;
            match &run.result {
                Err(StartTlsError::NeedsName { reply }) => {
                    assert!(reply.contains(condition), "{reply}")
                }
                other => panic!("{condition}: expected NeedsName, got {other:?}"),
            }
            assert!(run.after.is_empty(), "client sent {:?}", run.after);
        }
    }

    #[tokio::test]
    async fn with_a_name_host_unknown_stays_a_refusal_and_other_errors_too() {
        let steps = vec![
            expect(stream_header(Some(NAME))),
            send(format!(
                "{SERVER_HEADER}{}",
                stream_error_with("host-unknown")
            )),
        ];
        let named = run(Dialect::Xmpp, Some(NAME), steps).await;
        assert!(refusal(&named).contains("host-unknown"));
        let steps = vec![
            expect(stream_header(None)),
            send(format!(
                "{SERVER_HEADER}{}",
                stream_error_with("system-shutdown")
            )),
        ];
        let shutdown = run(Dialect::Xmpp, None, steps).await;
        assert!(refusal(&shutdown).contains("system-shutdown"));
    }

    #[tokio::test]
    async fn an_smtp_greeting_is_unexpected() {
        let greeting = "220 mx.lab.test ESMTP\r\n";
        let run = run(Dialect::Xmpp, None, vec![send(greeting)]).await;
        assert_eq!(unexpected_bytes(&run), greeting.as_bytes());
    }

    #[tokio::test]
    async fn endless_features_hit_the_exchange_bound() {
        let steps = vec![
            send(format!("{SERVER_HEADER}<stream:features>")),
            Step::Flood(b'x'),
        ];
        assert_too_long(&run(Dialect::Xmpp, Some(NAME), steps).await, MAX_EXCHANGE);
    }

    #[test]
    fn the_header_names_the_server_only_when_asked_and_escapes_it() {
        assert!(stream_header(Some(NAME)).contains(&format!(" to='{NAME}' ")));
        assert!(!stream_header(None).contains(" to="));
        assert!(stream_header(Some("a'b<c")).contains(" to='a&apos;b&lt;c' "));
    }

    #[test]
    fn element_starts_need_a_name_boundary() {
        let text = b"<stream:featuresX/><stream:features><x/></stream:features>";
        let start = find_start(text, "stream:features").unwrap();
        assert_eq!(start, "<stream:featuresX/>".len());
        assert_eq!(element(text, "stream:features"), Some(&text[start..]));
        assert_eq!(
            scan(b"<stream:features>", &["stream:features"]),
            Scan::Incomplete
        );
    }
}
