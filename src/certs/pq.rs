//! Post-quantum algorithm identifiers: our own table of the OIDs x509-parser
//! (0.18) does not name, each with its NIST security category, so that a
//! certificate with an ML-DSA, SLH-DSA, composite ML-DSA or ML-KEM key (or
//! signature) is named instead of reported as an unknown OID.
//!
//! Sources:
//! - ML-DSA (FIPS 204), OIDs of RFC 9881 / NIST CSOR: 2.16.840.1.101.3.4.3.17–19.
//! - SLH-DSA (FIPS 205), OIDs of NIST CSOR: 2.16.840.1.101.3.4.3.20–31.
//! - ML-KEM (FIPS 203), OIDs of NIST CSOR: 2.16.840.1.101.3.4.4.1–3.
//! - Composite ML-DSA: draft-ietf-lamps-pq-composite-sigs-13 (the IANA
//!   "id-alg" arcs 1.3.6.1.5.5.7.6.37–54), named as the draft names them
//!   without its `id-` prefix. The draft may still change; earlier drafts
//!   used other (private) arcs, which are not listed.
//!
//! The security category of a composite is that of its ML-DSA part.

use serde::{Deserialize, Serialize};

/// Which post-quantum scheme an OID belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PqFamily {
    /// ML-DSA (FIPS 204), a lattice signature.
    MlDsa,
    /// SLH-DSA (FIPS 205), a stateless hash-based signature.
    SlhDsa,
    /// ML-DSA combined with a classical signature (composite draft).
    CompositeMlDsa,
    /// ML-KEM (FIPS 203), a key-encapsulation key.
    MlKem,
}

impl PqFamily {
    /// `ml_dsa`, `slh_dsa`, `composite_ml_dsa` or `ml_kem`.
    pub fn name(self) -> &'static str {
        match self {
            PqFamily::MlDsa => "ml_dsa",
            PqFamily::SlhDsa => "slh_dsa",
            PqFamily::CompositeMlDsa => "composite_ml_dsa",
            PqFamily::MlKem => "ml_kem",
        }
    }
}

/// One post-quantum algorithm identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PqAlgorithm {
    /// Dotted OID.
    pub oid: &'static str,
    /// Name, e.g. `ML-DSA-65`, `SLH-DSA-SHA2-128s`, `MLDSA65-ECDSA-P256-SHA512`.
    pub name: &'static str,
    /// The scheme.
    pub family: PqFamily,
    /// NIST security category, 1 to 5.
    pub nist_level: u8,
}

const fn pq(oid: &'static str, name: &'static str, family: PqFamily, level: u8) -> PqAlgorithm {
    PqAlgorithm {
        oid,
        name,
        family,
        nist_level: level,
    }
}

use PqFamily::{CompositeMlDsa, MlDsa, MlKem, SlhDsa};

