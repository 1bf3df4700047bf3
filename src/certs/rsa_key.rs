//! RSA keys held by the `rsa` crate: the one place that names it. Modern
//! libraries (aws-lc-rs, rcgen) refuse RSA keys under 2048 bits and
//! SHA-1 signatures; the lab needs both to serve legacy fixtures. A key is
//! generated or loaded from PKCS#8, gives its public key as SPKI and PKCS#1
//! DER and its modulus size, and signs with PKCS#1 v1.5 or PSS over a
//! [`DigestAlgorithm`].

use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, Pss, RsaPrivateKey};
use sha1::Sha1;
use sha2::{Sha224, Sha256, Sha384, Sha512};

use super::digest::{digest, DigestAlgorithm};

/// Why an RSA key could not be made, loaded, encoded or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RsaKeyError {
    /// Generating a fresh key failed.
    #[error("RSA key generation: {0}")]
    Generate(#[source] rsa::Error),
    /// The PKCS#8 DER is not an RSA private key.
    #[error("PKCS#8 RSA key import: {0}")]
    Pkcs8(#[source] rsa::pkcs8::Error),
    /// The public key could not be encoded as a PKCS#1 RSAPublicKey.
    #[error("RSA public key encoding: {0}")]
    Pkcs1Encoding(#[source] rsa::pkcs1::Error),
    /// The public key could not be encoded as a SubjectPublicKeyInfo.
    #[error("RSA SPKI encoding: {0}")]
    SpkiEncoding(#[source] rsa::pkcs8::spki::Error),
    /// Signing failed (e.g. the digest does not fit the modulus).
    #[error("RSA signing: {0}")]
    Sign(#[source] rsa::Error),
}

/// How an RSA signature pads the digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RsaPadding {
    /// PKCS#1 v1.5 (DigestInfo prefix), deterministic.
    Pkcs1v15,
    /// RSASSA-PSS with MGF1 of the same digest and a salt as long as the
    /// digest, randomised from the OS generator.
    Pss,
}

/// An RSA key pair of any size the `rsa` crate accepts, with its public key
/// encoded once.
#[derive(Debug, Clone)]
pub struct RsaKey {
    private_key: RsaPrivateKey,
    pkcs1_public_der: Vec<u8>,
    spki_der: Vec<u8>,
}

impl RsaKey {
    /// Generates a fresh key of `bits` bits (e.g. 1024) from the OS generator.
    pub fn generate(bits: usize) -> Result<Self, RsaKeyError> {
        let private_key =
            RsaPrivateKey::new(&mut rsa::rand_core::OsRng, bits).map_err(RsaKeyError::Generate)?;
        Self::from_private_key(private_key)
    }

    /// Loads a PKCS#8 DER private key (e.g. one rcgen exported).
    pub fn from_pkcs8_der(pkcs8_der: &[u8]) -> Result<Self, RsaKeyError> {
        let private_key = RsaPrivateKey::from_pkcs8_der(pkcs8_der).map_err(RsaKeyError::Pkcs8)?;
        Self::from_private_key(private_key)
    }

    fn from_private_key(private_key: RsaPrivateKey) -> Result<Self, RsaKeyError> {
        let public_key = private_key.to_public_key();
        let pkcs1_public_der = public_key
            .to_pkcs1_der()
            .map_err(RsaKeyError::Pkcs1Encoding)?
            .into_vec();
        let spki_der = public_key
            .to_public_key_der()
            .map_err(RsaKeyError::SpkiEncoding)?
            .into_vec();
        Ok(Self {
            private_key,
            pkcs1_public_der,
            spki_der,
        })
    }

    /// DER SubjectPublicKeyInfo of the public key (rsaEncryption, NULL
    /// parameters).
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// DER PKCS#1 RSAPublicKey: what the SPKI's bit string holds.
    pub fn pkcs1_public_der(&self) -> &[u8] {
        &self.pkcs1_public_der
    }

    /// The modulus size in bytes, which is also every signature's length.
    pub fn modulus_len(&self) -> usize {
        self.private_key.size()
    }

    /// Signs `message`: hashes it with `algorithm`, then pads the digest as
    /// `padding` says.
    pub fn sign(
        &self,
        padding: RsaPadding,
        algorithm: DigestAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, RsaKeyError> {
        let hashed = digest(algorithm, message);
        let key = &self.private_key;
        match padding {
            RsaPadding::Pkcs1v15 => key.sign(pkcs1v15(algorithm), &hashed),
            RsaPadding::Pss => {
                key.sign_with_rng(&mut rsa::rand_core::OsRng, pss(algorithm), &hashed)
            }
        }
        .map_err(RsaKeyError::Sign)
    }
}

/// The PKCS#1 v1.5 scheme with `algorithm`'s DigestInfo prefix.
fn pkcs1v15(algorithm: DigestAlgorithm) -> Pkcs1v15Sign {
    match algorithm {
        DigestAlgorithm::Sha1 => Pkcs1v15Sign::new::<Sha1>(),
        DigestAlgorithm::Sha224 => Pkcs1v15Sign::new::<Sha224>(),
        DigestAlgorithm::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
        DigestAlgorithm::Sha384 => Pkcs1v15Sign::new::<Sha384>(),
        DigestAlgorithm::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
    }
}

/// The PSS scheme with `algorithm` for the message digest and MGF1.
fn pss(algorithm: DigestAlgorithm) -> Pss {
    match algorithm {
        DigestAlgorithm::Sha1 => Pss::new::<Sha1>(),
        DigestAlgorithm::Sha224 => Pss::new::<Sha224>(),
        DigestAlgorithm::Sha256 => Pss::new::<Sha256>(),
        DigestAlgorithm::Sha384 => Pss::new::<Sha384>(),
        DigestAlgorithm::Sha512 => Pss::new::<Sha512>(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs1::DecodeRsaPublicKey;
    use rsa::pkcs8::DecodePublicKey;
    use rsa::RsaPublicKey;

    /// A deterministic 1024-bit key (the test generator, not the OS one).
    fn test_key() -> RsaKey {
        let private =
            RsaPrivateKey::new(&mut super::super::testgen::TestRng(7), 1024).expect("key");
        RsaKey::from_private_key(private).expect("encodes")
    }

    #[test]
    fn signatures_verify_with_the_digest_and_padding_they_name() {
        let key = test_key();
        let public = RsaPublicKey::from_public_key_der(key.spki_der()).expect("spki");
        for algorithm in [DigestAlgorithm::Sha1, DigestAlgorithm::Sha256] {
            let signed = key
                .sign(RsaPadding::Pkcs1v15, algorithm, b"tbs")
                .expect("sign");
            assert_eq!(signed.len(), key.modulus_len());
            let hashed = digest(algorithm, b"tbs");
            public
                .verify(pkcs1v15(algorithm), &hashed, &signed)
                .expect("PKCS#1 v1.5 verifies");
            let wrong = digest(algorithm, b"other");
            assert!(public.verify(pkcs1v15(algorithm), &wrong, &signed).is_err());
        }
        let signed = key
            .sign(RsaPadding::Pss, DigestAlgorithm::Sha384, b"tbs")
            .expect("pss");
        let hashed = digest(DigestAlgorithm::Sha384, b"tbs");
        public
            .verify(pss(DigestAlgorithm::Sha384), &hashed, &signed)
            .expect("PSS verifies");
        assert!(public
            .verify(pss(DigestAlgorithm::Sha256), &hashed, &signed)
            .is_err());
    }

    #[test]
    fn pss_with_sha512_does_not_fit_a_1024_bit_modulus() {
        let key = test_key();
        assert_eq!(key.modulus_len(), 128);
        let refused = key.sign(RsaPadding::Pss, DigestAlgorithm::Sha512, b"tbs");
        assert!(matches!(refused, Err(RsaKeyError::Sign(_))), "{refused:?}");
    }

    #[test]
    fn both_public_encodings_hold_the_same_key() {
        let key = test_key();
        let from_spki = RsaPublicKey::from_public_key_der(key.spki_der()).expect("spki");
        let from_pkcs1 = RsaPublicKey::from_pkcs1_der(key.pkcs1_public_der()).expect("pkcs1");
        assert_eq!(from_spki, from_pkcs1);
        assert_eq!(from_spki, key.private_key.to_public_key());
        assert!(
            key.spki_der().ends_with(key.pkcs1_public_der()),
            "the SPKI's bit string carries the PKCS#1 key"
        );
    }

    #[test]
    fn pkcs8_round_trip_and_garbage_is_refused() {
        use rsa::pkcs8::EncodePrivateKey;
        let key = test_key();
        let pkcs8 = key.private_key.to_pkcs8_der().expect("pkcs8");
        let loaded = RsaKey::from_pkcs8_der(pkcs8.as_bytes()).expect("loads");
        assert_eq!(loaded.spki_der(), key.spki_der());
        let garbage = RsaKey::from_pkcs8_der(b"not a key");
        assert!(matches!(garbage, Err(RsaKeyError::Pkcs8(_))), "{garbage:?}");
    }
}
