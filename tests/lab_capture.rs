//! Every lab case, probed through the library: the chain captured is exactly
//! the chain sent, and the strict verdict names the deliberate defect.

mod common;

use std::time::Duration;

use certatlas::observation::{NameCheck, Observation, Outcome};

async fn probe_case(name: &str) -> Vec<(Observation, Vec<Vec<u8>>)> {
    let lab = common::lab().await;
    let prober = common::prober(&lab, Duration::from_secs(5));
    let case = lab
        .case(name)
        .unwrap_or_else(|| panic!("lab has case {name}"))
        .clone();
    let mut seen = Vec::new();
    for (sni, expected) in case.server_names.iter().zip(&case.expected_chains) {
        let mut observations = prober.probe(&common::endpoint(&case, sni.clone())).await;
        assert_eq!(
            observations.len(),
            1,
            "one observation per probe by default"
        );
        seen.push((observations.remove(0), expected.clone()));
    }
    lab.shutdown().await;
    seen
}

/// Probes a case with one server name and checks the chain is the one sent.
async fn single(name: &str) -> Observation {
    let mut seen = probe_case(name).await;
    assert_eq!(seen.len(), 1, "{name} has one server name");
    let (observation, expected) = seen.remove(0);
    assert_eq!(
        observation.outcome,
        Outcome::Tls,
        "{name}: {:?}",
        observation.outcome
    );
    assert_eq!(observation.chain_der, expected, "{name}: chain as sent");
    observation
}

fn problems(observation: &Observation) -> Vec<String> {
    observation
        .verdict
        .as_ref()
        .expect("a verdict")
        .problems
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[tokio::test]
async fn good_rsa_is_trusted_through_the_approved_root() {
    let obs = single("good-rsa").await;
    let verdict = obs.verdict.clone().unwrap();
    assert!(verdict.trusted, "{verdict:?}");
    assert_eq!(verdict.anchor.as_deref(), Some("lab approved root"));
    let tls = obs.tls.unwrap();
    assert_eq!(tls.version.as_deref(), Some("TLSv1.3"));
    assert_eq!(tls.key_exchange_group.as_deref(), Some("X25519MLKEM768"));
    assert!(tls.handshake_complete);
}

#[tokio::test]
async fn ecdsa_ed25519_and_rsa_1024_leaves_are_captured() {
    for name in ["good-ecdsa", "ed25519", "rsa-1024"] {
        let obs = single(name).await;
        assert!(obs.tls.unwrap().handshake_complete, "{name}");
    }
}

#[tokio::test]
async fn expired_and_wrong_host_are_named() {
    assert_eq!(problems(&single("expired").await), vec!["expired"]);
    assert_eq!(problems(&single("wrong-host").await), vec!["name_mismatch"]);
    assert!(problems(&single("expiring-soon").await).is_empty());
}

/// The wrong-host server probed by its address alone (an IP sweep sends no
/// SNI): no name was sent, so none is checked and no `name_mismatch` is
/// reported; the same server probed with its name still reports it.
#[tokio::test]
async fn a_probe_without_a_name_checks_no_name_and_a_named_one_still_does() {
    let lab = common::lab().await;
    let prober = common::prober(&lab, Duration::from_secs(5));
    let case = lab.case("wrong-host").expect("lab case").clone();
    let unnamed = prober.probe(&common::endpoint(&case, None)).await;
    let named_sni = case.server_names[0].clone();
    assert!(named_sni.is_some(), "the case is reached by a name");
    let named = prober.probe(&common::endpoint(&case, named_sni)).await;
    lab.shutdown().await;

    let verdict = unnamed[0].verdict.clone().expect("a verdict");
    assert_eq!(verdict.name_check, NameCheck::NoName, "{verdict:?}");
    assert!(verdict.problems.is_empty(), "{verdict:?}");
    assert!(verdict.trusted, "the chain itself builds: {verdict:?}");
    let json = serde_json::to_value(&verdict).unwrap();
    assert_eq!(json["name_check"], "no_name", "{json}");

    let verdict = named[0].verdict.clone().expect("a verdict");
    assert_eq!(verdict.name_check, NameCheck::Checked);
    assert_eq!(verdict.problems, vec!["name_mismatch"]);
    assert!(!verdict.trusted);
}

#[tokio::test]
async fn sha1_signature_is_not_trusted() {
    let obs = single("sha1-signed").await;
    assert_eq!(problems(&obs), vec!["unsupported_signature_algorithm"]);
}

#[tokio::test]
async fn chain_shape_defects_are_captured_as_sent() {
    let missing = single("missing-intermediate").await;
    assert_eq!(missing.chain_der.len(), 1);
    assert_eq!(problems(&missing), vec!["unknown_issuer"]);
    let with_root = single("root-included").await;
    assert_eq!(with_root.chain_der.len(), 3);
    assert!(with_root.verdict.unwrap().trusted);
}

#[tokio::test]
async fn self_signed_and_shadow_leaves_are_unknown_issuers() {
    assert_eq!(
        problems(&single("self-signed").await),
        vec!["unknown_issuer"]
    );
    assert_eq!(problems(&single("shadow-ca").await), vec!["unknown_issuer"]);
}

#[tokio::test]
async fn client_certificate_demand_still_yields_the_chain() {
    let obs = single("client-cert-required").await;
    assert!(obs.tls.unwrap().client_auth_requested);
}

#[tokio::test]
async fn tls12_only_server_reports_tls12() {
    let obs = single("tls12-only").await;
    let tls = obs.tls.unwrap();
    assert_eq!(tls.version.as_deref(), Some("TLSv1.2"));
    assert!(tls.cipher_suite.unwrap().starts_with("TLS_ECDHE_"));
}

#[tokio::test]
async fn each_sni_name_gets_its_own_certificate() {
    let seen = probe_case("sni-routing").await;
    assert_eq!(seen.len(), 3);
    for (obs, expected) in &seen {
        assert_eq!(obs.outcome, Outcome::Tls);
        assert_eq!(&obs.chain_der, expected, "sni {:?}", obs.sni);
    }
    let leaves: std::collections::HashSet<_> =
        seen.iter().map(|(o, _)| o.chain_der[0].clone()).collect();
    assert_eq!(leaves.len(), 3, "three distinct leaves");
}

#[tokio::test]
async fn plain_tcp_service_is_not_tls_with_its_first_bytes() {
    let seen = probe_case("not-tls").await;
    let (obs, _) = &seen[0];
    match &obs.outcome {
        Outcome::NotTls { first_bytes } => {
            assert!(first_bytes.starts_with("32323020"), "{first_bytes}")
        }
        other => panic!("expected not_tls, got {other:?}"),
    }
    assert!(obs.chain_der.is_empty());
}
