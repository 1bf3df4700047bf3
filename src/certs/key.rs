//! SubjectPublicKeyInfo → [`PublicKeyInfo`]: key algorithm, size in bits
//! (RSA from the modulus, EC from the named curve, DSA from `p`), curve name,
//! and for post-quantum keys (named from [`super::pq`]) the NIST level.

use serde::{Deserialize, Serialize};
use x509_parser::asn1_rs::{Any, FromBer, Tag};
use x509_parser::x509::SubjectPublicKeyInfo;

use super::pq::{self, PqAlgorithm};

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_RSASSA_PSS: &str = "1.2.840.113549.1.1.10";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_ED25519: &str = "1.3.101.112";
const OID_ED448: &str = "1.3.101.113";
const OID_DSA: &str = "1.2.840.10040.4.1";

/// Named curves: (OID, name reported, field size in bits). Curves not listed
/// here are reported by dotted OID.
const CURVES: &[(&str, &str, u32)] = &[
    ("1.2.840.10045.3.1.7", "P-256", 256),
    ("1.3.132.0.34", "P-384", 384),
    ("1.3.132.0.35", "P-521", 521),
    ("1.3.132.0.10", "secp256k1", 256),
    ("1.2.840.10045.3.1.1", "P-192", 192),
    ("1.3.132.0.33", "P-224", 224),
];

/// Field sizes of curves we report by OID but still know the size of (Brainpool r1).
const CURVE_BITS_BY_OID: &[(&str, u32)] = &[
    ("1.3.36.3.3.2.8.1.1.7", 256),
    ("1.3.36.3.3.2.8.1.1.11", 384),
    ("1.3.36.3.3.2.8.1.1.13", 512),
];

/// Public key algorithm family.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyAlgorithm {
    /// RSA (rsaEncryption, or an RSASSA-PSS-restricted RSA key).
    Rsa,
    /// Elliptic-curve key (id-ecPublicKey).
    Ec,
    /// Ed25519 (RFC 8410).
    Ed25519,
    /// Ed448 (RFC 8410).
    Ed448,
    /// DSA (RFC 3279).
    Dsa,
    /// A post-quantum key (ML-DSA, SLH-DSA, composite ML-DSA, ML-KEM), by
    /// the name in [`super::pq::PQ_ALGORITHMS`] (e.g. `ML-DSA-65`).
    PostQuantum(String),
    /// Anything else, by dotted OID.
    Other(String),
}

impl KeyAlgorithm {
    /// The short name used in filters and the store: `rsa`, `ec`,
    /// `ed25519`, `ed448`, `dsa`, a post-quantum name (`ML-DSA-65`, ...),
    /// or the dotted OID of anything else.
    pub fn name(&self) -> String {
        match self {
            KeyAlgorithm::Rsa => "rsa".into(),
            KeyAlgorithm::Ec => "ec".into(),
            KeyAlgorithm::Ed25519 => "ed25519".into(),
            KeyAlgorithm::Ed448 => "ed448".into(),
            KeyAlgorithm::Dsa => "dsa".into(),
            KeyAlgorithm::PostQuantum(name) => name.clone(),
            KeyAlgorithm::Other(oid) => {
                pq::by_oid(oid).map_or_else(|| oid.clone(), |a| a.name.into())
            }
        }
    }

    /// The post-quantum algorithm this is, if any. A view stored before
    /// the table knew the OID (an `Other` OID) is recognised too.
    pub fn post_quantum(&self) -> Option<&'static PqAlgorithm> {
        match self {
            KeyAlgorithm::PostQuantum(name) => pq::by_name(name),
            KeyAlgorithm::Other(oid) => pq::by_oid(oid),
            _ => None,
        }
    }
}

