use super::*;
use crate::policy::model::{ChainLeaf, ChainModel, EndpointModel, LeafModel};
use crate::policy::Severity;

fn finding(rule: &str, subject: SubjectKind, key: &str, endpoints: &[&str]) -> Finding {
    Finding {
        rule: rule.into(),
        title: "".into(),
        severity: Severity::High,
        subject,
        subject_key: key.into(),
        label: "".into(),
        certificate: None,
        endpoints: endpoints
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .into(),
        message: String::new(),
        categories: Vec::new().into(),
    }
}

fn endpoint(served_at: &str, versions_probed: bool) -> EndpointModel {
    EndpointModel {
        served_at: served_at.into(),
        versions_probed,
        tls13: "unknown".into(),
        ..EndpointModel::default()
    }
}

fn leaf(sha256: &str) -> LeafModel {
    let mut leaf = LeafModel::default();
    leaf.certificate.sha256 = sha256.into();
    leaf
}

fn models() -> SubjectModels {
    SubjectModels {
        leaves: vec![leaf("aa")],
        endpoints: vec![
            endpoint("127.0.0.1:1", false),
            endpoint("127.0.0.1:2", true),
        ],
        ..SubjectModels::default()
    }
}

#[test]
fn a_subject_in_the_scan_is_observed_and_one_elsewhere_is_not() {
    let (models, rules) = (models(), RuleSet::builtin().unwrap());
    let seen = Observation::new(&models, &rules);
    let owner = "inventory.owner-unassigned";
    assert!(seen.observes(&finding(owner, SubjectKind::Leaf, "aa", &[])));
    assert!(!seen.observes(&finding(owner, SubjectKind::Leaf, "bb", &["127.0.0.1:9"])));
    let ca = "rfc5280.ca-expired";
    assert!(!seen.observes(&finding(ca, SubjectKind::Ca, "cc", &[])));
    let incomplete = "inventory.incomplete-scan";
    assert!(seen.observes(&finding(
        incomplete,
        SubjectKind::Inventory,
        "inventory",
        &[]
    )));
}

#[test]
fn a_leaf_gone_from_an_endpoint_that_sent_a_certificate_was_replaced() {
    let (models, rules) = (models(), RuleSet::builtin().unwrap());
    let seen = Observation::new(&models, &rules);
    let gone = finding("rfc5280.expired", SubjectKind::Leaf, "bb", &["127.0.0.1:1"]);
    assert!(seen.observes(&gone));
    let chain = finding(
        "ietf.chain-incomplete",
        SubjectKind::Chain,
        "ch",
        &["127.0.0.1:2"],
    );
    assert!(seen.observes(&chain));
}

#[test]
fn a_rule_on_a_field_the_scan_did_not_measure_does_not_observe() {
    let (models, rules) = (models(), RuleSet::builtin().unwrap());
    let seen = Observation::new(&models, &rules);
    let legacy = "ietf.tls10-tls11-accepted";
    let unprobed = finding(legacy, SubjectKind::Endpoint, "127.0.0.1:1", &[]);
    let probed = finding(legacy, SubjectKind::Endpoint, "127.0.0.1:2", &[]);
    assert!(!seen.observes(&unprobed), "no --versions on :1");
    assert!(seen.observes(&probed));
    let tls13 = finding("nist.no-tls13", SubjectKind::Endpoint, "127.0.0.1:2", &[]);
    assert!(!seen.observes(&tls13), "TLS 1.3 support unknown");
    let static_rsa = "ietf.static-rsa-key-exchange";
    assert!(seen.observes(&finding(
        static_rsa,
        SubjectKind::Endpoint,
        "127.0.0.1:1",
        &[]
    )));
}

#[test]
fn every_builtin_rule_on_a_version_dependent_field_declares_observed_when() {
    let dependent = ["accepted_versions", "weak_suites", "tls13", "groups."];
    for (rule, text) in crate::policy::builtin::rules().unwrap() {
        let condition = text
            .lines()
            .find(|l| l.starts_with("condition"))
            .unwrap_or_default();
        if dependent.iter().any(|field| condition.contains(field)) {
            assert!(
                rule.observed_when.is_some(),
                "{} reads a field only some probe options measure",
                rule.id
            );
        }
    }
}

#[test]
fn a_leaf_gone_from_a_named_place_is_replaced_only_where_that_name_was_tried_again() {
    let mut models = models();
    models.endpoints[0].names = vec!["alpha.example".into()];
    let rules = RuleSet::builtin().unwrap();
    let seen = Observation::new(&models, &rules);
    let owner = "inventory.owner-unassigned";
    let gone = |place: &str| finding(owner, SubjectKind::Leaf, "bb", &[place]);
    assert!(
        seen.observes(&gone("127.0.0.1:1")),
        "the endpoint was reached"
    );
    assert!(
        seen.observes(&gone("127.0.0.1:1 (alpha.example)")),
        "the name was tried there again"
    );
    assert!(
        !seen.observes(&gone("127.0.0.1:1 (beta.example)")),
        "a name not tried this time proves nothing"
    );
    assert!(!seen.observes(&gone("127.0.0.1:7 (alpha.example)")));
}

