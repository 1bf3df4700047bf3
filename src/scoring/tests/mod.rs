//! The scoring of a synthetic estate worked out by hand: five complete
//! scans 30 days apart (120 days), renewals (one late, one re-keyed), one
//! expiry, a shadow CA, a weak key, legacy TLS. Every metric, every
//! criterion's value and outcome, each requirement rating, category value
//! and the roll-ups are checked against the figures derived in the
//! comments. The perfect estate is worked out in `faithful`.

mod estate;
mod faithful;
mod honest;

use super::card::{Basis, Outcome};
use super::claims::Claims;
use super::ladder::{self, Overrides};
use super::metrics::{self, MetricInput};
use super::{score, FindingFact, HistoryDepth};
use crate::policy::Severity;
use estate::synthetic;

fn profile() -> ladder::Profile {
    ladder::load(&Overrides::default()).unwrap()
}

fn finding(rule: &str, severity: Severity, categories: &[&str], active: bool) -> FindingFact {
    FindingFact {
        rule: rule.into(),
        severity,
        categories: categories
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .into(),
        active,
        count: 1,
    }
}

/// The current findings: an active high in key management and
/// cryptography, an excepted critical and an active medium in
/// interoperability (neither counts as a high finding).
fn findings() -> Vec<FindingFact> {
    vec![
        finding(
            "nist.rsa-key-below-2048",
            Severity::High,
            &["G.cryptography", "M.key-management"],
            true,
        ),
        finding(
            "ietf.chain-incomplete",
            Severity::Critical,
            &["O.interoperability"],
            false,
        ),
        finding(
            "ietf.san-missing",
            Severity::Medium,
            &["O.interoperability"],
            true,
        ),
    ]
}

/// The metrics of the synthetic estate over a 90-day window.
fn synthetic_metrics() -> super::metrics::MetricSet {
    let (models, history, exclusions) = synthetic();
    let input = MetricInput {
        models: &models,
        history: &history,
        exclusions: &exclusions,
        window_days: 90,
    };
    metrics::compute(&input)
}

/// The synthetic estate scored with its findings, 120 days and 5 scans of
/// history, and `claims`.
fn synthetic_card(claims: Option<&Claims>) -> super::ScoreCard {
    let depth = HistoryDepth {
        days: 120,
        scans: 5,
    };
    score(&synthetic_metrics(), &findings(), &profile(), depth, claims)
}