/// Summary of a certificate's subject public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKeyInfo {
    /// Algorithm family.
    pub algorithm: KeyAlgorithm,
    /// Key size in bits; 0 when it cannot be determined (malformed key,
    /// inherited DSA parameters, unknown algorithm).
    pub bits: u32,
    /// EC named curve ("P-256", "P-384", "P-521", "secp256k1", "P-192",
    /// "P-224", else dotted OID); `None` for non-EC keys and for EC keys with
    /// explicit or absent curve parameters.
    pub curve: Option<String>,
    /// NIST security category (1 to 5) of a post-quantum key; `None` for
    /// classical keys.
    #[serde(default)]
    pub nist_level: Option<u8>,
}

impl PublicKeyInfo {
    /// Summarises an x509-parser SPKI. Never fails: unparseable key material
    /// yields `bits == 0`.
    pub(crate) fn from_spki(spki: &SubjectPublicKeyInfo<'_>) -> Self {
        let oid = spki.algorithm.algorithm.to_id_string();
        let key_bytes: &[u8] = &spki.subject_public_key.data;
        let params = spki.algorithm.parameters.as_ref();
        let (algorithm, bits, curve) = match oid.as_str() {
            OID_RSA | OID_RSASSA_PSS => (KeyAlgorithm::Rsa, rsa_bits(key_bytes), None),
            OID_EC => {
                let (bits, curve) = ec_bits_and_curve(params, key_bytes);
                (KeyAlgorithm::Ec, bits, curve)
            }
            OID_ED25519 => (KeyAlgorithm::Ed25519, 256, None),
            OID_ED448 => (KeyAlgorithm::Ed448, 456, None),
            OID_DSA => (KeyAlgorithm::Dsa, dsa_bits(params), None),
            _ => match pq::by_oid(&oid) {
                Some(pq) => (KeyAlgorithm::PostQuantum(pq.name.into()), 0, None),
                None => (KeyAlgorithm::Other(oid), 0, None),
            },
        };
        let nist_level = algorithm.post_quantum().map(|a| a.nist_level);
        PublicKeyInfo {
            algorithm,
            bits,
            curve,
            nist_level,
        }
    }
}

/// Bit length of a big-endian unsigned magnitude, ignoring leading zero bytes.
fn bit_length(bytes: &[u8]) -> u32 {
    let start = bytes.iter().position(|&b| b != 0);
    let Some(start) = start else { return 0 };
    let significant = &bytes[start..];
    let top_bits = 8 - significant[0].leading_zeros();
    let rest = (significant.len() - 1).saturating_mul(8);
    u32::try_from(rest)
        .unwrap_or(u32::MAX)
        .saturating_add(top_bits)
}

/// RSA size from the modulus itself (x509-parser's `key_size` is wrong for
/// moduli whose length is not a multiple of 8 bits). Parsed leniently (BER,
/// non-minimal INTEGERs accepted) so odd real-world encodings still get a size.
fn rsa_bits(key_bytes: &[u8]) -> u32 {
    let modulus = Any::from_ber(key_bytes)
        .ok()
        .filter(|(_, seq)| seq.tag() == Tag::Sequence)
        .and_then(|(_, seq)| first_integer(seq.data));
    modulus.map_or(0, bit_length)
}

/// Content octets of the INTEGER at the start of `data`, if it is one.
fn first_integer(data: &[u8]) -> Option<&[u8]> {
    match Any::from_ber(data) {
        Ok((_, int)) if int.tag() == Tag::Integer => Some(int.data),
        _ => None,
    }
}

/// Named curve and its size; for unknown or explicit curves the size is
/// estimated from the encoded point (uncompressed `04||X||Y` or compressed).
fn ec_bits_and_curve(params: Option<&Any<'_>>, point: &[u8]) -> (u32, Option<String>) {
    let curve_oid = params
        .filter(|p| p.tag() == Tag::Oid)
        .and_then(|p| p.as_oid().ok())
        .map(|oid| oid.to_id_string());
    let Some(curve_oid) = curve_oid else {
        return (ec_point_bits(point), None);
    };
    if let Some((_, name, bits)) = CURVES.iter().find(|(o, _, _)| *o == curve_oid) {
        return (*bits, Some((*name).to_string()));
    }
    let bits = CURVE_BITS_BY_OID
        .iter()
        .find(|(o, _)| *o == curve_oid)
        .map_or_else(|| ec_point_bits(point), |(_, b)| *b);
    (bits, Some(curve_oid))
}

