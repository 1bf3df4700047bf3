//! Scores faithful to the model (issue 19): the perfect estate worked out
//! requirement by requirement, Governance as supporting facts unless the
//! profile opts in, the cap exactly on the coverage floor, not-applicable
//! requirements and categories, requirement-level self-assessments, and
//! short-lived certificates that renew on schedule failing nothing.
//! Fixed dates: the estates' day 0 is 2026-06-01.

use super::estate::{day, perfect, sha};
use super::profile;
use crate::policy::model::{rfc3339, SubjectModels};
use crate::scoring::card::{Basis, Outcome};
use crate::scoring::claims::Claims;
use crate::scoring::ladder::{Evidence, Profile};
use crate::scoring::metrics::{self, MetricInput, MetricSet};
use crate::scoring::{score, ScoreCard};
use crate::store::{EventKind, EventRecord, ScanId};

const EPS: f64 = 1e-9;

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < EPS)
}

fn perfect_metrics() -> (MetricSet, crate::scoring::HistoryDepth) {
    let (models, history, exclusions) = perfect();
    let input = MetricInput {
        models: &models,
        history: &history,
        exclusions: &exclusions,
        window_days: 90,
    };
    (metrics::compute(&input), history.depth())
}

fn perfect_card(profile: &Profile, claims: Option<&Claims>) -> ScoreCard {
    let (metrics, depth) = perfect_metrics();
    score(&metrics, &[], profile, depth, claims)
}

