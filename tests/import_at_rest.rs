//! `certatlas import` of certificates at rest, end to end through the
//! binary: each format from fixtures made by the real tools (OpenSSL's
//! `pkcs12 -export`, the JDK's `keytool`; see
//! `tests/fixtures/import/at_rest/README.md`) lands in the inventory with
//! its `file:` location and adds no endpoint; a directory of mixed files
//! is walked (non-certificates skipped and counted) and filtered by
//! `--glob`; a wrong password, or a file named that holds no certificate,
//! exits 2 naming it before anything is written; the same files imported
//! twice are refused; and a scan of the lab plus an import of the same
//! certificates at rest give the same certificates and CAs (endpoints
//! differ by design: a file is not an endpoint).

mod common;

use common::{
    owned_args as args, path_text as path, run_binary as run_now, run_binary_async as run, text,
};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine as _;

/// After the fixtures were made (2026-12-07), before they expire.
const CLOCK: &str = "2027-01-01T00:00:00Z";
/// SHA-256 of the fixtures' leaf (`CN=app.atrest.test`) and root.
const LEAF: &str = "3c6d3d223f684c0605356e7e0654d3344361491beb5fc17ea0a0781314f4aef6";
const ROOT: &str = "897f82bdae1aaee6dbc71aeaf752062d72e1ccff1f12aa1ebc50c3a792f8cc0a";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/at_rest")
}

fn fixture(name: &str) -> String {
    fixtures().join(name).display().to_string()
}

/// `certatlas import PATH --db DB --format json EXTRA` on the fixed clock.
fn import(target: &str, db: &Path, extra: &[&str]) -> Output {
    let mut list = args(&["import", target, "--db", &path(db), "--clock", CLOCK]);
    list.extend(args(&["--format", "json"]));
    list.extend(args(extra));
    run_now(&list)
}

/// An import that must succeed: its JSON summary.
fn imported(target: &str, db: &Path, extra: &[&str]) -> serde_json::Value {
    let out = import(target, db, extra);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

/// `certatlas COMMAND --db DB --format json EXTRA`: its `items`.
fn items(command: &str, db: &Path, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut list = args(&[command, "--db", &path(db), "--format", "json"]);
    list.extend(args(&["--clock", CLOCK]));
    list.extend(args(extra));
    let out = run_now(&list);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{command}: {}",
        text(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["items"].as_array().cloned().unwrap_or_default()
}

fn sha256s(rows: &[serde_json::Value]) -> BTreeSet<String> {
    rows.iter()
        .map(|r| r["sha256"].as_str().unwrap().to_string())
        .collect()
}

/// The `at_rest` locations of the inventory row of `sha`.
fn locations(rows: &[serde_json::Value], sha: &str) -> Vec<String> {
    let row = rows.iter().find(|r| r["sha256"] == sha).expect("row");
    let at = row["at_rest"].as_array().cloned().unwrap_or_default();
    at.iter()
        .map(|l| {
            let alias = l["alias"]
                .as_str()
                .map(|a| format!("#{a}"))
                .unwrap_or_default();
            let file = Path::new(l["path"].as_str().unwrap()).file_name().unwrap();
            format!("{}{alias}[{}]", file.to_string_lossy(), l["position"])
        })
        .collect()
}

#[test]
fn each_format_lands_in_the_inventory_with_its_file_location() {
    let cases: [(&str, &[&str], &[&str], bool); 5] = [
        ("chain.pem", &[], &["chain.pem[0]"], true),
        ("leaf.der", &[], &["leaf.der[0]"], false),
        ("bundle.p12", &["p12.pass"], &["bundle.p12#app[0]"], true),
        (
            "keystore.jks",
            &["jks.pass"],
            &["keystore.jks#app[0]"],
            true,
        ),
        ("truststore.p12", &["p12.pass"], &[], true),
    ];
    for (file, password, expected, has_root) in cases {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("inventory.db");
        let mut extra = Vec::new();
        let pass = password.first().map(|p| fixture(p));
        if let Some(pass) = &pass {
            extra.extend(["--password-file", pass.as_str()]);
        }
        let summary = imported(&fixture(file), &db, &extra);
        assert_eq!(summary["at_rest"], true, "{file}: {summary}");
        let rows = items("inventory", &db, &[]);
        let leaves: Vec<String> = expected.iter().map(|e| e.to_string()).collect();
        match leaves.is_empty() {
            true => assert!(rows.is_empty(), "{file}: a truststore holds no leaf"),
            false => assert_eq!(locations(&rows, LEAF), leaves, "{file}"),
        }
        for row in &rows {
            let endpoints = row["endpoints"].as_array().map_or(0, Vec::len);
            assert_eq!(endpoints, 0, "{file}: a file is not an endpoint: {row}");
        }
        let cas = sha256s(&items("cas", &db, &[]));
        assert_eq!(cas.contains(ROOT), has_root, "{file}: {cas:?}");
    }
}

#[test]
fn a_pkcs12_without_a_key_gives_its_lone_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let pass = fixture("p12.pass");
    let summary = imported(&fixture("certs-only.p12"), &db, &["--password-file", &pass]);
    assert_eq!(summary["certificates"], 2, "{summary}");
    let rows = items("inventory", &db, &[]);
    assert_eq!(sha256s(&rows), BTreeSet::from([LEAF.to_string()]));
    assert!(locations(&rows, LEAF)[0].starts_with("certs-only.p12#"));
    assert!(sha256s(&items("cas", &db, &[])).contains(ROOT));
}

#[test]
fn a_jks_without_its_password_is_read_unverified_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let summary = imported(&fixture("keystore.jks"), &db, &[]);
    let unverified = summary["unverified"].as_array().unwrap();
    assert_eq!(unverified.len(), 1, "{summary}");
    assert!(sha256s(&items("inventory", &db, &[])).contains(LEAF));
}

