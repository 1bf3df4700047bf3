//! The finding lifecycle moves only on evidence, through the binary and
//! against the lab on a fixed clock: a name no longer tried leaves its
//! findings `unobserved` (nothing `fixed`); declaring the approved anchor
//! `withdraws` the shadow-CA findings (nothing `fixed`, no fix for
//! `time_to_fix`); a replaced certificate's findings are `fixed` with the
//! days it took.

mod common;

use std::path::Path;

use certatlas::certs::sha256_hex;
use certatlas::demo::LabCase;
use certatlas::store::{ScanId, Store};
use common::{certatlas, fixed_now};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// `certatlas scan` of `addresses` into `db` at `at`, with `extra` options.
async fn scan(db: &Path, addresses: &[String], at: OffsetDateTime, extra: &[String]) {
    let mut args: Vec<String> = ["scan", "-q", "--format", "jsonl", "--db"]
        .map(String::from)
        .to_vec();
    args.push(db.display().to_string());
    args.extend(["--clock".to_string(), at.format(&Rfc3339).unwrap()]);
    args.extend(extra.iter().cloned());
    args.extend(addresses.iter().cloned());
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

/// The tracked findings of scan `scan` as JSON items.
fn findings(db: &Path, scan: i64, at: OffsetDateTime, extra: &[String]) -> Vec<Value> {
    let (db, scan, at) = (
        db.display().to_string(),
        scan.to_string(),
        at.format(&Rfc3339).unwrap(),
    );
    let mut args = vec!["--clock", &at, "findings", "--db", &db, "--scan", &scan];
    args.extend(["--format", "json"]);
    args.extend(extra.iter().map(String::as_str));
    let out = certatlas(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    json["items"].as_array().unwrap().clone()
}

fn with_status<'a>(items: &'a [Value], status: &str) -> Vec<&'a Value> {
    items.iter().filter(|f| f["status"] == status).collect()
}

