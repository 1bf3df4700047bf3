//! The format of a file's bytes, told by content alone (never by its
//! name): a Java keystore's magic number, PEM armour, one DER X.509
//! certificate, or a PKCS#12 PFX (a DER SEQUENCE opening with version 3).
//! JSON (opening with `{` or `[`) is none of them, even when it quotes PEM.

use crate::at_rest::AtRestFormat;

/// The JKS magic number.
pub const JKS_MAGIC: [u8; 4] = [0xfe, 0xed, 0xfe, 0xed];
/// The JCEKS magic number (Sun's JCE keystore, not read).
const JCEKS_MAGIC: [u8; 4] = [0xce, 0xce, 0xce, 0xce];

/// What the bytes look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// One of the formats read.
    Format(AtRestFormat),
    /// A JCEKS keystore: recognised, not read.
    Jceks,
    /// None of them.
    Unknown,
}

/// The format of `bytes`.
pub fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.starts_with(&JKS_MAGIC) {
        return Sniffed::Format(AtRestFormat::Jks);
    }
    if bytes.starts_with(&JCEKS_MAGIC) {
        return Sniffed::Jceks;
    }
    // JSON (certatlas JSON Lines, a peer tool's output) and XML (nmap's
    // `ssl-cert` output) may quote PEM text: they are scan files
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'{' | b'[' | b'<')) {
        return Sniffed::Unknown;
    }
    if contains(bytes, b"-----BEGIN ") {
        return Sniffed::Format(AtRestFormat::Pem);
    }
    if bytes.first() == Some(&0x30) {
        if crate::certs::parse_certificate(bytes).is_ok() {
            return Sniffed::Format(AtRestFormat::Der);
        }
        if looks_like_pfx(bytes) {
            return Sniffed::Format(AtRestFormat::Pkcs12);
        }
    }
    Sniffed::Unknown
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A DER (or BER, indefinite length) SEQUENCE whose first element is the
/// INTEGER 3: the PFX of PKCS#12 (RFC 7292).
fn looks_like_pfx(bytes: &[u8]) -> bool {
    let header = match bytes.get(1) {
        Some(len) if *len <= 0x80 => 2,
        Some(len @ 0x81..=0x84) => 2 + usize::from(len - 0x80),
        _ => return false,
    };
    bytes.get(header..header + 3) == Some(&[0x02, 0x01, 0x03][..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_content() {
        assert_eq!(
            sniff(&[0xfe, 0xed, 0xfe, 0xed, 0, 0, 0, 2]),
            Sniffed::Format(AtRestFormat::Jks)
        );
        assert_eq!(sniff(&[0xce, 0xce, 0xce, 0xce]), Sniffed::Jceks);
        let pem = b"# a comment\n-----BEGIN CERTIFICATE-----\n";
        assert_eq!(sniff(pem), Sniffed::Format(AtRestFormat::Pem));
        let pfx = [0x30, 0x82, 0x09, 0x00, 0x02, 0x01, 0x03, 0x30];
        assert_eq!(sniff(&pfx), Sniffed::Format(AtRestFormat::Pkcs12));
        let other_sequence = [0x30, 0x82, 0x09, 0x00, 0x02, 0x01, 0x01];
        assert_eq!(sniff(&other_sequence), Sniffed::Unknown);
        assert_eq!(sniff(b"hello"), Sniffed::Unknown);
        let json = b" {\"pem\": \"-----BEGIN CERTIFICATE-----\"}";
        assert_eq!(sniff(json), Sniffed::Unknown);
        let nmap =
            b"<?xml version=\"1.0\"?>\n<nmaprun><elem key=\"pem\">-----BEGIN CERTIFICATE-----";
        assert_eq!(sniff(nmap), Sniffed::Unknown, "nmap XML is a scan file");
        assert_eq!(sniff(b""), Sniffed::Unknown);
    }
}
