//! `certatlas import`, end to end through the binary: a scan of the
//! loopback lab written as JSON Lines (by a live scan into one store, on
//! a fixed clock) imported into a fresh store answers `inventory`,
//! `findings` and `score` exactly as the live store does; a bad line, or a
//! file that is not JSON Lines, exits 2 naming the file and line before
//! anything is written; a file imported twice, or older than the newest
//! scan stored, is refused; a file cut short imports as interrupted; a
//! file without a scan line imports with its options unknown and no
//! options change invented.

mod common;

use common::{
    owned_args as args, path_text as path, run_binary as run_now, run_binary_async as run, text,
};

use std::path::{Path, PathBuf};
use std::process::Output;

use certatlas::demo::Lab;

const CLOCK: &str = "2026-06-01T12:00:00Z";

/// Every lab case as a target: its address, and each of its names paired
/// with it (`name@address`, sni_source `target`).
fn lab_targets(lab: &Lab) -> Vec<String> {
    let mut targets = Vec::new();
    for case in lab.cases() {
        targets.push(case.address.to_string());
        for name in case.server_names.iter().flatten() {
            targets.push(format!("{name}@{}", case.address));
        }
    }
    targets
}

/// `certatlas COMMAND --clock CLOCK --db DB --config CONFIG --format json`:
/// must succeed; its stdout as JSON.
async fn json_of(command: &str, db: &Path, config: &Path) -> serde_json::Value {
    let mut list = args(&[command, "--clock", CLOCK, "--format", "json"]);
    list.extend(args(&["--db", &path(db), "--config", &path(config)]));
    let out = run(list).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{command}: {}",
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

/// `certatlas import FILE --db DB [EXTRA]`, on the fixed clock.
fn import(file: &Path, db: &Path, extra: &[&str]) -> Output {
    let mut list = args(&["import", &path(file), "--db", &path(db), "--clock", CLOCK]);
    list.extend(args(extra));
    run_now(&list)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_imported_scan_answers_inventory_findings_and_score_as_the_live_scan() {
    let dir = tempfile::tempdir().unwrap();
    let lab = common::lab().await;
    let config = common::write_lab_config(dir.path(), &lab, "");
    let (live, imported) = (dir.path().join("live.db"), dir.path().join("imported.db"));
    let file = dir.path().join("scan.jsonl");
    // One scan, stored live and written as JSON Lines at once: the same
    // observations on both sides.
    let mut list = args(&["scan", "-q", "--clock", CLOCK, "--format", "jsonl"]);
    list.extend(args(&["-o", &path(&file), "--db", &path(&live)]));
    list.extend(args(&["--config", &path(&config), "--timeout", "5s"]));
    list.extend(lab_targets(&lab));
    let out = run(list).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let first = std::fs::read_to_string(&file).unwrap();
    let header: serde_json::Value = serde_json::from_str(first.lines().next().unwrap()).unwrap();
    assert_eq!(header["record"], "scan", "{header}");
    assert!(
        header["started_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-06-01T12:00:0"),
        "{header}"
    );

    let mut list = args(&["import", &path(&file), "--db", &path(&imported)]);
    list.extend(args(&["--config", &path(&config), "--format", "json"]));
    let out = run(list).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (summary["scan"].as_i64(), summary["status"].as_str()),
        (Some(1), Some("complete"))
    );
    assert!(summary["findings"].as_u64().unwrap() > 5, "{summary}");

    // Both stores hold one scan, id 1, with the same start, targets and
    // options. Its finish differs: the live store records when the
    // process closed it (real time), the import the file's summary time.
    let scans = |db: &Path| {
        let store = certatlas::store::Store::open(db).unwrap();
        store.scan(certatlas::store::ScanId(1)).unwrap().unwrap()
    };
    let (a, b) = (scans(&live), scans(&imported));
    assert_eq!(
        (a.started_at, &a.targets, &a.options),
        (b.started_at, &b.targets, &b.options)
    );
    assert_eq!((a.status, a.observations), (b.status, b.observations));

    // The reading commands judge each store in memory on the same clock:
    // nothing in their output may differ, not even a stamp.
    for command in ["inventory", "findings", "score"] {
        let from_live = json_of(command, &live, &config).await;
        let from_import = json_of(command, &imported, &config).await;
        assert_eq!(from_live, from_import, "{command} differs");
    }
    lab.shutdown().await;
}

/// A loopback port nothing listens on (bound, then let go).
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port().to_string()
}

