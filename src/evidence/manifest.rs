//! The manifest document ([`Manifest`] and its parts), writing it for a
//! bundle directory ([`write_manifest`], optionally signed) and reading it
//! back for verification.

use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::error::{io_error, manifest_error, EvidenceError};
use super::sign::Signer;
use super::walk::{hash_file, walk, EntryKind};
use super::{FORMAT, MANIFEST_FILE, PUBLIC_KEY_FILE, SIGNATURE_FILE};

/// `manifest.json`: what the bundle holds and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`] (`certatlas-evidence/1`).
    pub format: String,
    /// The certatlas version that wrote the bundle.
    pub tool_version: String,
    /// When the manifest was written.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The scans the report covers.
    pub scans: Vec<ManifestScan>,
    /// Digests of the inputs that shaped the report.
    pub digests: Digests,
    /// Every file of the bundle except the manifest, its signature and the
    /// public key, sorted by path.
    pub files: Vec<ManifestFile>,
}

/// Everything in a [`Manifest`] except its file list, which
/// [`write_manifest`] fills in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestHeader {
    /// The certatlas version writing the bundle (`env!("CARGO_PKG_VERSION")`).
    pub tool_version: String,
    /// When the manifest is written (normally `crate::clock`'s now).
    pub created_at: OffsetDateTime,
    /// The scans the report covers.
    pub scans: Vec<ManifestScan>,
    /// Digests of the inputs that shaped the report.
    pub digests: Digests,
}

/// One scan covered by the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestScan {
    /// The scan's id in the inventory database.
    pub id: i64,
    /// When the scan started.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// When the scan finished, if it did.
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    /// The scan's status as stored (such as `completed`).
    pub status: String,
}

/// Lowercase hex SHA-256 digests of the inputs that shaped the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digests {
    /// The rule set that produced the findings.
    pub rules: String,
    /// The maturity ladders used for scoring.
    pub ladders: String,
    /// The config file, when one was used.
    pub config: Option<String>,
}

/// One file of the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Path relative to the bundle directory, `/`-separated.
    pub path: String,
    /// Lowercase hex SHA-256 of the file's contents.
    pub sha256: String,
    /// The file's length in bytes.
    pub bytes: u64,
}

/// Hashes every regular file under `dir` and writes `dir/manifest.json`
/// (pretty JSON and a trailing newline).
///
/// With a `signer`, also writes `manifest.sig` (the raw 64-byte Ed25519
/// signature over the exact bytes of `manifest.json`) and
/// `manifest.pub.pem` (the public key, SPKI PEM). Without one, removes any
/// `manifest.sig` and `manifest.pub.pem` left from an earlier run so a stale
/// signature cannot linger. Symbolic links, special files and names that
/// are not UTF-8 are errors.
pub fn write_manifest(
    dir: &Path,
    header: ManifestHeader,
    signer: Option<&Signer>,
) -> Result<Manifest, EvidenceError> {
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        tool_version: header.tool_version,
        created_at: header.created_at,
        scans: header.scans,
        digests: header.digests,
        files: list_files(dir)?,
    };
    let manifest_path = dir.join(MANIFEST_FILE);
    let mut json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| manifest_error(&manifest_path, format!("cannot serialise: {e}")))?;
    json.push(b'\n');
    fs::write(&manifest_path, &json).map_err(io_error(&manifest_path, "write"))?;
    match signer {
        Some(signer) => write_signature(dir, signer, &json)?,
        None => remove_signature(dir)?,
    }
    Ok(manifest)
}

/// The manifest entries for every file under `dir`, sorted by path.
fn list_files(dir: &Path) -> Result<Vec<ManifestFile>, EvidenceError> {
    let mut files = Vec::new();
    for entry in walk(dir)? {
        match entry.kind {
            EntryKind::File => {
                let (sha256, bytes) = hash_file(&entry.abs)?;
                files.push(ManifestFile {
                    path: entry.rel,
                    sha256,
                    bytes,
                });
            }
            EntryKind::Other => return Err(EvidenceError::NotRegularFile { path: entry.abs }),
            EntryKind::BadName => return Err(EvidenceError::NonUtf8Name { path: entry.abs }),
        }
    }
    Ok(files)
}

fn write_signature(dir: &Path, signer: &Signer, json: &[u8]) -> Result<(), EvidenceError> {
    let sig_path = dir.join(SIGNATURE_FILE);
    fs::write(&sig_path, signer.sign(json)).map_err(io_error(&sig_path, "write"))?;
    let key_path = dir.join(PUBLIC_KEY_FILE);
    fs::write(&key_path, signer.public_key_pem()).map_err(io_error(&key_path, "write"))
}

fn remove_signature(dir: &Path) -> Result<(), EvidenceError> {
    for name in [SIGNATURE_FILE, PUBLIC_KEY_FILE] {
        let path = dir.join(name);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(io_error(&path, "remove stale file")(e));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Parses the bytes of `manifest.json` (read from `path`, named in errors):
/// valid JSON, `format` equal to [`FORMAT`], and the expected fields.
pub(crate) fn parse_manifest(path: &Path, bytes: &[u8]) -> Result<Manifest, EvidenceError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| manifest_error(path, format!("not valid JSON: {e}")))?;
    match value.get("format").and_then(serde_json::Value::as_str) {
        Some(FORMAT) => {}
        Some(other) => {
            let problem = format!("unsupported manifest format {other:?} (expected {FORMAT:?})");
            return Err(manifest_error(path, problem));
        }
        None => {
            let problem = format!("not a certatlas evidence manifest (no \"format\": {FORMAT:?})");
            return Err(manifest_error(path, problem));
        }
    }
    serde_json::from_value(value)
        .map_err(|e| manifest_error(path, format!("malformed manifest: {e}")))
}
