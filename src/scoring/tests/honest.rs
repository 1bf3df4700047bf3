//! Scores that cannot be gamed, each test trying one way a number could
//! move without anything on the network changing: endpoint metrics from a
//! scan without `--versions` (a sample selected by the property itself),
//! the metric coverage floor on both sides, three scans in a minute
//! against one, scans either side of midnight, a scope where nothing was
//! observed. Fixed dates: the estates' day 0 is 2026-06-01.

use time::Duration;

use super::estate::{day, synthetic};
use super::{findings, profile};
use crate::policy::model::SubjectModels;
use crate::scoring::card::{Basis, Outcome};
use crate::scoring::claims::Claims;
use crate::scoring::metrics::{self, Exclusions, MetricInput, ScanHistory, ScanPoint};
use crate::scoring::{score, ScoreCard};
use crate::store::ScanId;

/// `models` scored over `history` with the default profile (its minimum
/// scan interval in force) and the tests' findings.
fn card_of(models: &SubjectModels, history: &ScanHistory, claims: Option<&Claims>) -> ScoreCard {
    let profile = profile();
    let mut history = history.clone();
    history.min_interval = profile.min_scan_interval();
    let exclusions = Exclusions::default();
    let input = MetricInput {
        models,
        history: &history,
        exclusions: &exclusions,
        window_days: profile.window_days,
    };
    let metrics = metrics::compute(&input);
    score(&metrics, &findings(), &profile, history.depth(), claims)
}

/// Complete scans at `times`, ids from 1, nothing else in the history.
fn scans_at(times: &[time::OffsetDateTime]) -> ScanHistory {
    ScanHistory {
        scans: times
            .iter()
            .enumerate()
            .map(|(i, at)| ScanPoint {
                id: ScanId(i as i64 + 1),
                at: *at,
            })
            .collect(),
        ..ScanHistory::default()
    }
}

/// The synthetic estate as a scan without `--versions` sees it: each
/// endpoint only shows the version it negotiated; two negotiated TLS 1.0.
fn without_versions() -> SubjectModels {
    let (mut models, _, _) = synthetic();
    for (i, e) in models.endpoints.iter_mut().enumerate() {
        if i < 2 {
            e.tls_version = "TLSv1.0".into();
            e.tls13 = "no".into();
        }
        e.versions_probed = false;
        e.accepted_versions = vec![e.tls_version.clone()];
    }
    models
}

#[test]
fn endpoint_metrics_without_versions_are_unknown_with_reason_and_fix() {
    let card = card_of(&without_versions(), &scans_at(&[day(120)]), None);
    for id in ["legacy_tls", "tls13_share", "pq_hybrid_share"] {
        let m = card.metrics.get(id).unwrap();
        assert_eq!(m.value, None, "{id} must not be 100 % of 2");
        assert_eq!((m.measured, m.coverage), (Some(0), Some(0.0)), "{id}");
        let note = m.note.as_deref().unwrap();
        assert!(
            note.starts_with("accepted versions probed on 0 of 10 endpoints")
                && note.ends_with(": scan with --versions"),
            "{id}: {note}"
        );
    }
    // Every criterion reading them is unknown and says why.
    let readers: Vec<_> = card
        .categories
        .iter()
        .flat_map(|c| &c.criteria)
        .filter(|r| ["legacy_tls", "tls13_share", "pq_hybrid_share"].contains(&r.metric.as_str()))
        .collect();
    assert!(!readers.is_empty());
    let mut without_history_gate = 0;
    for r in readers {
        assert_eq!(r.outcome, Outcome::Unknown, "{}", r.id);
        let reason = r.reason.as_deref().unwrap();
        if !reason.starts_with("needs ") {
            assert!(
                reason.contains("scan with --versions"),
                "{}: {reason}",
                r.id
            );
            without_history_gate += 1;
        }
    }
    assert!(without_history_gate > 0);
    // Leaf metrics are measured on every leaf.
    let owners = card.metrics.get("owner_coverage").unwrap();
    assert_eq!((owners.measured, owners.coverage), (Some(10), Some(1.0)));
}

