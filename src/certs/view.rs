//! The owned, serialisable [`CertificateView`] data model and its
//! convenience accessors. Built only by [`super::parse_certificate`].

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::{
    BasicConstraints, DistinguishedName, PublicKeyInfo, SignatureAlgorithm, SubjectAltNames,
};

/// Owned, serialisable view of one parsed X.509 certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateView {
    /// Lowercase hex SHA-256 of the whole certificate DER.
    pub sha256: String,
    /// Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo.
    pub spki_sha256: String,
    /// Certificate version, 1..=3.
    pub version: u32,
    /// Serial number: lowercase hex of its DER content octets, no separators,
    /// leading zero digits stripped ("0" for zero).
    pub serial: String,
    /// Subject name.
    pub subject: DistinguishedName,
    /// Issuer name.
    pub issuer: DistinguishedName,
    /// Start of the validity period (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    /// End of the validity period (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// Subject alternative names.
    pub san: SubjectAltNames,
    /// Subject public key summary.
    pub key: PublicKeyInfo,
    /// Algorithm the issuer signed this certificate with.
    pub signature_algorithm: SignatureAlgorithm,
    /// Basic constraints extension, if present.
    pub basic_constraints: Option<BasicConstraints>,
    /// Key usage bits set, by RFC 5280 name (e.g. "digitalSignature").
    pub key_usage: Vec<String>,
    /// Extended key usages ("serverAuth", "clientAuth", ..., "any", or a dotted OID).
    pub extended_key_usage: Vec<String>,
    /// OCSP responder URLs from Authority Information Access.
    pub ocsp_urls: Vec<String>,
    /// CA issuer certificate URLs from Authority Information Access.
    pub ca_issuer_urls: Vec<String>,
    /// CRL distribution point URLs.
    pub crl_urls: Vec<String>,
    /// Number of embedded SCTs (extension 1.3.6.1.4.1.11129.2.4.2); 0 if absent.
    pub sct_count: u32,
    /// The earliest timestamp of the embedded SCTs (UTC, millisecond
    /// precision); `None` without embedded SCTs (and in views stored before
    /// it was recorded).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub earliest_sct: Option<OffsetDateTime>,
    /// Subject key identifier, lowercase hex.
    pub subject_key_id: Option<String>,
    /// Authority key identifier (keyIdentifier field only), lowercase hex.
    pub authority_key_id: Option<String>,
    /// Subject and issuer DER are equal and (there is no AKI or AKI == SKI).
    pub self_signed: bool,
}

impl CertificateView {
    /// True when basic constraints are present and assert `cA`.
    pub fn is_ca(&self) -> bool {
        self.basic_constraints.as_ref().is_some_and(|bc| bc.ca)
    }

    /// Whole days from `not_before` to `not_after` (truncated; negative when
    /// the validity period is inverted).
    pub fn lifetime_days(&self) -> i64 {
        (self.not_after - self.not_before).whole_days()
    }

    /// Host names the certificate speaks for: the SAN DNS names, or — only
    /// when the certificate has no SAN DNS names at all — the subject common
    /// names (the legacy CN fallback). Never mixes the two sources.
    pub fn dns_names(&self) -> impl Iterator<Item = &str> {
        let names = if self.san.dns.is_empty() {
            &self.subject.common_names
        } else {
            &self.san.dns
        };
        names.iter().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse_certificate, testgen, KeyAlgorithm};
    use super::*;

    fn parse(der: &[u8]) -> CertificateView {
        parse_certificate(der).expect("generated certificate parses")
    }

    #[test]
    fn dns_names_fall_back_to_subject_cn_only_without_san_dns() {
        let ca = testgen::root_ca(&rcgen::PKCS_ECDSA_P256_SHA256, 0);
        let mut params = testgen::leaf_params();
        params
            .subject_alt_names
            .retain(|s| !matches!(s, rcgen::SanType::DnsName(_)));
        let v = parse(&testgen::issue(&params, &ca.key, &ca));
        assert!(v.san.dns.is_empty());
        assert!(!v.san.ip.is_empty());
        assert!(v.dns_names().eq(["leaf.example.test"]));
    }

    #[test]
    fn json_round_trip_uses_rfc3339_and_snake_case() {
        let (_, leaf) = testgen::root_and_leaf();
        let mut v = parse(&leaf.der);
        let json = serde_json::to_string(&v).expect("serialize");
        let back: CertificateView = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, v);
        let value: serde_json::Value = serde_json::from_str(&json).expect("json");
        let nb = leaf
            .params
            .not_before
            .format(&time::format_description::well_known::Rfc3339);
        assert_eq!(value["not_before"], nb.expect("format"));
        assert_eq!(value["key"]["algorithm"], "ec");
        v.key.algorithm = KeyAlgorithm::Other("1.3.101.110".into());
        let value = serde_json::to_value(&v).expect("json");
        assert_eq!(value["key"]["algorithm"]["other"], "1.3.101.110");
    }

    #[test]
    fn lifetime_truncates_to_whole_days_and_is_ca_needs_the_flag() {
        let (_, leaf) = testgen::root_and_leaf();
        let mut v = parse(&leaf.der);
        v.not_after = v.not_before + time::Duration::hours(47);
        assert_eq!(v.lifetime_days(), 1);
        v.not_after = v.not_before - time::Duration::days(3);
        assert_eq!(v.lifetime_days(), -3);
        v.basic_constraints = None;
        assert!(!v.is_ca());
        v.basic_constraints = Some(BasicConstraints {
            ca: true,
            path_len: None,
        });
        assert!(v.is_ca());
    }
}
