//! The scan engine against real loopback listeners: timeouts cost one
//! deadline, exclusions are never contacted, hostnames resolve and carry
//! their name as SNI, duplicates are probed once.

mod common;

use std::collections::HashMap;
use std::net::{IpAddr, TcpListener};
use std::time::Duration;

use certatlas::observation::{Observation, Outcome, Phase};
use certatlas::scan::{StartTlsMode, Work};
use certatlas::targets::{self, ScopeBuilder};

async fn scan_scope(
    specs: &[&str],
    ports: Vec<u16>,
    exclude: &[&str],
    timeout: Duration,
) -> Vec<Observation> {
    let lab = common::lab().await;
    let prober = common::prober(&lab, timeout);
    let scope = ScopeBuilder::new()
        .targets(
            specs
                .iter()
                .map(|s| targets::parse_spec(s).unwrap())
                .collect(),
        )
        .ports(ports)
        .exclude(
            exclude
                .iter()
                .map(|s| targets::parse_spec(s).unwrap())
                .collect(),
        )
        .build();
    let work = Work::from_scope(scope, StartTlsMode::Off);
    let (seen, complete) = common::run_engine(work, prober).await;
    assert!(complete);
    lab.shutdown().await;
    seen
}

/// A listener that accepts at the kernel level but never speaks.
fn silent_listener(ip: &str) -> TcpListener {
    let listener = TcpListener::bind((ip, 0)).unwrap();
    listener.set_nonblocking(true).unwrap();
    listener
}

/// True if anyone connected to `listener` (the kernel queued the connection).
fn was_contacted(listener: &TcpListener) -> bool {
    listener.accept().is_ok()
}

#[tokio::test]
async fn silent_listener_costs_one_handshake_deadline() {
    let listener = silent_listener("127.0.0.1");
    let port = listener.local_addr().unwrap().port();
    let seen = scan_scope(&["127.0.0.1"], vec![port], &[], Duration::from_millis(300)).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(
        seen[0].outcome,
        Outcome::Timeout {
            phase: Phase::Handshake
        }
    );
    assert!(was_contacted(&listener));
}

#[tokio::test]
async fn closed_port_is_reported_closed() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let seen = scan_scope(&["127.0.0.1"], vec![port], &[], Duration::from_secs(2)).await;
    assert_eq!(seen[0].outcome, Outcome::Closed);
}

#[tokio::test]
async fn excluded_addresses_are_never_contacted() {
    let kept = silent_listener("127.0.9.1");
    let port = kept.local_addr().unwrap().port();
    let excluded = TcpListener::bind(("127.0.9.2", port)).unwrap();
    excluded.set_nonblocking(true).unwrap();
    let seen = scan_scope(
        &["127.0.9.0/30"],
        vec![port],
        &["127.0.9.2"],
        Duration::from_millis(200),
    )
    .await;
    let addresses: Vec<IpAddr> = seen.iter().filter_map(|o| o.address).collect();
    assert_eq!(addresses.len(), 3, "/30 minus one exclusion: {addresses:?}");
    assert!(!addresses.contains(&"127.0.9.2".parse().unwrap()));
    assert!(was_contacted(&kept));
    assert!(!was_contacted(&excluded));
}

#[tokio::test]
async fn duplicate_targets_are_probed_once() {
    let listener = silent_listener("127.0.9.9");
    let port = listener.local_addr().unwrap().port();
    let spec_with_port = format!("127.0.9.9:{port}");
    let seen = scan_scope(
        &["127.0.9.8/31", "127.0.9.9", &spec_with_port],
        vec![port],
        &[],
        Duration::from_millis(200),
    )
    .await;
    let mut per_address: HashMap<IpAddr, usize> = HashMap::new();
    for obs in &seen {
        *per_address.entry(obs.address.unwrap()).or_default() += 1;
    }
    assert_eq!(per_address.get(&"127.0.9.9".parse().unwrap()), Some(&1));
    assert_eq!(seen.len(), 2);
}

#[tokio::test]
async fn hostnames_resolve_and_send_their_name_as_sni() {
    // localhost resolves through /etc/hosts, so no resolver is contacted.
    let listener = silent_listener("127.0.0.1");
    let port = listener.local_addr().unwrap().port();
    let target = format!("localhost:{port}");
    let seen = scan_scope(&[&target], vec![443], &[], Duration::from_millis(300)).await;
    let v4: Vec<&Observation> = seen
        .iter()
        .filter(|o| o.address == Some("127.0.0.1".parse().unwrap()))
        .collect();
    assert_eq!(v4.len(), 1, "{seen:?}");
    assert_eq!(
        v4[0].outcome,
        Outcome::Timeout {
            phase: Phase::Handshake
        }
    );
    for obs in &seen {
        assert_eq!(obs.host, "localhost");
        assert_eq!(obs.sni.as_deref(), Some("localhost"));
        assert_eq!(obs.port, port);
    }
    assert!(was_contacted(&listener));
}

#[tokio::test]
async fn ipv6_cidr_targets_are_probed() {
    let Ok(listener) = TcpListener::bind("[::1]:0") else {
        eprintln!("SKIPPED ipv6_cidr_targets_are_probed: no IPv6 loopback on this machine");
        return;
    };
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = scan_scope(
        &["::1/128", "[::1]"],
        vec![port],
        &[],
        Duration::from_millis(300),
    )
    .await;
    assert_eq!(
        seen.len(),
        1,
        "duplicate v6 forms are probed once: {seen:?}"
    );
    assert_eq!(seen[0].address, Some("::1".parse().unwrap()));
    assert_eq!(
        seen[0].outcome,
        Outcome::Timeout {
            phase: Phase::Handshake
        }
    );
    assert!(was_contacted(&listener));
}
