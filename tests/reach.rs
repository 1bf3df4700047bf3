//! Reach: legacy-only servers, STARTTLS services, dual certificates, SNI
//! discovery, accepted versions, and deadlines that hold whatever the peer
//! sends. Every server is real and listens on 127.0.0.0/8.

mod common;

use std::sync::Arc;
use std::time::Duration;

use certatlas::demo::legacy_server::{Delivery, LegacyServer};
use certatlas::demo::starttls_server::serve_plaintext_phase;
use certatlas::observation::{
    CaptureMethod, Observation, Outcome, Phase, SniSource, VersionSupport,
};
use certatlas::probe::legacy::LegacyVersion;
use certatlas::probe::{Dialect, Endpoint};
use certatlas::scan::{NameExtractor, Work};
use certatlas::targets::{Host, Target};
use tokio::net::TcpListener;

/// Probes one lab case's first server name with default settings.
async fn probe_case(
    name: &str,
    adjust: impl FnOnce(&mut certatlas::probe::ProbeSettings),
) -> (Vec<Observation>, certatlas::demo::LabCase) {
    let lab = common::lab().await;
    let prober = common::prober_with(&lab, Duration::from_secs(5), adjust);
    let case = lab.case(name).unwrap().clone();
    let observations = prober
        .probe(&common::endpoint(&case, case.server_names[0].clone()))
        .await;
    lab.shutdown().await;
    (observations, case)
}

/// Serves `server` on 127.0.0.1:0 until the test ends; returns the endpoint.
async fn spawn_legacy(server: LegacyServer) -> Endpoint {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = Arc::new(server);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let server = server.clone();
            tokio::spawn(async move { server.serve_connection(stream).await });
        }
    });
    Endpoint {
        host: address.ip().to_string(),
        address: address.ip(),
        port: address.port(),
        sni: Some("legacy.lab.certatlas.test".into()),
        sni_source: SniSource::Target,
        starttls: None,
    }
}

#[tokio::test]
async fn tls10_only_server_is_captured_by_the_legacy_hello() {
    let (observations, case) = probe_case("legacy-tls10", |_| {}).await;
    let obs = &observations[0];
    assert_eq!(obs.outcome, Outcome::Tls);
    assert_eq!(obs.chain_der, case.expected_chains[0]);
    let tls = obs.tls.as_ref().unwrap();
    assert_eq!(tls.version.as_deref(), Some("TLSv1.0"));
    assert_eq!(tls.capture, CaptureMethod::LegacyHello);
    assert_eq!(
        tls.cipher_suite.as_deref(),
        Some("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA")
    );
}

#[tokio::test]
async fn without_legacy_fallback_the_old_server_is_a_handshake_failure() {
    let (observations, _) = probe_case("legacy-tls10", |s| s.legacy_fallback = false).await;
    assert!(
        matches!(observations[0].outcome, Outcome::HandshakeFailed { .. }),
        "{:?}",
        observations[0].outcome
    );
    assert!(observations[0].chain_der.is_empty());
}

#[tokio::test]
async fn tls11_only_server_yields_its_chain_split_across_records() {
    let lab = common::lab().await;
    let chain = lab.case("good-ecdsa").unwrap().expected_chains[0].clone();
    let prober = common::prober(&lab, Duration::from_secs(5));
    lab.shutdown().await;
    let endpoint = spawn_legacy(LegacyServer {
        versions: LegacyVersion::Tls11..=LegacyVersion::Tls11,
        suite: 0x002f, // TLS_RSA_WITH_AES_128_CBC_SHA
        chain: chain.clone(),
        delivery: Delivery::CertificateFragmented(97),
    })
    .await;
    let observations = prober.probe(&endpoint).await;
    assert_eq!(observations[0].chain_der, chain);
    let tls = observations[0].tls.as_ref().unwrap();
    assert_eq!(tls.version.as_deref(), Some("TLSv1.1"));
    assert_eq!(
        tls.cipher_suite.as_deref(),
        Some("TLS_RSA_WITH_AES_128_CBC_SHA")
    );
}

#[tokio::test]
async fn starttls_services_yield_their_chains() {
    for (name, dialect) in [
        ("starttls-smtp", Dialect::Smtp),
        ("starttls-ldap", Dialect::Ldap),
        ("starttls-postgres", Dialect::Postgres),
    ] {
        let (observations, case) = probe_case(name, |_| {}).await;
        assert_eq!(case.starttls, Some(dialect));
        let obs = &observations[0];
        assert_eq!(obs.outcome, Outcome::Tls, "{name}");
        assert_eq!(obs.chain_der, case.expected_chains[0], "{name}");
        assert_eq!(obs.starttls.as_deref(), Some(dialect.name()));
    }
}

#[tokio::test]
async fn refused_starttls_has_its_own_status() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let _ = serve_plaintext_phase(Dialect::Smtp, &mut stream, true).await;
    });
    let lab = common::lab().await;
    let prober = common::prober(&lab, Duration::from_secs(5));
    lab.shutdown().await;
    let endpoint = Endpoint {
        host: address.ip().to_string(),
        address: address.ip(),
        port: address.port(),
        sni: None,
        sni_source: SniSource::None,
        starttls: Some(Dialect::Smtp),
    };
    let observations = prober.probe(&endpoint).await;
    assert!(
        matches!(&observations[0].outcome, Outcome::StarttlsRefused { reply } if !reply.is_empty()),
        "{:?}",
        observations[0].outcome
    );
}