#[test]
fn metric_coverage_floor_holds_exactly_on_fifty_percent() {
    let (mut models, _, _) = synthetic();
    // Endpoints 6..=10 probed (5 of 10): legacy_tls over them only; the
    // legacy one (index 6) is among them, the others' negotiated version
    // does not count.
    for (i, e) in models.endpoints.iter_mut().enumerate() {
        e.versions_probed = i >= 5;
    }
    let card = card_of(&models, &scans_at(&[day(120)]), None);
    let legacy = card.metrics.get("legacy_tls").unwrap();
    assert_eq!(
        (legacy.value, legacy.numerator, legacy.denominator),
        (Some(20.0), Some(1), Some(5))
    );
    assert_eq!((legacy.measured, legacy.coverage), (Some(5), Some(0.5)));
    // One fewer probed: 40 %, under the floor.
    models.endpoints[5].versions_probed = false;
    let card = card_of(&models, &scans_at(&[day(120)]), None);
    let legacy = card.metrics.get("legacy_tls").unwrap();
    assert_eq!(legacy.value, None);
    let note = legacy.note.as_deref().unwrap();
    assert!(note.contains("4 of 10 endpoints (40 %"), "{note}");
}

#[test]
fn three_scans_within_a_minute_score_exactly_as_one() {
    let (models, _, _) = synthetic();
    let one = card_of(&models, &scans_at(&[day(120)]), None);
    let burst = [
        day(120) - Duration::seconds(50),
        day(120) - Duration::seconds(25),
        day(120),
    ];
    let three = card_of(&models, &scans_at(&burst), None);
    assert_eq!(three, one, "the whole card");
    assert_eq!(one.history.scans, 1);
    assert_eq!(one.metrics.get("scans_in_window").unwrap().value, Some(1.0));
    assert_eq!(one.metrics.get("scan_interval").unwrap().value, None);
    for id in ["O.automation", "O.monitoring-and-auditing"] {
        let c = one.category(id).unwrap();
        assert!(c.level <= Some(2), "{id}: {:?}", c.level);
    }
}

#[test]
fn cadence_counts_distinct_days_and_a_burst_across_midnight_once() {
    let at = |d: i64, h: i64, m: i64| day(d) + Duration::hours(h) + Duration::minutes(m);
    // 23:50 and 00:10 the next day: 20 minutes apart, once. Then noon on
    // days 2 and 3; and on day 4 at 00:00 and 13:00, one day.
    let history = scans_at(&[
        at(0, 23, 50),
        at(1, 0, 10),
        at(2, 12, 0),
        at(3, 12, 0),
        at(4, 0, 0),
        at(4, 13, 0),
    ]);
    let card = card_of(&without_versions(), &history, None);
    assert_eq!(card.history.scans, 4);
    assert_eq!(
        card.metrics.get("scans_in_window").unwrap().value,
        Some(4.0)
    );
    // The longest gap: day 1 00:10 to day 2 12:00.
    let gap = card.metrics.get("scan_interval").unwrap().value.unwrap();
    assert!((gap - (35.0 + 50.0 / 60.0) / 24.0).abs() < 1e-9, "{gap}");
    // With no minimum interval every scan is a cadence point, but days
    // are still days.
    let mut every = history.clone();
    every.min_interval = Duration::ZERO;
    assert_eq!(every.cadence().len(), 6);
    assert_eq!(every.depth().scans, 5);
}

#[test]
fn nothing_observed_assesses_nothing() {
    let claims = Claims {
        requirements: Default::default(),
        source: "self.toml".into(),
        levels: [("G.strategy-and-vision", 4)]
            .map(|(c, l)| (c.to_string(), l))
            .into(),
    };
    let history = scans_at(&[day(0), day(30), day(60)]);
    let card = card_of(&SubjectModels::default(), &history, Some(&claims));
    let reason = card.not_assessed.as_deref().unwrap();
    assert!(reason.contains("no certificate was observed"), "{reason}");
    assert_eq!(
        (card.overall_level, card.overall_value, card.minimum_level),
        (None, None, None)
    );
    for c in &card.categories {
        assert_eq!(
            (c.basis, c.level),
            (Basis::NotAssessed, None),
            "{}",
            c.category
        );
        assert_eq!(c.reason.as_deref(), Some(reason));
    }
    assert!(card.modules.iter().all(|m| m.level.is_none()));
    // Every leaf excepted is no better.
    let (models, _, _) = synthetic();
    let exclusions = Exclusions {
        certificates: models
            .leaves
            .iter()
            .map(|l| l.certificate.sha256.clone())
            .collect(),
        ..Exclusions::default()
    };
    let input = MetricInput {
        models: &models,
        history: &history,
        exclusions: &exclusions,
        window_days: 90,
    };
    let card = score(
        &metrics::compute(&input),
        &[],
        &profile(),
        history.depth(),
        None,
    );
    assert!(card.not_assessed.unwrap().contains("excepted"));
    assert_eq!(card.overall_level, None);
}
