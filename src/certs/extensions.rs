//! X.509 v3 extensions → owned fields: SAN, basic constraints, key usage,
//! EKU, AIA (OCSP / caIssuers), CRL distribution points, SCT count and
//! earliest SCT timestamp, SKI/AKI.
//! Malformed extensions are skipped (their fields stay empty); list-valued
//! extensions that appear twice are merged, single-valued ones keep the first.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};
use x509_parser::extensions::{
    AuthorityInfoAccess, CRLDistributionPoints, DistributionPointName, ExtendedKeyUsage,
    GeneralName, KeyUsage, ParsedExtension, X509Extension,
};

use super::hex_lower;

const OID_AIA_OCSP: &str = "1.3.6.1.5.5.7.48.1";
const OID_AIA_CA_ISSUERS: &str = "1.3.6.1.5.5.7.48.2";

/// RFC 5280 names of the KeyUsage bits, in bit order (bit 0 first).
const KEY_USAGE_NAMES: [&str; 9] = [
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
    "encipherOnly",
    "decipherOnly",
];

/// Subject alternative names, by kind, in certificate order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectAltNames {
    /// dNSName entries (invalid UTF-8 decoded lossily).
    pub dns: Vec<String>,
    /// iPAddress entries as text (IPv4 dotted quad, IPv6 RFC 5952); entries
    /// of any other length are kept as lowercase hex.
    pub ip: Vec<String>,
    /// rfc822Name entries.
    pub email: Vec<String>,
    /// uniformResourceIdentifier entries.
    pub uri: Vec<String>,
}

/// The basicConstraints extension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BasicConstraints {
    /// The `cA` flag.
    pub ca: bool,
    /// `pathLenConstraint`, if present.
    pub path_len: Option<u32>,
}

/// Everything the view takes from the extensions.
#[derive(Debug, Default)]
pub(crate) struct ExtensionData {
    pub san: SubjectAltNames,
    pub basic_constraints: Option<BasicConstraints>,
    pub key_usage: Vec<String>,
    pub extended_key_usage: Vec<String>,
    pub ocsp_urls: Vec<String>,
    pub ca_issuer_urls: Vec<String>,
    pub crl_urls: Vec<String>,
    pub sct_count: u32,
    /// The earliest embedded SCT timestamp, milliseconds since the epoch.
    pub earliest_sct_ms: Option<u64>,
    pub subject_key_id: Option<String>,
    pub authority_key_id: Option<String>,
}

