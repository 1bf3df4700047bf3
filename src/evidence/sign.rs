//! Ed25519 keys: the [`Signer`] (a private key read from a PKCS#8 PEM file
//! or generated), reading SPKI PEM public keys, and key fingerprints.
//!
//! This file is the only user of `ed25519-dalek`'s key encodings. Every key
//! problem becomes a sentence naming what was expected, so the CLI can say
//! which file is wrong and why.

use std::fmt;
use std::path::Path;

use ed25519_dalek::pkcs8::spki::der::pem::{self, LineEnding};
use ed25519_dalek::pkcs8::spki::der::zeroize::Zeroizing;
use ed25519_dalek::pkcs8::spki::SubjectPublicKeyInfoRef;
use ed25519_dalek::pkcs8::{EncodePublicKey, ObjectIdentifier, PrivateKeyInfo, SecretDocument};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};

use super::error::{key_error, EvidenceError};

/// The Ed25519 algorithm identifier (RFC 8410).
const ED25519_OID: ObjectIdentifier = ed25519_dalek::pkcs8::ALGORITHM_OID;
/// PEM label of an unencrypted PKCS#8 private key.
const PRIVATE_LABEL: &str = "PRIVATE KEY";
/// PEM label of an SPKI public key.
const PUBLIC_LABEL: &str = "PUBLIC KEY";
/// How to make a key this module accepts, quoted in error messages.
const GENPKEY_HINT: &str = "openssl genpkey -algorithm ed25519 -out key.pem";

/// An Ed25519 private key that signs evidence manifests.
pub struct Signer {
    key: SigningKey,
}

impl Signer {
    /// Reads an unencrypted Ed25519 private key in PKCS#8 PEM form, as
    /// written by `openssl genpkey -algorithm ed25519 -out key.pem`.
    ///
    /// The error names the file and says why it cannot be used: it cannot
    /// be read, is not PEM, holds a public or encrypted key, is not
    /// Ed25519, or is malformed.
    pub fn from_pkcs8_pem_file(path: &Path) -> Result<Signer, EvidenceError> {
        let bytes = Zeroizing::new(
            std::fs::read(path)
                .map_err(|e| key_error(path, format!("cannot read private key file: {e}")))?,
        );
        let key = parse_private_key_pem(&bytes)
            .map_err(|problem| key_error(path, problem.to_string()))?;
        Ok(Signer { key })
    }

    /// A new random key (for tests and benchmarks; real bundles are signed
    /// with a key the operator keeps).
    ///
    /// # Panics
    ///
    /// If the operating system's random number generator fails.
    pub fn generate() -> Signer {
        let mut seed = Zeroizing::new([0u8; 32]);
        crate::certs::random::fill_random(&mut seed[..])
            .expect("the system random number generator failed");
        Signer {
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// The public key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`), the form
    /// `openssl pkeyutl -verify -pubin` reads.
    pub fn public_key_pem(&self) -> String {
        public_key_pem(&self.key.verifying_key())
    }

    /// Lowercase hex SHA-256 of the raw 32-byte public key.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.key.verifying_key())
    }

    /// The raw 64-byte Ed25519 signature over `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl fmt::Debug for Signer {
    /// Shows the public key's fingerprint only, never the private key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("fingerprint", &self.fingerprint())
            .finish()
    }
}

/// SPKI PEM text of `key`, with `\n` line endings.
pub(crate) fn public_key_pem(key: &VerifyingKey) -> String {
    // Encoding a 32-byte key into a fixed SPKI structure cannot fail.
    key.to_public_key_pem(LineEnding::LF)
        .expect("an Ed25519 public key always encodes as SPKI PEM")
}

/// Lowercase hex SHA-256 of the raw 32-byte public key.
pub(crate) fn fingerprint(key: &VerifyingKey) -> String {
    crate::certs::sha256_hex(key.as_bytes())
}

/// Reads an Ed25519 public key in SPKI PEM form from `path`.
pub(crate) fn read_public_key_file(path: &Path) -> Result<VerifyingKey, EvidenceError> {
    let bytes = std::fs::read(path)
        .map_err(|e| key_error(path, format!("cannot read public key file: {e}")))?;
    parse_public_key_pem(&bytes).map_err(|problem| key_error(path, problem.to_string()))
}

/// Parses PKCS#8 PEM bytes into an Ed25519 signing key, or says why not.
fn parse_private_key_pem(bytes: &[u8]) -> Result<SigningKey, KeyProblem> {
    let document = pem_document(bytes, PRIVATE_LABEL)?;
    let info = PrivateKeyInfo::try_from(document.as_bytes())
        .map_err(|e| KeyProblem::NotPkcs8(e.to_string()))?;
    check_algorithm(info.algorithm.oid)?;
    SigningKey::try_from(info).map_err(|e| KeyProblem::MalformedPrivate(e.to_string()))
}

