//! What the CBOM says about an algorithm: the one function [`classify`]
//! mapping an algorithm's name and OID to its CycloneDX primitive,
//! parameter set and NIST quantum security level, and the parts of a TLS
//! cipher suite name ([`suite_parts`]).
//!
//! Post-quantum algorithms come from [`crate::certs::pq`] (ML-DSA, SLH-DSA,
//! composite ML-DSA, ML-KEM), hybrid TLS groups from their ML-KEM part;
//! classical ones from [`KNOWN`]. An algorithm neither knows is still
//! emitted, with primitive `unknown` and its OID as given. Extend [`KNOWN`]
//! (or the PQ table) to name more.

use crate::certs::pq::{self, PqFamily};

/// The CycloneDX description of one algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlgorithmClass {
    /// `signature`, `pke`, `kem`, `key-agree`, `ae`, `block-cipher`,
    /// `stream-cipher`, `hash`, or `unknown`.
    pub primitive: &'static str,
    /// Parameter set (`65` for ML-DSA-65, `128` for AES-128), where the
    /// name fixes one.
    pub parameter_set: Option<String>,
    /// Named curve, where the name fixes one.
    pub curve: Option<&'static str>,
    /// Block cipher mode, where there is one.
    pub mode: Option<&'static str>,
    /// The OID of the algorithm when the caller gave none and we know one.
    pub oid: Option<&'static str>,
    /// NIST post-quantum security category where defined: 0 for classical
    /// public-key algorithms (broken by a quantum computer), 1 to 5 for
    /// post-quantum ones and for AES and SHA-2 (the categories' own
    /// yardsticks).
    pub nist_level: Option<u8>,
}

/// A classical algorithm we name: (name, OID, primitive, parameter set,
/// curve, mode, NIST level).
type Known = (
    &'static str,
    Option<&'static str>,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<u8>,
);

/// The classical algorithms, looked up by OID first, then by name.
#[rustfmt::skip]
pub const KNOWN: &[Known] = &[
    // public keys (the key component adds its size or curve)
    ("RSA", Some("1.2.840.113549.1.1.1"), "pke", None, None, None, Some(0)),
    ("EC", Some("1.2.840.10045.2.1"), "signature", None, None, None, Some(0)),
    ("Ed25519", Some("1.3.101.112"), "signature", None, None, None, Some(0)),
    ("Ed448", Some("1.3.101.113"), "signature", None, None, None, Some(0)),
    ("DSA", Some("1.2.840.10040.4.1"), "signature", None, None, None, Some(0)),
    // certificate signatures
    ("md5WithRSAEncryption", Some("1.2.840.113549.1.1.4"), "signature", None, None, None, Some(0)),
    ("sha1WithRSAEncryption", Some("1.2.840.113549.1.1.5"), "signature", None, None, None, Some(0)),
    ("sha224WithRSAEncryption", Some("1.2.840.113549.1.1.14"), "signature", None, None, None, Some(0)),
    ("sha256WithRSAEncryption", Some("1.2.840.113549.1.1.11"), "signature", None, None, None, Some(0)),
    ("sha384WithRSAEncryption", Some("1.2.840.113549.1.1.12"), "signature", None, None, None, Some(0)),
    ("sha512WithRSAEncryption", Some("1.2.840.113549.1.1.13"), "signature", None, None, None, Some(0)),
    ("rsassaPss", Some("1.2.840.113549.1.1.10"), "signature", None, None, None, Some(0)),
    ("ecdsa-with-SHA1", Some("1.2.840.10045.4.1"), "signature", None, None, None, Some(0)),
    ("ecdsa-with-SHA224", Some("1.2.840.10045.4.3.1"), "signature", None, None, None, Some(0)),
    ("ecdsa-with-SHA256", Some("1.2.840.10045.4.3.2"), "signature", None, None, None, Some(0)),
    ("ecdsa-with-SHA384", Some("1.2.840.10045.4.3.3"), "signature", None, None, None, Some(0)),
    ("ecdsa-with-SHA512", Some("1.2.840.10045.4.3.4"), "signature", None, None, None, Some(0)),
    ("dsaWithSHA1", Some("1.2.840.10040.4.3"), "signature", None, None, None, Some(0)),
    ("dsa_with_SHA256", Some("2.16.840.1.101.3.4.3.2"), "signature", None, None, None, Some(0)),
    // TLS key exchange (suites) and groups
    ("ECDHE", None, "key-agree", None, None, None, Some(0)),
    ("DHE", None, "key-agree", None, None, None, Some(0)),
    ("X25519", Some("1.3.101.110"), "key-agree", None, Some("Curve25519"), None, Some(0)),
    ("X448", Some("1.3.101.111"), "key-agree", None, Some("Curve448"), None, Some(0)),
    ("secp256r1", None, "key-agree", None, Some("P-256"), None, Some(0)),
    ("secp384r1", None, "key-agree", None, Some("P-384"), None, Some(0)),
    ("secp521r1", None, "key-agree", None, Some("P-521"), None, Some(0)),
    ("ffdhe2048", None, "key-agree", Some("2048"), None, None, Some(0)),
    ("ffdhe3072", None, "key-agree", Some("3072"), None, None, Some(0)),
    // TLS bulk ciphers and hashes
    ("AES-128-GCM", Some("2.16.840.1.101.3.4.1.6"), "ae", Some("128"), None, Some("gcm"), Some(1)),
    ("AES-256-GCM", Some("2.16.840.1.101.3.4.1.46"), "ae", Some("256"), None, Some("gcm"), Some(5)),
    ("AES-128-CCM", Some("2.16.840.1.101.3.4.1.7"), "ae", Some("128"), None, Some("ccm"), Some(1)),
    ("AES-128-CBC", Some("2.16.840.1.101.3.4.1.2"), "block-cipher", Some("128"), None, Some("cbc"), Some(1)),
    ("AES-256-CBC", Some("2.16.840.1.101.3.4.1.42"), "block-cipher", Some("256"), None, Some("cbc"), Some(5)),
    ("CHACHA20-POLY1305", Some("1.2.840.113549.1.9.16.3.18"), "ae", Some("256"), None, None, None),
    ("3DES-EDE-CBC", Some("1.2.840.113549.3.7"), "block-cipher", Some("168"), None, Some("cbc"), None),
    ("RC4-128", None, "stream-cipher", Some("128"), None, None, None),
    ("SHA-1", Some("1.3.14.3.2.26"), "hash", Some("160"), None, None, None),
    ("SHA-256", Some("2.16.840.1.101.3.4.2.1"), "hash", Some("256"), None, None, Some(2)),
    ("SHA-384", Some("2.16.840.1.101.3.4.2.2"), "hash", Some("384"), None, None, Some(4)),
    ("MD5", Some("1.2.840.113549.2.5"), "hash", Some("128"), None, None, None),
];

