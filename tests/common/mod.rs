//! Helpers shared by the integration tests: the lab on a fixed clock, a
//! prober trusting the lab's approved root, and running the real binary.
#![allow(dead_code)]

pub mod demo;
pub mod judging;
pub mod watch;
pub mod webhook;

use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use certatlas::demo::{Lab, LabCase};
use certatlas::observation::{Observation, SniSource};
use certatlas::probe::{Endpoint, ProbeSettings, Prober, TrustStore};
use certatlas::scan::{self, ScanLimits, Work};
use rustls::pki_types::UnixTime;
use time::OffsetDateTime;

/// The fixed clock every test lab is generated for.
pub fn fixed_now() -> OffsetDateTime {
    time::macros::datetime!(2026-06-01 12:00 UTC)
}

/// Starts the lab on the fixed clock.
pub async fn lab() -> Lab {
    Lab::start(fixed_now()).await.expect("lab starts")
}

/// A prober that trusts the lab's approved root and verifies at the fixed clock.
pub fn prober(lab: &Lab, timeout: Duration) -> Arc<Prober> {
    prober_with(lab, timeout, |_| {})
}

/// Like [`prober`], with the settings adjusted by `adjust`.
pub fn prober_with(
    lab: &Lab,
    timeout: Duration,
    adjust: impl FnOnce(&mut ProbeSettings),
) -> Arc<Prober> {
    let mut trust = TrustStore::empty();
    trust
        .add_certificate(lab.approved_root_der(), &|_| {
            "lab approved root".to_string()
        })
        .unwrap();
    let at = UnixTime::since_unix_epoch(Duration::from_secs(fixed_now().unix_timestamp() as u64));
    let mut settings = ProbeSettings {
        connect_timeout: timeout,
        timeout,
        verify_at: Some(at),
        ..ProbeSettings::default()
    };
    adjust(&mut settings);
    Arc::new(Prober::new(trust, settings))
}

/// The endpoint of a lab case for one of its server names.
pub fn endpoint(case: &LabCase, sni: Option<String>) -> Endpoint {
    Endpoint {
        host: case.address.ip().to_string(),
        address: case.address.ip(),
        port: case.address.port(),
        sni_source: if sni.is_some() {
            SniSource::Target
        } else {
            SniSource::None
        },
        sni,
        starttls: case.starttls,
    }
}

/// Runs the scan engine over `work` to the end; returns what it observed
/// and whether the run completed.
pub async fn run_engine(work: Work, prober: Arc<Prober>) -> (Vec<Observation>, bool) {
    let (sink, mut rx) = tokio::sync::mpsc::channel(64);
    let limits = ScanLimits {
        concurrency: 16,
        rate: None,
        per_host: 4,
    };
    let cancel = tokio_util::sync::CancellationToken::new();
    let run = tokio::spawn(scan::run(work, prober, limits, sink, cancel));
    let mut seen = Vec::new();
    while let Some(observation) = rx.recv().await {
        seen.push(observation);
    }
    let complete = run.await.expect("engine task").complete;
    (seen, complete)
}

/// Runs the certatlas binary with `args`; its default inventory is a
/// temporary file, so tests never touch the user's data directory.
pub fn certatlas(args: &[&str]) -> Output {
    let scratch = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_certatlas"))
        .args(args)
        .env_remove("RUST_LOG")
        .env("CERTATLAS_DB", scratch.path().join("inventory.db"))
        .output()
        .expect("certatlas binary runs")
}

/// Stdout as JSON Lines values.
pub fn json_lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l}: {e}")))
        .collect()
}

/// Writes `certatlas.toml` in `dir` declaring the lab's approved root
/// (`lab-root.pem` beside it), followed by `extra` (more TOML).
pub fn write_lab_config(dir: &std::path::Path, lab: &Lab, extra: &str) -> std::path::PathBuf {
    use base64::Engine as _;
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        base64::engine::general_purpose::STANDARD.encode(lab.approved_root_der())
    );
    std::fs::write(dir.join("lab-root.pem"), pem).unwrap();
    let config = dir.join("certatlas.toml");
    let anchors = "[[anchors]]\nname = \"lab approved root\"\nfile = \"lab-root.pem\"\n\n";
    std::fs::write(&config, format!("{anchors}{extra}")).unwrap();
    config
}

/// Runs the certatlas binary with `args` as given (no `RUST_LOG`, no
/// `CERTATLAS_DB`: the test names its inventory with `--db`).
pub fn run_binary(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_certatlas"))
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("CERTATLAS_DB")
        .output()
        .expect("certatlas binary runs")
}

/// [`run_binary`] off the runtime (a lab serves on it meanwhile).
pub async fn run_binary_async(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || run_binary(&args))
        .await
        .expect("the binary's thread")
}

/// Bytes (stdout, stderr) as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Owned command-line arguments.
pub fn owned_args(list: &[&str]) -> Vec<String> {
    list.iter().map(|a| a.to_string()).collect()
}

/// A path as an argument.
pub fn path_text(p: &std::path::Path) -> String {
    p.display().to_string()
}
