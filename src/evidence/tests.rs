//! Tests of writing, signing and verifying bundles, and the small test
//! bundle the other test files share (error paths are in `tests_errors.rs`,
//! the checks that use the `openssl` command in `tests_openssl.rs`).

use std::fs;
use std::path::{Path, PathBuf};

use time::macros::datetime;

use super::*;
use crate::certs::sha256_hex;

/// The files of the small test bundle, with their contents.
pub(super) const FILES: [(&str, &str); 5] = [
    ("report.html", "<html><body>report</body></html>\n"),
    ("report.json", "{\"scans\": [1]}\n"),
    ("inventory.csv", "sha256,subject\nab,CN=x\n"),
    ("findings.csv", "rule,severity\nweak-key,high\n"),
    (
        "certificates/x.pem",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    ),
];

pub(super) fn header() -> ManifestHeader {
    ManifestHeader {
        tool_version: "0.1.0-test".to_owned(),
        created_at: datetime!(2025-03-01 12:00:00 UTC),
        scans: vec![ManifestScan {
            id: 1,
            started_at: datetime!(2025-03-01 11:00:00 UTC),
            finished_at: Some(datetime!(2025-03-01 11:05:00 UTC)),
            status: "completed".to_owned(),
        }],
        digests: Digests {
            rules: sha256_hex(b"rules"),
            ladders: sha256_hex(b"ladders"),
            config: None,
        },
    }
}

/// A directory holding [`FILES`], with a manifest (signed when `signer`).
pub(super) fn bundle(signer: Option<&Signer>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, text) in FILES {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, text).expect("write");
    }
    write_manifest(dir.path(), header(), signer).expect("write manifest");
    dir
}

/// Writes `signer`'s public key to a PEM file outside any bundle.
pub(super) fn public_key_file(signer: &Signer) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("trusted.pub.pem");
    fs::write(&path, signer.public_key_pem()).expect("write key");
    (dir, path)
}

fn flip_byte(path: &Path, index: usize) {
    let mut bytes = fs::read(path).expect("read");
    bytes[index] ^= 0x20;
    fs::write(path, bytes).expect("write");
}

pub(super) fn problems(dir: &Path, key: Option<&Path>) -> Vec<Problem> {
    verify(dir, key).expect("verify").problems
}

#[test]
fn untouched_unsigned_bundle_verifies() {
    let dir = bundle(None);
    let v = verify(dir.path(), None).expect("verify");
    assert!(v.ok(), "{:?}", v.problems);
    assert_eq!(v.files_checked, FILES.len());
    assert_eq!(v.signed_by, None);
    assert!(!dir.path().join(SIGNATURE_FILE).exists());
}

#[test]
fn untouched_signed_bundle_verifies_with_and_without_expected_key() {
    let signer = Signer::generate();
    let dir = bundle(Some(&signer));
    let v = verify(dir.path(), None).expect("verify");
    assert!(v.ok(), "{:?}", v.problems);
    assert_eq!(v.signed_by, Some(signer.fingerprint()));
    let (_keys, key) = public_key_file(&signer);
    let v = verify(dir.path(), Some(&key)).expect("verify with key");
    assert!(v.ok(), "{:?}", v.problems);
    assert_eq!(v.files_checked, FILES.len());
    assert_eq!(
        fs::read(dir.path().join(SIGNATURE_FILE))
            .expect("sig")
            .len(),
        64
    );
}

#[test]
fn manifest_lists_every_file_sorted_with_digests() {
    let dir = bundle(None);
    let text = fs::read_to_string(dir.path().join(MANIFEST_FILE)).expect("read");
    assert!(text.ends_with("}\n"), "pretty JSON and a trailing newline");
    let manifest: Manifest = serde_json::from_str(&text).expect("parse");
    assert_eq!(manifest.format, FORMAT);
    assert_eq!(manifest, verify(dir.path(), None).expect("verify").manifest);
    let mut expected: Vec<ManifestFile> = FILES
        .iter()
        .map(|(path, body)| ManifestFile {
            path: (*path).to_owned(),
            sha256: sha256_hex(body.as_bytes()),
            bytes: body.len() as u64,
        })
        .collect();
    expected.sort_by(|a, b| a.path.cmp(&b.path));
    assert_eq!(manifest.files, expected);
    assert!(
        text.contains("\"created_at\": \"2025-03-01T12:00:00Z\""),
        "{text}"
    );
}

#[test]
fn rewriting_is_deterministic_and_unsigning_removes_the_old_signature() {
    let signer = Signer::generate();
    let dir = bundle(Some(&signer));
    let first = fs::read(dir.path().join(MANIFEST_FILE)).expect("read");
    write_manifest(dir.path(), header(), None).expect("rewrite");
    assert_eq!(
        fs::read(dir.path().join(MANIFEST_FILE)).expect("read"),
        first
    );
    assert!(!dir.path().join(SIGNATURE_FILE).exists());
    assert!(!dir.path().join(PUBLIC_KEY_FILE).exists());
    assert!(verify(dir.path(), None).expect("verify").ok());
}

