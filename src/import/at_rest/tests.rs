//! The reading side of certificates at rest over a scratch directory:
//! mixed files, the glob, explicit files, the evidence digest.

use super::*;

/// A self-signed certificate for `name`, DER.
fn certificate(name: &str) -> Vec<u8> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let params = rcgen::CertificateParams::new(vec![name.to_string()]).unwrap();
    params.self_signed(&key).unwrap().der().to_vec()
}

fn pem(ders: &[&[u8]]) -> String {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD;
    ders.iter()
        .map(|d| {
            format!(
                "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
                engine.encode(d)
            )
        })
        .collect()
}

/// a.pem (2 certificates), sub/b.der, notes.txt, sub/key.pem (a key only).
fn mixed() -> (tempfile::TempDir, [Vec<u8>; 3]) {
    let dir = tempfile::tempdir().unwrap();
    let certs = [
        certificate("a.test"),
        certificate("b.test"),
        certificate("c.test"),
    ];
    let root = dir.path();
    std::fs::create_dir(root.join("sub")).unwrap();
    std::fs::write(root.join("a.pem"), pem(&[&certs[0], &certs[1]])).unwrap();
    std::fs::write(root.join("sub/b.der"), &certs[2]).unwrap();
    std::fs::write(root.join("notes.txt"), "not a certificate").unwrap();
    let key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    std::fs::write(root.join("sub/key.pem"), key).unwrap();
    (dir, certs)
}

#[test]
fn a_walk_reads_certificates_and_counts_what_it_skips() {
    let (dir, certs) = mixed();
    let found = collect(dir.path(), &AtRestOptions::default()).unwrap();
    assert!(found.directory);
    assert_eq!(found.files, 2);
    let ders: Vec<&Vec<u8>> = found.certificates.iter().map(|c| &c.der).collect();
    assert_eq!(ders, [&certs[0], &certs[1], &certs[2]]);
    let locations: Vec<String> = found
        .certificates
        .iter()
        .map(|c| c.location.to_string())
        .collect();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let root = root.display();
    assert_eq!(
        locations,
        [
            format!("file:{root}/a.pem"),
            format!("file:{root}/a.pem[1]"),
            format!("file:{root}/sub/b.der"),
        ]
    );
    let skipped = &found.skipped["not_certificate"];
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert_eq!(found.skipped_count(), 2);
    assert_eq!(found.filtered, 0);
}

#[test]
fn the_glob_keeps_only_matching_files() {
    let (dir, certs) = mixed();
    let options = AtRestOptions {
        glob: Some("*.der".into()),
        ..AtRestOptions::default()
    };
    let found = collect(dir.path(), &options).unwrap();
    assert_eq!(found.certificates.len(), 1);
    assert_eq!(found.certificates[0].der, certs[2]);
    assert_eq!((found.filtered, found.skipped_count()), (3, 0));
    let none = AtRestOptions {
        glob: Some("*.p12".into()),
        ..AtRestOptions::default()
    };
    let err = collect(dir.path(), &none).unwrap_err().to_string();
    assert!(err.contains("no certificate found"), "{err}");
    let bad = AtRestOptions {
        glob: Some("*.{pem".into()),
        ..AtRestOptions::default()
    };
    assert!(matches!(
        collect(dir.path(), &bad),
        Err(AtRestError::Glob { .. })
    ));
}

#[test]
fn a_file_named_that_holds_no_certificate_is_an_error_naming_it() {
    let (dir, _) = mixed();
    let notes = dir.path().join("notes.txt");
    let err = collect(&notes, &AtRestOptions::default()).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with(&notes.display().to_string()), "{text}");
    assert!(text.contains("not a certificate"), "{text}");
    let key = collect(&dir.path().join("sub/key.pem"), &AtRestOptions::default());
    assert!(key
        .unwrap_err()
        .to_string()
        .contains("holds no certificate"));
    let forced = AtRestOptions {
        from: Some(AtRestFormat::Pkcs12),
        ..AtRestOptions::default()
    };
    let err = collect(&dir.path().join("a.pem"), &forced).unwrap_err();
    assert!(err.to_string().contains("not pkcs12"), "{err}");
}

#[test]
fn the_digest_moves_with_the_evidence_only() {
    let (dir, _) = mixed();
    let first = collect(dir.path(), &AtRestOptions::default()).unwrap();
    // a file that is not a certificate changes: same evidence, same digest
    std::fs::write(dir.path().join("notes.txt"), "other notes").unwrap();
    let again = collect(dir.path(), &AtRestOptions::default()).unwrap();
    assert_eq!(first.sha256, again.sha256);
    // a certificate moves to another file: other evidence
    std::fs::rename(dir.path().join("sub/b.der"), dir.path().join("c.der")).unwrap();
    let moved = collect(dir.path(), &AtRestOptions::default()).unwrap();
    assert_ne!(first.sha256, moved.sha256);
}