/// The CycloneDX description of the algorithm called `name` with `oid`
/// (either may be what the certificate or the handshake said): the PQ
/// table, then hybrid TLS groups, then [`KNOWN`], else `unknown`.
pub fn classify(name: &str, oid: Option<&str>) -> AlgorithmClass {
    let post_quantum = oid.and_then(pq::by_oid).or_else(|| pq::by_name(name));
    if let Some(alg) = post_quantum {
        return AlgorithmClass {
            primitive: if alg.family == PqFamily::MlKem {
                "kem"
            } else {
                "signature"
            },
            parameter_set: Some(pq_parameter_set(alg.name)),
            curve: None,
            mode: None,
            oid: Some(alg.oid),
            nist_level: Some(alg.nist_level),
        };
    }
    if let Some(class) = hybrid_group(name) {
        return class;
    }
    let known = oid
        .and_then(|oid| KNOWN.iter().find(|k| k.1 == Some(oid)))
        .or_else(|| KNOWN.iter().find(|k| k.0.eq_ignore_ascii_case(name)));
    match known {
        Some(&(_, oid, primitive, parameter_set, curve, mode, nist_level)) => AlgorithmClass {
            primitive,
            parameter_set: parameter_set.map(str::to_string),
            curve,
            mode,
            oid,
            nist_level,
        },
        None => AlgorithmClass {
            primitive: "unknown",
            parameter_set: None,
            curve: None,
            mode: None,
            oid: None,
            nist_level: None,
        },
    }
}

/// The parameter set in a PQ name: `65` of ML-DSA-65, `768` of
/// ML-KEM-768, `SHA2-128s` of SLH-DSA-SHA2-128s; a composite's whole name.
fn pq_parameter_set(name: &str) -> String {
    ["ML-DSA-", "ML-KEM-", "SLH-DSA-"]
        .into_iter()
        .find_map(|prefix| name.strip_prefix(prefix))
        .unwrap_or(name)
        .to_string()
}

/// A hybrid TLS group (`X25519MLKEM768`, `SecP256r1MLKEM768`,
/// `SecP384r1MLKEM1024`): a KEM whose NIST level is its ML-KEM part's.
fn hybrid_group(name: &str) -> Option<AlgorithmClass> {
    let upper = name.to_ascii_uppercase();
    let at = upper.find("MLKEM")?;
    let set = &upper[at + "MLKEM".len()..];
    let level = pq::by_name(&format!("ML-KEM-{set}"))?.nist_level;
    Some(AlgorithmClass {
        primitive: "kem",
        parameter_set: Some(set.to_string()),
        curve: None,
        mode: None,
        oid: None,
        nist_level: Some(level),
    })
}

