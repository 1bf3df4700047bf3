//! Scores, reports and evidence bundles end to end through the binary,
//! over a demo inventory on a fixed clock: the score card and its history,
//! threshold overrides and self-assessment claims (and their errors), the
//! report bundle, and `verify` accepting an untouched bundle and naming
//! the file when one byte of any file changes, signed or not.

mod common;

use std::path::Path;
use std::process::Output;

const CLOCK: &str = "2026-06-01T12:00:00Z";

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A demo inventory in `dir` (two scans), with its report bundle in
/// `dir/report`; returns the database path.
fn demo(dir: &Path) -> String {
    let db = dir.join("demo.db").display().to_string();
    let report = dir.join("report").display().to_string();
    let out = common::certatlas(&[
        "--clock", CLOCK, "-q", "demo", "--db", &db, "--report", &report,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    db
}

fn certatlas_in(db: &str, command: &str, extra: &[&str]) -> Output {
    let config = format!("{db}.toml");
    let mut args = vec!["--clock", CLOCK, command, "--db", db, "--config", &config];
    args.extend_from_slice(extra);
    common::certatlas(&args)
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

fn verify(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["verify", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    common::certatlas(&args)
}

#[test]
fn demo_bundle_verifies_and_any_changed_byte_names_its_file() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    let bundle = dir.path().join("report");
    let out = verify(&bundle, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).starts_with("OK: "), "{}", stdout(&out));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("manifest.json")).unwrap()).unwrap();
    let files: Vec<String> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    for name in [
        "report.html",
        "report.json",
        "inventory.csv",
        "findings.csv",
    ] {
        assert!(files.contains(&name.to_string()), "{name} in {files:?}");
    }
    assert!(
        files
            .iter()
            .filter(|f| f.starts_with("certificates/"))
            .count()
            > 10
    );
    for file in &files {
        let path = bundle.join(file);
        let original = std::fs::read(&path).unwrap();
        let mut changed = original.clone();
        let middle = changed.len() / 2;
        changed[middle] ^= 0x01;
        std::fs::write(&path, &changed).unwrap();
        let out = verify(&bundle, &[]);
        assert_eq!(out.status.code(), Some(1), "{file}: {}", stdout(&out));
        assert!(
            stdout(&out).contains(&format!("FAIL {file}: modified")),
            "{file}: {}",
            stdout(&out)
        );
        std::fs::write(&path, &original).unwrap();
    }
    assert_eq!(verify(&bundle, &[]).status.code(), Some(0));
}

