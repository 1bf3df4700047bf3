//! Tests of issuer-link checks: every algorithm family, legacy RSA-1024 and
//! SHA-1, RSA-PSS, name/key mismatches, a real Mozilla root, garbage input.

use super::super::testgen::{self, oid, seq, tlv, ForeignKey, Issued};
use super::*;
use rcgen::PublicKeyData;
use rsa::pkcs1::EncodeRsaPublicKey;

const ISRG_ROOT_X1: &str = include_str!("../../../fixtures/public-roots/isrg-root-x1.pem");

/// Rebuilds `der` with `alg_id` as both signature AlgorithmIdentifiers and
/// a new signature computed by `sign` over the new TBSCertificate.
fn resign(der: &[u8], alg_id: &[u8], sign: impl Fn(&[u8]) -> Vec<u8>) -> Vec<u8> {
    let (_, outer) = Any::from_der(der).expect("certificate");
    let (_, tbs) = Any::from_der(outer.data).expect("tbs");
    let mut fields: Vec<&[u8]> = Vec::new();
    let mut rest = tbs.data;
    while !rest.is_empty() {
        let (after, _) = Any::from_der(rest).expect("tbs field");
        fields.push(&rest[..rest.len() - after.len()]);
        rest = after;
    }
    fields[2] = alg_id; // [0] version, serial, signature
    let new_tbs = seq(&fields);
    let signature = [&[0u8][..], &sign(&new_tbs)].concat();
    seq(&[&new_tbs, alg_id, &tlv(0x03, &signature)])
}

fn null_params_alg(arcs: &[u64]) -> Vec<u8> {
    seq(&[&oid(arcs), &[0x05, 0x00]])
}

/// A root for `alg` and a leaf it issued (leaf key of the same algorithm).
fn pair(alg: &'static rcgen::SignatureAlgorithm) -> (Issued, Vec<u8>) {
    let root = testgen::root_ca(alg, 0);
    let key = rcgen::KeyPair::generate_for(alg).expect("keygen");
    let leaf = testgen::issue(&testgen::leaf_params(), &key, &root);
    (root, leaf)
}

fn flip_last_byte(der: &[u8]) -> Vec<u8> {
    let mut bad = der.to_vec();
    let last = bad.len() - 1;
    bad[last] ^= 0x01;
    bad
}

#[test]
fn leaf_and_root_links_go_one_way_only() {
    let (root, leaf) = testgen::root_and_leaf();
    assert!(is_signed_by(&leaf.der, &root.der));
    assert!(is_signed_by(&root.der, &root.der), "self-signed");
    assert!(!is_signed_by(&root.der, &leaf.der));
    assert!(!is_signed_by(&leaf.der, &leaf.der));
    assert!(!is_signed_by(&flip_last_byte(&leaf.der), &root.der));
    assert!(!is_signed_by(&leaf.der, &[]));
    assert!(!is_signed_by(&[0x30, 0x03, 0x02, 0x01, 0x00], &root.der));
}

#[test]
fn modern_algorithm_families_verify() {
    let rsa = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        .expect("rsa keygen");
    for alg in [
        &rcgen::PKCS_ECDSA_P256_SHA256,
        &rcgen::PKCS_ECDSA_P384_SHA384,
        &rcgen::PKCS_ECDSA_P521_SHA512,
        &rcgen::PKCS_ED25519,
    ] {
        let (root, leaf) = pair(alg);
        assert_eq!(signature_check(&leaf, &root.der), SignatureCheck::Valid);
        assert!(!is_signed_by(&flip_last_byte(&leaf), &root.der));
    }
    for alg in [
        &rcgen::PKCS_RSA_SHA256,
        &rcgen::PKCS_RSA_SHA384,
        &rcgen::PKCS_RSA_SHA512,
    ] {
        let mut root = testgen::root_ca(&rcgen::PKCS_ECDSA_P256_SHA256, 0);
        let key =
            rcgen::KeyPair::from_pem_and_sign_algo(&rsa.serialize_pem(), alg).expect("rsa key");
        root.der = root.params.self_signed(&key).expect("sign").der().to_vec();
        root.key = key;
        let leaf = testgen::issue(&testgen::leaf_params(), &rsa, &root);
        assert!(is_signed_by(&leaf, &root.der), "{alg:?}");
        assert!(is_signed_by(&root.der, &root.der), "{alg:?}");
    }
}

