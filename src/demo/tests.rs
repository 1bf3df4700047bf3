//! Tests of the lab as a running service: the case table, every case serving exactly the
//! chain it advertises, the non-TLS banner, and shutdown really stopping every server.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use rustls::ProtocolVersion;
use time::macros::datetime;
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::cases::NOT_TLS_BANNER;
use super::test_probe::probe;
use super::{CaseKind, Lab, LabCase};

pub(super) const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

const REQUIRED_CASES: [&str; 22] = [
    "good-rsa",
    "good-ecdsa",
    "ed25519",
    "rsa-1024",
    "sha1-signed",
    "expired",
    "expiring-soon",
    "wrong-host",
    "missing-intermediate",
    "root-included",
    "client-cert-required",
    "sni-routing",
    "self-signed",
    "shadow-ca",
    "tls12-only",
    "dual-cert",
    "legacy-tls10",
    "starttls-smtp",
    "starttls-ldap",
    "starttls-postgres",
    "hostile-subject",
    "not-tls",
];

pub(super) async fn start_lab() -> Lab {
    Lab::start(NOW).await.expect("lab starts")
}

pub(super) fn case<'a>(lab: &'a Lab, name: &str) -> &'a LabCase {
    lab.case(name)
        .unwrap_or_else(|| panic!("lab has no case {name}"))
}

#[tokio::test]
async fn case_table_has_every_case_on_its_own_address() {
    let lab = start_lab().await;
    let names: Vec<&str> = lab.cases().iter().map(|case| case.name).collect();
    assert_eq!(names, REQUIRED_CASES);
    let ips: HashSet<IpAddr> = lab.cases().iter().map(|case| case.address.ip()).collect();
    assert_eq!(
        ips.len(),
        lab.cases().len(),
        "one loopback address per case"
    );
    assert_eq!(
        lab.cases()[0].address.ip(),
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))
    );
    for case in lab.cases() {
        assert_ne!(case.address.port(), 0, "{}", case.name);
        assert_eq!(
            case.server_names.len(),
            case.expected_chains.len(),
            "{}",
            case.name
        );
        assert!(!case.description.is_empty());
        let tls_chain_count = case
            .expected_chains
            .iter()
            .filter(|c| !c.is_empty())
            .count();
        let expected = if case.kind == CaseKind::NotTls {
            0
        } else {
            case.server_names.len()
        };
        assert_eq!(tls_chain_count, expected, "{}", case.name);
    }
    let sni = case(&lab, "sni-routing");
    let sni_names: Vec<Option<&str>> = sni.server_names.iter().map(Option::as_deref).collect();
    assert_eq!(
        sni_names,
        [
            None,
            Some("alpha.lab.certatlas.test"),
            Some("beta.lab.certatlas.test")
        ]
    );
    let good = case(&lab, "good-rsa");
    assert_eq!(
        good.server_names,
        [Some("good-rsa.lab.certatlas.test".to_string())]
    );
    assert_eq!(
        case(&lab, "client-cert-required").kind,
        CaseKind::ClientCertRequired
    );
    lab.shutdown().await;
}

#[tokio::test]
async fn every_tls_case_sends_exactly_its_expected_chain() {
    let lab = start_lab().await;
    let mut problems = Vec::new();
    for case in lab
        .cases()
        .iter()
        .filter(|case| matches!(case.kind, CaseKind::Tls | CaseKind::ClientCertRequired))
    {
        for (server_name, expected) in case.server_names.iter().zip(&case.expected_chains) {
            let report = probe(case.address, server_name.as_deref()).await;
            let label = format!("{} {:?}", case.name, server_name);
            if report.chain.as_ref() != Some(expected) {
                problems.push(format!("{label}: chain differs"));
            }
            if report.signatures_verified != [true] {
                problems.push(format!(
                    "{label}: signatures {:?}",
                    report.signatures_verified
                ));
            }
            let wanted_version = match case.name {
                "tls12-only" => ProtocolVersion::TLSv1_2,
                _ => ProtocolVersion::TLSv1_3,
            };
            match (case.kind, &report.session) {
                (CaseKind::Tls, Ok(())) if report.version == Some(wanted_version) => {}
                (CaseKind::ClientCertRequired, Err(_)) => {}
                _ => problems.push(format!(
                    "{label}: {:?} {:?}",
                    report.version, report.session
                )),
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    lab.shutdown().await;
}

#[tokio::test]
async fn not_tls_case_sends_its_banner_and_fails_tls() {
    let lab = start_lab().await;
    let not_tls = case(&lab, "not-tls");
    assert_eq!(not_tls.expected_chains, [Vec::<Vec<u8>>::new()]);
    let mut stream = TcpStream::connect(not_tls.address).await.expect("connect");
    let mut banner = vec![0u8; NOT_TLS_BANNER.len()];
    stream.read_exact(&mut banner).await.expect("banner");
    assert_eq!(banner, b"220 lab.certatlas.test ESMTP not-tls\r\n");
    stream
        .write_all(b"EHLO scanner\r\n")
        .await
        .expect("server reads input");
    drop(stream);
    let report = probe(not_tls.address, Some("not-tls.lab.certatlas.test")).await;
    assert!(report.chain.is_none());
    assert!(report.session.is_err());
    lab.shutdown().await;
}

#[tokio::test]
async fn shutdown_ends_open_connections_and_stops_listening() {
    let lab = start_lab().await;
    let not_tls = case(&lab, "not-tls").address;
    let tls = case(&lab, "good-ecdsa").address;
    let mut banner_client = TcpStream::connect(not_tls).await.expect("connect");
    let mut banner = vec![0u8; NOT_TLS_BANNER.len()];
    banner_client.read_exact(&mut banner).await.expect("banner");
    let _silent_tls_client = TcpStream::connect(tls).await.expect("connect");
    // Both connections are idle; shutdown must not wait for their 10 s timeout.
    tokio::time::timeout(Duration::from_secs(5), lab.shutdown())
        .await
        .expect("shutdown finishes promptly");
    let mut rest = Vec::new();
    let read = banner_client.read_to_end(&mut rest).await;
    assert!(
        matches!(read, Ok(0)) || read.is_err(),
        "server side closed: {read:?}"
    );
    assert!(
        TcpStream::connect(not_tls).await.is_err(),
        "listener closed"
    );
    assert!(TcpStream::connect(tls).await.is_err(), "listener closed");
}
