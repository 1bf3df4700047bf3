//! Legacy-crypto tricks that modern libraries refuse to do, with RSA keys `certs` holds
//! through the `rsa` crate ([`RsaKey`]): RSA keys under 2048 bits (certified by rcgen
//! through their public key only) and certificates signed with sha1WithRSAEncryption (signed
//! by rcgen with SHA-256, then the algorithm identifiers are patched and the TBSCertificate
//! is re-signed with SHA-1).

use rcgen::{PublicKeyData, SignatureAlgorithm, PKCS_RSA_SHA256};

use super::LabError;
use crate::certs::digest::DigestAlgorithm;
use crate::certs::rsa_key::{RsaKey, RsaPadding};

/// DER of OBJECT IDENTIFIER sha256WithRSAEncryption (1.2.840.113549.1.1.11).
const SHA256_WITH_RSA_OID_DER: [u8; 11] = [
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b,
];
/// Last content byte of sha1WithRSAEncryption (1.2.840.113549.1.1.5); the rest is shared.
const SHA1_WITH_RSA_LAST_ARC: u8 = 0x05;

/// An RSA key pair for key sizes aws-lc-rs will not use.
///
/// Implements rcgen's [`PublicKeyData`] so rcgen can put its public key in a certificate.
#[derive(Debug, Clone)]
pub(crate) struct LegacyRsaKey {
    key: RsaKey,
}

impl LegacyRsaKey {
    /// Generates a fresh key of `bits` bits (e.g. 1024).
    pub(crate) fn generate(bits: usize) -> Result<Self, LabError> {
        Ok(Self {
            key: RsaKey::generate(bits)?,
        })
    }

    /// Loads a PKCS#8 DER private key, e.g. one exported from rcgen with `serialize_der()`.
    pub(crate) fn from_pkcs8_der(pkcs8_der: &[u8]) -> Result<Self, LabError> {
        Ok(Self {
            key: RsaKey::from_pkcs8_der(pkcs8_der)?,
        })
    }

    /// The key pair, for signing.
    pub(crate) fn rsa_key(&self) -> &RsaKey {
        &self.key
    }
}

impl PublicKeyData for LegacyRsaKey {
    /// The PKCS#1 RSAPublicKey, which is what goes into the SPKI bit string.
    fn der_bytes(&self) -> &[u8] {
        self.key.pkcs1_public_der()
    }

    /// rsaEncryption with NULL parameters in the SPKI (the hash is irrelevant there).
    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &PKCS_RSA_SHA256
    }
}

/// Turns a certificate signed with sha256WithRSAEncryption into one signed with
/// sha1WithRSAEncryption by the same RSA `issuer_key`.
///
/// Both AlgorithmIdentifiers (inside the TBSCertificate and after it) are patched in place
/// (only the OID's last byte differs, so every DER length is unchanged), then the patched
/// TBSCertificate is re-signed with PKCS#1 v1.5 SHA-1 and the signature (same length, same
/// key) is written over the old one.
pub(crate) fn resign_with_sha1(
    sha256_signed_der: &[u8],
    issuer_key: &RsaKey,
) -> Result<Vec<u8>, LabError> {
    let mut certificate = sha256_signed_der.to_vec();
    let layout = CertificateLayout::parse(&certificate)?;
    patch_signature_oid(&mut certificate[layout.tbs.clone()])?;
    patch_signature_oid(&mut certificate[layout.signature_algorithm.clone()])?;
    let tbs = &certificate[layout.tbs.clone()];
    let signature = issuer_key.sign(RsaPadding::Pkcs1v15, DigestAlgorithm::Sha1, tbs)?;
    let old_signature = &mut certificate[layout.signature_value];
    if signature.len() != old_signature.len() {
        return Err(LabError::Generate(format!(
            "SHA-1 signature is {} bytes, the SHA-256 one was {}",
            signature.len(),
            old_signature.len()
        )));
    }
    old_signature.copy_from_slice(&signature);
    Ok(certificate)
}

