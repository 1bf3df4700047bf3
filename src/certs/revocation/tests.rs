//! CRLs and OCSP requests made with rcgen at test time: a listed serial is
//! revoked with its reason and date, an unlisted one good, and a CRL that
//! another CA issued or that was altered is refused.

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType, IsCa, Issuer,
    KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason, RevokedCertParams, SerialNumber,
};
use time::macros::datetime;

use super::*;

struct Ca {
    der: Vec<u8>,
    issuer: Issuer<'static, KeyPair>,
}

fn ca(name: &str) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let der = params.self_signed(&key).unwrap().der().to_vec();
    Ca {
        der,
        issuer: Issuer::new(params, key),
    }
}

fn leaf(ca: &Ca, serial: u64) -> Vec<u8> {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["leaf.test".to_string()]).unwrap();
    params.serial_number = Some(SerialNumber::from(serial));
    params.signed_by(&key, &ca.issuer).unwrap().der().to_vec()
}

fn crl(ca: &Ca, revoked_serial: u64) -> (Vec<u8>, String) {
    let params = CertificateRevocationListParams {
        this_update: datetime!(2026-06-01 00:00 UTC),
        next_update: datetime!(2026-06-08 00:00 UTC),
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: vec![RevokedCertParams {
            serial_number: SerialNumber::from(revoked_serial),
            revocation_time: datetime!(2026-05-20 10:00 UTC),
            reason_code: Some(RevocationReason::KeyCompromise),
            invalidity_date: None,
        }],
        key_identifier_method: KeyIdMethod::Sha256,
    };
    let list = params.signed_by(&ca.issuer).unwrap();
    (list.der().to_vec(), list.pem().unwrap())
}

#[test]
fn a_listed_serial_is_revoked_with_reason_and_date_an_unlisted_one_good() {
    let ca = ca("CRL Test CA");
    let (der, pem) = crl(&ca, 0x1234);
    for bytes in [der, pem.into_bytes()] {
        let list = parse_crl(&bytes, &ca.der).expect("a CRL the CA signed");
        assert_eq!(list.len(), 1);
        assert_eq!(list.next_update, Some(datetime!(2026-06-08 00:00 UTC)));
        let revoked = list.answer_for(&leaf(&ca, 0x1234)).unwrap();
        assert_eq!(
            revoked.status,
            AnsweredStatus::Revoked {
                reason: Some("keyCompromise".into()),
                at: datetime!(2026-05-20 10:00 UTC)
            }
        );
        let good = list.answer_for(&leaf(&ca, 0x1235)).unwrap();
        assert_eq!(good.status, AnsweredStatus::Good);
    }
}

#[test]
fn a_crl_of_another_ca_or_altered_is_refused() {
    let (ca, other) = (ca("CRL Test CA"), ca("Other CA"));
    let (der, _) = crl(&other, 7);
    assert_eq!(
        parse_crl(&der, &ca.der),
        Err(RevocationDataError::WrongIssuer)
    );
    let (mut der, _) = crl(&ca, 7);
    let last = der.len() - 1;
    der[last] ^= 0x01;
    assert_eq!(
        parse_crl(&der, &ca.der),
        Err(RevocationDataError::BadSignature)
    );
    assert!(matches!(
        parse_crl(b"not a crl", &ca.der),
        Err(RevocationDataError::Malformed(_))
    ));
}

#[test]
fn an_ocsp_request_names_the_serial_and_a_garbage_response_is_refused() {
    let ca = ca("OCSP Test CA");
    let query = ocsp_request(&leaf(&ca, 0xabcdef), &ca.der).unwrap();
    let der = &query.request_der;
    assert_eq!(der[0], 0x30);
    assert!(
        der.windows(3).any(|w| w == [0xab, 0xcd, 0xef]),
        "serial in the CertID"
    );
    let now = datetime!(2026-06-01 00:00 UTC);
    let try_later = [0x30, 0x03, 0x0a, 0x01, 0x03];
    assert_eq!(
        read_ocsp_response(&query, &try_later, now),
        Err(RevocationDataError::ResponderStatus("tryLater"))
    );
    assert!(read_ocsp_response(&query, b"\x30\x80", now).is_err());
}
