//! Scan throughput benchmark (run with `cargo bench --bench scan_throughput`).
//!
//! Starts one TLS server reachable on 2048 loopback addresses (127.1.0.0/21,
//! one listener per address, all on one free port), then measures in the
//! same run:
//! 1. the ceiling: a minimal tokio-rustls client loop doing full handshakes
//!    against the same server at the same concurrency;
//! 2. certatlas: the release binary scanning 127.1.0.0/21 with
//!    `--concurrency 1000`, writing JSON Lines and storing into a fresh
//!    inventory database (the default behaviour), as a child process whose
//!    peak RSS is read from `wait4`.
//!
//! It prints handshakes/s for both, the ratio, and the scanner's peak RSS.
//! Only 127.0.0.0/8 is contacted.
//!
//! `CERTATLAS_BENCH_ROUNDS=N` sets the rounds (3); `CERTATLAS_BENCH_NO_DB=1`
//! scans with `--no-db` (probing and output only);
//! `CERTATLAS_BENCH_KEEP_OUTPUT=<dir>` keeps each binary's JSON Lines there;
//! `CERTATLAS_BENCH_SERVE=1` only starts the server, prints its port and
//! serves until killed, so that a scan can be timed or profiled by hand
//! (`/usr/bin/time -v certatlas scan 127.1.0.0/21 -p <port> ...`).
//!
//! With `CERTATLAS_BENCH_POSTGRES=1` each round also scans into a fresh
//! PostgreSQL database (created and dropped on the server named by
//! `CERTATLAS_TEST_POSTGRES`, as the tests do), right after the SQLite
//! scan, and the result compares the two rates.
//!
//! With `CERTATLAS_BENCH_BASELINE=<path to another certatlas binary>`
//! (an earlier build) each round also scans into SQLite with that binary,
//! and the result gives this build's rate and peak RSS as ratios to the
//! baseline's, round by round and as a median: two builds compared in one
//! run, alternated, so a drift of the machine's speed falls on both. The
//! order of the runs turns every round (the first run after the ceiling
//! loop is slower), so use an even number of rounds; the baseline set to
//! this build's own binary is the control (a median near 1.00×).
//! Each build then makes its own empty schema inside the timed run.

#[path = "support/child.rs"]
mod child;
#[path = "../tests/common/postgres.rs"]
mod pg;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use certatlas::store::{Database, Store};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_rustls::{TlsAcceptor, TlsConnector};