/// The perfect estate: every criterion a scan can judge passes, with deep
/// history. What it cannot judge (revocation status, not checked; the
/// exception register and alert outbox, not given) stays unrated. Strength:
/// direct 1, partial ½. Per category, value = Σ rating·weight·strength /
/// Σ weight·strength over rated requirements; coverage = that rated
/// weight·strength / all its weight; at or under 40 % the roll-up takes at
/// most 2.
///
/// - G.cryptography (supporting facts only): algorithms 4 (no level-5
///   criterion), protocols 5, visibility 5, agility 5, all partial:
///   (4·5·½ + 5·3·½ + 5·5·½ + 5·5·½) / (2.5 + 1.5 + 2.5 + 2.5) = 42.5 / 9.
/// - M.key-management: key-inventory 5, key-lifecycle 5 (partial, 2 each):
///   value 5; coverage (1 + 1) / 10 = 20 % → 2.
/// - M.certificate-management: profiles 5 (w2 ½), lifecycle 4 (w4 ½; its
///   level-5 revocation freshness is unknown), inventory 5 (w3 ½), discovery
///   5 (w2 direct), pki-governance 5 (w2 ½): (5 + 8 + 7.5 + 10 + 5) / 7.5 =
///   35.5 / 7.5; coverage 7.5 / 17 = 44 %, not capped.
/// - M.infrastructure-management: 5 and 5, coverage 2.5 / 13 → 2.
/// - M.change-management-and-agility: 5, coverage 1 / 15 → 2.
/// - O.resilience: 5 and 5, coverage 3.5 / 25 → 2.
/// - O.automation: automation-monitoring 5 (exception-handling unrated),
///   coverage 0.5 / 5 → 2.
/// - O.interoperability: 5, coverage 1.5 / 7 → 2.
/// - O.monitoring-and-auditing: event-monitoring 5 (alerting unrated),
///   coverage 2.5 / 23 → 2.
///
/// Overall: (2·4 + 35.5/7.5·4 + 2·2 + 2·3 + 2·4 + 2·2 + 2·2 + 2·2) / 23 =
/// (38 + 142/7.5) / 23 ≈ 2.48 → 2, on 8 of 16 categories.
#[test]
fn perfect_estate_scores_at_most_three_with_governance_not_assessed() {
    let card = perfect_card(&profile(), None);
    let value = |id: &str| card.category(id).unwrap().evidence_value;
    let crypto = card.category("G.cryptography").unwrap();
    assert_eq!(
        (crypto.basis, crypto.level, crypto.supporting),
        (Basis::NotAssessed, None, true)
    );
    assert!(close(crypto.evidence_value, 42.5 / 9.0));
    let ratings: Vec<(String, Option<u8>)> = crypto
        .requirements
        .iter()
        .map(|r| (r.id.rsplit('.').next().unwrap().to_string(), r.rating))
        .collect();
    let expected = [
        ("crypto-terminology", None),
        ("crypto-algorithms", Some(4)),
        ("crypto-protocols", Some(5)),
        ("crypto-visibility", Some(5)),
        ("crypto-lifecycle", None),
        ("crypto-agility", Some(5)),
    ]
    .map(|(r, l)| (r.to_string(), l));
    assert_eq!(ratings, expected);
    assert!(close(value("M.certificate-management"), 35.5 / 7.5));
    let cert = card.category("M.certificate-management").unwrap();
    assert_eq!((cert.level, cert.capped), (Some(4), false));
    assert!(close(cert.coverage, 7.5 / 17.0));
    let lifecycle = &cert.requirements[1];
    assert_eq!(lifecycle.rating, Some(4));
    assert_eq!(
        lifecycle.limiting,
        ["revocation-status-known-at-least-95pct"]
    );
    for (id, coverage) in [
        ("M.key-management", 2.0 / 10.0),
        ("M.infrastructure-management", 2.5 / 13.0),
        ("M.change-management-and-agility", 1.0 / 15.0),
        ("O.resilience", 3.5 / 25.0),
        ("O.automation", 0.5 / 5.0),
        ("O.interoperability", 1.5 / 7.0),
        ("O.monitoring-and-auditing", 2.5 / 23.0),
    ] {
        let c = card.category(id).unwrap();
        assert!(close(c.evidence_value, 5.0), "{id}: {:?}", c.evidence_value);
        assert!(close(c.coverage, coverage), "{id}: {:?}", c.coverage);
        assert_eq!(
            (c.value, c.level, c.capped),
            (Some(2.0), Some(2), true),
            "{id}"
        );
    }
    let exceptions = &card.category("O.automation").unwrap().requirements[2];
    assert_eq!(exceptions.rating, None);
    assert!(exceptions
        .reason
        .as_deref()
        .unwrap()
        .starts_with("not assessed"));
    let overall = (38.0 + 142.0 / 7.5) / 23.0;
    assert!(
        close(card.overall_value, overall),
        "{:?}",
        card.overall_value
    );
    assert_eq!(card.overall_level, Some(2));
    assert!(card.overall_level <= Some(3));
    assert_eq!(card.categories_assessed, (8, 16));
    let module = |m: &str| card.modules.iter().find(|x| x.module == m).unwrap().clone();
    assert_eq!(
        (
            module("Governance").level,
            module("Governance").assessed.len()
        ),
        (None, 0)
    );
    assert_eq!(module("Resources").value, None);
    // Management: (2·4 + 35.5/7.5·4 + 2·2 + 2·3) / 13; its evidenced share
    // (4·0.2 + 4·7.5/17 + 2·2.5/13 + 3·1/15) / 13.
    assert!(close(
        module("Management").value,
        (18.0 + 142.0 / 7.5) / 13.0
    ));
    let share = (0.8 + 4.0 * 7.5 / 17.0 + 5.0 / 13.0 + 0.2) / 13.0;
    assert!((module("Management").evidenced_share - share).abs() < EPS);
    assert_eq!(
        module("Management").assessed_text(),
        format!(
            "4 of 4 categories assessed, {:.0} % of its weight evidenced",
            share * 100.0
        )
    );
    assert_eq!(
        module("Governance").assessed_text(),
        "0 of 5 categories assessed, 0 % of its weight evidenced"
    );
    // The overall rests on the modules' evidence, of all 16 categories'
    // weight (19 + 13 + 10 + 10 = 52): (3.1493 + 1.4060) / 52.
    let ops = 4.0 * 3.5 / 25.0 + 2.0 * 0.1 + 2.0 * 1.5 / 7.0 + 2.0 * 2.5 / 23.0;
    assert!((card.evidenced_share - (share * 13.0 + ops) / 52.0).abs() < EPS);
}