#[test]
fn names_must_match_and_keys_must_match() {
    let root = testgen::root_ca(&rcgen::PKCS_ECDSA_P256_SHA256, 0);
    let (_, leaf) = pair(&rcgen::PKCS_ECDSA_P256_SHA256);
    // Same name as the leaf's issuer, different key.
    assert!(!is_signed_by(&leaf, &root.der));
    // Same key as the real issuer, different name.
    let (real_root, leaf) = pair(&rcgen::PKCS_ECDSA_P256_SHA256);
    let mut renamed = real_root.params.clone();
    renamed.distinguished_name = rcgen::DistinguishedName::new();
    renamed
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Another Name");
    let renamed_der = renamed
        .self_signed(&real_root.key)
        .expect("sign")
        .der()
        .to_vec();
    assert!(!is_signed_by(&leaf, &renamed_der));
    let spki = real_root.key.subject_public_key_info();
    assert!(is_signed_by_spki(&leaf, &spki), "keys alone ignore names");
}

#[test]
fn legacy_rsa_1024_with_sha1_and_sha256_verifies() {
    use rsa::Pkcs1v15Sign;
    use sha2::Digest;
    let private = rsa::RsaPrivateKey::new(&mut testgen::TestRng(77), 1024).expect("rsa");
    let public = ForeignKey {
        key_bytes: private
            .to_public_key()
            .to_pkcs1_der()
            .expect("pkcs1")
            .as_bytes()
            .to_vec(),
        alg: &rcgen::PKCS_RSA_SHA256,
    };
    let placeholder = testgen::root_ca(&rcgen::PKCS_ECDSA_P256_SHA256, 0);
    // The issuer: its name and its RSA-1024 key are all that matter here.
    let issuer = testgen::issue(&placeholder.params, &public, &placeholder);
    let unsigned_leaf = testgen::issue(&testgen::leaf_params(), &placeholder.key, &placeholder);
    let sha1_alg = null_params_alg(&[1, 2, 840, 113549, 1, 1, 5]);
    let sha1_leaf = resign(&unsigned_leaf, &sha1_alg, |tbs| {
        let digest = sha1::Sha1::digest(tbs);
        private
            .sign(Pkcs1v15Sign::new::<sha1::Sha1>(), &digest)
            .expect("sign")
    });
    assert!(is_signed_by(&sha1_leaf, &issuer));
    let sha256_alg = null_params_alg(&[1, 2, 840, 113549, 1, 1, 11]);
    let sha256_leaf = resign(&unsigned_leaf, &sha256_alg, |tbs| {
        let digest = sha2::Sha256::digest(tbs);
        private
            .sign(Pkcs1v15Sign::new::<sha2::Sha256>(), &digest)
            .expect("sign")
    });
    assert!(is_signed_by(&sha256_leaf, &issuer));
    assert!(!is_signed_by(&sha256_leaf, &placeholder.der), "other key");
}

