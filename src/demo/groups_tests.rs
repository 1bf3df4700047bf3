//! `--groups` against lab rustls servers that each accept only some
//! key-exchange groups: the probe must report exactly the groups the server
//! was configured with as accepted and every other one as refused.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rustls::crypto::aws_lc_rs::{self, kx_group};
use rustls::crypto::{CryptoProvider, SupportedKxGroup};
use rustls::version::{TLS12, TLS13};
use rustls::SupportedProtocolVersion;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::legacy_server::{Delivery, LegacyServer};
use super::pki::{self, LeafRequest, Validity};
use super::server::{serve, Service};
use crate::observation::{CaptureMethod, Observation, SniSource, VersionSupport};
use crate::probe::legacy::LegacyVersion;
use crate::probe::{Endpoint, ProbeSettings, Prober, TrustStore};
use crate::tls::hybrid::SECP384R1MLKEM1024;
use crate::tls::server::{self as tls_config, ClientAuth};

/// The name the test servers' certificate is for.
const NAME: &str = "groups.lab.test";

/// A rustls server on 127.0.0.1 accepting only `groups` (in `versions`);
/// probed with `--groups`, it returns the main observation.
async fn probe_server(
    groups: &[&'static dyn SupportedKxGroup],
    versions: &[&'static SupportedProtocolVersion],
    settings: impl FnOnce(&mut ProbeSettings),
) -> Observation {
    let mut provider: CryptoProvider = aws_lc_rs::default_provider();
    provider.kx_groups = groups.to_vec();
    let provider = Arc::new(provider);
    let (leaf, key) = leaf();
    let signing = pki::LeafKey::Modern(key).to_rustls(&provider).unwrap();
    let certified = tls_config::certified_key(vec![leaf], signing).unwrap();
    let resolver = tls_config::single_certificate(certified);
    let config =
        tls_config::server_config(&provider, versions, ClientAuth::NotRequired, resolver).unwrap();
    probe_service(Service::Tls(config), settings).await
}

/// A self-signed leaf for [`NAME`] and its key.
fn leaf() -> (rustls::pki_types::CertificateDer<'static>, rcgen::KeyPair) {
    let key = pki::p256_key_pair().unwrap();
    let request = LeafRequest {
        dns_name: NAME,
        validity: Validity::standard_leaf(time::OffsetDateTime::now_utc()),
        other_names: &[],
        subject_cn: None,
    };
    (pki::self_signed_leaf(request, &key).unwrap(), key)
}

/// Serves `service` on 127.0.0.1 and probes it with `--groups`; returns
/// the main observation.
async fn probe_service(service: Service, settings: impl FnOnce(&mut ProbeSettings)) -> Observation {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let cancel = CancellationToken::new();
    let server = tokio::spawn(serve(listener, service, cancel.clone()));
    let mut probe_settings = ProbeSettings {
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(10),
        groups: true,
        ..ProbeSettings::default()
    };
    settings(&mut probe_settings);
    let prober = Prober::new(TrustStore::empty(), probe_settings);
    let endpoint = Endpoint {
        host: address.ip().to_string(),
        address: address.ip(),
        port: address.port(),
        sni: Some(NAME.into()),
        sni_source: SniSource::Target,
        starttls: None,
    };
    let mut observations = prober.probe(&endpoint).await;
    cancel.cancel();
    server.await.unwrap();
    observations.remove(0)
}

/// The names with `support` in the observation's `groups` map.
fn with(observation: &Observation, support: VersionSupport) -> Vec<&str> {
    let groups: &BTreeMap<String, VersionSupport> =
        observation.groups.as_ref().expect("groups probed");
    let names = groups.iter().filter(|(_, s)| **s == support);
    names.map(|(name, _)| name.as_str()).collect()
}

const ALL_SIX: [&str; 6] = [
    "SecP256r1MLKEM768",
    "SecP384r1MLKEM1024",
    "X25519",
    "X25519MLKEM768",
    "secp256r1",
    "secp384r1",
];

#[tokio::test]
async fn a_server_with_x25519mlkem768_only_accepts_that_group_alone() {
    let versions: &[&SupportedProtocolVersion] = &[&TLS13];
    let observation = probe_server(&[kx_group::X25519MLKEM768], versions, |_| {}).await;
    assert!(observation.has_chain(), "{:?}", observation.outcome);
    assert_eq!(
        with(&observation, VersionSupport::Accepted),
        ["X25519MLKEM768"]
    );
    let mut rejected = with(&observation, VersionSupport::Rejected);
    rejected.push("X25519MLKEM768");
    rejected.sort_unstable();
    assert_eq!(rejected, ALL_SIX, "every other group is refused");
}

#[tokio::test]
async fn a_server_with_classical_groups_only_accepts_no_hybrid() {
    let versions: &[&SupportedProtocolVersion] = &[&TLS13, &TLS12];
    let groups = [kx_group::X25519, kx_group::SECP256R1, kx_group::SECP384R1];
    let observation = probe_server(&groups, versions, |_| {}).await;
    assert_eq!(
        with(&observation, VersionSupport::Accepted),
        ["X25519", "secp256r1", "secp384r1"]
    );
    assert_eq!(
        with(&observation, VersionSupport::Rejected),
        ["SecP256r1MLKEM768", "SecP384r1MLKEM1024", "X25519MLKEM768"]
    );
}

#[tokio::test]
async fn a_tls12_server_is_probed_for_its_curves_and_refuses_the_hybrids() {
    let versions: &[&SupportedProtocolVersion] = &[&TLS12];
    let observation = probe_server(&[kx_group::SECP384R1], versions, |_| {}).await;
    assert_eq!(with(&observation, VersionSupport::Accepted), ["secp384r1"]);
    assert_eq!(with(&observation, VersionSupport::Rejected).len(), 5);
}

#[tokio::test]
async fn the_hybrid_rustls_lacks_is_offered_and_recognised() {
    let versions: &[&SupportedProtocolVersion] = &[&TLS13];
    let groups = [SECP384R1MLKEM1024, kx_group::SECP256R1MLKEM768];
    let observation = probe_server(&groups, versions, |_| {}).await;
    assert_eq!(
        with(&observation, VersionSupport::Accepted),
        ["SecP256r1MLKEM768", "SecP384r1MLKEM1024"]
    );
}

#[tokio::test]
async fn without_the_option_nothing_is_recorded() {
    let versions: &[&SupportedProtocolVersion] = &[&TLS13];
    let observation = probe_server(&[kx_group::X25519], versions, |s| s.groups = false).await;
    assert!(observation.has_chain());
    assert_eq!(observation.groups, None);
}

#[tokio::test]
async fn on_a_server_only_the_legacy_hello_reaches_classical_groups_are_unknown() {
    let server = LegacyServer {
        versions: LegacyVersion::Tls10..=LegacyVersion::Tls10,
        suite: 0xc009, // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA
        chain: vec![leaf().0.to_vec()],
        delivery: Delivery::OneRecord,
    };
    let observation = probe_service(Service::Legacy(Arc::new(server)), |_| {}).await;
    let capture = observation.tls.as_ref().map(|t| t.capture);
    assert_eq!(capture, Some(CaptureMethod::LegacyHello), "{observation:?}");
    assert!(with(&observation, VersionSupport::Accepted).is_empty());
    assert_eq!(
        with(&observation, VersionSupport::Rejected),
        ["SecP256r1MLKEM768", "SecP384r1MLKEM1024", "X25519MLKEM768"],
        "no TLS 1.3: the hybrids are refused"
    );
    assert_eq!(
        with(&observation, VersionSupport::Unknown),
        ["X25519", "secp256r1", "secp384r1"],
        "rustls cannot tell for suites it lacks"
    );
}
