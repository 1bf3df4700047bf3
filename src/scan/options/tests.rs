//! Tests of the recorded probe options: the change line, the older shape.

use super::*;

fn options() -> ProbeOptions {
    ProbeOptions {
        options_version: OPTIONS_VERSION,
        ports: vec![443],
        exclude: vec![],
        sni: vec!["tls10.example".into()],
        resolve: vec![],
        sni_discover: false,
        versions: false,
        groups: false,
        all_certs: false,
        starttls: "auto".into(),
        legacy_fallback: true,
        check_revocation: false,
        connect_timeout_ms: 3000,
        timeout_ms: 10_000,
        rate: None,
        concurrency: 1000,
        per_host: 4,
        shard: None,
    }
}

#[test]
fn equal_options_make_no_note() {
    assert_eq!(options().change_from(&options(), 3), None);
}

#[test]
fn every_difference_is_named() {
    let mut now = options();
    now.versions = true;
    now.sni.clear();
    now.ports = vec![443, 8443];
    now.timeout_ms = 5000;
    now.starttls = "none".into();
    now.rate = Some(100);
    let change = now.change_from(&options(), 12).expect("differs");
    assert_eq!(
        change.line(),
        "note: options differ from scan 12: ports: +8443, sni: -tls10.example, +versions, \
         starttls: auto -> none, timeout: 10s -> 5s, rate: none -> 100"
    );
}

#[test]
fn long_lists_are_cut() {
    let mut now = options();
    now.ports = (1..=10).collect();
    let change = now.change_from(&options(), 1).expect("differs");
    assert_eq!(
        change.changes,
        vec!["ports: +1 +2 +3 +4 +5 +6 (+4 more) -443".to_string()]
    );
}

#[test]
fn options_round_trip_through_json() {
    let mut written = options();
    written.shard = Some("2/4".into());
    let json = written.to_json();
    assert_eq!(json["options_version"], 2);
    assert_eq!(ProbeOptions::from_stored(&json), Some(written));
}

#[test]
fn the_older_shape_is_read_and_compared_without_limits() {
    let old = serde_json::json!({
        "ports": null, "exclude": [], "sni": ["TLS10.example"],
        "starttls": "Force(Smtp)", "versions": false, "all_certs": false,
        "sni_discover": false, "legacy_fallback": true,
        "connect_timeout_ms": 3000, "timeout_ms": 10000, "shard": null
    });
    let read = ProbeOptions::from_stored(&old).expect("version 1 read");
    assert_eq!(read.options_version, 1);
    assert_eq!(read.ports, crate::targets::DEFAULT_PORTS.to_vec());
    assert_eq!(read.sni, vec!["tls10.example".to_string()]);
    assert_eq!(read.starttls, "smtp");
    let mut now = options();
    now.ports = read.ports.clone();
    now.starttls = "smtp".into();
    now.rate = Some(10);
    assert_eq!(now.change_from(&read, 1), None, "limits unknown in v1");
    let with_ports = serde_json::json!({
        "ports": "443,8443", "starttls": "ByPort",
        "connect_timeout_ms": 3000, "timeout_ms": 10000
    });
    let read = ProbeOptions::from_stored(&with_ports).expect("read");
    assert_eq!(
        (read.ports, read.starttls.as_str()),
        (vec![443, 8443], "auto")
    );
}

#[test]
fn objects_without_probe_options_read_as_none() {
    assert_eq!(
        ProbeOptions::from_stored(&serde_json::json!({"demo": true})),
        None
    );
    assert_eq!(ProbeOptions::from_stored(&serde_json::json!(null)), None);
    let broken = serde_json::json!({"options_version": 2, "ports": "x"});
    assert_eq!(ProbeOptions::from_stored(&broken), None);
}
