//! The cipher suites a legacy ClientHello offers, their IANA names and their weaknesses.
//!
//! One table lists every offered suite, strongest first, with the kind of certificate it
//! needs; the three offers are filters of it. Names and properties come from the IANA
//! registry as compiled into `tls-parser`.

use tls_parser::{TlsCipherAu, TlsCipherEnc, TlsCipherSuite};

use super::SuiteOffer;

/// TLS_EMPTY_RENEGOTIATION_INFO_SCSV: signals secure renegotiation; appended to every offer.
pub const EMPTY_RENEGOTIATION_INFO_SCSV: u16 = 0x00ff;

/// The kind of certificate a suite needs the server to have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CertKind {
    /// RSA key (RSA key exchange, (EC)DHE_RSA).
    Rsa,
    /// EC key (ECDHE_ECDSA, static ECDH_ECDSA and ECDH_RSA).
    Ec,
    /// DSA key (DHE_DSS).
    Dsa,
    /// No certificate (anonymous suites).
    Anonymous,
}

use CertKind::{Anonymous, Dsa, Ec, Rsa};

/// Every offered suite, in offer order: AEAD, then CBC with forward secrecy, RSA key
/// exchange, other block ciphers, static ECDH, 3DES, RC4, single DES, NULL, anonymous and
/// finally export suites.
const OFFERED: &[(u16, CertKind)] = &[
    // AEAD with forward secrecy (TLS 1.2 only; older servers skip them).
    (0xc02b, Ec),  // ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    (0xc02c, Ec),  // ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
    (0xcca9, Ec),  // ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
    (0xc02f, Rsa), // ECDHE_RSA_WITH_AES_128_GCM_SHA256
    (0xc030, Rsa), // ECDHE_RSA_WITH_AES_256_GCM_SHA384
    (0xcca8, Rsa), // ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
    (0x009e, Rsa), // DHE_RSA_WITH_AES_128_GCM_SHA256
    (0x009f, Rsa), // DHE_RSA_WITH_AES_256_GCM_SHA384
    (0xccaa, Rsa), // DHE_RSA_WITH_CHACHA20_POLY1305_SHA256
    (0x00a2, Dsa), // DHE_DSS_WITH_AES_128_GCM_SHA256
    (0x00a3, Dsa), // DHE_DSS_WITH_AES_256_GCM_SHA384
    // CBC with forward secrecy.
    (0xc023, Ec),  // ECDHE_ECDSA_WITH_AES_128_CBC_SHA256
    (0xc024, Ec),  // ECDHE_ECDSA_WITH_AES_256_CBC_SHA384
    (0xc009, Ec),  // ECDHE_ECDSA_WITH_AES_128_CBC_SHA
    (0xc00a, Ec),  // ECDHE_ECDSA_WITH_AES_256_CBC_SHA
    (0xc027, Rsa), // ECDHE_RSA_WITH_AES_128_CBC_SHA256
    (0xc028, Rsa), // ECDHE_RSA_WITH_AES_256_CBC_SHA384
    (0xc013, Rsa), // ECDHE_RSA_WITH_AES_128_CBC_SHA
    (0xc014, Rsa), // ECDHE_RSA_WITH_AES_256_CBC_SHA
    (0x0067, Rsa), // DHE_RSA_WITH_AES_128_CBC_SHA256
    (0x006b, Rsa), // DHE_RSA_WITH_AES_256_CBC_SHA256
    (0x0033, Rsa), // DHE_RSA_WITH_AES_128_CBC_SHA
    (0x0039, Rsa), // DHE_RSA_WITH_AES_256_CBC_SHA
    (0x0040, Dsa), // DHE_DSS_WITH_AES_128_CBC_SHA256
    (0x006a, Dsa), // DHE_DSS_WITH_AES_256_CBC_SHA256
    (0x0032, Dsa), // DHE_DSS_WITH_AES_128_CBC_SHA
    (0x0038, Dsa), // DHE_DSS_WITH_AES_256_CBC_SHA
    // RSA key exchange.
    (0x009c, Rsa), // RSA_WITH_AES_128_GCM_SHA256
    (0x009d, Rsa), // RSA_WITH_AES_256_GCM_SHA384
    (0x003c, Rsa), // RSA_WITH_AES_128_CBC_SHA256
    (0x003d, Rsa), // RSA_WITH_AES_256_CBC_SHA256
    (0x002f, Rsa), // RSA_WITH_AES_128_CBC_SHA
    (0x0035, Rsa), // RSA_WITH_AES_256_CBC_SHA
    // Other block ciphers.
    (0x0045, Rsa), // DHE_RSA_WITH_CAMELLIA_128_CBC_SHA
    (0x0088, Rsa), // DHE_RSA_WITH_CAMELLIA_256_CBC_SHA
    (0x0044, Dsa), // DHE_DSS_WITH_CAMELLIA_128_CBC_SHA
    (0x0087, Dsa), // DHE_DSS_WITH_CAMELLIA_256_CBC_SHA
    (0x0041, Rsa), // RSA_WITH_CAMELLIA_128_CBC_SHA
    (0x0084, Rsa), // RSA_WITH_CAMELLIA_256_CBC_SHA
    (0x009a, Rsa), // DHE_RSA_WITH_SEED_CBC_SHA
    (0x0096, Rsa), // RSA_WITH_SEED_CBC_SHA
    (0x0007, Rsa), // RSA_WITH_IDEA_CBC_SHA
    // Static ECDH (the certificate holds an EC key).
    (0xc004, Ec), // ECDH_ECDSA_WITH_AES_128_CBC_SHA
    (0xc005, Ec), // ECDH_ECDSA_WITH_AES_256_CBC_SHA
    (0xc00e, Ec), // ECDH_RSA_WITH_AES_128_CBC_SHA
    (0xc00f, Ec), // ECDH_RSA_WITH_AES_256_CBC_SHA
    // 3DES.
    (0xc008, Ec),  // ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA
    (0xc012, Rsa), // ECDHE_RSA_WITH_3DES_EDE_CBC_SHA
    (0x0016, Rsa), // DHE_RSA_WITH_3DES_EDE_CBC_SHA
    (0x0013, Dsa), // DHE_DSS_WITH_3DES_EDE_CBC_SHA
    (0x000a, Rsa), // RSA_WITH_3DES_EDE_CBC_SHA
    (0xc003, Ec),  // ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA
    (0xc00d, Ec),  // ECDH_RSA_WITH_3DES_EDE_CBC_SHA
    // RC4.
    (0xc007, Ec),  // ECDHE_ECDSA_WITH_RC4_128_SHA
    (0xc011, Rsa), // ECDHE_RSA_WITH_RC4_128_SHA
    (0x0005, Rsa), // RSA_WITH_RC4_128_SHA
    (0x0004, Rsa), // RSA_WITH_RC4_128_MD5
    (0xc002, Ec),  // ECDH_ECDSA_WITH_RC4_128_SHA
    (0xc00c, Ec),  // ECDH_RSA_WITH_RC4_128_SHA
    // Single DES.
    (0x0015, Rsa), // DHE_RSA_WITH_DES_CBC_SHA
    (0x0012, Dsa), // DHE_DSS_WITH_DES_CBC_SHA
    (0x0009, Rsa), // RSA_WITH_DES_CBC_SHA
    // NULL encryption (authenticated, not encrypted).
    (0xc006, Ec),  // ECDHE_ECDSA_WITH_NULL_SHA
    (0xc010, Rsa), // ECDHE_RSA_WITH_NULL_SHA
    (0x003b, Rsa), // RSA_WITH_NULL_SHA256
    (0x0002, Rsa), // RSA_WITH_NULL_SHA
    (0x0001, Rsa), // RSA_WITH_NULL_MD5
    // Anonymous (no certificate: the capture ends in NoCertificate).
    (0xc018, Anonymous), // ECDH_anon_WITH_AES_128_CBC_SHA
    (0xc019, Anonymous), // ECDH_anon_WITH_AES_256_CBC_SHA
    (0x0034, Anonymous), // DH_anon_WITH_AES_128_CBC_SHA
    (0x003a, Anonymous), // DH_anon_WITH_AES_256_CBC_SHA
    (0x001b, Anonymous), // DH_anon_WITH_3DES_EDE_CBC_SHA
    (0x0018, Anonymous), // DH_anon_WITH_RC4_128_MD5
    // Export grade, last.
    (0x0014, Rsa), // DHE_RSA_EXPORT_WITH_DES40_CBC_SHA
    (0x0011, Dsa), // DHE_DSS_EXPORT_WITH_DES40_CBC_SHA
    (0x0008, Rsa), // RSA_EXPORT_WITH_DES40_CBC_SHA
    (0x0006, Rsa), // RSA_EXPORT_WITH_RC2_CBC_40_MD5
    (0x0003, Rsa), // RSA_EXPORT_WITH_RC4_40_MD5
];