#[test]
fn a_wrong_password_exits_2_naming_the_file_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let wrong = dir.path().join("wrong.pass");
    std::fs::write(&wrong, "not-the-password\n").unwrap();
    for file in ["bundle.p12", "keystore.jks"] {
        let db = dir.path().join(format!("{file}.db"));
        let out = import(&fixture(file), &db, &["--password-file", &path(&wrong)]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {stderr}");
        assert!(stderr.contains(&fixture(file)), "{file}: {stderr}");
        assert!(stderr.contains("wrong password"), "{file}: {stderr}");
        assert!(!db.exists(), "{file}: nothing may be written");
    }
    // a PKCS#12 with a password, and none given
    let db = dir.path().join("none.db");
    let out = import(&fixture("bundle.p12"), &db, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--password-file"), "{stderr}");
}

/// A scratch directory: chain.pem, leaf.der and bundle.p12 from the
/// fixtures, notes.txt, and keys/leaf.key (a PEM key, no certificate).
fn mixed_directory(root: &Path) {
    std::fs::create_dir_all(root.join("keys")).unwrap();
    for file in ["chain.pem", "leaf.der", "bundle.p12"] {
        std::fs::copy(fixtures().join(file), root.join(file)).unwrap();
    }
    std::fs::write(root.join("notes.txt"), "renew in March\n").unwrap();
    let key = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n";
    std::fs::write(root.join("keys/leaf.key"), key).unwrap();
}

#[test]
fn a_directory_is_walked_counting_what_it_skips_and_the_glob_filters_it() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    mixed_directory(&tree);
    let pass = fixture("p12.pass");
    let db = dir.path().join("all.db");
    let summary = imported(&path(&tree), &db, &["--password-file", &pass]);
    assert_eq!(summary["files"], 3, "{summary}");
    let skipped = summary["skipped"]["not_certificate"].as_array().unwrap();
    let names: BTreeSet<String> = skipped
        .iter()
        .map(|p| p.as_str().unwrap().rsplit('/').next().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["leaf.key".into(), "notes.txt".into()])
    );
    // chain.pem: leaf + root; leaf.der; bundle.p12: leaf + root
    assert_eq!(summary["certificates"], 5, "{summary}");
    let rows = items("inventory", &db, &[]);
    assert_eq!(sha256s(&rows), BTreeSet::from([LEAF.to_string()]));
    let mut found = locations(&rows, LEAF);
    found.sort();
    assert_eq!(found, ["bundle.p12#app[0]", "chain.pem[0]", "leaf.der[0]"]);

    let db = dir.path().join("der.db");
    let summary = imported(&path(&tree), &db, &["--glob", "*.der"]);
    assert_eq!(
        (summary["files"].as_u64(), summary["filtered"].as_u64()),
        (Some(1), Some(4))
    );
    assert_eq!(summary["certificates"], 1, "{summary}");
    // no certificate under the glob: nothing to import, exit 2
    let out = import(
        &path(&tree),
        &dir.path().join("none.db"),
        &["--glob", "*.crt"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("no certificate found"));
}

