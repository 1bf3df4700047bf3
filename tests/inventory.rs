//! The inventory through the binary: two scans of the lab around a renewal
//! give a diff with the lead time and a history with both certificates; CA
//! classes and owners come from a config file; a bad config stops before
//! anything is written; a scan killed with SIGKILL leaves a usable database.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use certatlas::certs::sha256_hex;
use certatlas::demo::{Lab, LabCase};
use certatlas::store::{ScanId, ScanStatus, Store};
use common::{certatlas, fixed_now};
use serde_json::Value;

/// `certatlas scan` of lab cases into `db`, with the clock at `at`.
async fn scan_into(db: &Path, cases: &[LabCase], at: time::OffsetDateTime, extra: &[&str]) {
    let mut args: Vec<String> = vec![
        "scan".into(),
        "--format".into(),
        "jsonl".into(),
        "-q".into(),
    ];
    args.extend(["--db".into(), db.display().to_string()]);
    args.extend([
        "--clock".into(),
        at.format(&time::format_description::well_known::Rfc3339)
            .unwrap(),
    ]);
    args.extend(extra.iter().map(|s| s.to_string()));
    let names: Vec<String> = cases
        .iter()
        .flat_map(|c| c.server_names.iter().flatten().cloned())
        .collect();
    args.extend(cases.iter().map(|c| c.address.to_string()));
    args.extend(["--sni".into(), names.join(",")]);
    let out = tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        certatlas(&refs)
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A command's JSON output.
fn json_of(args: &[&str]) -> Value {
    let out = certatlas(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn cases(lab: &Lab, names: &[&str]) -> Vec<LabCase> {
    names.iter().map(|n| lab.case(n).unwrap().clone()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_renewal_shows_in_diff_with_its_lead_time_and_in_history() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let mut lab = common::lab().await;
    let watched = cases(&lab, &["good-ecdsa", "good-rsa"]);
    scan_into(&db, &watched, fixed_now(), &[]).await;
    let old_leaf = sha256_hex(&watched[0].expected_chains[0][0]);
    // Renewed 60 days in; the old certificate expires at day 90.
    let renewed_at = fixed_now() + time::Duration::days(60);
    let renewed = lab.renew("good-ecdsa", renewed_at).unwrap().clone();
    let new_leaf = sha256_hex(&renewed.expected_chains[0][0]);
    scan_into(
        &db,
        &cases(&lab, &["good-ecdsa", "good-rsa"]),
        renewed_at,
        &[],
    )
    .await;
    lab.shutdown().await;
    let db_arg = db.display().to_string();
    let diff = json_of(&["diff", "--db", &db_arg, "--format", "json"]);
    // good-ecdsa's endpoint changed, once: its SNI variants (--sni tries
    // every name on every address) got the same chain and fold into it.
    // Nothing at good-rsa did.
    let changed: Vec<&Value> = diff["items"]["diff"]["changed"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    let ecdsa_address = renewed.address.ip().to_string();
    assert!(
        changed
            .iter()
            .all(|c| c["endpoint"]["address"] == ecdsa_address.as_str()),
        "{diff}"
    );
    assert!(changed[0]["endpoint"]["sni"].is_null(), "{diff}");
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0]["kind"], "renewal");
    assert_eq!(changed[0]["rekeyed"], true);
    assert_eq!(changed[0]["old"]["sha256"], old_leaf.as_str());
    assert_eq!(changed[0]["new"]["sha256"], new_leaf.as_str());
    let lead = changed[0]["lead_days"].as_f64().unwrap();
    assert!(lead > 29.9 && lead <= 30.0, "lead time {lead}");
    let endpoint = format!(
        "{}/{}",
        renewed.address,
        renewed.server_names[0].clone().unwrap()
    );
    let history = json_of(&["history", "--db", &db_arg, &endpoint, "--format", "json"]);
    let leaves: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["leaf_sha256"].as_str().unwrap())
        .collect();
    assert_eq!(leaves.len(), 2, "{history}");
    assert!(leaves.contains(&old_leaf.as_str()) && leaves.contains(&new_leaf.as_str()));
    let table = certatlas(&["diff", "--db", &db_arg]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("renewal (re-keyed), 30.0 days before the old one expired"),
        "{text}"
    );
}

/// A config declaring the lab's approved root and one owner rule.
fn write_config(dir: &Path, lab: &Lab) -> std::path::PathBuf {
    let owners = "[[owners]]\nname = \"web-team\"\nsan = [\"good-*.lab.certatlas.test\"]\n";
    common::write_lab_config(dir, lab, owners)
}

fn row<'a>(items: &'a Value, case: &str) -> &'a Value {
    let name = format!("{case}.lab.certatlas.test");
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["certificate"]["subject"]["common_names"][0] == name.as_str())
        .unwrap_or_else(|| panic!("{case} listed"))
}

