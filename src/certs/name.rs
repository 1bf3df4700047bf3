//! X.509 `Name` → [`DistinguishedName`]: attribute value decoding (every
//! ASN.1 string type, lossy, never failing), the RFC 4514 string form and the
//! raw-DER hash used for exact subject/issuer matching.

use serde::{Deserialize, Serialize};
use x509_parser::asn1_rs::{Any, FromDer, Tag, ToDer};
use x509_parser::x509::{AttributeTypeAndValue, X509Name};

use super::{hex_lower, sha256_hex};

const OID_CN: &str = "2.5.4.3";
const OID_O: &str = "2.5.4.10";
const OID_OU: &str = "2.5.4.11";
const OID_EMAIL: &str = "1.2.840.113549.1.9.1";

/// Short names used in the RFC 4514 string; other types print as dotted OIDs.
const ATTRIBUTE_NAMES: &[(&str, &str)] = &[
    (OID_CN, "CN"),
    ("2.5.4.6", "C"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    (OID_O, "O"),
    (OID_OU, "OU"),
    ("2.5.4.9", "STREET"),
    ("0.9.2342.19200300.100.1.25", "DC"),
    ("0.9.2342.19200300.100.1.1", "UID"),
    ("2.5.4.5", "serialNumber"),
    (OID_EMAIL, "emailAddress"),
    ("2.5.4.4", "SN"),
    ("2.5.4.42", "GN"),
    ("2.5.4.43", "initials"),
    ("2.5.4.44", "generationQualifier"),
    ("2.5.4.12", "title"),
    ("2.5.4.15", "businessCategory"),
    ("2.5.4.17", "postalCode"),
    ("2.5.4.46", "dnQualifier"),
    ("2.5.4.65", "pseudonym"),
    ("2.5.4.97", "organizationIdentifier"),
    ("1.3.6.1.4.1.311.60.2.1.1", "jurisdictionL"),
    ("1.3.6.1.4.1.311.60.2.1.2", "jurisdictionST"),
    ("1.3.6.1.4.1.311.60.2.1.3", "jurisdictionC"),
];

/// A subject or issuer name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistinguishedName {
    /// RFC 4514 string: RDNs in reverse order, `,`-separated, multi-valued
    /// RDNs joined with `+`, RFC 4514 special characters backslash-escaped,
    /// non-string values as `#` + hex DER. Other characters (including
    /// control characters) are kept as found; display escaping is the
    /// reader's job.
    pub dn: String,
    /// Values of every commonName attribute, in certificate order, unescaped.
    pub common_names: Vec<String>,
    /// Values of every organizationName attribute, unescaped.
    pub organizations: Vec<String>,
    /// Values of every organizationalUnitName attribute, unescaped.
    pub organizational_units: Vec<String>,
    /// Values of every emailAddress (PKCS #9) attribute, unescaped.
    pub emails: Vec<String>,
    /// Lowercase hex SHA-256 of the raw Name DER, for exact matching.
    pub der_sha256: String,
}

impl DistinguishedName {
    /// Builds the owned view of an x509-parser name. Never fails.
    pub(crate) fn from_x509(name: &X509Name<'_>) -> Self {
        let mut out = DistinguishedName {
            dn: String::new(),
            common_names: Vec::new(),
            organizations: Vec::new(),
            organizational_units: Vec::new(),
            emails: Vec::new(),
            der_sha256: sha256_hex(name.as_raw()),
        };
        let mut rdns: Vec<String> = Vec::new();
        for rdn in name.iter_rdn() {
            let parts: Vec<String> = rdn.iter().map(|atv| out.take_attribute(atv)).collect();
            rdns.push(parts.join("+"));
        }
        rdns.reverse();
        out.dn = rdns.join(",");
        out
    }