const ADDRESSES: u32 = 2048;
const CONCURRENCY: usize = 1000;
/// Rounds, `CERTATLAS_BENCH_ROUNDS` or 3.
fn rounds() -> usize {
    std::env::var("CERTATLAS_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(bench());
}

async fn bench() {
    let (port, _servers) = start_servers().await;
    println!("server: {ADDRESSES} loopback addresses (127.1.0.0/21) on port {port}");
    if std::env::var_os("CERTATLAS_BENCH_SERVE").is_some_and(|v| v != "0") {
        use std::io::Write;
        let _ = std::io::stdout().flush();
        std::future::pending::<()>().await;
    }
    let this = std::path::PathBuf::from(env!("CARGO_BIN_EXE_certatlas"));
    let baseline = baseline();
    // an earlier build cannot open a newer schema: with a baseline, each
    // build makes its own inside the timed run
    let schema_first = baseline.is_none();
    let mut runs = vec![Run {
        name: "this build, SQLite".into(),
        binary: this.clone(),
        backend: Backend::Sqlite,
        schema_first,
    }];
    if let Some(baseline) = baseline {
        runs.push(Run {
            name: format!("baseline {}, SQLite", baseline.display()),
            binary: baseline,
            backend: Backend::Sqlite,
            schema_first,
        });
    }
    if on_postgres() {
        runs.push(Run {
            name: "this build, PostgreSQL".into(),
            binary: this,
            backend: Backend::Postgres,
            schema_first,
        });
    }
    let rounds = rounds();
    let names: Vec<&str> = runs.iter().map(|r| r.name.as_str()).collect();
    println!(
        "inventory: a fresh database per round and run ({})",
        names.join("; ")
    );
    let mut ceiling = Vec::new();
    let mut scanner: Vec<Vec<(f64, i64)>> = vec![Vec::new(); runs.len()];
    for round in 1..=rounds {
        let c = ceiling_rate(port).await;
        ceiling.push(c);
        // The run right after the ceiling loop is slower (the server is
        // still closing that loop's connections): the same binary measured
        // against itself in a fixed order came out at a median 0.87×. So
        // the order turns every round, and each run goes first as often.
        let mut order: Vec<usize> = (0..runs.len()).collect();
        order.rotate_left((round - 1) % runs.len());
        for index in order {
            let run = &runs[index];
            let (s, rss_kib, tls_lines, migrate) = scanner_rate(port, run).await;
            println!(
                "round {round}: ceiling {c:.0} handshakes/s · {} {s:.0} handshakes/s ({:.0} %) · peak RSS {:.1} MB · {tls_lines} chains · schema of the empty database made in {:.2} s beforehand",
                run.name,
                100.0 * s / c,
                rss_kib as f64 / 1024.0,
                migrate
            );
            assert_eq!(
                tls_lines, ADDRESSES as usize,
                "every endpoint yields a chain"
            );
            scanner[index].push((s, rss_kib));
        }
    }
    let best_ceiling = ceiling.iter().cloned().fold(0.0, f64::max);
    for (run, results) in runs.iter().zip(&scanner) {
        let best_scan = results.iter().map(|s| s.0).fold(0.0, f64::max);
        let peak_rss = results.iter().map(|s| s.1).max().unwrap_or(0);
        println!(
            "result ({}): ceiling {best_ceiling:.0}/s, certatlas {best_scan:.0}/s = {:.0} % of ceiling, peak RSS {:.1} MB at concurrency {CONCURRENCY}",
            run.name,
            100.0 * best_scan / best_ceiling,
            peak_rss as f64 / 1024.0
        );
    }
    let best = |index: usize| scanner[index].iter().map(|s| s.0).fold(0.0, f64::max);
    for (index, run) in runs.iter().enumerate().skip(1) {
        if run.backend == Backend::Postgres {
            println!(
                "result: PostgreSQL stores at {:.2}× the SQLite rate (best of {} rounds each, alternated)",
                best(index) / best(0),
                rounds
            );
        } else {
            let ratios: Vec<String> = scanner[0]
                .iter()
                .zip(&scanner[index])
                .map(|(a, b)| {
                    format!(
                        "{:.2}× rate, {:.2}× RSS",
                        a.0 / b.0,
                        a.1 as f64 / b.1 as f64
                    )
                })
                .collect();
            let mut rates: Vec<f64> = scanner[0]
                .iter()
                .zip(&scanner[index])
                .map(|(a, b)| a.0 / b.0)
                .collect();
            rates.sort_by(f64::total_cmp);
            let median = match rates.len() % 2 {
                1 => rates[rates.len() / 2],
                _ => (rates[rates.len() / 2 - 1] + rates[rates.len() / 2]) / 2.0,
            };
            println!(
                "result: this build against the baseline, round by round: {}; median {median:.2}× rate",
                ratios.join("; ")
            );
        }
    }
}

/// One scanner run of each round: which binary, into which store.
struct Run {
    name: String,
    binary: std::path::PathBuf,
    backend: Backend,
    /// Make the empty database's schema before the clock starts.
    schema_first: bool,
}

/// The binary `CERTATLAS_BENCH_BASELINE` names, if any.
fn baseline() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("CERTATLAS_BENCH_BASELINE").filter(|v| !v.is_empty())?;
    let path = std::path::PathBuf::from(path);
    assert!(
        path.is_file(),
        "CERTATLAS_BENCH_BASELINE: no file {}",
        path.display()
    );
    Some(path)
}

/// Where the scanner stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

/// Address `i` of 127.1.0.0/21.
fn address(i: u32) -> IpAddr {
    IpAddr::V4(Ipv4Addr::from(u32::from(Ipv4Addr::new(127, 1, 0, 0)) + i))
}

/// Binds one listener per address on a common free port below 32768.
async fn start_servers() -> (u16, Vec<tokio::task::JoinHandle<()>>) {
    let acceptor = TlsAcceptor::from(server_config());
    'port: for port in (20000..32000).step_by(97) {
        let mut listeners = Vec::new();
        for i in 0..ADDRESSES {
            match TcpListener::bind(SocketAddr::new(address(i), port)).await {
                Ok(l) => listeners.push(l),
                Err(_) => continue 'port,
            }
        }
        let tasks = listeners
            .into_iter()
            .map(|l| tokio::spawn(serve(l, acceptor.clone())))
            .collect();
        return (port, tasks);
    }
    panic!("no free port for {ADDRESSES} loopback listeners");
}

/// Accepts forever; each connection completes a handshake and closes.
async fn serve(listener: TcpListener, acceptor: TlsAcceptor) {
    while let Ok((socket, _)) = listener.accept().await {
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let _ = acceptor.accept(socket).await;
        });
    }
}

fn server_config() -> Arc<rustls::ServerConfig> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let params = rcgen::CertificateParams::new(vec!["bench.certatlas.test".into()]).unwrap();
    let cert = params.self_signed(&key).unwrap();
    let chain = vec![CertificateDer::from(cert.der().to_vec())];
    let key = PrivateKeyDer::try_from(key.serialize_der()).unwrap();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    Arc::new(config)
}

