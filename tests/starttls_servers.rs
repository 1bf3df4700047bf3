//! The MySQL and XMPP dialects against the real servers (Debian's
//! `mariadb-server` and `prosody`, installed by `.ci/run`): a throwaway
//! instance in a temporary directory on a free loopback port, with a
//! certificate made here, is scanned, and the captured leaf must be that
//! certificate. Without its domain name prosody answers
//! `improper-addressing`: the observation must say the service needs its
//! name. Each test waits for the server's own "ready" line on its output
//! and skips with a visible `SKIPPED:` line where the server cannot run.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use certatlas::observation::{Observation, Outcome, SniSource};
use certatlas::probe::{Dialect, Endpoint, ProbeSettings, Prober, TrustStore};
use rcgen::{CertificateParams, KeyPair};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Bound on a server becoming ready.
const READY_BOUND: Duration = Duration::from_secs(60);
/// The XMPP domain prosody serves.
const XMPP_DOMAIN: &str = "chat.lab.test";

/// Prints a `SKIPPED:` line straight to stderr, past the harness's capture.
fn skipped(what: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED: {what}");
}

/// A free loopback port: bound to port 0, read, released for the server.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// A self-signed P-256 certificate for `name`, written as c.pem and k.pem;
/// returns its DER.
fn write_certificate(dir: &Path, name: &str) -> Vec<u8> {
    let key = KeyPair::generate().expect("key");
    let certificate = CertificateParams::new(vec![name.to_string()])
        .expect("params")
        .self_signed(&key)
        .expect("certificate");
    std::fs::write(dir.join("c.pem"), certificate.pem()).expect("write c.pem");
    std::fs::write(dir.join("k.pem"), key.serialize_pem()).expect("write k.pem");
    certificate.der().to_vec()
}

/// Starts `command` (killed when dropped) and waits until one of its
/// output lines contains `ready`; `Err` with its last lines when it exits
/// first or cannot be run.
async fn start(mut command: Command, ready: &str) -> Result<Child, String> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = command.spawn().map_err(|e| format!("cannot run ({e})"))?;
    let stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let stderr = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut seen = Vec::new();
    let wait = async {
        let (mut stdout, mut stderr) = (stdout, stderr);
        let (mut out_open, mut err_open) = (true, true);
        while out_open || err_open {
            let line = tokio::select! {
                line = stdout.next_line(), if out_open => {
                    let line = line.ok().flatten();
                    out_open = line.is_some();
                    line
                }
                line = stderr.next_line(), if err_open => {
                    let line = line.ok().flatten();
                    err_open = line.is_some();
                    line
                }
            };
            let Some(line) = line else { continue };
            if line.contains(ready) {
                // Keep reading in the background so the server never blocks on a full pipe.
                tokio::spawn(drain(stdout, stderr));
                return true;
            }
            seen.push(line);
        }
        false
    };
    let became_ready = tokio::time::timeout(READY_BOUND, wait).await;
    match became_ready {
        Ok(true) => Ok(child),
        Ok(false) => Err(format!("exited: {}", tail(&seen))),
        Err(_) => Err(format!("not ready within {READY_BOUND:?}: {}", tail(&seen))),
    }
}

/// Reads and drops what a running server still writes.
async fn drain<O, E>(mut stdout: tokio::io::Lines<O>, mut stderr: tokio::io::Lines<E>)
where
    O: tokio::io::AsyncBufRead + Unpin,
    E: tokio::io::AsyncBufRead + Unpin,
{
    let out = async { while let Ok(Some(_)) = stdout.next_line().await {} };
    let err = async { while let Ok(Some(_)) = stderr.next_line().await {} };
    tokio::join!(out, err);
}

/// The last few lines of a server's output, for messages.
fn tail(lines: &[String]) -> String {
    let from = lines.len().saturating_sub(5);
    lines[from..].join(" | ")
}

/// Probes 127.0.0.1:`port` speaking `dialect` first, with `sni` as the name.
async fn scan(port: u16, dialect: Dialect, sni: Option<&str>) -> Observation {
    let settings = ProbeSettings {
        connect_timeout: Duration::from_secs(10),
        timeout: Duration::from_secs(30),
        ..ProbeSettings::default()
    };
    let prober = Prober::new(TrustStore::empty(), settings);
    let endpoint = Endpoint {
        host: "127.0.0.1".into(),
        address: IpAddr::V4(Ipv4Addr::LOCALHOST),
        port,
        sni: sni.map(str::to_string),
        sni_source: match sni {
            Some(_) => SniSource::Target,
            None => SniSource::None,
        },
        starttls: Some(dialect),
    };
    prober.probe(&endpoint).await.remove(0)
}