#[test]
fn metrics_of_the_synthetic_estate() {
    let set = synthetic_metrics();
    let value = |id: &str| set.get(id).unwrap_or_else(|| panic!("{id}")).value;
    let pct = |n: f64, d: f64| Some(n * 100.0 / d);
    // 10 leaves at 10 endpoints.
    assert_eq!(value("leaves"), Some(10.0));
    assert_eq!(value("endpoints"), Some(10.0));
    assert_eq!(value("expired_in_service"), pct(1.0, 10.0)); // L9
    assert_eq!(value("expiring_unrenewed"), pct(1.0, 10.0)); // L8, 10 days left
    assert_eq!(value("owner_coverage"), pct(8.0, 10.0)); // all but L8, L10
    assert_eq!(value("weak_keys"), pct(1.0, 10.0)); // L7 RSA-1024
    assert_eq!(value("weak_signatures"), pct(1.0, 10.0)); // L7 SHA-1
    assert_eq!(value("key_reuse"), pct(0.0, 10.0));
    assert_eq!(value("key_reuse_largest_cluster"), Some(0.0));
    assert_eq!(value("shadow_ca_leaves"), pct(1.0, 10.0)); // L8
    assert_eq!(value("shadow_cas"), Some(1.0));
    assert_eq!(value("unknown_ca_leaves"), pct(0.0, 10.0));
    assert_eq!(value("self_signed_leaves"), pct(1.0, 10.0)); // L10
    assert_eq!(value("chains_correct"), pct(9.0, 10.0)); // L8 incomplete
    assert_eq!(value("profile_conformance"), pct(9.0, 10.0)); // L10 400 days
    assert_eq!(value("revocation_pointers"), pct(8.0, 9.0)); // L10 self-signed out, L8 none
    assert_eq!(value("legacy_tls"), pct(1.0, 10.0)); // L7's endpoint accepts TLS 1.0
    assert_eq!(value("tls13_share"), pct(8.0, 10.0));
    assert_eq!(value("pq_hybrid_share"), pct(2.0, 8.0));
    assert_eq!(value("lifetime_median"), Some(90.0));
    // Window: scans of days 30..120 (4 of the 5).
    assert_eq!(value("scans_in_window"), Some(4.0));
    assert_eq!(value("scan_interval"), Some(30.0));
    assert_eq!(value("expired_in_window"), Some(2.0)); // old-x at day 60, L9 now
    assert_eq!(value("late_renewals"), pct(1.0, 2.0)); // lead 5 of (20, 5); day-0 renewal outside
    assert_eq!(value("renewal_lead_time"), Some(12.5));
    assert_eq!(value("rekey_rate"), pct(1.0, 2.0));
    assert_eq!(value("new_certificate_detection"), Some(2.5)); // median of 1, 2, 3, 5
    assert_eq!(value("scan_coverage"), pct(10.0, 11.0));
    assert_eq!(value("time_to_fix"), Some(30.0)); // median of 60, 30, 30
    let weak = set.get("weak_keys").unwrap();
    assert_eq!((weak.numerator, weak.denominator), (Some(1), Some(10)));
    assert_eq!(weak.subjects, vec![estate::sha(7)]);
    assert_eq!(
        set.get("owner_coverage").unwrap().subjects,
        vec![estate::sha(8), estate::sha(10)]
    );
    assert_eq!(
        set.get("scan_coverage").unwrap().subjects,
        vec!["127.0.0.99:443".to_string()]
    );
    assert_eq!(set.get("time_to_fix").unwrap().window_days, Some(90));
}

