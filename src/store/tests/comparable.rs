//! Which earlier scan a scan is compared with, on every backend: a scan
//! by certatlas's probes passes over imports of other tools' outputs and
//! of certificates at rest; such an import is compared with nothing (a
//! peer's) or only with another import at rest.

use time::Duration;

use super::{backends, complete_scan, t0, tls_observation};
use crate::store::{ScanMeta, ScanSource};

/// A complete scan at `at` whose options are `options`, with one
/// observation of `127.0.0.1:port`.
fn scan_with(
    store: &crate::store::Store,
    at: time::OffsetDateTime,
    options: serde_json::Value,
    port: u16,
) -> crate::store::ScanId {
    let meta = ScanMeta {
        started_at: at,
        targets: vec!["127.0.0.1".into()],
        options,
        tool_version: "0.1.0-test".into(),
    };
    let scan = store.begin_scan(&meta).unwrap();
    let writer = store.writer(scan).unwrap();
    let chain = super::pki().chain(0);
    writer
        .write(tls_observation("127.0.0.1", port, None, at, chain))
        .unwrap();
    writer.finish().unwrap();
    store
        .finish_scan(scan, true, &serde_json::json!({}))
        .unwrap();
    scan
}

#[test]
fn a_scan_is_compared_with_the_previous_one_of_its_source() {
    for db in backends() {
        let store = &db.open();
        let pki = super::pki();
        let first = complete_scan(
            store,
            t0(),
            vec![tls_observation("127.0.0.1", 443, None, t0(), pki.chain(0))],
        );
        let peer =
            serde_json::json!({"imported": true, "options": "unknown", "peer": {"tool": "nmap"}});
        let day = |n| t0() + Duration::days(n);
        let imported = scan_with(store, day(1), peer, 8443);
        let second = complete_scan(
            store,
            day(2),
            vec![tls_observation(
                "127.0.0.1",
                443,
                None,
                day(2),
                pki.chain(0),
            )],
        );

        let record = store.scan(imported).unwrap().unwrap();
        assert_eq!(store.scan_source(&record).unwrap(), ScanSource::Peer);
        assert_eq!(store.previous_scan(second).unwrap().unwrap().id, imported);
        assert_eq!(
            store.previous_comparable_scan(second).unwrap().unwrap().id,
            first
        );
        assert_eq!(
            store.previous_comparable_scan(imported).unwrap(),
            None,
            "a peer's import is compared with nothing"
        );
        assert_eq!(store.previous_comparable_scan(first).unwrap(), None);
    }
}
