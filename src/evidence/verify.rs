//! Checking a bundle against its manifest: [`verify()`] and its result,
//! [`Verification`], a list of [`Problem`]s each naming the file it is about.
//!
//! Problems are data, not errors: a tampered bundle is a normal outcome of
//! verification. [`EvidenceError`] is kept for bundles that cannot be
//! checked at all (directory unreadable, `manifest.json` missing or not a
//! manifest, an expected key file that cannot be used).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use ed25519_dalek::{Signature, VerifyingKey};

use super::error::{io_error, manifest_error, EvidenceError};
use super::manifest::{parse_manifest, Manifest, ManifestFile};
use super::sign::{fingerprint, parse_public_key_pem, read_public_key_file, KeyProblem};
use super::walk::{hash_file, walk, Entry, EntryKind};
use super::{BUNDLE_FILES, MANIFEST_FILE, PUBLIC_KEY_FILE, SIGNATURE_FILE};
use crate::sanitize::terminal;

/// The outcome of checking a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The manifest as read from `manifest.json`.
    pub manifest: Manifest,
    /// How many listed files were found and hashed.
    pub files_checked: usize,
    /// Everything that does not match, signature problems first, then
    /// listed files in manifest order, then files found on disk.
    pub problems: Vec<Problem>,
    /// Fingerprint (SHA-256 hex of the raw public key) of the key whose
    /// signature over `manifest.json` checked out; `None` when the bundle
    /// is unsigned or the signature is invalid.
    pub signed_by: Option<String>,
}

impl Verification {
    /// True when no problem was found.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// One way in which a bundle differs from its manifest or signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A listed file's contents changed.
    Modified {
        /// The file, relative to the bundle.
        path: String,
        /// SHA-256 hex recorded in the manifest.
        expected: String,
        /// SHA-256 hex of the file now.
        actual: String,
    },
    /// A listed file is not in the bundle.
    Missing {
        /// The file, relative to the bundle.
        path: String,
    },
    /// A file in the bundle is not listed in the manifest.
    Unlisted {
        /// The file, relative to the bundle (lossy if not UTF-8).
        path: String,
    },
    /// The bundle holds a symbolic link or special file (never written by
    /// certatlas, never followed).
    NotRegularFile {
        /// The entry, relative to the bundle.
        path: String,
    },
    /// A manifest path that is absolute, contains `..`, `.`, an empty
    /// component or a backslash, or names the bundle's own files. Not
    /// checked.
    UnsafePath {
        /// The path as written in the manifest.
        path: String,
    },
    /// `manifest.sig` does not verify, is malformed, or there is no usable
    /// key to check it with.
    SignatureInvalid {
        /// Why.
        reason: String,
    },
    /// An expected key was given but the bundle has no `manifest.sig`.
    SignatureMissing,
    /// The expected key differs from the bundle's `manifest.pub.pem`.
    KeyMismatch {
        /// Fingerprint of the expected key.
        expected: String,
        /// Fingerprint of `manifest.pub.pem`, `None` when it is unusable.
        found: Option<String>,
    },
}

impl Problem {
    /// The bundle file the problem is about: the listed or found file, or
    /// `manifest.sig` / `manifest.pub.pem` for signature problems.
    pub fn path(&self) -> &str {
        match self {
            Problem::Modified { path, .. }
            | Problem::Missing { path }
            | Problem::Unlisted { path }
            | Problem::NotRegularFile { path }
            | Problem::UnsafePath { path } => path,
            Problem::SignatureInvalid { .. } | Problem::SignatureMissing => SIGNATURE_FILE,
            Problem::KeyMismatch { .. } => PUBLIC_KEY_FILE,
        }
    }