/// Every post-quantum OID we name. A key algorithm and a signature
/// algorithm share the OID for ML-DSA, SLH-DSA and composites.
pub const PQ_ALGORITHMS: &[PqAlgorithm] = &[
    pq("2.16.840.1.101.3.4.3.17", "ML-DSA-44", MlDsa, 2),
    pq("2.16.840.1.101.3.4.3.18", "ML-DSA-65", MlDsa, 3),
    pq("2.16.840.1.101.3.4.3.19", "ML-DSA-87", MlDsa, 5),
    pq("2.16.840.1.101.3.4.3.20", "SLH-DSA-SHA2-128s", SlhDsa, 1),
    pq("2.16.840.1.101.3.4.3.21", "SLH-DSA-SHA2-128f", SlhDsa, 1),
    pq("2.16.840.1.101.3.4.3.22", "SLH-DSA-SHA2-192s", SlhDsa, 3),
    pq("2.16.840.1.101.3.4.3.23", "SLH-DSA-SHA2-192f", SlhDsa, 3),
    pq("2.16.840.1.101.3.4.3.24", "SLH-DSA-SHA2-256s", SlhDsa, 5),
    pq("2.16.840.1.101.3.4.3.25", "SLH-DSA-SHA2-256f", SlhDsa, 5),
    pq("2.16.840.1.101.3.4.3.26", "SLH-DSA-SHAKE-128s", SlhDsa, 1),
    pq("2.16.840.1.101.3.4.3.27", "SLH-DSA-SHAKE-128f", SlhDsa, 1),
    pq("2.16.840.1.101.3.4.3.28", "SLH-DSA-SHAKE-192s", SlhDsa, 3),
    pq("2.16.840.1.101.3.4.3.29", "SLH-DSA-SHAKE-192f", SlhDsa, 3),
    pq("2.16.840.1.101.3.4.3.30", "SLH-DSA-SHAKE-256s", SlhDsa, 5),
    pq("2.16.840.1.101.3.4.3.31", "SLH-DSA-SHAKE-256f", SlhDsa, 5),
    pq("2.16.840.1.101.3.4.4.1", "ML-KEM-512", MlKem, 1),
    pq("2.16.840.1.101.3.4.4.2", "ML-KEM-768", MlKem, 3),
    pq("2.16.840.1.101.3.4.4.3", "ML-KEM-1024", MlKem, 5),
    pq(
        "1.3.6.1.5.5.7.6.37",
        "MLDSA44-RSA2048-PSS-SHA256",
        CompositeMlDsa,
        2,
    ),
    pq(
        "1.3.6.1.5.5.7.6.38",
        "MLDSA44-RSA2048-PKCS15-SHA256",
        CompositeMlDsa,
        2,
    ),
    pq(
        "1.3.6.1.5.5.7.6.39",
        "MLDSA44-Ed25519-SHA512",
        CompositeMlDsa,
        2,
    ),
    pq(
        "1.3.6.1.5.5.7.6.40",
        "MLDSA44-ECDSA-P256-SHA256",
        CompositeMlDsa,
        2,
    ),
    pq(
        "1.3.6.1.5.5.7.6.41",
        "MLDSA65-RSA3072-PSS-SHA512",
        CompositeMlDsa,
        3,
    ),
    pq(
        "1.3.6.1.5.5.7.6.42",
        "MLDSA65-RSA3072-PKCS15-SHA512",
        CompositeMlDsa,
        3,
    ),
    pq(
        "1.3.6.1.5.5.7.6.43",
        "MLDSA65-RSA4096-PSS-SHA512",
        CompositeMlDsa,
        3,
    ),
    pq(
        "1.3.6.1.5.5.7.6.44",
        "MLDSA65-RSA4096-PKCS15-SHA512",
        CompositeMlDsa,
        3,
    ),
    pq(
        "1.3.6.1.5.5.7.6.45",
        "MLDSA65-ECDSA-P256-SHA512",
        CompositeMlDsa,
        3,
    ),
    pq(
        "1.3.6.1.5.5.7.6.46",
        "MLDSA65-ECDSA-P384-SHA512",
        CompositeMlDsa,
        3,
    ),
    pq(
        "1.3.6.1.5.5.7.6.47",
        "MLDSA65-ECDSA-brainpoolP256r1-SHA512",
        CompositeMlDsa,
        3,
    ),
    pq(
        "1.3.6.1.5.5.7.6.48",
        "MLDSA65-Ed25519-SHA512",
        CompositeMlDsa,
        3,
    ),
    pq(
        "1.3.6.1.5.5.7.6.49",
        "MLDSA87-ECDSA-P384-SHA512",
        CompositeMlDsa,
        5,
    ),
    pq(
        "1.3.6.1.5.5.7.6.50",
        "MLDSA87-ECDSA-brainpoolP384r1-SHA512",
        CompositeMlDsa,
        5,
    ),
    pq(
        "1.3.6.1.5.5.7.6.51",
        "MLDSA87-Ed448-SHAKE256",
        CompositeMlDsa,
        5,
    ),
    pq(
        "1.3.6.1.5.5.7.6.52",
        "MLDSA87-RSA3072-PSS-SHA512",
        CompositeMlDsa,
        5,
    ),
    pq(
        "1.3.6.1.5.5.7.6.53",
        "MLDSA87-RSA4096-PSS-SHA512",
        CompositeMlDsa,
        5,
    ),
    pq(
        "1.3.6.1.5.5.7.6.54",
        "MLDSA87-ECDSA-P521-SHA512",
        CompositeMlDsa,
        5,
    ),
];