/// The suites of `offer`, in offer order, followed by the renegotiation SCSV.
pub fn offered(offer: SuiteOffer) -> Vec<u16> {
    OFFERED
        .iter()
        .filter(|(id, kind)| match offer {
            SuiteOffer::Broad => true,
            SuiteOffer::RsaOnly => *kind == Rsa,
            SuiteOffer::EcdsaOnly => *kind == Ec,
            SuiteOffer::Weak(weakness) => weakness.of(&SuiteFlags::of(*id)),
        })
        .map(|(id, _)| *id)
        .chain(std::iter::once(EMPTY_RENEGOTIATION_INFO_SCSV))
        .collect()
}

/// The IANA name of the suite `id` (e.g. "TLS_RSA_WITH_AES_128_CBC_SHA"), if it is known.
pub fn suite_name(id: u16) -> Option<&'static str> {
    TlsCipherSuite::from_id(id).map(|suite| suite.name)
}

/// The weaknesses of a cipher suite; all `false` for an unknown suite.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub struct SuiteFlags {
    /// Export grade (40/56-bit keys or 512-bit key exchange).
    pub export: bool,
    /// No encryption at all.
    pub null: bool,
    /// RC4 stream cipher.
    pub rc4: bool,
    /// Triple DES (64-bit block, Sweet32).
    pub triple_des: bool,
    /// Single DES (56-bit key or less).
    pub des: bool,
    /// Anonymous key exchange: no server authentication, no certificate.
    pub anon: bool,
}

