//! LDAP (RFC 4511 section 4.14): send the StartTLS ExtendedRequest, read one LDAPMessage,
//! require an ExtendedResponse with resultCode 0.
//!
//! The BER here is the minimum LDAP needs: one-byte tags and definite lengths (short form, or
//! long form up to four length octets). The response is read as exactly one message (its
//! header, then exactly its declared length, bounded), so nothing beyond it is consumed.

use tokio::io::{AsyncRead, AsyncWrite};

use super::reader::{refused, unexpected, Plaintext, MAX_EXCHANGE};
use super::{DialectSpec, StartTlsError};

/// The LDAP dialect as listed in the registry.
pub(super) const SPEC: DialectSpec = DialectSpec {
    description: "LDAP: StartTLS extended operation 1.3.6.1.4.1.1466.20037 (RFC 4511)",
    default_ports: &[389],
};

/// The requestName of the StartTLS extended operation.
const STARTTLS_OID: &str = "1.3.6.1.4.1.1466.20037";
/// The messageID of our request.
const MESSAGE_ID: u32 = 1;
/// The messageID of an unsolicited notification (such as a notice of disconnection).
const UNSOLICITED_ID: u32 = 0;

/// BER tags (universal or LDAP application/context classes) used by the exchange.
mod tag {
    pub(super) const SEQUENCE: u8 = 0x30;
    pub(super) const INTEGER: u8 = 0x02;
    pub(super) const ENUMERATED: u8 = 0x0a;
    pub(super) const OCTET_STRING: u8 = 0x04;
    /// `[APPLICATION 23]` constructed.
    pub(super) const EXTENDED_REQUEST: u8 = 0x77;
    /// `[APPLICATION 24]` constructed.
    pub(super) const EXTENDED_RESPONSE: u8 = 0x78;
    /// `[0]` primitive, the requestName inside an ExtendedRequest.
    pub(super) const REQUEST_NAME: u8 = 0x80;
}

/// Runs the LDAP exchange up to a successful StartTLS ExtendedResponse.
pub(super) async fn upgrade<S: AsyncRead + AsyncWrite + Unpin>(
    conversation: &mut Plaintext<'_, S>,
) -> Result<(), StartTlsError> {
    conversation.send(&start_tls_request()).await?;
    let message = read_message(conversation).await?;
    match ExtendedResponse::parse(&message) {
        Some(response) if response.message_id == MESSAGE_ID && response.result_code == 0 => Ok(()),
        Some(response) if [MESSAGE_ID, UNSOLICITED_ID].contains(&response.message_id) => {
            Err(refused(&response.describe()))
        }
        _ => Err(unexpected(&message)),
    }
}

/// The LDAPMessage carrying the StartTLS ExtendedRequest with messageID 1.
fn start_tls_request() -> Vec<u8> {
    let request_name = tlv(tag::REQUEST_NAME, STARTTLS_OID.as_bytes());
    let mut message = tlv(tag::INTEGER, &MESSAGE_ID.to_be_bytes()[3..]);
    message.extend(tlv(tag::EXTENDED_REQUEST, &request_name));
    tlv(tag::SEQUENCE, &message)
}

/// One BER element with a definite length.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut element = vec![tag];
    match u8::try_from(content.len()) {
        Ok(short) if short < 0x80 => element.push(short),
        _ => {
            let octets = u32::try_from(content.len())
                .unwrap_or(u32::MAX)
                .to_be_bytes();
            let significant = &octets[octets.iter().take_while(|&&b| b == 0).count()..];
            element.push(0x80 | significant.len() as u8);
            element.extend_from_slice(significant);
        }
    }
    element.extend_from_slice(content);
    element
}

/// Reads one LDAPMessage and returns the content of its SEQUENCE.
async fn read_message<S: AsyncRead + AsyncWrite + Unpin>(
    conversation: &mut Plaintext<'_, S>,
) -> Result<Vec<u8>, StartTlsError> {
    let header = conversation.read_exact(2).await?;
    if header[0] != tag::SEQUENCE || header[1] == 0x80 {
        return Err(unexpected(&header));
    }
    let length = match header[1] {
        short @ 0..=0x7f => usize::from(short),
        long => {
            let count = usize::from(long & 0x7f);
            if count > 4 {
                return Err(StartTlsError::TooLong {
                    limit: MAX_EXCHANGE,
                });
            }
            let octets = conversation.read_exact(count).await?;
            octets
                .iter()
                .fold(0usize, |length, &octet| length << 8 | usize::from(octet))
        }
    };
    conversation.read_exact(length).await
}