/// Coordinate size implied by a SEC1 point encoding; 0 if not a valid encoding.
fn ec_point_bits(point: &[u8]) -> u32 {
    let coord_bytes = match point {
        [4, rest @ ..] if !rest.is_empty() && rest.len() % 2 == 0 => rest.len() / 2,
        [2 | 3, rest @ ..] => rest.len(),
        _ => 0,
    };
    u32::try_from(coord_bytes.saturating_mul(8)).unwrap_or(u32::MAX)
}

/// DSA size is the size of `p` in `Dss-Parms ::= SEQUENCE { p, q, g }`.
fn dsa_bits(params: Option<&Any<'_>>) -> u32 {
    let Some(params) = params.filter(|p| p.tag() == Tag::Sequence) else {
        return 0;
    };
    first_integer(params.data).map_or(0, bit_length)
}

#[cfg(test)]
mod tests {
    use super::super::testgen::{self, oid, seq, spki, tlv, ForeignKey};
    use super::super::{parse_certificate, sha256_hex, CertificateView};
    use super::*;
    use rsa::pkcs1::EncodeRsaPublicKey;
    use rsa::pkcs8::EncodePublicKey;
    use rsa::traits::PublicKeyParts;
    use x509_parser::asn1_rs::FromDer;

    /// Parses a hand-made SPKI and summarises it.
    fn info(spki_der: &[u8]) -> PublicKeyInfo {
        let (rest, parsed) = SubjectPublicKeyInfo::from_der(spki_der).expect("spki parses");
        assert!(rest.is_empty());
        PublicKeyInfo::from_spki(&parsed)
    }

    fn leaf_with_key(alg: &'static rcgen::SignatureAlgorithm) -> CertificateView {
        let ca = testgen::root_ca(alg, 0);
        let key = rcgen::KeyPair::generate_for(alg).expect("keygen");
        parse_certificate(&testgen::issue(&testgen::leaf_params(), &key, &ca)).expect("parse")
    }

    fn ec_alg_id(curve: &[u8]) -> Vec<u8> {
        seq(&[&oid(&[1, 2, 840, 10045, 2, 1]), curve])
    }

    /// Issues a leaf for a fresh `alg` key under an `alg` root and checks the summary.
    fn check_generated(alg: &'static rcgen::SignatureAlgorithm, want: PublicKeyInfo, sig: &str) {
        let v = leaf_with_key(alg);
        assert_eq!(v.key, want, "{sig}");
        assert_eq!(v.signature_algorithm.name, sig);
    }

    fn ec(bits: u32, curve: &str) -> PublicKeyInfo {
        let curve = Some(curve.to_string());
        PublicKeyInfo {
            algorithm: KeyAlgorithm::Ec,
            bits,
            curve,
            nist_level: None,
        }
    }

    #[test]
    fn generated_ec_and_eddsa_keys() {
        check_generated(
            &rcgen::PKCS_ECDSA_P256_SHA256,
            ec(256, "P-256"),
            "ecdsa-with-SHA256",
        );
        check_generated(
            &rcgen::PKCS_ECDSA_P384_SHA384,
            ec(384, "P-384"),
            "ecdsa-with-SHA384",
        );
        check_generated(
            &rcgen::PKCS_ECDSA_P521_SHA512,
            ec(521, "P-521"),
            "ecdsa-with-SHA512",
        );
        let ed25519 = PublicKeyInfo {
            algorithm: KeyAlgorithm::Ed25519,
            bits: 256,
            curve: None,
            nist_level: None,
        };
        check_generated(&rcgen::PKCS_ED25519, ed25519, "ED25519");
    }

