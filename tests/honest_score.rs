//! Scores that cannot be gamed, end to end through the binary against
//! the lab's loopback servers on a fixed clock: endpoint metrics from a
//! scan without `--versions` are unknown with their reason and fix (not
//! "100 % (1/1)" from the one endpoint that negotiated TLS 1.0); three
//! scans in a row score exactly as one does (the whole card); a scope where
//! nothing listens is not assessed; coverage stands beside every level in
//! the table, the JSON and the HTML report.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use certatlas::demo::{Lab, LabCase};

const CLOCK: &str = "2026-06-01T12:00:00Z";

/// Runs the binary off the runtime (the lab serves on it meanwhile).
async fn run(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_certatlas"))
            .args(&args)
            .env_remove("RUST_LOG")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `certatlas COMMAND --db DB --config CONFIG --clock CLOCK EXTRA...`,
/// which must succeed.
async fn certatlas(command: &str, db: &Path, config: &Path, extra: Vec<String>) -> Output {
    let mut args: Vec<String> = vec![command.into(), "--clock".into(), CLOCK.into()];
    args.extend(["--db".into(), db.display().to_string()]);
    args.extend(["--config".into(), config.display().to_string()]);
    args.extend(extra);
    let out = run(args).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    out
}

/// The scan arguments for `cases`: their addresses and server names.
fn scan_args(cases: &[LabCase]) -> Vec<String> {
    let mut args: Vec<String> = vec!["-q".into()];
    args.extend(cases.iter().map(|c| c.address.to_string()));
    let names: Vec<String> = cases
        .iter()
        .flat_map(|c| c.server_names.iter().flatten().cloned())
        .collect();
    if !names.is_empty() {
        args.extend(["--sni".into(), names.join(",")]);
    }
    args
}

fn cases(lab: &Lab) -> Vec<LabCase> {
    ["good-rsa", "good-ecdsa", "legacy-tls10", "tls12-only"]
        .iter()
        .map(|name| lab.case(name).unwrap().clone())
        .collect()
}

/// The score card of the latest scan in `db`, as JSON.
async fn card(db: &Path, config: &Path) -> serde_json::Value {
    let out = certatlas("score", db, config, vec!["--format".into(), "json".into()]).await;
    let value: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)));
    assert_eq!(value["kind"], "score");
    value["items"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn endpoint_metrics_without_versions_are_unknown_and_coverage_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let lab = common::lab().await;
    let config = common::write_lab_config(dir.path(), &lab, "");
    let db = dir.path().join("inventory.db");
    certatlas("scan", &db, &config, scan_args(&cases(&lab))).await;
    let card = card(&db, &config).await;
    let endpoints = card["metrics"]["metrics"]["endpoints"]["value"]
        .as_f64()
        .unwrap();
    assert!(endpoints >= 4.0, "{endpoints}");
    for id in ["legacy_tls", "tls13_share", "pq_hybrid_share"] {
        let m = &card["metrics"]["metrics"][id];
        assert!(m["value"].is_null(), "{id} must be unknown: {m}");
        assert_eq!(
            (m["measured"].as_u64(), m["coverage"].as_f64()),
            (Some(0), Some(0.0))
        );
        let note = m["note"].as_str().unwrap();
        let expected = format!("accepted versions probed on 0 of {endpoints} endpoints");
        assert!(note.starts_with(&expected), "{id}: {note}");
        assert!(note.ends_with(": scan with --versions"), "{id}: {note}");
    }
    // Coverage beside each level: JSON, table, HTML.
    let cert = card["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "M.certificate-management")
        .unwrap();
    let coverage = cert["coverage"].as_f64().unwrap();
    // The rated share of the category's weight (17), a partial claim
    // counting half: cert-profiles 2 × ½ + cert-lifecycle 4 × ½ +
    // cert-inventory 3 × ½ + cert-discovery 2 × 1 + pki-governance 2 × ½
    // = 7.5 (cert-mgmt-review, 4, has no evidence).
    assert!((coverage - 7.5 / 17.0).abs() < 1e-9, "{coverage}");
    let table = certatlas("score", &db, &config, vec![]).await;
    let line = text(&table.stdout)
        .lines()
        .find(|l| l.contains("M.certificate-management"))
        .map(str::to_string)
        .unwrap();
    assert!(line.contains("44%"), "{line}");
    let report = dir.path().join("report");
    let out = vec!["--out".into(), report.display().to_string()];
    certatlas("report", &db, &config, out).await;
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    assert!(html.contains("M.certificate-management<tspan class=\"radar-label-level\">"));
    assert!(html.contains("<tspan class=\"radar-label-coverage\"> · 44% covered</tspan>"));
}

#[tokio::test(flavor = "multi_thread")]
async fn three_scans_in_a_row_score_exactly_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let lab = common::lab().await;
    let config = common::write_lab_config(dir.path(), &lab, "");
    let once = dir.path().join("once.db");
    let thrice = dir.path().join("thrice.db");
    let args = scan_args(&cases(&lab));
    certatlas("scan", &once, &config, args.clone()).await;
    for _ in 0..3 {
        certatlas("scan", &thrice, &config, args.clone()).await;
    }
    let one = card(&once, &config).await;
    let three = card(&thrice, &config).await;
    assert_eq!(three["history"]["scans"], 1, "{}", three["history"]);
    assert_eq!(three, one, "the whole card");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scope_where_nothing_listens_is_not_assessed() {
    let dir = tempfile::tempdir().unwrap();
    let lab = common::lab().await;
    let config = common::write_lab_config(dir.path(), &lab, "");
    // A port that was free a moment ago and that nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let db = dir.path().join("inventory.db");
    let args = vec![
        "-q".into(),
        "127.0.0.1".into(),
        "-p".into(),
        port.to_string(),
    ];
    certatlas("scan", &db, &config, args).await;
    let card = card(&db, &config).await;
    let reason = card["not_assessed"].as_str().unwrap();
    assert!(reason.contains("no certificate was observed"), "{reason}");
    assert!(card["overall_level"].is_null() && card["overall_value"].is_null());
    for c in card["categories"].as_array().unwrap() {
        assert!(c["level"].is_null(), "{c}");
        assert_eq!(
            (c["basis"].as_str(), c["reason"].as_str()),
            (Some("not_assessed"), Some(reason))
        );
    }
    let table = text(&certatlas("score", &db, &config, vec![]).await.stdout);
    assert!(
        table.contains(&format!("not assessed: {reason}")),
        "{table}"
    );
    let report = dir.path().join("report");
    let out = vec!["--out".into(), report.display().to_string()];
    certatlas("report", &db, &config, out).await;
    let html = std::fs::read_to_string(report.join("report.html")).unwrap();
    assert!(html.contains(&format!("<strong>Not assessed</strong>: {reason}")));
}
