//! Tests of the certificates the lab generates: names, extensions, validity relative to the
//! fixed clock, key types and sizes, and the SHA-1 re-signature.

use std::collections::HashSet;

use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPublicKey};
use sha1::{Digest, Sha1};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry::{OID_PKCS1_SHA1WITHRSA, OID_SIG_ED25519};
use x509_parser::public_key::PublicKey;

use super::tests::{case, start_lab, NOW};
use super::Lab;

fn parse(der: &[u8]) -> X509Certificate<'_> {
    x509_parser::parse_x509_certificate(der)
        .expect("valid certificate")
        .1
}

/// The leaf (first certificate) of a case's first probe.
fn leaf<'a>(lab: &'a Lab, name: &str) -> X509Certificate<'a> {
    parse(&case(lab, name).expected_chains[0][0])
}

fn days(count: i64) -> time::Duration {
    time::Duration::days(count)
}

fn key_identifier(cert: &X509Certificate<'_>, authority: bool) -> Option<Vec<u8>> {
    cert.iter_extensions()
        .find_map(|extension| match extension.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(aki) if authority => {
                aki.key_identifier.as_ref().map(|id| id.0.to_vec())
            }
            ParsedExtension::SubjectKeyIdentifier(ski) if !authority => Some(ski.0.to_vec()),
            _ => None,
        })
}

/// The DNS names in a certificate's subjectAltName.
fn dns_names(cert: &X509Certificate<'_>) -> Vec<String> {
    let san = cert
        .subject_alternative_name()
        .unwrap()
        .expect("SAN present");
    san.value
        .general_names
        .iter()
        .map(|name| match name {
            GeneralName::DNSName(dns) => dns.to_string(),
            other => panic!("unexpected SAN entry {other:?}"),
        })
        .collect()
}

#[tokio::test]
async fn sni_routing_serves_three_different_leaves() {
    let lab = start_lab().await;
    let chains = &case(&lab, "sni-routing").expected_chains;
    let leaves: HashSet<&Vec<u8>> = chains.iter().map(|chain| &chain[0]).collect();
    assert_eq!(leaves.len(), 3);
    let name = |label: &str| format!("{label}.lab.certatlas.test");
    // The default certificate also names the routed names (what SNI
    // discovery follows); the routed ones name only themselves.
    let default_names = ["sni-routing", "alpha", "beta"].map(name);
    assert_eq!(dns_names(&parse(&chains[0][0])), default_names);
    for (chain, label) in chains.iter().zip(["sni-routing", "alpha", "beta"]).skip(1) {
        assert_eq!(dns_names(&parse(&chain[0])), [name(label)]);
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn validity_dates_follow_the_fixed_clock() {
    let lab = start_lab().await;
    let expected = [
        ("expired", NOW - days(400), NOW - days(10)),
        ("expiring-soon", NOW - days(30), NOW + days(10)),
        ("good-rsa", NOW - days(30), NOW + days(90)),
    ];
    for (name, not_before, not_after) in expected {
        let validity = leaf(&lab, name).validity().clone();
        assert_eq!(validity.not_before.to_datetime(), not_before, "{name}");
        assert_eq!(validity.not_after.to_datetime(), not_after, "{name}");
    }
    let issuing = parse(&case(&lab, "good-rsa").expected_chains[0][1])
        .validity()
        .clone();
    assert_eq!(issuing.not_after.to_datetime(), NOW + days(365 * 5));
    let root = parse(lab.approved_root_der()).validity().clone();
    assert_eq!(root.not_after.to_datetime(), NOW + days(365 * 10));
    lab.shutdown().await;
}

#[tokio::test]
async fn leaf_keys_have_the_promised_types_and_sizes() {
    let lab = start_lab().await;
    let rsa_bits = |name: &str| match leaf(&lab, name).public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) => rsa.key_size(),
        other => panic!("{name}: not RSA: {other:?}"),
    };
    assert_eq!(rsa_bits("rsa-1024"), 1024);
    assert_eq!(rsa_bits("good-rsa"), 2048);
    assert_eq!(rsa_bits("sha1-signed"), 2048);
    match leaf(&lab, "good-ecdsa").public_key().parsed() {
        Ok(PublicKey::EC(point)) => assert_eq!(point.key_size(), 256),
        other => panic!("good-ecdsa: not EC: {other:?}"),
    }
    assert_eq!(
        leaf(&lab, "ed25519").public_key().algorithm.algorithm,
        OID_SIG_ED25519
    );
    let issuing = parse(&case(&lab, "good-rsa").expected_chains[0][1]);
    assert!(
        matches!(issuing.public_key().parsed(), Ok(PublicKey::RSA(rsa)) if rsa.key_size() == 2048)
    );
    lab.shutdown().await;
}

