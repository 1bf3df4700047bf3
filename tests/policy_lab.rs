//! The built-in rules against the demo lab on a fixed clock: every
//! deliberate defect produces its finding and the clean cases none; and the
//! rule fixtures in `fixtures/rules/` are what the lab produces today
//! (`CERTATLAS_WRITE_FIXTURES=1 cargo test --release --test policy_lab`
//! regenerates them).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use certatlas::inventory::ca::TrustContext;
use certatlas::inventory::owners::OwnerRules;
use certatlas::policy::model::{self, Judgement, SubjectModels};
use certatlas::policy::{builtin, RuleSet};
use certatlas::store::{ScanId, Store};
use serde_json::{json, Value};

const CLOCK: &str = "2026-06-01T12:00:00Z";
const DOMAIN: &str = ".lab.certatlas.test";

/// Runs the demo into a fresh database; returns the directory and the path.
fn demo_database() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let demo = common::demo::demo_database(dir.path(), CLOCK);
    (dir, demo.db)
}

/// The lab case a finding or model is about, from its name.
fn case_of(label: &str) -> String {
    let name = label
        .rsplit('(')
        .next()
        .unwrap_or(label)
        .trim_end_matches(')');
    name.split(DOMAIN)
        .next()
        .unwrap_or(name)
        .rsplit(' ')
        .next()
        .unwrap_or(name)
        .to_string()
}

#[test]
fn every_deliberate_defect_of_the_lab_has_its_finding_and_clean_cases_have_none() {
    let (_dir, db) = demo_database();
    let store = Store::open(&db).expect("store");
    // endpoints are (address, port): the case is the name listed on them
    let case_at: std::collections::BTreeMap<String, String> = store
        .endpoint_leaves(ScanId(1))
        .expect("endpoint leaves")
        .iter()
        .filter_map(|l| {
            let place = format!("{}:{}", l.endpoint.address, l.endpoint.port);
            Some((place, case_of(&l.names.first()?.name)))
        })
        .collect();
    let found: BTreeSet<(String, String)> = store
        .findings(ScanId(1))
        .expect("findings of scan 1")
        .into_iter()
        .map(|f| {
            let label = f.finding.detail["label"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let endpoints = f.finding.detail["endpoints"].to_string();
            let place = f.finding.detail["endpoints"][0]
                .as_str()
                .unwrap_or_default();
            let case = if label.contains(DOMAIN) {
                case_of(&label)
            } else if let Some(case) = case_at.get(place) {
                case.clone()
            } else {
                case_of(&endpoints)
            };
            (case, f.finding.rule_id)
        })
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("expired", "rfc5280.expired"),
        ("expiring-soon", "inventory.expiring-within-30-days"),
        ("rsa-1024", "nist.rsa-key-below-2048"),
        ("sha1-signed", "nist.sha1-signed-leaf"),
        ("wrong-host", "ietf.host-name-mismatch"),
        ("missing-intermediate", "ietf.chain-incomplete"),
        ("root-included", "ietf.chain-root-included"),
        ("self-signed", "inventory.self-signed-leaf"),
        ("self-signed", "inventory.owner-unassigned"),
        ("shadow-ca", "inventory.shadow-ca-issued"),
        ("shadow-ca", "inventory.owner-unassigned"),
        ("shadow-ca", "ietf.chain-root-included"),
        ("tls12-only", "nist.no-tls13"),
        ("legacy-tls10", "ietf.tls10-tls11-accepted"),
        ("legacy-tls10", "nist.no-tls13"),
    ]
    .into_iter()
    .map(|(case, rule)| (case.to_string(), rule.to_string()))
    .collect();
    let missing: Vec<_> = expected.difference(&found).collect();
    let unexpected: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "missing {missing:?}\nunexpected {unexpected:?}"
    );
    let second: Vec<String> = store
        .findings(ScanId(2))
        .expect("scan 2")
        .into_iter()
        .map(|f| f.finding.rule_id)
        .collect();
    assert!(
        !second.contains(&"inventory.expiring-within-30-days".to_string()),
        "renewed between the scans"
    );
}

/// The models of the demo's first scan, judged as the demo judges them.
fn lab_models(store: &Store) -> SubjectModels {
    let certificates = store.certificates_in_scan(ScanId(1)).expect("certificates");
    let root = certificates
        .iter()
        .find(|c| {
            c.view
                .as_ref()
                .is_some_and(|v| v.subject.dn.contains("certatlas Lab Approved Root"))
        })
        .expect("the approved root is served by root-included");
    let trust = TrustContext::new(vec![root.der.clone()], Vec::new(), true);
    let mut owners = OwnerRules::new();
    owners
        .push(certatlas::demo::lab_owner_rule())
        .expect("owner rule");
    let scan = store.scan(ScanId(1)).expect("scan").expect("scan 1");
    let judgement = Judgement {
        trust: &trust,
        owners: &owners,
        approved_anchors: 1,
        distrust: &certatlas::policy::distrust::DistrustList::builtin().expect("distrust data"),
    };
    model::from_store(store, &scan, &judgement).expect("models")
}

