//! Unit tests of the scan diff: renewal vs replacement, re-key, lead time,
//! endpoints that come and go, and expired-in-service events.

use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use super::*;
use crate::certs::parse_certificate;

const T0: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

/// A self-signed certificate for `name`, valid until `not_after`, with
/// `key` (the same key object gives the same SPKI).
fn leaf_view(name: &str, not_after: OffsetDateTime, key: &rcgen::KeyPair) -> CertificateView {
    let mut params = rcgen::CertificateParams::new(vec![name.to_string()]).unwrap();
    params.not_before = T0 - Duration::days(30);
    params.not_after = not_after;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    let cert = params.self_signed(key).unwrap();
    parse_certificate(cert.der()).unwrap()
}

fn key() -> rcgen::KeyPair {
    rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap()
}

fn at(port: u16, view: &CertificateView, observed_at: OffsetDateTime) -> EndpointLeaf {
    EndpointLeaf {
        endpoint: EndpointKey {
            address: "192.0.2.10".into(),
            port,
            sni: None,
        },
        host: "192.0.2.10".into(),
        sni_source: crate::observation::SniSource::None,
        names: Vec::new(),
        leaf_sha256: view.sha256.clone(),
        leaf: Some(Box::new(view.clone())),
        chain: vec![view.sha256.clone()],
        leaf_only_chain: false,
        observed_at,
    }
}

#[test]
fn same_name_is_a_renewal_with_lead_time_and_rekey() {
    let (old_key, new_key) = (key(), key());
    let old = leaf_view("www.example.test", T0 + Duration::days(90), &old_key);
    let new = leaf_view("www.example.test", T0 + Duration::days(150), &new_key);
    let seen = T0 + Duration::days(60);
    let d = diff(&[at(443, &old, T0)], &[at(443, &new, seen)]);
    assert_eq!(d.changed.len(), 1);
    let change = &d.changed[0];
    assert_eq!(change.kind, ChangeKind::Renewal);
    assert!(change.rekeyed);
    assert_eq!(change.lead_days, Some(30.0));
    assert_eq!(d.new_certificates.len(), 1);
    assert_eq!(d.gone_certificates.len(), 1);
    let kinds: Vec<EventKind> = events(&d, &[at(443, &new, seen)])
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            EventKind::NewCertificate,
            EventKind::CertificateGone,
            EventKind::Renewal,
            EventKind::Rekey
        ]
    );
}

#[test]
fn same_key_renewal_is_not_a_rekey_and_late_renewal_has_negative_lead() {
    let shared = key();
    let old = leaf_view("api.example.test", T0 + Duration::days(10), &shared);
    let new = leaf_view("api.example.test", T0 + Duration::days(100), &shared);
    let d = diff(
        &[at(443, &old, T0)],
        &[at(443, &new, T0 + Duration::days(12))],
    );
    assert!(!d.changed[0].rekeyed);
    assert_eq!(d.changed[0].lead_days, Some(-2.0));
}

#[test]
fn other_names_are_a_replacement() {
    let old = leaf_view("a.example.test", T0 + Duration::days(90), &key());
    let new = leaf_view("b.example.test", T0 + Duration::days(90), &key());
    let d = diff(&[at(443, &old, T0)], &[at(443, &new, T0)]);
    assert_eq!(d.changed[0].kind, ChangeKind::Replacement);
    let kinds: Vec<EventKind> = events(&d, &[]).iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&EventKind::CertificateChanged));
}

#[test]
fn endpoints_come_and_go_and_unchanged_scans_are_empty() {
    let cert = leaf_view("www.example.test", T0 + Duration::days(90), &key());
    let same = diff(
        &[at(443, &cert, T0)],
        &[at(443, &cert, T0 + Duration::days(1))],
    );
    assert!(same.is_empty());
    let moved = diff(&[at(443, &cert, T0)], &[at(8443, &cert, T0)]);
    assert_eq!(moved.new_endpoints.len(), 1);
    assert_eq!(moved.gone_endpoints.len(), 1);
    assert!(
        moved.new_certificates.is_empty(),
        "the certificate itself is not new"
    );
}

#[test]
fn a_second_leaf_on_an_endpoint_is_not_a_change() {
    let rsa_like = leaf_view("dual.example.test", T0 + Duration::days(90), &key());
    let ecdsa_like = leaf_view("dual.example.test", T0 + Duration::days(90), &key());
    let before = [at(443, &rsa_like, T0)];
    let after = [at(443, &rsa_like, T0), at(443, &ecdsa_like, T0)];
    let d = diff(&before, &after);
    assert!(d.changed.is_empty());
    assert_eq!(d.new_certificates.len(), 1);
}

#[test]
fn expired_leaves_in_service_are_events() {
    let expired = leaf_view("old.example.test", T0 - Duration::days(1), &key());
    let fresh = leaf_view("new.example.test", T0 + Duration::days(90), &key());
    let newer = [at(443, &expired, T0), at(8443, &fresh, T0)];
    let expired_events: Vec<NewEvent> = events(&ScanDiff::default(), &newer)
        .into_iter()
        .filter(|e| e.kind == EventKind::ExpiredInService)
        .collect();
    assert_eq!(expired_events.len(), 1);
    assert_eq!(
        expired_events[0].new_sha256.as_deref(),
        Some(expired.sha256.as_str())
    );
}

#[test]
fn a_name_tried_in_one_scan_only_is_no_endpoint_that_came_or_went() {
    let k = key();
    let default = leaf_view("www.example.test", T0 + Duration::days(90), &k);
    let alpha = leaf_view("alpha.example.test", T0 + Duration::days(90), &k);
    let mut deployment = at(443, &alpha, T0);
    deployment.endpoint.sni = Some("alpha.example.test".into());
    let with_name = [at(443, &default, T0), deployment];
    let without = [at(443, &default, T0)];
    let gone = diff(&with_name, &without);
    assert!(gone.gone_endpoints.is_empty(), "{gone:?}");
    assert!(gone.changed.is_empty());
    assert_eq!(
        gone.gone_certificates.len(),
        1,
        "its certificate is no longer seen"
    );
    let back = diff(&without, &with_name);
    assert!(back.new_endpoints.is_empty(), "{back:?}");
    let moved = diff(&without, &[at(8443, &default, T0)]);
    assert_eq!(
        moved.gone_endpoints.len(),
        1,
        "a port that stops serving is gone"
    );
    assert_eq!(moved.new_endpoints.len(), 1);
}
