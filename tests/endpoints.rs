//! True endpoints end to end (issue 14, "Endpoints and names"): three
//! loopback TLS servers on one 127.77.14.0/24, the first choosing its
//! certificate by SNI (its own certificate for `alpha.example`). Scanning
//! the /24 with `--sni alpha.example --sni beta.example` (broadcast names)
//! must give exactly the findings (rule + subject) that probing the same
//! servers by their host names (`target` names) gives: no host-name
//! mismatch or name conflict from a name a server does not serve, one
//! endpoint per (address, port), and `alpha.example` on the first server a
//! deployment of its own certificate.

mod common;

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use certatlas::store::{NameStatus, ScanId, Store};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::task::JoinSet;

const CLOCK: &str = "2026-06-01T12:00:00Z";
/// The host names of the three servers; the first also serves `alpha.example`.
const HOSTS: [&str; 3] = ["one.example", "two.example", "three.example"];
const ALPHA: &str = "alpha.example";

fn address(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 77, 14, n))
}

/// A self-signed certificate and key for `name`, as rustls serves it.
fn certified(name: &str) -> Arc<CertifiedKey> {
    let generated = rcgen::generate_simple_self_signed(vec![name.to_string()]).unwrap();
    let key = PrivateKeyDer::Pkcs8(generated.signing_key.serialize_der().into());
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    let signing = provider.key_provider.load_private_key(key).unwrap();
    let chain = vec![CertificateDer::from(generated.cert.der().to_vec())];
    Arc::new(CertifiedKey::new(chain, signing))
}

/// Serves `default`, or `by_name` for the SNI it names.
#[derive(Debug)]
struct BySni {
    default: Arc<CertifiedKey>,
    by_name: Vec<(String, Arc<CertifiedKey>)>,
}

impl ResolvesServerCert for BySni {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let asked = hello.server_name();
        let chosen = self.by_name.iter().find(|(n, _)| Some(n.as_str()) == asked);
        Some(chosen.map_or(&self.default, |(_, key)| key).clone())
    }
}

/// Listeners on 127.77.14.1-3, all on one port below 32768 found by trying
/// (a /24 scan probes one port on every address).
fn bind_same_port() -> (u16, Vec<std::net::TcpListener>) {
    let start = 20_000 + (std::process::id() % 9_000) as u16;
    for port in (start..32_000).chain(20_000..start) {
        let bound: Result<Vec<_>, _> = (1..=3)
            .map(|n| std::net::TcpListener::bind(SocketAddr::new(address(n), port)))
            .collect();
        if let Ok(listeners) = bound {
            return (port, listeners);
        }
    }
    panic!("no port free on 127.77.14.1-3");
}

/// The three servers; they run until the returned set is dropped.
fn start_servers() -> (u16, JoinSet<()>) {
    let (port, listeners) = bind_same_port();
    let mut servers = JoinSet::new();
    for (i, listener) in listeners.into_iter().enumerate() {
        let by_name = match i {
            0 => vec![(ALPHA.to_string(), certified(ALPHA))],
            _ => Vec::new(),
        };
        let resolver = BySni {
            default: certified(HOSTS[i]),
            by_name,
        };
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(resolver));
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        listener.set_nonblocking(true).unwrap();
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        servers.spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                connections.spawn(async move {
                    let _ = acceptor.accept(stream).await;
                });
                while connections.try_join_next().is_some() {}
            }
        });
    }
    (port, servers)
}

/// Runs the binary off the runtime (the servers need it meanwhile).
async fn run(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        common::certatlas(&args)
    })
    .await
    .unwrap()
}

/// `(rule, subject key)` of every finding of the latest scan in `db`.
async fn findings(db: &Path) -> BTreeSet<(String, String)> {
    let db = db.display().to_string();
    let out = run(["findings", "--db", &db, "--format", "json"]
        .map(String::from)
        .to_vec())
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let items = doc["items"].as_array().unwrap();
    items
        .iter()
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap().to_string();
            (text("rule"), text("subject_key"))
        })
        .collect()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Scans each server by its host names: `name@address` pairings on the
