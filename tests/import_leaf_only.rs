//! A peer that reports only the leaf (nmap's `ssl-cert`, tlsx without
//! `-tc`) says nothing about the chain the server sends: after `certatlas
//! import` of such a file no chain finding fires, the inventory lists no
//! chain problem for those leaves, and the chain metric counts them as not
//! measured; a finding raised on the chain before stays `unobserved`, not
//! `fixed`. A peer that records the whole chain it received (sslyze) of a
//! server that really sends the leaf alone still raises the finding.
//! Fixtures: tests/fixtures/import/ (see its README for what made each).

mod common;

use common::{owned_args as args, path_text as path, run_binary as run, text};

use std::path::{Path, PathBuf};

use serde_json::Value;

const CLOCK: &str = "2026-12-08T00:00:00Z";
const INCOMPLETE: &str = "ietf.chain-incomplete";
const MISSING: &str = "missing-intermediate.lab.certatlas.test";

fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(relative)
}

/// Imports `file` into `db` (created when absent); must succeed.
fn import(file: &Path, db: &Path) {
    let list = args(&["import", &path(file), "--db", &path(db), "--clock", CLOCK]);
    let out = run(&list);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// `certatlas COMMAND --db DB --format json --clock CLOCK [EXTRA]`, which
/// must succeed.
fn json_of(command: &str, db: &Path, extra: &[&str]) -> Value {
    let mut list = args(&[
        command,
        "--db",
        &path(db),
        "--format",
        "json",
        "--clock",
        CLOCK,
    ]);
    list.extend(args(extra));
    let out = run(&list);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{command}: {}",
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The findings of `rule` in the latest scan (every status), as JSON
/// objects.
fn findings_of(db: &Path, rule: &str) -> Vec<Value> {
    let all = json_of("findings", db, &[]);
    let list = all["items"].as_array().cloned().unwrap_or_default();
    list.into_iter().filter(|f| f["rule"] == rule).collect()
}

/// The inventory item whose first common name is `cn`.
fn item(db: &Path, cn: &str) -> Value {
    let inventory = json_of("inventory", db, &[]);
    let items = inventory["items"].as_array().unwrap();
    let found = items
        .iter()
        .find(|i| i["certificate"]["subject"]["common_names"][0] == cn);
    found
        .cloned()
        .unwrap_or_else(|| panic!("{cn} in {inventory}"))
}

/// The `chains_correct` metric of the latest scan's score.
fn chains_metric(db: &Path) -> Value {
    let score = json_of("score", db, &[]);
    score["items"]["metrics"]["metrics"]["chains_correct"].clone()
}

#[test]
fn an_nmap_import_raises_no_chain_finding_and_leaves_its_chains_unmeasured() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nmap.db");
    import(&fixture("nmap/lab.xml"), &db);

    // missing-intermediate really sends its leaf alone, but nmap would
    // report the leaf alone whatever the server sent.
    assert_eq!(findings_of(&db, INCOMPLETE), Vec::<Value>::new());
    let inventory = json_of("inventory", &db, &[]);
    let items = inventory["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{inventory}");
    for item in items {
        assert_eq!(item["chain_problems"], serde_json::json!([]), "{item}");
        assert_eq!(item["chain_leaf_only"], true, "{item}");
    }
    let metric = chains_metric(&db);
    assert_eq!(metric["measured"], 0, "{metric}");
    assert_eq!(metric["value"], Value::Null, "unknown, not 100 %: {metric}");
}

#[test]
fn a_tlsx_import_counts_only_the_chains_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tlsx.db");
    import(&fixture("tlsx/lab.jsonl"), &db);

    // Its missing-intermediate line has no `chain` (as without -tc); the
    // chains it holds end at a root nobody sent or declared: incomplete.
    let found = findings_of(&db, INCOMPLETE);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().all(|f| f["label"] != MISSING), "{found:?}");
    assert_eq!(item(&db, MISSING)["chain_leaf_only"], true);
    let with_chain = item(&db, "good-rsa.lab.certatlas.test");
    assert_eq!(with_chain["chain_leaf_only"], Value::Null, "{with_chain}");
    let metric = chains_metric(&db);
    assert_eq!(
        (metric["measured"].as_u64(), metric["samples"].as_u64()),
        (Some(2), Some(2)),
        "measured on the two leaves with chains, out of three: {metric}"
    );
    assert!(
        metric["gap"].as_str().unwrap_or("").contains("on 2 of 3"),
        "{metric}"
    );
}

#[test]
fn an_sslyze_import_of_a_really_incomplete_chain_still_fires() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sslyze.db");
    import(&fixture("sslyze/lab.json"), &db);

    // (Without the lab's root declared, the chains sent whole are
    // incomplete too: they end at a root nobody sent or declared.)
    let found = findings_of(&db, INCOMPLETE);
    let on_missing = found.iter().filter(|f| f["label"] == MISSING);
    assert_eq!(on_missing.count(), 1, "{found:?}");
    let missing = item(&db, MISSING);
    assert_eq!(missing["chain_problems"], serde_json::json!(["incomplete"]));
    let metric = chains_metric(&db);
    let leaves = json_of("inventory", &db, &[])["items"]
        .as_array()
        .unwrap()
        .len() as u64;
    assert_eq!(metric["measured"].as_u64(), Some(leaves), "{metric}");
    assert!(metric["value"].as_f64().unwrap() < 100.0, "{metric}");
}

#[test]
fn a_leaf_only_import_after_leaves_a_chain_finding_unobserved_not_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("both.db");
    import(&fixture("sslyze/lab.json"), &db);
    let before = findings_of(&db, INCOMPLETE);
    assert!(before.iter().all(|f| f["status"] == "new"), "{before:?}");
    import(&fixture("nmap/lab.xml"), &db);

    // nmap saw the same servers' leaves: every chain finding stays open,
    // unobserved, none fixed
    let found = findings_of(&db, INCOMPLETE);
    assert!(found.iter().any(|f| f["label"] == MISSING), "{found:?}");
    for finding in &found {
        assert_eq!(finding["status"], "unobserved", "{finding}");
    }
}
