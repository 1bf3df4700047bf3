//! Tests of owner rule matching: each matcher kind, all-kinds-must-match,
//! first match wins, and invalid rules.

use super::*;
use crate::certs::parse_certificate;

/// A leaf with SAN `www.shop.example.org`, subject O/OU and issuer CN
/// "Corp Issuing CA 2".
fn view() -> CertificateView {
    use rcgen::{CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let mut ca = CertificateParams::default();
    ca.distinguished_name = rcgen::DistinguishedName::new();
    ca.distinguished_name
        .push(DnType::OrganizationName, "Example Corp");
    ca.distinguished_name
        .push(DnType::CommonName, "Corp Issuing CA 2");
    ca.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("keygen");
    let mut leaf = CertificateParams::new(vec!["www.shop.example.org".to_string()]).expect("san");
    leaf.distinguished_name = rcgen::DistinguishedName::new();
    leaf.distinguished_name
        .push(DnType::OrganizationName, "Shop GmbH");
    leaf.distinguished_name
        .push(DnType::OrganizationalUnitName, "Web Platform");
    leaf.distinguished_name
        .push(DnType::CommonName, "legacy-cn.example.org");
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("keygen");
    let issuer = Issuer::from_params(&ca, &ca_key);
    let der = leaf.signed_by(&key, &issuer).expect("sign").der().to_vec();
    parse_certificate(&der).expect("parse")
}

fn rule(owner: &str, edit: impl FnOnce(&mut OwnerRuleSpec)) -> OwnerRuleSpec {
    let mut spec = OwnerRuleSpec {
        owner: owner.to_string(),
        ..OwnerRuleSpec::default()
    };
    edit(&mut spec);
    spec
}

fn rules(specs: Vec<OwnerRuleSpec>) -> OwnerRules {
    let mut rules = OwnerRules::new();
    for spec in specs {
        rules.push(spec).expect("valid rule");
    }
    rules
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

fn assign(
    rules: &OwnerRules,
    address: Option<&str>,
    hostnames: &[&str],
    view: &CertificateView,
) -> OwnerAssignment {
    let hostnames = strings(hostnames);
    let subject = OwnerSubject {
        address: address.map(|a| a.parse().expect("address")),
        hostnames: &hostnames,
        view,
    };
    rules.assign(&subject)
}

#[test]
fn each_matcher_kind_matches_on_its_own() {
    let v = view();
    let cases: Vec<(OwnerRuleSpec, &str)> = vec![
        (
            rule("a", |r| r.cidr = strings(&["10.9.0.0/16", "10.1.0.0/16"])),
            "cidr 10.1.0.0/16",
        ),
        (
            rule("b", |r| r.hostname = strings(&["*.corp.test"])),
            "hostname *.corp.test",
        ),
        (
            rule("c", |r| r.san = strings(&["**.example.org"])),
            "san **.example.org",
        ),
        (
            rule("d", |r| r.issuer = strings(&["issuing ca"])),
            "issuer issuing ca",
        ),
        (
            rule("e", |r| r.subject_o = strings(&["shop gmbh"])),
            "subject_o shop gmbh",
        ),
        (
            rule("f", |r| r.subject_ou = strings(&["WEB PLATFORM"])),
            "subject_ou WEB PLATFORM",
        ),
    ];
    for (spec, reason) in cases {
        let owner = spec.owner.clone();
        let got = assign(&rules(vec![spec]), Some("10.1.2.3"), &["api.corp.test"], &v);
        assert_eq!(got.owner.as_deref(), Some(owner.as_str()));
        assert_eq!(got.rule, Some(format!("owners[0] ({reason})")));
    }
}

#[test]
fn non_matching_values_leave_the_subject_unassigned() {
    let v = view();
    let specs = vec![
        rule("a", |r| r.cidr = strings(&["10.2.0.0/16"])),
        rule("b", |r| r.hostname = strings(&["www.shop.example.org"])), // SAN, not a host name used
        rule("c", |r| r.san = strings(&["legacy-cn.example.org"])),     // CN is not consulted
        rule("d", |r| r.issuer = strings(&["Other CA"])),
        rule("e", |r| r.subject_o = strings(&["Shop"])), // exact, not substring
        rule("f", |r| r.subject_ou = strings(&["Web"])),
    ];
    let got = assign(&rules(specs), Some("10.1.2.3"), &["api.corp.test"], &v);
    assert_eq!(got, OwnerAssignment::default());
    let cidr_only = rules(vec![rule("a", |r| r.cidr = strings(&["0.0.0.0/0"]))]);
    assert_eq!(
        assign(&cidr_only, None, &[], &v).owner,
        None,
        "no address, no cidr match"
    );
}

#[test]
fn every_kind_of_a_rule_must_match() {
    let v = view();
    let both = rules(vec![rule("web", |r| {
        r.cidr = strings(&["10.1.0.0/16"]);
        r.san = strings(&["*.shop.example.org"]);
    })]);
    let got = assign(&both, Some("10.1.7.7"), &[], &v);
    assert_eq!(
        got.rule.as_deref(),
        Some("owners[0] (cidr 10.1.0.0/16, san *.shop.example.org)")
    );
    assert_eq!(assign(&both, Some("10.2.7.7"), &[], &v).owner, None);
}

#[test]
fn first_matching_rule_wins_in_file_order() {
    let v = view();
    let ordered = rules(vec![
        rule("nobody", |r| r.cidr = strings(&["192.0.2.0/24"])),
        rule("web-team", |r| r.cidr = strings(&["10.1.0.0/16"])),
        rule("pki-team", |r| r.issuer = strings(&["Corp Issuing CA"])),
    ]);
    let got = assign(&ordered, Some("10.1.2.3"), &[], &v);
    assert_eq!(got.owner.as_deref(), Some("web-team"));
    assert_eq!(got.rule.as_deref(), Some("owners[1] (cidr 10.1.0.0/16)"));
    let got = assign(&ordered, Some("10.200.0.1"), &[], &v);
    assert_eq!(got.owner.as_deref(), Some("pki-team"));
}

#[test]
fn bare_addresses_and_ipv4_mapped_ipv6() {
    let v = view();
    let r = rules(vec![rule("one", |r| {
        r.cidr = strings(&["10.1.2.3", "2001:db8::/32"])
    })]);
    assert_eq!(
        assign(&r, Some("10.1.2.3"), &[], &v).owner.as_deref(),
        Some("one")
    );
    assert_eq!(assign(&r, Some("10.1.2.4"), &[], &v).owner, None);
    assert_eq!(
        assign(&r, Some("::ffff:10.1.2.3"), &[], &v)
            .owner
            .as_deref(),
        Some("one")
    );
    assert_eq!(
        assign(&r, Some("2001:db8::5"), &[], &v).owner.as_deref(),
        Some("one")
    );
}

#[test]
fn invalid_rules_are_rejected_with_the_matcher_named() {
    let mut r = OwnerRules::new();
    let err = r
        .push(rule("x", |r| r.cidr = strings(&["10.1.0.0/33"])))
        .expect_err("bad cidr");
    assert!(
        matches!(&err, OwnerRuleError::BadValue { kind: MatcherKind::Cidr, value, .. } if value == "10.1.0.0/33")
    );
    assert!(err.to_string().starts_with("cidr value \"10.1.0.0/33\""));
    let err = r
        .push(rule("x", |r| r.hostname = strings(&["a..b"])))
        .expect_err("bad glob");
    assert!(matches!(
        err,
        OwnerRuleError::BadValue {
            kind: MatcherKind::Hostname,
            ..
        }
    ));
    let err = r
        .push(rule("x", |r| r.issuer = strings(&[" "])))
        .expect_err("empty issuer");
    assert!(matches!(
        err,
        OwnerRuleError::BadValue {
            kind: MatcherKind::Issuer,
            ..
        }
    ));
    assert_eq!(
        r.push(rule("x", |_| ())),
        Err(OwnerRuleError::NoMatcher("x".into()))
    );
    assert_eq!(
        r.push(rule(" ", |r| r.cidr = strings(&["10.0.0.0/8"]))),
        Err(OwnerRuleError::EmptyOwner)
    );
    assert!(r.is_empty());
}

#[test]
fn matcher_keys_round_trip_and_stay_as_configured() {
    let keys: Vec<&str> = MatcherKind::VARIANTS.iter().map(|k| k.key()).collect();
    let expected = [
        "cidr",
        "hostname",
        "san",
        "issuer",
        "subject_o",
        "subject_ou",
    ];
    assert_eq!(keys, expected);
    for &kind in MatcherKind::VARIANTS {
        assert_eq!(kind.key().parse::<MatcherKind>(), Ok(kind));
    }
}