    /// What is wrong, without the file name.
    fn description(&self) -> String {
        match self {
            Problem::Modified {
                expected, actual, ..
            } => format!(
                "modified (sha256 expected {}, found {})",
                short(expected),
                short(actual)
            ),
            Problem::Missing { .. } => format!("missing (listed in {MANIFEST_FILE})"),
            Problem::Unlisted { .. } => format!("unlisted (not in {MANIFEST_FILE})"),
            Problem::NotRegularFile { .. } => {
                "not a regular file (symbolic link or special file)".to_owned()
            }
            Problem::UnsafePath { .. } => format!(
                "path outside the bundle in {MANIFEST_FILE} (absolute, '..', backslash or reserved name); \
                 not checked"
            ),
            Problem::SignatureInvalid { reason } => {
                format!("signature invalid ({})", terminal(reason))
            }
            Problem::SignatureMissing => "missing, but a signing key was expected".to_owned(),
            Problem::KeyMismatch { expected, found } => format!(
                "key mismatch (expected key {}, found {})",
                short(expected),
                found.as_deref().map_or("an unusable key".to_owned(), short)
            ),
        }
    }
}

/// `path: what is wrong`, with control characters and bidirectional
/// marks in the path escaped (a hostile manifest cannot reach the terminal).
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", terminal(self.path()), self.description())
    }
}

/// The first 12 characters of a hex digest, with `…` when cut.
fn short(hex: &str) -> String {
    let mut out: String = terminal(hex).chars().take(12).collect();
    if hex.chars().count() > 12 {
        out.push('…');
    }
    out
}

/// Checks the bundle in `dir` against its `manifest.json` and, when
/// present, `manifest.sig`.
///
/// With `expected_key` (an SPKI PEM Ed25519 public key file), the signature
/// must exist and verify under that key, and `manifest.pub.pem` must hold
/// the same key. Without it, a present signature is checked against the
/// bundle's own `manifest.pub.pem`, which proves integrity since signing
/// but not who signed: compare [`Verification::signed_by`] with a known
/// fingerprint.
pub fn verify(dir: &Path, expected_key: Option<&Path>) -> Result<Verification, EvidenceError> {
    let expected = expected_key.map(read_public_key_file).transpose()?;
    let metadata = fs::metadata(dir).map_err(io_error(dir, "open bundle directory"))?;
    if !metadata.is_dir() {
        let source = std::io::Error::new(ErrorKind::NotADirectory, "not a directory");
        return Err(io_error(dir, "open bundle directory")(source));
    }
    let manifest_path = dir.join(MANIFEST_FILE);
    let bytes = read_optional(&manifest_path)?.ok_or_else(|| {
        manifest_error(&manifest_path, "missing: not a certatlas evidence bundle")
    })?;
    let manifest = parse_manifest(&manifest_path, &bytes)?;
    let mut verification = Verification {
        manifest,
        files_checked: 0,
        problems: Vec::new(),
        signed_by: None,
    };
    check_signature(dir, &bytes, expected.as_ref(), &mut verification)?;
    check_files(dir, &mut verification)?;
    Ok(verification)
}

/// The contents of `path`, or `None` when it does not exist.
fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, EvidenceError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path, "read")(e)),
    }
}

/// Checks `manifest.sig` and `manifest.pub.pem` against `manifest_bytes`
/// and the expected key, recording problems and the signer.
fn check_signature(
    dir: &Path,
    manifest_bytes: &[u8],
    expected: Option<&VerifyingKey>,
    v: &mut Verification,
) -> Result<(), EvidenceError> {
    let signature = read_optional(&dir.join(SIGNATURE_FILE))?;
    let bundle_key = read_optional(&dir.join(PUBLIC_KEY_FILE))?.map(|b| parse_public_key_pem(&b));
    if let (Some(expected), Some(found)) = (expected, &bundle_key) {
        let found = found.as_ref().ok();
        if found != Some(expected) {
            v.problems.push(Problem::KeyMismatch {
                expected: fingerprint(expected),
                found: found.map(fingerprint),
            });
        }
    }
    let Some(signature) = signature else {
        if expected.is_some() {
            v.problems.push(Problem::SignatureMissing);
        }
        return Ok(());
    };
    let key = match (expected, bundle_key) {
        (Some(expected), _) => Ok(*expected),
        (None, Some(Ok(key))) => Ok(key),
        (None, Some(Err(problem))) => Err(SignatureProblem::UnusableKey(problem)),
        (None, None) => Err(SignatureProblem::NoKey),
    };
    match key.and_then(|key| check_signature_bytes(&key, manifest_bytes, &signature)) {
        Ok(signer) => v.signed_by = Some(signer),
        Err(problem) => v.problems.push(Problem::SignatureInvalid {
            reason: problem.to_string(),
        }),
    }
    Ok(())
}

