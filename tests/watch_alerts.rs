//! The scheduled path end to end, through the binary, against the lab and
//! a local webhook receiver (loopback only): `watch` scans, the lab renews
//! a certificate into the expiry window, the next run stores it, `diff`
//! shows the renewal between the two stored scans, exactly one alert
//! reaches the receiver, and a third identical run sends none.
//!
//! The scenario runs on SQLite and on a fresh PostgreSQL database (skipped
//! visibly without a server), where the scope lock is an advisory lock and
//! the outbox a table of the shared inventory.
//!
//! The watch runs on an hourly interval and each later run is started
//! with SIGUSR1 once the test has changed the certificate: a short timer
//! would race the renewal. The fixed `--clock` makes the expiry window
//! deterministic.

mod common;
#[path = "common/postgres.rs"]
mod pg;

use std::path::Path;

use certatlas::certs::sha256_hex;
use certatlas::store::{Database, OutboxStatus, Store};
use common::fixed_now;
use common::watch::{stored_scans, Running};
use common::webhook::{write_config, Receiver};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn watch_stores_a_changed_certificate_diffs_it_and_alerts_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    renewal_between_runs(dir.path(), db.to_str().unwrap()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_into_postgresql() {
    // The postgres client is synchronous: it runs off the runtime.
    let database = tokio::task::spawn_blocking(|| pg::database("watch_alerts"));
    let Some(database) = database.await.unwrap() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    renewal_between_runs(dir.path(), &database.url).await;
    tokio::task::spawn_blocking(move || drop(database))
        .await
        .unwrap();
}

/// The scenario, with the config in `dir` and the inventory at `db` (a
/// SQLite path or a PostgreSQL URL).
async fn renewal_between_runs(dir: &Path, db: &str) {
    let receiver = Receiver::start(0).await;
    let mut lab = common::lab().await;
    let hook = format!(
        "name = \"pki\"\nurl = \"{}\"\nevents = [\"expiry\"]",
        receiver.url
    );
    let config = write_config(dir, &lab, &hook);
    let case = lab.case("good-ecdsa").unwrap().clone();
    let old_leaf = sha256_hex(&case.expected_chains[0][0]);
    let args: Vec<String> = [
        "watch",
        "--every",
        "1h",
        "--runs",
        "3",
        "--clock",
        "2026-06-01T12:00:00Z",
        "--db",
        db,
        "--config",
        config.to_str().unwrap(),
        &case.address.to_string(),
        "--sni",
        case.server_names[0].as_deref().unwrap(),
    ]
    .map(String::from)
    .to_vec();
    let watch_db = db.to_string();
    let mut watch = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut watch = Running::spawn(&args, Path::new(&watch_db));
        watch.wait_for("run 1: scan 1 complete");
        watch
    })
    .await
    .unwrap();
    // Renewed 80 days before the clock: the new leaf expires in 10 days.
    let renewed = lab.renew("good-ecdsa", fixed_now() - time::Duration::days(80));
    let new_leaf = sha256_hex(&renewed.unwrap().expected_chains[0][0]);
    let (watch, alerts) = tokio::task::spawn_blocking(move || {
        watch.signal(libc::SIGUSR1);
        watch.wait_for("run 2: scan 2 complete");
        let alerts = receiver.wait_for(1);
        watch.signal(libc::SIGUSR1);
        watch.wait_for("run 3: scan 3 complete");
        let status = watch.wait_exit();
        assert_eq!(status.code(), Some(0), "{}", watch.text());
        (watch, (alerts, receiver.requests()))
    })
    .await
    .unwrap();
    lab.shutdown().await;
    let (after_run_2, after_exit) = alerts;
    assert_eq!(after_run_2.len(), 1, "{after_run_2:?}");
    let body = &after_run_2[0].body;
    assert_eq!(body["key"], format!("expiry:30d:{new_leaf}").as_str());
    assert_eq!(body["subject"]["certificate"], new_leaf.as_str());
    assert_eq!(
        after_exit.len(),
        1,
        "the identical third run sends nothing: {after_exit:?}\n{}",
        watch.text()
    );
    let store = Database::parse(db);
    let outbox = tokio::task::spawn_blocking(move || Store::connect(&store)?.alert_outbox());
    let outbox = outbox.await.unwrap().unwrap();
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    assert_eq!(outbox[0].status, OutboxStatus::Delivered);
    assert_stored_and_diffed(db, &old_leaf, &new_leaf);
}

/// Three complete scans; `diff 1 2` shows the renewal at the endpoint
/// (its SNI variants fold into it).
fn assert_stored_and_diffed(db_arg: &str, old_leaf: &str, new_leaf: &str) {
    let scans = stored_scans(Path::new(db_arg));
    assert_eq!(scans.len(), 3, "{scans:?}");
    assert!(scans.iter().all(|s| s["status"] == "complete"), "{scans:?}");
    let out = common::certatlas(&["diff", "1", "2", "--db", db_arg, "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let diff: Value = serde_json::from_slice(&out.stdout).unwrap();
    let changed = diff["items"]["diff"]["changed"].as_array().unwrap();
    let renewal = changed
        .iter()
        .find(|c| c["new"]["sha256"] == new_leaf)
        .unwrap_or_else(|| panic!("no change to the renewed leaf: {diff}"));
    assert_eq!(changed.len(), 1, "one endpoint, however many names: {diff}");
    assert_eq!(renewal["kind"], "renewal", "{diff}");
    assert_eq!(renewal["old"]["sha256"], old_leaf);
    assert_eq!(renewal["new"]["sha256"], new_leaf);
    let out = common::certatlas(&["diff", "2", "3", "--db", db_arg, "--format", "json"]);
    let unchanged: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        unchanged["items"]["diff"]["changed"]
            .as_array()
            .map(Vec::len),
        Some(0),
        "{unchanged}"
    );
}
