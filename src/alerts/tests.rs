//! Tests of event derivation on a fixed clock (findings by status and
//! severity, new shadow CAs, leaves entering the expiry window), the JSON
//! body, and enqueueing the same scan twice (one row per webhook and key).

use std::collections::BTreeSet;
use std::path::Path;

use time::{Duration, OffsetDateTime};

use super::*;
use crate::config::{WebhookConfig, WebhookEvent};
use crate::policy::exceptions::AppliedException;
use crate::policy::lifecycle::{FindingStatus, TrackedFinding};
use crate::policy::model::{rfc3339, CaModel, LeafModel};
use crate::policy::{Finding, Severity, SubjectKind};
use crate::store::{ScanId, ScanMeta, Store};

fn now() -> OffsetDateTime {
    time::macros::datetime!(2026-06-01 12:00 UTC)
}

fn config(text: &str) -> crate::config::Config {
    crate::config::parse(text, Path::new("c.toml")).expect("valid config")
}

/// A webhook with the defaults and `extra` keys.
fn webhook(extra: &str) -> WebhookConfig {
    let text = format!("[[alerts.webhook]]\nname = \"w\"\nurl = \"http://127.0.0.1:1/\"\n{extra}");
    config(&text).alerts.webhooks.remove(0)
}

fn tracked(rule: &str, severity: Severity, status: FindingStatus) -> TrackedFinding {
    TrackedFinding {
        finding: Finding {
            rule: rule.into(),
            title: format!("{rule} title").into(),
            severity,
            subject: SubjectKind::Leaf,
            subject_key: "ab".repeat(32).into(),
            label: "www.example.test".into(),
            certificate: Some("ab".repeat(32).into()),
            endpoints: vec!["127.0.0.2:443 (www.example.test)".into()].into(),
            message: format!("{rule} fired"),
            categories: vec!["M.certificate-management".into()].into(),
        },
        status,
        first_seen: now(),
        open_since: now(),
        fixed_at: None,
        days_to_fix: None,
        last_observed: None,
        withdrawn_by: Vec::new(),
        exception: None,
    }
}

fn leaf(sha: &str, not_after: OffsetDateTime) -> LeafModel {
    let mut leaf = LeafModel::default();
    leaf.certificate.sha256 = sha.into();
    leaf.certificate.subject.cn = format!("{sha}.example.test");
    leaf.certificate.not_after = rfc3339(not_after);
    leaf.served_at = vec![format!("127.0.0.9:443 ({sha}.example.test)")];
    leaf
}

fn ca(sha: &str, class: &str) -> CaModel {
    let mut ca = CaModel::default();
    ca.certificate.sha256 = sha.into();
    ca.certificate.subject.dn = format!("CN={sha} Root");
    ca.class = class.into();
    ca.role = "root".into();
    ca
}

fn input<'a>(
    findings: &'a [TrackedFinding],
    leaves: &'a [LeafModel],
    cas: &'a [CaModel],
    previous: &'a BTreeSet<String>,
) -> AlertInput<'a> {
    AlertInput {
        scan: ScanId(7),
        now: now(),
        findings,
        leaves,
        cas,
        previous_shadow_cas: previous,
    }
}

fn keys(events: &[AlertEvent]) -> Vec<&str> {
    events.iter().map(|e| e.key.as_str()).collect()
}

#[test]
fn findings_are_sent_when_new_or_back_and_at_or_above_the_severity() {
    let mut excepted = tracked("excepted", Severity::Critical, FindingStatus::New);
    excepted.exception = Some(AppliedException {
        what: "certificate:ab".into(),
        owner: None,
        reason: "accepted".into(),
        review: None,
        lapsed: false,
    });
    let findings = [
        tracked("below", Severity::Medium, FindingStatus::New),
        tracked("at", Severity::High, FindingStatus::New),
        tracked("above", Severity::Critical, FindingStatus::Reappeared),
        tracked("still-open", Severity::Critical, FindingStatus::Open),
        tracked("fixed", Severity::Critical, FindingStatus::Fixed),
        excepted,
    ];
    let none = BTreeSet::new();
    let events = derive(&input(&findings, &[], &[], &none), &webhook(""));
    let sha = "ab".repeat(32);
    assert_eq!(
        keys(&events),
        [
            format!("finding:at:{sha}:7"),
            format!("finding:above:{sha}:7")
        ]
    );
    assert_eq!(events[1].severity, Some(Severity::Critical));
    assert_eq!(events[1].values["status"], "reappeared");
    let medium = derive(
        &input(&findings, &[], &[], &none),
        &webhook("min_severity = \"medium\""),
    );
    assert_eq!(medium.len(), 3, "{:?}", keys(&medium));
    let expiry_only = webhook("events = [\"expiry\"]");
    assert!(derive(&input(&findings, &[], &[], &none), &expiry_only).is_empty());
}