#[test]
fn governance_from_a_scan_only_when_the_profile_opts_in() {
    let mut opted = profile();
    opted.governance_from_scan = true;
    let card = perfect_card(&opted, None);
    let crypto = card.category("G.cryptography").unwrap();
    // 36 % coverage: at or under the floor, so the roll-up takes 2.
    assert_eq!(
        (crypto.basis, crypto.value, crypto.capped),
        (Basis::Evidence, Some(2.0), true)
    );
    assert_eq!(card.categories_assessed, (9, 16));
}

#[test]
fn a_category_exactly_on_the_coverage_floor_is_capped() {
    let mut on_floor = profile();
    let key = on_floor
        .ladders
        .iter_mut()
        .find(|l| l.category == "M.key-management")
        .unwrap();
    // key-inventory and key-lifecycle direct: (2 + 2) / 10 = 40 %, the floor.
    for r in key
        .requirements
        .iter_mut()
        .filter(|r| r.evidence != Evidence::None)
    {
        r.evidence = Evidence::Direct;
    }
    let card = perfect_card(&on_floor, None);
    let key = card.category("M.key-management").unwrap();
    assert!(close(key.coverage, 0.4));
    assert_eq!(
        (key.evidence_level, key.level, key.capped),
        (Some(5), Some(2), true)
    );
    assert!(key.reason.as_deref().unwrap().contains("at or under"));
}

#[test]
fn not_applicable_requirements_and_categories_leave_the_computation() {
    let mut p = profile();
    for (id, why) in [
        ("M.key-management.key-mgmt-roles", "one administrator"),
        ("M.key-management.device-inventory", "no HSMs"),
        ("M.key-management.key-mgmt-review", "reviewed with the ISMS"),
        ("O.interoperability", "single vendor by design"),
    ] {
        p.not_applicable.insert(id.into(), why.into());
    }
    let card = perfect_card(&p, None);
    // Key management: applicable weight 4, rated 2 → 50 %, not capped: 5.
    let key = card.category("M.key-management").unwrap();
    assert!(close(key.coverage, 0.5));
    assert_eq!((key.level, key.capped), (Some(5), false));
    let roles = &key.requirements[0];
    assert_eq!(roles.not_applicable.as_deref(), Some("one administrator"));
    let interop = card.category("O.interoperability").unwrap();
    assert_eq!((interop.basis, interop.level), (Basis::NotApplicable, None));
    assert_eq!(
        interop.not_applicable.as_deref(),
        Some("single vendor by design")
    );
    assert_eq!(card.categories_assessed, (7, 15));
    let ops = card
        .modules
        .iter()
        .find(|m| m.module == "Operations")
        .unwrap();
    assert_eq!((ops.assessed.len(), ops.categories), (3, 4 - 1));
}

#[test]
fn self_assessed_requirement_ratings_score_the_governance_categories() {
    let claims = Claims {
        source: "self.toml".into(),
        levels: [("G.strategy-and-vision".to_string(), 3)].into(),
        requirements: [
            ("G.compliance.compliance-policies", 4),
            ("G.compliance.regulatory-inventory", 2),
            ("G.cryptography.crypto-algorithms", 4),
            ("G.cryptography.crypto-agility", 3),
        ]
        .map(|(r, l)| (r.to_string(), l))
        .into(),
    };
    let card = perfect_card(&profile(), Some(&claims));
    let compliance = card.category("G.compliance").unwrap();
    // (4·3 + 2·5) / (3 + 5) = 22 / 8, the model's requirement weights.
    assert_eq!(compliance.basis, Basis::Claim);
    assert!(close(compliance.value, 22.0 / 8.0));
    assert_eq!(compliance.level, Some(2));
    let crypto = card.category("G.cryptography").unwrap();
    // (4·5 + 3·5) / 10: the claim scores it; the scan's facts stay beside.
    assert_eq!((crypto.basis, crypto.supporting), (Basis::Claim, true));
    assert!(close(crypto.value, 3.5));
    assert!(close(crypto.evidence_value, 42.5 / 9.0));
    let governance = card
        .modules
        .iter()
        .find(|m| m.module == "Governance")
        .unwrap();
    // (3·5 + 22/8·2 + 3.5·5) / (5 + 2 + 5).
    assert!(close(governance.value, (15.0 + 5.5 + 17.5) / 12.0));
    assert_eq!(governance.assessed.len(), 3);
}

