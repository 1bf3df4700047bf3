//! The channel binding's certificate hash follows RFC 5929: the
//! signature's digest, SHA-256 in place of MD5 and SHA-1, none without a
//! digest.

use rcgen::{CertificateParams, KeyPair, SignatureAlgorithm};
use sha2::{Digest, Sha256, Sha384};

use super::end_point_hash;

/// A self-signed certificate with a key (and so a signature) of `algorithm`.
fn certificate(algorithm: &'static SignatureAlgorithm) -> Vec<u8> {
    let key = KeyPair::generate_for(algorithm).expect("key");
    let params = CertificateParams::new(vec!["db.example".to_string()]).expect("params");
    params
        .self_signed(&key)
        .expect("certificate")
        .der()
        .to_vec()
}

#[test]
fn the_end_point_hash_uses_the_signature_digest() {
    let p256 = certificate(&rcgen::PKCS_ECDSA_P256_SHA256);
    assert_eq!(end_point_hash(&p256), Some(Sha256::digest(&p256).to_vec()));
    let p384 = certificate(&rcgen::PKCS_ECDSA_P384_SHA384);
    assert_eq!(end_point_hash(&p384), Some(Sha384::digest(&p384).to_vec()));
    let ed25519 = certificate(&rcgen::PKCS_ED25519);
    assert_eq!(
        end_point_hash(&ed25519),
        None,
        "Ed25519 has no digest: no binding"
    );
    assert_eq!(end_point_hash(b"not a certificate"), None);
}
