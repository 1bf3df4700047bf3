//! The hand-built ClientHello: one handshake record offering a legacy version, the chosen
//! suite list and the extensions old servers expect (see the module docs for the list).

use std::net::IpAddr;

use super::{suites, LegacyError, LegacyHello, LegacyVersion};

/// Record content type of handshake records.
const CONTENT_HANDSHAKE: u8 = 22;
/// Handshake message type of ClientHello.
const CLIENT_HELLO: u8 = 1;
/// Smallest ClientHello length (handshake header included) that needs no padding.
const PAD_TARGET: usize = 512;
/// Smallest ClientHello length that old F5 devices hang on.
const PAD_FROM: usize = 256;

/// Extension numbers.
const EXT_SERVER_NAME: u16 = 0;
const EXT_SUPPORTED_GROUPS: u16 = 10;
const EXT_EC_POINT_FORMATS: u16 = 11;
const EXT_SIGNATURE_ALGORITHMS: u16 = 13;
const EXT_PADDING: u16 = 21;
const EXT_RENEGOTIATION_INFO: u16 = 0xff01;

/// secp256r1, secp384r1, secp521r1, x25519.
const GROUPS: [u16; 4] = [0x0017, 0x0018, 0x0019, 0x001d];

/// Signature schemes for TLS 1.2 offers, SHA-1 schemes last.
const SIGNATURE_SCHEMES: [u16; 14] = [
    0x0403, // ecdsa_secp256r1_sha256
    0x0804, // rsa_pss_rsae_sha256
    0x0401, // rsa_pkcs1_sha256
    0x0503, // ecdsa_secp384r1_sha384
    0x0805, // rsa_pss_rsae_sha384
    0x0501, // rsa_pkcs1_sha384
    0x0603, // ecdsa_secp521r1_sha512
    0x0806, // rsa_pss_rsae_sha512
    0x0601, // rsa_pkcs1_sha512
    0x0807, // ed25519
    0x0402, // dsa_sha256
    0x0201, // rsa_pkcs1_sha1
    0x0203, // ecdsa_sha1
    0x0202, // dsa_sha1
];

/// 32 bytes from the system's secure random generator.
pub(super) fn client_random() -> Result<[u8; 32], LegacyError> {
    let mut random = [0u8; 32];
    crate::certs::random::fill_random(&mut random)
        .map_err(|_| std::io::Error::other("secure random generator failed"))?;
    Ok(random)
}

/// The complete ClientHello record for `hello` with the given client random.
pub(super) fn client_hello_record(hello: &LegacyHello, random: &[u8; 32]) -> Vec<u8> {
    let message = client_hello_message(hello, random);
    let record_version = match hello.version {
        LegacyVersion::Ssl3 => LegacyVersion::Ssl3,
        _ => LegacyVersion::Tls10,
    };
    let mut record = vec![CONTENT_HANDSHAKE];
    push_u16(&mut record, record_version.wire());
    push_u16(&mut record, len_u16(message.len()));
    record.extend_from_slice(&message);
    record
}

/// The ClientHello handshake message (4-byte header included), padded out of 256..512.
fn client_hello_message(hello: &LegacyHello, random: &[u8; 32]) -> Vec<u8> {
    let mut body = Vec::with_capacity(PAD_TARGET);
    push_u16(&mut body, hello.version.wire());
    body.extend_from_slice(random);
    body.push(0); // empty session id
    let suites = suites::offered(hello.suites);
    push_u16(&mut body, len_u16(suites.len() * 2));
    suites.iter().for_each(|id| push_u16(&mut body, *id));
    body.extend_from_slice(&[1, 0]); // compression methods: null only
    if hello.version != LegacyVersion::Ssl3 {
        let mut extensions = extensions(hello);
        let unpadded = 4 + body.len() + 2 + extensions.len();
        if (PAD_FROM..PAD_TARGET).contains(&unpadded) {
            let padding = (PAD_TARGET - unpadded).saturating_sub(4);
            push_extension(&mut extensions, EXT_PADDING, &vec![0; padding]);
        }
        push_u16(&mut body, len_u16(extensions.len()));
        body.extend_from_slice(&extensions);
    }
    let mut message = vec![CLIENT_HELLO];
    message.extend_from_slice(&u24(body.len()));
    message.extend_from_slice(&body);
    message
}

/// Every extension except padding, concatenated.
fn extensions(hello: &LegacyHello) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some(name) = dns_name(hello.sni.as_deref()) {
        let mut entry = vec![0]; // name type host_name
        push_u16(&mut entry, len_u16(name.len()));
        entry.extend_from_slice(name.as_bytes());
        push_extension(&mut out, EXT_SERVER_NAME, &with_u16_len(&entry));
    }
    let groups: Vec<u8> = GROUPS.iter().flat_map(|g| g.to_be_bytes()).collect();
    push_extension(&mut out, EXT_SUPPORTED_GROUPS, &with_u16_len(&groups));
    push_extension(&mut out, EXT_EC_POINT_FORMATS, &[1, 0]);
    if hello.version == LegacyVersion::Tls12 {
        let schemes: Vec<u8> = SIGNATURE_SCHEMES
            .iter()
            .flat_map(|s| s.to_be_bytes())
            .collect();
        push_extension(&mut out, EXT_SIGNATURE_ALGORITHMS, &with_u16_len(&schemes));
    }
    push_extension(&mut out, EXT_RENEGOTIATION_INFO, &[0]);
    out
}

/// The server name to send: a non-empty name that is not an IP literal and fits the field.
fn dns_name(sni: Option<&str>) -> Option<&str> {
    let name = sni?.trim_end_matches('.');
    let usable = !name.is_empty() && name.len() <= 255 && name.parse::<IpAddr>().is_err();
    usable.then_some(name)
}

/// Appends one extension: type, length, data.
fn push_extension(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    push_u16(out, kind);
    push_u16(out, len_u16(data.len()));
    out.extend_from_slice(data);
}

/// `data` behind its two-byte length.
fn with_u16_len(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 2);
    push_u16(&mut out, len_u16(data.len()));
    out.extend_from_slice(data);
    out
}

/// Appends a big-endian u16.
fn push_u16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_be_bytes());
}

/// A length that fits in two bytes by construction (the hello is far below 64 KiB).
fn len_u16(len: usize) -> u16 {
    u16::try_from(len).unwrap_or(u16::MAX)
}

/// A length as three big-endian bytes.
fn u24(len: usize) -> [u8; 3] {
    let [_, a, b, c] = u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes();
    [a, b, c]
}

#[cfg(test)]
mod tests;
