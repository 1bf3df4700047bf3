//! A PKCS#12 bundle (`openssl pkcs12 -export`, a `.pfx`, or a Java PKCS12
//! keystore written by `keytool`): its key entries' certificate chains
//! and its lone certificates, by alias. The only user of the
//! `p12-keystore` crate. Without a password the empty one is tried (some
//! bundles are made with `-passout pass:`); a bundle it does not open is
//! "needs a password". With one, a MAC that does not verify (or content
//! that does not decrypt) is a wrong password.

use p12_keystore::error::Error as P12Error;
use p12_keystore::{KeyStore, KeyStoreEntry, Pkcs12ImportPolicy};

use super::jks::Entry;
use super::FileProblem;
use crate::at_rest::AtRestFormat;

/// Reads a PKCS#12 bundle with `password` (or the empty one): the key
/// entries with their chains as the library links them, then every other
/// certificate of the bundle on its own (a certificate-only bundle, extra
/// CAs no key chains to), under its friendly name or subject.
pub fn read(bytes: &[u8], password: Option<&str>) -> Result<Vec<Entry>, FileProblem> {
    let open = |policy| {
        KeyStore::from_pkcs12(bytes, password.unwrap_or(""), policy)
            .map_err(|e| problem(e, password.is_some()))
    };
    let mut entries = entries_of(&open(Pkcs12ImportPolicy::Relaxed)?);
    let mut seen: std::collections::BTreeSet<Vec<u8>> = entries
        .iter()
        .flat_map(|(_, c)| c.iter().cloned())
        .collect();
    for (alias, certificates) in entries_of(&open(Pkcs12ImportPolicy::Raw)?) {
        let unseen: Vec<Vec<u8>> = certificates
            .into_iter()
            .filter(|c| seen.insert(c.clone()))
            .collect();
        if !unseen.is_empty() {
            entries.push((alias, unseen));
        }
    }
    Ok(entries)
}

/// The entries of `store` that hold certificates.
fn entries_of(store: &KeyStore) -> Vec<Entry> {
    let mut entries = Vec::new();
    for (alias, entry) in store.entries() {
        let certificates: Vec<Vec<u8>> = match entry {
            KeyStoreEntry::PrivateKeyChain(chain) => {
                chain.certs().iter().map(|c| c.as_der().to_vec()).collect()
            }
            KeyStoreEntry::Certificate(certificate) => vec![certificate.as_der().to_vec()],
            KeyStoreEntry::Secret(_) => Vec::new(),
        };
        if !certificates.is_empty() {
            entries.push((alias.clone(), certificates));
        }
    }
    entries
}

/// What a library error means for the user.
fn problem(error: P12Error, password_given: bool) -> FileProblem {
    let locked = match password_given {
        true => FileProblem::WrongPassword,
        false => FileProblem::NeedsPassword,
    };
    match error {
        P12Error::MacError(_) | P12Error::UnpadError | P12Error::Pkcs5Error(_) => locked,
        P12Error::UnsupportedEncryptionScheme | P12Error::UnsupportedMacAlgorithm => {
            FileProblem::Unsupported(
                "a PKCS#12 encryption or MAC scheme p12-keystore does not read (MD5-based, RC2)",
            )
        }
        other => FileProblem::Malformed {
            format: AtRestFormat::Pkcs12,
            detail: other.to_string(),
        },
    }
}