#[test]
fn report_json_carries_the_score_the_trend_and_the_hostile_subject_as_data() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    let text = std::fs::read_to_string(dir.path().join("report/report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["schema"], "certatlas-report/1");
    assert_eq!(
        report["score"]["label"],
        "automated estimate from network observations; not a PKIMM assessment"
    );
    assert_eq!(report["score"]["categories"].as_array().unwrap().len(), 16);
    assert_eq!(
        report["trend"].as_array().unwrap().len(),
        2,
        "both demo scans are scored"
    );
    assert_eq!(report["previous"]["scan"], 1);
    let hostile = report["leaves"].as_array().unwrap().iter().any(|l| {
        l["subject"]["cn"]
            .as_str()
            .unwrap()
            .contains("<script>alert(1)</script>")
    });
    assert!(hostile, "the hostile subject is kept as data");
    let html = std::fs::read_to_string(dir.path().join("report/report.html")).unwrap();
    assert!(!html.contains("<script>alert(1)</script>"));
}

#[test]
fn score_card_history_overrides_and_claims() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let card = json(&certatlas_in(&db, "score", &["--format", "json"]))["items"].clone();
    let category = |card: &serde_json::Value, id: &str| {
        let all = card["categories"].as_array().unwrap().clone();
        all.into_iter().find(|c| c["category"] == id).unwrap()
    };
    assert_eq!(category(&card, "G.compliance")["basis"], "not_assessed");
    assert_eq!(
        category(&card, "M.certificate-management")["basis"],
        "evidence"
    );
    // The demo's two scans lie minutes apart: one day with a complete
    // scan (cadence counts days, not scans); both are scored.
    assert_eq!(card["history"]["scans"], 1);
    let history = json(&certatlas_in(
        &db,
        "score",
        &["--history", "--format", "json"],
    ));
    assert_eq!(history["items"].as_array().unwrap().len(), 2);

    let config = format!("{db}.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(
        "\n[maturity.thresholds]\n\"M.certificate-management/expired-at-most-10pct\" = 50\n",
    );
    std::fs::write(&config, &text).unwrap();
    let card = json(&certatlas_in(&db, "score", &["--format", "json"]))["items"].clone();
    let cert = category(&card, "M.certificate-management");
    let criterion = cert["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "expired-at-most-10pct")
        .unwrap()
        .clone();
    assert_eq!(
        (criterion["threshold"].as_f64(), &criterion["overridden"]),
        (Some(50.0), &serde_json::json!(true))
    );

    let claims = dir.path().join("self.toml");
    std::fs::write(
        &claims,
        "[levels]\n\"G.strategy-and-vision\" = 4\n\"M.certificate-management\" = 5\n",
    )
    .unwrap();
    let card = json(&certatlas_in(
        &db,
        "score",
        &[
            "--format",
            "json",
            "--self-assessment",
            claims.to_str().unwrap(),
        ],
    ))["items"]
        .clone();
    assert_eq!(category(&card, "G.strategy-and-vision")["basis"], "claim");
    let cert = category(&card, "M.certificate-management");
    assert!(cert["contradiction"]
        .as_str()
        .unwrap()
        .starts_with("claimed level 5, evidence supports level"));
}

#[test]
fn the_demo_lab_alone_leaves_governance_and_resources_not_assessed() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let out = certatlas_in(&db, "score", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    let line = |module: &str| {
        table
            .lines()
            .find(|l| l.starts_with(module))
            .unwrap_or_else(|| panic!("no {module} line in\n{table}"))
            .to_string()
    };
    assert!(
        line("Governance")
            .contains("not assessed (0 of 5 categories assessed, 0 % of its weight evidenced)"),
        "{table}"
    );
    assert!(
        line("Resources")
            .contains("not assessed (0 of 3 categories assessed, 0 % of its weight evidenced)"),
        "{table}"
    );
    for (module, m) in [("Management", 4), ("Operations", 4)] {
        let text = line(module);
        assert!(
            text.contains(&format!(" of {m} categories assessed, ")),
            "{text}"
        );
        assert!(text.contains(" % of its weight evidenced)"), "{text}");
    }
    assert!(
        line("Overall").contains("of 16 categories assessed, resting on "),
        "{table}"
    );
    assert!(
        table.contains("G.cryptography") && table.contains("supporting facts"),
        "{table}"
    );
    // Requirement ratings from the self-assessment score the Governance
    // categories; the model's weights make the value.
    let claims = dir.path().join("req.toml");
    std::fs::write(
        &claims,
        "[requirements]\n\"G.compliance.compliance-policies\" = 4\n\
         \"G.compliance.regulatory-inventory\" = 2\n",
    )
    .unwrap();
    let card = json(&certatlas_in(
        &db,
        "score",
        &[
            "--format",
            "json",
            "--self-assessment",
            claims.to_str().unwrap(),
        ],
    ))["items"]
        .clone();
    let compliance = card["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["category"] == "G.compliance")
        .unwrap()
        .clone();
    assert_eq!(compliance["basis"], "claim");
    assert_eq!(compliance["value"].as_f64(), Some(22.0 / 8.0));
    let governance = card["modules"][0].clone();
    assert_eq!(governance["assessed"], serde_json::json!(["G.compliance"]));
}

#[test]
fn not_applicable_in_the_config_is_shown_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let config = format!("{db}.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(
        "\n[maturity.not_applicable]\n\"O.interoperability\" = \"one vendor\"\n\
         \"M.key-management.device-inventory\" = \"no HSMs\"\n",
    );
    std::fs::write(&config, &text).unwrap();
    let out = certatlas_in(&db, "score", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(table.contains("not applicable: no HSMs"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("O.interoperability") && l.contains("not applicable")),
        "{table}"
    );
    assert!(table.contains(" of 3 categories assessed"), "{table}");
    // A misspelt id exits 2, naming the file and line.
    text.push_str("\"O.interop\" = \"typo\"\n");
    std::fs::write(&config, &text).unwrap();
    let out = certatlas_in(&db, "score", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains(".toml:") && err.contains("O.interop"), "{err}");
}

#[test]
fn bad_overrides_claims_keys_and_directories_exit_2_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let config = format!("{db}.toml");
    let original = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{original}\n[maturity.thresholds]\n\"M.certificate-management/no-such\" = 1\n"),
    )
    .unwrap();
    let out = certatlas_in(&db, "score", &[]);
    assert_eq!(out.status.code(), Some(2));
    let lines = original.lines().count() + 3;
    assert!(
        stderr(&out).contains(&format!("{config}:{lines}:"))
            && stderr(&out).contains("no such criterion"),
        "{}",
        stderr(&out)
    );
    std::fs::write(&config, &original).unwrap();

    let claims = dir.path().join("self.toml");
    std::fs::write(&claims, "[levels]\n\"G.strategy\" = 4\n").unwrap();
    let out = certatlas_in(
        &db,
        "score",
        &["--self-assessment", claims.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!("{}:2:", claims.display())),
        "{}",
        stderr(&out)
    );

    let key = dir.path().join("not-a-key.pem");
    std::fs::write(&key, "hello").unwrap();
    let out_dir = dir.path().join("never");
    let out = certatlas_in(
        &db,
        "report",
        &[
            "--out",
            out_dir.to_str().unwrap(),
            "--sign",
            key.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not-a-key.pem"), "{}", stderr(&out));
    assert!(!out_dir.exists(), "nothing written");

    let busy = dir.path().join("busy");
    std::fs::create_dir_all(&busy).unwrap();
    std::fs::write(busy.join("notes.txt"), "mine").unwrap();
    let out = certatlas_in(&db, "report", &["--out", busy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not empty"), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(&busy).unwrap().count(), 1);

    // a report whose judgement fails once the bundle is begun (the scan
    // is still running) leaves no part of a bundle
    let store = certatlas::store::Store::open(Path::new(&db)).unwrap();
    let meta = certatlas::store::ScanMeta {
        started_at: time::OffsetDateTime::now_utc(),
        targets: vec!["127.0.0.1".into()],
        options: serde_json::json!({}),
        tool_version: "0.1.0".into(),
    };
    let running = store.begin_scan(&meta).unwrap();
    drop(store);
    let cut = dir.path().join("cut");
    let scan = running.0.to_string();
    let out = certatlas_in(
        &db,
        "report",
        &["--out", cut.to_str().unwrap(), "--scan", &scan],
    );
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("only complete scans"),
        "{}",
        stderr(&out)
    );
    let left: Vec<_> = std::fs::read_dir(&cut).map_or(Vec::new(), |d| d.collect());
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_signed_bundle_checks_against_its_key_and_no_other() {
    if std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_err()
    {
        eprintln!("SKIPPED: openssl is not installed; it makes the Ed25519 keys of this test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = demo(dir.path());
    let keygen = |name: &str| {
        let key = dir.path().join(format!("{name}.pem"));
        let public = dir.path().join(format!("{name}.pub.pem"));
        let run = |args: &[&str]| {
            assert!(std::process::Command::new("openssl")
                .args(args)
                .status()
                .unwrap()
                .success())
        };
        run(&[
            "genpkey",
            "-algorithm",
            "ed25519",
            "-out",
            key.to_str().unwrap(),
        ]);
        run(&[
            "pkey",
            "-in",
            key.to_str().unwrap(),
            "-pubout",
            "-out",
            public.to_str().unwrap(),
        ]);
        (key, public)
    };
    let (key, public) = keygen("auditee");
    let (_, other) = keygen("someone-else");
    let bundle = dir.path().join("signed");
    let out = certatlas_in(
        &db,
        "report",
        &[
            "--out",
            bundle.to_str().unwrap(),
            "--sign",
            key.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("signed by key"), "{}", stdout(&out));
    assert_eq!(
        verify(&bundle, &["--key", public.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
    let out = verify(&bundle, &["--key", other.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let manifest = bundle.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    // One more byte after the JSON: still a valid manifest, no longer the
    // signed one.
    std::fs::write(&manifest, text + " ").unwrap();
    let out = verify(&bundle, &["--key", public.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).to_lowercase().contains("signature"),
        "{}",
        stdout(&out)
    );
}
