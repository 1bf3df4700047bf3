//! Issuer links: does a certificate's signature verify under another
//! certificate's public key (or under a bare SubjectPublicKeyInfo, the way
//! trust anchors are stored)?
//!
//! x509-parser splits the certificate; `aws-lc-rs` checks the signature,
//! including the legacy algorithms x509-parser's own `verify_signature`
//! refuses (RSA keys of 1024–2047 bits, SHA-1). Supported: RSA PKCS#1 v1.5
//! with SHA-1/256/512 (1024–8192-bit keys) and SHA-384 (2048–8192 bits: the
//! provider has no 1024-bit SHA-384 variant), RSASSA-PSS with SHA-256/384/512,
//! ECDSA on P-256, P-384 and P-521 (SHA-1 where the provider offers it,
//! SHA-256/384/512), and Ed25519. Anything else (MD5, DSA, Ed448, ...) is
//! [`SignatureCheck::Unsupported`]. Never panics on malformed input.

use aws_lc_rs::signature::{self as sig, UnparsedPublicKey, VerificationAlgorithm};
use x509_parser::asn1_rs::{Any, FromDer};
use x509_parser::certificate::X509Certificate;
use x509_parser::signature_algorithm::RsaSsaPssParams;
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo};

const OID_EC_P256: &str = "1.2.840.10045.3.1.7";
const OID_EC_P384: &str = "1.3.132.0.34";
const OID_EC_P521: &str = "1.3.132.0.35";

/// Outcome of checking one certificate's signature against a public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureCheck {
    /// The names match (where checked) and the signature verifies.
    Valid,
    /// Unparseable input, a name mismatch, a key the algorithm cannot use,
    /// or a signature that does not verify.
    Invalid,
    /// The signature algorithm (or its combination with the key's curve) is
    /// one this module cannot verify; nothing is known either way.
    Unsupported,
}

/// True iff `child_der`'s issuer name equals `issuer_der`'s subject (raw DER)
/// and `child_der`'s signature verifies with `issuer_der`'s public key.
/// A self-signed certificate is signed by itself.
pub fn is_signed_by(child_der: &[u8], issuer_der: &[u8]) -> bool {
    signature_check(child_der, issuer_der) == SignatureCheck::Valid
}

/// [`is_signed_by`] with the reason when it is not: lets callers tell an
/// unverifiable algorithm apart from a bad signature.
pub fn signature_check(child_der: &[u8], issuer_der: &[u8]) -> SignatureCheck {
    let (Ok((_, child)), Ok((_, issuer))) = (
        X509Certificate::from_der(child_der),
        X509Certificate::from_der(issuer_der),
    ) else {
        return SignatureCheck::Invalid;
    };
    if child.issuer().as_raw() != issuer.subject().as_raw() {
        return SignatureCheck::Invalid;
    }
    verify_certificate(&child, issuer.public_key())
}

/// True iff `child_der`'s signature verifies with the key in `issuer_spki_der`.
/// Names are NOT compared (a bare key has none): match the issuer name first.
///
/// `issuer_spki_der` may be a complete SubjectPublicKeyInfo or only its
/// SEQUENCE *contents*, which is how `webpki-roots` stores
/// `TrustAnchor::subject_public_key_info`.
pub fn is_signed_by_spki(child_der: &[u8], issuer_spki_der: &[u8]) -> bool {
    let Ok((_, child)) = X509Certificate::from_der(child_der) else {
        return false;
    };
    let wrapped;
    let spki_der = if is_complete_spki(issuer_spki_der) {
        issuer_spki_der
    } else {
        wrapped = sequence_der(issuer_spki_der);
        &wrapped
    };
    match SubjectPublicKeyInfo::from_der(spki_der) {
        Ok(([], spki)) => verify_certificate(&child, &spki) == SignatureCheck::Valid,
        _ => false,
    }
}

/// Wraps SEQUENCE contents (e.g. a `webpki-roots` trust anchor's subject or
/// SPKI) in a DER SEQUENCE header, giving the encoding certificates carry.
pub fn sequence_der(contents: &[u8]) -> Vec<u8> {
    der_tlv(0x30, contents)
}

/// One DER TLV with a definite, minimal length.
pub(crate) fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut der = Vec::with_capacity(len + 6);
    der.push(tag);
    if len < 0x80 {
        der.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        der.push(0x80 | bytes.len() as u8);
        der.extend(bytes);
    }
    der.extend_from_slice(content);
    der
}

/// The complete SubjectPublicKeyInfo DER of a certificate (what
/// [`is_signed_by_spki`] takes); `None` when `cert_der` does not parse.
pub fn spki_der_of(cert_der: &[u8]) -> Option<Vec<u8>> {
    let (_, cert) = X509Certificate::from_der(cert_der).ok()?;
    Some(cert.public_key().raw.to_vec())
}

/// True when `der` is exactly one well-formed SubjectPublicKeyInfo.
fn is_complete_spki(der: &[u8]) -> bool {
    matches!(SubjectPublicKeyInfo::from_der(der), Ok(([], _)))
}

/// Verifies the certificate's signature over its TBS bytes with `key`.
fn verify_certificate(
    cert: &X509Certificate<'_>,
    key: &SubjectPublicKeyInfo<'_>,
) -> SignatureCheck {
    let tbs: &[u8] = cert.tbs_certificate.as_ref();
    verify_signed(
        tbs,
        &cert.signature_algorithm,
        &cert.signature_value.data,
        key,
    )
}

