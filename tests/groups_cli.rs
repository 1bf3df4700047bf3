//! `--groups` through the binary against a loopback lab server (rustls with
//! its default groups: X25519MLKEM768, X25519, secp256r1, secp384r1): the
//! JSON observation carries the answers, the scan's options record the
//! flag, the stored scan's endpoint model (report.json) has them, and the
//! next scan without `--groups` says the option went away.

mod common;

use common::certatlas;
use common::watch::{scratch_db, stored_scans};

/// Runs `certatlas` with `args` (off the async runtime), asserting exit 0.
async fn run(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = certatlas(&args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    })
    .await
    .expect("blocking task")
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn groups_are_observed_recorded_stored_and_their_absence_is_noted() {
    let lab = common::lab().await;
    let (dir, db) = scratch_db();
    let target = lab
        .case("good-ecdsa")
        .expect("lab case")
        .address
        .to_string();
    let db_text = db.display().to_string();
    let base = strings(&["scan", &target, "--db", &db_text]);
    let with = |extra: &[&str]| [base.clone(), strings(extra)].concat();

    let first = run(with(&["--groups", "--format", "json"])).await;
    let document: serde_json::Value = serde_json::from_slice(&first.stdout).expect("json");
    let groups = &document["observations"][0]["groups"];
    for accepted in ["X25519MLKEM768", "X25519", "secp256r1", "secp384r1"] {
        assert_eq!(groups[accepted], "accepted", "{accepted}: {groups}");
    }
    for rejected in ["SecP256r1MLKEM768", "SecP384r1MLKEM1024"] {
        assert_eq!(groups[rejected], "rejected", "{rejected}: {groups}");
    }

    let report = dir.path().join("report").display().to_string();
    run(strings(&["report", "--db", &db_text, "--out", &report])).await;
    let text = std::fs::read_to_string(dir.path().join("report/report.json")).expect("report");
    let report: serde_json::Value = serde_json::from_str(&text).expect("report.json");
    let endpoint = &report["endpoints"][0]["groups"];
    assert_eq!(endpoint["probed"], true, "{endpoint}");
    assert_eq!(endpoint["hybrid_pq"], serde_json::json!(["X25519MLKEM768"]));

    let second = run(with(&["--format", "json"])).await;
    let document: serde_json::Value = serde_json::from_slice(&second.stdout).expect("json");
    assert!(document["observations"][0].get("groups").is_none());
    assert_eq!(
        document["summary"]["options_change"]["changes"],
        serde_json::json!(["-groups"])
    );
    lab.shutdown().await;
    let scans = stored_scans(&db);
    assert_eq!(scans[1]["options"]["groups"], true, "the first scan");
    assert_eq!(scans[0]["options"]["groups"], false, "the second scan");
}
