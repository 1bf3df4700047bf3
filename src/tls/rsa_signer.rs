//! A rustls [`SigningKey`] backed by a [`RsaKey`] (the `rsa` crate, through `certs`), so a lab server can present an RSA key
//! that aws-lc-rs refuses to sign with (RSA-1024). Supports RSA-PSS (required by TLS 1.3)
//! and PKCS#1 v1.5 with SHA-256/384/512.

use std::sync::Arc;

use rustls::pki_types::SubjectPublicKeyInfoDer;
use rustls::sign::{Signer, SigningKey};
use rustls::{SignatureAlgorithm, SignatureScheme};

use crate::certs::digest::DigestAlgorithm;
use crate::certs::rsa_key::{RsaKey, RsaPadding};

/// Schemes in order of preference: PSS first (TLS 1.3 allows nothing else for RSA).
const PREFERRED_SCHEMES: [SignatureScheme; 6] = [
    SignatureScheme::RSA_PSS_SHA256,
    SignatureScheme::RSA_PSS_SHA384,
    SignatureScheme::RSA_PSS_SHA512,
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA512,
];

/// A TLS signing key for any RSA key size the `rsa` crate accepts.
#[derive(Debug)]
pub(crate) struct RsaCrateSigningKey {
    key: Arc<RsaKey>,
}

impl RsaCrateSigningKey {
    /// Wraps a copy of `key` for use by a rustls server.
    pub(crate) fn new(key: &RsaKey) -> Self {
        Self {
            key: Arc::new(key.clone()),
        }
    }

    /// Whether `scheme` is usable with this key: PSS with salt = hash length needs a
    /// modulus of at least 2 * hash + 2 bytes, so RSA-1024 cannot do PSS-SHA-512.
    fn can_sign_with(&self, scheme: SignatureScheme) -> bool {
        match pss_hash_len(scheme) {
            Some(hash_len) => self.key.modulus_len() >= 2 * hash_len + 2,
            None => PREFERRED_SCHEMES.contains(&scheme),
        }
    }
}

impl SigningKey for RsaCrateSigningKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        let scheme = PREFERRED_SCHEMES
            .into_iter()
            .find(|scheme| offered.contains(scheme) && self.can_sign_with(*scheme))?;
        Some(Box::new(RsaCrateSigner {
            key: Arc::clone(&self.key),
            scheme,
        }))
    }

    fn public_key(&self) -> Option<SubjectPublicKeyInfoDer<'_>> {
        Some(SubjectPublicKeyInfoDer::from(self.key.spki_der()))
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::RSA
    }
}

/// One signing operation's key and chosen scheme.
#[derive(Debug)]
struct RsaCrateSigner {
    key: Arc<RsaKey>,
    scheme: SignatureScheme,
}

impl Signer for RsaCrateSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        let (padding, digest) = match self.scheme {
            SignatureScheme::RSA_PSS_SHA256 => (RsaPadding::Pss, DigestAlgorithm::Sha256),
            SignatureScheme::RSA_PSS_SHA384 => (RsaPadding::Pss, DigestAlgorithm::Sha384),
            SignatureScheme::RSA_PSS_SHA512 => (RsaPadding::Pss, DigestAlgorithm::Sha512),
            SignatureScheme::RSA_PKCS1_SHA256 => (RsaPadding::Pkcs1v15, DigestAlgorithm::Sha256),
            SignatureScheme::RSA_PKCS1_SHA384 => (RsaPadding::Pkcs1v15, DigestAlgorithm::Sha384),
            SignatureScheme::RSA_PKCS1_SHA512 => (RsaPadding::Pkcs1v15, DigestAlgorithm::Sha512),
            other => return Err(rustls::Error::General(format!("unsupported {other:?}"))),
        };
        self.key
            .sign(padding, digest, message)
            .map_err(|error| rustls::Error::General(format!("RSA signing failed: {error}")))
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

/// Hash output length of a PSS scheme, `None` for anything else.
fn pss_hash_len(scheme: SignatureScheme) -> Option<usize> {
    match scheme {
        SignatureScheme::RSA_PSS_SHA256 => Some(32),
        SignatureScheme::RSA_PSS_SHA384 => Some(48),
        SignatureScheme::RSA_PSS_SHA512 => Some(64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::legacy_sign::LegacyRsaKey;
    use crate::demo::test_probe::verify_rsa_signature;
    use rsa::pkcs8::DecodePublicKey;

    #[test]
    fn rsa_1024_signs_every_scheme_that_fits() {
        let key = LegacyRsaKey::generate(1024).expect("key");
        let signing_key = RsaCrateSigningKey::new(key.rsa_key());
        let message = b"certatlas lab handshake transcript";
        for scheme in PREFERRED_SCHEMES {
            let signer = signing_key.choose_scheme(&[scheme]);
            if scheme == SignatureScheme::RSA_PSS_SHA512 {
                assert!(
                    signer.is_none(),
                    "PSS-SHA512 does not fit a 1024-bit modulus"
                );
                continue;
            }
            let signer = signer.unwrap_or_else(|| panic!("{scheme:?} refused"));
            assert_eq!(signer.scheme(), scheme);
            let signature = signer.sign(message).expect("sign");
            assert_eq!(signature.len(), 128);
            let public_key =
                rsa::RsaPublicKey::from_public_key_der(key.rsa_key().spki_der()).expect("spki");
            verify_rsa_signature(&public_key, scheme, message, &signature)
                .expect("valid signature");
        }
    }

    #[test]
    fn prefers_pss_and_refuses_non_rsa_schemes() {
        let key = LegacyRsaKey::generate(1024).expect("key");
        let signing_key = RsaCrateSigningKey::new(key.rsa_key());
        let offered = [
            SignatureScheme::ECDSA_NISTP256_SHA256,
            SignatureScheme::RSA_PKCS1_SHA256,
            SignatureScheme::RSA_PSS_SHA384,
        ];
        let signer = signing_key.choose_scheme(&offered).expect("a scheme");
        assert_eq!(signer.scheme(), SignatureScheme::RSA_PSS_SHA384);
        assert!(signing_key
            .choose_scheme(&[SignatureScheme::ED25519])
            .is_none());
        assert_eq!(
            signing_key.public_key().expect("spki").as_ref(),
            key.rsa_key().spki_der()
        );
    }
}
