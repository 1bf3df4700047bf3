//! Revocation status (`--check-revocation`) against real responders on
//! loopback: a real `openssl ocsp` responder answering from an index the
//! test writes, CRLs (DER and PEM) made with rcgen and served by a tiny
//! HTTP server here, certificates naming `ocsp.test` and `crl.test` paired
//! with 127.0.0.1 by `--resolve`. A revoked certificate is `revoked` with
//! its reason and date by OCSP, one with only a CRL pointer by the CRL, a
//! good one `good`, an unreachable responder `unknown` with the reason,
//! a delegated responder's answer counted and a rogue one's not; the
//! critical rule fires and the report shows it. A thousand certificates
//! under one CA fetch their CRL once. Skips visibly without openssl.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use certatlas::observation::{Observation, Outcome, TlsSession};
use certatlas::revocation::{check_scan, RevocationSettings};
use certatlas::store::{ScanId, ScanMeta, Store};
use certatlas::targets::{parse_resolve_in, Origin, Pairings};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint,
    CustomExtension, DnType, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason,
    RevokedCertParams, SerialNumber,
};
use time::macros::datetime;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A test CA made with rcgen: certificate (DER and PEM), key PEM, signer.
struct TestCa {
    der: Vec<u8>,
    pem: String,
    key_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn test_ca() -> TestCa {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::default();
    params
        .distinguished_name
        .push(DnType::CommonName, "Revocation Test CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let cert = params.self_signed(&key).unwrap();
    TestCa {
        der: cert.der().to_vec(),
        pem: cert.pem(),
        key_pem: key.serialize_pem(),
        issuer: Issuer::new(params, key),
    }
}

/// One DER element (short or long length).
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match content.len() {
        n if n < 0x80 => out.push(n as u8),
        n if n < 0x100 => out.extend([0x81, n as u8]),
        n => out.extend([0x82, (n >> 8) as u8, n as u8]),
    }
    out.extend_from_slice(content);
    out
}

/// The AuthorityInfoAccess extension naming one OCSP responder.
fn aia_ocsp(url: &str) -> CustomExtension {
    let method = tlv(0x06, &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01]);
    let location = tlv(0x86, url.as_bytes());
    let description = tlv(0x30, &[method, location].concat());
    CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], tlv(0x30, &description))
}

/// A leaf `name` with `serial`, naming `ocsp` and `crl` when given.
fn leaf(
    ca: &TestCa,
    name: &str,
    serial: u64,
    ocsp: Option<&str>,
    crl: Option<&str>,
) -> (Vec<u8>, KeyPair) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec![name.to_string()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.serial_number = Some(SerialNumber::from(serial));
    if let Some(url) = ocsp {
        params.custom_extensions.push(aia_ocsp(url));
    }
    if let Some(url) = crl {
        params.crl_distribution_points = vec![CrlDistributionPoint {
            uris: vec![url.to_string()],
        }];
    }
    let der = params.signed_by(&key, &ca.issuer).unwrap().der().to_vec();
    (der, key)
}

/// A CRL of `ca` listing `serial` as revoked for key compromise.
fn crl(ca: &TestCa, serial: u64) -> (Vec<u8>, String) {
    let now = time::OffsetDateTime::now_utc();
    let params = CertificateRevocationListParams {
        this_update: now - time::Duration::hours(1),
        next_update: now + time::Duration::days(7),
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: vec![RevokedCertParams {
            serial_number: SerialNumber::from(serial),
            revocation_time: datetime!(2026-05-21 08:30 UTC),
            reason_code: Some(RevocationReason::KeyCompromise),
            invalidity_date: None,
        }],
        key_identifier_method: KeyIdMethod::Sha256,
    };
    let list = params.signed_by(&ca.issuer).unwrap();
    (list.der().to_vec(), list.pem().unwrap())
}

/// A loopback HTTP server answering GETs of its paths, counting requests.
struct FileServer {
    port: u16,
    hits: Arc<AtomicUsize>,
}

