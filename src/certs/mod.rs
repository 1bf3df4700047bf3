//! DER certificate → owned, serialisable [`CertificateView`].
//!
//! This module (and only this module) uses `x509-parser`. This file owns the
//! public entry point [`parse_certificate`], the error type and fingerprints;
//! the view type, names, keys, signature algorithms and extensions live in
//! the submodules. Input is attacker-controlled: nothing here may panic, and
//! strings are kept as found (lossily decoded), never escaped for display.

pub mod digest;
mod extensions;
pub mod hostname;
mod key;
mod name;
pub mod pq;
pub mod random;
pub mod revocation;
pub mod rsa_key;
mod signature;
mod signed_by;
#[cfg(test)]
mod testgen;
mod view;

pub use extensions::{BasicConstraints, SubjectAltNames};
pub use key::{KeyAlgorithm, PublicKeyInfo};
pub use name::{name_value_text, DistinguishedName};
pub use signature::SignatureAlgorithm;
pub use signed_by::*;
pub use view::CertificateView;

use sha2::{Digest, Sha256};
use x509_parser::asn1_rs::{Any, FromDer, Header, Length};
use x509_parser::certificate::X509Certificate;

/// Why a byte string could not be turned into a [`CertificateView`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertParseError {
    /// The input was empty.
    #[error("empty input: no certificate bytes")]
    Empty,
    /// The input ended before the certificate structure was complete.
    #[error("truncated certificate: input ends inside the DER structure")]
    Truncated,
    /// The input is not a DER-encoded X.509 certificate.
    #[error("not a DER X.509 certificate: {0}")]
    NotDer(String),
    /// A complete certificate was followed by this many extra bytes.
    #[error("{0} trailing byte(s) after the certificate")]
    TrailingData(usize),
    /// The version field holds a value other than v1, v2 or v3 (raw value shown).
    #[error("unsupported X.509 version field value {0} (expected 0..=2)")]
    UnsupportedVersion(u32),
}

/// Lowercase hex SHA-256 of arbitrary bytes (certificate fingerprints even when parsing fails).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex_lower(&Sha256::digest(bytes))
}

/// The raw SHA-256 of arbitrary bytes (a Content-Security-Policy source).
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// SHA-1 of the concatenation of `parts`: for legacy formats only (the
/// integrity digest of a Java keystore).
pub fn sha1_of(parts: &[&[u8]]) -> [u8; 20] {
    use sha1::Digest as _;
    let mut digest = sha1::Sha1::new();
    for part in parts {
        digest.update(part);
    }
    digest.finalize().into()
}

/// A SHA-256 computed over bytes fed piece by piece (a file read as it
/// streams), finished as lowercase hex.
#[derive(Debug, Clone, Default)]
pub struct Sha256Stream(Sha256);

impl Sha256Stream {
    /// A digest of nothing yet.
    pub fn new() -> Sha256Stream {
        Sha256Stream::default()
    }

    /// Feeds `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The lowercase hex digest of everything fed.
    pub fn finish_hex(self) -> String {
        hex_lower(&self.0.finalize())
    }
}

/// Parses one DER certificate. Never panics.
///
/// The input must be exactly one certificate: trailing bytes after it, or
/// unexpected content inside the outer `Certificate` SEQUENCE, are errors.
/// Malformed individual extensions are tolerated and simply leave their
/// fields empty.
pub fn parse_certificate(der: &[u8]) -> Result<CertificateView, CertParseError> {
    if der.is_empty() {
        return Err(CertParseError::Empty);
    }
    check_not_truncated(der)?;
    let (rest, cert) = X509Certificate::from_der(der).map_err(map_nom_error)?;
    if !rest.is_empty() {
        return Err(CertParseError::TrailingData(rest.len()));
    }
    check_outer_sequence_complete(der)?;
    build_view(der, &cert)
}

fn map_nom_error(err: x509_parser::nom::Err<x509_parser::error::X509Error>) -> CertParseError {
    match err {
        x509_parser::nom::Err::Incomplete(_) => CertParseError::Truncated,
        x509_parser::nom::Err::Error(e) | x509_parser::nom::Err::Failure(e) => {
            CertParseError::NotDer(e.to_string())
        }
    }
}

