//! Tests of fingerprint prefixes: parsing, and resolution against the
//! stored certificates on every backend (unique, ambiguous, unknown).

use super::{backends, complete_scan, pki, t0, tls_observation};
use crate::certs::sha256_hex;
use crate::store::{FingerprintMatch, FingerprintPrefix, PrefixError};

#[test]
fn prefixes_need_eight_hex_digits_and_ignore_colons_and_case() {
    assert_eq!(
        FingerprintPrefix::parse("AB:CD:EF:01").unwrap().as_str(),
        "abcdef01"
    );
    assert!(matches!(
        FingerprintPrefix::parse("abcdef0"),
        Err(PrefixError::TooShort { .. })
    ));
    assert!(matches!(
        FingerprintPrefix::parse("abcdefgh"),
        Err(PrefixError::NotHex { .. })
    ));
    assert!(matches!(
        FingerprintPrefix::parse(&"a".repeat(65)),
        Err(PrefixError::TooLong { .. })
    ));
}

#[test]
fn a_fingerprint_is_told_from_an_endpoint() {
    assert!(FingerprintPrefix::looks_like("AB:CD:EF:01"));
    assert!(FingerprintPrefix::looks_like(" 0123456789 "));
    for endpoint in [
        "[::1]:443",
        "127.0.0.1:443",
        "abc:def0:12",
        "host.example:443",
    ] {
        assert!(!FingerprintPrefix::looks_like(endpoint), "{endpoint}");
    }
}

#[test]
fn a_prefix_resolves_to_one_certificate_several_or_none() {
    for db in backends() {
        let store = db.open();
        let chains = (0..super::LEAVES).map(|i| pki().chain(i));
        let observations = chains
            .enumerate()
            .map(|(i, chain)| {
                tls_observation(&format!("127.0.0.{}", i + 1), 443, None, t0(), chain)
            })
            .collect();
        complete_scan(&store, t0(), observations);
        let stored: Vec<String> = pki()
            .leaves
            .iter()
            .chain([&pki().intermediate])
            .map(|der| sha256_hex(der))
            .collect();

        let whole = &stored[0];
        let prefix = FingerprintPrefix::parse(&whole[..12]).unwrap();
        let mut expected = stored.iter().filter(|s| s.starts_with(&whole[..12]));
        assert_eq!(expected.clone().count(), 1, "fixture prefixes differ");
        assert_eq!(
            store.resolve_fingerprint_prefix(&prefix).unwrap(),
            FingerprintMatch::Unique(expected.next().unwrap().clone())
        );

        let absent = (0..=u32::MAX)
            .map(|n| format!("{n:08x}"))
            .find(|p| !stored.iter().any(|s| s.starts_with(p.as_str())))
            .unwrap();
        let prefix = FingerprintPrefix::parse(&absent).unwrap();
        assert_eq!(
            store.resolve_fingerprint_prefix(&prefix).unwrap(),
            FingerprintMatch::NotFound
        );
    }
}

#[test]
fn an_ambiguous_prefix_lists_its_first_candidates_in_order() {
    use crate::store::sql::params;
    use crate::store::MAX_CANDIDATES;
    for db in backends() {
        let store = db.open();
        let fake = |n: usize| format!("deadbeef{n:056x}");
        let mut names: Vec<String> = (0..MAX_CANDIDATES + 2).map(fake).collect();
        names.push(format!("deadbef0{}", "0".repeat(56)));
        for sha in &names {
            let der: Vec<u8> = vec![0x30, 0x00];
            store
                .conn()
                .execute(
                    "INSERT INTO certificates (sha256, der, first_seen, last_seen)
                     VALUES (?1, ?2, '2026-06-01T00:00:00Z', '2026-06-01T00:00:00Z')",
                    params![sha, der],
                )
                .unwrap();
        }
        let prefix = FingerprintPrefix::parse("DEADBEEF").unwrap();
        assert_eq!(
            store.resolve_fingerprint_prefix(&prefix).unwrap(),
            FingerprintMatch::Ambiguous {
                candidates: names[..MAX_CANDIDATES].to_vec(),
                more: true,
            }
        );
        let whole = FingerprintPrefix::parse(&fake(1)).unwrap();
        assert!(matches!(
            store.resolve_fingerprint_prefix(&whole).unwrap(),
            FingerprintMatch::Unique(sha) if sha == fake(1)
        ));
        let message = store
            .resolve_fingerprint("deadbeef")
            .unwrap_err()
            .to_string();
        assert!(message.contains("more than 10"), "{message}");
        assert!(
            message.contains(&names[0]) && message.contains(&names[9]),
            "{message}"
        );
        assert!(!message.contains(&names[10]), "{message}");
        let edge = FingerprintPrefix::parse("deadbef0").unwrap();
        assert_eq!(
            store.resolve_fingerprint_prefix(&edge).unwrap(),
            FingerprintMatch::Unique(names[MAX_CANDIDATES + 2].clone())
        );
    }
}
