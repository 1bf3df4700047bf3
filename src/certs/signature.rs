//! Certificate signature AlgorithmIdentifier → [`SignatureAlgorithm`]:
//! OpenSSL-style name, dotted OID and hash (including RSASSA-PSS parameters);
//! post-quantum signatures are named from [`super::pq`] with their NIST level.

use serde::{Deserialize, Serialize};
use x509_parser::signature_algorithm::RsaSsaPssParams;
use x509_parser::x509::AlgorithmIdentifier;

use super::pq;

const OID_RSASSA_PSS: &str = "1.2.840.113549.1.1.10";

/// Known signature algorithms: (OID, name, hash).
const SIGNATURE_ALGORITHMS: &[(&str, &str, Option<&str>)] = &[
    ("1.2.840.113549.1.1.2", "md2WithRSAEncryption", Some("md2")),
    ("1.2.840.113549.1.1.3", "md4WithRSAEncryption", Some("md4")),
    ("1.2.840.113549.1.1.4", "md5WithRSAEncryption", Some("md5")),
    (
        "1.2.840.113549.1.1.5",
        "sha1WithRSAEncryption",
        Some("sha1"),
    ),
    ("1.3.14.3.2.29", "sha1WithRSA", Some("sha1")),
    (
        "1.2.840.113549.1.1.14",
        "sha224WithRSAEncryption",
        Some("sha224"),
    ),
    (
        "1.2.840.113549.1.1.11",
        "sha256WithRSAEncryption",
        Some("sha256"),
    ),
    (
        "1.2.840.113549.1.1.12",
        "sha384WithRSAEncryption",
        Some("sha384"),
    ),
    (
        "1.2.840.113549.1.1.13",
        "sha512WithRSAEncryption",
        Some("sha512"),
    ),
    (OID_RSASSA_PSS, "rsassaPss", None),
    ("1.2.840.10045.4.1", "ecdsa-with-SHA1", Some("sha1")),
    ("1.2.840.10045.4.3.1", "ecdsa-with-SHA224", Some("sha224")),
    ("1.2.840.10045.4.3.2", "ecdsa-with-SHA256", Some("sha256")),
    ("1.2.840.10045.4.3.3", "ecdsa-with-SHA384", Some("sha384")),
    ("1.2.840.10045.4.3.4", "ecdsa-with-SHA512", Some("sha512")),
    ("1.3.101.112", "ED25519", None),
    ("1.3.101.113", "ED448", None),
    ("1.2.840.10040.4.3", "dsaWithSHA1", Some("sha1")),
    ("2.16.840.1.101.3.4.3.1", "dsa_with_SHA224", Some("sha224")),
    ("2.16.840.1.101.3.4.3.2", "dsa_with_SHA256", Some("sha256")),
];

/// Hash algorithm OIDs that may appear in RSASSA-PSS parameters.
const HASHES: &[(&str, &str)] = &[
    ("1.2.840.113549.2.5", "md5"),
    ("1.3.14.3.2.26", "sha1"),
    ("2.16.840.1.101.3.4.2.4", "sha224"),
    ("2.16.840.1.101.3.4.2.1", "sha256"),
    ("2.16.840.1.101.3.4.2.2", "sha384"),
    ("2.16.840.1.101.3.4.2.3", "sha512"),
];

/// The algorithm the issuer used to sign the certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureAlgorithm {
    /// OpenSSL-style name ("sha256WithRSAEncryption", "ecdsa-with-SHA256",
    /// "ED25519", "rsassaPss", ...), a post-quantum name ("ML-DSA-65",
    /// "MLDSA65-ECDSA-P256-SHA512", ...), else the dotted OID.
    pub name: String,
    /// Dotted OID.
    pub oid: String,
    /// Digest ("md5", "sha1", "sha224", "sha256", "sha384", "sha512", ...) where
    /// known. For RSASSA-PSS it comes from the parameters (absent hash field
    /// means sha1 per RFC 4055); `None` for EdDSA, unknown algorithms and
    /// unparseable PSS parameters. For a composite ML-DSA signature, its
    /// pre-hash; `None` for pure ML-DSA and SLH-DSA.
    pub hash: Option<String>,
    /// NIST security category (1 to 5) of a post-quantum signature;
    /// `None` for classical ones.
    #[serde(default)]
    pub nist_level: Option<u8>,
}

impl SignatureAlgorithm {
    /// Describes an AlgorithmIdentifier. Never fails.
    pub(crate) fn from_algorithm_identifier(alg: &AlgorithmIdentifier<'_>) -> Self {
        let oid = alg.algorithm.to_id_string();
        if let Some(pq) = pq::by_oid(&oid) {
            return SignatureAlgorithm {
                name: pq.name.into(),
                hash: pq::composite_prehash(pq).map(str::to_string),
                nist_level: Some(pq.nist_level),
                oid,
            };
        }
        let known = SIGNATURE_ALGORITHMS.iter().find(|(o, _, _)| *o == oid);
        let name = known.map_or_else(|| oid.clone(), |(_, n, _)| (*n).to_string());
        let hash = if oid == OID_RSASSA_PSS {
            pss_hash(alg)
        } else {
            known.and_then(|(_, _, h)| h.map(str::to_string))
        };
        SignatureAlgorithm {
            name,
            oid,
            hash,
            nist_level: None,
        }
    }

    /// The post-quantum algorithm this is, if any (by OID, so that a view
    /// stored before the table knew it is recognised too).
    pub fn post_quantum(&self) -> Option<&'static pq::PqAlgorithm> {
        pq::by_oid(&self.oid)
    }
}