#[test]
fn the_roadmap_orders_limiting_requirements_by_the_value_they_add() {
    let mut opted = profile();
    opted.governance_from_scan = true;
    let card = perfect_card(&opted, None);
    // Certificate management at 4 (4.73): to 5, only cert-lifecycle (rated 4)
    // holds it back: +1·4·½ / 7.5, on the revocation freshness criterion.
    let cert = card.category("M.certificate-management").unwrap();
    assert_eq!(cert.roadmap.len(), 1);
    let step = &cert.roadmap[0];
    assert_eq!(
        (step.requirement.as_str(), step.rating, step.target),
        ("M.certificate-management.cert-lifecycle", 4, 5)
    );
    assert!((step.adds - 2.0 / 7.5).abs() < EPS);
    assert_eq!(
        step.criteria[0].id,
        "revocation-status-known-at-least-95pct"
    );
    assert_eq!(step.criteria[0].threshold, 95.0);
}

/// One leaf served at `127.0.0.n:443`, issued on `issued` (day number),
/// valid `lifetime` days with `left` days left, with or without a CRL URL.
fn leaf(
    n: u32,
    issued: i64,
    lifetime: i64,
    left: i64,
    crl: bool,
) -> crate::policy::model::LeafModel {
    let mut l = crate::policy::model::LeafModel::default();
    let c = &mut l.certificate;
    c.sha256 = sha(n);
    c.spki_sha256 = format!("key-{n}");
    c.key.algorithm = "ec".into();
    c.key.bits = 256;
    c.signature.hash = "sha256".into();
    c.san.dns = vec![format!("host{n}.example.test")];
    if crl {
        c.crl_urls = vec!["http://crl.example.test/ca.crl".into()];
    }
    c.lifetime_days = lifetime;
    c.days_left = left;
    c.not_before = rfc3339(day(issued));
    l.ca_class = "approved".into();
    l.owner = "web".into();
    l.first_seen = rfc3339(day(issued));
    l
}

fn renewal(id: i64, scan: i64, n: u32, lead: f64, old_lifetime: f64) -> EventRecord {
    EventRecord {
        id,
        scan: ScanId(scan),
        kind: EventKind::Renewal,
        endpoint: None,
        old_sha256: Some(format!("old-{n}")),
        new_sha256: Some(sha(n)),
        lead_days: Some(lead),
        old_lifetime_days: Some(old_lifetime),
        detail: serde_json::json!({ "rekeyed": true }),
        at: day(0),
    }
}

/// The lifetime-relative metrics of an estate of short-lived certificates
/// scanned daily on days 0..=99: a 7-day certificate two days before its
/// renewal (2 of 7 days left) and its predecessor renewed with 2.3 days
/// left; a 47-day one renewed at two thirds of its life (15.6 of 47 left);
/// a 6-day one without OCSP or CRL URL; a 90-day one.
fn short_lived(issued_7day: i64) -> MetricSet {
    let now = 99;
    let leaves = vec![
        leaf(1, now - 5, 7, 2, true),
        leaf(2, now - 31, 47, 16, true),
        leaf(3, issued_7day, 6, 3, false),
        leaf(4, now - 30, 90, 60, true),
    ];
    let models = SubjectModels {
        at: Some(day(now)),
        leaves,
        ..SubjectModels::default()
    };
    let history = metrics::ScanHistory {
        scans: (0..100)
            .map(|i| metrics::ScanPoint {
                id: ScanId(i + 1),
                at: day(i),
            })
            .collect(),
        events: vec![renewal(1, 95, 1, 2.3, 7.0), renewal(2, 69, 2, 15.6, 47.0)],
        ..metrics::ScanHistory::default()
    };
    let exclusions = metrics::Exclusions::default();
    let input = MetricInput {
        models: &models,
        history: &history,
        exclusions: &exclusions,
        window_days: 90,
    };
    metrics::compute(&input)
}