async fn file_server(files: Vec<(String, Vec<u8>)>) -> FileServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let files = Arc::new(files);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (files, counter) = (files.clone(), counter.clone());
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                counter.fetch_add(1, Ordering::SeqCst);
                let text = String::from_utf8_lossy(&head);
                let path = text.split(' ').nth(1).unwrap_or("").to_string();
                let reply = match files.iter().find(|(p, _)| *p == path) {
                    Some((_, body)) => {
                        let mut reply = format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        reply.extend_from_slice(body);
                        reply
                    }
                    None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec(),
                };
                let _ = stream.write_all(&reply).await;
            });
        }
    });
    FileServer { port, hits }
}

/// A port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A TLS server on 127.0.0.1:0 sending `leaf` and the CA; its port.
async fn tls_server(leaf: Vec<u8>, key: &KeyPair, ca: &[u8]) -> u16 {
    let chain = vec![leaf.into(), ca.to_vec().into()];
    let key = rustls::pki_types::PrivatePkcs8KeyDer::from(key.serialize_der()).into();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    port
}

/// A running `openssl ocsp` responder, killed when dropped.
struct Responder {
    child: Child,
    port: u16,
}

impl Drop for Responder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A certificate and key that sign OCSP responses.
struct Signer {
    pem: String,
    key_pem: String,
}