    #[test]
    fn rsa_1024_from_rsa_crate_matches_modulus_size() {
        let private = rsa::RsaPrivateKey::new(&mut testgen::TestRng(1024), 1024).expect("rsa");
        let public = private.to_public_key();
        let foreign = ForeignKey {
            key_bytes: public.to_pkcs1_der().expect("pkcs1").as_bytes().to_vec(),
            alg: &rcgen::PKCS_RSA_SHA256,
        };
        let ca = testgen::root_ca(&rcgen::PKCS_ECDSA_P384_SHA384, 0);
        let v = parse_certificate(&testgen::issue(&testgen::leaf_params(), &foreign, &ca))
            .expect("parse");
        assert_eq!(v.key.algorithm, KeyAlgorithm::Rsa);
        assert_eq!(v.key.bits as usize, public.n().bits());
        assert_eq!(v.key.bits, 1024);
        assert_eq!(v.key.curve, None);
        let spki_der = public.to_public_key_der().expect("spki");
        assert_eq!(v.spki_sha256, sha256_hex(spki_der.as_bytes()));
    }

    #[test]
    fn rsa_bits_come_from_the_modulus_not_its_encoding() {
        let rsa_alg = seq(&[&oid(&[1, 2, 840, 113549, 1, 1, 1]), &[0x05, 0x00]]);
        let moduli: [Vec<u8>; 4] = [
            [&[0x00, 0x01][..], &[0xff; 127]].concat(), // 1017 bits, non-minimal INTEGER
            [&[0x7f][..], &[0xff; 127]].concat(),       // 1023 bits, no 0x00 prefix
            [&[0x00, 0x00, 0x00, 0x80][..], &[0x11; 255]].concat(), // padded 2048
            [&[0xc0][..], &[0x11; 127]].concat(),       // "negative" INTEGER
        ];
        for m in moduli {
            let expected = rsa::BigUint::from_bytes_be(&m).bits();
            let key = info(&spki(&rsa_alg, &testgen::rsa_public_key(&m)));
            assert_eq!(key.algorithm, KeyAlgorithm::Rsa);
            assert_eq!(
                key.bits as usize,
                expected,
                "modulus starting {:02x?}",
                &m[..4]
            );
        }
        let broken = info(&spki(&rsa_alg, &[0x30, 0x03, 0x02, 0x01]));
        assert_eq!((broken.algorithm, broken.bits), (KeyAlgorithm::Rsa, 0));
    }

    #[test]
    fn hand_made_ec_curves() {
        let point = [&[0x04][..], &[0x42; 64]].concat();
        let k1 = info(&spki(&ec_alg_id(&oid(&[1, 3, 132, 0, 10])), &point));
        assert_eq!((k1.bits, k1.curve.as_deref()), (256, Some("secp256k1")));
        let unknown = info(&spki(&ec_alg_id(&oid(&[1, 2, 3, 4])), &point));
        assert_eq!(
            (unknown.bits, unknown.curve.as_deref()),
            (256, Some("1.2.3.4"))
        );
        let compressed = [&[0x02][..], &[0x42; 48]].concat();
        let bp = info(&spki(
            &ec_alg_id(&oid(&[1, 3, 36, 3, 3, 2, 8, 1, 1, 11])),
            &compressed,
        ));
        assert_eq!(
            (bp.bits, bp.curve.as_deref()),
            (384, Some("1.3.36.3.3.2.8.1.1.11"))
        );
        let implicit = info(&spki(&ec_alg_id(&[0x05, 0x00]), &point));
        assert_eq!(
            (implicit.algorithm, implicit.bits, implicit.curve),
            (KeyAlgorithm::Ec, 256, None)
        );
        let garbage = info(&spki(&ec_alg_id(&[0x05, 0x00]), &[0x07, 1, 2]));
        assert_eq!(garbage.bits, 0);
    }