/// Collects the supported extensions. Never fails.
pub(crate) fn collect(extensions: &[X509Extension<'_>]) -> ExtensionData {
    let mut out = ExtensionData::default();
    for ext in extensions {
        out.absorb(ext.parsed_extension());
    }
    out
}

impl ExtensionData {
    fn absorb(&mut self, parsed: &ParsedExtension<'_>) {
        match parsed {
            ParsedExtension::SubjectAlternativeName(san) => {
                san.general_names.iter().for_each(|gn| self.add_san(gn));
            }
            ParsedExtension::BasicConstraints(bc) => {
                self.basic_constraints.get_or_insert(BasicConstraints {
                    ca: bc.ca,
                    path_len: bc.path_len_constraint,
                });
            }
            ParsedExtension::KeyUsage(ku) => add_unique(&mut self.key_usage, key_usage_names(ku)),
            ParsedExtension::ExtendedKeyUsage(eku) => {
                add_unique(&mut self.extended_key_usage, eku_names(eku));
            }
            ParsedExtension::AuthorityInfoAccess(aia) => self.add_aia(aia),
            ParsedExtension::CRLDistributionPoints(dps) => add_crl_urls(&mut self.crl_urls, dps),
            ParsedExtension::SCT(scts) => {
                let n = u32::try_from(scts.len()).unwrap_or(u32::MAX);
                self.sct_count = self.sct_count.saturating_add(n);
                let earliest = scts.iter().map(|sct| sct.timestamp).min();
                self.earliest_sct_ms = match (self.earliest_sct_ms, earliest) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            ParsedExtension::SubjectKeyIdentifier(ki) => {
                self.subject_key_id.get_or_insert_with(|| hex_lower(ki.0));
            }
            ParsedExtension::AuthorityKeyIdentifier(aki) if self.authority_key_id.is_none() => {
                self.authority_key_id = aki.key_identifier.as_ref().map(|k| hex_lower(k.0));
            }
            _ => {}
        }
    }

    fn add_san(&mut self, gn: &GeneralName<'_>) {
        let (list, value) = match gn {
            GeneralName::DNSName(s) => (&mut self.san.dns, (*s).to_string()),
            GeneralName::RFC822Name(s) => (&mut self.san.email, (*s).to_string()),
            GeneralName::URI(s) => (&mut self.san.uri, (*s).to_string()),
            GeneralName::IPAddress(b) => (&mut self.san.ip, ip_text(b)),
            // x509-parser maps string entries with invalid UTF-8 to Invalid.
            GeneralName::Invalid(tag, data) => match tag.0 {
                1 => (&mut self.san.email, lossy(data)),
                2 => (&mut self.san.dns, lossy(data)),
                6 => (&mut self.san.uri, lossy(data)),
                _ => return,
            },
            _ => return,
        };
        list.push(value);
    }

    fn add_aia(&mut self, aia: &AuthorityInfoAccess<'_>) {
        for desc in aia.iter() {
            let Some(url) = uri_of(&desc.access_location) else {
                continue;
            };
            match desc.access_method.to_id_string().as_str() {
                OID_AIA_OCSP => self.ocsp_urls.push(url),
                OID_AIA_CA_ISSUERS => self.ca_issuer_urls.push(url),
                _ => {}
            }
        }
    }
}

/// URI text of a GeneralName, including lossily decoded invalid-UTF-8 URIs.
fn uri_of(gn: &GeneralName<'_>) -> Option<String> {
    match gn {
        GeneralName::URI(s) => Some((*s).to_string()),
        GeneralName::Invalid(tag, data) if tag.0 == 6 => Some(lossy(data)),
        _ => None,
    }
}

fn add_crl_urls(urls: &mut Vec<String>, dps: &CRLDistributionPoints<'_>) {
    for dp in dps.iter() {
        if let Some(DistributionPointName::FullName(names)) = &dp.distribution_point {
            urls.extend(names.iter().filter_map(uri_of));
        }
    }
}

fn lossy(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// Textual IP address; other lengths (malformed) as hex.
fn ip_text(bytes: &[u8]) -> String {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        Ipv4Addr::from(v4).to_string()
    } else if let Ok(v6) = <[u8; 16]>::try_from(bytes) {
        Ipv6Addr::from(v6).to_string()
    } else {
        hex_lower(bytes)
    }
}

fn key_usage_names(ku: &KeyUsage) -> Vec<String> {
    KEY_USAGE_NAMES
        .iter()
        .enumerate()
        .filter(|(bit, _)| (ku.flags >> bit) & 1 == 1)
        .map(|(_, name)| (*name).to_string())
        .collect()
}

fn eku_names(eku: &ExtendedKeyUsage<'_>) -> Vec<String> {
    let flags = [
        (eku.server_auth, "serverAuth"),
        (eku.client_auth, "clientAuth"),
        (eku.code_signing, "codeSigning"),
        (eku.email_protection, "emailProtection"),
        (eku.time_stamping, "timeStamping"),
        (eku.ocsp_signing, "ocspSigning"),
        (eku.any, "any"),
    ];
    let known = flags
        .iter()
        .filter(|(set, _)| *set)
        .map(|(_, name)| (*name).to_string());
    known
        .chain(eku.other.iter().map(|oid| oid.to_id_string()))
        .collect()
}

fn add_unique(list: &mut Vec<String>, items: Vec<String>) {
    for item in items {
        if !list.contains(&item) {
            list.push(item);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testgen::{self, oid, seq, tlv, Issued};
    use super::super::{parse_certificate, CertificateView};
    use super::*;
    use rcgen::{CustomExtension, ExtendedKeyUsagePurpose as Eku, KeyUsagePurpose as Ku};

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_string()).collect()
    }

    /// Issues `params` (P-256 key) under a fresh P-256 root and parses it.
    fn view_of(params: &rcgen::CertificateParams) -> (Issued, CertificateView) {
        let ca = testgen::root_ca(&rcgen::PKCS_ECDSA_P256_SHA256, 0);
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("kg");
        let view = parse_certificate(&testgen::issue(params, &key, &ca)).expect("parse");
        (ca, view)
    }

    #[test]
    fn leaf_extensions_match_generated_params() {
        let (ca, leaf) = testgen::root_and_leaf();
        let v = parse_certificate(&leaf.der).expect("parse");
        assert_eq!(v.san.dns, strings(&testgen::LEAF_DNS));
        let ips: Vec<String> = testgen::LEAF_IPS
            .iter()
            .map(|s| s.parse::<std::net::IpAddr>().expect("ip").to_string())
            .collect();
        assert_eq!(v.san.ip, ips);
        assert_eq!(v.san.email, strings(&testgen::LEAF_EMAILS));
        assert_eq!(v.san.uri, strings(&testgen::LEAF_URIS));
        assert_eq!(v.key_usage, ["digitalSignature", "keyEncipherment"]);
        assert_eq!(v.extended_key_usage, ["serverAuth", "clientAuth"]);
        assert_eq!(v.ocsp_urls, strings(&testgen::LEAF_OCSP));
        assert_eq!(v.ca_issuer_urls, strings(&testgen::LEAF_CA_ISSUERS));
        assert_eq!(v.crl_urls, strings(&testgen::LEAF_CRLS));
        assert_eq!(v.sct_count as usize, testgen::LEAF_SCTS);
        // The earliest SCT is the last one listed (see `sct_timestamp_ms`).
        let earliest_ms = testgen::sct_timestamp_ms(testgen::LEAF_SCTS - 1);
        let earliest = v.earliest_sct.expect("earliest SCT");
        assert_eq!(
            earliest.unix_timestamp_nanos(),
            i128::from(earliest_ms) * 1_000_000
        );
        const { assert!(testgen::LEAF_SCTS > 1, "the earliest must not be the first") };
        let ski = leaf.params.key_identifier(&leaf.key);
        assert_eq!(v.subject_key_id, Some(hex_lower(&ski)));
        let aki = ca.params.key_identifier(&ca.key);
        assert_eq!(v.authority_key_id, Some(hex_lower(&aki)));

        let root = parse_certificate(&ca.der).expect("parse root");
        assert_eq!((root.sct_count, root.earliest_sct), (0, None));
        assert!(root.ocsp_urls.is_empty() && root.crl_urls.is_empty());
        assert_eq!(root.san, SubjectAltNames::default());
    }

    #[test]
    fn every_key_usage_bit_has_its_rfc5280_name() {
        let mut params = testgen::leaf_params();
        params.key_usages = vec![
            Ku::DigitalSignature,
            Ku::ContentCommitment,
            Ku::KeyEncipherment,
            Ku::DataEncipherment,
            Ku::KeyAgreement,
            Ku::KeyCertSign,
            Ku::CrlSign,
            Ku::EncipherOnly,
            Ku::DecipherOnly,
        ];
        let (_, v) = view_of(&params);
        let ku = [
            "digitalSignature",
            "nonRepudiation",
            "keyEncipherment",
            "dataEncipherment",
            "keyAgreement",
            "keyCertSign",
            "cRLSign",
            "encipherOnly",
            "decipherOnly",
        ];
        assert_eq!(v.key_usage, ku);
    }

    #[test]
    fn every_eku_kind_is_named() {
        let mut params = testgen::leaf_params();
        params.extended_key_usages = vec![
            Eku::CodeSigning,
            Eku::EmailProtection,
            Eku::TimeStamping,
            Eku::OcspSigning,
            Eku::Any,
            Eku::Other(vec![1, 3, 6, 1, 4, 1, 311, 10, 3, 3]),
        ];
        let (_, v) = view_of(&params);
        let eku = [
            "codeSigning",
            "emailProtection",
            "timeStamping",
            "ocspSigning",
            "any",
            "1.3.6.1.4.1.311.10.3.3",
        ];
        assert_eq!(v.extended_key_usage, eku);
    }

    #[test]
    fn hostile_san_entries_are_kept_lossily_and_duplicates_merge() {
        let san = seq(&[
            &tlv(0x82, &[0xff, 0xfe, b'a']),
            &tlv(0x87, &[10, 0, 0, 1, 9]),
            &tlv(0x81, b"x@y.test"),
            &tlv(0x86, &[b'h', 0xc3]),
            &tlv(0x88, &[0x2a, 0x03]),
        ]);
        let mut params = testgen::leaf_params();
        params.subject_alt_names.truncate(1);
        let san_oid = [2, 5, 29, 17];
        params.custom_extensions = vec![CustomExtension::from_oid_content(&san_oid, san)];
        let (_, v) = view_of(&params);
        let first = testgen::LEAF_DNS[0].to_string();
        assert_eq!(v.san.dns, [first, "\u{fffd}\u{fffd}a".to_string()]);
        assert_eq!(v.san.ip, [hex_lower(&[10, 0, 0, 1, 9])]);
        assert_eq!(v.san.email, ["x@y.test"]);
        assert_eq!(v.san.uri, ["h\u{fffd}"]);
    }

    #[test]
    fn malformed_extensions_leave_fields_empty() {
        let mut params = testgen::leaf_params();
        let broken_sct = tlv(0x04, &[0x00, 0x50, 0x00]);
        let sct_oid = [1, 3, 6, 1, 4, 1, 11129, 2, 4, 2];
        // AKI carrying only authorityCertSerialNumber, no keyIdentifier.
        let aki = seq(&[&tlv(0x82, &[0x01])]);
        let bad_aia = seq(&[&seq(&[&oid(&[1, 3, 6, 1, 5, 5, 7, 48, 1])])]);
        params.custom_extensions = vec![
            CustomExtension::from_oid_content(&sct_oid, broken_sct),
            CustomExtension::from_oid_content(&[2, 5, 29, 35], aki),
            CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], bad_aia),
        ];
        params.use_authority_key_identifier_extension = false;
        let (_, v) = view_of(&params);
        assert_eq!((v.sct_count, v.earliest_sct), (0, None));
        assert_eq!(v.authority_key_id, None);
        assert!(v.ocsp_urls.is_empty() && v.ca_issuer_urls.is_empty());
        assert_eq!(v.san.dns, strings(&testgen::LEAF_DNS));
    }

    #[test]
    fn ip_text_formats() {
        assert_eq!(ip_text(&[192, 0, 2, 1]), "192.0.2.1");
        let v6 = std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
        assert_eq!(ip_text(&v6.octets()), v6.to_string());
        assert_eq!(ip_text(&[1, 2, 3]), "010203");
        assert_eq!(ip_text(&[]), "");
    }
}