    /// Records the attribute in the per-type lists and returns its RFC 4514 form.
    fn take_attribute(&mut self, atv: &AttributeTypeAndValue<'_>) -> String {
        let oid = atv.attr_type().to_id_string();
        let value = attribute_value_text(atv.attr_value());
        let list = match oid.as_str() {
            OID_CN => Some(&mut self.common_names),
            OID_O => Some(&mut self.organizations),
            OID_OU => Some(&mut self.organizational_units),
            OID_EMAIL => Some(&mut self.emails),
            _ => None,
        };
        let escaped = match &value {
            AttrText::Text(s) => escape_rfc4514(s),
            AttrText::Hex(h) => h.clone(),
        };
        if let Some(list) = list {
            list.push(value.into_string());
        }
        format!("{}={}", attribute_short_name(&oid), escaped)
    }
}

/// RFC 4514 attribute type: a short name where one is known, else the dotted OID.
fn attribute_short_name(oid: &str) -> &str {
    ATTRIBUTE_NAMES
        .iter()
        .find(|(o, _)| *o == oid)
        .map_or(oid, |(_, n)| n)
}

/// A decoded attribute value: text, or `#`+hex DER for non-string types.
enum AttrText {
    Text(String),
    Hex(String),
}

impl AttrText {
    fn into_string(self) -> String {
        match self {
            AttrText::Text(s) | AttrText::Hex(s) => s,
        }
    }
}

/// Decodes any directory string type; never fails.
fn attribute_value_text(any: &Any<'_>) -> AttrText {
    let data = any.data;
    if any.class() != x509_parser::asn1_rs::Class::Universal {
        return AttrText::Hex(hex_der(any));
    }
    let text = match any.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString
        | Tag::GraphicString
        | Tag::GeneralString
        | Tag::VideotexString => String::from_utf8_lossy(data).into_owned(),
        Tag::TeletexString => decode_teletex(data),
        Tag::BmpString => decode_bmp(data),
        Tag::UniversalString => decode_universal(data),
        _ => return AttrText::Hex(hex_der(any)),
    };
    AttrText::Text(text)
}

/// `#` followed by the hex of the value's DER encoding (RFC 4514 §2.4).
fn hex_der(any: &Any<'_>) -> String {
    let der = any.to_der_vec().unwrap_or_else(|_| any.data.to_vec());
    format!("#{}", hex_lower(&der))
}

/// T.61 in the wild is usually Latin-1 (sometimes UTF-8): prefer UTF-8 when valid.
fn decode_teletex(data: &[u8]) -> String {
    match std::str::from_utf8(data) {
        Ok(s) => s.to_string(),
        Err(_) => data.iter().map(|&b| char::from(b)).collect(),
    }
}

/// BMPString is UCS-2/UTF-16 big-endian; bad units and an odd byte become U+FFFD.
fn decode_bmp(data: &[u8]) -> String {
    let chunks = data.chunks_exact(2);
    let odd_tail = !chunks.remainder().is_empty();
    let units = chunks.map(|c| u16::from_be_bytes([c[0], c[1]]));
    let mut s: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    if odd_tail {
        s.push(char::REPLACEMENT_CHARACTER);
    }
    s
}

/// UniversalString is UCS-4 big-endian; invalid code points become U+FFFD.
fn decode_universal(data: &[u8]) -> String {
    let chunks = data.chunks_exact(4);
    let odd_tail = !chunks.remainder().is_empty();
    let mut s: String = chunks
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .map(|v| char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    if odd_tail {
        s.push(char::REPLACEMENT_CHARACTER);
    }
    s
}

/// RFC 4514 §2.4 escaping of one attribute value.
fn escape_rfc4514(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\0' => out.push_str("\\00"),
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            _ => out.push(c),
        }
    }
    out
}