#[tokio::test]
async fn sha1_signed_leaf_carries_a_valid_sha1_signature() {
    let lab = start_lab().await;
    let chain = &case(&lab, "sha1-signed").expected_chains[0];
    let cert = parse(&chain[0]);
    assert_eq!(cert.signature_algorithm.algorithm, OID_PKCS1_SHA1WITHRSA);
    assert_eq!(
        cert.tbs_certificate.signature.algorithm,
        OID_PKCS1_SHA1WITHRSA
    );
    let issuer = parse(&chain[1]);
    assert_eq!(cert.issuer(), issuer.subject());
    let issuer_key =
        RsaPublicKey::from_public_key_der(issuer.public_key().raw).expect("RSA issuer");
    let digest = Sha1::digest(cert.tbs_certificate.as_ref());
    let signature = cert.signature_value.data.as_ref();
    issuer_key
        .verify(Pkcs1v15Sign::new::<Sha1>(), &digest, signature)
        .expect("SHA-1 signature verifies with the issuing CA key");
    let mut tampered = signature.to_vec();
    tampered[10] ^= 1;
    assert!(issuer_key
        .verify(Pkcs1v15Sign::new::<Sha1>(), &digest, &tampered)
        .is_err());
    lab.shutdown().await;
}

#[tokio::test]
async fn approved_hierarchy_is_root_then_pathlen_0_issuing_ca() {
    let lab = start_lab().await;
    let root = parse(lab.approved_root_der());
    let root_name = "O=certatlas lab, CN=certatlas Lab Approved Root";
    assert_eq!(root.subject().to_string(), root_name);
    assert_eq!(root.subject(), root.issuer());
    let good_chain = &case(&lab, "good-rsa").expected_chains[0];
    let issuing = parse(&good_chain[1]);
    let issuing_name = "O=certatlas lab, CN=certatlas Lab Issuing CA";
    assert_eq!(issuing.subject().to_string(), issuing_name);
    let constraints = issuing.basic_constraints().unwrap().expect("present").value;
    assert!(constraints.ca);
    assert_eq!(constraints.path_len_constraint, Some(0));
    assert_eq!(issuing.issuer(), root.subject());
    assert_eq!(key_identifier(&issuing, true), key_identifier(&root, false));
    let rsa_leaf = parse(&good_chain[0]);
    assert_eq!(rsa_leaf.issuer(), issuing.subject());
    assert_eq!(
        key_identifier(&rsa_leaf, true),
        key_identifier(&issuing, false)
    );
    lab.shutdown().await;
}

#[tokio::test]
async fn leaves_carry_server_auth_and_key_appropriate_usage() {
    let lab = start_lab().await;
    let rsa_leaf = leaf(&lab, "good-rsa");
    let rsa_usage = rsa_leaf.key_usage().unwrap().expect("KU").value;
    assert!(rsa_usage.digital_signature() && rsa_usage.key_encipherment());
    let ecdsa_leaf = leaf(&lab, "good-ecdsa");
    let ecdsa_usage = ecdsa_leaf.key_usage().unwrap().expect("KU").value;
    assert!(ecdsa_usage.digital_signature() && !ecdsa_usage.key_encipherment());
    let eku = ecdsa_leaf.extended_key_usage().unwrap().expect("EKU").value;
    assert!(eku.server_auth && !eku.client_auth);
    let constraints = ecdsa_leaf
        .basic_constraints()
        .unwrap()
        .expect("CA:FALSE")
        .value;
    assert!(!constraints.ca);
    assert_eq!(dns_names(&ecdsa_leaf), ["good-ecdsa.lab.certatlas.test"]);
    lab.shutdown().await;
}

#[tokio::test]
async fn flawed_chains_and_names_are_as_described() {
    let lab = start_lab().await;
    let root_included = &case(&lab, "root-included").expected_chains[0];
    assert_eq!(root_included.len(), 3);
    assert_eq!(root_included[2], lab.approved_root_der());
    assert_eq!(
        case(&lab, "missing-intermediate").expected_chains[0].len(),
        1
    );
    let shadow_chain = &case(&lab, "shadow-ca").expected_chains[0];
    assert_eq!(shadow_chain[1], lab.shadow_root_der());
    assert_ne!(lab.shadow_root_der(), lab.approved_root_der());
    let shadow_issuer = parse(&shadow_chain[0]).issuer().to_string();
    assert_eq!(shadow_issuer, "O=Unregistered Team, CN=Shadow Private Root");
    let self_signed = leaf(&lab, "self-signed");
    assert_eq!(case(&lab, "self-signed").expected_chains[0].len(), 1);
    assert_eq!(self_signed.subject(), self_signed.issuer());
    assert!(
        !self_signed
            .basic_constraints()
            .unwrap()
            .expect("CA:FALSE")
            .value
            .ca
    );
    assert_eq!(dns_names(&leaf(&lab, "wrong-host")), ["other.example.test"]);
    lab.shutdown().await;
}
