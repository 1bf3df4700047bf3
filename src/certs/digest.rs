//! Message digests by algorithm, and RSA signatures over them: the one place
//! that names the `sha1` and `sha2` crates. Other stages say which digest
//! they want ([`DigestAlgorithm`]) and get bytes back: the PostgreSQL
//! channel binding hashes the server certificate, the lab signs TLS
//! handshakes and SHA-1 fixtures with RSA keys the `rsa` crate holds.

use rsa::{Pkcs1v15Sign, Pss, RsaPrivateKey};
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

/// A message digest (hash) algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// SHA-1 (20 bytes); broken for signatures, still found in old chains.
    Sha1,
    /// SHA-224 (28 bytes).
    Sha224,
    /// SHA-256 (32 bytes).
    Sha256,
    /// SHA-384 (48 bytes).
    Sha384,
    /// SHA-512 (64 bytes).
    Sha512,
}

impl DigestAlgorithm {
    /// The length of a digest in bytes.
    pub fn output_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha1 => 20,
            DigestAlgorithm::Sha224 => 28,
            DigestAlgorithm::Sha256 => 32,
            DigestAlgorithm::Sha384 => 48,
            DigestAlgorithm::Sha512 => 64,
        }
    }
}

/// The digest of `data` with `algorithm`.
pub fn digest(algorithm: DigestAlgorithm, data: &[u8]) -> Vec<u8> {
    match algorithm {
        DigestAlgorithm::Sha1 => Sha1::digest(data).to_vec(),
        DigestAlgorithm::Sha224 => Sha224::digest(data).to_vec(),
        DigestAlgorithm::Sha256 => Sha256::digest(data).to_vec(),
        DigestAlgorithm::Sha384 => Sha384::digest(data).to_vec(),
        DigestAlgorithm::Sha512 => Sha512::digest(data).to_vec(),
    }
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

/// Signs `message` with `key`: hashes it with `algorithm`, then pads the
/// digest as `padding` says.
pub fn rsa_sign(
    key: &RsaPrivateKey,
    padding: RsaPadding,
    algorithm: DigestAlgorithm,
    message: &[u8],
) -> Result<Vec<u8>, rsa::Error> {
    let hashed = digest(algorithm, message);
    match padding {
        RsaPadding::Pkcs1v15 => key.sign(pkcs1v15(algorithm), &hashed),
        RsaPadding::Pss => key.sign_with_rng(&mut rsa::rand_core::OsRng, pss(algorithm), &hashed),
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

    const ALL: [DigestAlgorithm; 5] = [
        DigestAlgorithm::Sha1,
        DigestAlgorithm::Sha224,
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
    ];

    #[test]
    fn digests_match_the_published_test_vectors() {
        // FIPS 180 examples for "abc".
        let hex = |bytes: Vec<u8>| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        assert_eq!(
            hex(digest(DigestAlgorithm::Sha1, b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(digest(DigestAlgorithm::Sha256, b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        for algorithm in ALL {
            assert_eq!(digest(algorithm, b"abc").len(), algorithm.output_len());
        }
    }

    #[test]
    fn rsa_signatures_verify_with_the_digest_they_name() {
        let key = RsaPrivateKey::new(&mut super::super::testgen::TestRng(7), 1024).expect("key");
        let public = key.to_public_key();
        for algorithm in [DigestAlgorithm::Sha1, DigestAlgorithm::Sha256] {
            let signed = rsa_sign(&key, RsaPadding::Pkcs1v15, algorithm, b"tbs").expect("sign");
            let hashed = digest(algorithm, b"tbs");
            public
                .verify(pkcs1v15(algorithm), &hashed, &signed)
                .expect("PKCS#1 v1.5 verifies");
            let wrong = digest(algorithm, b"other");
            assert!(public.verify(pkcs1v15(algorithm), &wrong, &signed).is_err());
        }
        let signed = rsa_sign(&key, RsaPadding::Pss, DigestAlgorithm::Sha384, b"tbs").expect("pss");
        let hashed = digest(DigestAlgorithm::Sha384, b"tbs");
        public
            .verify(pss(DigestAlgorithm::Sha384), &hashed, &signed)
            .expect("PSS verifies");
        assert!(public
            .verify(pss(DigestAlgorithm::Sha256), &hashed, &signed)
            .is_err());
    }
}