/// The minimal client loop: one shared config, full handshakes, no parsing.
async fn ceiling_rate(port: u16) -> f64 {
    let mut config = rustls::ClientConfig::builder()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAll))
        .with_no_client_auth();
    config.resumption = rustls::client::Resumption::disabled();
    let connector = TlsConnector::from(Arc::new(config));
    let slots = Arc::new(Semaphore::new(CONCURRENCY));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..ADDRESSES {
        let permit = slots.clone().acquire_owned().await.unwrap();
        let connector = connector.clone();
        tasks.spawn(async move {
            let socket = TcpStream::connect(SocketAddr::new(address(i), port))
                .await
                .unwrap();
            let name = ServerName::IpAddress(address(i).into());
            connector.connect(name, socket).await.expect("handshake");
            drop(permit);
        });
    }
    while tasks.join_next().await.is_some() {}
    f64::from(ADDRESSES) / started.elapsed().as_secs_f64()
}

/// Runs the real scanner (`run`'s binary); returns handshakes/s, peak RSS (KiB) and the
/// number of `tls` observations it wrote.
async fn scanner_rate(port: u16, run: &Run) -> (f64, i64, usize, f64) {
    let backend = run.backend;
    let out = std::env::temp_dir().join(format!("certatlas-bench-{}.jsonl", std::process::id()));
    // Scans store into the inventory by default; the benchmark includes it.
    let db = std::env::temp_dir().join(format!("certatlas-bench-{}.db", std::process::id()));
    // The postgres client is synchronous: it runs off the runtime.
    let postgres = match backend {
        Backend::Postgres => tokio::task::spawn_blocking(|| pg::database("scan_bench"))
            .await
            .unwrap(),
        Backend::Sqlite => None,
    };
    assert_eq!(
        postgres.is_some(),
        matches!(backend, Backend::Postgres),
        "a PostgreSQL server"
    );
    let db_arg = postgres
        .as_ref()
        .map_or_else(|| db.display().to_string(), |p| p.url.clone());
    // The schema is made before the clock starts, as it is once per
    // inventory in use: the rate is the scanner's and the store's, not
    // the one-time migration of an empty database (timed apart), unless
    // two builds are compared (`schema_first` false).
    let migrate = if !run.schema_first {
        0.0
    } else {
        let database = Database::parse(&db_arg);
        let started = Instant::now();
        tokio::task::spawn_blocking(move || drop(Store::connect(&database).expect("migrate")))
            .await
            .unwrap();
        started.elapsed().as_secs_f64()
    };
    let mut args = vec![
        "scan".to_string(),
        "127.1.0.0/21".into(),
        "-p".into(),
        port.to_string(),
        "--concurrency".into(),
        CONCURRENCY.to_string(),
        "--per-host".into(),
        "4".into(),
        "--format".into(),
        "jsonl".into(),
        "-o".into(),
        out.display().to_string(),
        "-q".into(),
    ];
    // `CERTATLAS_BENCH_NO_DB=1`: probing and output only (`--no-db`), to
    // tell the scanner's rate from the store's and the judging's.
    match std::env::var_os("CERTATLAS_BENCH_NO_DB").is_some_and(|v| v != "0") {
        true => args.push("--no-db".into()),
        false => args.extend(["--db".to_string(), db_arg]),
    }
    let started = Instant::now();
    // Reaped by wait4 below (which also yields the peak RSS), not by Child.
    #[allow(clippy::zombie_processes)]
    let child = std::process::Command::new(&run.binary)
        .args(&args)
        .spawn()
        .expect("spawn certatlas");
    let pid = child.id() as libc::pid_t;
    let rss = tokio::task::spawn_blocking(move || child::wait_rss(pid, "scanner"))
        .await
        .unwrap();
    let elapsed = started.elapsed().as_secs_f64();
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    // `CERTATLAS_BENCH_KEEP_OUTPUT=<dir>`: keep each run's JSON Lines as
    // `<dir>/<binary name>.jsonl` (the last round's), to compare builds'
    // output or import it elsewhere.
    if let Some(dir) = std::env::var_os("CERTATLAS_BENCH_KEEP_OUTPUT") {
        let name = run.binary.file_name().unwrap_or_default().to_string_lossy();
        let _ = std::fs::copy(
            &out,
            std::path::Path::new(&dir).join(format!("{name}.jsonl")),
        );
    }
    let _ = std::fs::remove_file(&out);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    if let Some(postgres) = postgres {
        tokio::task::spawn_blocking(move || drop(postgres))
            .await
            .unwrap();
    }
    let tls = text
        .lines()
        .filter(|l| l.contains("\"status\":\"tls\""))
        .count();
    (f64::from(ADDRESSES) / elapsed, rss, tls, migrate)
}

/// Whether `CERTATLAS_BENCH_POSTGRES` asks for a PostgreSQL inventory.
fn on_postgres() -> bool {
    std::env::var_os("CERTATLAS_BENCH_POSTGRES").is_some_and(|v| !v.is_empty() && v != "0")
}

#[derive(Debug)]
struct AcceptAll;

impl ServerCertVerifier for AcceptAll {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        rustls::crypto::aws_lc_rs::default_provider()
            .signature_verification_algorithms
            .supported_schemes()
    }
}