/// `(name, about, subject, model)` of every built-in fixture.
fn fixtures(models: &SubjectModels) -> Vec<(String, String, &'static str, Value)> {
    let mut out = Vec::new();
    let leaf_cases = [
        "good-rsa",
        "good-ecdsa",
        "ed25519",
        "rsa-1024",
        "sha1-signed",
        "expired",
        "expiring-soon",
        "wrong-host",
        "self-signed",
        "shadow-ca",
        "missing-intermediate",
        "root-included",
    ];
    for case in leaf_cases {
        let leaf = models.leaves.iter().find(|l| {
            let name = format!("{case}{DOMAIN}");
            l.endpoints.iter().any(|e| e.names.contains(&name))
        });
        let leaf = leaf.unwrap_or_else(|| panic!("leaf of {case}"));
        out.push((
            format!("leaf-{case}"),
            format!("the leaf served by the lab case {case}"),
            "leaf",
            json!(leaf),
        ));
    }
    for case in ["good-rsa", "missing-intermediate", "root-included"] {
        let chain = models
            .chains
            .iter()
            .find(|c| c.leaf.cn == format!("{case}{DOMAIN}"))
            .expect("chain");
        out.push((
            format!("chain-{case}"),
            format!("the chain sent by the lab case {case}"),
            "chain",
            json!(chain),
        ));
    }
    for case in ["good-rsa", "tls12-only", "legacy-tls10"] {
        let endpoint = models
            .endpoints
            .iter()
            .find(|e| e.names.contains(&format!("{case}{DOMAIN}")))
            .expect("endpoint");
        out.push((
            format!("endpoint-{case}"),
            format!("the endpoint of the lab case {case}, probed with --versions"),
            "endpoint",
            json!(endpoint),
        ));
    }
    for (name, cn) in [
        ("ca-issuing", "certatlas Lab Issuing CA"),
        ("ca-root", "certatlas Lab Approved Root"),
        ("ca-shadow-root", "Shadow Private Root"),
    ] {
        let ca = models
            .cas
            .iter()
            .find(|c| c.certificate.subject.cn == cn)
            .expect("ca");
        out.push((
            name.to_string(),
            format!("the lab CA {cn}"),
            "ca",
            json!(ca),
        ));
    }
    out.push((
        "inventory-lab".into(),
        "the demo lab's first scan as a whole".into(),
        "inventory",
        json!(models.inventory),
    ));
    out
}

/// The object keys of a JSON value, recursively (the model's shape).
fn shape(value: &Value, path: String, keys: &mut BTreeSet<String>) {
    match value {
        Value::Object(fields) => fields.iter().for_each(|(k, v)| {
            keys.insert(format!("{path}.{k}"));
            shape(v, format!("{path}.{k}"), keys);
        }),
        Value::Array(items) => items
            .iter()
            .for_each(|v| shape(v, format!("{path}[]"), keys)),
        _ => {}
    }
}

/// Which built-in rules fire on a fixture's model.
fn firing(rules: &RuleSet, subject: &str, model: &Value) -> BTreeMap<String, bool> {
    let bindings = certatlas::policy::expr::Bindings::default();
    let bound = bindings.bind_json(subject, model, CLOCK);
    rules
        .rules()
        .iter()
        .filter(|r| r.subject.name() == subject)
        .map(|r| (r.id.clone(), bound.condition(&r.condition).unwrap_or(false)))
        .collect()
}

#[test]
fn rule_fixtures_are_what_the_lab_produces() {
    let (_dir, db) = demo_database();
    let store = Store::open(&db).expect("store");
    let models = lab_models(&store);
    let rules = RuleSet::builtin().expect("built-in rules");
    let write = std::env::var_os("CERTATLAS_WRITE_FIXTURES").is_some();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
    let generated = fixtures(&models);
    for (name, about, subject, model) in &generated {
        let about =
            format!("{about}; generated by tests/policy_lab.rs from the demo lab at {CLOCK}");
        let document = json!({"about": about, "subject": subject, "evaluated_at": models.at.map(model::rfc3339), "model": model});
        if write {
            let text = serde_json::to_string_pretty(&document).expect("json") + "\n";
            std::fs::write(dir.join(format!("{name}.json")), text).expect("write fixture");
            continue;
        }
        let checked_in: Value = serde_json::from_str(
            builtin::fixture(name).unwrap_or_else(|| panic!("fixture {name} is registered")),
        )
        .expect("fixture parses");
        let (mut old, mut new) = (BTreeSet::new(), BTreeSet::new());
        shape(&checked_in["model"], String::new(), &mut old);
        shape(model, String::new(), &mut new);
        assert_eq!(
            old, new,
            "{name}: the model's fields changed; regenerate the fixtures"
        );
        assert_eq!(
            firing(&rules, subject, &checked_in["model"]),
            firing(&rules, subject, model),
            "{name}: the rules that fire on the lab changed; regenerate the fixtures"
        );
    }
    let names: BTreeSet<&str> = generated.iter().map(|(n, ..)| n.as_str()).collect();
    let registered: BTreeSet<&str> = builtin::FIXTURE_FILES.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names, registered,
        "every generated fixture is registered, and only those"
    );
}