#[test]
fn flipping_one_byte_of_any_file_is_exactly_one_modified_problem() {
    let signer = Signer::generate();
    for (path, body) in FILES {
        for index in [0, body.len() / 2, body.len() - 1] {
            let dir = bundle(Some(&signer));
            flip_byte(&dir.path().join(path), index);
            let actual = sha256_hex(&fs::read(dir.path().join(path)).expect("read"));
            let v = verify(dir.path(), None).expect("verify");
            let expected = Problem::Modified {
                path: path.to_owned(),
                expected: sha256_hex(body.as_bytes()),
                actual,
            };
            assert_eq!(v.problems, vec![expected], "{path} byte {index}");
            assert_eq!(v.signed_by, Some(signer.fingerprint()));
            assert!(!v.ok());
        }
    }
}

#[test]
fn flipping_a_byte_of_a_signed_manifest_invalidates_the_signature() {
    let signer = Signer::generate();
    let dir = bundle(Some(&signer));
    let manifest = dir.path().join(MANIFEST_FILE);
    let text = fs::read_to_string(&manifest).expect("read");
    let index = text.find("0.1.0-test").expect("tool version") + "0.1.0-".len();
    flip_byte(&manifest, index); // 't' → 'T': still valid JSON
    let v = verify(dir.path(), None).expect("verify");
    assert_eq!(v.manifest.tool_version, "0.1.0-Test");
    assert!(
        matches!(v.problems.as_slice(), [Problem::SignatureInvalid { .. }]),
        "{:?}",
        v.problems
    );
    assert_eq!(v.signed_by, None);
}

#[test]
fn deleted_file_is_missing_and_added_file_is_unlisted() {
    let dir = bundle(None);
    fs::remove_file(dir.path().join("certificates/x.pem")).expect("rm");
    fs::write(dir.path().join("certificates/y.pem"), "extra").expect("write");
    fs::write(dir.path().join("notes.txt"), "extra").expect("write");
    let v = verify(dir.path(), None).expect("verify");
    let expected = vec![
        Problem::Missing {
            path: "certificates/x.pem".to_owned(),
        },
        Problem::Unlisted {
            path: "certificates/y.pem".to_owned(),
        },
        Problem::Unlisted {
            path: "notes.txt".to_owned(),
        },
    ];
    assert_eq!(v.problems, expected);
    assert_eq!(v.files_checked, FILES.len() - 1);
}

#[test]
fn dot_dot_path_in_manifest_is_outside_the_bundle_and_not_read() {
    let outer = tempfile::tempdir().expect("tempdir");
    let dir = outer.path().join("bundle");
    fs::create_dir(&dir).expect("mkdir");
    fs::write(outer.path().join("x"), "outside").expect("write");
    fs::write(dir.join("report.html"), "r").expect("write");
    write_manifest(&dir, header(), None).expect("manifest");
    let manifest = dir.join(MANIFEST_FILE);
    let text = fs::read_to_string(&manifest).expect("read");
    let sha = sha256_hex(b"outside");
    let text = text.replacen(
        "\"files\": [",
        &format!("\"files\": [{{\"path\": \"../x\", \"sha256\": \"{sha}\", \"bytes\": 7}},"),
        1,
    );
    fs::write(&manifest, text).expect("write");
    let v = verify(&dir, None).expect("verify");
    assert_eq!(
        v.problems,
        vec![Problem::UnsafePath {
            path: "../x".to_owned()
        }]
    );
    assert_eq!(v.files_checked, 1);
}

#[test]
fn manifest_paths_outside_the_bundle() {
    for path in [
        "../x",
        "a/../../x",
        "/etc/passwd",
        "a\\b",
        "a//b",
        "./a",
        "a/",
        "",
        "manifest.sig",
    ] {
        assert!(!verify::is_safe_path(path), "{path:?} should be refused");
    }
    for path in [
        "report.html",
        "certificates/x.pem",
        "a/manifest.sig",
        "..x",
        "x..",
    ] {
        assert!(verify::is_safe_path(path), "{path:?} should be safe");
    }
}

#[test]
fn expected_key_of_another_signer_is_a_key_mismatch() {
    let (signer, other) = (Signer::generate(), Signer::generate());
    let dir = bundle(Some(&signer));
    let (_keys, key) = public_key_file(&other);
    let v = verify(dir.path(), Some(&key)).expect("verify");
    let mismatch = Problem::KeyMismatch {
        expected: other.fingerprint(),
        found: Some(signer.fingerprint()),
    };
    assert_eq!(v.problems[0], mismatch);
    assert!(
        matches!(v.problems[1..], [Problem::SignatureInvalid { .. }]),
        "{:?}",
        v.problems
    );
    assert_eq!(v.signed_by, None);
}

#[test]
fn replaced_bundle_key_without_expected_key_invalidates_the_signature() {
    let (signer, other) = (Signer::generate(), Signer::generate());
    let dir = bundle(Some(&signer));
    fs::write(dir.path().join(PUBLIC_KEY_FILE), other.public_key_pem()).expect("write");
    let v = verify(dir.path(), None).expect("verify");
    assert!(
        matches!(v.problems.as_slice(), [Problem::SignatureInvalid { .. }]),
        "{:?}",
        v.problems
    );
}

#[test]
fn expected_key_but_unsigned_bundle_is_signature_missing() {
    let dir = bundle(None);
    let (_keys, key) = public_key_file(&Signer::generate());
    assert_eq!(
        problems(dir.path(), Some(&key)),
        vec![Problem::SignatureMissing]
    );
}
