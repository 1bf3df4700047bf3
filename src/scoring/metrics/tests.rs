//! Unit tests of the metric helpers: exceptions leave the denominators,
//! unknown values say why, medians, windows and fix durations.

use super::*;
use crate::policy::model::{EndpointModel, EndpointRef, LeafModel, SubjectModels};
use time::macros::datetime;

fn leaf(sha: &str, address: &str, expired: bool) -> LeafModel {
    let mut l = LeafModel::default();
    l.certificate.sha256 = sha.into();
    l.certificate.expired = expired;
    l.endpoints = vec![EndpointRef {
        address: address.into(),
        port: 443,
        ..Default::default()
    }];
    l
}

#[test]
fn exceptions_leave_the_denominators_and_are_listed() {
    let models = SubjectModels {
        leaves: vec![
            leaf("a", "127.0.0.1", true),
            leaf("b", "127.0.0.2", true),
            leaf("c", "127.0.0.3", false),
        ],
        endpoints: vec![EndpointModel {
            address: "127.0.0.2".into(),
            port: 443,
            served_at: "127.0.0.2:443".into(),
            leaf_sha256: "b".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let exclusions = Exclusions {
        certificates: ["a".to_string()].into(),
        endpoints: [("127.0.0.2".to_string(), 443)].into(),
    };
    let history = ScanHistory::default();
    let input = MetricInput {
        models: &models,
        history: &history,
        exclusions: &exclusions,
        window_days: 90,
    };
    let set = compute(&input);
    let expired = set.get("expired_in_service").unwrap();
    assert_eq!(
        (expired.numerator, expired.denominator, expired.value),
        (Some(0), Some(1), Some(0.0))
    );
    assert_eq!(
        set.excluded_certificates,
        vec!["a".to_string(), "b".to_string()]
    );
    assert_eq!(set.excluded_endpoints, vec!["127.0.0.2:443".to_string()]);
    assert_eq!(set.get("endpoints").unwrap().value, Some(0.0));
}

#[test]
fn unknown_values_say_why() {
    let models = SubjectModels::default();
    let history = ScanHistory::default();
    let exclusions = Exclusions::default();
    let input = MetricInput {
        models: &models,
        history: &history,
        exclusions: &exclusions,
        window_days: 90,
    };
    let set = compute(&input);
    for id in [
        "owner_coverage",
        "tls13_share",
        "renewal_lead_time",
        "scan_interval",
        "time_to_fix",
    ] {
        let m = set.get(id).unwrap();
        assert_eq!(m.value, None, "{id}");
        assert!(m.note.as_deref().is_some_and(|n| !n.is_empty()), "{id}");
    }
    assert_eq!(set.metrics.len(), CATALOGUE.len());
}

#[test]
fn median_window_and_subject_cap() {
    assert_eq!(median(&mut []), None);
    assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
    let at = |d| datetime!(2026-01-01 00:00 UTC) + time::Duration::days(d);
    let history = ScanHistory {
        scans: [0, 10, 50, 100]
            .iter()
            .enumerate()
            .map(|(i, d)| ScanPoint {
                id: crate::store::ScanId(i as i64),
                at: at(*d),
            })
            .collect(),
        ..Default::default()
    };
    assert_eq!(history.window(90).len(), 3);
    assert_eq!(history.window(50).len(), 2);
    assert_eq!(history.days(), 100);
    let many = Metric::count("x", 80, 80).with_subjects((0..80).map(|i| i.to_string()));
    assert_eq!(
        (many.subjects.len(), many.subjects_total),
        (SUBJECT_LIMIT, 80)
    );
}

/// A TLS 1.3 observation at 192.0.2.1:443 with `sni`, negotiating a
/// hybrid post-quantum group only when `hybrid`.
fn probe_at(sni: Option<&str>, hybrid: bool) -> crate::observation::Observation {
    use crate::observation::{Observation, Outcome, SniSource, TlsSession, VersionSupport};
    let group = if hybrid { "X25519MLKEM768" } else { "X25519" };
    Observation {
        host: "192.0.2.1".into(),
        address: Some("192.0.2.1".parse().unwrap()),
        port: 443,
        sni: sni.map(str::to_string),
        sni_source: sni.map_or(SniSource::None, |_| SniSource::Broadcast),
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
        // probed with --versions: the endpoint metrics are measured
        versions: Some([("TLSv1.3".to_string(), VersionSupport::Accepted)].into()),
        weak_suites: None,
        groups: None,
        leaf_only_chain: false,
    }
}

/// The leaf `aa` as probed at 192.0.2.1:443 with `sni`.
fn served_with(sni: Option<&str>) -> crate::store::EndpointLeaf {
    use crate::store::{EndpointKey, EndpointLeaf};
    EndpointLeaf {
        endpoint: EndpointKey {
            address: "192.0.2.1".into(),
            port: 443,
            sni: sni.map(str::to_string),
        },
        host: "192.0.2.1".into(),
        sni_source: crate::observation::SniSource::Broadcast,
        names: Vec::new(),
        leaf_sha256: "aa".into(),
        leaf: None,
        chain: vec!["aa".into()],
        leaf_only_chain: false,
        observed_at: datetime!(2026-06-01 12:00 UTC),
    }
}

#[test]
fn an_endpoint_metric_counts_endpoints_not_the_names_that_reached_them() {
    // one server, probed without SNI and with five broadcast names; the
    // names' handshakes happened to settle on a classical group
    let names = [
        "a.example",
        "b.example",
        "c.example",
        "d.example",
        "e.example",
    ];
    let mut observations = vec![probe_at(None, true)];
    observations.extend(names.iter().map(|n| probe_at(Some(n), false)));
    let mut leaves = vec![served_with(None)];
    leaves.extend(names.iter().map(|n| served_with(Some(n))));
    let leaves = crate::store::endpoints::fold(leaves);
    let models = SubjectModels {
        endpoints: crate::policy::model::endpoint_models(&observations, &leaves),
        ..Default::default()
    };
    let (history, exclusions) = (ScanHistory::default(), Exclusions::default());
    let set = compute(&MetricInput {
        models: &models,
        history: &history,
        exclusions: &exclusions,
        window_days: 90,
    });
    assert_eq!(set.get("endpoints").unwrap().value, Some(1.0));
    let pq = set.get("pq_hybrid_share").unwrap();
    assert_eq!((pq.numerator, pq.denominator), (Some(1), Some(1)), "{pq:?}");
}

/// An endpoint serving `leaf` that negotiated `version` with `group`.
fn pq_endpoint(n: u8, leaf: &str, version: &str, group: &str) -> EndpointModel {
    EndpointModel {
        address: format!("127.0.0.{n}"),
        port: 443,
        served_at: format!("127.0.0.{n}:443"),
        leaf_sha256: leaf.into(),
        tls_version: version.into(),
        key_exchange_group: group.into(),
        post_quantum_hybrid: group.contains("MLKEM"),
        ..Default::default()
    }
}

#[test]
fn post_quantum_readiness_counts_leaves_and_endpoints_where_known() {
    let mut pq_leaf = leaf("pq", "127.0.0.1", false);
    pq_leaf.certificate.post_quantum = true;
    let mut half = leaf("half", "127.0.0.9", false);
    // A post-quantum key under a classical signature is not ready.
    half.certificate.key.post_quantum = true;
    let models = SubjectModels {
        leaves: vec![pq_leaf, half, leaf("rsa", "127.0.0.2", false)],
        endpoints: vec![
            pq_endpoint(1, "pq", "", ""),                       // ready by its leaf
            pq_endpoint(2, "rsa", "TLSv1.3", "X25519MLKEM768"), // ready by its group
            pq_endpoint(3, "rsa", "TLSv1.3", "X25519"),         // not ready
            pq_endpoint(4, "rsa", "TLSv1.2", ""),               // not ready: no hybrid below 1.3
            pq_endpoint(5, "rsa", "", ""),                      // not measured
            pq_endpoint(6, "rsa", "", ""),                      // ready by --groups
            pq_endpoint(7, "rsa", "TLSv1.3", "X25519"),         // ready by --groups
            pq_endpoint(8, "rsa", "", ""),                      // --groups: no hybrid
        ],
        ..Default::default()
    };
    let mut models = models;
    for (index, hybrid) in [(5, true), (6, true), (7, false)] {
        let groups = &mut models.endpoints[index].groups;
        groups.probed = true;
        groups.accepted = vec!["X25519".into()];
        if hybrid {
            groups.accepted.push("X25519MLKEM768".into());
            groups.hybrid_pq = vec!["X25519MLKEM768".into()];
        }
    }
    let (history, exclusions) = (ScanHistory::default(), Exclusions::default());
    let set = compute(&MetricInput {
        models: &models,
        history: &history,
        exclusions: &exclusions,
        window_days: 90,
    });
    let certs = set.get("pq_certificates").unwrap();
    assert_eq!((certs.numerator, certs.denominator), (Some(1), Some(3)));
    assert_eq!(certs.subjects, ["half", "rsa"]);
    let endpoints = set.get("pq_endpoints").unwrap();
    assert_eq!(
        (endpoints.numerator, endpoints.denominator),
        (Some(4), Some(7))
    );
    assert_eq!(
        (endpoints.measured, endpoints.coverage),
        (Some(7), Some(7.0 / 8.0))
    );
    assert_eq!(
        endpoints.subjects,
        ["127.0.0.3:443", "127.0.0.4:443", "127.0.0.8:443"]
    );
}

#[test]
fn chains_correct_is_measured_only_on_leaves_served_with_a_chain_as_sent() {
    let mut incomplete = leaf("a", "127.0.0.1", false);
    incomplete.chain_problems = vec!["incomplete".into()];
    let sound = leaf("b", "127.0.0.2", false);
    // a peer reported it alone: its chain problems are unknown, not none
    let mut leaf_only = leaf("c", "127.0.0.3", false);
    leaf_only.chain_leaf_only = true;
    // found in a file only: served nowhere, no chain as sent
    let mut at_rest = leaf("d", "127.0.0.4", false);
    at_rest.endpoints.clear();
    at_rest.stored_at = vec!["file:/srv/d.pem".into()];
    let models = SubjectModels {
        leaves: vec![incomplete, sound, leaf_only, at_rest],
        ..Default::default()
    };
    let (history, exclusions) = (ScanHistory::default(), Exclusions::default());
    let input = MetricInput {
        models: &models,
        history: &history,
        exclusions: &exclusions,
        window_days: 90,
    };
    let set = compute(&input);
    let chains = set.get("chains_correct").unwrap();
    assert_eq!(
        (chains.numerator, chains.denominator, chains.measured),
        (Some(1), Some(2), Some(2)),
        "{chains:?}"
    );
    assert_eq!(chains.coverage, Some(0.5));
    assert_eq!(chains.subjects, vec!["a".to_string()]);
    assert_eq!(
        chains.gap.as_deref(),
        Some("chain as sent recorded on 2 of 4 leaves")
    );
}