#[test]
fn short_lived_certificates_renewed_on_schedule_fail_nothing() {
    let set = short_lived(97);
    let value = |id: &str| set.get(id).unwrap().value;
    // 2 days left of 7: a quarter of the lifetime is 1.75 days: not expiring.
    assert_eq!(value("expiring_unrenewed"), Some(0.0));
    assert_eq!(value("late_renewals"), Some(0.0));
    // 2.3 of the 7/3 wanted, 15.6 of the 47/3 wanted: median ≈ 99 %.
    let share = value("renewal_lead_share").unwrap();
    assert!(share > 98.0 && share <= 100.0, "{share}");
    // The 6-day certificate issued 2026-09-05 is short-lived: no pointer
    // needed; the other three carry one.
    assert_eq!(value("revocation_pointers"), Some(100.0));
    assert_eq!(value("profile_conformance"), Some(100.0));
    let depth = crate::scoring::HistoryDepth {
        days: 99,
        scans: 100,
    };
    let card = score(&set, &[], &profile(), depth, None);
    let watched = [
        "expiring_unrenewed",
        "late_renewals",
        "renewal_lead_share",
        "revocation_pointers",
    ];
    let failures: Vec<String> = card
        .categories
        .iter()
        .flat_map(|c| c.criteria.iter().map(move |r| (c, r)))
        .filter(|(_, r)| watched.contains(&r.metric.as_str()) && r.outcome == Outcome::Fail)
        .map(|(c, r)| format!("{}/{}", c.category, r.id))
        .collect();
    assert_eq!(failures, Vec::<String>::new());
}

#[test]
fn the_short_lived_exemption_and_the_horizon_are_not_loopholes() {
    // The same 6-day certificate issued in 2023, before the Baseline
    // Requirements defined short-lived certificates, needs a pointer: of
    // the three leaves that are not short-lived (the 7-day one issued in
    // 2026 still is), two carry one.
    let set = short_lived(-1000);
    let pointers = set.get("revocation_pointers").unwrap();
    assert_eq!(
        (pointers.numerator, pointers.denominator),
        (Some(2), Some(3))
    );
    // A 7-day certificate renewed with a day left is late; a 398-day one
    // with 13 days left is expiring.
    let within = metrics::within_expiry_horizon;
    assert!(within(1.0, 7.0) && !within(2.3, 7.0));
    assert!(within(13.0, 398.0) && !within(14.0, 398.0));
    assert!(!within(2.0, 7.0) && within(1.0, 7.0));
    // 47 days: a quarter is 11.75 days; renewed at two thirds (15.7 left)
    // is in good time, 11 days left is not.
    assert!(!within(15.0, 47.0) && within(11.0, 47.0));
}

#[test]
fn the_removed_criteria_are_gone_from_the_ladders_and_the_readme() {
    let p = profile();
    let readme = [
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")),
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/guide.md")),
    ]
    .concat();
    let rules_readme = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/rules/maturity/README.md"
    ));
    for gone in [
        "one-complete-scan",
        "keys-inventoried",
        "lifetime-median-at-most",
    ] {
        assert!(
            p.ladders
                .iter()
                .all(|l| l.criteria.iter().all(|c| !c.id.starts_with(gone))),
            "{gone}"
        );
        assert!(
            !readme.contains(gone) && !rules_readme.contains(gone),
            "{gone} in a README"
        );
    }
    let metrics_of = |category: &str| -> Vec<String> {
        p.ladder(category)
            .unwrap()
            .criteria
            .iter()
            .map(|c| c.metric.clone())
            .collect()
    };
    for cadence in ["scans_in_window", "scan_interval"] {
        for category in ["O.automation", "O.monitoring-and-auditing"] {
            assert!(
                !metrics_of(category).contains(&cadence.to_string()),
                "{category}: {cadence}"
            );
        }
    }
    assert!(!metrics_of("O.monitoring-and-auditing").contains(&"owner_coverage".to_string()));
    assert!(!metrics_of("M.change-management-and-agility").contains(&"lifetime_median".to_string()));
    // Discovery cadence stays where the model asks for it, on discovery.
    let cert = p.ladder("M.certificate-management").unwrap();
    for c in cert
        .criteria
        .iter()
        .filter(|c| c.metric == "scan_interval" || c.metric == "scans_in_window")
    {
        assert_eq!(c.requirements, ["cert-discovery"], "{}", c.id);
    }
}
