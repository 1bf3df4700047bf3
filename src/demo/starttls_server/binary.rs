//! The lab's server side of the dialects that are not line-based: LDAP (one BER
//! ExtendedRequest, one ExtendedResponse), PostgreSQL (an eight-byte SSLRequest, one byte
//! back) and MySQL (a protocol 10 greeting, a 32-byte SSLRequest packet back). Reads are
//! exact, so nothing of the client's ClientHello is consumed.

use std::io::Error;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::{invalid, refused, MAX_CLIENT_LINE, POLICY};
use crate::probe::starttls::Dialect;

/// The LDAP StartTLS extended operation's name.
const LDAP_STARTTLS_OID: &[u8] = b"1.3.6.1.4.1.1466.20037";
/// An LDAP resultCode: unwillingToPerform (RFC 4511).
const LDAP_UNWILLING_TO_PERFORM: u8 = 53;
/// The PostgreSQL SSLRequest: length 8, code 80877103, big-endian.
const POSTGRES_SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// LDAP: read one LDAPMessage that must be the StartTLS ExtendedRequest, answer with an
/// ExtendedResponse carrying resultCode 0 (or unwillingToPerform).
pub(super) async fn ldap<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    refuse: bool,
) -> Result<(), Error> {
    let message = read_ber_message(stream).await?;
    let message_id = parse_start_tls_request(&message)
        .ok_or_else(|| invalid(Dialect::Ldap, "a StartTLS ExtendedRequest", &message))?;
    let (code, diagnostic) = match refuse {
        true => (LDAP_UNWILLING_TO_PERFORM, POLICY.as_bytes()),
        false => (0, &b""[..]),
    };
    let mut response = ber(0x0a, &[code]);
    response.extend(ber(0x04, b""));
    response.extend(ber(0x04, diagnostic));
    response.extend(ber(0x8a, LDAP_STARTTLS_OID));
    let mut reply = ber(0x02, message_id);
    reply.extend(ber(0x78, &response));
    stream.write_all(&ber(0x30, &reply)).await?;
    stream.flush().await?;
    if refuse {
        return Err(refused(Dialect::Ldap));
    }
    Ok(())
}

/// Reads one BER SEQUENCE (definite length, at most [`MAX_CLIENT_LINE`] bytes of content)
/// and returns its content, reading nothing beyond it.
async fn read_ber_message<S: AsyncRead + Unpin>(stream: &mut S) -> Result<Vec<u8>, Error> {
    let mut header = [0u8; 2];
    stream.read_exact(&mut header).await?;
    let length = match header {
        [0x30, short @ 0..=0x7f] => usize::from(short),
        [0x30, 0x81] => usize::from(stream.read_u8().await?),
        [0x30, 0x82] => usize::from(stream.read_u16().await?),
        _ => return Err(invalid(Dialect::Ldap, "an LDAPMessage SEQUENCE", &header)),
    };
    if length > MAX_CLIENT_LINE {
        return Err(invalid(Dialect::Ldap, "a short LDAPMessage", &header));
    }
    let mut content = vec![0u8; length];
    stream.read_exact(&mut content).await?;
    Ok(content)
}

/// The messageID (INTEGER content) of a StartTLS ExtendedRequest, or `None` if `message` is
/// something else. Short-form lengths only: that is all a StartTLS request needs.
fn parse_start_tls_request(message: &[u8]) -> Option<&[u8]> {
    let (message_id, rest) = ber_element(message, 0x02)?;
    let (request, _controls) = ber_element(rest, 0x77)?;
    let (name, _value) = ber_element(request, 0x80)?;
    (name == LDAP_STARTTLS_OID).then_some(message_id)
}

/// Splits a short-form element with tag `tag` off the front of `bytes`: (content, rest).
fn ber_element(bytes: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&[found, length], rest) = bytes.split_first_chunk::<2>()?;
    let length = usize::from(length);
    (found == tag && length < 0x80 && rest.len() >= length).then(|| rest.split_at(length))
}