#[test]
fn a_rule_on_groups_with_observed_when_is_unobserved_in_a_scan_without_groups() {
    let dir = tempfile::tempdir().unwrap();
    let rule = r#"
id = "local.no-hybrid-group"
title = "No hybrid post-quantum group accepted"
severity = "low"
subject = "endpoint"
condition = "size(endpoint.groups.hybrid_pq) == 0"
observed_when = "endpoint.groups.probed"
message = "accepts {endpoint.groups.accepted} only; at {endpoint.served_at}"
rationale = "A hybrid ML-KEM group protects today's sessions from later quantum decryption."
remediation = "Enable X25519MLKEM768."
references = ["draft-ietf-tls-ecdhe-mlkem"]
categories = ["G.cryptography"]

[[examples]]
fixture = "endpoint-good-rsa"
set = { "endpoint.groups.probed" = true, "endpoint.groups.accepted" = ["X25519"] }
expect = "finding"

[[examples]]
fixture = "endpoint-good-rsa"
set = { "endpoint.groups.hybrid_pq" = ["X25519MLKEM768"] }
expect = "pass"
"#;
    std::fs::write(dir.path().join("no-hybrid-group.toml"), rule).unwrap();
    let rules = RuleSet::from_dir(dir.path()).unwrap();
    let mut models = models();
    models.endpoints[1].groups.probed = true;
    models.endpoints[1].groups.hybrid_pq = vec!["X25519MLKEM768".into()];
    let seen = Observation::new(&models, &rules);
    let id = "local.no-hybrid-group";
    let unprobed = finding(id, SubjectKind::Endpoint, "127.0.0.1:1", &[]);
    let probed = finding(id, SubjectKind::Endpoint, "127.0.0.1:2", &[]);
    assert!(!seen.observes(&unprobed), "no --groups on :1: not fixed");
    assert!(
        seen.observes(&probed),
        "--groups on :2: the absence is evidence"
    );
}

#[test]
fn a_revoked_finding_is_observed_only_by_a_scan_that_checked_revocation() {
    let rules = RuleSet::builtin().unwrap();
    let revoked = finding(
        "rfc5280.revoked-certificate-served",
        SubjectKind::Leaf,
        "aa",
        &[],
    );
    let unchecked = models();
    assert!(!Observation::new(&unchecked, &rules).observes(&revoked));
    let mut checked = models();
    checked.leaves[0].revocation.checked = true;
    checked.leaves[0].revocation.status = "good".into();
    assert!(Observation::new(&checked, &rules).observes(&revoked));
}

/// A one-certificate chain of leaf `aa` at `127.0.0.1:1`, missing its
/// intermediate, recorded as sent or (`as_sent` false) reported alone by
/// a peer.
fn lone_chain(as_sent: bool) -> ChainModel {
    ChainModel {
        leaf: ChainLeaf {
            sha256: "aa".into(),
            cn: "a.test".into(),
        },
        certificates: vec!["aa".into()],
        length: 1,
        as_sent,
        incomplete: true,
        served_at: vec!["127.0.0.1:1".into()],
        ..ChainModel::default()
    }
}

#[test]
fn a_chain_a_peer_reported_as_the_leaf_alone_is_neither_judged_nor_observed() {
    let rules = RuleSet::builtin().unwrap();
    let incomplete = "ietf.chain-incomplete";
    let fired = |models: &SubjectModels| {
        let evaluation = crate::policy::evaluate::evaluate(&rules, models);
        let hits = evaluation
            .findings
            .iter()
            .filter(|f| &*f.rule == incomplete);
        hits.count()
    };
    let mut sent = models();
    sent.chains = vec![lone_chain(true)];
    assert_eq!(fired(&sent), 1, "a chain as sent is judged");
    let mut reported = models();
    reported.chains = vec![lone_chain(false)];
    assert_eq!(fired(&reported), 0, "no finding on an unknown chain");

    let key = crate::policy::Subject::key(&lone_chain(true));
    let earlier = finding(incomplete, SubjectKind::Chain, &key, &["127.0.0.1:1"]);
    assert!(Observation::new(&sent, &rules).observes(&earlier));
    assert!(
        !Observation::new(&reported, &rules).observes(&earlier),
        "its earlier finding stays unobserved, not fixed"
    );
    // gone from the scan, its endpoint's chain reported as the leaf alone:
    // not replaced there
    let mut elsewhere = models();
    elsewhere.endpoints[0].chain_leaf_only = true;
    assert!(!Observation::new(&elsewhere, &rules).observes(&earlier));
    elsewhere.endpoints[0].chain_leaf_only = false;
    assert!(Observation::new(&elsewhere, &rules).observes(&earlier));
}