/// The fields of an ExtendedResponse that decide the upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ExtendedResponse {
    message_id: u32,
    result_code: u32,
    diagnostic: String,
}

impl ExtendedResponse {
    /// Parses the content of an LDAPMessage SEQUENCE; `None` if it is not an ExtendedResponse.
    fn parse(message: &[u8]) -> Option<ExtendedResponse> {
        let mut fields = Ber(message);
        let message_id = unsigned(fields.take(tag::INTEGER)?)?;
        let mut response = Ber(fields.take(tag::EXTENDED_RESPONSE)?);
        let result_code = unsigned(response.take(tag::ENUMERATED)?)?;
        let _matched_dn = response.take(tag::OCTET_STRING)?;
        let diagnostic = response.take(tag::OCTET_STRING)?;
        Some(ExtendedResponse {
            message_id,
            result_code,
            diagnostic: String::from_utf8_lossy(diagnostic).into_owned(),
        })
    }

    /// The server's answer in words, e.g. `resultCode 53 (unwillingToPerform): disabled`.
    fn describe(&self) -> String {
        let code = self.result_code;
        let mut words = format!("resultCode {code} ({})", result_name(code));
        if self.message_id == UNSOLICITED_ID {
            words.push_str(" in an unsolicited notification");
        }
        if !self.diagnostic.trim().is_empty() {
            words = format!("{words}: {}", self.diagnostic);
        }
        words
    }
}

/// The RFC 4511 name of the result codes a StartTLS refusal usually carries.
fn result_name(code: u32) -> &'static str {
    match code {
        0 => "success",
        1 => "operationsError",
        2 => "protocolError",
        51 => "busy",
        52 => "unavailable",
        53 => "unwillingToPerform",
        80 => "other",
        _ => "unlisted result",
    }
}

/// A cursor over consecutive BER elements.
struct Ber<'a>(&'a [u8]);

impl<'a> Ber<'a> {
    /// Takes the next element if its tag is `wanted` and returns its content.
    fn take(&mut self, wanted: u8) -> Option<&'a [u8]> {
        let (&found, rest) = self.0.split_first()?;
        let (&first, mut rest) = rest.split_first()?;
        if found != wanted {
            return None;
        }
        let length = match first {
            0..=0x7f => usize::from(first),
            long => {
                let count = usize::from(long & 0x7f);
                let octets = rest.get(..count).filter(|_| (1..=4).contains(&count))?;
                rest = &rest[count..];
                octets
                    .iter()
                    .fold(0usize, |n, &octet| n << 8 | usize::from(octet))
            }
        };
        let content = rest.get(..length)?;
        self.0 = &rest[length..];
        Some(content)
    }
}