/// Reports a cut-off input as [`CertParseError::Truncated`] (x509-parser
/// would mostly say "Eof"): the outer header is incomplete or announces more
/// content than the input holds. Anything else is left to x509-parser.
fn check_not_truncated(der: &[u8]) -> Result<(), CertParseError> {
    match Header::from_der(der) {
        Ok((content, header)) => match header.length() {
            Length::Definite(len) if len > content.len() => Err(CertParseError::Truncated),
            _ => Ok(()),
        },
        Err(x509_parser::nom::Err::Incomplete(_)) => Err(CertParseError::Truncated),
        Err(_) => Ok(()),
    }
}

/// `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }`:
/// x509-parser ignores anything after `signatureValue` inside the SEQUENCE; we don't.
fn check_outer_sequence_complete(der: &[u8]) -> Result<(), CertParseError> {
    let not_der = |e: x509_parser::nom::Err<x509_parser::asn1_rs::Error>| {
        CertParseError::NotDer(e.to_string())
    };
    let (_, outer) = Any::from_der(der).map_err(not_der)?;
    let mut inner = outer.data;
    for _ in 0..3 {
        let (rest, _) = Any::from_der(inner).map_err(not_der)?;
        inner = rest;
    }
    if inner.is_empty() {
        Ok(())
    } else {
        Err(CertParseError::NotDer(format!(
            "{} unexpected byte(s) after signatureValue inside the Certificate SEQUENCE",
            inner.len()
        )))
    }
}

fn build_view(der: &[u8], cert: &X509Certificate<'_>) -> Result<CertificateView, CertParseError> {
    let tbs = &cert.tbs_certificate;
    let version = match tbs.version.0 {
        v @ 0..=2 => v + 1,
        other => return Err(CertParseError::UnsupportedVersion(other)),
    };
    let ext = extensions::collect(tbs.extensions());
    let self_signed = tbs.subject.as_raw() == tbs.issuer.as_raw()
        && (ext.authority_key_id.is_none() || ext.authority_key_id == ext.subject_key_id);
    Ok(CertificateView {
        sha256: sha256_hex(der),
        spki_sha256: sha256_hex(tbs.subject_pki.raw),
        version,
        serial: serial_hex(tbs.raw_serial()),
        subject: DistinguishedName::from_x509(&tbs.subject),
        issuer: DistinguishedName::from_x509(&tbs.issuer),
        not_before: utc(tbs.validity.not_before.to_datetime()),
        not_after: utc(tbs.validity.not_after.to_datetime()),
        san: ext.san,
        key: PublicKeyInfo::from_spki(&tbs.subject_pki),
        signature_algorithm: SignatureAlgorithm::from_algorithm_identifier(
            &cert.signature_algorithm,
        ),
        basic_constraints: ext.basic_constraints,
        key_usage: ext.key_usage,
        extended_key_usage: ext.extended_key_usage,
        ocsp_urls: ext.ocsp_urls,
        ca_issuer_urls: ext.ca_issuer_urls,
        crl_urls: ext.crl_urls,
        sct_count: ext.sct_count,
        earliest_sct: ext.earliest_sct_ms.and_then(sct_time),
        subject_key_id: ext.subject_key_id,
        authority_key_id: ext.authority_key_id,
        self_signed,
    })
}