/// The algorithm names in an IANA (or rustls) cipher suite name: the key
/// exchange (TLS 1.2 and below), the bulk cipher and the hash, each named
/// as in [`KNOWN`]; parts we cannot name are left out.
/// `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256` → `ECDHE`, `AES-128-GCM`,
/// `SHA-256`; `TLS13_AES_256_GCM_SHA384` → `AES-256-GCM`, `SHA-384`.
pub fn suite_parts(suite: &str) -> Vec<&'static str> {
    let rest = suite
        .strip_prefix("TLS13_")
        .or_else(|| suite.strip_prefix("TLS_"))
        .unwrap_or(suite);
    let (kx, bulk) = match rest.split_once("_WITH_") {
        Some((kx_auth, bulk)) => (kx_auth.split('_').next(), bulk),
        None => (None, rest),
    };
    let mut tokens: Vec<&str> = bulk.split('_').collect();
    let hash = match tokens.last().copied() {
        Some("SHA") => Some("SHA-1"),
        Some("SHA256") => Some("SHA-256"),
        Some("SHA384") => Some("SHA-384"),
        Some("MD5") => Some("MD5"),
        _ => None,
    };
    if hash.is_some() {
        tokens.pop();
    }
    let cipher = tokens.join("-");
    let named = |text: &str| KNOWN.iter().find(|k| k.0 == text).map(|k| k.0);
    let kx = kx.and_then(|kx| if kx == "RSA" { None } else { named(kx) });
    [kx, named(&cipher), hash].into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_quantum_names_and_oids_carry_their_level() {
        let by_oid = classify("2.16.840.1.101.3.4.3.18", Some("2.16.840.1.101.3.4.3.18"));
        assert_eq!(by_oid.primitive, "signature");
        assert_eq!(by_oid.parameter_set.as_deref(), Some("65"));
        assert_eq!(by_oid.nist_level, Some(3));
        let kem = classify("ML-KEM-1024", None);
        assert_eq!((kem.primitive, kem.nist_level), ("kem", Some(5)));
        assert_eq!(kem.oid, Some("2.16.840.1.101.3.4.4.3"));
        let hybrid = classify("X25519MLKEM768", None);
        assert_eq!((hybrid.primitive, hybrid.nist_level), ("kem", Some(3)));
        assert_eq!(classify("SecP384r1MLKEM1024", None).nist_level, Some(5));
        assert_eq!(classify("secp256r1MLKEM768", None).nist_level, Some(3));
    }

    #[test]
    fn classical_public_key_algorithms_are_level_zero() {
        for (name, oid) in [
            ("RSA-2048", "1.2.840.113549.1.1.1"),
            ("EC-P-256", "1.2.840.10045.2.1"),
            ("Ed25519", "1.3.101.112"),
            ("sha256WithRSAEncryption", "1.2.840.113549.1.1.11"),
            ("ecdsa-with-SHA384", "1.2.840.10045.4.3.3"),
        ] {
            let class = classify(name, Some(oid));
            assert_eq!(class.nist_level, Some(0), "{name}");
            assert_ne!(class.primitive, "unknown", "{name}");
        }
        assert_eq!(classify("X25519", None).primitive, "key-agree");
    }

    #[test]
    fn an_unknown_algorithm_is_still_described_as_unknown() {
        let class = classify("1.2.3.4.5", Some("1.2.3.4.5"));
        assert_eq!(class.primitive, "unknown");
        assert_eq!(class.nist_level, None);
        assert_eq!(class.oid, None, "the caller keeps the OID it gave");
        assert_eq!(classify("Unknown(0x1234)", None).primitive, "unknown");
    }

    #[test]
    fn suite_names_split_into_known_parts() {
        assert_eq!(
            suite_parts("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
            ["ECDHE", "AES-128-GCM", "SHA-256"]
        );
        assert_eq!(
            suite_parts("TLS13_AES_256_GCM_SHA384"),
            ["AES-256-GCM", "SHA-384"]
        );
        assert_eq!(
            suite_parts("TLS13_CHACHA20_POLY1305_SHA256"),
            ["CHACHA20-POLY1305", "SHA-256"]
        );
        assert_eq!(
            suite_parts("TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
            ["3DES-EDE-CBC", "SHA-1"]
        );
        assert!(suite_parts("TLS_FOO_WITH_BAR").is_empty());
    }
}
