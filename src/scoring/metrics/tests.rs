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
                id: crate::inventory::store::ScanId(i as i64),
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