/// `mariadbd` on a free port in `dir`, TLS on (or `--skip-ssl`), without
/// system tables (`--skip-grant-tables`): enough to greet.
fn mariadb(dir: &Path, port: u16, tls: bool) -> Command {
    let path = |name: &str| dir.join(name).display().to_string();
    std::fs::create_dir_all(dir.join("data")).expect("data dir");
    let mut command = Command::new("mariadbd");
    command.args([
        "--no-defaults",
        "--user=root",
        "--skip-grant-tables",
        "--skip-log-bin",
        "--bind-address=127.0.0.1",
        "--innodb-buffer-pool-size=8M",
        "--innodb-log-file-size=4M",
    ]);
    command.arg(format!("--port={port}"));
    command.arg(format!("--datadir={}", path("data")));
    command.arg(format!("--socket={}", path("mysqld.sock")));
    command.arg(format!("--pid-file={}", path("mysqld.pid")));
    match tls {
        true => command.args([
            format!("--ssl-cert={}", path("c.pem")),
            format!("--ssl-key={}", path("k.pem")),
        ]),
        false => command.args(["--skip-ssl".to_string()]),
    };
    command
}

#[tokio::test]
async fn a_real_mariadb_is_captured_after_its_greeting() {
    let dir = tempfile::tempdir().expect("temp dir");
    let leaf = write_certificate(dir.path(), "db.lab.test");
    let port = free_port();
    let server = match start(mariadb(dir.path(), port, true), "ready for connections").await {
        Ok(server) => server,
        Err(reason) => return skipped(&format!("real MariaDB capture: mariadbd {reason}")),
    };
    let observation = scan(port, Dialect::Mysql, None).await;
    drop(server);
    assert_eq!(observation.outcome, Outcome::Tls, "{observation:?}");
    assert_eq!(observation.chain_der.first(), Some(&leaf));
    assert_eq!(observation.starttls.as_deref(), Some("mysql"));
}

#[tokio::test]
async fn a_real_mariadb_without_tls_is_a_refusal_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let server = match start(mariadb(dir.path(), port, false), "ready for connections").await {
        Ok(server) => server,
        Err(reason) => return skipped(&format!("real MariaDB refusal: mariadbd {reason}")),
    };
    let observation = scan(port, Dialect::Mysql, None).await;
    drop(server);
    match &observation.outcome {
        Outcome::StarttlsRefused { reply } => {
            assert!(
                reply.contains("MariaDB") && reply.contains("CLIENT_SSL"),
                "{reply}"
            )
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// `prosody` serving `XMPP_DOMAIN` with STARTTLS on a free c2s port.
fn prosody(dir: &Path, port: u16) -> Command {
    let path = |name: &str| dir.join(name).display().to_string();
    std::fs::create_dir_all(dir.join("data")).expect("data dir");
    std::fs::create_dir_all(dir.join("certs")).expect("certs dir");
    let config = format!(
        "run_as_root = true\ndaemonize = false\npidfile = {pid:?}\ndata_path = {data:?}\n\
         log = {{ {{ levels = {{ min = \"info\" }}, to = \"console\" }} }}\n\
         interfaces = {{ \"127.0.0.1\" }}\nc2s_ports = {{ {port} }}\n\
         c2s_direct_tls_ports = {{ }}\nlegacy_ssl_ports = {{ }}\n\
         s2s_ports = {{ }}\ncomponent_ports = {{ }}\nhttp_ports = {{ }}\nhttps_ports = {{ }}\n\
         c2s_require_encryption = true\nmodules_enabled = {{ \"tls\"; \"saslauth\"; }}\n\
         modules_disabled = {{ \"s2s\"; \"posix\"; }}\ncertificates = {certs:?}\n\
         ssl = {{ certificate = {cert:?}; key = {key:?}; }}\nVirtualHost \"{XMPP_DOMAIN}\"\n",
        pid = path("prosody.pid"),
        data = path("data"),
        certs = path("certs"),
        cert = path("c.pem"),
        key = path("k.pem"),
    );
    std::fs::write(dir.join("prosody.cfg.lua"), config).expect("write config");
    let mut command = Command::new("prosody");
    command.arg("--config").arg(dir.join("prosody.cfg.lua"));
    command
}

#[tokio::test]
async fn a_real_prosody_needs_its_name_and_is_captured_with_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let leaf = write_certificate(dir.path(), XMPP_DOMAIN);
    let port = free_port();
    let ready = format!("Activated service 'c2s' on [127.0.0.1]:{port}");
    let server = match start(prosody(dir.path(), port), &ready).await {
        Ok(server) => server,
        Err(reason) => return skipped(&format!("real prosody: prosody {reason}")),
    };
    let nameless = scan(port, Dialect::Xmpp, None).await;
    let named = scan(port, Dialect::Xmpp, Some(XMPP_DOMAIN)).await;
    drop(server);
    match &nameless.outcome {
        Outcome::NeedsName { reply } => {
            assert!(reply.contains("improper-addressing"), "{reply}")
        }
        other => panic!("expected needs_name, got {other:?}"),
    }
    assert_eq!(nameless.outcome.status(), "needs_name");
    assert_eq!(named.outcome, Outcome::Tls, "{named:?}");
    assert_eq!(named.chain_der.first(), Some(&leaf));
}