impl SuiteFlags {
    /// The flags of the suite `id`; none for signalling values (`*_SCSV`), which are not
    /// suites.
    pub fn of(id: u16) -> SuiteFlags {
        let known = TlsCipherSuite::from_id(id).filter(|suite| !suite.name.ends_with("_SCSV"));
        let Some(suite) = known else {
            return SuiteFlags::default();
        };
        SuiteFlags {
            export: suite.name.contains("_EXPORT"),
            null: suite.enc == TlsCipherEnc::Null,
            rc4: suite.enc == TlsCipherEnc::Rc4,
            triple_des: suite.enc == TlsCipherEnc::TripleDes,
            des: suite.enc == TlsCipherEnc::Des,
            anon: suite.au == TlsCipherAu::Null,
        }
    }

    /// Whether any weakness is set.
    pub fn is_weak(&self) -> bool {
        self.export || self.null || self.rc4 || self.triple_des || self.des || self.anon
    }

    /// The weaknesses set, by name: `export`, `null`, `rc4`, `3des`, `des`,
    /// `anon`.
    pub fn names(&self) -> Vec<String> {
        let flags = [
            (self.export, "export"),
            (self.null, "null"),
            (self.rc4, "rc4"),
            (self.triple_des, "3des"),
            (self.des, "des"),
            (self.anon, "anon"),
        ];
        flags
            .into_iter()
            .filter(|(set, _)| *set)
            .map(|(_, name)| name.to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_offered_suite_has_an_iana_name_and_appears_once() {
        let broad = offered(SuiteOffer::Broad);
        for id in &broad {
            assert!(suite_name(*id).is_some(), "no IANA name for 0x{id:04x}");
        }
        let mut unique = broad.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), broad.len());
        assert_eq!(broad.last(), Some(&EMPTY_RENEGOTIATION_INFO_SCSV));
    }

    #[test]
    fn filtered_offers_match_the_certificate_kind_in_the_name() {
        for id in offered(SuiteOffer::RsaOnly) {
            let name = suite_name(id).unwrap_or_default();
            assert!(
                id == EMPTY_RENEGOTIATION_INFO_SCSV
                    || (name.contains("RSA") && !name.starts_with("TLS_ECDH_")),
                "{name} offered as RSA-only"
            );
        }
        for id in offered(SuiteOffer::EcdsaOnly) {
            let name = suite_name(id).unwrap_or_default();
            assert!(
                id == EMPTY_RENEGOTIATION_INFO_SCSV
                    || name.contains("ECDSA")
                    || name.starts_with("TLS_ECDH_RSA"),
                "{name} offered as ECDSA-only"
            );
        }
    }

    #[test]
    fn export_suites_come_last_in_the_broad_offer() {
        let broad = offered(SuiteOffer::Broad);
        let first_export = broad.iter().position(|id| SuiteFlags::of(*id).export);
        let first_export = first_export.expect("the broad offer has export suites");
        let rest = &broad[first_export..broad.len() - 1];
        assert!(rest.iter().all(|id| SuiteFlags::of(*id).export));
    }

    #[test]
    fn flags_follow_the_suite_names() {
        for id in offered(SuiteOffer::Broad) {
            let name = suite_name(id).unwrap_or_default();
            let flags = SuiteFlags::of(id);
            assert_eq!(flags.rc4, name.contains("_RC4_"), "{name}");
            assert_eq!(flags.triple_des, name.contains("_3DES_"), "{name}");
            assert_eq!(flags.anon, name.contains("_anon_"), "{name}");
            assert_eq!(flags.null, name.contains("_WITH_NULL_"), "{name}");
            assert_eq!(flags.export, name.contains("_EXPORT_"), "{name}");
            let single_des = name.contains("_DES_") || name.contains("_DES40_");
            assert_eq!(flags.des, single_des, "{name}");
            let weak_markers = ["_RC4_", "_3DES_", "_anon_", "_NULL_", "_EXPORT_", "_DES"];
            let marked = weak_markers.iter().any(|marker| name.contains(marker));
            assert_eq!(flags.is_weak(), marked, "{name}");
        }
    }

    #[test]
    fn unknown_suites_have_no_name_and_no_flags() {
        assert_eq!(suite_name(0xfafa), None);
        assert!(!SuiteFlags::of(0xfafa).is_weak());
        assert_eq!(suite_name(0x002f), Some("TLS_RSA_WITH_AES_128_CBC_SHA"));
        assert!(!SuiteFlags::of(EMPTY_RENEGOTIATION_INFO_SCSV).is_weak());
    }
}