#[tokio::test]
async fn all_certs_reveals_both_certificates_of_a_dual_server() {
    let (observations, case) = probe_case("dual-cert", |s| s.all_certs = true).await;
    assert_eq!(observations.len(), 2);
    assert_eq!(observations[0].chain_der, case.expected_chains[0]);
    assert_eq!(observations[0].signature_offer, None);
    assert_eq!(
        Some(&observations[1].chain_der),
        case.alternate_chain.as_ref()
    );
    assert_eq!(observations[1].signature_offer.as_deref(), Some("rsa"));
    let (single, _) = probe_case("good-rsa", |s| s.all_certs = true).await;
    assert_eq!(
        single.len(),
        1,
        "a one-certificate server yields one observation"
    );
}

fn accepted(obs: &Observation) -> Vec<String> {
    let versions = obs.versions.as_ref().expect("versions probed");
    versions
        .iter()
        .filter(|(_, s)| **s == VersionSupport::Accepted)
        .map(|(v, _)| v.clone())
        .collect()
}

#[tokio::test]
async fn versions_are_reported_for_tls12_only_and_tls10_only_servers() {
    let (tls12, _) = probe_case("tls12-only", |s| s.versions = true).await;
    assert_eq!(accepted(&tls12[0]), vec!["TLSv1.2"]);
    let map = tls12[0].versions.as_ref().unwrap();
    assert_eq!(map.get("TLSv1.3"), Some(&VersionSupport::Rejected));
    assert_eq!(map.get("TLSv1.0"), Some(&VersionSupport::Rejected));
    let (tls10, _) = probe_case("legacy-tls10", |s| s.versions = true).await;
    assert_eq!(accepted(&tls10[0]), vec!["TLSv1.0"]);
    let (modern, _) = probe_case("good-ecdsa", |s| s.versions = true).await;
    assert_eq!(accepted(&modern[0]), vec!["TLSv1.2", "TLSv1.3"]);
}

#[tokio::test]
async fn sni_discovery_follows_names_in_the_default_certificate() {
    let lab = common::lab().await;
    let prober = common::prober(&lab, Duration::from_secs(5));
    let case = lab.case("sni-routing").unwrap().clone();
    let target = Target {
        host: Host::Ip(case.address.ip()),
        port: case.address.port(),
        sni: None,
        sni_source: SniSource::None,
    };
    let mut work = Work::list(vec![(target, None)]);
    let extractor: NameExtractor = Arc::new(|der: &[u8]| {
        let view = certatlas::certs::parse_certificate(der).unwrap();
        view.dns_names().map(str::to_string).collect()
    });
    work.discover = Some((extractor, Vec::new()));
    let (seen, complete) = common::run_engine(work, prober).await;
    assert!(complete);
    lab.shutdown().await;
    for (sni, expected) in case.server_names.iter().zip(&case.expected_chains) {
        let obs = seen
            .iter()
            .find(|o| &o.sni == sni)
            .unwrap_or_else(|| panic!("{sni:?} probed: {seen:?}"));
        assert_eq!(&obs.chain_der, expected, "{sni:?}");
        let source = if sni.is_some() {
            SniSource::Discovered
        } else {
            SniSource::None
        };
        assert_eq!(obs.sni_source, source);
    }
}

#[tokio::test]
async fn a_dripping_server_costs_one_deadline() {
    let lab = common::lab().await;
    let chain = lab.case("good-ecdsa").unwrap().expected_chains[0].clone();
    let prober = common::prober(&lab, Duration::from_millis(500));
    lab.shutdown().await;
    for versions in [
        LegacyVersion::Tls12..=LegacyVersion::Tls12,
        LegacyVersion::Tls10..=LegacyVersion::Tls10,
    ] {
        let endpoint = spawn_legacy(LegacyServer {
            versions: versions.clone(),
            suite: 0xc02b, // ECDHE_ECDSA_AES_128_GCM_SHA256, offered by rustls and the legacy hello
            chain: chain.clone(),
            delivery: Delivery::DripAfterServerHello(Duration::from_secs(1)),
        })
        .await;
        // The flight is over a thousand bytes at one byte a second: only the
        // probe deadline can end this probe.
        let observations = prober.probe(&endpoint).await;
        assert_eq!(observations.len(), 1);
        assert!(observations[0].chain_der.is_empty(), "{versions:?}");
        if *versions.start() == LegacyVersion::Tls12 {
            assert_eq!(
                observations[0].outcome,
                Outcome::Timeout {
                    phase: Phase::Handshake
                }
            );
        }
    }
}

#[tokio::test]
async fn versions_probing_names_the_weak_suite_classes_a_server_accepts() {
    let lab = common::lab().await;
    let chain = lab.case("good-rsa").unwrap().expected_chains[0].clone();
    let prober = common::prober_with(&lab, Duration::from_secs(5), |s| s.versions = true);
    lab.shutdown().await;
    for (suite, accepted) in [
        (0x000a, Some("3des")), // TLS_RSA_WITH_3DES_EDE_CBC_SHA
        (0x0005, Some("rc4")),  // TLS_RSA_WITH_RC4_128_SHA
        (0x002f, None),         // TLS_RSA_WITH_AES_128_CBC_SHA: nothing weak
    ] {
        let endpoint = spawn_legacy(LegacyServer {
            versions: LegacyVersion::Tls10..=LegacyVersion::Tls12,
            suite,
            chain: chain.clone(),
            delivery: Delivery::RecordPerMessage,
        })
        .await;
        let observations = prober.probe(&endpoint).await;
        let weak = observations[0]
            .weak_suites
            .as_ref()
            .expect("probed with --versions");
        assert_eq!(weak.len(), 6, "every class is probed: {weak:?}");
        for (class, support) in weak {
            let expected = if Some(class.as_str()) == accepted {
                VersionSupport::Accepted
            } else {
                VersionSupport::Rejected
            };
            assert_eq!(*support, expected, "suite {suite:#06x}, class {class}");
        }
    }
}
