//! The hand-built audit report the `report.html` tests render: a small
//! estate scored with the built-in profile (five leaves — one weak, one
//! expiring and unowned, one excluded by an exception — a CA, four
//! endpoints), three findings (one excepted, one fixed), a previous card
//! and a three-scan trend.

use std::path::PathBuf;

use time::{Duration, OffsetDateTime};

use super::{AuditReport, PreviousScore, ReportDigests, ReportTables, TrendPoint, REPORT_SCHEMA};
use crate::policy::exceptions::AppliedException;
use crate::policy::lifecycle::{FindingStatus, TrackedFinding};
use crate::policy::model::{
    rfc3339, CaModel, EndpointModel, EndpointRef, LeafModel, SubjectModels,
};
use crate::policy::{Finding, Severity, SubjectKind};
use crate::scoring::claims::Claims;
use crate::scoring::metrics::{self, Exclusions, MetricInput, ScanHistory, ScanPoint};
use crate::scoring::{ladder, score, FindingFact, HistoryDepth, ScoreCard};
use crate::store::{ScanId, ScanRecord, ScanStatus};

/// Day `n` of the fixture's history.
fn day(n: i64) -> OffsetDateTime {
    time::macros::datetime!(2026-06-01 00:00 UTC) + Duration::days(n)
}

/// Leaf `n`: approved, owned, RSA-2048, 90 days with 60 left.
pub(crate) fn leaf(n: u32) -> LeafModel {
    let mut l = LeafModel::default();
    let c = &mut l.certificate;
    c.sha256 = format!("{n:064x}");
    c.spki_sha256 = format!("key-{n}");
    c.subject.cn = format!("host{n}.example.test");
    c.subject.dn = format!("CN=host{n}.example.test,O=Example");
    c.issuer.cn = "Example Issuing CA".into();
    c.key.algorithm = "rsa".into();
    c.key.bits = 2048;
    c.signature.algorithm = "sha256WithRSAEncryption".into();
    c.signature.hash = "sha256".into();
    c.san.dns = vec![format!("host{n}.example.test")];
    c.crl_urls = vec!["crl-pointer".into()];
    (c.lifetime_days, c.days_left) = (90, 60);
    c.not_before = rfc3339(day(30));
    c.not_after = rfc3339(day(120));
    (l.ca_class, l.owner) = ("approved".into(), "web team".into());
    l.first_seen = rfc3339(day(0));
    l.served_at = vec![format!("127.0.0.{n}:443")];
    l.endpoints = vec![EndpointRef {
        address: format!("127.0.0.{n}"),
        port: 443,
        ..EndpointRef::default()
    }];
    l
}

fn endpoint(n: u32) -> EndpointModel {
    EndpointModel {
        address: format!("127.0.0.{n}"),
        port: 443,
        host: format!("host{n}.example.test"),
        served_at: format!("127.0.0.{n}:443"),
        leaf_sha256: format!("{n:064x}"),
        leaf_cn: format!("host{n}.example.test"),
        tls_version: "TLSv1.3".into(),
        cipher_suite: "TLS13_AES_128_GCM_SHA256".into(),
        key_exchange_group: "X25519".into(),
        versions_probed: true,
        accepted_versions: vec!["TLSv1.2".into(), "TLSv1.3".into()],
        tls13: "yes".into(),
        ..EndpointModel::default()
    }
}

fn ca() -> CaModel {
    let mut ca = CaModel::default();
    ca.certificate.subject.cn = "Example Issuing CA".into();
    ca.certificate.subject.dn = "CN=Example Issuing CA,O=Example".into();
    ca.certificate.issuer.cn = "Example Root".into();
    ca.certificate.days_left = 900;
    (ca.role, ca.class, ca.served) = ("intermediate".into(), "approved".into(), true);
    (ca.issued, ca.leaves, ca.endpoints) = (4, 4, 4);
    ca
}

/// The models of the scan on `day(at)`: leaf 3 weak, leaf 4 expiring,
/// leaf 5 excluded by an exception.
fn models(at: i64) -> SubjectModels {
    let mut leaves: Vec<LeafModel> = (1..=5).map(leaf).collect();
    leaves[2].certificate.key.bits = 1024;
    leaves[3].certificate.days_left = 9;
    leaves[3].owner.clear();
    SubjectModels {
        at: Some(day(at)),
        leaves,
        cas: vec![ca()],
        endpoints: (1..=4).map(endpoint).collect(),
        ..SubjectModels::default()
    }
}