/// The synthetic estate requirement by requirement (120 days, 5 days with
/// a complete scan: level-4 criteria are judged, level-5 ones unknown).
/// Ratings from the metrics above; value = Σ rating·weight·strength /
/// Σ weight·strength (partial ½, direct 1); at or under 40 % coverage the
/// roll-up takes at most 2.
///
/// - G.cryptography (supporting facts): algorithms 2 (weak keys 10 % > 2),
///   protocols 3 (legacy TLS 10 % ≤ 10, not 0), visibility 3 (reach 90.9 %
///   < 95), agility 4 (hybrid 25 % ≥ 25; level 5 unknown):
///   (2·2.5 + 3·1.5 + 3·2.5 + 4·2.5) / 9 = 27 / 9 = 3.
/// - M.key-management: inventory 3 (owners 80 % < 90), lifecycle 2 (weak
///   keys): (3 + 2) / 2 = 2.5; coverage 20 % → 2.
/// - M.certificate-management: profiles 3 (conformance 90 % < 98),
///   lifecycle 2 (expired 10 % > 2), inventory 3 (owners < 90), discovery 3
///   (30-day gaps: not weekly), pki-governance 3 (chains 90 % < 98):
///   (3·1 + 2·2 + 3·1.5 + 3·2 + 3·1) / 7.5 = 20.5 / 7.5; 44 %, not capped.
/// - M.infrastructure-management: vulnerability 3, review 2 (shadow 10 % >
///   5): (3·1.5 + 2·1) / 2.5 = 2.6 → 2.
/// - M.change-management-and-agility: 3 (renewal lead share 41.7 % < 50) →
///   2.
/// - O.resilience: incident planning 2, future-proofing 4: (2·2 + 4·1.5) /
///   3.5 → 2.
/// - O.automation: monitoring 2 (10 % expiring unrenewed > 5); the
///   exception register is not given: 2.
/// - O.interoperability: 3 (chains < 98) → 2. O.monitoring-and-auditing:
///   event monitoring 3 (reach < 95), alerting unrated → 2.
///
/// Overall (2·4 + 20.5/7.5·4 + 2·2 + 2·3 + 2·4 + 2·2 + 2·2 + 2·2) / 23.
#[test]
fn levels_criteria_and_roll_up_of_the_synthetic_estate() {
    let card = synthetic_card(None);
    let crypto = card.category("G.cryptography").unwrap();
    assert_eq!(
        (crypto.basis, crypto.level, crypto.evidence_value),
        (Basis::NotAssessed, None, Some(3.0))
    );
    let expected = [
        (
            "M.key-management",
            2.5,
            2.0,
            true,
            vec!["weak-keys-at-most-2pct"],
        ),
        (
            "M.certificate-management",
            20.5 / 7.5,
            20.5 / 7.5,
            false,
            vec!["expired-at-most-2pct", "expiring-unrenewed-at-most-5pct"],
        ),
        (
            "M.infrastructure-management",
            2.6,
            2.0,
            true,
            vec!["shadow-at-most-5pct"],
        ),
        ("M.change-management-and-agility", 3.0, 2.0, true, vec![]),
        (
            "O.resilience",
            10.0 / 3.5,
            2.0,
            true,
            vec!["expired-at-most-2pct", "expiring-unrenewed-at-most-5pct"],
        ),
        (
            "O.automation",
            2.0,
            2.0,
            false,
            vec!["expiring-unrenewed-at-most-5pct"],
        ),
        ("O.interoperability", 3.0, 2.0, true, vec![]),
        ("O.monitoring-and-auditing", 3.0, 2.0, true, vec![]),
    ];
    for (id, evidence, value, capped, limiting) in expected {
        let c = card.category(id).unwrap();
        let close = |a: Option<f64>, b: f64| a.is_some_and(|a| (a - b).abs() < 1e-9);
        assert!(
            close(c.evidence_value, evidence),
            "{id}: {:?}",
            c.evidence_value
        );
        assert!(close(c.value, value), "{id}: {:?}", c.value);
        assert_eq!(
            (c.level, c.basis, c.capped),
            (Some(2), Basis::Evidence, capped),
            "{id}"
        );
        assert_eq!(c.limiting, limiting, "{id}");
    }
    let cert = card.category("M.certificate-management").unwrap();
    assert_eq!(cert.roadmap.len(), 1);
    assert_eq!(
        cert.roadmap[0].requirement,
        "M.certificate-management.cert-lifecycle"
    );
    assert!((cert.roadmap[0].adds - 2.0 / 7.5).abs() < 1e-9);
    // Governance and Resources are not assessed without claims.
    assert_eq!(
        card.category("G.compliance").unwrap().basis,
        Basis::NotAssessed
    );
    let overall = (8.0 + 82.0 / 7.5 + 4.0 + 6.0 + 8.0 + 4.0 + 4.0 + 4.0) / 23.0;
    assert!((card.overall_value.unwrap() - overall).abs() < 1e-9);
    assert_eq!((card.overall_level, card.minimum_level), (Some(2), Some(2)));
    let module = |m: &str| card.modules.iter().find(|x| x.module == m).unwrap().clone();
    assert_eq!(
        (module("Governance").value, module("Governance").categories),
        (None, 5)
    );
    assert!(
        (module("Management").value.unwrap() - (8.0 + 82.0 / 7.5 + 4.0 + 6.0) / 13.0).abs() < 1e-9
    );
    assert_eq!(module("Operations").value, Some(2.0));
    assert_eq!(
        (module("Resources").value, module("Resources").level),
        (None, None)
    );
}