/// command line (`target` names, as a host-name target gives them), one
/// complete scan at the fixed clock.
async fn scan_by_host_names(db: &Path, port: u16) {
    let names = [(1, HOSTS[0]), (1, ALPHA), (2, HOSTS[1]), (3, HOSTS[2])];
    let mut args: Vec<String> = ["scan", "-p", &port.to_string()].map(String::from).to_vec();
    args.extend(names_text(&names));
    args.extend(
        [
            "--db",
            db.to_str().unwrap(),
            "--clock",
            CLOCK,
            "--format",
            "jsonl",
            "-q",
        ]
        .map(String::from),
    );
    let out = run(args).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let observations = common::json_lines(&out);
    let captured = observations
        .iter()
        .filter(|o| o["chain_der"].as_array().is_some_and(|c| !c.is_empty()));
    assert_eq!(captured.count(), 4, "each name at its address");
    assert!(
        observations
            .iter()
            .filter(|o| o["status"] == "tls")
            .all(|o| o["sni_source"] == "target"),
        "pairings are target names"
    );
}

fn names_text(names: &[(u8, &str)]) -> Vec<String> {
    names
        .iter()
        .map(|(n, name)| format!("{name}@{}", address(*n)))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn broadcast_names_give_the_findings_of_host_names_and_one_endpoint_per_port() {
    let (port, servers) = start_servers();
    let dir = tempfile::tempdir().unwrap();
    let (broadcast_db, named_db) = (dir.path().join("broadcast.db"), dir.path().join("named.db"));

    let args = [
        "scan",
        "127.77.14.0/24",
        "-p",
        &port.to_string(),
        "--sni",
        "alpha.example",
        "--sni",
        "beta.example",
        "--db",
        broadcast_db.to_str().unwrap(),
        "--clock",
        CLOCK,
        "--format",
        "jsonl",
        "-q",
    ];
    let out = run(args.map(String::from).to_vec()).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let chains = common::json_lines(&out)
        .iter()
        .filter(|o| o["chain_der"].as_array().is_some_and(|c| !c.is_empty()))
        .count();
    assert_eq!(chains, 9, "3 servers x (no SNI + 2 names)");
    scan_by_host_names(&named_db, port).await;
    drop(servers);

    let broadcast = findings(&broadcast_db).await;
    let named = findings(&named_db).await;
    assert!(!broadcast.is_empty());
    for rule in ["ietf.host-name-mismatch", "inventory.name-conflict"] {
        assert!(
            !broadcast.iter().any(|(r, _)| r == rule),
            "{rule}: {broadcast:#?}"
        );
    }
    assert_eq!(broadcast, named, "the same findings, rule and subject");

    // one endpoint per (address, port), alpha.example a deployment on .1
    let store = Store::open(&broadcast_db).unwrap();
    let leaves = store.endpoint_leaves(ScanId(1)).unwrap();
    let keys: Vec<(String, Option<String>)> = leaves
        .iter()
        .map(|l| (l.endpoint.address.clone(), l.endpoint.sni.clone()))
        .collect();
    let expected = [
        ("127.77.14.1", None),
        ("127.77.14.1", Some(ALPHA.to_string())),
        ("127.77.14.2", None),
        ("127.77.14.3", None),
    ]
    .map(|(a, s)| (a.to_string(), s));
    assert_eq!(keys, expected);
    for leaf in leaves.iter().filter(|l| l.endpoint.sni.is_none()) {
        let not_served: Vec<&str> = leaf
            .names
            .iter()
            .filter(|n| n.status == NameStatus::NotServed)
            .map(|n| n.name.as_str())
            .collect();
        match leaf.endpoint.address.as_str() {
            "127.77.14.1" => assert_eq!(not_served, ["beta.example"]),
            _ => assert_eq!(not_served, ["alpha.example", "beta.example"]),
        }
    }
    let endpoint_findings: BTreeSet<&str> = broadcast
        .iter()
        .filter(|(_, key)| key.starts_with("127.77.14."))
        .map(|(_, key)| key.as_str())
        .collect();
    let places: BTreeSet<String> = (1..=3).map(|n| format!("127.77.14.{n}:{port}")).collect();
    assert!(
        endpoint_findings.iter().all(|k| places.contains(*k)),
        "endpoint findings are keyed by address:port: {endpoint_findings:?}"
    );
}
