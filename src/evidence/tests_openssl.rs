//! Interoperability with the `openssl` command: an auditor verifies a
//! bundle's signature without certatlas, and an operator signs with a key
//! made by `openssl genpkey`. Each test is skipped (with a message) when
//! `openssl` is not on PATH.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use super::tests::{bundle, header, public_key_file};
use super::*;

/// Runs `openssl ARGS` in `dir`; `None` (after saying so) when there is no
/// `openssl` command.
fn openssl(dir: &Path, args: &[&str]) -> Option<Output> {
    match Command::new("openssl").args(args).current_dir(dir).output() {
        Ok(output) => Some(output),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("skipped: no openssl command on PATH");
            None
        }
        Err(e) => panic!("cannot run openssl: {e}"),
    }
}

fn openssl_verify(dir: &Path) -> Option<Output> {
    let args = [
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        PUBLIC_KEY_FILE,
        "-rawin",
        "-in",
        MANIFEST_FILE,
        "-sigfile",
        SIGNATURE_FILE,
    ];
    openssl(dir, &args)
}

#[test]
fn openssl_verifies_the_bundle_signature() {
    let dir = bundle(Some(&Signer::generate()));
    let Some(output) = openssl_verify(dir.path()) else {
        return;
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("Signature Verified Successfully"),
        "{stdout}"
    );

    let manifest = dir.path().join(MANIFEST_FILE);
    let mut bytes = fs::read(&manifest).expect("read");
    bytes[10] ^= 0x01;
    fs::write(&manifest, bytes).expect("write");
    let output = openssl_verify(dir.path()).expect("openssl was there a moment ago");
    assert!(
        !output.status.success(),
        "openssl accepted a modified manifest"
    );
}

#[test]
fn signs_with_a_key_made_by_openssl_genpkey() {
    let keys = tempfile::tempdir().expect("tempdir");
    let genpkey = ["genpkey", "-algorithm", "ed25519", "-out", "key.pem"];
    let Some(output) = openssl(keys.path(), &genpkey) else {
        return;
    };
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let pubout = ["pkey", "-in", "key.pem", "-pubout", "-out", "key.pub.pem"];
    let output = openssl(keys.path(), &pubout).expect("openssl");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let signer = Signer::from_pkcs8_pem_file(&keys.path().join("key.pem")).expect("signer");
    let openssl_public = fs::read_to_string(keys.path().join("key.pub.pem")).expect("read");
    assert_eq!(signer.public_key_pem(), openssl_public);

    let dir = bundle(Some(&signer));
    let v = verify(dir.path(), Some(&keys.path().join("key.pub.pem"))).expect("verify");
    assert!(v.ok(), "{:?}", v.problems);
    assert_eq!(v.signed_by, Some(signer.fingerprint()));
    let (_other, other_key) = public_key_file(&Signer::generate());
    assert!(!verify(dir.path(), Some(&other_key)).expect("verify").ok());
}

#[test]
fn openssl_keys_of_other_kinds_are_refused_with_the_reason() {
    let keys = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, &[&str], &str); 2] = [
        (
            "ec.pem",
            &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
            "EC",
        ),
        (
            "enc.pem",
            &["-algorithm", "ed25519", "-aes256", "-pass", "pass:secret"],
            "encrypted",
        ),
    ];
    for (name, options, why) in cases {
        let args: Vec<&str> = ["genpkey", "-out", name]
            .iter()
            .chain(options)
            .copied()
            .collect();
        let Some(output) = openssl(keys.path(), &args) else {
            return;
        };
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let message = Signer::from_pkcs8_pem_file(&keys.path().join(name))
            .expect_err(name)
            .to_string();
        assert!(message.contains(name) && message.contains(why), "{message}");
    }
    // A signed bundle still verifies after rewriting it with the same header.
    let dir = bundle(None);
    write_manifest(dir.path(), header(), Some(&Signer::generate())).expect("sign");
    assert!(verify(dir.path(), None).expect("verify").ok());
}
