//! The policy commands end to end through the binary: a user's rule
//! directory (a CEL typo refused with file, line and column; fixed, its
//! examples pass), overrides and disabling, and findings with exceptions
//! and `--fail-on` over a demo inventory.

mod common;

use std::path::Path;

const CLOCK: &str = "2026-06-01T12:00:00Z";

const USER_RULE: &str = r#"id = "acme.rsa-below-3072"
title = "RSA key below our 3072-bit minimum"
severity = "medium"
subject = "leaf"
condition = "leaf.key.algorithm == 'rsa' && leaf.key.bits < 3072"
message = "RSA-{leaf.key.bits} key; served at {leaf.served_at}"
rationale = "ACME policy asks for 3072-bit RSA keys from 2027."
remediation = "Re-key with RSA-3072 or ECDSA P-256."
references = ["ACME PKI policy §4.2"]
categories = ["M.key-management"]

[[examples]]
fixture = "leaf-good-rsa"
expect = "finding"
message_contains = "RSA-2048 key"

[[examples]]
fixture = "leaf-good-ecdsa"
expect = "pass"
"#;

fn write_rule(dir: &Path, text: &str) -> std::path::PathBuf {
    let path = dir.join("acme").join("rsa-below-3072.toml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The `items` of a JSON listing on stdout.
fn items(out: &std::process::Output) -> Vec<serde_json::Value> {
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["items"].as_array().unwrap().clone()
}

/// The first finding of `rule` in a findings listing.
fn finding_of(out: &std::process::Output, rule: &str) -> serde_json::Value {
    let found = items(out).into_iter().find(|f| f["rule"] == rule);
    found.unwrap_or_else(|| panic!("a {rule} finding"))
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_user_rule_with_a_cel_typo_is_refused_then_fixed_it_passes_its_examples() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_rule(
        dir.path(),
        &USER_RULE.replace("leaf.key.bits < 3072", "leaf.key.bist < 3072"),
    );
    let out = common::certatlas(&["rules", "test", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let wanted = format!("{}:5:54: condition: no field `bist`", path.display());
    assert!(stderr(&out).contains(&wanted), "{}", stderr(&out));

    write_rule(dir.path(), USER_RULE);
    let out = common::certatlas(&["rules", "test", dir.path().to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("2 example(s) of 1 rule(s): 2 passed, 0 failed"),
        "{}",
        stdout(&out)
    );

    write_rule(
        dir.path(),
        &USER_RULE
            .replace(
                "expect = \"pass\"",
                "expect = \"pass\"\nmessage_contains = \"x\"",
            )
            .replace("leaf-good-ecdsa", "leaf-rsa-1024"),
    );
    let out = common::certatlas(&["rules", "test", dir.path().to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a failing example fails the run"
    );
    assert!(
        stdout(&out).contains("FAIL  acme.rsa-below-3072"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn user_rules_join_or_replace_built_in_ones_and_config_can_disable_them() {
    let dir = tempfile::tempdir().unwrap();
    write_rule(dir.path(), USER_RULE);
    let list = |args: &[&str]| {
        let mut all = vec!["rules", "list", "--format", "json"];
        all.extend_from_slice(args);
        let out = common::certatlas(&all);
        assert!(out.status.success(), "{}", stderr(&out));
        items(&out)
    };
    let builtin = list(&[]);
    let with_user = list(&["--rules", dir.path().to_str().unwrap()]);
    assert_eq!(with_user.len(), builtin.len() + 1);
    let mine = with_user
        .iter()
        .find(|r| r["id"] == "acme.rsa-below-3072")
        .expect("listed");
    assert!(mine["source"]
        .as_str()
        .unwrap()
        .ends_with("rsa-below-3072.toml"));

    let replacing = USER_RULE.replace("acme.rsa-below-3072", "nist.rsa-key-below-2048");
    write_rule(dir.path(), &replacing);
    let replaced = list(&["--rules", dir.path().to_str().unwrap()]);
    assert_eq!(replaced.len(), builtin.len());
    let rule = replaced
        .iter()
        .find(|r| r["id"] == "nist.rsa-key-below-2048")
        .unwrap();
    assert_eq!(rule["severity"], "medium", "the user's version wins");

    let twin = dir.path().join("acme").join("twin.toml");
    std::fs::write(&twin, &replacing).unwrap();
    let out = common::certatlas(&["rules", "list", "--rules", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "one id twice in one directory");
    let wanted = format!(
        "{}:1:6: duplicate rule id \"nist.rsa-key-below-2048\"",
        twin.display()
    );
    assert!(stderr(&out).contains(&wanted), "{}", stderr(&out));
    std::fs::remove_file(&twin).unwrap();

    let config = dir.path().join("certatlas.toml");
    std::fs::write(
        &config,
        "[rules]\ndisable = [\"inventory.owner-unassigned\"]\n",
    )
    .unwrap();
    let disabled = list(&["--config", config.to_str().unwrap()]);
    assert_eq!(disabled.len(), builtin.len() - 1);
    std::fs::write(&config, "[rules]\ndisable = [\"inventory.no-such-rule\"]\n").unwrap();
    let out = common::certatlas(&["rules", "list", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!("{}:2:12:", config.display())),
        "{}",
        stderr(&out)
    );
}

#[test]
fn findings_honour_exceptions_and_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let db = db.to_str().unwrap();
    // Its own report directory: the default one is shared by every demo.
    let report = dir.path().join("report");
    let report = report.to_str().unwrap();
    let args = [
        "--clock", CLOCK, "-q", "demo", "--db", db, "--report", report,
    ];
    let out = common::certatlas(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let findings = |extra: &[&str]| {
        let mut args = vec!["--clock", CLOCK, "findings", "--db", db, "--scan", "1"];
        args.extend_from_slice(extra);
        common::certatlas(&args)
    };
    let unowned = |extra: &[&str]| {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        items(&findings(&args))
            .iter()
            .filter(|f| f["rule"] == "inventory.owner-unassigned")
            .count()
    };
    let demo_config = format!("{db}.toml");
    assert_eq!(
        unowned(&["--config", &demo_config]),
        2,
        "the demo's config: only shadow and self-signed"
    );
    assert!(unowned(&[]) > 2, "without it nothing is owned");
    let out = findings(&["--format", "json", "--fail-on", "critical"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the expired certificate is critical: {}",
        stderr(&out)
    );
    let expired = finding_of(&out, "rfc5280.expired");
    assert_eq!(expired["status"], "new");
    let sha = expired["certificate"].as_str().unwrap();

    let config = dir.path().join("certatlas.toml");
    std::fs::write(
        &config,
        format!("[[exceptions]]\nwhat = \"certificate:{sha}\"\nowner = \"pki\"\nreason = \"decommissioned on 2026-06-30\"\nreview = 2026-07-01\nrules = [\"rfc5280.expired\"]\n"),
    )
    .unwrap();
    let out = findings(&[
        "--config",
        config.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "critical",
    ]);
    assert_eq!(out.status.code(), Some(0), "excepted: {}", stderr(&out));
    let expired = finding_of(&out, "rfc5280.expired");
    assert_eq!(
        expired["exception"]["reason"],
        "decommissioned on 2026-06-30"
    );
    assert_eq!(expired["exception"]["lapsed"], false);

    let later = common::certatlas(&[
        "--clock",
        "2026-07-02T00:00:00Z",
        "findings",
        "--db",
        db,
        "--scan",
        "1",
        "--config",
        config.to_str().unwrap(),
        "--fail-on",
        "critical",
    ]);
    assert_eq!(
        later.status.code(),
        Some(1),
        "after its review date the exception lapses"
    );
    assert!(stdout(&later).contains("LAPSED"), "{}", stdout(&later));

    let out = findings(&["--format", "csv"]);
    assert!(stdout(&out)
        .lines()
        .next()
        .unwrap()
        .starts_with("severity,rule,status"));
}
