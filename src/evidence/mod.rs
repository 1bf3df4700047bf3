//! The evidence bundle: a manifest of every file of an audit report
//! directory with its SHA-256, an optional Ed25519 signature over it, and
//! verification of a bundle against both.
//!
//! A bundle is a directory (written by `certatlas report --out DIR`) plus
//! three files this module owns:
//!
//! - `manifest.json`: a [`Manifest`] (format [`FORMAT`]): tool version,
//!   creation time, the scans covered, digests of the rules, ladders and
//!   config, and every other file with its SHA-256 and length, sorted by
//!   path.
//! - `manifest.sig`: the raw 64-byte Ed25519 signature over the exact bytes
//!   of `manifest.json` (only when signed).
//! - `manifest.pub.pem`: the signer's public key as SPKI PEM (only when
//!   signed), so an auditor can check the bundle without certatlas:
//!
//! ```text
//! openssl pkeyutl -verify -pubin -inkey manifest.pub.pem -rawin \
//!     -in manifest.json -sigfile manifest.sig
//! ```
//!
//! [`write_manifest`] writes these; [`verify()`] checks a bundle and returns a
//! [`Verification`] listing each [`Problem`]; [`Signer`] holds the private
//! key. Only this module uses `ed25519-dalek`.
//!
//! Files: `manifest.rs` (the document and writing it), `sign.rs` (keys),
//! `verify.rs` (checking), `walk.rs` (listing and hashing files),
//! `error.rs` ([`EvidenceError`]); tests in `tests.rs`, `tests_errors.rs`
//! and `tests_openssl.rs`.

mod error;
mod manifest;
mod sign;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_errors;
#[cfg(test)]
mod tests_openssl;
mod verify;
mod walk;

pub use error::EvidenceError;
pub use manifest::{write_manifest, Digests, Manifest, ManifestFile, ManifestHeader, ManifestScan};
pub use sign::{KeyProblem, Signer};
pub use verify::{verify, Problem, SignatureProblem, Verification};

/// The `format` value of every manifest this version writes and reads.
pub const FORMAT: &str = "certatlas-evidence/1";
/// The manifest's file name, at the top of the bundle.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The signature's file name, at the top of the bundle.
pub const SIGNATURE_FILE: &str = "manifest.sig";
/// The public key's file name, at the top of the bundle.
pub const PUBLIC_KEY_FILE: &str = "manifest.pub.pem";

/// The bundle's own files, never listed in the manifest.
const BUNDLE_FILES: [&str; 3] = [MANIFEST_FILE, SIGNATURE_FILE, PUBLIC_KEY_FILE];