/// Verifies `signature` (made with `algorithm`) over `signed` bytes with
/// `key`: the check of any signed X.509 structure (a certificate, a CRL,
/// an OCSP response), with the same algorithms as [`signature_check`].
pub(crate) fn verify_signed(
    signed: &[u8],
    algorithm: &AlgorithmIdentifier<'_>,
    signature: &[u8],
    key: &SubjectPublicKeyInfo<'_>,
) -> SignatureCheck {
    let Some(verifier) = verification_algorithm(algorithm, &key.algorithm) else {
        return SignatureCheck::Unsupported;
    };
    let public_key = UnparsedPublicKey::new(verifier, &key.subject_public_key.data);
    match public_key.verify(signed, signature) {
        Ok(()) => SignatureCheck::Valid,
        Err(_) => SignatureCheck::Invalid,
    }
}

/// Hash functions that appear in certificate signature algorithms.
#[derive(Clone, Copy)]
enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

/// The provider algorithm for a certificate's signatureAlgorithm and the
/// signer's key algorithm (which decides the ECDSA curve).
fn verification_algorithm(
    signature: &AlgorithmIdentifier<'_>,
    key: &AlgorithmIdentifier<'_>,
) -> Option<&'static dyn VerificationAlgorithm> {
    let oid = signature.algorithm.to_id_string();
    match oid.as_str() {
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => rsa_pkcs1(Hash::Sha1),
        "1.2.840.113549.1.1.11" => rsa_pkcs1(Hash::Sha256),
        "1.2.840.113549.1.1.12" => rsa_pkcs1(Hash::Sha384),
        "1.2.840.113549.1.1.13" => rsa_pkcs1(Hash::Sha512),
        "1.2.840.113549.1.1.10" => rsa_pss(signature.parameters.as_ref()?),
        "1.2.840.10045.4.1" => ecdsa(key, Hash::Sha1),
        "1.2.840.10045.4.3.2" => ecdsa(key, Hash::Sha256),
        "1.2.840.10045.4.3.3" => ecdsa(key, Hash::Sha384),
        "1.2.840.10045.4.3.4" => ecdsa(key, Hash::Sha512),
        "1.3.101.112" => Some(&sig::ED25519),
        _ => None,
    }
}

/// RSA PKCS#1 v1.5, accepting 1024-bit keys wherever the provider allows.
fn rsa_pkcs1(hash: Hash) -> Option<&'static dyn VerificationAlgorithm> {
    Some(match hash {
        Hash::Sha1 => &sig::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
        Hash::Sha256 => &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        Hash::Sha384 => &sig::RSA_PKCS1_2048_8192_SHA384,
        Hash::Sha512 => &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
    })
}

/// RSASSA-PSS by the hash named in its parameters (default SHA-1: unsupported).
fn rsa_pss(params: &Any<'_>) -> Option<&'static dyn VerificationAlgorithm> {
    let params = RsaSsaPssParams::try_from(params).ok()?;
    match params.hash_algorithm_oid().to_id_string().as_str() {
        "2.16.840.1.101.3.4.2.1" => Some(&sig::RSA_PSS_2048_8192_SHA256),
        "2.16.840.1.101.3.4.2.2" => Some(&sig::RSA_PSS_2048_8192_SHA384),
        "2.16.840.1.101.3.4.2.3" => Some(&sig::RSA_PSS_2048_8192_SHA512),
        _ => None,
    }
}

/// ECDSA (ASN.1 signature encoding) for the signer's named curve.
fn ecdsa(key: &AlgorithmIdentifier<'_>, hash: Hash) -> Option<&'static dyn VerificationAlgorithm> {
    let curve = key.parameters.as_ref()?.as_oid().ok()?.to_id_string();
    let algorithm: &'static dyn VerificationAlgorithm = match (curve.as_str(), hash) {
        (OID_EC_P256, Hash::Sha1) => &sig::ECDSA_P256_SHA1_ASN1,
        (OID_EC_P256, Hash::Sha256) => &sig::ECDSA_P256_SHA256_ASN1,
        (OID_EC_P256, Hash::Sha384) => &sig::ECDSA_P256_SHA384_ASN1,
        (OID_EC_P256, Hash::Sha512) => &sig::ECDSA_P256_SHA512_ASN1,
        (OID_EC_P384, Hash::Sha256) => &sig::ECDSA_P384_SHA256_ASN1,
        (OID_EC_P384, Hash::Sha384) => &sig::ECDSA_P384_SHA384_ASN1,
        (OID_EC_P384, Hash::Sha512) => &sig::ECDSA_P384_SHA512_ASN1,
        (OID_EC_P521, Hash::Sha1) => &sig::ECDSA_P521_SHA1_ASN1,
        (OID_EC_P521, Hash::Sha256) => &sig::ECDSA_P521_SHA256_ASN1,
        (OID_EC_P521, Hash::Sha384) => &sig::ECDSA_P521_SHA384_ASN1,
        (OID_EC_P521, Hash::Sha512) => &sig::ECDSA_P521_SHA512_ASN1,
        _ => return None,
    };
    Some(algorithm)
}

#[cfg(test)]
mod tests;