#[test]
fn rsa_pss_with_sha256_verifies() {
    use aws_lc_rs::signature::{RsaKeyPair, RSA_PSS_SHA256};
    let rsa = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        .expect("rsa keygen");
    let signer = RsaKeyPair::from_pkcs8(&rsa.serialize_der()).expect("pkcs8");
    let placeholder = testgen::root_ca(&rcgen::PKCS_ECDSA_P256_SHA256, 0);
    let issuer = testgen::issue(&placeholder.params, &rsa, &placeholder);
    let unsigned_leaf = testgen::issue(&testgen::leaf_params(), &placeholder.key, &placeholder);
    let sha256 = null_params_alg(&[2, 16, 840, 1, 101, 3, 4, 2, 1]);
    let mgf1 = seq(&[&oid(&[1, 2, 840, 113549, 1, 1, 8]), &sha256]);
    let params = seq(&[
        &tlv(0xa0, &sha256),
        &tlv(0xa1, &mgf1),
        &tlv(0xa2, &tlv(0x02, &[32])),
    ]);
    let pss_alg = seq(&[&oid(&[1, 2, 840, 113549, 1, 1, 10]), &params]);
    let leaf = resign(&unsigned_leaf, &pss_alg, |tbs| {
        let mut out = vec![0u8; signer.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        signer
            .sign(&RSA_PSS_SHA256, &rng, tbs, &mut out)
            .expect("pss sign");
        out
    });
    assert_eq!(signature_check(&leaf, &issuer), SignatureCheck::Valid);
    assert!(!is_signed_by(&flip_last_byte(&leaf), &issuer));
}

#[test]
fn unknown_algorithms_are_unsupported_not_invalid() {
    let (root, leaf) = testgen::root_and_leaf();
    let md5_alg = null_params_alg(&[1, 2, 840, 113549, 1, 1, 4]);
    let md5_leaf = resign(&leaf.der, &md5_alg, |_| vec![0x42; 64]);
    assert_eq!(
        signature_check(&md5_leaf, &root.der),
        SignatureCheck::Unsupported
    );
    assert!(!is_signed_by(&md5_leaf, &root.der));
}

#[test]
fn real_mozilla_root_verifies_under_its_webpki_roots_anchor() {
    let (_, pem) = x509_parser::pem::parse_x509_pem(ISRG_ROOT_X1.as_bytes()).expect("pem");
    let der = pem.contents;
    assert!(is_signed_by(&der, &der));
    let (_, cert) = X509Certificate::from_der(&der).expect("parse");
    let anchor = webpki_roots::TLS_SERVER_ROOTS
        .iter()
        .find(|a| sequence_der(a.subject.as_ref()) == cert.subject().as_raw())
        .expect("ISRG Root X1 is in webpki-roots");
    let spki_contents: &[u8] = anchor.subject_public_key_info.as_ref();
    assert_eq!(sequence_der(spki_contents), cert.public_key().raw);
    assert!(is_signed_by_spki(&der, spki_contents), "contents form");
    assert!(is_signed_by_spki(&der, cert.public_key().raw), "full SPKI");
    assert_eq!(spki_der_of(&der).as_deref(), Some(cert.public_key().raw));
    assert_eq!(spki_der_of(&der[..50]), None);
    let (_, leaf) = testgen::root_and_leaf();
    assert!(!is_signed_by_spki(&leaf.der, spki_contents));
    assert!(!is_signed_by_spki(&der, &[0x30, 0x00]));
}

#[test]
fn sequence_der_uses_long_form_lengths() {
    assert_eq!(sequence_der(&[]), [0x30, 0x00]);
    assert_eq!(sequence_der(&[7; 0x7f])[..2], [0x30, 0x7f]);
    assert_eq!(sequence_der(&[7; 0x80])[..3], [0x30, 0x81, 0x80]);
    let long = sequence_der(&[7; 0x1234]);
    assert_eq!(long[..4], [0x30, 0x82, 0x12, 0x34]);
    assert_eq!(long.len(), 0x1234 + 4);
}

#[test]
fn random_input_never_panics() {
    use rsa::rand_core::RngCore;
    let (root, _) = testgen::root_and_leaf();
    let mut rng = testgen::TestRng(9);
    for i in 0..200 {
        let mut buf = vec![0u8; i + 1];
        rng.fill_bytes(&mut buf);
        buf[0] = 0x30;
        assert!(!is_signed_by(&buf, &root.der));
        assert!(!is_signed_by(&root.der, &buf));
        assert!(!is_signed_by_spki(&root.der, &buf));
    }
}
