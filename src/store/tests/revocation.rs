//! Tests of the revocation checks (version 8): appended per scan,
//! read as of a scan (the newest check made by it or an earlier scan, for
//! the certificates in its chains only), on SQLite and PostgreSQL.

use time::Duration;

use super::{backends, complete_scan, pki, t0, tls_observation};
use crate::certs::sha256_hex;
use crate::store::NewRevocationCheck;

fn check(certificate: &str, status: &str, at: time::OffsetDateTime) -> NewRevocationCheck {
    NewRevocationCheck {
        certificate: certificate.to_string(),
        source: "ocsp".into(),
        url: "http://ocsp.test/".into(),
        checked_at: at,
        status: status.into(),
        reason: (status == "revoked").then(|| "keyCompromise".to_string()),
        revoked_at: (status == "revoked").then_some(at - Duration::days(2)),
        detail: (status == "unknown").then(|| "connection failed".to_string()),
        this_update: Some(at),
        next_update: None,
        fresh_until: at + Duration::days(1),
    }
}

#[test]
fn checks_are_read_as_of_a_scan_newest_first_for_its_certificates_only() {
    for db in backends() {
        let store = db.open();
        let observe = |at| vec![tls_observation("127.0.0.1", 443, None, at, pki().chain(0))];
        let first = complete_scan(&store, t0(), observe(t0()));
        let later = t0() + Duration::days(3);
        let second = complete_scan(&store, later, observe(later));
        let leaf = sha256_hex(&pki().leaves[0]);
        let elsewhere = sha256_hex(&pki().leaves[1]);
        store
            .record_revocation_checks(
                first,
                &[check(&leaf, "good", t0()), check(&elsewhere, "good", t0())],
            )
            .unwrap();
        store
            .record_revocation_checks(second, &[check(&leaf, "revoked", later)])
            .unwrap();
        let as_of_first = store.revocation_checks_as_of(first).unwrap();
        assert_eq!(
            as_of_first.len(),
            1,
            "only certificates of the scan's chains"
        );
        assert_eq!(as_of_first[&leaf].check.status, "good");
        assert_eq!(as_of_first[&leaf].check, check(&leaf, "good", t0()));
        let as_of_second = store.revocation_checks_as_of(second).unwrap();
        let newest = &as_of_second[&leaf];
        assert_eq!(newest.scan, second);
        assert_eq!(
            newest.check,
            check(&leaf, "revoked", later),
            "times survive the round trip"
        );
    }
}
