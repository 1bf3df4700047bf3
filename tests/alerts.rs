//! Webhook alerts through the binary, against the lab and a local HTTP
//! receiver on 127.0.0.1 (port 0) that records every request and can
//! answer 500 to the first ones: a certificate renewed into the expiry
//! window between two scans is alerted once, and a third identical scan
//! sends nothing; a failed first attempt is retried and the outbox says so;
//! an unreachable webhook leaves the scan stored, exit 0, and its failures
//! counted by `certatlas metrics`.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use certatlas::certs::{parse_certificate, sha256_hex};
use certatlas::demo::{Lab, LabCase};
use certatlas::store::{OutboxStatus, Store};
use common::fixed_now;
use common::webhook::{write_config, Received, Receiver, PROXY_VARIABLES};
use tokio::net::TcpListener;

/// Runs the binary without proxies in its environment and with a token.
async fn run(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_certatlas"));
        for proxy in PROXY_VARIABLES {
            command.env_remove(proxy);
        }
        command
            .args(&args)
            .env_remove("RUST_LOG")
            .env("CERTATLAS_TEST_HOOK_TOKEN", "Bearer s3cret")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

/// `certatlas scan` of `cases` into `db` with `config`, on the fixed clock.
async fn scan(db: &Path, config: &Path, cases: &[LabCase], extra: &[&str]) {
    let mut args: Vec<String> = [
        "scan",
        "--format",
        "jsonl",
        "-q",
        "--clock",
        "2026-06-01T12:00:00Z",
    ]
    .map(String::from)
    .to_vec();
    args.extend(["--db".into(), db.display().to_string()]);
    args.extend(["--config".into(), config.display().to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(cases.iter().map(|c| c.address.to_string()));
    let names: Vec<String> = cases
        .iter()
        .flat_map(|c| c.server_names.iter().flatten().cloned())
        .collect();
    args.extend(["--sni".into(), names.join(",")]);
    let out = run(args).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn case(lab: &Lab, name: &str) -> LabCase {
    lab.case(name).unwrap().clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_entering_the_window_is_alerted_once_across_scans() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let receiver = Receiver::start(0).await;
    let mut lab = common::lab().await;
    let hook = format!(
        "name = \"pki\"\nurl = \"{}\"\nmin_severity = \"high\"",
        receiver.url
    );
    let config = write_config(dir.path(), &lab, &hook);
    scan(&db, &config, &[case(&lab, "good-ecdsa")], &[]).await;
    let first = receiver.keys();
    assert!(!first.iter().any(|k| k.starts_with("expiry:")), "{first:?}");
    // Renewed 80 days ago: the new leaf expires 10 days after the clock.
    let renewed = lab
        .renew("good-ecdsa", fixed_now() - time::Duration::days(80))
        .unwrap()
        .clone();
    let leaf = &renewed.expected_chains[0][0];
    let (sha, not_after) = (sha256_hex(leaf), parse_certificate(leaf).unwrap().not_after);
    scan(&db, &config, std::slice::from_ref(&renewed), &[]).await;
    let second: Vec<Received> = receiver.requests().split_off(first.len());
    let keys: Vec<&str> = second
        .iter()
        .map(|r| r.body["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [format!("expiry:30d:{sha}")],
        "only the renewed leaf entered the window"
    );
    let body = &second[0].body;
    assert_eq!(body["schema"], "certatlas-alert/1");
    assert_eq!(
        (body["kind"].as_str(), body["webhook"].as_str()),
        (Some("expiry"), Some("pki"))
    );
    assert_eq!(body["subject"]["certificate"], sha.as_str());
    let rfc3339 = not_after
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    assert_eq!(body["values"]["not_after"], rfc3339.as_str());
    assert_eq!(body["values"]["window_days"], 30);
    scan(&db, &config, &[renewed], &[]).await;
    lab.shutdown().await;
    assert_eq!(
        receiver.requests().len(),
        first.len() + 1,
        "a third identical scan sends nothing"
    );
    let outbox = Store::open(&db).unwrap().alert_outbox().unwrap();
    assert!(
        outbox.iter().all(|r| r.status == OutboxStatus::Delivered),
        "{outbox:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_first_attempt_is_retried_and_recorded_in_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let receiver = Receiver::start(1).await;
    let lab = common::lab().await;
    let hook = format!(
        "name = \"retry\"\nurl = \"{}\"\nevents = [\"shadow_ca\"]\nauth_env = \"CERTATLAS_TEST_HOOK_TOKEN\"",
        receiver.url
    );
    let config = write_config(dir.path(), &lab, &hook);
    scan(&db, &config, &[case(&lab, "shadow-ca")], &[]).await;
    lab.shutdown().await;
    let requests = receiver.requests();
    assert!(requests.len() >= 2, "{requests:?}");
    let first = &requests[0];
    assert_eq!((first.answered, first.attempt.as_str()), (500, "1"));
    assert!(
        requests.iter().all(|r| r.authorization == "bearer s3cret"),
        "{requests:?}"
    );
    let key = first.body["key"].as_str().unwrap();
    assert!(key.starts_with("shadow_ca:"), "{key}");
    let retried: Vec<&Received> = requests.iter().filter(|r| r.body["key"] == key).collect();
    assert_eq!(retried.len(), 2, "sent twice: failed, then delivered");
    assert_eq!(
        (retried[1].answered, retried[1].attempt.as_str()),
        (204, "2")
    );
    let outbox = Store::open(&db).unwrap().alert_outbox().unwrap();
    assert_eq!(
        outbox.len(),
        requests.len() - 1,
        "every other event went through at once"
    );
    for row in &outbox {
        assert_eq!(row.status, OutboxStatus::Delivered, "{row:?}");
        let expected = if row.event_key == key { (2, 1) } else { (1, 0) };
        assert_eq!((row.attempts, row.failures), expected, "{row:?}");
        assert_eq!(row.last_http_status, Some(204));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_webhook_leaves_the_scan_stored_and_counts_its_failures() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", closed.local_addr().unwrap());
    drop(closed);
    let lab = common::lab().await;
    let hook = format!("name = \"down\"\nurl = \"{url}\"\nevents = [\"shadow_ca\"]");
    let config = write_config(dir.path(), &lab, &hook);
    scan(
        &db,
        &config,
        &[case(&lab, "shadow-ca")],
        &["--alert-grace", "5s"],
    )
    .await;
    lab.shutdown().await;
    let store = Store::open(&db).unwrap();
    let scan = store
        .latest_scan(true)
        .unwrap()
        .expect("the scan is stored as complete");
    assert!(scan.observations > 0, "{scan:?}");
    let outbox = store.alert_outbox().unwrap();
    assert!(!outbox.is_empty() && outbox.iter().all(|r| r.status == OutboxStatus::Pending));
    let failures: u32 = outbox.iter().map(|r| r.failures).sum();
    assert!(failures >= 1, "{outbox:?}");
    assert!(outbox.iter().all(|r| r
        .last_error
        .as_deref()
        .is_some_and(|e| e.starts_with("cannot connect"))));
    let args = [
        "metrics",
        "--db",
        db.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
    ];
    let out = run(args.map(String::from).to_vec()).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let counter =
        format!("certatlas_alert_delivery_failures_total{{webhook=\"down\"}} {failures}\n");
    assert!(text.contains(&counter), "{counter:?} not in\n{text}");
    let pending = format!(
        "certatlas_alerts{{webhook=\"down\",status=\"pending\"}} {}\n",
        outbox.len()
    );
    assert!(text.contains(&pending), "{pending:?} not in\n{text}");
}
