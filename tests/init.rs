//! A first run that guides, through the binary against the lab on a fixed
//! clock: a scan without a config says how to declare anchors; `init`
//! writes a starter config that loads, lists the lab's private roots as
//! commented `[[anchors]]` with their PEM beside it, and refuses to
//! overwrite; once the lab root's anchor lines are uncommented, a rescan
//! classes the root approved, trusts it in the strict verdict, and
//! withdraws the shadow findings (the real shadow CA stays). `cas --export`
//! writes a CA certificate as PEM by SHA-256 prefix.

mod common;

use std::path::Path;

use base64::Engine as _;
use certatlas::certs::sha256_hex;
use common::{certatlas, fixed_now, json_lines};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The lab cases scanned: two chains to the lab root (one sending the
/// root itself), one to a real shadow CA, one expired.
const CASES: [&str; 4] = ["good-rsa", "root-included", "shadow-ca", "expired"];

/// Runs the binary off the async runtime; asserts the exit code.
async fn run(args: Vec<String>, code: i32) -> std::process::Output {
    let out = tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        certatlas(&refs)
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn args(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

fn clock(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap()
}

/// `scan` of `targets` into `db` at `at` (JSON Lines on stdout, the
/// summary on stderr), with `extra` options.
async fn scan(
    db: &Path,
    targets: &[String],
    at: OffsetDateTime,
    extra: &[String],
) -> std::process::Output {
    let mut all = args(&["--clock", &clock(at), "scan", "--format", "jsonl", "--db"]);
    all.push(db.display().to_string());
    all.extend(extra.iter().cloned());
    all.extend(targets.iter().cloned());
    run(all, 0).await
}

/// The observation record of `address` in a scan's JSON Lines.
fn observation<'a>(lines: &'a [Value], address: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| {
            l["record"] == "observation"
                && format!("{}:{}", l["address"].as_str().unwrap_or(""), l["port"]) == address
        })
        .unwrap_or_else(|| panic!("no observation of {address}: {lines:#?}"))
}

/// Uncomments the `[[anchors]]` entry under the `# sha256: <sha256>` line.
fn uncomment_anchor(text: &str, sha256: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    let mut found = false;
    for line in text.lines() {
        if line == format!("# sha256: {sha256}") {
            inside = true;
            found = true;
        } else if inside && line.is_empty() {
            inside = false;
        }
        let live = inside
            && (line == "# [[anchors]]"
                || line.starts_with("# name = ")
                || line.starts_with("# file = "));
        out.push_str(if live { &line[2..] } else { line });
        out.push('\n');
    }
    assert!(found, "the config lists {sha256}:\n{text}");
    out
}

fn findings(db: &Path, scan: &str, at: OffsetDateTime, config: &Path) -> Vec<Value> {
    let (db, config, at) = (
        db.display().to_string(),
        config.display().to_string(),
        clock(at),
    );
    let out = certatlas(&[
        "--clock", &at, "findings", "--db", &db, "--scan", scan, "--config", &config, "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    json["items"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn init_lists_the_lab_root_and_declaring_it_withdraws_the_shadow_findings() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let lab = common::lab().await;
    let case = |name: &str| lab.case(name).unwrap().clone();
    let targets: Vec<String> = CASES.iter().map(|n| case(n).address.to_string()).collect();
    let root_sha = sha256_hex(lab.approved_root_der());
    let good = case("good-rsa");
    let good_leaf = sha256_hex(&good.expected_chains[0][0]);
    let shadow_leaf = sha256_hex(&case("shadow-ca").expected_chains[0][0]);

    // first scan, no config: every private CA is shadow, and the summary says what to do
    let first = scan(&db, &targets, fixed_now(), &[]).await;
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(stderr.contains("`certatlas init`"), "{stderr}");
    let lines = json_lines(&first);
    let verdict = &observation(&lines, &good.address.to_string())["verdict"];
    assert_eq!(verdict["trusted"], false, "{verdict}");
    assert_eq!(
        verdict["name_check"], "no_name",
        "an address probe checks no name: {verdict}"
    );

    // init writes a config that loads and declares nothing yet
    let config = dir.path().join("certatlas.toml");
    let (db_arg, config_arg) = (db.display().to_string(), config.display().to_string());
    let init = args(&["init", "--db", &db_arg, "-o", &config_arg]);
    let out = run(init.clone(), 0).await;
    let text = std::fs::read_to_string(&config).unwrap();
    let loaded = certatlas::config::load(&config).expect("the starter loads");
    assert!(loaded.anchors.is_empty(), "{text}");
    assert_eq!(loaded.scope.as_ref().unwrap().targets, targets);
    let pem = dir.path().join(format!("anchor-{}.pem", &root_sha[..16]));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&pem.display().to_string()),
        "init says where: {said}"
    );
    assert!(text.contains(&format!("# sha256: {root_sha}")), "{text}");
    assert!(
        text.contains("3 leaf certificates chain to it: 3 served (on 3 endpoints), 0 at rest"),
        "good-rsa, expired, root-included: {text}"
    );

    // no overwrite without --force (exit 2, file untouched); --force replaces
    std::fs::write(&config, "# mine\n").unwrap();
    let refused = run(init.clone(), 2).await;
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "# mine\n");
    let mut forced = init.clone();
    forced.push("--force".into());
    run(forced, 0).await;
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);

    // uncomment the lab root's anchor lines: it is the one declared
    std::fs::write(&config, uncomment_anchor(&text, &root_sha)).unwrap();
    let loaded = certatlas::config::load(&config).unwrap();
    assert_eq!(loaded.anchors.len(), 1);
    assert_eq!(
        loaded.approved_anchor_ders().unwrap(),
        vec![lab.approved_root_der().to_vec()]
    );

    // rescan with it: approved, trusted in the verdict, no hint
    let later = fixed_now() + time::Duration::days(1);
    let second = scan(
        &db,
        &targets,
        later,
        &["--config".to_string(), config_arg.clone()],
    )
    .await;
    lab.shutdown().await;
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(!stderr.contains("`certatlas init`"), "{stderr}");
    let lines = json_lines(&second);
    let verdict = &observation(&lines, &good.address.to_string())["verdict"];
    assert_eq!(
        verdict["trusted"], true,
        "config anchors feed the verdict: {verdict}"
    );

    let cas = run(
        args(&[
            "cas",
            "--db",
            &db_arg,
            "--config",
            &config_arg,
            "--format",
            "json",
        ]),
        0,
    )
    .await;
    let cas: Value = serde_json::from_slice(&cas.stdout).unwrap();
    let root = cas["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|ca| ca["sha256"] == root_sha.as_str())
        .unwrap_or_else(|| panic!("{cas:#}"));
    assert_eq!(root["class"], "approved", "{root}");

    let second = findings(&db, "2", later, &config);
    let shadow_issued = |leaf: &str| {
        second
            .iter()
            .find(|f| f["rule"] == "inventory.shadow-ca-issued" && f["subject_key"] == leaf)
            .unwrap_or_else(|| panic!("{second:#?}"))
    };
    assert_eq!(shadow_issued(&good_leaf)["status"], "withdrawn");
    assert_eq!(
        shadow_issued(&shadow_leaf)["status"],
        "open",
        "the real shadow CA stays"
    );
    assert!(second.iter().all(|f| f["status"] != "fixed"), "{second:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn cas_export_writes_a_ca_as_pem_by_prefix_and_refuses_what_it_cannot_name() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let lab = common::lab().await;
    let case = lab.case("root-included").unwrap().clone();
    let root_der = lab.approved_root_der().to_vec();
    scan(&db, &[case.address.to_string()], fixed_now(), &[]).await;
    lab.shutdown().await;
    let db_arg = db.display().to_string();
    let root_sha = sha256_hex(&root_der);
    let leaf_sha = sha256_hex(&case.expected_chains[0][0]);

    let out = run(
        args(&[
            "cas",
            "--db",
            &db_arg,
            "--export",
            &root_sha[..12].to_uppercase(),
        ]),
        0,
    )
    .await;
    let pem = String::from_utf8(out.stdout).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    assert_eq!(der, root_der);

    let file = dir.path().join("root.pem");
    let file_arg = file.display().to_string();
    run(
        args(&[
            "cas", "--db", &db_arg, "--export", &root_sha, "-o", &file_arg,
        ]),
        0,
    )
    .await;
    assert_eq!(std::fs::read_to_string(&file).unwrap(), pem);

    let short = run(
        args(&["cas", "--db", &db_arg, "--export", &root_sha[..7]]),
        2,
    )
    .await;
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 8"));
    let leaf = run(
        args(&["cas", "--db", &db_arg, "--export", &leaf_sha[..16]]),
        2,
    )
    .await;
    assert!(String::from_utf8_lossy(&leaf.stderr).contains("not a CA"));
    let absent = if root_sha.starts_with("00000000") {
        "ffffffff"
    } else {
        "00000000"
    };
    let none = run(args(&["cas", "--db", &db_arg, "--export", absent]), 2).await;
    assert!(String::from_utf8_lossy(&none.stderr).contains("no stored certificate"));
}

/// The demo's inventory (two scans, recorded under the label `demo lab`,
/// which is no target spec): `init` leaves the label out of `[scope]` as a
/// comment, so the config loads through the binary; `--from-scan` picks a
/// scan and an unknown one exits 2 without writing.
#[tokio::test(flavor = "multi_thread")]
async fn init_on_the_demo_inventory_writes_a_config_the_binary_loads() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").display().to_string();
    let report = dir.path().join("report").display().to_string();
    run(
        args(&[
            "--clock",
            &clock(fixed_now()),
            "demo",
            "--db",
            &db,
            "--report",
            &report,
        ]),
        0,
    )
    .await;

    let config = dir.path().join("certatlas.toml");
    let config_arg = config.display().to_string();
    run(
        args(&["init", "--db", &db, "-o", &config_arg, "--from-scan", "99"]),
        2,
    )
    .await;
    assert!(!config.exists(), "nothing written for an unknown scan");
    run(
        args(&["init", "--db", &db, "-o", &config_arg, "--from-scan", "1"]),
        0,
    )
    .await;
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("from scan 1."), "{text}");
    assert!(
        text.contains("# recorded target \"demo lab\" is no target spec"),
        "{text}"
    );
    assert_eq!(
        text.lines().filter(|l| *l == "# [[anchors]]").count(),
        2,
        "the lab root and the shadow root: {text}"
    );
    run(
        args(&[
            "findings",
            "--db",
            &db,
            "--config",
            &config_arg,
            "--format",
            "json",
        ]),
        0,
    )
    .await;
}

/// Leaves at rest chain to a private root too: `init` on an import of a
/// PEM file (a leaf and its private root) counts the leaf, as at rest.
#[tokio::test(flavor = "multi_thread")]
async fn init_counts_the_leaves_at_rest_that_chain_to_a_private_root() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("files.db").display().to_string();
    let pem = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/at_rest/chain.pem");
    run(
        args(&["import", &pem.display().to_string(), "--db", &db]),
        0,
    )
    .await;
    let config = dir.path().join("certatlas.toml");
    run(
        args(&["init", "--db", &db, "-o", &config.display().to_string()]),
        0,
    )
    .await;
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("# subject: CN=Atrest Test Root CA"), "{text}");
    assert!(
        text.contains("# 1 leaf certificate chain to it: 0 served (on 0 endpoints), 1 at rest"),
        "{text}"
    );
}