/// Parses SPKI PEM bytes into an Ed25519 public key, or says why not.
pub(crate) fn parse_public_key_pem(bytes: &[u8]) -> Result<VerifyingKey, KeyProblem> {
    let document = pem_document(bytes, PUBLIC_LABEL)?;
    let info = SubjectPublicKeyInfoRef::try_from(document.as_bytes())
        .map_err(|e| KeyProblem::NotSpki(e.to_string()))?;
    check_algorithm(info.algorithm.oid)?;
    VerifyingKey::try_from(info).map_err(|e| KeyProblem::MalformedPublic(e.to_string()))
}

/// Decodes one PEM block whose label must be `want`.
fn pem_document(bytes: &[u8], want: &'static str) -> Result<SecretDocument, KeyProblem> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(KeyProblem::Empty);
    }
    if !bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        return Err(KeyProblem::NotPem);
    }
    let label = pem::decode_label(bytes).map_err(|e| KeyProblem::MalformedPem(e.to_string()))?;
    if label != want {
        return Err(KeyProblem::Label {
            found: label.to_string(),
            want,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| KeyProblem::NotUtf8)?;
    let (_, document) =
        SecretDocument::from_pem(text).map_err(|e| KeyProblem::MalformedDocument(e.to_string()))?;
    Ok(document)
}

/// Why a key file's bytes are not the Ed25519 key expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyProblem {
    /// Nothing but white space.
    #[error("file is empty; expected an Ed25519 key from `{GENPKEY_HINT}`")]
    Empty,
    /// No `-----BEGIN` line.
    #[error(
        "not a PEM file (no \"-----BEGIN\" line); expected an Ed25519 key from `{GENPKEY_HINT}`"
    )]
    NotPem,
    /// The PEM framing is broken.
    #[error("malformed PEM: {0}")]
    MalformedPem(String),
    /// A PEM block of another kind.
    #[error("{}", label_problem(found, want))]
    Label {
        /// The block's label.
        found: String,
        /// The label expected.
        want: &'static str,
    },
    /// Bytes that are not text.
    #[error("PEM file is not UTF-8 text")]
    NotUtf8,
    /// The PEM body does not decode.
    #[error("malformed PEM or DER: {0}")]
    MalformedDocument(String),
    /// A `PRIVATE KEY` block that is not PKCS#8.
    #[error("not a PKCS#8 private key: {0}")]
    NotPkcs8(String),
    /// A `PUBLIC KEY` block that is not an SPKI.
    #[error("not a SubjectPublicKeyInfo public key: {0}")]
    NotSpki(String),
    /// A key of another algorithm (named when known).
    #[error("key algorithm is {name} (OID {oid}), not Ed25519; make a key with `{GENPKEY_HINT}`")]
    Algorithm {
        /// RSA, EC, X25519, X448, Ed448 or unknown.
        name: &'static str,
        /// The algorithm identifier.
        oid: String,
    },
    /// An Ed25519 private key whose bytes are wrong.
    #[error("malformed Ed25519 private key: {0}")]
    MalformedPrivate(String),
    /// An Ed25519 public key whose bytes are wrong.
    #[error("malformed Ed25519 public key: {0}")]
    MalformedPublic(String),
}

/// Why a PEM block labelled `found` is not the `want` kind of key.
fn label_problem(found: &str, want: &str) -> String {
    match (found, want) {
        ("ENCRYPTED PRIVATE KEY", _) => format!(
            "the private key is encrypted; certatlas needs an unencrypted PKCS#8 key \
             (`{GENPKEY_HINT}`)"
        ),
        (PUBLIC_LABEL, PRIVATE_LABEL) => {
            "this is a public key; signing needs the private key".to_owned()
        }
        (PRIVATE_LABEL, PUBLIC_LABEL) => "this is a private key; expected the public key \
             (`openssl pkey -in key.pem -pubout -out key.pub.pem`)"
            .to_owned(),
        _ => format!(
            "PEM block is \"{found}\", expected \"{want}\" (an Ed25519 key; \
             make one with `{GENPKEY_HINT}`)"
        ),
    }
}

/// Accepts only the Ed25519 algorithm identifier, naming common others.
fn check_algorithm(oid: ObjectIdentifier) -> Result<(), KeyProblem> {
    if oid == ED25519_OID {
        return Ok(());
    }
    let name = match oid.to_string().as_str() {
        "1.2.840.113549.1.1.1" => "RSA",
        "1.2.840.10045.2.1" => "EC",
        "1.3.101.110" => "X25519",
        "1.3.101.111" => "X448",
        "1.3.101.113" => "Ed448",
        _ => "unknown",
    };
    Err(KeyProblem::Algorithm {
        name,
        oid: oid.to_string(),
    })
}