#[test]
fn only_shadow_cas_the_previous_scan_did_not_have_are_new() {
    let cas = [
        ca("old", "shadow"),
        ca("new", "shadow"),
        ca("corp", "approved"),
    ];
    let previous: BTreeSet<String> = ["old".to_string()].into();
    let events = derive(&input(&[], &[], &cas, &previous), &webhook(""));
    assert_eq!(keys(&events), ["shadow_ca:new"]);
    assert_eq!(events[0].kind, WebhookEvent::ShadowCa);
    assert_eq!(events[0].values["subject_dn"], "CN=new Root");
    let first_scan = derive(&input(&[], &[], &cas, &BTreeSet::new()), &webhook(""));
    assert_eq!(keys(&first_scan), ["shadow_ca:old", "shadow_ca:new"]);
}

#[test]
fn leaves_within_the_window_are_entering_it_expired_ones_included() {
    let leaves = [
        leaf("soon", now() + Duration::days(10)),
        leaf("edge", now() + Duration::days(30)),
        leaf("later", now() + Duration::days(31)),
        leaf("gone", now() - Duration::days(2)),
    ];
    let none = BTreeSet::new();
    let events = derive(&input(&[], &leaves, &[], &none), &webhook(""));
    assert_eq!(
        keys(&events),
        ["expiry:30d:soon", "expiry:30d:edge", "expiry:30d:gone"]
    );
    assert_eq!(events[0].values["days_left"], 10);
    assert_eq!(events[2].values["expired"], true);
    assert_eq!(
        events[2].summary,
        "certificate gone.example.test expired 2 days ago (2026-05-30T12:00:00Z)"
    );
    let narrow = derive(
        &input(&[], &leaves, &[], &none),
        &webhook("expiry_window_days = 7"),
    );
    assert_eq!(keys(&narrow), ["expiry:7d:gone"]);
}

#[test]
fn the_body_carries_the_schema_and_every_documented_field() {
    let findings = [tracked("at", Severity::High, FindingStatus::New)];
    let none = BTreeSet::new();
    let event = derive(&input(&findings, &[], &[], &none), &webhook("")).remove(0);
    let body = body(&event, "w", ScanId(7), now());
    let mut fields: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "endpoints",
            "key",
            "kind",
            "rule",
            "scan",
            "schema",
            "severity",
            "subject",
            "summary",
            "time",
            "values",
            "webhook"
        ]
    );
    assert_eq!(body["schema"], SCHEMA);
    assert_eq!(
        (body["kind"].as_str(), body["severity"].as_str()),
        (Some("finding"), Some("high"))
    );
    assert_eq!(body["time"], "2026-06-01T12:00:00Z");
    assert_eq!(body["rule"]["id"], "at");
    assert_eq!(body["subject"]["kind"], "leaf");
}

#[test]
fn enqueueing_the_same_scan_twice_adds_nothing_the_second_time() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("a.db")).unwrap();
    let meta = ScanMeta {
        started_at: now(),
        targets: vec![],
        options: serde_json::json!({}),
        tool_version: "test".into(),
    };
    let scan = store.begin_scan(&meta).unwrap();
    let text = "[[alerts.webhook]]\nname = \"a\"\nurl = \"http://127.0.0.1:1/\"\n\
                [[alerts.webhook]]\nname = \"b\"\nurl = \"http://127.0.0.1:1/\"\nevents = [\"expiry\"]\n";
    let hooks = Webhooks::prepare_with(&config(text).alerts, Path::new("c.toml"), &|_| None)
        .unwrap()
        .expect("webhooks");
    let findings = [tracked("at", Severity::High, FindingStatus::New)];
    let leaves = [leaf("soon", now() + Duration::days(3))];
    let none = BTreeSet::new();
    let mut alert_input = input(&findings, &leaves, &[], &none);
    alert_input.scan = scan;
    assert_eq!(enqueue(&store, &hooks, &alert_input).unwrap(), 3);
    assert_eq!(enqueue(&store, &hooks, &alert_input).unwrap(), 0);
    let rows = store.alert_outbox().unwrap();
    let pairs: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.webhook.as_str(), r.kind.as_str()))
        .collect();
    assert_eq!(pairs, [("a", "finding"), ("a", "expiry"), ("b", "expiry")]);
}

#[test]
fn a_missing_secret_stops_alerts_naming_the_variable() {
    let text = "[[alerts.webhook]]\nname = \"a\"\nurl = \"https://hooks.example.test/x\"\n\
                auth_env = \"CERTATLAS_TEST_UNSET_TOKEN\"\n";
    let err = Webhooks::prepare_with(&config(text).alerts, Path::new("c.toml"), &|_| None)
        .expect_err("no secret");
    assert_eq!(
        err.to_string(),
        "c.toml:1:1: alerts.webhook \"a\": environment variable CERTATLAS_TEST_UNSET_TOKEN \
         (auth_env) is not set or empty"
    );
    let bad = |_: &str| Some("Bearer a\nb".to_string());
    let err = Webhooks::prepare_with(&config(text).alerts, Path::new("c.toml"), &bad)
        .expect_err("bad value");
    assert!(err.to_string().contains("header Authorization"), "{err}");
    assert!(
        !err.to_string().contains("Bearer"),
        "the secret must not be shown: {err}"
    );
}
