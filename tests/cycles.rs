//! Shard cycles through the binary: four `--shard K/4` scans of a /22 of
//! loopback addresses, with TLS servers on a few of them, make a cycle on
//! the fourth; the cycle scan is judged (findings, a score) and its
//! inventory equals that of one unsharded scan of the same scope in a
//! second database. A shard scan is never judged on its own.
//!
//! The shard side's database is a parameter ([`ShardDb`]): a SQLite file,
//! or a PostgreSQL database that four scanners running at once write into
//! (the multi-scanner deployment; skipped visibly without a server).

mod common;
#[path = "common/postgres.rs"]
mod pg;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// The scanned scope.
const SCOPE: &str = "127.6.0.0/22";

/// Where the TLS servers listen (all on one port).
const SERVER_ADDRESSES: [[u8; 4]; 5] = [
    [127, 6, 0, 10],
    [127, 6, 1, 20],
    [127, 6, 1, 21],
    [127, 6, 2, 30],
    [127, 6, 3, 250],
];

/// The `--db` value of the shard side: a file path or a PostgreSQL URL.
struct ShardDb(String);

/// A private root issuing one leaf per server; the last server's leaf is
/// self-signed. Returns each server's chain and key (DER).
fn certificates() -> Vec<(Vec<Vec<u8>>, Vec<u8>)> {
    let root_key = KeyPair::generate().unwrap();
    let mut root = CertificateParams::default();
    root.distinguished_name
        .push(DnType::CommonName, "Cycles Test Private Root");
    root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let root_der = root.self_signed(&root_key).unwrap().der().to_vec();
    let issuer = Issuer::from_params(&root, &root_key);
    let mut out = Vec::new();
    for (i, _) in SERVER_ADDRESSES.iter().enumerate() {
        let name = format!("host-{i}.cycles.test");
        let mut params = CertificateParams::new(vec![name.clone()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.not_after = rcgen::date_time_ymd(2099, 1, 1);
        let key = KeyPair::generate().unwrap();
        let chain = if i + 1 == SERVER_ADDRESSES.len() {
            vec![params.self_signed(&key).unwrap().der().to_vec()]
        } else {
            let leaf = params.signed_by(&key, &issuer).unwrap().der().to_vec();
            vec![leaf, root_der.clone()]
        };
        out.push((chain, key.serialize_der()));
    }
    out
}

/// Binds every server address on one port (the first chosen by the kernel).
async fn listeners() -> (u16, Vec<TcpListener>) {
    let ip = |a: [u8; 4]| IpAddr::V4(Ipv4Addr::from(a));
    let first = TcpListener::bind(SocketAddr::new(ip(SERVER_ADDRESSES[0]), 0))
        .await
        .unwrap();
    let port = first.local_addr().unwrap().port();
    let mut all = vec![first];
    for address in &SERVER_ADDRESSES[1..] {
        let bound = TcpListener::bind(SocketAddr::new(ip(*address), port)).await;
        all.push(bound.unwrap_or_else(|e| panic!("bind {address:?}:{port}: {e}")));
    }
    (port, all)
}

/// Serves `chain` on `listener` until the runtime stops.
async fn serve(listener: TcpListener, chain: Vec<Vec<u8>>, key: Vec<u8>) {
    let chain = chain.into_iter().map(Into::into).collect();
    let key = rustls::pki_types::PrivatePkcs8KeyDer::from(key).into();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    while let Ok((stream, _)) = listener.accept().await {
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let _ = acceptor.accept(stream).await;
        });
    }
}

/// Starts the servers; returns their port and the runtime running them.
fn start_servers() -> (u16, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (port, listeners) = runtime.block_on(listeners());
    for (listener, (chain, key)) in listeners.into_iter().zip(certificates()) {
        runtime.spawn(serve(listener, chain, key));
    }
    (port, runtime)
}