#[test]
fn every_criterion_value_and_outcome_of_two_ladders() {
    let card = synthetic_card(None);
    let rows = |id: &str| -> Vec<(String, Option<f64>, Outcome)> {
        let c = card.category(id).unwrap();
        c.criteria
            .iter()
            .map(|r| (r.id.clone(), r.value, r.outcome))
            .collect()
    };
    use Outcome::{Fail, Pass, Unknown};
    let row = |id: &str, v: Option<f64>, o| (id.to_string(), v, o);
    assert_eq!(
        rows("O.monitoring-and-auditing"),
        vec![
            row("reach-at-least-80pct", Some(1000.0 / 11.0), Pass),
            row("alerts-delivered-at-least-50pct", None, Unknown),
            row("reach-at-least-90pct", Some(1000.0 / 11.0), Pass),
            row("alerts-delivered-at-least-80pct", None, Unknown),
            row("reach-at-least-95pct", Some(1000.0 / 11.0), Fail),
            row("fix-within-30-days", Some(30.0), Pass),
            row("alerts-delivered-at-least-95pct", None, Unknown),
            // 120 days and 5 scans do not meet level 5's 90 days and 12 scans.
            row("reach-at-least-99pct", Some(1000.0 / 11.0), Unknown),
            row("fix-within-7-days", Some(30.0), Unknown),
            row("new-certificates-within-2-days", Some(2.5), Unknown),
            row("alerts-delivered-at-least-99pct", None, Unknown),
        ]
    );
    assert_eq!(
        rows("M.key-management"),
        vec![
            row("key-reuse-at-most-20pct", Some(0.0), Pass),
            row("weak-keys-at-most-10pct", Some(10.0), Pass),
            row("key-reuse-at-most-5pct", Some(0.0), Pass),
            row("owners-at-least-50pct", Some(80.0), Pass),
            row("weak-keys-at-most-2pct", Some(10.0), Fail),
            row("key-reuse-at-most-1pct", Some(0.0), Pass),
            row("owners-at-least-90pct", Some(80.0), Fail),
            row("no-weak-keys", Some(10.0), Fail),
            row("rekey-at-least-50pct", Some(50.0), Pass),
            row("no-high-findings", Some(1.0), Fail),
            row("no-key-reuse", Some(0.0), Unknown),
            row("owners-at-least-98pct", Some(80.0), Unknown),
            row("rekey-at-least-90pct", Some(50.0), Unknown),
        ]
    );
    let gated = &card.category("M.key-management").unwrap().criteria[10];
    assert!(gated
        .reason
        .as_deref()
        .unwrap()
        .contains("needs 90 days and 12 days with a complete scan"));
    // Key inventory rated 3 (owners 80 % < 90 at level 4), lifecycle 2.
    let key = card.category("M.key-management").unwrap();
    let ratings: Vec<Option<u8>> = key.requirements.iter().map(|r| r.rating).collect();
    assert_eq!(ratings, [None, Some(3), None, Some(2), None]);
    // The excepted critical and the medium do not count in interoperability.
    let interop = card.category("O.interoperability").unwrap();
    let high = interop
        .criteria
        .iter()
        .find(|c| c.id == "no-high-findings")
        .unwrap();
    assert_eq!((high.value, high.outcome), (Some(0.0), Pass));
}

#[test]
fn claims_score_unmeasured_categories_and_show_contradictions() {
    let claims = Claims {
        requirements: Default::default(),
        source: "self.toml".into(),
        levels: [
            ("G.strategy-and-vision", 4),
            ("R.sourcing", 3),
            ("M.certificate-management", 4),
        ]
        .map(|(c, l)| (c.to_string(), l))
        .into(),
    };
    let card = synthetic_card(Some(&claims));
    let strategy = card.category("G.strategy-and-vision").unwrap();
    assert_eq!((strategy.basis, strategy.level), (Basis::Claim, Some(4)));
    let cert = card.category("M.certificate-management").unwrap();
    assert_eq!((cert.level, cert.claim), (Some(2), Some(4)));
    assert_eq!(
        cert.contradiction.as_deref(),
        Some("claimed level 4, evidence supports level 2")
    );
    // (23 · the overall above + 5·4 + 4·3) / (23 + 5 + 4).
    let measured = 8.0 + 82.0 / 7.5 + 4.0 + 6.0 + 8.0 + 4.0 + 4.0 + 4.0;
    assert!((card.overall_value.unwrap() - (measured + 32.0) / 32.0).abs() < 1e-9);
    assert_eq!(card.overall_level, Some(2));
}