/// Replaces the only sha256WithRSAEncryption OID in `region` with sha1WithRSAEncryption.
fn patch_signature_oid(region: &mut [u8]) -> Result<(), LabError> {
    let oid_len = SHA256_WITH_RSA_OID_DER.len();
    let positions: Vec<usize> = region
        .windows(oid_len)
        .enumerate()
        .filter(|(_, window)| *window == SHA256_WITH_RSA_OID_DER)
        .map(|(position, _)| position)
        .collect();
    match positions.as_slice() {
        [position] => {
            region[position + oid_len - 1] = SHA1_WITH_RSA_LAST_ARC;
            Ok(())
        }
        _ => Err(LabError::Generate(format!(
            "expected one sha256WithRSAEncryption OID, found {}",
            positions.len()
        ))),
    }
}

/// Byte ranges of the three parts of a DER `Certificate ::= SEQUENCE { tbsCertificate,
/// signatureAlgorithm, signatureValue BIT STRING }`.
struct CertificateLayout {
    /// The whole TBSCertificate element (header included): what gets signed.
    tbs: std::ops::Range<usize>,
    /// The whole outer signatureAlgorithm element.
    signature_algorithm: std::ops::Range<usize>,
    /// The signature bytes inside the BIT STRING (after the unused-bits byte).
    signature_value: std::ops::Range<usize>,
}

impl CertificateLayout {
    fn parse(der: &[u8]) -> Result<Self, LabError> {
        let outer = DerElement::read(der, 0, 0x30)?;
        if outer.end != der.len() {
            return Err(LabError::Generate(
                "trailing bytes after certificate".into(),
            ));
        }
        let tbs = DerElement::read(der, outer.content_start, 0x30)?;
        let algorithm = DerElement::read(der, tbs.end, 0x30)?;
        let bit_string = DerElement::read(der, algorithm.end, 0x03)?;
        if bit_string.end != outer.end || der.get(bit_string.content_start) != Some(&0) {
            return Err(LabError::Generate(
                "unexpected certificate signature layout".into(),
            ));
        }
        Ok(Self {
            tbs: tbs.start..tbs.end,
            signature_algorithm: algorithm.start..algorithm.end,
            signature_value: bit_string.content_start + 1..bit_string.end,
        })
    }
}

/// Position of one DER element (tag, length, content) inside a buffer.
struct DerElement {
    start: usize,
    content_start: usize,
    end: usize,
}

impl DerElement {
    /// Reads the element starting at `start`, which must carry `expected_tag`.
    fn read(der: &[u8], start: usize, expected_tag: u8) -> Result<Self, LabError> {
        let malformed = || LabError::Generate(format!("malformed DER at offset {start}"));
        if der.get(start) != Some(&expected_tag) {
            return Err(malformed());
        }
        let first_length_byte = *der.get(start + 1).ok_or_else(malformed)?;
        let (content_len, length_len) = if first_length_byte < 0x80 {
            (usize::from(first_length_byte), 1)
        } else {
            let count = usize::from(first_length_byte & 0x7f);
            let bytes = der
                .get(start + 2..start + 2 + count)
                .ok_or_else(malformed)?;
            if count == 0 || count > 4 {
                return Err(malformed());
            }
            let length = bytes
                .iter()
                .fold(0, |acc, byte| acc << 8 | usize::from(*byte));
            (length, 1 + count)
        };
        let content_start = start + 1 + length_len;
        let end = content_start + content_len;
        if end > der.len() {
            return Err(malformed());
        }
        Ok(Self {
            start,
            content_start,
            end,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_in_long_form_are_read() {
        let mut der = vec![0x30, 0x82, 0x01, 0x00];
        der.extend(std::iter::repeat_n(0u8, 256));
        let element = DerElement::read(&der, 0, 0x30).expect("valid header");
        assert_eq!((element.content_start, element.end), (4, 260));
        assert!(DerElement::read(&der[..100], 0, 0x30).is_err(), "truncated");
        assert!(DerElement::read(&der, 0, 0x31).is_err(), "wrong tag");
    }

    #[test]
    fn oid_patch_requires_exactly_one_occurrence() {
        let mut once = SHA256_WITH_RSA_OID_DER.to_vec();
        patch_signature_oid(&mut once).expect("one occurrence");
        assert_eq!(once.last(), Some(&SHA1_WITH_RSA_LAST_ARC));
        let mut twice = [SHA256_WITH_RSA_OID_DER, SHA256_WITH_RSA_OID_DER].concat();
        assert!(patch_signature_oid(&mut twice).is_err());
        assert!(patch_signature_oid(&mut once).is_err(), "already patched");
    }
}
