//! The legacy capture client against the fake legacy server on 127.0.0.1, with
//! rcgen-generated chains (leaf + intermediate).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use tokio::net::{TcpListener, TcpStream};

use super::{Delivery, LegacyServer};
use crate::probe::legacy::{
    accepts, capture, suite_name, LegacyCapture, LegacyError, LegacyHello, LegacyVersion,
    SuiteOffer,
};

/// Upper bound on one exchange in these tests, so a bug cannot hang the suite.
const EXCHANGE_BOUND: Duration = Duration::from_secs(20);
/// TLS_RSA_WITH_AES_128_CBC_SHA: in every version from SSLv3 up.
const RSA_AES_CBC: u16 = 0x002f;

/// Leaf and intermediate, signed by a root that is not sent.
fn test_chain() -> Vec<Vec<u8>> {
    let ca_params = |name: &str| {
        let mut params = CertificateParams::new(Vec::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params
    };
    let key = || KeyPair::generate().expect("key");
    let root = CertifiedIssuer::self_signed(ca_params("Legacy Test Root"), key()).expect("root");
    let intermediate =
        CertifiedIssuer::signed_by(ca_params("Legacy Test Intermediate"), key(), &root)
            .expect("intermediate");
    let leaf_params = CertificateParams::new(vec!["legacy.test".into()]).expect("params");
    let leaf = leaf_params.signed_by(&key(), &intermediate).expect("leaf");
    vec![leaf.der().to_vec(), intermediate.der().to_vec()]
}

/// Starts `server` on 127.0.0.1:0, serving every connection; returns its address.
async fn start(server: LegacyServer) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let server = Arc::new(server);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let server = Arc::clone(&server);
            tokio::spawn(async move { server.serve_connection(stream).await });
        }
    });
    address
}

fn server(versions: std::ops::RangeInclusive<LegacyVersion>, delivery: Delivery) -> LegacyServer {
    LegacyServer {
        versions,
        suite: RSA_AES_CBC,
        chain: test_chain(),
        delivery,
    }
}

fn hello(version: LegacyVersion, suites: SuiteOffer) -> LegacyHello {
    LegacyHello {
        version,
        sni: Some("legacy.test".into()),
        suites,
    }
}

/// Connects to `address` and captures with `hello`.
async fn capture_at(
    address: SocketAddr,
    hello: &LegacyHello,
) -> Result<LegacyCapture, LegacyError> {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    tokio::time::timeout(EXCHANGE_BOUND, capture(&mut stream, hello))
        .await
        .expect("the exchange ends")
}

/// Connects to `address` and asks whether it accepts `version`.
async fn accepts_at(address: SocketAddr, version: LegacyVersion) -> bool {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    let answer = tokio::time::timeout(EXCHANGE_BOUND, accepts(&mut stream, version, None));
    answer.await.expect("the exchange ends").expect("an answer")
}

#[tokio::test]
async fn tls10_and_tls11_servers_deliver_the_exact_chain_in_every_layout() {
    let deliveries = [
        Delivery::OneRecord,
        Delivery::RecordPerMessage,
        Delivery::CertificateFragmented(1),
        Delivery::CertificateFragmented(100),
        Delivery::ByteByByte,
    ];
    for version in [LegacyVersion::Tls10, LegacyVersion::Tls11] {
        for delivery in deliveries {
            let server = server(version..=version, delivery);
            let chain = server.chain.clone();
            let address = start(server).await;
            let offer = hello(LegacyVersion::Tls12, SuiteOffer::Broad);
            let captured = capture_at(address, &offer).await.expect("capture");
            let context = format!("{version} {delivery:?}");
            assert_eq!(captured.version, version, "{context}");
            assert_eq!(captured.cipher_suite_id, RSA_AES_CBC, "{context}");
            assert_eq!(
                Some(captured.cipher_suite.as_str()),
                suite_name(RSA_AES_CBC)
            );
            assert_eq!(captured.chain, chain, "{context}");
        }
    }
}

#[tokio::test]
async fn sslv3_and_tls12_servers_are_captured_too() {
    for version in [LegacyVersion::Ssl3, LegacyVersion::Tls12] {
        let server = server(version..=version, Delivery::RecordPerMessage);
        let chain = server.chain.clone();
        let address = start(server).await;
        for offered in [version, LegacyVersion::Tls12] {
            let captured = capture_at(address, &hello(offered, SuiteOffer::RsaOnly)).await;
            let captured = captured.expect("capture");
            assert_eq!((captured.version, captured.chain), (version, chain.clone()));
        }
    }
}

#[tokio::test]
async fn accepts_tells_which_versions_a_server_speaks() {
    let tls10_only = start(server(
        LegacyVersion::Tls10..=LegacyVersion::Tls10,
        Delivery::OneRecord,
    ))
    .await;
    assert!(!accepts_at(tls10_only, LegacyVersion::Tls12).await);
    assert!(accepts_at(tls10_only, LegacyVersion::Tls10).await);
    assert!(!accepts_at(tls10_only, LegacyVersion::Ssl3).await);
    let tls12_only = start(server(
        LegacyVersion::Tls12..=LegacyVersion::Tls12,
        Delivery::OneRecord,
    ))
    .await;
    assert!(!accepts_at(tls12_only, LegacyVersion::Tls11).await);
    assert!(accepts_at(tls12_only, LegacyVersion::Tls12).await);
}

#[tokio::test]
async fn refusals_arrive_as_named_alerts() {
    let tls12_only = start(server(
        LegacyVersion::Tls12..=LegacyVersion::Tls12,
        Delivery::OneRecord,
    ))
    .await;
    let old_client = capture_at(tls12_only, &hello(LegacyVersion::Tls10, SuiteOffer::Broad)).await;
    match old_client {
        Err(LegacyError::Alert { description }) => assert_eq!(description, "protocol_version"),
        other => panic!("expected protocol_version, got {other:?}"),
    }
    let mut ecdsa_server = server(
        LegacyVersion::Tls10..=LegacyVersion::Tls12,
        Delivery::OneRecord,
    );
    ecdsa_server.suite = 0xc02b; // ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, never offered RSA-only
    let ecdsa_server = start(ecdsa_server).await;
    let rsa_only = capture_at(
        ecdsa_server,
        &hello(LegacyVersion::Tls12, SuiteOffer::RsaOnly),
    )
    .await;
    match rsa_only {
        Err(LegacyError::Alert { description }) => assert_eq!(description, "handshake_failure"),
        other => panic!("expected handshake_failure, got {other:?}"),
    }
}

#[tokio::test]
async fn a_dripping_server_is_ended_by_the_callers_timeout() {
    let drip = Delivery::DripAfterServerHello(Duration::from_secs(1));
    let address = start(server(LegacyVersion::Tls10..=LegacyVersion::Tls10, drip)).await;
    let mut stream = TcpStream::connect(address).await.expect("connect");
    let offer = hello(LegacyVersion::Tls12, SuiteOffer::Broad);
    let outcome =
        tokio::time::timeout(Duration::from_millis(300), capture(&mut stream, &offer)).await;
    assert!(outcome.is_err(), "expected Elapsed, got {outcome:?}");
}
