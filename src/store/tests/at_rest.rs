//! Certificates at rest in the store, on every backend: placements are
//! recorded and read back by location, their certificates join the scan's
//! certificates (shared rows with served ones), they are never endpoints,
//! and a network scan after an import at rest is compared with the last
//! scan that probed endpoints.

use time::Duration;

use super::{backends, complete_scan, meta, pki, t0, tls_observation};
use crate::at_rest::{AtRestCertificate, AtRestFormat, FileLocation};
use crate::certs::sha256_hex;

fn found(path: &str, alias: Option<&str>, position: u32, der: &[u8]) -> AtRestCertificate {
    AtRestCertificate {
        location: FileLocation {
            path: path.into(),
            alias: alias.map(String::from),
            position,
        },
        format: match alias {
            Some(_) => AtRestFormat::Jks,
            None => AtRestFormat::Pem,
        },
        der: der.to_vec(),
    }
}

#[test]
fn placements_are_stored_apart_from_endpoints_and_join_the_scan_certificates() {
    for db in backends() {
        let store = db.open();
        let pki = pki();
        let served = vec![tls_observation("127.0.0.1", 443, None, t0(), pki.chain(0))];
        let first = complete_scan(&store, t0(), served);
        let later = t0() + Duration::days(1);
        let rest = store.begin_scan(&meta(later)).unwrap();
        let files = [
            found("/srv/ks.jks", Some("web"), 0, &pki.leaves[0]),
            found("/srv/a.pem", None, 1, &pki.intermediate),
            found("/srv/a.pem", None, 0, &pki.leaves[1]),
        ];
        let stats = store.record_at_rest(rest, later, &files).unwrap();
        assert_eq!((stats.placements, stats.certificates), (3, 3));
        store
            .finish_scan(rest, true, &serde_json::json!({}))
            .unwrap();

        let read = store.at_rest(rest).unwrap();
        let texts: Vec<String> = read.iter().map(|p| p.location.to_string()).collect();
        assert_eq!(
            texts,
            [
                "file:/srv/a.pem",
                "file:/srv/a.pem[1]",
                "file:/srv/ks.jks#web"
            ]
        );
        assert_eq!(read[2].format, AtRestFormat::Jks);
        assert_eq!(read[0].sha256, sha256_hex(&pki.leaves[1]));
        assert_eq!(read[2].observed_at, later);
        assert!(store.at_rest(first).unwrap().is_empty());

        let mut in_scan: Vec<String> = store
            .certificates_in_scan(rest)
            .unwrap()
            .into_iter()
            .map(|c| c.sha256)
            .collect();
        in_scan.sort();
        let mut expected: Vec<String> = [&pki.leaves[0], &pki.leaves[1], &pki.intermediate]
            .iter()
            .map(|d| sha256_hex(d))
            .collect();
        expected.sort();
        assert_eq!(in_scan, expected);
        assert!(
            store.endpoint_leaves(rest).unwrap().is_empty(),
            "no endpoint"
        );
        // the leaf served first keeps its first sighting
        let leaf = store
            .certificate(&sha256_hex(&pki.leaves[0]))
            .unwrap()
            .unwrap();
        assert_eq!((leaf.first_seen, leaf.last_seen), (t0(), later));

        let third_at = later + Duration::days(1);
        let served = vec![tls_observation(
            "127.0.0.1",
            443,
            None,
            third_at,
            pki.chain(0),
        )];
        let third = complete_scan(&store, third_at, served);
        assert_eq!(store.previous_scan(third).unwrap().unwrap().id, rest);
        assert_eq!(
            store.previous_comparable_scan(third).unwrap().unwrap().id,
            first
        );
        assert_eq!(
            store.previous_comparable_scan(rest).unwrap(),
            None,
            "no import at rest before it"
        );
    }
}
