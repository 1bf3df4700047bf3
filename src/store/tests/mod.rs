//! Tests of the inventory store, split by concern; this file owns the shared
//! fixtures: a small generated PKI (root, intermediate, leaves) and
//! observation builders.

mod alerts;
mod at_rest;
mod comparable;
mod concurrency;
mod cycles;
mod fingerprint;
mod held;
mod imports;
mod lifecycle;
mod migrations;
mod options;
mod outcomes;
mod reading;
mod revocation;
mod scores;
mod writing;

use std::path::PathBuf;
use std::sync::OnceLock;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use time::{Duration, OffsetDateTime};

use super::{Database, ScanId, ScanMeta, Store};
use crate::observation::{Observation, Outcome, TlsSession, Verdict};

/// Number of leaves in the fixture PKI.
pub(super) const LEAVES: usize = 4;

/// DER of a generated hierarchy: root → intermediate → leaves.
pub(super) struct Pki {
    pub root: Vec<u8>,
    pub intermediate: Vec<u8>,
    pub leaves: Vec<Vec<u8>>,
}

impl Pki {
    /// The chain a server would send for leaf `index`: leaf, intermediate.
    pub fn chain(&self, index: usize) -> Vec<Vec<u8>> {
        vec![self.leaves[index].clone(), self.intermediate.clone()]
    }
}

/// The fixture PKI, generated once per test binary.
pub(super) fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(generate_pki)
}

/// Generates the PKI with rcgen (ECDSA P-256). Leaf `i` is named
/// `leaf-i.test` and expires `i` days after 2030-01-01.
fn generate_pki() -> Pki {
    let root_key = KeyPair::generate().expect("root key");
    let root_params = ca_params("Store Test Root");
    let root = root_params
        .self_signed(&root_key)
        .expect("root")
        .der()
        .to_vec();
    let root_issuer = Issuer::from_params(&root_params, &root_key);
    let mid_key = KeyPair::generate().expect("intermediate key");
    let mid_params = ca_params("Store Test Intermediate");
    let intermediate = mid_params.signed_by(&mid_key, &root_issuer).expect("mid");
    let mid_issuer = Issuer::from_params(&mid_params, &mid_key);
    let leaves = (0..LEAVES)
        .map(|i| {
            let name = format!("leaf-{i}.test");
            let mut params = CertificateParams::new(vec![name.clone()]).expect("leaf params");
            params.distinguished_name.push(DnType::CommonName, name);
            params.not_after = rcgen::date_time_ymd(2030, 1, 1) + Duration::days(i as i64);
            let key = KeyPair::generate().expect("leaf key");
            params
                .signed_by(&key, &mid_issuer)
                .expect("leaf")
                .der()
                .to_vec()
        })
        .collect();
    Pki {
        root,
        intermediate: intermediate.der().to_vec(),
        leaves,
    }
}

/// Parameters of a CA certificate with common name `name`.
fn ca_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
}

/// A database the store tests run against: a SQLite file in a temporary
/// directory, or a fresh PostgreSQL database dropped afterwards.
pub(super) enum TestDb {
    /// A SQLite file (the directory is removed with the guard).
    Sqlite(#[allow(dead_code)] tempfile::TempDir, PathBuf),
    /// A PostgreSQL database created for one test.
    Postgres {
        /// The server's maintenance database, to create and drop from.
        admin: String,
        /// The database's name.
        name: String,
    },
}

impl TestDb {
    /// Where the database is.
    pub fn database(&self) -> Database {
        match self {
            TestDb::Sqlite(_, path) => Database::Sqlite(path.clone()),
            TestDb::Postgres { admin, name } => Database::Postgres(database_url(admin, name)),
        }
    }