/// The instant of an SCT timestamp (milliseconds since the Unix epoch);
/// `None` when out of range.
fn sct_time(ms: u64) -> Option<time::OffsetDateTime> {
    let nanos = i128::from(ms).checked_mul(1_000_000)?;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

/// Normalises to UTC; keeps the original offset if that would leave the
/// representable range (e.g. year 9999 with a negative offset).
fn utc(t: time::OffsetDateTime) -> time::OffsetDateTime {
    t.checked_to_offset(time::UtcOffset::UTC).unwrap_or(t)
}

/// Hex of the serial's content octets with leading zero digits removed.
fn serial_hex(raw: &[u8]) -> String {
    let hex = hex_lower(raw);
    let trimmed = hex.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Lowercase hex encoding without separators.
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::testgen::{self, Issued};
    use super::*;
    use rcgen::PublicKeyData;
    use rsa::rand_core::RngCore;

    fn parse(der: &[u8]) -> CertificateView {
        parse_certificate(der).expect("generated certificate parses")
    }

    #[test]
    fn sha256_hex_known_answer_and_format() {
        // FIPS 180-2 test vector for "abc".
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(sha256_hex(b"").len(), 64);
        assert_eq!(hex_lower(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }

    #[test]
    fn leaf_top_level_fields_match_what_was_generated() {
        let (ca, leaf) = testgen::root_and_leaf();
        let v = parse(&leaf.der);
        let ca_view = parse(&ca.der);
        assert_eq!(v.sha256, sha256_hex(&leaf.der));
        assert_eq!(
            v.spki_sha256,
            sha256_hex(&leaf.key.subject_public_key_info())
        );
        assert_ne!(v.spki_sha256, ca_view.spki_sha256);
        assert_eq!(v.version, 3);
        assert_eq!(v.serial, format!("{:x}", testgen::LEAF_SERIAL));
        assert_eq!(v.subject.common_names, ["leaf.example.test"]);
        assert_eq!(v.subject.dn, "CN=leaf.example.test,O=Example Ops");
        assert_eq!(v.issuer, ca_view.subject);
        assert_eq!(v.not_before, leaf.params.not_before);
        assert_eq!(v.not_after, leaf.params.not_after);
        let expected_days = (leaf.params.not_after - leaf.params.not_before).whole_days();
        assert_eq!(v.lifetime_days(), expected_days);
        assert_eq!(v.signature_algorithm.name, "ecdsa-with-SHA256");
        assert_eq!(v.signature_algorithm.hash.as_deref(), Some("sha256"));
        assert_eq!(
            v.basic_constraints,
            Some(BasicConstraints {
                ca: false,
                path_len: None
            })
        );
        assert!(!v.is_ca());
        assert!(!v.self_signed);
        assert_eq!(v.authority_key_id, ca_view.subject_key_id);
        assert!(v.dns_names().eq(testgen::LEAF_DNS));
    }

    #[test]
    fn root_ca_with_path_len_is_self_signed_ca() {
        let ca_key =
            rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
                .expect("rsa keygen");
        let mut ca = testgen::root_ca(&rcgen::PKCS_ECDSA_P256_SHA256, 2);
        ca.der = ca.params.self_signed(&ca_key).expect("sign").der().to_vec();
        ca.key = ca_key;
        let v = parse(&ca.der);
        assert_eq!(
            v.basic_constraints,
            Some(BasicConstraints {
                ca: true,
                path_len: Some(2)
            })
        );
        assert!(v.is_ca());
        assert!(v.self_signed);
        assert_eq!(v.subject, v.issuer);
        assert_eq!(v.subject.dn, "CN=CertAtlas Test Root,O=CertAtlas Test,C=DE");
        assert_eq!(v.key.algorithm, KeyAlgorithm::Rsa);
        assert_eq!(v.key.bits, 2048);
        assert_eq!(v.signature_algorithm.name, "sha256WithRSAEncryption");
        assert_eq!(v.signature_algorithm.oid, "1.2.840.113549.1.1.11");
        assert_eq!(v.key_usage, ["keyCertSign", "cRLSign"]);
        assert_eq!(v.serial, "1");
        let ski = hex_lower(&ca.params.key_identifier(&ca.key));
        assert_eq!(v.subject_key_id, Some(ski));
        assert_eq!(v.authority_key_id, None);
        assert_eq!(v.spki_sha256, sha256_hex(&ca.key.subject_public_key_info()));
    }

    #[test]
    fn self_signed_requires_equal_names_and_matching_key_ids() {
        let mut ca = testgen::root_ca(&rcgen::PKCS_ECDSA_P256_SHA256, 0);
        ca.params.use_authority_key_identifier_extension = true;
        let with_aki = ca.params.self_signed(&ca.key).expect("sign").der().to_vec();
        let v = parse(&with_aki);
        assert!(v.authority_key_id.is_some());
        assert_eq!(v.authority_key_id, v.subject_key_id);
        assert!(v.self_signed);

        // Same name as the issuer, but a different key: AKI != SKI.
        let other_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("kg");
        let twin = testgen::issue(&ca.params, &other_key, &ca);
        let v = parse(&twin);
        assert_eq!(v.subject.der_sha256, v.issuer.der_sha256);
        assert_ne!(v.authority_key_id, v.subject_key_id);
        assert!(!v.self_signed);
    }

    #[test]
    fn times_are_normalised_to_utc_without_overflowing() {
        use time::macros::datetime;
        let plus_one = datetime!(2025-01-01 01:00 +01:00);
        assert_eq!(utc(plus_one), datetime!(2025-01-01 00:00 UTC));
        assert_eq!(utc(plus_one).offset(), time::UtcOffset::UTC);
        let edge = datetime!(9999-12-31 23:30 -01:00);
        assert_eq!(utc(edge), edge);
    }

    #[test]
    fn serial_hex_strips_leading_zero_digits() {
        assert_eq!(serial_hex(&[]), "0");
        assert_eq!(serial_hex(&[0x00]), "0");
        assert_eq!(serial_hex(&[0x00, 0x0a]), "a");
        assert_eq!(serial_hex(&[0x01, 0x00]), "100");
        assert_eq!(serial_hex(&[0x00, 0x80, 0x01]), "8001");
    }

    #[test]
    fn empty_and_random_input_are_errors() {
        assert!(matches!(parse_certificate(&[]), Err(CertParseError::Empty)));
        let mut rng = testgen::TestRng(7);
        for i in 0..500 {
            let mut buf = vec![0u8; i % 300 + 1];
            rng.fill_bytes(&mut buf);
            if i % 2 == 0 {
                buf[0] = 0x30; // look like a SEQUENCE to get past the first byte
            }
            assert!(parse_certificate(&buf).is_err(), "random input {i} parsed");
        }
    }

    #[test]
    fn every_truncation_is_reported_as_truncated() {
        let (_, leaf) = testgen::root_and_leaf();
        for len in 1..leaf.der.len() {
            let err = parse_certificate(&leaf.der[..len]);
            assert_eq!(err, Err(CertParseError::Truncated), "prefix of {len} bytes");
        }
    }

    #[test]
    fn trailing_bytes_are_rejected_but_still_fingerprintable() {
        let (_, leaf) = testgen::root_and_leaf();
        let mut der = leaf.der.clone();
        der.extend_from_slice(&[0x05, 0x00, 0xff]);
        match parse_certificate(&der) {
            Err(e @ CertParseError::TrailingData(3)) => assert!(e.to_string().contains('3')),
            other => panic!("expected TrailingData(3), got {other:?}"),
        }
        assert_ne!(sha256_hex(&der), sha256_hex(&leaf.der));
        let inside = testgen::append_inside_outer(&leaf.der, &[0x05, 0x00]);
        assert!(matches!(
            parse_certificate(&inside),
            Err(CertParseError::NotDer(_))
        ));
    }

    #[test]
    fn version_field_is_validated() {
        let (_, leaf) = testgen::root_and_leaf();
        let pos = leaf
            .der
            .windows(5)
            .position(|w| w == [0xa0, 0x03, 0x02, 0x01, 0x02]);
        let pos = pos.expect("explicit v3 version field") + 4;
        let mut der: Vec<u8> = leaf.der.clone();
        der[pos] = 0x05;
        assert!(matches!(
            parse_certificate(&der),
            Err(CertParseError::UnsupportedVersion(5))
        ));
        der[pos] = 0x01;
        assert_eq!(parse(&der).version, 2);
    }

    #[test]
    fn mutated_certificates_never_panic() {
        let (ca, leaf): (Issued, Issued) = testgen::root_and_leaf();
        let mut rng = testgen::TestRng(42);
        for i in 0..3000 {
            let mut der = if i % 2 == 0 {
                leaf.der.clone()
            } else {
                ca.der.clone()
            };
            for _ in 0..(1 + rng.next_u32() % 4) {
                let at = rng.next_u32() as usize % der.len();
                der[at] = rng.next_u32() as u8;
            }
            if let Ok(v) = parse_certificate(&der) {
                assert!((1..=3).contains(&v.version));
                assert_eq!(v.sha256, sha256_hex(&der));
            }
        }
    }
}