#[tokio::test(flavor = "multi_thread")]
async fn classes_owners_and_filters_come_from_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let lab = common::lab().await;
    let config = write_config(dir.path(), &lab);
    let (db_arg, config_arg) = (db.display().to_string(), config.display().to_string());
    let names = [
        "good-rsa",
        "shadow-ca",
        "self-signed",
        "missing-intermediate",
        "expired",
        "expiring-soon",
    ];
    scan_into(
        &db,
        &cases(&lab, &names),
        fixed_now(),
        &["--config", &config_arg],
    )
    .await;
    lab.shutdown().await;
    let list = |extra: &[&str]| {
        let mut args = vec![
            "inventory",
            "--db",
            &db_arg,
            "--config",
            &config_arg,
            "--format",
            "json",
            "--clock",
            "2026-06-01T12:00:00Z",
        ];
        args.extend_from_slice(extra);
        json_of(&args)["items"].clone()
    };
    let all = list(&[]);
    assert_eq!(row(&all, "good-rsa")["ca_class"], "approved");
    assert_eq!(row(&all, "good-rsa")["owner"], "web-team");
    assert!(row(&all, "good-rsa")["owner_rule"]
        .as_str()
        .unwrap()
        .contains("san"));
    assert_eq!(row(&all, "shadow-ca")["ca_class"], "shadow");
    assert_eq!(row(&all, "shadow-ca")["owner"], Value::Null);
    assert_eq!(row(&all, "self-signed")["ca_class"], "self_signed");
    let missing = row(&all, "missing-intermediate");
    assert_eq!(missing["ca_class"], "approved");
    assert_eq!(missing["chain_problems"], serde_json::json!(["incomplete"]));
    let shadow = list(&["--ca-class", "shadow"]);
    assert_eq!(shadow.as_array().unwrap().len(), 1);
    let expiring = list(&["--expiring", "30d"]);
    let mut soon: Vec<&str> = expiring
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["certificate"]["subject"]["common_names"][0]
                .as_str()
                .unwrap()
        })
        .collect();
    soon.sort();
    assert_eq!(
        soon,
        [
            "expired.lab.certatlas.test",
            "expiring-soon.lab.certatlas.test"
        ]
    );
    let unassigned = list(&["--owner", "unassigned"]);
    assert_eq!(unassigned.as_array().unwrap().len(), names.len() - 1);
    let cas = json_of(&[
        "cas",
        "--db",
        &db_arg,
        "--config",
        &config_arg,
        "--format",
        "json",
    ]);
    let class_of = |cn: &str| {
        cas["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["subject"].as_str().unwrap().contains(cn))
            .map(|c| c["class"].clone())
    };
    assert_eq!(
        class_of("certatlas Lab Approved Root"),
        Some(Value::from("approved"))
    );
    assert_eq!(class_of("Shadow Private Root"), Some(Value::from("shadow")));
}

#[test]
fn a_bad_config_stops_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[[owners]]\nname = \"x\"\ncolour = \"blue\"\n").unwrap();
    let (db, out) = (dir.path().join("inv.db"), dir.path().join("out.jsonl"));
    let output = certatlas(&[
        "scan",
        "127.0.0.1",
        "-p",
        "443",
        "--config",
        config.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("bad.toml:3:"), "{err}");
    assert!(!db.exists() && !out.exists(), "nothing written");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scan_killed_with_sigkill_leaves_a_usable_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let lab = common::lab().await;
    let good = cases(&lab, &["good-rsa"]);
    scan_into(&db, &good, fixed_now(), &[]).await;
    // Scan 2: the lab case answers at once, the silent listener holds on.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_certatlas"))
        .args([
            "scan",
            "-q",
            "--format",
            "jsonl",
            "-o",
            "/dev/null",
            "--timeout",
            "120s",
        ])
        .args([
            "--db",
            db.to_str().unwrap(),
            &silent.local_addr().unwrap().to_string(),
        ])
        .args([
            &good[0].address.to_string(),
            "--sni",
            good[0].server_names[0].as_deref().unwrap(),
        ])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let _held = silent.accept().unwrap();
    // Wait (bounded) until the writer has committed scan 2's first batch.
    let committed = (0..400).any(|_| {
        let scans = Store::open(&db).and_then(|s| s.scan(ScanId(2)));
        if matches!(scans, Ok(Some(ref s)) if s.observations >= 2) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
        false
    });
    assert!(committed, "scan 2 committed its first observations");
    // Another process reads the inventory while the scan is writing.
    let reading = certatlas(&["scans", "--db", db.to_str().unwrap(), "--format", "json"]);
    assert_eq!(reading.status.code(), Some(0));
    let listed: Value = serde_json::from_slice(&reading.stdout).unwrap();
    assert_eq!(listed["items"][0]["status"], "running");
    assert_eq!(listed["items"][1]["status"], "complete");
    unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
    child.wait().unwrap();
    lab.shutdown().await;
    let store = Store::open(&db).unwrap();
    let first = store.scan(ScanId(1)).unwrap().unwrap();
    assert_eq!(first.status, ScanStatus::Complete);
    assert_eq!(first.observations, 2, "no SNI and the case's name");
    let killed = store.scan(ScanId(2)).unwrap().unwrap();
    assert_eq!(killed.status, ScanStatus::Interrupted);
    assert!(killed.observations >= 2);
    let listing = certatlas(&["scans", "--db", db.to_str().unwrap()]);
    assert_eq!(listing.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&listing.stdout).contains("interrupted"));
}