/// A responder certificate: issued by `ca` with id-kp-OCSPSigning (a
/// delegated responder), or, without `ca`, self-signed (a rogue one).
fn responder_signer(ca: Option<&TestCa>) -> Signer {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::default();
    params
        .distinguished_name
        .push(DnType::CommonName, "Revocation Test OCSP Responder");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::OcspSigning];
    let cert = match ca {
        Some(ca) => params.signed_by(&key, &ca.issuer).unwrap(),
        None => params.self_signed(&key).unwrap(),
    };
    Signer {
        pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// Starts `openssl ocsp` on a port it picks (`-port 0`) in `dir`,
/// answering from `index` for certificates of `ca`, its responses signed
/// by `signer` (the CA itself when `None`); waits for its `ACCEPT` line.
/// `None` when openssl is not installed.
fn start_responder(
    dir: &Path,
    ca: &TestCa,
    signer: Option<&Signer>,
    index: &str,
) -> Option<Responder> {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("index.txt"), index).unwrap();
    std::fs::write(dir.join("ca.pem"), &ca.pem).unwrap();
    let (signer_pem, signer_key) = signer.map_or((&ca.pem, &ca.key_pem), |s| (&s.pem, &s.key_pem));
    std::fs::write(dir.join("signer.pem"), signer_pem).unwrap();
    std::fs::write(dir.join("signer.key"), signer_key).unwrap();
    let spawned = Command::new("openssl")
        .current_dir(dir)
        .args(["ocsp", "-index", "index.txt", "-CA", "ca.pem"])
        .args(["-rsigner", "signer.pem", "-rkey", "signer.key"])
        .args(["-port", "0", "-nmin", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("openssl ocsp: {e}"),
    };
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let accept = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|line| line.starts_with("ACCEPT"))
        .expect("openssl ocsp says where it listens");
    let port = accept
        .split_whitespace()
        .nth(1)
        .and_then(|a| a.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .expect("ACCEPT [::]:PORT");
    std::thread::spawn(move || lines.for_each(drop));
    Some(Responder { child, port })
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

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

const OCSP_REVOKED: u64 = 0x1001;
const OCSP_GOOD: u64 = 0x1002;
const CRL_REVOKED: u64 = 0x2001;
const CRL_GOOD: u64 = 0x2002;
const UNREACHABLE: u64 = 0x3001;
const DELEGATED: u64 = 0x4001;
const ROGUE: u64 = 0x5001;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ocsp_and_crl_answers_reach_the_store_the_rule_and_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let ca = test_ca();
    let index = format!(
        "R\t301231235959Z\t260520100000Z,keyCompromise\t{OCSP_REVOKED:X}\tunknown\t/CN=revoked.test\n\
         V\t301231235959Z\t\t{OCSP_GOOD:X}\tunknown\t/CN=good.test\n"
    );
    let Some(responder) = start_responder(&dir.path().join("ca"), &ca, None, &index) else {
        println!("SKIPPED: openssl is not installed (needed for a real OCSP responder)");
        return;
    };
    let revoked_line = |serial: u64, name: &str| {
        format!("R\t301231235959Z\t260520100000Z,keyCompromise\t{serial:X}\tunknown\t/CN={name}\n")
    };
    let delegate = responder_signer(Some(&ca));
    let delegated = start_responder(
        &dir.path().join("delegated"),
        &ca,
        Some(&delegate),
        &revoked_line(DELEGATED, "delegated.test"),
    )
    .expect("openssl");
    let rogue_signer = responder_signer(None);
    let rogue = start_responder(
        &dir.path().join("rogue"),
        &ca,
        Some(&rogue_signer),
        &revoked_line(ROGUE, "rogue.test"),
    )
    .expect("openssl");
    let delegated_url = format!("http://ocsp.test:{}", delegated.port);
    let rogue_url = format!("http://ocsp.test:{}", rogue.port);
    let (crl_der, crl_pem) = crl(&ca, CRL_REVOKED);
    let crls = file_server(vec![
        ("/ca.crl".into(), crl_der),
        ("/ca.pem.crl".into(), crl_pem.into_bytes()),
    ])
    .await;
    let ocsp = format!("http://ocsp.test:{}", responder.port);
    let (der_crl, pem_crl) = (
        format!("http://crl.test:{}/ca.crl", crls.port),
        format!("http://crl.test:{}/ca.pem.crl", crls.port),
    );
    let down = format!("http://down.test:{}/", closed_port());
    let leaves = [
        ("revoked.test", OCSP_REVOKED, Some(ocsp.as_str()), None),
        ("good.test", OCSP_GOOD, Some(ocsp.as_str()), None),
        (
            "crl-revoked.test",
            CRL_REVOKED,
            None,
            Some(der_crl.as_str()),
        ),
        ("crl-good.test", CRL_GOOD, None, Some(pem_crl.as_str())),
        ("unreachable.test", UNREACHABLE, Some(down.as_str()), None),
        (
            "delegated.test",
            DELEGATED,
            Some(delegated_url.as_str()),
            None,
        ),
        ("rogue.test", ROGUE, Some(rogue_url.as_str()), None),
    ];
    let mut targets = Vec::new();
    let mut sha = std::collections::HashMap::new();
    for (name, serial, ocsp, crl) in leaves {
        let (der, key) = leaf(&ca, name, serial, ocsp, crl);
        sha.insert(name, certatlas::certs::sha256_hex(&der));
        let port = tls_server(der, &key, &ca.der).await;
        targets.push(format!("{name}@127.0.0.1:{port}"));
    }
    let db = dir.path().join("inventory.db");
    let db_text = db.display().to_string();
    let mut args: Vec<String> = ["-q", "scan", "--check-revocation", "--db", &db_text]
        .map(String::from)
        .to_vec();
    for name in ["ocsp.test", "crl.test", "down.test"] {
        args.extend(["--resolve".to_string(), format!("{name}:127.0.0.1")]);
    }
    args.extend([
        "--format".into(),
        "jsonl".into(),
        "-o".into(),
        "/dev/null".into(),
    ]);
    args.extend(targets.iter().cloned());
    let out = run(args.clone()).await;
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", text(&out));

    let store = Store::open_read_only(&certatlas::store::Database::Sqlite(db.clone())).unwrap();
    let scan = store
        .latest_scan(true)
        .unwrap()
        .expect("a complete scan")
        .id;
    let checks = store.revocation_checks_as_of(scan).unwrap();
    let check = |name: &str| {
        checks
            .get(&sha[name])
            .unwrap_or_else(|| panic!("{name} checked: {checks:?}"))
            .check
            .clone()
    };
    let revoked = check("revoked.test");
    assert_eq!(
        (revoked.status.as_str(), revoked.source.as_str()),
        ("revoked", "ocsp"),
        "{revoked:?}"
    );
    assert_eq!(revoked.reason.as_deref(), Some("keyCompromise"));
    assert_eq!(revoked.revoked_at, Some(datetime!(2026-05-20 10:00 UTC)));
    assert!(
        revoked.next_update.is_some(),
        "openssl -nmin 60 sets nextUpdate"
    );
    let good = check("good.test");
    assert_eq!(
        (good.status.as_str(), good.source.as_str()),
        ("good", "ocsp"),
        "{good:?}"
    );
    let by_crl = check("crl-revoked.test");
    assert_eq!(
        (by_crl.status.as_str(), by_crl.source.as_str()),
        ("revoked", "crl"),
        "{by_crl:?}"
    );
    assert_eq!(by_crl.reason.as_deref(), Some("keyCompromise"));
    assert_eq!(by_crl.revoked_at, Some(datetime!(2026-05-21 08:30 UTC)));
    let pem_good = check("crl-good.test");
    assert_eq!(
        (pem_good.status.as_str(), pem_good.url.as_str()),
        ("good", pem_crl.as_str()),
        "{pem_good:?}"
    );
    let unknown = check("unreachable.test");
    assert_eq!(unknown.status, "unknown");
    let why = unknown.detail.clone().unwrap_or_default();
    assert!(
        why.contains(&down) && why.contains("connection failed"),
        "{why}"
    );
    assert_eq!(
        crls.hits.load(Ordering::SeqCst),
        2,
        "one download per CRL URL"
    );
    let by_delegate = check("delegated.test");
    assert_eq!(
        (by_delegate.status.as_str(), by_delegate.reason.as_deref()),
        ("revoked", Some("keyCompromise")),
        "a responder the CA delegated to with id-kp-OCSPSigning: {by_delegate:?}"
    );
    let by_rogue = check("rogue.test");
    let why = by_rogue.detail.clone().unwrap_or_default();
    assert_eq!(
        by_rogue.status, "unknown",
        "a rogue responder's answer does not count"
    );
    assert!(
        why.contains("neither the issuer nor a responder it authorised"),
        "{why}"
    );
    drop(store);

    let findings = run(["findings", "--db", &db_text, "--format", "json"]
        .map(String::from)
        .to_vec())
    .await;
    assert_eq!(findings.status.code(), Some(0), "{}", text(&findings));
    let doc: serde_json::Value = serde_json::from_slice(&findings.stdout).unwrap();
    let fired: Vec<(String, String)> = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "rfc5280.revoked-certificate-served")
        .map(|f| {
            (
                f["subject_key"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let mut expected = vec![
        (sha["revoked.test"].clone(), "critical".to_string()),
        (sha["crl-revoked.test"].clone(), "critical".to_string()),
        (sha["delegated.test"].clone(), "critical".to_string()),
    ];
    expected.sort();
    let mut fired_sorted = fired.clone();
    fired_sorted.sort();
    assert_eq!(fired_sorted, expected, "{doc}");

    let report = dir.path().join("report");
    let out = run([
        "report",
        "--db",
        &db_text,
        "--out",
        report.to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec())
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    assert!(
        html.contains("Revoked certificates (3)"),
        "report lists the three revoked leaves"
    );
    assert!(html.contains("keyCompromise") && html.contains("crl-revoked.test"));

    // A second scan within the freshness window asks nothing again.
    let again = run(args).await;
    assert!(
        again.status.code().is_some_and(|c| c <= 1),
        "{}",
        text(&again)
    );
    assert_eq!(
        crls.hits.load(Ordering::SeqCst),
        2,
        "fresh results are not fetched again"
    );
}

/// Stores one complete scan of `leaves` (each served at its own loopback
/// address, chain = leaf + CA) and returns its id.
fn store_scan(store: &Store, ca: &[u8], leaves: &[Vec<u8>]) -> ScanId {
    let at = time::OffsetDateTime::now_utc();
    let meta = ScanMeta {
        started_at: at,
        targets: vec!["127.0.0.0/8".into()],
        options: serde_json::json!({}),
        tool_version: "test".into(),
    };
    let scan = store.begin_scan(&meta).unwrap();
    let writer = store.writer(scan).unwrap();
    for (i, der) in leaves.iter().enumerate() {
        let address = format!("127.1.{}.{}", i >> 8, i & 0xff);
        let mut observation: Observation = serde_json::from_value(serde_json::json!({
            "host": address, "address": address, "port": 443,
            "started_at": "2000-01-01T00:00:00Z", "duration_ms": 1.0, "status": "tls",
        }))
        .unwrap();
        observation.started_at = at;
        observation.outcome = Outcome::Tls;
        observation.tls = Some(TlsSession {
            handshake_complete: true,
            ..TlsSession::default()
        });
        observation.chain_der = vec![der.clone(), ca.to_vec()];
        writer.write(observation).unwrap();
    }
    writer.finish().unwrap();
    store
        .finish_scan(scan, true, &serde_json::json!({}))
        .unwrap();
    scan
}

/// The benchmark of the issue, as a test that counts fetches: 1,000
/// certificates under one CA, each naming an OCSP responder that is down
/// and the CA's CRL, cost one CRL download and one OCSP request each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_certificates_under_one_ca_download_their_crl_once() {
    const COUNT: u64 = 1000;
    let ca = test_ca();
    let (crl_der, _) = crl(&ca, 500);
    let crls = file_server(vec![("/ca.crl".into(), crl_der)]).await;
    let crl_url = format!("http://crl.test:{}/ca.crl", crls.port);
    let ocsp_url = format!("http://ocsp.test:{}/", closed_port());
    let key = KeyPair::generate().unwrap();
    let leaves: Vec<Vec<u8>> = (1..=COUNT)
        .map(|serial| {
            let mut params = CertificateParams::new(vec![format!("host-{serial}.test")]).unwrap();
            params.serial_number = Some(SerialNumber::from(serial));
            params.custom_extensions.push(aia_ocsp(&ocsp_url));
            params.crl_distribution_points = vec![CrlDistributionPoint {
                uris: vec![crl_url.clone()],
            }];
            params.signed_by(&key, &ca.issuer).unwrap().der().to_vec()
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("bench.db")).unwrap();
    let scan = store_scan(&store, &ca.der, &leaves);
    let pairings = ["ocsp.test:127.0.0.1", "crl.test:127.0.0.1"]
        .map(|p| parse_resolve_in(p, &Origin::Unspecified).unwrap());
    let run = tokio::task::spawn_blocking(move || {
        let run = check_scan(
            &store,
            scan,
            &RevocationSettings::default(),
            Arc::new(Pairings::new(pairings)),
            certatlas::clock::Clock::real(),
        )
        .unwrap();
        (run, store)
    });
    let (run, store) = run.await.unwrap();
    println!(
        "revocation benchmark: {COUNT} certificates, one CA: {} CRL downloads ({} served), \
         {} OCSP requests; {}",
        run.crl_fetches,
        crls.hits.load(Ordering::SeqCst),
        run.ocsp_requests,
        run.line()
    );
    assert_eq!(run.checked, COUNT);
    assert_eq!((run.crl_fetches, crls.hits.load(Ordering::SeqCst)), (1, 1));
    assert_eq!(
        run.ocsp_requests, COUNT,
        "one OCSP request per certificate and URL"
    );
    assert_eq!((run.revoked, run.good, run.unknown), (1, COUNT - 1, 0));
    let checks = store.revocation_checks_as_of(scan).unwrap();
    assert_eq!(checks.len() as u64, COUNT);
}