/// The post-quantum algorithm with this dotted OID.
pub fn by_oid(oid: &str) -> Option<&'static PqAlgorithm> {
    PQ_ALGORITHMS.iter().find(|a| a.oid == oid)
}

/// The post-quantum algorithm with this name (as [`PqAlgorithm::name`]).
pub fn by_name(name: &str) -> Option<&'static PqAlgorithm> {
    PQ_ALGORITHMS.iter().find(|a| a.name == name)
}

/// The pre-hash of a composite signature (the suffix of its name), in the
/// vocabulary of [`super::SignatureAlgorithm::hash`]; `None` for the pure
/// schemes, which sign the message itself.
pub fn composite_prehash(alg: &PqAlgorithm) -> Option<&'static str> {
    if alg.family != PqFamily::CompositeMlDsa {
        return None;
    }
    ["SHA256", "SHA512", "SHAKE256"]
        .into_iter()
        .find(|suffix| alg.name.ends_with(suffix))
        .map(|suffix| match suffix {
            "SHA256" => "sha256",
            "SHA512" => "sha512",
            _ => "shake256",
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn oids_and_names_are_unique_and_levels_in_range() {
        let oids: BTreeSet<&str> = PQ_ALGORITHMS.iter().map(|a| a.oid).collect();
        let names: BTreeSet<&str> = PQ_ALGORITHMS.iter().map(|a| a.name).collect();
        assert_eq!(oids.len(), PQ_ALGORITHMS.len());
        assert_eq!(names.len(), PQ_ALGORITHMS.len());
        assert!(PQ_ALGORITHMS
            .iter()
            .all(|a| (1..=5).contains(&a.nist_level)));
    }

    #[test]
    fn every_arc_of_each_range_is_named_once() {
        let count = |prefix: &str, arcs: std::ops::RangeInclusive<u32>| {
            arcs.filter(|arc| by_oid(&format!("{prefix}.{arc}")).is_some())
                .count()
        };
        assert_eq!(count("2.16.840.1.101.3.4.3", 17..=31), 15);
        assert_eq!(count("2.16.840.1.101.3.4.4", 1..=3), 3);
        assert_eq!(count("1.3.6.1.5.5.7.6", 37..=54), 18);
        assert_eq!(count("2.16.840.1.101.3.4.3", 1..=16), 0, "DSA/ECDSA arcs");
    }

    #[test]
    fn levels_follow_the_parameter_sets() {
        let level = |name: &str| by_name(name).map(|a| a.nist_level);
        assert_eq!(level("ML-DSA-44"), Some(2));
        assert_eq!(level("ML-DSA-65"), Some(3));
        assert_eq!(level("ML-DSA-87"), Some(5));
        assert_eq!(level("SLH-DSA-SHAKE-192f"), Some(3));
        assert_eq!(level("ML-KEM-1024"), Some(5));
        for a in PQ_ALGORITHMS.iter().filter(|a| a.family == CompositeMlDsa) {
            let inner = format!("ML-DSA-{}", &a.name[5..7]);
            assert_eq!(level(&inner), Some(a.nist_level), "{}", a.name);
        }
    }

    #[test]
    fn composite_prehash_comes_from_the_name() {
        let ph = |name| by_name(name).and_then(composite_prehash);
        assert_eq!(ph("MLDSA44-ECDSA-P256-SHA256"), Some("sha256"));
        assert_eq!(ph("MLDSA65-ECDSA-P256-SHA512"), Some("sha512"));
        assert_eq!(ph("MLDSA87-Ed448-SHAKE256"), Some("shake256"));
        assert_eq!(ph("ML-DSA-65"), None);
    }
}