/// A non-negative INTEGER or ENUMERATED of at most four content octets.
fn unsigned(content: &[u8]) -> Option<u32> {
    let first = *content.first()?;
    if content.len() > 4 || first & 0x80 != 0 {
        return None;
    }
    Some(
        content
            .iter()
            .fold(0u32, |n, &octet| n << 8 | u32::from(octet)),
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::{
        assert_too_long, assert_upgraded, expect, refusal, run, send, unexpected_bytes,
    };
    use super::super::Dialect;
    use super::*;

    /// `[10]` primitive, the responseName of an ExtendedResponse.
    const RESPONSE_NAME: u8 = 0x8a;

    /// An LDAPMessage with an ExtendedResponse, as a server would send it.
    fn response(message_id: u8, result_code: u8, diagnostic: &str) -> Vec<u8> {
        let mut operation = tlv(tag::ENUMERATED, &[result_code]);
        operation.extend(tlv(tag::OCTET_STRING, b""));
        operation.extend(tlv(tag::OCTET_STRING, diagnostic.as_bytes()));
        operation.extend(tlv(RESPONSE_NAME, STARTTLS_OID.as_bytes()));
        let mut message = tlv(tag::INTEGER, &[message_id]);
        message.extend(tlv(tag::EXTENDED_RESPONSE, &operation));
        tlv(tag::SEQUENCE, &message)
    }

    #[test]
    fn the_request_is_the_rfc_4511_start_tls_message() {
        let oid = STARTTLS_OID.as_bytes();
        let name_len = oid.len() as u8;
        let mut expected = vec![0x30, name_len + 7, 0x02, 0x01, 0x01, 0x77, name_len + 2];
        expected.extend([0x80, name_len]);
        expected.extend(oid);
        assert_eq!(start_tls_request(), expected);
        assert_eq!(&expected[..2], [0x30, 0x1d]);
    }

    #[test]
    fn long_lengths_use_the_fewest_octets() {
        let content = vec![7u8; 300];
        let element = tlv(tag::OCTET_STRING, &content);
        assert_eq!(&element[..4], [tag::OCTET_STRING, 0x82, 0x01, 0x2c]);
        assert_eq!(Ber(&element).take(tag::OCTET_STRING), Some(&content[..]));
    }

    #[tokio::test]
    async fn upgrades_on_result_code_zero() {
        let steps = vec![expect(start_tls_request()), send(response(1, 0, ""))];
        assert_upgraded(&run(Dialect::Ldap, None, steps).await);
    }

    #[tokio::test]
    async fn a_long_form_length_is_read_exactly() {
        let short = response(1, 0, "fine");
        let mut long = vec![tag::SEQUENCE, 0x81, short[1]];
        long.extend(&short[2..]);
        let steps = vec![expect(start_tls_request()), send(long)];
        assert_upgraded(&run(Dialect::Ldap, None, steps).await);
    }

    #[tokio::test]
    async fn a_non_zero_result_code_is_a_refusal_with_the_diagnostic() {
        let diagnostic = "StartTLS is disabled";
        let steps = vec![
            expect(start_tls_request()),
            send(response(1, 53, diagnostic)),
        ];
        let run = run(Dialect::Ldap, None, steps).await;
        let reply = refusal(&run);
        assert!(reply.contains("53 (unwillingToPerform)"), "{reply}");
        assert!(reply.ends_with(diagnostic), "{reply}");
    }

    #[tokio::test]
    async fn a_notice_of_disconnection_is_a_refusal() {
        let steps = vec![expect(start_tls_request()), send(response(0, 2, "bye"))];
        let run = run(Dialect::Ldap, None, steps).await;
        let reply = refusal(&run);
        assert!(
            reply.contains("2 (protocolError) in an unsolicited"),
            "{reply}"
        );
    }

    #[tokio::test]
    async fn another_operation_or_message_id_is_unexpected() {
        let bind_response = [0x30, 0x0c, 0x02, 0x01, 0x01, 0x61, 0x07, 0x0a, 0x01, 0x00];
        let bind_response = [&bind_response[..], &[0x04, 0x00, 0x04, 0x00]].concat();
        let other_id = response(7, 0, "");
        for reply in [bind_response, other_id] {
            let steps = vec![expect(start_tls_request()), send(&reply)];
            let run = run(Dialect::Ldap, None, steps).await;
            assert_eq!(unexpected_bytes(&run), &reply[2..]);
        }
    }

    #[tokio::test]
    async fn a_huge_declared_length_is_too_long_before_reading_it() {
        let huge = [tag::SEQUENCE, 0x84, 0x00, 0x10, 0x00, 0x00];
        let steps = vec![expect(start_tls_request()), send(huge)];
        assert_too_long(&run(Dialect::Ldap, None, steps).await, MAX_EXCHANGE);
    }

    #[test]
    fn integers_must_be_short_and_non_negative() {
        assert_eq!(unsigned(&[0x01, 0x00]), Some(256));
        assert_eq!(unsigned(&[0xff]), None);
        assert_eq!(unsigned(&[]), None);
        assert_eq!(unsigned(&[0, 0, 0, 0, 1]), None);
    }
}
