//! Tests of the CA graph and classification: one scenario per class, the
//! first-rule-wins order, signature-confirmed links, cycles, CA summaries.

use super::testpki::{self, entry, intermediate, leaf, root, self_signed_leaf, sha, view};
use super::*;

fn graph(ders: &[&[u8]], trust: &TrustContext) -> CaGraph {
    let certs: Vec<_> = ders.iter().map(|d| entry(d)).collect();
    CaGraph::build(&certs, trust)
}

fn private_trust() -> TrustContext {
    TrustContext::new(Vec::new(), Vec::new(), false)
}

#[test]
fn approved_by_certificate_reaches_a_root_no_server_sent() {
    let corp = root("Corp Root");
    let issuing = intermediate("Corp Issuing", &corp);
    let web = leaf("www.corp.test", &issuing);
    let trust = TrustContext::new(vec![corp.der.clone()], Vec::new(), false);
    let g = graph(&[&web, &issuing.der], &trust);
    let c = g.classify_leaf(&sha(&web));
    assert_eq!(c.class, CaClass::Approved);
    assert_eq!(c.anchor_sha256, Some(sha(&corp.der)));
    assert_eq!(
        c.anchor_subject.as_deref(),
        Some(view(&corp.der).subject.dn.as_str())
    );
    assert_eq!(c.path, [sha(&web), sha(&issuing.der), sha(&corp.der)]);
}

#[test]
fn approved_by_spki_hash_needs_a_certificate_with_that_key() {
    let corp = root("Corp Root");
    let issuing = intermediate("Corp Issuing", &corp);
    let web = leaf("www.corp.test", &issuing);
    let spki = view(&corp.der).spki_sha256.to_uppercase();
    let trust = TrustContext::new(Vec::new(), vec![spki], false);
    let served = graph(&[&web, &issuing.der, &corp.der], &trust);
    let c = served.classify_leaf(&sha(&web));
    assert_eq!(
        (c.class, c.anchor_sha256),
        (CaClass::Approved, Some(sha(&corp.der)))
    );
    // The documented limit: the root never seen, its hash alone proves nothing.
    let unseen = graph(&[&web, &issuing.der], &trust);
    assert_eq!(unseen.classify_leaf(&sha(&web)).class, CaClass::Shadow);
}

#[test]
fn undeclared_private_hierarchy_is_shadow() {
    let rogue = root("Rogue Root");
    let issuing = intermediate("Rogue Issuing", &rogue);
    let web = leaf("app.corp.test", &issuing);
    let full = graph(&[&web, &issuing.der, &rogue.der], &private_trust());
    let c = full.classify_leaf(&sha(&web));
    assert_eq!(c.class, CaClass::Shadow);
    assert_eq!(c.anchor_sha256, Some(sha(&rogue.der)));
    assert_eq!(c.path.len(), 3);
    // Root never seen: the private intermediate is the top.
    let partial = graph(&[&web, &issuing.der], &private_trust());
    let c = partial.classify_leaf(&sha(&web));
    assert_eq!(
        (c.class, c.anchor_sha256),
        (CaClass::Shadow, Some(sha(&issuing.der)))
    );
}

#[test]
fn self_signed_leaf_and_unknown_issuer() {
    let lonely = self_signed_leaf("printer.corp.test");
    let orphan_ca = root("Never Seen Root");
    let orphan = leaf("orphan.corp.test", &orphan_ca);
    let g = graph(&[&lonely, &orphan], &private_trust());
    let c = g.classify_leaf(&sha(&lonely));
    assert_eq!(
        (c.class, c.path.clone()),
        (CaClass::SelfSigned, vec![sha(&lonely)])
    );
    assert_eq!(c.anchor_sha256, Some(sha(&lonely)));
    let c = g.classify_leaf(&sha(&orphan));
    assert_eq!(
        (c.class, c.anchor_sha256, c.path),
        (CaClass::Unknown, None, vec![sha(&orphan)])
    );
    let missing = g.classify_leaf("00");
    assert_eq!((missing.class, missing.path.len()), (CaClass::Unknown, 0));
}

#[test]
fn approved_wins_over_self_signed() {
    let pinned = self_signed_leaf("appliance.corp.test");
    let trust = TrustContext::new(vec![pinned.clone()], Vec::new(), false);
    let c = graph(&[&pinned], &trust).classify_leaf(&sha(&pinned));
    assert_eq!(c.class, CaClass::Approved);
}