/// A JSON Lines file of a scan of one closed loopback port, begun at `clock`.
fn closed_port_scan(dir: &Path, name: &str, clock: &str) -> PathBuf {
    closed_port_scan_of(dir, name, clock, &closed_port())
}

/// [`closed_port_scan`] of `port`.
fn closed_port_scan_of(dir: &Path, name: &str, clock: &str, port: &str) -> PathBuf {
    let file = dir.join(name);
    let list = args(&[
        "scan",
        "-q",
        "127.0.0.1",
        "-p",
        port,
        "--no-db",
        "--format",
        "jsonl",
        "-o",
        &path(&file),
        "--clock",
        clock,
    ]);
    let out = run_now(&list);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    file
}

/// Scans in `db`, as `scans --format json` lists them.
fn stored_scans(db: &Path) -> Vec<serde_json::Value> {
    let out = run_now(&args(&["scans", "--db", &path(db), "--format", "json"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    value["items"].as_array().cloned().unwrap_or_default()
}

#[test]
fn a_malformed_line_exits_2_naming_file_and_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let good = closed_port_scan(dir.path(), "good.jsonl", CLOCK);
    let lines: Vec<String> = std::fs::read_to_string(&good)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(lines.len(), 3, "scan, observation, summary: {lines:?}");
    let variants = [
        ("not JSON", lines[1].replacen('{', "", 1)),
        (
            "bad base64 DER",
            lines[1].replace(r#""chain_der":[]"#, r#""chain_der":["%%%"]"#),
        ),
        (
            "DER of the wrong type",
            lines[1].replace(r#""chain_der":[]"#, r#""chain_der":{}"#),
        ),
        (
            "missing field",
            lines[1].replace(r#""port":"#, r#""no_port":"#),
        ),
        (
            "wrong record",
            lines[1].replace(r#""record":"observation""#, r#""record":"probe""#),
        ),
    ];
    let db = dir.path().join("inventory.db");
    for (what, bad_line) in variants {
        let bad = dir.path().join("bad.jsonl");
        std::fs::write(&bad, format!("{}\n{bad_line}\n{}\n", lines[0], lines[2])).unwrap();
        let out = import(&bad, &db, &[]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(
            stderr.contains(&format!("{}:2: ", bad.display())),
            "{what}: {stderr}"
        );
        assert!(!db.exists(), "{what}: the store was created");
    }
    // An existing store is left as it was, byte for byte.
    assert_eq!(import(&good, &db, &[]).status.code(), Some(0));
    let before = std::fs::read(&db).unwrap();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, format!("{}\n{}\nnot json\n", lines[0], lines[1])).unwrap();
    let out = import(&bad, &db, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(":3: not JSON"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
    assert_eq!(stored_scans(&db).len(), 1);
}

#[test]
fn a_file_that_is_not_certatlas_json_lines_exits_2_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let cases = [
        // PEM is read as a certificate at rest (tests/import_at_rest.rs)
        (
            "cert.pem",
            "-----BEGIN CERTIFICATE-----\nMIIB\n".to_string(),
            ": line 1: certificate block without its END line",
        ),
        (
            "other.jsonl",
            "{\"host\":\"a\",\"port\":443}\n".to_string(),
            ":1: not a certatlas record",
        ),
        ("empty.jsonl", String::new(), ": empty"),
        (
            "binary.jsonl",
            "\u{0}\u{1}\u{2}garbage".to_string(),
            ":1: not JSON",
        ),
    ];
    for (name, content, expected) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, content).unwrap();
        let out = import(&file, &db, &[]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("{}{expected}", file.display())),
            "{name}: {stderr}"
        );
        assert!(!db.exists(), "{name}: the store was created");
    }
}

#[test]
fn importing_a_file_twice_or_out_of_order_is_refused_naming_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let older = closed_port_scan(dir.path(), "older.jsonl", "2026-06-01T12:00:00Z");
    let newer = closed_port_scan(dir.path(), "newer.jsonl", "2026-06-02T12:00:00Z");
    assert_eq!(import(&newer, &db, &[]).status.code(), Some(0));
    let again = dir.path().join("renamed.jsonl");
    std::fs::copy(&newer, &again).unwrap();
    let out = import(&again, &db, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("already imported as scan 1 (complete"),
        "{stderr}"
    );
    assert!(
        stderr.contains("newer.jsonl"),
        "names the earlier file: {stderr}"
    );
    let out = import(&older, &db, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("before scan 1"), "{stderr}");
    assert_eq!(stored_scans(&db).len(), 1, "nothing was added");
}

#[test]
fn a_file_cut_short_imports_as_an_interrupted_scan() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let good = closed_port_scan(dir.path(), "good.jsonl", CLOCK);
    let lines: Vec<String> = std::fs::read_to_string(&good)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    // No summary line, and the last line torn half way (a killed scanner).
    let cut = dir.path().join("cut.jsonl");
    let torn = &lines[1][..lines[1].len() / 2];
    std::fs::write(&cut, format!("{}\n{}\n{torn}", lines[0], lines[1])).unwrap();
    let out = import(&cut, &db, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["status"], "interrupted", "{summary}");
    assert_eq!(summary["observations"], 1, "{summary}");
    let scans = stored_scans(&db);
    assert_eq!(scans[0]["status"], "interrupted", "{scans:?}");
    // Not judged: there is no complete scan to show findings for.
    let out = run_now(&args(&["findings", "--db", &path(&db)]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    // A torn line that is not the last one is a bad file.
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, format!("{}\n{torn}\n{}\n", lines[0], lines[1])).unwrap();
    let out = import(&bad, &db, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("bad.jsonl:2: "),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_file_without_a_scan_line_has_unknown_options_and_invents_no_change() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let port = closed_port();
    let scan = |name: &str, clock: &str| closed_port_scan_of(dir.path(), name, clock, &port);
    let first = scan("first.jsonl", "2026-06-01T12:00:00Z");
    let second = scan("second.jsonl", "2026-06-02T12:00:00Z");
    let third = scan("third.jsonl", "2026-06-03T12:00:00Z");
    let old_style = dir.path().join("old-style.jsonl");
    let text_of = std::fs::read_to_string(&second).unwrap();
    let body: Vec<&str> = text_of.lines().skip(1).collect();
    std::fs::write(&old_style, body.join("\n") + "\n").unwrap();
    for file in [&first, &old_style, &third] {
        let out = import(file, &db, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(
            !text(&out.stderr).contains("options differ"),
            "{}",
            text(&out.stderr)
        );
    }
    // A real difference is still said: against scan 3, the last with options.
    let other_port = closed_port_scan(dir.path(), "fourth.jsonl", "2026-06-04T12:00:00Z");
    let out = import(&other_port, &db, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("note: options differ from scan 3: ports: +"),
        "{stderr}"
    );
    let scans = stored_scans(&db);
    let old = scans.iter().find(|s| s["id"] == 2).unwrap();
    assert_eq!(old["options"]["options"], "unknown", "{old}");
    assert_eq!(
        old["started_at"], old["summary"]["started_at"],
        "from the summary: {old}"
    );
    assert!(
        old["started_at"]
            .as_str()
            .unwrap()
            .starts_with("2026-06-02T12:00:0"),
        "{old}"
    );
}