    #[test]
    fn ed448_dsa_and_unknown_algorithms() {
        let ed448 = info(&spki(&seq(&[&oid(&[1, 3, 101, 113])]), &[0x11; 57]));
        assert_eq!((ed448.algorithm, ed448.bits), (KeyAlgorithm::Ed448, 456));

        let p = [&[0x00, 0x80][..], &[0x33; 383]].concat();
        let params = seq(&[&tlv(0x02, &p), &tlv(0x02, &[0x55; 32]), &tlv(0x02, &[0x02])]);
        let dsa_oid = oid(&[1, 2, 840, 10040, 4, 1]);
        let y = tlv(0x02, &[0x01; 128]);
        let dsa = info(&spki(&seq(&[&dsa_oid, &params]), &y));
        assert_eq!(dsa.algorithm, KeyAlgorithm::Dsa);
        assert_eq!(dsa.bits as usize, rsa::BigUint::from_bytes_be(&p).bits());
        let inherited = info(&spki(&seq(&[&dsa_oid]), &y));
        assert_eq!(
            (inherited.algorithm, inherited.bits),
            (KeyAlgorithm::Dsa, 0)
        );

        let x25519 = info(&spki(&seq(&[&oid(&[1, 3, 101, 110])]), &[0x09; 32]));
        assert_eq!(x25519.algorithm, KeyAlgorithm::Other("1.3.101.110".into()));
        assert_eq!((x25519.bits, x25519.curve), (0, None));
    }

    #[test]
    fn post_quantum_keys_are_named_with_their_level() {
        let arcs = |last: &[u64]| [&[2, 16, 840, 1, 101, 3, 4][..], last].concat();
        let mldsa = info(&spki(&seq(&[&oid(&arcs(&[3, 18]))]), &[0x5a; 1952]));
        assert_eq!(
            mldsa.algorithm,
            KeyAlgorithm::PostQuantum("ML-DSA-65".into())
        );
        assert_eq!((mldsa.bits, mldsa.nist_level), (0, Some(3)));
        assert_eq!(mldsa.algorithm.name(), "ML-DSA-65");
        let slh = info(&spki(&seq(&[&oid(&arcs(&[3, 20]))]), &[0x5a; 32]));
        assert_eq!(slh.algorithm.name(), "SLH-DSA-SHA2-128s");
        assert_eq!(slh.nist_level, Some(1));
        let mlkem = info(&spki(&seq(&[&oid(&arcs(&[4, 3]))]), &[0x5a; 1568]));
        assert_eq!(
            (mlkem.algorithm.name(), mlkem.nist_level),
            ("ML-KEM-1024".into(), Some(5))
        );
        let composite = info(&spki(
            &seq(&[&oid(&[1, 3, 6, 1, 5, 5, 7, 6, 45])]),
            &[1; 2017],
        ));
        assert_eq!(composite.algorithm.name(), "MLDSA65-ECDSA-P256-SHA512");
        assert_eq!(composite.nist_level, Some(3));
        // One arc past the table is still an unknown OID.
        let beyond = info(&spki(&seq(&[&oid(&[1, 3, 6, 1, 5, 5, 7, 6, 55])]), &[1; 8]));
        assert_eq!(
            beyond.algorithm,
            KeyAlgorithm::Other("1.3.6.1.5.5.7.6.55".into())
        );
        assert_eq!(beyond.nist_level, None);
    }

    #[test]
    fn a_view_stored_before_the_table_is_recognised_by_its_oid() {
        let old = KeyAlgorithm::Other("2.16.840.1.101.3.4.3.19".into());
        assert_eq!(old.name(), "ML-DSA-87");
        assert_eq!(old.post_quantum().map(|a| a.nist_level), Some(5));
        let json = r#"{"algorithm":{"other":"1.3.101.110"},"bits":0,"curve":null}"#;
        let stored: PublicKeyInfo = serde_json::from_str(json).expect("old JSON");
        assert_eq!(stored.nist_level, None);
        assert_eq!(stored.algorithm.post_quantum(), None);
    }

    #[test]
    fn bit_length_ignores_leading_zero_bytes() {
        assert_eq!(bit_length(&[]), 0);
        assert_eq!(bit_length(&[0, 0]), 0);
        assert_eq!(bit_length(&[0, 1]), 1);
        assert_eq!(bit_length(&[0, 0x80, 0]), 16);
        assert_eq!(bit_length(&[0x7f, 0xff]), 15);
    }
}