/// Renders a distinguished name in RFC 4514 form from the *contents* of its
/// DER SEQUENCE (how webpki trust anchors store subjects). Returns the hex of
/// the input when it is not a valid Name. Never panics.
pub fn name_value_text(contents: &[u8]) -> String {
    let der = super::sequence_der(contents);
    match x509_parser::x509::X509Name::from_der(&der) {
        Ok(([], name)) => match DistinguishedName::from_x509(&name).dn {
            // x509-parser accepts some garbage as an empty name.
            dn if dn.is_empty() && !contents.is_empty() => hex_lower(contents),
            dn => dn,
        },
        _ => hex_lower(contents),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testgen::{self, oid, seq, tlv};
    use super::*;
    use rcgen::{string, DnType, DnValue};
    use x509_parser::asn1_rs::FromDer;

    const CN: [u64; 4] = [2, 5, 4, 3];
    const UTF8: u8 = 0x0c;

    fn atv(arcs: &[u64], tag: u8, value: &[u8]) -> Vec<u8> {
        seq(&[&oid(arcs), &tlv(tag, value)])
    }

    fn rdn(atvs: &[Vec<u8>]) -> Vec<u8> {
        tlv(0x31, &atvs.concat())
    }

    fn dn_of(name_der: &[u8]) -> DistinguishedName {
        let (rest, name) = X509Name::from_der(name_der).expect("name parses");
        assert!(rest.is_empty());
        DistinguishedName::from_x509(&name)
    }

    #[test]
    fn rfc4514_order_multivalue_escaping_and_lists() {
        let name = seq(&[
            &rdn(&[atv(&[2, 5, 4, 6], 0x13, b"US")]),
            &rdn(&[atv(&[2, 5, 4, 10], UTF8, b"Acme, Inc.")]),
            &rdn(&[atv(&[2, 5, 4, 11], UTF8, b"Ops"), atv(&CN, UTF8, b"host+1")]),
            &rdn(&[atv(&[1, 2, 840, 113549, 1, 9, 1], 0x16, b"a@b.test")]),
        ]);
        let dn = dn_of(&name);
        assert_eq!(
            dn.dn,
            r"emailAddress=a@b.test,OU=Ops+CN=host\+1,O=Acme\, Inc.,C=US"
        );
        assert_eq!(dn.common_names, ["host+1"]);
        assert_eq!(dn.organizations, ["Acme, Inc."]);
        assert_eq!(dn.organizational_units, ["Ops"]);
        assert_eq!(dn.emails, ["a@b.test"]);
        assert_eq!(dn.der_sha256, sha256_hex(&name));
        assert_eq!(dn_of(&seq(&[])).dn, "");
    }

    #[test]
    fn every_string_type_decodes_without_failing() {
        let bmp: Vec<u8> = "Grüße".encode_utf16().flat_map(u16::to_be_bytes).collect();
        let universal: Vec<u8> = "日本"
            .chars()
            .flat_map(|c| u32::from(c).to_be_bytes())
            .collect();
        let latin1 = [0x4d, 0xfc, 0x6c];
        let cases: Vec<(u8, Vec<u8>, String)> = vec![
            (0x1e, bmp, "Grüße".into()),
            (0x1c, universal, "日本".into()),
            (
                0x14,
                latin1.to_vec(),
                latin1.iter().map(|&b| char::from(b)).collect(),
            ),
            (0x14, "ok ü".as_bytes().to_vec(), "ok ü".into()),
            (UTF8, vec![0x66, 0xff], "f\u{fffd}".into()),
            (0x1e, vec![0x00, 0x41, 0x00], "A\u{fffd}".into()),
            (
                0x1c,
                vec![0x00, 0x11, 0x00, 0x00, 0x01],
                "\u{fffd}\u{fffd}".into(),
            ),
            (0x13, b"Printable".to_vec(), "Printable".into()),
        ];
        for (tag, bytes, expected) in cases {
            let dn = dn_of(&seq(&[&rdn(&[atv(&CN, tag, &bytes)])]));
            assert_eq!(
                dn.common_names,
                std::slice::from_ref(&expected),
                "tag {tag:#x}"
            );
            assert_eq!(dn.dn, format!("CN={expected}"));
        }
    }

    #[test]
    fn non_string_values_and_unknown_types_fall_back() {
        let name = seq(&[
            &rdn(&[atv(&CN, 0x02, &[0x05])]),
            &rdn(&[atv(&[1, 2, 3, 4], UTF8, b"x")]),
            &rdn(&[atv(&[2, 5, 4, 10], 0x80, &[0xde, 0xad])]),
        ]);
        let dn = dn_of(&name);
        assert_eq!(
            dn.common_names,
            [format!("#{}", hex_lower(&tlv(0x02, &[0x05])))]
        );
        assert_eq!(
            dn.organizations,
            [format!("#{}", hex_lower(&tlv(0x80, &[0xde, 0xad])))]
        );
        assert_eq!(
            dn.dn,
            format!(
                "O={},1.2.3.4=x,CN={}",
                dn.organizations[0], dn.common_names[0]
            )
        );
    }

    #[test]
    fn escape_rfc4514_special_positions() {
        assert_eq!(
            escape_rfc4514(r#"a,b+c"d\e;f<g>h"#),
            r#"a\,b\+c\"d\\e\;f\<g\>h"#
        );
        assert_eq!(escape_rfc4514("#x#"), r"\#x#");
        assert_eq!(escape_rfc4514(" x y "), r"\ x y\ ");
        assert_eq!(escape_rfc4514(" "), r"\ ");
        assert_eq!(escape_rfc4514("a\0b"), r"a\00b");
        assert_eq!(escape_rfc4514("é\n\u{202e}"), "é\n\u{202e}");
        assert_eq!(escape_rfc4514(""), "");
    }

    #[test]
    fn names_encoded_by_rcgen_round_trip() {
        let ca = testgen::root_ca(&rcgen::PKCS_ECDSA_P256_SHA256, 0);
        let mut params = testgen::leaf_params();
        let mut dn = rcgen::DistinguishedName::new();
        dn.push(
            DnType::CustomDnType(vec![0, 9, 2342, 19200300, 100, 1, 25]),
            "example",
        );
        let printable = string::PrintableString::try_from("Test Org").expect("printable");
        dn.push(
            DnType::OrganizationName,
            DnValue::PrintableString(printable),
        );
        let bmp = string::BmpString::try_from("Bühne").expect("bmp");
        dn.push(DnType::OrganizationalUnitName, DnValue::BmpString(bmp));
        let uni = string::UniversalString::try_from("Ünï").expect("universal");
        dn.push(DnType::CommonName, DnValue::UniversalString(uni));
        let email = string::Ia5String::try_from("pki@example.test").expect("ia5");
        dn.push(
            DnType::CustomDnType(vec![1, 2, 840, 113549, 1, 9, 1]),
            DnValue::Ia5String(email),
        );
        params.distinguished_name = dn;
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).expect("keygen");
        let der = testgen::issue(&params, &key, &ca);
        let view = super::super::parse_certificate(&der).expect("parse");
        let s = &view.subject;
        assert_eq!(
            s.dn,
            "emailAddress=pki@example.test,CN=Ünï,OU=Bühne,O=Test Org,DC=example"
        );
        assert_eq!(s.common_names, ["Ünï"]);
        assert_eq!(s.organizations, ["Test Org"]);
        assert_eq!(s.organizational_units, ["Bühne"]);
        assert_eq!(s.emails, ["pki@example.test"]);
        assert_ne!(s.der_sha256, view.issuer.der_sha256);
    }

    #[test]
    fn name_value_text_renders_sequence_contents_and_survives_garbage() {
        let rdn = atv(&[2, 5, 4, 3], 0x0c, b"Anchor One");
        let set = tlv(0x31, &rdn);
        let name = seq(&[&set]);
        // webpki anchors keep the Name without its outer SEQUENCE header.
        let contents = &name[2..];
        assert_eq!(name_value_text(contents), "CN=Anchor One");
        assert_eq!(name_value_text(&[0xff, 0x01]), "ff01");
    }
}
