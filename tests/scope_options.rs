//! Every scan records its resolved probe options, `[scope]` holds them all,
//! and a scan whose options differ from the previous scan of its targets
//! says so: through the binary, against loopback lab servers only.

mod common;

use std::path::Path;

use common::certatlas;
use common::watch::{scratch_db, stored_scans};

/// The address (`127.0.0.1:port`) of a lab case.
fn target(lab: &certatlas::demo::Lab, case: &str) -> String {
    lab.case(case).expect("lab case").address.to_string()
}

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

/// The run summary of a `--format json` scan's stdout.
fn json_summary(out: &std::process::Output) -> serde_json::Value {
    let document: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json output");
    document["summary"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scan_with_other_options_than_the_previous_says_so() {
    let lab = common::lab().await;
    let (_dir, db) = scratch_db();
    let base = vec![
        "scan".into(),
        target(&lab, "good-ecdsa"),
        "--db".into(),
        db.display().to_string(),
    ];
    let with = |extra: &[&str]| [base.clone(), strings(extra)].concat();
    let first = run(with(&["--sni", "tls10.example", "--format", "json"])).await;
    assert!(
        json_summary(&first).get("options_change").is_none(),
        "nothing before"
    );
    let second = run(with(&["--versions", "--format", "json"])).await;
    assert_eq!(
        json_summary(&second)["options_change"],
        serde_json::json!({"previous_scan": 1, "changes": ["sni: -tls10.example", "+versions"]})
    );
    let third = run(with(&["--versions"])).await;
    let table = String::from_utf8_lossy(&third.stdout);
    assert!(!table.contains("options differ"), "same options: {table}");
    let fourth = run(with(&["--all-certs", "--timeout", "5s"])).await;
    let table = String::from_utf8_lossy(&fourth.stdout);
    assert!(
        table.contains(
            "note: options differ from scan 3: -versions, +all-certs, timeout: 10s -> 5s"
        ),
        "{table}"
    );
    lab.shutdown().await;
    let scans = stored_scans(&db);
    assert_eq!(scans.len(), 4);
    let newest = &scans[0]["options"];
    assert_eq!(newest["options_version"], 2);
    assert_eq!(
        (newest["all_certs"].as_bool(), newest["timeout_ms"].as_u64()),
        (Some(true), Some(5000))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_and_scan_of_one_config_record_the_same_options() {
    let lab = common::lab().await;
    let (dir, db) = scratch_db();
    let config = dir.path().join("certatlas.toml");
    let scope = format!(
        "[scope]\ntargets = [\"{}\"]\nsni = [\"www.example.org\"]\nversions = true\n\
         all_certs = true\nstarttls = \"none\"\ntimeout = \"4s\"\nrate = 500\n",
        target(&lab, "good-ecdsa")
    );
    std::fs::write(&config, scope).expect("config");
    let common = strings(&[
        "--config",
        config.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
    ]);
    run([
        strings(&["watch", "--every", "1h", "--runs", "1"]),
        common.clone(),
    ]
    .concat())
    .await;
    let scan = run([strings(&["scan", "--format", "json"]), common].concat()).await;
    lab.shutdown().await;
    assert!(
        json_summary(&scan).get("options_change").is_none(),
        "same scope, same options"
    );
    let scans = stored_scans(&db);
    assert_eq!(scans.len(), 2);
    assert_eq!(scans[0]["targets"], scans[1]["targets"]);
    assert_eq!(scans[0]["options"], scans[1]["options"]);
    let options = &scans[0]["options"];
    assert_eq!(options["sni"], serde_json::json!(["www.example.org"]));
    assert_eq!(
        (options["versions"].as_bool(), options["starttls"].as_str()),
        (Some(true), Some("none"))
    );
    assert_eq!(
        (options["timeout_ms"].as_u64(), options["rate"].as_u64()),
        (Some(4000), Some(500))
    );
}

#[test]
fn a_bad_scope_value_exits_2_naming_where_and_writes_nothing() {
    let (dir, db) = scratch_db();
    let config = dir.path().join("certatlas.toml");
    let check = |command: &str, bad: &str| {
        std::fs::write(
            &config,
            format!("[scope]\ntargets = [\"127.0.0.1\"]\n{bad}\n"),
        )
        .unwrap();
        let mut args = vec![
            command,
            "--config",
            config.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ];
        if command == "watch" {
            args.extend(["--every", "1h", "--runs", "1"]);
        }
        let out = certatlas(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        let at = format!("{}:3:", config.display());
        assert!(stderr.contains(&at), "{stderr} should name {at}");
        assert!(!Path::new(&db).exists(), "nothing written: {stderr}");
        assert!(out.stdout.is_empty());
        stderr.to_string()
    };
    assert!(check("scan", "versions = \"yes\"").contains("invalid type"));
    assert!(check("watch", "sni_dicsover = true").contains("unknown field `sni_dicsover`"));
    assert!(check("scan", "starttls = \"smtpx\"").contains("scope.starttls"));
}
