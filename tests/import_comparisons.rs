//! An import is not a previous scan of the network by accident. An import
//! of certificates at rest after served scans fixes no finding (a leaf
//! found at rest is served nowhere: its host-name mismatch is not
//! observed, let alone gone) and is not diffed against them; an import of
//! another tool's output covering other endpoints, between two scans of
//! the lab, is neither what the second scan is diffed with nor makes the
//! first one's endpoints "gone" or its findings "fixed". Everything runs on
//! loopback, on a fixed clock.

mod common;

use std::path::Path;

use base64::Engine as _;
use certatlas::store::{Database, Store};
use common::{owned_args as args, path_text as path, run_binary as run, text};
use serde_json::Value;

const CLOCK: &str = "2026-06-01T12:00:00Z";
const LATER: &str = "2026-06-02T12:00:00Z";

/// `certatlas --clock AT COMMAND --db DB [EXTRA]`, which must exit `code`.
fn certatlas(
    at: &str,
    command: &str,
    db: &Path,
    extra: &[&str],
    code: i32,
) -> std::process::Output {
    let mut list = args(&["--clock", at, command, "--db", &path(db)]);
    list.extend(args(extra));
    let out = run(&list);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{command}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

/// The latest scan's findings (every status), judged with `extra`.
fn findings(db: &Path, at: &str, extra: &[&str]) -> Vec<Value> {
    let mut list = vec!["--format", "json"];
    list.extend(extra);
    let out = certatlas(at, "findings", db, &list, 0);
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    all["items"].as_array().cloned().unwrap_or_default()
}

/// The findings with status `status`, as `rule subject` texts.
fn with_status(findings: &[Value], status: &str) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f["status"] == status)
        .map(|f| format!("{} {}", f["rule"], f["subject_key"]))
        .collect()
}

/// The DER of a stored certificate, as PEM.
fn stored_pem(db: &Path, sha256: &str) -> String {
    let database = Database::Sqlite(db.to_path_buf());
    let store = Store::open_read_only(&database).unwrap();
    let der = store.certificate(sha256).unwrap().unwrap().der;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n")
}

#[test]
fn an_import_at_rest_after_served_scans_fixes_nothing_and_is_not_diffed() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::demo::demo_database(dir.path(), CLOCK).db;
    // the demo's config (its lab root declared), as the demo judged with
    let config = format!("{}.toml", path(&db));
    let with_config = ["--config", config.as_str()];
    let served = findings(&db, CLOCK, &with_config);
    let mismatch = served
        .iter()
        .find(|f| f["rule"] == "ietf.host-name-mismatch")
        .expect("the lab's wrong-host leaf")
        .clone();
    let leaf = mismatch["certificate"].as_str().unwrap();
    // The very leaf, found in a file: no endpoint, so no requested name.
    let file = dir.path().join("wrong-host.pem");
    std::fs::write(&file, stored_pem(&db, leaf)).unwrap();
    certatlas(
        LATER,
        "import",
        &db,
        &[&path(&file), "--config", &config],
        0,
    );

    let now = findings(&db, LATER, &with_config);
    assert_eq!(with_status(&now, "fixed"), Vec::<String>::new());
    let again = now
        .iter()
        .find(|f| f["rule"] == mismatch["rule"] && f["subject_key"] == mismatch["subject_key"])
        .expect("the mismatch is still tracked");
    assert_eq!(again["status"], "unobserved", "{again}");
    // Every finding the served scan left open is unobserved now, not gone.
    let mut open: Vec<String> = served
        .iter()
        .filter(|f| f["status"] != "fixed")
        .map(|f| format!("{} {}", f["rule"], f["subject_key"]))
        .collect();
    open.sort();
    let mut unobserved = with_status(&now, "unobserved");
    unobserved.sort();
    assert_eq!(unobserved, open);

    // The import has no served scan to be diffed with.
    let out = certatlas(LATER, "diff", &db, &[], 2);
    assert!(
        text(&out.stderr).contains("of the same source"),
        "{}",
        text(&out.stderr)
    );
}

/// `scan` of `targets` into `db` at `at`.
async fn scan(db: &Path, at: &str, targets: &[String]) {
    let mut list = args(&["--clock", at, "-q", "scan", "--db", &path(db)]);
    list.extend(targets.iter().cloned());
    let out = common::run_binary_async(list).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_peer_import_between_two_scans_is_not_what_they_are_compared_with() {
    let lab = common::lab().await;
    let targets: Vec<String> = ["good-rsa", "expired", "missing-intermediate"]
        .iter()
        .map(|n| lab.case(n).unwrap().address.to_string())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let at = |day: u32| format!("2026-06-0{day}T12:00:00Z");
    scan(&db, &at(1), &targets).await;
    let first = findings(&db, &at(1), &[]);
    assert!(!first.is_empty());

    // nmap's view of other servers (the fixture's ports are not the lab's).
    let nmap = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/nmap/lab.xml");
    let db_clone = db.clone();
    let day2 = at(2);
    tokio::task::spawn_blocking(move || certatlas(&day2, "import", &db_clone, &[&path(&nmap)], 0))
        .await
        .unwrap();
    let after_import = findings(&db, &at(2), &[]);
    assert_eq!(with_status(&after_import, "fixed"), Vec::<String>::new());
    let out = certatlas(&at(2), "diff", &db, &[], 2);
    assert!(
        text(&out.stderr).contains("of the same source"),
        "{}",
        text(&out.stderr)
    );

    scan(&db, &at(3), &targets).await;
    let out = certatlas(&at(3), "diff", &db, &["--format", "json"], 0);
    let diff: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        diff["items"]["from"], 1,
        "compared with the first scan: {diff}"
    );
    for list in [
        "new_endpoints",
        "gone_endpoints",
        "new_certificates",
        "gone_certificates",
        "changed",
    ] {
        assert_eq!(
            diff["items"]["diff"][list],
            serde_json::json!([]),
            "{list}: {diff}"
        );
    }
    let third = findings(&db, &at(3), &[]);
    assert_eq!(with_status(&third, "fixed"), Vec::<String>::new());
    assert_eq!(
        with_status(&third, "new"),
        Vec::<String>::new(),
        "all seen in scan 1"
    );
    lab.shutdown().await;
}