#[test]
fn the_same_files_imported_twice_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    mixed_directory(&tree);
    let db = dir.path().join("inventory.db");
    let pass = fixture("p12.pass");
    imported(&path(&tree), &db, &["--password-file", &pass]);
    let out = import(&path(&tree), &db, &["--password-file", &pass]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("already imported as scan 1"), "{stderr}");
    // other evidence (a certificate gone from the tree) is a new import
    std::fs::remove_file(tree.join("leaf.der")).unwrap();
    let summary = imported(&path(&tree), &db, &["--password-file", &pass]);
    assert_eq!(summary["scan"], 2, "{summary}");
}

#[test]
fn a_file_named_that_holds_no_certificate_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "hello\n").unwrap();
    let db = dir.path().join("inventory.db");
    let out = import(&path(&notes), &db, &["--from", "pem"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&path(&notes)) && stderr.contains("not pem"),
        "{stderr}"
    );
    let out = import(&fixture("chain.pem"), &db, &["--from", "jks"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not jks"),
        "{}",
        text(&out.stderr)
    );
    let key = dir.path().join("leaf.key");
    std::fs::write(
        &key,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let out = import(&path(&key), &db, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("holds no certificate"), "{stderr}");
    assert!(!db.exists(), "nothing may be written");
}

/// Every distinct certificate of the chains in a JSON Lines scan file.
fn chain_certificates(jsonl: &Path) -> BTreeSet<Vec<u8>> {
    let engine = base64::engine::general_purpose::STANDARD;
    let text = std::fs::read_to_string(jsonl).unwrap();
    let mut found = BTreeSet::new();
    for line in text.lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        for der in record["chain_der"].as_array().into_iter().flatten() {
            found.insert(engine.decode(der.as_str().unwrap()).unwrap());
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scan_and_an_import_at_rest_of_the_same_certificates_give_the_same_inventory() {
    let dir = tempfile::tempdir().unwrap();
    let lab = common::lab().await;
    let config = common::write_lab_config(dir.path(), &lab, "");
    let (live, rest) = (dir.path().join("live.db"), dir.path().join("rest.db"));
    let file = dir.path().join("scan.jsonl");
    let mut list = args(&["scan", "-q", "--clock", CLOCK, "--format", "jsonl"]);
    list.extend(args(&["-o", &path(&file), "--db", &path(&live)]));
    list.extend(args(&["--config", &path(&config), "--timeout", "5s"]));
    for case in lab.cases() {
        list.push(case.address.to_string());
        for name in case.server_names.iter().flatten() {
            list.push(format!("{name}@{}", case.address));
        }
    }
    let out = run(list).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // the same certificates, at rest: one PEM file each
    let tree = dir.path().join("at-rest");
    std::fs::create_dir(&tree).unwrap();
    let engine = base64::engine::general_purpose::STANDARD;
    let certificates = chain_certificates(&file);
    assert!(certificates.len() > 10, "the lab serves many certificates");
    for (n, der) in certificates.iter().enumerate() {
        let pem = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            engine.encode(der)
        );
        std::fs::write(tree.join(format!("{n:03}.pem")), pem).unwrap();
    }
    let mut list = args(&[
        "import",
        &path(&tree),
        "--db",
        &path(&rest),
        "--clock",
        CLOCK,
    ]);
    list.extend(args(&["--config", &path(&config), "--format", "json"]));
    let out = run(list).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let config_arg = ["--config", &path(&config)];
    let (served, stored) = (
        items("inventory", &live, &config_arg),
        items("inventory", &rest, &config_arg),
    );
    assert_eq!(sha256s(&served), sha256s(&stored), "the same leaves");
    let class = |rows: &[serde_json::Value]| -> BTreeSet<(String, String)> {
        rows.iter()
            .map(|r| (r["sha256"].to_string(), r["ca_class"].to_string()))
            .collect()
    };
    assert_eq!(class(&served), class(&stored), "the same CA classes");
    let (served_cas, stored_cas) = (
        items("cas", &live, &config_arg),
        items("cas", &rest, &config_arg),
    );
    assert_eq!(sha256s(&served_cas), sha256s(&stored_cas), "the same CAs");
    // endpoints differ by design: a file is not an endpoint
    assert!(served
        .iter()
        .any(|r| !r["endpoints"].as_array().unwrap().is_empty()));
    for row in &stored {
        assert!(row["endpoints"].as_array().unwrap().is_empty(), "{row}");
        assert!(!row["at_rest"].as_array().unwrap().is_empty(), "{row}");
    }
}