#[test]
fn real_mozilla_root_served_at_the_top_is_public() {
    let isrg = testpki::pem_der(testpki::ISRG_ROOT_X1);
    let trust = TrustContext::new(Vec::new(), Vec::new(), true);
    assert!(trust.public_anchor_count() > 100);
    let c = graph(&[&isrg], &trust).classify_leaf(&sha(&isrg));
    assert_eq!(c.class, CaClass::Public);
    assert_eq!(c.anchor_sha256, Some(sha(&isrg)));
    assert_eq!(c.anchor_spki_sha256, Some(view(&isrg).spki_sha256));
    assert!(c
        .anchor_subject
        .expect("subject")
        .contains("CN=ISRG Root X1"));
    // Without the Mozilla store it is just an undeclared self-signed certificate.
    let c = graph(&[&isrg], &private_trust()).classify_leaf(&sha(&isrg));
    assert_eq!(c.class, CaClass::SelfSigned);
}

#[test]
fn private_leaf_next_to_a_real_root_it_was_not_signed_by_is_unknown() {
    let digicert = testpki::pem_der(testpki::DIGICERT_GLOBAL_ROOT_G2);
    let ca = root("Private Root");
    let web = leaf("www.corp.test", &ca);
    let trust = TrustContext::new(Vec::new(), Vec::new(), true);
    let g = graph(&[&web, &digicert], &trust);
    let c = g.classify_leaf(&sha(&web));
    assert_eq!((c.class, c.path), (CaClass::Unknown, vec![sha(&web)]));
    assert!(g.issuers_of(&sha(&web)).is_empty());
}

/// A CA named exactly like ISRG Root X1 (same DER), with our own key.
fn isrg_impostor() -> testpki::Ca {
    use rcgen::{string::PrintableString, DnType, DnValue};
    let mut ca = root("placeholder");
    let printable = |s: &str| DnValue::PrintableString(PrintableString::try_from(s).expect("ps"));
    ca.params.distinguished_name = rcgen::DistinguishedName::new();
    ca.params
        .distinguished_name
        .push(DnType::CountryName, printable("US"));
    let org = printable("Internet Security Research Group");
    ca.params
        .distinguished_name
        .push(DnType::OrganizationName, org);
    ca.params
        .distinguished_name
        .push(DnType::CommonName, printable("ISRG Root X1"));
    ca
}

#[test]
fn top_claiming_a_public_issuer_or_a_ct_logged_leaf_stay_unknown() {
    let impostor = isrg_impostor();
    let isrg = testpki::pem_der(testpki::ISRG_ROOT_X1);
    let issuing = intermediate("Claims Public Parent", &impostor);
    assert_eq!(
        view(&issuing.der).issuer.der_sha256,
        view(&isrg).subject.der_sha256
    );
    let web = leaf("www.corp.test", &issuing);
    let trust = TrustContext::new(Vec::new(), Vec::new(), true);
    let c = graph(&[&web, &issuing.der], &trust).classify_leaf(&sha(&web));
    assert_eq!((c.class, c.path.len()), (CaClass::Unknown, 2));

    let private = root("Private Root");
    let private_issuing = intermediate("Private Issuing", &private);
    let mut logged = testpki::params("logged.corp.test", false);
    logged.custom_extensions = vec![testpki::one_sct_extension()];
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("keygen");
    let logged = testpki::sign(&logged, &key, &private_issuing);
    let g = graph(&[&logged, &private_issuing.der], &trust);
    assert_eq!(view(&logged).sct_count, 1);
    assert_eq!(g.classify_leaf(&sha(&logged)).class, CaClass::Unknown);
}