/// Verifies a raw 64-byte signature; returns the key's fingerprint, or why
/// the signature does not hold.
fn check_signature_bytes(
    key: &VerifyingKey,
    message: &[u8],
    raw: &[u8],
) -> Result<String, SignatureProblem> {
    let raw: &[u8; 64] = raw
        .try_into()
        .map_err(|_| SignatureProblem::Length(raw.len()))?;
    let signature = Signature::from_bytes(raw);
    let fingerprint = fingerprint(key);
    key.verify_strict(message, &signature)
        .map_err(|_| SignatureProblem::Mismatch {
            key: short(&fingerprint),
        })?;
    Ok(fingerprint)
}

/// Why a bundle's signature does not hold (the detail of
/// [`Problem::SignatureInvalid`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureProblem {
    /// No key was given and the bundle's own public key is unusable.
    #[error("{file} is unusable: {0}", file = PUBLIC_KEY_FILE)]
    UnusableKey(KeyProblem),
    /// No key was given and the bundle has no public key.
    #[error("{file} is missing and no key was given", file = PUBLIC_KEY_FILE)]
    NoKey,
    /// The signature file is not 64 bytes.
    #[error("{file} is {0} bytes, expected 64", file = SIGNATURE_FILE)]
    Length(usize),
    /// The signature is not the key's signature of the manifest.
    #[error("does not match {file} under key {key}", file = MANIFEST_FILE)]
    Mismatch {
        /// The key's fingerprint, shortened.
        key: String,
    },
}

/// Hashes every listed file and compares the listing with what is on disk.
fn check_files(dir: &Path, v: &mut Verification) -> Result<(), EvidenceError> {
    let entries = walk(dir)?;
    let on_disk: HashMap<&str, &Entry> = entries.iter().map(|e| (e.rel.as_str(), e)).collect();
    let mut listed = HashSet::new();
    let mut problems = Vec::new();
    for file in &v.manifest.files {
        if !is_safe_path(&file.path) {
            let path = file.path.clone();
            problems.push(Problem::UnsafePath { path });
            continue;
        }
        listed.insert(file.path.as_str());
        let found = on_disk.get(file.path.as_str()).copied();
        problems.extend(check_listed(file, found, &mut v.files_checked)?);
    }
    problems.extend(entries.iter().filter_map(|e| disk_problem(e, &listed)));
    v.problems.extend(problems);
    Ok(())
}

/// The problem with one listed file, given what was found at its path;
/// counts the file in `checked` when it is hashed.
fn check_listed(
    file: &ManifestFile,
    found: Option<&Entry>,
    checked: &mut usize,
) -> Result<Option<Problem>, EvidenceError> {
    let path = file.path.clone();
    let Some(entry) = found else {
        return Ok(Some(Problem::Missing { path }));
    };
    if entry.kind != EntryKind::File {
        return Ok(None); // reported by `disk_problem` as not a regular file
    }
    let (actual, _) = hash_file(&entry.abs)?;
    *checked += 1;
    if actual.eq_ignore_ascii_case(&file.sha256) {
        return Ok(None);
    }
    let expected = file.sha256.clone();
    Ok(Some(Problem::Modified {
        path,
        expected,
        actual,
    }))
}

/// The problem with an entry found on disk, if any.
fn disk_problem(entry: &Entry, listed: &HashSet<&str>) -> Option<Problem> {
    let path = entry.rel.clone();
    match entry.kind {
        EntryKind::File if listed.contains(entry.rel.as_str()) => None,
        EntryKind::File | EntryKind::BadName => Some(Problem::Unlisted { path }),
        EntryKind::Other => Some(Problem::NotRegularFile { path }),
    }
}

/// A manifest path that stays inside the bundle: relative, `/`-separated,
/// no empty, `.` or `..` components, no backslash or NUL, and not one of
/// the bundle's own files.
pub(super) fn is_safe_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains(['\\', '\0'])
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
        && !BUNDLE_FILES.contains(&path)
}