/// Hash named in RSASSA-PSS-params (RFC 4055); dotted OID if unknown.
fn pss_hash(alg: &AlgorithmIdentifier<'_>) -> Option<String> {
    let params = RsaSsaPssParams::try_from(alg.parameters.as_ref()?).ok()?;
    let hash_oid = params.hash_algorithm_oid().to_id_string();
    let name = HASHES
        .iter()
        .find(|(o, _)| *o == hash_oid)
        .map_or(hash_oid.clone(), |(_, n)| (*n).to_string());
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::super::testgen::{oid, seq, tlv};
    use super::*;
    use x509_parser::asn1_rs::FromDer;

    const NULL: [u8; 2] = [0x05, 0x00];
    const PSS: [u64; 7] = [1, 2, 840, 113549, 1, 1, 10];

    fn describe(alg_id_der: &[u8]) -> SignatureAlgorithm {
        let (rest, alg) = AlgorithmIdentifier::from_der(alg_id_der).expect("alg id parses");
        assert!(rest.is_empty());
        SignatureAlgorithm::from_algorithm_identifier(&alg)
    }

    /// RSASSA-PSS-params with an explicit hashAlgorithm `[0]`.
    fn pss_with_hash(hash_arcs: &[u64]) -> Vec<u8> {
        let hash_alg = seq(&[&oid(hash_arcs), &NULL]);
        seq(&[&oid(&PSS), &seq(&[&tlv(0xa0, &hash_alg)])])
    }

    #[test]
    fn weak_rsa_signatures_are_named_with_their_hash() {
        let md5 = describe(&seq(&[&oid(&[1, 2, 840, 113549, 1, 1, 4]), &NULL]));
        assert_eq!(md5.name, "md5WithRSAEncryption");
        assert_eq!(md5.oid, "1.2.840.113549.1.1.4");
        assert_eq!(md5.hash.as_deref(), Some("md5"));
        let sha1 = describe(&seq(&[&oid(&[1, 2, 840, 113549, 1, 1, 5]), &NULL]));
        assert_eq!(sha1.name, "sha1WithRSAEncryption");
        assert_eq!(sha1.hash.as_deref(), Some("sha1"));
    }

    #[test]
    fn ecdsa_eddsa_and_dsa_names() {
        let ecdsa = describe(&seq(&[&oid(&[1, 2, 840, 10045, 4, 3, 3])]));
        assert_eq!(
            (ecdsa.name.as_str(), ecdsa.hash.as_deref()),
            ("ecdsa-with-SHA384", Some("sha384"))
        );
        let ed = describe(&seq(&[&oid(&[1, 3, 101, 112])]));
        assert_eq!((ed.name.as_str(), ed.hash), ("ED25519", None));
        let dsa = describe(&seq(&[&oid(&[2, 16, 840, 1, 101, 3, 4, 3, 2])]));
        assert_eq!(
            (dsa.name.as_str(), dsa.hash.as_deref()),
            ("dsa_with_SHA256", Some("sha256"))
        );
    }

    #[test]
    fn rsassa_pss_hash_comes_from_parameters() {
        let sha256 = describe(&pss_with_hash(&[2, 16, 840, 1, 101, 3, 4, 2, 1]));
        assert_eq!(sha256.name, "rsassaPss");
        assert_eq!(sha256.oid, "1.2.840.113549.1.1.10");
        assert_eq!(sha256.hash.as_deref(), Some("sha256"));
        let sha512 = describe(&pss_with_hash(&[2, 16, 840, 1, 101, 3, 4, 2, 3]));
        assert_eq!(sha512.hash.as_deref(), Some("sha512"));
        let odd = describe(&pss_with_hash(&[1, 2, 3, 9]));
        assert_eq!(odd.hash.as_deref(), Some("1.2.3.9"));
        // Empty RSASSA-PSS-params: every field DEFAULT, hash is sha1 (RFC 4055).
        let defaults = describe(&seq(&[&oid(&PSS), &seq(&[])]));
        assert_eq!(defaults.hash.as_deref(), Some("sha1"));
        // Missing or malformed parameters: name still known, hash unknown.
        assert_eq!(describe(&seq(&[&oid(&PSS)])).hash, None);
        assert_eq!(describe(&seq(&[&oid(&PSS), &NULL])).hash, None);
    }

    #[test]
    fn post_quantum_signatures_are_named_with_their_level() {
        let mldsa = describe(&seq(&[&oid(&[2, 16, 840, 1, 101, 3, 4, 3, 18])]));
        assert_eq!(mldsa.name, "ML-DSA-65");
        assert_eq!((mldsa.hash, mldsa.nist_level), (None, Some(3)));
        let composite = describe(&seq(&[&oid(&[1, 3, 6, 1, 5, 5, 7, 6, 40])]));
        assert_eq!(composite.name, "MLDSA44-ECDSA-P256-SHA256");
        assert_eq!(composite.hash.as_deref(), Some("sha256"));
        assert_eq!(composite.nist_level, Some(2));
        assert_eq!(
            composite.post_quantum().map(|a| a.oid),
            Some("1.3.6.1.5.5.7.6.40")
        );
        let classical = describe(&seq(&[&oid(&[1, 2, 840, 10045, 4, 3, 2])]));
        assert_eq!(
            (classical.nist_level, classical.post_quantum()),
            (None, None)
        );
    }

    #[test]
    fn unknown_algorithm_is_reported_by_oid() {
        let other = describe(&seq(&[&oid(&[1, 2, 643, 7, 1, 1, 3, 2]), &NULL]));
        assert_eq!(other.name, "1.2.643.7.1.1.3.2");
        assert_eq!(other.oid, other.name);
        assert_eq!(other.hash, None);
    }
}