#[test]
fn links_need_a_valid_signature_not_just_matching_names_and_key_ids() {
    let real = root("Corp Root");
    let web = leaf("www.corp.test", &real);
    let mut twin = root("Corp Root");
    twin.params.key_identifier_method =
        rcgen::KeyIdMethod::PreSpecified(real.params.key_identifier(&real.key));
    twin.der = twin
        .params
        .self_signed(&twin.key)
        .expect("sign")
        .der()
        .to_vec();
    assert_eq!(
        view(&twin.der).subject_key_id,
        view(&real.der).subject_key_id
    );
    let g = graph(&[&web, &twin.der], &private_trust());
    assert_eq!(g.classify_leaf(&sha(&web)).class, CaClass::Unknown);
    let g = graph(&[&web, &twin.der, &real.der], &private_trust());
    assert_eq!(g.issuers_of(&sha(&web)), [sha(&real.der)]);
    assert_eq!(
        g.classify_leaf(&sha(&web)).anchor_sha256,
        Some(sha(&real.der))
    );
}

#[test]
fn cross_signed_cycle_terminates_as_shadow() {
    let (a_params, b_params) = (testpki::params("CA A", true), testpki::params("CA B", true));
    let a_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("kg");
    let b_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("kg");
    let a = testpki::Ca {
        der: Vec::new(),
        params: a_params,
        key: a_key,
    };
    let b = testpki::Ca {
        der: Vec::new(),
        params: b_params,
        key: b_key,
    };
    let a_by_b = testpki::sign(&a.params, &a.key, &b);
    let b_by_a = testpki::sign(&b.params, &b.key, &a);
    let web = leaf("www.corp.test", &a);
    let g = graph(&[&web, &a_by_b, &b_by_a], &private_trust());
    let c = g.classify_leaf(&sha(&web));
    assert_eq!(c.class, CaClass::Shadow);
    assert_eq!(c.path, [sha(&web), sha(&a_by_b), sha(&b_by_a)]);
}

#[test]
fn ca_summaries_count_issued_and_usage() {
    let corp = root("Corp Root");
    let issuing = intermediate("Corp Issuing", &corp);
    let (one, two) = (
        leaf("one.corp.test", &issuing),
        leaf("two.corp.test", &issuing),
    );
    let trust = TrustContext::new(vec![corp.der.clone()], Vec::new(), false);
    let g = graph(&[&one, &two, &issuing.der, &issuing.der], &trust);
    assert_eq!(g.len(), 4, "duplicates ignored, declared root added");
    let mut cas = g.cas();
    let shas: Vec<&str> = cas.iter().map(|c| c.sha256.as_str()).collect();
    assert_eq!(shas, [sha(&issuing.der), sha(&corp.der)]);
    let (int, top) = (&cas[0], &cas[1]);
    assert_eq!((int.issued, int.served, int.self_signed), (2, true, false));
    assert_eq!((top.issued, top.served, top.self_signed), (1, false, true));
    assert_eq!(
        (int.class, top.class),
        (CaClass::Approved, CaClass::Approved)
    );
    assert_eq!(int.key, "EC P-256");
    assert_eq!(int.not_after, view(&issuing.der).not_after);
    g.fill_usage(
        &mut cas,
        [(sha(&one), 3), (sha(&two), 4), ("ff".to_string(), 9)],
    );
    assert_eq!((cas[0].leaves, cas[0].endpoints), (2, 7));
    assert_eq!((cas[1].leaves, cas[1].endpoints), (2, 7));
}

#[test]
fn undeclared_self_signed_ca_summary_is_shadow() {
    let rogue = root("Rogue Root");
    let g = graph(&[&rogue.der], &private_trust());
    let cas = g.cas();
    assert_eq!(cas.len(), 1);
    assert_eq!(cas[0].class, CaClass::Shadow);
    assert_eq!(g.classify_leaf(&sha(&rogue.der)).class, CaClass::SelfSigned);
}

#[test]
fn class_names_round_trip_through_from_str_and_serde() {
    for &class in CaClass::VARIANTS {
        assert_eq!(class.name().parse::<CaClass>(), Ok(class));
        assert_eq!(class.to_string(), class.name());
        let json = serde_json::to_string(&class).expect("json");
        assert_eq!(json, format!("\"{}\"", class.name()));
    }
    let names: Vec<&str> = CaClass::VARIANTS.iter().map(|c| c.name()).collect();
    let expected = ["public", "approved", "shadow", "self_signed", "unknown"];
    assert_eq!(names, expected);
    assert_eq!("Self-Signed".parse::<CaClass>(), Ok(CaClass::SelfSigned));
    let err = "private".parse::<CaClass>().expect_err("not a class");
    assert!(err.to_string().contains("\"private\""));
}