/// One BER element with a definite length (the lab's messages are far below 64 KiB).
fn ber(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut element = vec![tag];
    match u8::try_from(content.len()) {
        Ok(short) if short < 0x80 => element.push(short),
        _ => {
            let length = u16::try_from(content.len()).unwrap_or(u16::MAX);
            element.push(0x82);
            element.extend(length.to_be_bytes());
        }
    }
    element.extend_from_slice(content);
    element
}

/// PostgreSQL: read exactly the eight-byte SSLRequest, answer `S` (or `N`).
pub(super) async fn postgres<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    refuse: bool,
) -> Result<(), Error> {
    let mut request = [0u8; 8];
    stream.read_exact(&mut request).await?;
    if request != POSTGRES_SSL_REQUEST {
        return Err(invalid(Dialect::Postgres, "an SSLRequest", &request));
    }
    stream.write_all(if refuse { b"N" } else { b"S" }).await?;
    stream.flush().await?;
    if refuse {
        return Err(refused(Dialect::Postgres));
    }
    Ok(())
}

/// MySQL: greet with a protocol 10 handshake packet offering CLIENT_SSL (or, refusing, not
/// offering it), then read exactly the client's SSLRequest packet: payload length 32,
/// sequence id 1, CLIENT_SSL among its capability flags.
pub(super) async fn mysql<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    refuse: bool,
) -> Result<(), Error> {
    stream.write_all(&mysql_greeting(refuse)).await?;
    stream.flush().await?;
    if refuse {
        return Err(refused(Dialect::Mysql));
    }
    let mut header = [0u8; 4];
    stream.read_exact(&mut header).await?;
    if header != [32, 0, 0, 1] {
        return Err(invalid(
            Dialect::Mysql,
            "an SSLRequest packet header",
            &header,
        ));
    }
    let mut request = [0u8; 32];
    stream.read_exact(&mut request).await?;
    let flags = u32::from_le_bytes([request[0], request[1], request[2], request[3]]);
    if flags & MYSQL_CLIENT_SSL == 0 {
        return Err(invalid(
            Dialect::Mysql,
            "CLIENT_SSL in the SSLRequest",
            &request,
        ));
    }
    Ok(())
}

/// The MySQL capability flag CLIENT_SSL.
const MYSQL_CLIENT_SSL: u32 = 0x0800;

/// A MariaDB-like protocol 10 greeting (sequence id 0), with CLIENT_SSL unless `refuse`.
fn mysql_greeting(refuse: bool) -> Vec<u8> {
    let capabilities: u32 = match refuse {
        true => 0xa0ff_f7fe & !MYSQL_CLIENT_SSL,
        false => 0xa0ff_f7fe | MYSQL_CLIENT_SSL,
    };
    let mut payload = vec![0x0a];
    payload.extend_from_slice(b"5.5.5-10.11.0-certatlas-lab\0");
    payload.extend_from_slice(&1u32.to_le_bytes());
    payload.extend_from_slice(b"12345678\0");
    payload.extend_from_slice(&capabilities.to_le_bytes()[..2]);
    payload.push(45);
    payload.extend_from_slice(&2u16.to_le_bytes());
    payload.extend_from_slice(&capabilities.to_le_bytes()[2..]);
    payload.push(21);
    payload.extend_from_slice(&[0; 10]);
    payload.extend_from_slice(b"9abcdefghijk\0mysql_native_password\0");
    let length = u32::try_from(payload.len()).unwrap_or(0).to_le_bytes();
    let mut packet = vec![length[0], length[1], length[2], 0];
    packet.extend(payload);
    packet
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::ErrorKind;
    use tokio::io::duplex;

    #[tokio::test]
    async fn the_ldap_server_rejects_another_extended_operation() {
        let password_modify = b"1.3.6.1.4.1.4203.1.11.1";
        let mut request = ber(0x02, &[1]);
        request.extend(ber(0x77, &ber(0x80, password_modify)));
        let (mut client, mut server) = duplex(1024);
        client.write_all(&ber(0x30, &request)).await.unwrap();
        let served = ldap(&mut server, false).await;
        let error = served.expect_err("accepted a password modify request");
        assert_eq!(error.kind(), ErrorKind::InvalidData);
    }
}