    /// Opens (another) store on it.
    pub fn open(&self) -> Store {
        Store::connect(&self.database()).unwrap_or_else(|e| panic!("{}: {e}", self.database()))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin, name } = self {
            if let Ok(conn) = Database::Postgres(admin.clone()).connect() {
                let _ = conn.batch(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// `admin` with its database name replaced by `name`.
fn database_url(admin: &str, name: &str) -> String {
    let (head, query) = admin
        .split_once('?')
        .map_or((admin, None), |(h, q)| (h, Some(q)));
    let base = head.rsplit_once('/').map_or(head, |(base, _)| base);
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// The backends every store test runs on: SQLite always, PostgreSQL when
/// the server named by `CERTATLAS_TEST_POSTGRES` (default
/// `postgres://postgres@127.0.0.1:5432/postgres`) answers; otherwise a
/// `SKIPPED` line says so, past the test harness's output capture.
pub(super) fn backends() -> Vec<TestDb> {
    let (dir, path) = temp_db();
    let mut dbs = vec![TestDb::Sqlite(dir, path)];
    match postgres_test_db() {
        Ok(db) => dbs.push(db),
        Err(why) => {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "SKIPPED: PostgreSQL store tests: {why}");
        }
    }
    dbs
}

/// A fresh PostgreSQL database for one test, or why there is none.
fn postgres_test_db() -> Result<TestDb, String> {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let admin = std::env::var("CERTATLAS_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    let conn = Database::Postgres(admin.clone())
        .connect()
        .map_err(|e| format!("no server at {admin} ({e})"))?;
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("certatlas_store_test_{}_{n}", std::process::id());
    conn.batch(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .and_then(|()| conn.batch(&format!("CREATE DATABASE {name}")))
        .map_err(|e| format!("cannot create a database at {admin} ({e})"))?;
    Ok(TestDb::Postgres { admin, name })
}

/// A fresh database path in a temporary directory (kept alive by the guard).
pub(super) fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("inventory.db");
    (dir, path)
}

/// A fixed base time for observations.
pub(super) fn t0() -> OffsetDateTime {
    time::macros::datetime!(2026-06-01 12:00:00.123456789 UTC)
}

/// Scan metadata starting at `started_at`.
pub(super) fn meta(started_at: OffsetDateTime) -> ScanMeta {
    ScanMeta {
        started_at,
        targets: vec!["127.0.0.0/30".into(), "example.test:8443".into()],
        options: serde_json::json!({"ports": [443, 8443], "concurrency": 10}),
        tool_version: "0.1.0-test".into(),
    }
}

/// An observation built from its JSON form, so that fields added to
/// [`Observation`] later take their defaults here.
pub(super) fn observation(
    host: &str,
    address: Option<&str>,
    port: u16,
    sni: Option<&str>,
    at: OffsetDateTime,
    outcome: Outcome,
) -> Observation {
    let mut observation: Observation = serde_json::from_value(serde_json::json!({
        "host": host,
        "port": port,
        "started_at": "2000-01-01T00:00:00Z",
        "duration_ms": 3.25,
        "status": "closed",
    }))
    .expect("minimal observation JSON");
    observation.address = address.map(|a| a.parse().expect("test address"));
    observation.sni = sni.map(str::to_string);
    observation.started_at = at;
    observation.outcome = outcome;
    observation
}

/// A `tls` observation of `address:port` presenting `chain`.
pub(super) fn tls_observation(
    address: &str,
    port: u16,
    sni: Option<&str>,
    at: OffsetDateTime,
    chain: Vec<Vec<u8>>,
) -> Observation {
    let host = sni.unwrap_or(address);
    let mut tls = observation(host, Some(address), port, sni, at, Outcome::Tls);
    tls.tls = Some(TlsSession {
        version: Some("TLSv1.3".into()),
        cipher_suite: Some("TLS13_AES_128_GCM_SHA256".into()),
        key_exchange_group: Some("X25519MLKEM768".into()),
        handshake_ms: 1.5,
        handshake_complete: true,
        ..TlsSession::default()
    });
    tls.chain_der = chain;
    tls.verdict = Some(Verdict {
        trusted: false,
        anchor: None,
        problems: vec![crate::observation::VerdictProblem::UnknownIssuer],
        name_check: Default::default(),
    });
    tls
}

/// An observation of `address:port` that received no certificate.
pub(super) fn failed_observation(
    address: &str,
    port: u16,
    at: OffsetDateTime,
    outcome: Outcome,
) -> Observation {
    observation(address, Some(address), port, None, at, outcome)
}

/// Begins a scan at `at`, writes `observations` through a writer, finishes
/// the scan as complete, and returns its id.
pub(super) fn complete_scan(
    store: &Store,
    at: OffsetDateTime,
    observations: Vec<Observation>,
) -> ScanId {
    let scan = store.begin_scan(&meta(at)).expect("begin scan");
    let writer = store.writer(scan).expect("writer");
    for observation in observations {
        writer.write(observation).expect("write");
    }
    writer.finish().expect("finish writer");
    store
        .finish_scan(scan, true, &serde_json::json!({"done": true}))
        .expect("finish scan");
    scan
}
