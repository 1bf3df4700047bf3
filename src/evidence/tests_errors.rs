//! Tests of the error paths: unusable key files and manifests, symbolic
//! links, malformed signatures, and the problems' display text.

use std::fs;

use super::tests::{bundle, header, problems};
use super::*;

#[test]
fn truncated_signature_is_invalid() {
    let signer = Signer::generate();
    let dir = bundle(Some(&signer));
    fs::write(dir.path().join(SIGNATURE_FILE), [0u8; 10]).expect("write");
    let found = problems(dir.path(), None);
    let [Problem::SignatureInvalid { reason }] = found.as_slice() else {
        panic!("{found:?}");
    };
    assert!(reason.contains("10 bytes"), "{reason}");
}

#[test]
fn bad_key_files_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ec = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("keygen");
    let cases = [
        ("absent.pem", None, "cannot read"),
        (
            "garbage.pem",
            Some("not a key at all\n".to_owned()),
            "not a PEM file",
        ),
        (
            "public.pem",
            Some(Signer::generate().public_key_pem()),
            "public key",
        ),
        ("ec.pem", Some(ec.serialize_pem()), "EC"),
        ("empty.pem", Some(String::new()), "file is empty"),
        (
            "truncated.pem",
            Some("-----BEGIN PRIVATE KEY-----\nMC4CAQAw\n".to_owned()),
            "malformed PEM",
        ),
    ];
    for (name, body, why) in cases {
        let path = dir.path().join(name);
        if let Some(body) = body {
            fs::write(&path, body).expect("write");
        }
        let message = Signer::from_pkcs8_pem_file(&path)
            .expect_err(name)
            .to_string();
        assert!(
            message.starts_with(&path.display().to_string()),
            "{message}"
        );
        assert!(message.contains(why), "{message}");
    }
    let bundle = bundle(None);
    let private = dir.path().join("ec.pem");
    let message = verify(bundle.path(), Some(&private))
        .expect_err("key")
        .to_string();
    assert!(
        message.contains("ec.pem") && message.contains("private key"),
        "{message}"
    );
}

#[test]
fn symbolic_links_are_refused_when_writing_and_reported_when_verifying() {
    let dir = bundle(None);
    let link = dir.path().join("certificates/link.pem");
    std::os::unix::fs::symlink(dir.path().join("report.html"), &link).expect("symlink");
    let err = write_manifest(dir.path(), header(), None).expect_err("symlink");
    assert!(
        matches!(&err, EvidenceError::NotRegularFile { path } if *path == link),
        "{err}"
    );
    let expected = Problem::NotRegularFile {
        path: "certificates/link.pem".to_owned(),
    };
    assert_eq!(problems(dir.path(), None), vec![expected]);
}

#[test]
fn unusable_manifests_are_errors_naming_manifest_json() {
    let dir = bundle(None);
    let manifest = dir.path().join(MANIFEST_FILE);
    let text = fs::read_to_string(&manifest).expect("read");
    let cases = [
        (
            text.replace(FORMAT, "certatlas-evidence/9"),
            "unsupported manifest format",
        ),
        (
            "{\"files\": []}".to_owned(),
            "not a certatlas evidence manifest",
        ),
        (text.replace("\"files\"", "\"filez\""), "malformed manifest"),
        (text[..text.len() / 2].to_owned(), "not valid JSON"),
    ];
    for (body, why) in cases {
        fs::write(&manifest, body).expect("write");
        let message = verify(dir.path(), None).expect_err(why).to_string();
        assert!(
            message.contains("manifest.json") && message.contains(why),
            "{message}"
        );
    }
    fs::remove_file(&manifest).expect("rm");
    let message = verify(dir.path(), None).expect_err("missing").to_string();
    assert!(message.contains("manifest.json: missing"), "{message}");
    let message = verify(&dir.path().join("nope"), None)
        .expect_err("no dir")
        .to_string();
    assert!(
        message.contains("nope: cannot open bundle directory"),
        "{message}"
    );
}

#[test]
fn problems_display_the_file_and_what_is_wrong() {
    let modified = Problem::Modified {
        path: "report.html".to_owned(),
        expected: "ab12".repeat(16),
        actual: "cd34".repeat(16),
    };
    assert_eq!(
        modified.to_string(),
        "report.html: modified (sha256 expected ab12ab12ab12…, found cd34cd34cd34…)"
    );
    let missing = Problem::Missing {
        path: "a\u{1b}[2J.csv".to_owned(),
    };
    assert_eq!(
        missing.to_string(),
        "a\\u{1b}[2J.csv: missing (listed in manifest.json)"
    );
    let reversed = Problem::Missing {
        path: "report\u{202e}lmth.exe".to_owned(),
    };
    assert_eq!(
        reversed.to_string(),
        "report\\u{202e}lmth.exe: missing (listed in manifest.json)",
        "a bidirectional override cannot reorder the line"
    );
    assert!(Problem::SignatureMissing
        .to_string()
        .starts_with("manifest.sig: "));
    let mismatch = Problem::KeyMismatch {
        expected: "e".repeat(64),
        found: None,
    };
    assert!(
        mismatch
            .to_string()
            .starts_with("manifest.pub.pem: key mismatch"),
        "{mismatch}"
    );
}