fn address(case: &LabCase) -> String {
    case.address.to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_no_longer_tried_leaves_its_findings_unobserved_not_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let lab = common::lab().await;
    let case = lab.case("sni-routing").unwrap().clone();
    let alpha = case
        .server_names
        .iter()
        .flatten()
        .find(|n| n.starts_with("alpha"))
        .unwrap()
        .clone();
    let alpha_leaf = sha256_hex(&case.expected_chains[1][0]);
    let targets = [address(&case)];
    scan(&db, &targets, fixed_now(), &["--sni".into(), alpha.clone()]).await;
    let later = fixed_now() + time::Duration::days(1);
    scan(&db, &targets, later, &[]).await;
    lab.shutdown().await;

    let first = findings(&db, 1, fixed_now(), &[]);
    let on_alpha: Vec<&Value> = first
        .iter()
        .filter(|f| {
            f["certificate"] == alpha_leaf.as_str()
                || f["subject_key"].as_str().unwrap().contains(&alpha)
        })
        .collect();
    assert!(
        !on_alpha.is_empty(),
        "the alpha certificate has findings: {first:?}"
    );

    let second = findings(&db, 2, later, &[]);
    assert!(with_status(&second, "fixed").is_empty(), "{second:#?}");
    assert!(with_status(&second, "withdrawn").is_empty(), "{second:#?}");
    let first_scan_at = Store::open(&db)
        .unwrap()
        .scan(ScanId(1))
        .unwrap()
        .unwrap()
        .started_at;
    for finding in &on_alpha {
        let now = second
            .iter()
            .find(|f| f["rule"] == finding["rule"] && f["subject_key"] == finding["subject_key"])
            .unwrap_or_else(|| panic!("{finding} is still listed"));
        assert_eq!(now["status"], "unobserved", "{now}");
        let last = OffsetDateTime::parse(now["last_observed"].as_str().unwrap(), &Rfc3339);
        assert_eq!(
            last.unwrap(),
            first_scan_at,
            "since the scan that observed it"
        );
        assert!(now["days_to_fix"].is_null());
    }
    let store = Store::open(&db).unwrap();
    assert!(store.finding_fixes(ScanId(2)).unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn declaring_the_approved_anchor_withdraws_shadow_findings_and_fixes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let lab = common::lab().await;
    let good = lab.case("good-rsa").unwrap().clone();
    let shadow = lab.case("shadow-ca").unwrap().clone();
    let config = common::write_lab_config(dir.path(), &lab, "");
    let with_config = ["--config".to_string(), config.display().to_string()];
    let targets = [address(&good), address(&shadow)];
    scan(&db, &targets, fixed_now(), &[]).await;
    let later = fixed_now() + time::Duration::days(1);
    scan(&db, &targets, later, &with_config).await;
    lab.shutdown().await;

    let first = findings(&db, 1, fixed_now(), &[]);
    let good_leaf = sha256_hex(&good.expected_chains[0][0]);
    let shadow_leaf = sha256_hex(&shadow.expected_chains[0][0]);
    let shadow_issued = |items: &[Value], leaf: &str| -> Option<Value> {
        items
            .iter()
            .find(|f| f["rule"] == "inventory.shadow-ca-issued" && f["subject_key"] == leaf)
            .cloned()
    };
    assert!(shadow_issued(&first, &good_leaf).is_some(), "{first:#?}");

    let second = findings(&db, 2, later, &with_config);
    assert!(with_status(&second, "fixed").is_empty(), "{second:#?}");
    let withdrawn = shadow_issued(&second, &good_leaf).unwrap();
    assert_eq!(withdrawn["status"], "withdrawn", "{withdrawn}");
    assert!(withdrawn["withdrawn_by"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p == "anchors"));
    let anchors = second
        .iter()
        .find(|f| f["rule"] == "inventory.no-approved-anchors")
        .unwrap();
    assert_eq!(anchors["status"], "withdrawn");
    let still = shadow_issued(&second, &shadow_leaf).unwrap();
    assert_eq!(still["status"], "open", "the real shadow CA stays: {still}");
    let store = Store::open(&db).unwrap();
    assert!(
        store.finding_fixes(ScanId(2)).unwrap().is_empty(),
        "time_to_fix unchanged"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_change_does_not_hide_a_fix_made_on_the_network() {
    // The anchor is declared and the certificate replaced between the two
    // scans: the replaced certificate's findings that the previous scan
    // still has under the new policy are fixed, not withdrawn.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let mut lab = common::lab().await;
    let case = lab.case("expiring-soon").unwrap().clone();
    let old_leaf = sha256_hex(&case.expected_chains[0][0]);
    let config = common::write_lab_config(dir.path(), &lab, "");
    let with_config = ["--config".to_string(), config.display().to_string()];
    let targets = [address(&case)];
    scan(&db, &targets, fixed_now(), &[]).await;
    let later = fixed_now() + time::Duration::days(4);
    lab.renew("expiring-soon", later).unwrap();
    scan(&db, &targets, later, &with_config).await;
    lab.shutdown().await;

    let second = findings(&db, 2, later, &with_config);
    let of_old = |rule: &str| {
        second
            .iter()
            .find(|f| f["rule"] == rule && f["subject_key"] == old_leaf.as_str())
            .unwrap_or_else(|| panic!("{rule} on the old leaf: {second:#?}"))
    };
    assert_eq!(
        of_old("inventory.expiring-within-30-days")["status"],
        "fixed"
    );
    assert_eq!(of_old("inventory.shadow-ca-issued")["status"], "withdrawn");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replaced_certificate_has_its_findings_fixed_with_the_days_it_took() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let mut lab = common::lab().await;
    let case = lab.case("expiring-soon").unwrap().clone();
    let old_leaf = sha256_hex(&case.expected_chains[0][0]);
    let config = common::write_lab_config(dir.path(), &lab, "");
    let with_config = ["--config".to_string(), config.display().to_string()];
    let targets = [address(&case)];
    scan(&db, &targets, fixed_now(), &with_config).await;
    // The --clock advances from its start: half a day keeps whole days 4.
    let later = fixed_now() + time::Duration::days(4) + time::Duration::hours(12);
    lab.renew("expiring-soon", later).unwrap();
    scan(&db, &targets, later, &with_config).await;
    lab.shutdown().await;

    let first = findings(&db, 1, fixed_now(), &with_config);
    let old: Vec<&Value> = first
        .iter()
        .filter(|f| f["certificate"] == old_leaf.as_str())
        .collect();
    assert!(
        old.iter()
            .any(|f| f["rule"] == "inventory.expiring-within-30-days"),
        "{first:#?}"
    );
    let second = findings(&db, 2, later, &with_config);
    for finding in &old {
        let now = second
            .iter()
            .find(|f| f["rule"] == finding["rule"] && f["subject_key"] == finding["subject_key"])
            .unwrap_or_else(|| panic!("{finding} is listed"));
        assert_eq!(now["status"], "fixed", "{now}");
        assert_eq!(now["days_to_fix"], 4, "{now}");
    }
    let store = Store::open(&db).unwrap();
    let fixes = store.finding_fixes(ScanId(2)).unwrap();
    assert_eq!(fixes.len(), old.len());
    assert!(fixes
        .iter()
        .all(|&(scan, days)| scan == ScanId(2) && days == 4));
}