/// Runs `certatlas` and insists it exits 0; returns stdout and stderr.
fn run_ok(args: &[&str]) -> (Vec<u8>, String) {
    let out = common::certatlas(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {stderr}");
    (out.stdout, stderr)
}

/// A scan of the scope into `db`, with `extra` arguments.
fn scan(db: &str, port: &str, extra: &[&str]) -> String {
    let mut args = vec!["scan", SCOPE, "-p", port, "--db", db, "--format", "jsonl"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--output", "/dev/null"]);
    run_ok(&args).1
}

/// A listing's JSON with scan ids and times taken out.
fn listing(command: &str, db: &str) -> Value {
    let (stdout, _) = run_ok(&[command, "--db", db, "--format", "json"]);
    let mut value: Value = serde_json::from_slice(&stdout).unwrap();
    strip_volatile(&mut value);
    value
}

/// Removes the keys that name scans or instants of observation.
fn strip_volatile(value: &mut Value) {
    const VOLATILE: [&str; 5] = [
        "scan",
        "first_seen",
        "last_seen",
        "days_left",
        "generated_at",
    ];
    match value {
        Value::Object(map) => {
            map.retain(|k, _| !VOLATILE.contains(&k.as_str()));
            map.values_mut().for_each(strip_volatile);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_volatile),
        _ => {}
    }
}

/// Four shard runs into `shard_db`; returns the stderr of each.
fn four_shards(shard_db: &ShardDb, port: &str) -> Vec<String> {
    (1..=4)
        .map(|k| scan(&shard_db.0, port, &["--shard", &format!("{k}/4")]))
        .collect()
}

fn sharded_inventory_equals_an_unsharded_scan(shard_db: ShardDb) {
    let (port, servers) = start_servers();
    let port = port.to_string();
    let single = tempfile::tempdir().unwrap();
    let single_db = single.path().join("single.db");
    let single_db = single_db.to_str().unwrap();
    let notes = four_shards(&shard_db, &port);
    scan(single_db, &port, &[]);
    for (k, note) in notes[..3].iter().enumerate() {
        let expected = format!("shard {}/4 stored (scan {})", k + 1, k + 1);
        assert!(note.contains(&expected), "{note}");
        assert!(
            note.contains(&format!("cycle has {} of 4 shards in", k + 1)),
            "{note}"
        );
    }
    assert!(
        notes[3].contains("cycle complete: shards 1-4 (scans 1, 2, 3, 4) -> scan 5"),
        "{}",
        notes[3]
    );
    for command in ["inventory", "cas"] {
        assert_eq!(
            listing(command, &shard_db.0),
            listing(command, single_db),
            "{command}"
        );
    }
    let inventory = listing("inventory", &shard_db.0);
    assert_eq!(
        inventory["items"].as_array().unwrap().len(),
        SERVER_ADDRESSES.len()
    );
    // the cycle scan's summary counts the leaves of its shards once each
    let distinct = |db: &str, id: i64| {
        let scans = listing("scans", db);
        let items = scans["items"].as_array().unwrap().clone();
        let found = items.into_iter().find(|s| s["id"] == id).expect("the scan");
        found["summary"]["distinct_leaves"].clone()
    };
    assert_eq!(distinct(&shard_db.0, 5), distinct(single_db, 1));
    assert_eq!(distinct(&shard_db.0, 5), SERVER_ADDRESSES.len());
    judged_cycle(&shard_db);
    drop(servers);
}

/// The cycle scan has findings and a score; a shard scan is refused and
/// listed with its cycle.
fn judged_cycle(shard_db: &ShardDb) {
    let db = shard_db.0.as_str();
    let (stdout, _) = run_ok(&["findings", "--db", db, "--format", "json"]);
    let findings: Value = serde_json::from_slice(&stdout).unwrap();
    assert!(
        !findings["items"].as_array().unwrap().is_empty(),
        "{findings}"
    );
    let (stdout, _) = run_ok(&["score", "--db", db, "--format", "json"]);
    let card: Value = serde_json::from_slice(&stdout).unwrap();
    let depth = &card["items"]["history"];
    assert_eq!(depth["scans"], 1, "only the cycle scan counts: {depth}");
    let refused = common::certatlas(&["findings", "--db", db, "--scan", "2"]);
    assert_eq!(refused.status.code(), Some(2));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("scan 2 is shard 2/4"), "{message}");
    let (stdout, _) = run_ok(&["scans", "--db", db, "--format", "json"]);
    let scans: Value = serde_json::from_slice(&stdout).unwrap();
    let roles: Vec<&Value> = scans["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["cycle_role"])
        .collect();
    assert_eq!(roles[0]["role"], "cycle", "{scans}");
    assert_eq!(roles[0]["members"], serde_json::json!([1, 2, 3, 4]));
    assert_eq!(roles[1]["role"], "shard");
    assert_eq!(roles[1]["cycle"], 5);
}

#[test]
fn four_shards_make_a_cycle_whose_inventory_equals_an_unsharded_scan() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shards.db");
    sharded_inventory_equals_an_unsharded_scan(ShardDb(path.to_str().unwrap().to_string()));
}

#[test]
fn a_later_shard_run_does_not_unjudge_the_cycle() {
    let (port, servers) = start_servers();
    let port = port.to_string();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shards.db");
    let db = db.to_str().unwrap();
    four_shards(&ShardDb(db.to_string()), &port);
    let (stdout, _) = run_ok(&["findings", "--db", db, "--format", "json"]);
    let before: Value = serde_json::from_slice(&stdout).unwrap();
    let note = scan(db, &port, &["--shard", "3/4"]);
    assert!(
        note.contains("shard 3/4 stored (scan 6); cycle has 1 of 4"),
        "{note}"
    );
    let (stdout, _) = run_ok(&["findings", "--db", db, "--format", "json"]);
    let after: Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(
        after, before,
        "findings still judged on cycle scan 5, none fixed"
    );
    let fixed = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fixed")
        .count();
    assert_eq!(fixed, 0, "{after}");
    drop(servers);
}

/// Four scanners at once, one shard each, into one PostgreSQL database:
/// every shard is stored, exactly one of them completes the cycle, and the
/// cycle's inventory equals one unsharded SQLite scan of the same scope.
#[test]
fn four_concurrent_scanners_into_postgres_equal_one_sqlite_scan() {
    let Some(database) = pg::database("shards") else {
        return;
    };
    let (port, servers) = start_servers();
    let port = port.to_string();
    let notes: Vec<String> = std::thread::scope(|s| {
        let runs: Vec<_> = (1..=4)
            .map(|k| {
                let (url, port) = (&database.url, &port);
                s.spawn(move || scan(url, port, &["--shard", &format!("{k}/4")]))
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let completed = notes
        .iter()
        .filter(|n| n.contains("cycle complete"))
        .count();
    let stored = notes
        .iter()
        .filter(|n| n.contains("/4 stored (scan"))
        .count();
    assert_eq!((completed, stored + completed), (1, 4), "{notes:#?}");
    let single = tempfile::tempdir().unwrap();
    let single_db = single.path().join("single.db");
    let single_db = single_db.to_str().unwrap();
    scan(single_db, &port, &[]);
    for command in ["inventory", "cas"] {
        assert_eq!(
            listing(command, &database.url),
            listing(command, single_db),
            "{command}"
        );
    }
    let (stdout, _) = run_ok(&["score", "--db", &database.url, "--format", "json"]);
    let card: Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(card["items"]["history"]["scans"], 1, "{card}");
    drop(servers);
}
