//! Unit tests of the endpoint models: SNI variants of one address and port
//! make one model, whose session comes from the probe without SNI (the
//! metric over such models: `scoring::metrics::tests`).

use time::macros::datetime;

use super::*;
use crate::observation::{Outcome, SniSource, TlsSession};
use crate::store::endpoints::fold;
use crate::store::EndpointLeaf;

/// A TLS 1.3 observation at 192.0.2.1:443 with `sni`, negotiating `group`.
fn probe(sni: Option<&str>, source: SniSource, group: &str) -> Observation {
    Observation {
        host: "192.0.2.1".into(),
        address: Some("192.0.2.1".parse().unwrap()),
        port: 443,
        sni: sni.map(str::to_string),
        sni_source: source,
        starttls: None,
        signature_offer: None,
        started_at: datetime!(2026-06-01 12:00 UTC),
        duration_ms: 1.0,
        outcome: Outcome::Tls,
        tls: Some(TlsSession {
            version: Some("TLSv1.3".into()),
            key_exchange_group: Some(group.into()),
            ..TlsSession::default()
        }),
        chain_der: Vec::new(),
        verdict: None,
        versions: None,
        weak_suites: None,
        groups: None,
        leaf_only_chain: false,
    }
}

/// The leaf `sha` as probed with `sni` (no certificate view: covers nothing).
fn leaf(sni: Option<&str>, source: SniSource, sha: &str) -> EndpointLeaf {
    EndpointLeaf {
        endpoint: EndpointKey {
            address: "192.0.2.1".into(),
            port: 443,
            sni: sni.map(str::to_string),
        },
        host: "192.0.2.1".into(),
        sni_source: source,
        names: Vec::new(),
        leaf_sha256: sha.into(),
        leaf: None,
        chain: vec![sha.into()],
        leaf_only_chain: false,
        observed_at: datetime!(2026-06-01 12:00 UTC),
    }
}

#[test]
fn sni_variants_make_one_endpoint_with_the_session_seen_without_sni() {
    let b = SniSource::Broadcast;
    // the broadcast probes happened to negotiate another group: the
    // endpoint's session is the one seen without SNI, counted once
    let observations = [
        probe(None, SniSource::None, "X25519MLKEM768"),
        probe(Some("alpha.example"), b, "X25519"),
        probe(Some("beta.example"), b, "X25519"),
    ];
    let leaves = fold(vec![
        leaf(None, SniSource::None, "aa"),
        leaf(Some("alpha.example"), b, "aa"),
        leaf(Some("beta.example"), b, "aa"),
    ]);
    let endpoints = models(&observations, &leaves);
    assert_eq!(endpoints.len(), 1, "{endpoints:?}");
    let endpoint = &endpoints[0];
    assert_eq!(endpoint.served_at, "192.0.2.1:443");
    assert_eq!(endpoint.sni, "");
    assert!(endpoint.names.is_empty());
    assert_eq!(endpoint.not_served, ["alpha.example", "beta.example"]);
    assert!(endpoint.post_quantum_hybrid);
}

#[test]
fn without_a_probe_lacking_sni_the_session_of_a_default_name_stands() {
    let t = SniSource::Target;
    let observations = [
        probe(Some("alpha.example"), t, "X25519"),
        probe(Some("one.example"), t, "X25519MLKEM768"),
        probe(Some("two.example"), t, "X25519MLKEM768"),
    ];
    let leaves = fold(vec![
        leaf(Some("alpha.example"), t, "own"),
        leaf(Some("one.example"), t, "shared"),
        leaf(Some("two.example"), t, "shared"),
    ]);
    let endpoints = models(&observations, &leaves);
    assert_eq!(endpoints.len(), 1);
    assert_eq!(endpoints[0].leaf_sha256, "shared");
    assert_eq!(endpoints[0].sni, "one.example");
    assert_eq!(
        endpoints[0].names,
        ["alpha.example", "one.example", "two.example"]
    );
    assert!(endpoints[0].post_quantum_hybrid);
}

#[test]
fn groups_are_merged_over_probes_and_only_probe_answers_count() {
    use VersionSupport::{Accepted, Rejected, Unknown};
    let answers = |pairs: &[(&str, VersionSupport)]| {
        Some(pairs.iter().map(|(n, s)| (n.to_string(), *s)).collect())
    };
    let mut plain = probe(None, SniSource::None, "X25519MLKEM768");
    plain.groups = answers(&[
        ("X25519MLKEM768", Unknown),
        ("SecP256r1MLKEM768", Rejected),
        ("X25519", Accepted),
        ("secp384r1", Rejected),
    ]);
    let mut named = probe(Some("alpha.example"), SniSource::Broadcast, "X25519");
    named.groups = answers(&[("X25519MLKEM768", Accepted), ("secp384r1", Unknown)]);
    let leaves = fold(vec![leaf(None, SniSource::None, "aa")]);
    let endpoint = &models(&[plain, named], &leaves)[0];
    let groups = &endpoint.groups;
    assert!(groups.probed);
    assert_eq!(groups.accepted, ["X25519", "X25519MLKEM768"]);
    assert_eq!(groups.rejected, ["SecP256r1MLKEM768", "secp384r1"]);
    assert_eq!(groups.hybrid_pq, ["X25519MLKEM768"]);
    // without --groups the negotiated hybrid is not a probe answer
    let unprobed = probe(None, SniSource::None, "X25519MLKEM768");
    let endpoint = &models(&[unprobed], &leaves)[0];
    assert_eq!(endpoint.groups, GroupsModel::default());
    assert!(endpoint.post_quantum_hybrid);
}