#[test]
fn a_leaf_served_nowhere_does_not_observe_its_host_name_mismatch() {
    let rules = RuleSet::builtin().unwrap();
    let mismatch = "ietf.host-name-mismatch";
    let earlier = finding(mismatch, SubjectKind::Leaf, "aa", &["127.0.0.1:1"]);
    let mut at_rest = models();
    at_rest.leaves[0].stored_at = vec!["file:/srv/a.pem".into()];
    assert!(
        !Observation::new(&at_rest, &rules).observes(&earlier),
        "a file has no requested name to match"
    );
    let mut served = models();
    served.leaves[0].endpoints = vec![crate::policy::model::EndpointRef {
        address: "127.0.0.1".into(),
        port: 1,
        ..Default::default()
    }];
    assert!(Observation::new(&served, &rules).observes(&earlier));
}

#[test]
fn the_sight_folded_from_an_evaluation_is_the_sight_made_by_binding_each_leaf() {
    // leaves on which different observed_when conditions hold or not:
    // revocation checked or not, served or only at rest
    let rules = RuleSet::builtin().unwrap();
    let at = time::macros::datetime!(2026-06-08 12:00 UTC);
    let mut leaves = vec![leaf("aa"), leaf("bb"), leaf("cc")];
    leaves[0].revocation.checked = true;
    leaves[0].revocation.status = "good".into();
    leaves[1].stored_at = vec!["file:/srv/b.pem".into()];
    leaves[2].endpoints = vec![crate::policy::model::EndpointRef {
        address: "127.0.0.1".into(),
        port: 1,
        ..Default::default()
    }];
    let mut bound = SubjectSight::default();
    bound.add(&leaves, &rules, at);
    let evaluation = crate::policy::evaluate::evaluate_leaves(&rules, &leaves, at);
    assert!(
        !evaluation.unobserved.is_empty(),
        "some leaf rule did not observe some leaf"
    );
    let mut folded = SubjectSight::default();
    folded.fold(&leaves, evaluation.unobserved);
    assert_eq!(folded, bound);
}

#[test]
fn the_scan_sight_folded_chunk_by_chunk_is_the_sight_made_by_binding_every_model() {
    // chains as sent and reported alone, endpoints probed with --versions
    // or not, with names served and not served and a leaf-only chain:
    // folded one model at a time from their evaluations, and at once by
    // binding each model
    use crate::policy::evaluate::evaluate_chunk;
    use crate::policy::model::{EndpointChunk, ModelChunk};
    let rules = RuleSet::builtin().unwrap();
    let at = time::macros::datetime!(2026-06-08 12:00 UTC);
    let mut models = models();
    models.at = Some(at);
    let mut other = lone_chain(false);
    other.certificates = vec!["bb".into()];
    models.chains = vec![lone_chain(true), other];
    models.endpoints[0].names = vec!["b.test".into(), "a.test".into()];
    models.endpoints[1].not_served = vec!["a.test".into()];
    models.endpoints[1].chain_leaf_only = true;
    let bound = ScanSight::of(&models, &rules);
    let mut folded = ScanSight::new(&rules);
    let chunks = (models.leaves.iter().cloned()).map(|l| ModelChunk::Leaves(vec![l]));
    let chains = (models.chains.iter().cloned()).map(|c| ModelChunk::Chains(vec![c]));
    let endpoints = models.endpoints.iter().map(|e| {
        ModelChunk::Endpoints(EndpointChunk {
            models: vec![e.clone()],
            leaf_post_quantum: vec![false],
        })
    });
    let mut unobserved = 0;
    for chunk in endpoints.chain(chunks).chain(chains) {
        let found = evaluate_chunk(&rules, &chunk, at).unobserved;
        unobserved += found.len();
        folded.fold(&chunk, found);
    }
    assert!(
        unobserved > 1,
        "some chain and endpoint rules observed nothing"
    );
    folded.seal();
    assert_eq!(folded, bound);
    // and the sight answers as the models do
    let folded = Observation::with_sight(&models, &rules, folded);
    let whole = Observation::new(&models, &rules);
    let earlier = [
        finding(
            "ietf.tls10-tls11-accepted",
            SubjectKind::Endpoint,
            "127.0.0.1:1",
            &[],
        ),
        finding(
            "ietf.tls10-tls11-accepted",
            SubjectKind::Endpoint,
            "127.0.0.1:2",
            &[],
        ),
        finding(
            "ietf.tls10-tls11-accepted",
            SubjectKind::Endpoint,
            "127.0.0.9:2",
            &[],
        ),
        finding(
            "ietf.chain-incomplete",
            SubjectKind::Chain,
            "gone",
            &["127.0.0.1:1 (a.test)"],
        ),
        finding(
            "ietf.chain-incomplete",
            SubjectKind::Chain,
            "gone",
            &["127.0.0.1:1 (c.test)"],
        ),
        finding(
            "ietf.chain-incomplete",
            SubjectKind::Chain,
            "gone",
            &["127.0.0.1:2 (a.test)"],
        ),
        finding(
            "ietf.chain-incomplete",
            SubjectKind::Leaf,
            "gone",
            &["127.0.0.1:2 (a.test)"],
        ),
    ];
    let answers = |o: &Observation<'_>| earlier.iter().map(|f| o.observes(f)).collect::<Vec<_>>();
    assert_eq!(
        answers(&folded),
        vec![false, true, false, true, false, false, true]
    );
    assert_eq!(answers(&folded), answers(&whole));
}