/// The card of `models` with `scans` complete scans 30 days apart.
fn card(models: &SubjectModels, scans: i64, claims: Option<&Claims>) -> ScoreCard {
    let history = ScanHistory {
        scans: (0..scans)
            .map(|i| ScanPoint {
                id: ScanId(i + 1),
                at: day(30 * i),
            })
            .collect(),
        ..ScanHistory::default()
    };
    let exclusions = Exclusions {
        certificates: [format!("{:064x}", 5)].into(),
        ..Exclusions::default()
    };
    let input = MetricInput {
        models,
        history: &history,
        exclusions: &exclusions,
        window_days: 90,
    };
    let facts = [FindingFact {
        rule: "nist.rsa-key-below-2048".into(),
        severity: Severity::High,
        categories: vec!["G.cryptography".to_string()].into(),
        active: true,
        count: 1,
    }];
    let profile = ladder::load(&Default::default()).expect("built-in profile");
    let depth = HistoryDepth {
        days: 30 * (scans - 1),
        scans: scans as u64,
    };
    score(&metrics::compute(&input), &facts, &profile, depth, claims)
}

fn finding(rule: &str, severity: Severity, label: &str, message: &str) -> TrackedFinding {
    TrackedFinding {
        finding: Finding {
            rule: rule.into(),
            title: format!("title of {rule}").into(),
            severity,
            subject: SubjectKind::Leaf,
            subject_key: label.into(),
            label: label.into(),
            certificate: None,
            endpoints: vec!["127.0.0.3:443".into()].into(),
            message: message.into(),
            categories: vec!["G.cryptography".into()].into(),
        },
        status: FindingStatus::Open,
        first_seen: day(30),
        open_since: day(30),
        fixed_at: None,
        days_to_fix: None,
        last_observed: None,
        withdrawn_by: Vec::new(),
        exception: None,
    }
}

pub(crate) fn findings() -> Vec<TrackedFinding> {
    let mut excepted = finding(
        "ietf.san-missing",
        Severity::Critical,
        "host2.example.test",
        "no SAN",
    );
    excepted.exception = Some(AppliedException {
        what: "certificate:2".into(),
        owner: Some("ops".into()),
        reason: "legacy appliance".into(),
        review: Some(day(200).date()),
        lapsed: false,
    });
    let mut fixed = finding("info.rule", Severity::Info, "host1.example.test", "gone");
    (fixed.status, fixed.days_to_fix) = (FindingStatus::Fixed, Some(30));
    vec![
        fixed,
        excepted,
        finding(
            "nist.rsa-key-below-2048",
            Severity::High,
            "host3.example.test",
            "RSA key of 1024 bits",
        ),
    ]
}

/// The fixture's leaves, endpoints and findings: what `report.json`
/// lists, and the tables of `report.html` are folded from.
pub(crate) struct Lists {
    pub leaves: Vec<LeafModel>,
    pub endpoints: Vec<EndpointModel>,
    pub findings: Vec<TrackedFinding>,
}

/// The fixture's lists.
pub(crate) fn lists() -> Lists {
    let models = models(60);
    Lists {
        leaves: models.leaves,
        endpoints: models.endpoints,
        findings: findings(),
    }
}

/// The fixture report, its tables folded from [`lists`].
pub(crate) fn report() -> AuditReport {
    report_with(&lists())
}

/// The fixture report: scan 3 on day 60, previous scan 2, trend of 3,
/// its tables folded from `lists`.
pub(crate) fn report_with(lists: &Lists) -> AuditReport {
    let current = card(&models(60), 3, Some(&claims()));
    let mut earlier = models(30);
    earlier.leaves[1].certificate.key.bits = 1024;
    let previous = card(&earlier, 2, None);
    let first = card(&models(0), 1, None);
    let models = models(60);
    AuditReport {
        schema: REPORT_SCHEMA,
        generated_at: day(60) + Duration::hours(1),
        tool_version: "0.1.0".into(),
        scan: scan(),
        previous: Some(PreviousScore {
            scan: ScanId(2),
            at: day(30),
            card: previous.clone(),
        }),
        trend: vec![
            TrendPoint::of(ScanId(1), day(0), &first),
            TrendPoint::of(ScanId(2), day(30), &previous),
            TrendPoint::of(ScanId(3), day(60), &current),
        ],
        cas: models.cas,
        digests: ReportDigests {
            rules: "a".repeat(64),
            ladders: "b".repeat(64),
            config: None,
        },
        tables: ReportTables::of(&lists.leaves, &lists.endpoints, &lists.findings),
        score: current,
    }
}

/// A self-assessment: strategy at 3 (unmeasured), cryptography at 5
/// (contradicted by the weak key).
fn claims() -> Claims {
    Claims {
        requirements: Default::default(),
        source: PathBuf::from("self.toml"),
        levels: [
            ("G.strategy-and-vision".to_string(), 3),
            ("G.cryptography".to_string(), 5),
        ]
        .into(),
    }
}

/// Scan 3, complete, on day 60.
fn scan() -> ScanRecord {
    ScanRecord {
        id: ScanId(3),
        started_at: day(60),
        finished_at: Some(day(60) + Duration::minutes(2)),
        status: ScanStatus::Complete,
        targets: vec!["127.0.0.0/29:443".into(), "host1.example.test".into()],
        options: serde_json::json!({}),
        tool_version: "0.1.0".into(),
        pid: 42,
        host: "auditor".into(),
        summary: None,
        observations: 4,
    }
}
