//! Test-only PKI builders for the `inventory::ca` tests: rcgen roots,
//! intermediates and leaves (ECDSA P-256, fixed dates), and the real Mozilla
//! roots checked in under `fixtures/public-roots/`.

use base64::Engine as _;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

use crate::certs::{parse_certificate, CertificateView};

/// ISRG Root X1, a real Mozilla root (see the comment line in the file).
pub(super) const ISRG_ROOT_X1: &str =
    include_str!("../../../fixtures/public-roots/isrg-root-x1.pem");
/// DigiCert Global Root G2, a real Mozilla root.
pub(super) const DIGICERT_GLOBAL_ROOT_G2: &str =
    include_str!("../../../fixtures/public-roots/digicert-global-root-g2.pem");

/// A generated CA: its certificate, the parameters that made it and its key.
pub(super) struct Ca {
    pub der: Vec<u8>,
    pub params: CertificateParams,
    pub key: KeyPair,
}

fn key() -> KeyPair {
    KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("keygen")
}

/// Parameters with a single CN, fixed validity, and CA or leaf settings.
pub(super) fn params(cn: &str, ca: bool) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = DistinguishedName::new();
    p.distinguished_name
        .push(DnType::OrganizationName, "CertAtlas Test");
    p.distinguished_name.push(DnType::CommonName, cn);
    p.not_before = rcgen::date_time_ymd(2025, 1, 1);
    p.not_after = rcgen::date_time_ymd(2035, 1, 1);
    p.use_authority_key_identifier_extension = true;
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    } else {
        p.is_ca = IsCa::ExplicitNoCa;
        let dns = rcgen::string::Ia5String::try_from(cn).expect("ia5");
        p.subject_alt_names = vec![rcgen::SanType::DnsName(dns)];
    }
    p
}

/// A self-signed root CA.
pub(super) fn root(cn: &str) -> Ca {
    let params = params(cn, true);
    let key = key();
    let der = params.self_signed(&key).expect("self-sign").der().to_vec();
    Ca { der, params, key }
}

/// Signs `params` (for `subject_key`) with `parent`.
pub(super) fn sign(params: &CertificateParams, subject_key: &KeyPair, parent: &Ca) -> Vec<u8> {
    let issuer = Issuer::from_params(&parent.params, &parent.key);
    params
        .signed_by(subject_key, &issuer)
        .expect("sign")
        .der()
        .to_vec()
}

/// An intermediate CA issued by `parent`.
pub(super) fn intermediate(cn: &str, parent: &Ca) -> Ca {
    let params = params(cn, true);
    let key = key();
    let der = sign(&params, &key, parent);
    Ca { der, params, key }
}

/// A server leaf issued by `parent`.
pub(super) fn leaf(cn: &str, parent: &Ca) -> Vec<u8> {
    sign(&params(cn, false), &key(), parent)
}

/// A self-signed server leaf (not a CA).
pub(super) fn self_signed_leaf(cn: &str) -> Vec<u8> {
    params(cn, false)
        .self_signed(&key())
        .expect("self-sign")
        .der()
        .to_vec()
}

/// DER plus parsed view, as the graph takes them.
pub(super) fn entry(der: &[u8]) -> (Vec<u8>, CertificateView) {
    (der.to_vec(), view(der))
}

/// The parsed view of a generated or fixture certificate.
pub(super) fn view(der: &[u8]) -> CertificateView {
    parse_certificate(der).expect("test certificate parses")
}

/// SHA-256 (lowercase hex) of a certificate.
pub(super) fn sha(der: &[u8]) -> String {
    crate::certs::sha256_hex(der)
}

/// The DER of the first certificate in a PEM text (comment lines allowed).
pub(super) fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem
        .lines()
        .skip_while(|line| !line.starts_with("-----BEGIN CERTIFICATE-----"))
        .skip(1)
        .take_while(|line| !line.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .expect("fixture PEM is base64")
}

/// An embedded-SCT-list extension (RFC 6962 §3.3) holding one well-formed SCT.
pub(super) fn one_sct_extension() -> rcgen::CustomExtension {
    let mut sct = vec![0u8]; // v1
    sct.extend([7u8; 32]); // log id
    sct.extend(1_700_000_000_000u64.to_be_bytes());
    sct.extend([0, 0]); // no extensions
    sct.extend([4, 3, 0, 2, 0xab, 0xcd]); // ecdsa/sha256, 2-byte signature
    let mut list = (sct.len() as u16).to_be_bytes().to_vec();
    list.extend(sct);
    let mut tls = (list.len() as u16).to_be_bytes().to_vec();
    tls.extend(list);
    let octets = [&[0x04, tls.len() as u8][..], &tls].concat();
    rcgen::CustomExtension::from_oid_content(&[1, 3, 6, 1, 4, 1, 11129, 2, 4, 2], octets)
}
