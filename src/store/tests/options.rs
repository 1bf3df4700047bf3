//! Probe options through the store: the typed object round-trips through
//! `scans.options`, an older object is still read, and the previous scan
//! of a scope is the latest complete one with the same targets and shard.

use super::*;
use crate::scan::options::{ProbeOptions, OPTIONS_VERSION};

fn options(versions: bool, shard: Option<&str>) -> ProbeOptions {
    ProbeOptions {
        options_version: OPTIONS_VERSION,
        ports: vec![443, 8443],
        exclude: vec!["@/etc/never.txt".into()],
        sni: vec!["a.example".into()],
        resolve: vec![],
        sni_discover: true,
        versions,
        groups: false,
        all_certs: false,
        starttls: "auto".into(),
        legacy_fallback: true,
        check_revocation: false,
        connect_timeout_ms: 500,
        timeout_ms: 5000,
        rate: Some(100),
        concurrency: 50,
        per_host: 2,
        shard: shard.map(str::to_string),
    }
}

/// Begins and finishes (complete or not) a scan of `targets` with `options`.
fn stored(store: &Store, targets: &[&str], options: serde_json::Value, complete: bool) -> ScanId {
    let scan = store
        .begin_scan(&ScanMeta {
            targets: targets.iter().map(|t| t.to_string()).collect(),
            options,
            ..meta(t0())
        })
        .unwrap();
    store
        .finish_scan(scan, complete, &serde_json::json!({}))
        .unwrap();
    scan
}

#[test]
fn probe_options_round_trip_through_the_store() {
    for db in backends() {
        let store = db.open();
        let written = options(true, Some("1/2"));
        let scan = stored(&store, &["10.0.0.0/30"], written.to_json(), true);
        let record = store.scan(scan).unwrap().unwrap();
        assert_eq!(record.probe_options(), Some(written));
        let old = serde_json::json!({"ports": "443", "exclude": [], "sni": [],
            "starttls": "Off", "versions": true, "connect_timeout_ms": 3000, "timeout_ms": 10000});
        let scan = stored(&store, &["10.0.0.0/30"], old, true);
        let old = store
            .scan(scan)
            .unwrap()
            .unwrap()
            .probe_options()
            .expect("older shape read");
        assert_eq!(
            (old.options_version, old.ports, old.starttls),
            (1, vec![443], "none".into())
        );
        let demo = stored(&store, &["lab"], serde_json::json!({"demo": true}), true);
        assert_eq!(store.scan(demo).unwrap().unwrap().probe_options(), None);
    }
}

#[test]
fn the_previous_scan_of_a_scope_is_the_latest_complete_with_its_targets_and_shard() {
    for db in backends() {
        let store = db.open();
        let targets = ["b.example", "a.example"];
        let first = stored(&store, &targets, options(false, None).to_json(), true);
        stored(&store, &targets, options(true, None).to_json(), false);
        stored(&store, &["a.example"], options(true, None).to_json(), true);
        stored(&store, &targets, options(true, Some("1/2")).to_json(), true);
        let reordered: Vec<String> = ["a.example", "b.example"].map(String::from).to_vec();
        let (previous, before) = store
            .previous_options(None, &reordered, None)
            .unwrap()
            .expect("a previous scan");
        assert_eq!((previous, before.versions), (first, false));
        let change = store
            .options_change(&reordered, &options(true, None))
            .unwrap();
        let change = change.expect("versions differ");
        assert_eq!(
            (change.previous_scan, change.changes),
            (first.0, vec!["+versions".into()])
        );
        assert_eq!(
            store
                .options_change(&reordered, &options(false, None))
                .unwrap(),
            None
        );
        assert_eq!(
            store
                .previous_options(Some(first), &reordered, None)
                .unwrap(),
            None
        );
        let sharded = store
            .previous_options(None, &reordered, Some("1/2"))
            .unwrap();
        assert!(sharded.expect("shard scan").1.versions);
    }
}
