//! `certatlas import` of other tools' outputs, end to end through the
//! binary: each format (zgrab2, tlsx, sslyze, nmap) imports from its
//! fixture (tests/fixtures/import/, see its README for what made each)
//! told by content, as one complete, judged scan with the chains the tool
//! reported (nmap's leaf alone, said so); a bad record exits 2 naming the
//! file and line before anything is written; the same file twice is
//! refused; and a live sslyze (and nmap) run against the loopback lab,
//! imported, gives the inventory a certatlas scan of the same servers
//! gives (skipped visibly where the tool is absent; .ci/run installs it).

mod common;

use common::{
    owned_args as args, path_text as path, run_binary as run, run_binary_async as run_async, text,
};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use certatlas::demo::{Lab, LabCase};
use certatlas::observation::{Observation, VerdictProblem};
use certatlas::probe::TrustStore;

const CLOCK: &str = "2026-12-08T00:00:00Z";

fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/import")
        .join(relative)
}

/// `certatlas import FILE --db DB --format json [EXTRA]`.
fn import(file: &Path, db: &Path, extra: &[&str]) -> Output {
    let mut list = args(&["import", &path(file), "--db", &path(db), "--format", "json"]);
    list.extend(args(extra));
    run(&list)
}

/// `certatlas COMMAND --db DB --format json --clock CLOCK`, which must succeed.
fn json_of(command: &str, db: &Path) -> serde_json::Value {
    let list = args(&[
        command,
        "--db",
        &path(db),
        "--format",
        "json",
        "--clock",
        CLOCK,
    ]);
    let out = run(&list);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{command}: {}",
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The first common names of the inventory's leaves.
fn leaf_names(db: &Path) -> BTreeSet<String> {
    let inventory = json_of("inventory", db);
    let items = inventory["items"].as_array().unwrap();
    items
        .iter()
        .map(|i| {
            i["certificate"]["subject"]["common_names"][0]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

/// Imports `file` into a fresh store; returns the store, the import's
/// JSON summary and its stderr.
fn imported(dir: &Path, file: &Path) -> (PathBuf, serde_json::Value, String) {
    let db = dir.join(format!(
        "{}.db",
        file.file_name().unwrap().to_string_lossy()
    ));
    let out = import(file, &db, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["status"], "complete", "{summary}");
    (db, summary, text(&out.stderr))
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter()
        .map(|n| format!("{n}.lab.certatlas.test"))
        .collect()
}

#[test]
fn sslyze_json_imports_every_chain_it_received() {
    let dir = tempfile::tempdir().unwrap();
    let (db, summary, _) = imported(dir.path(), &fixture("sslyze/lab.json"));
    assert_eq!(
        (summary["format"].as_str(), summary["tool"].as_str()),
        (Some("sslyze"), Some("sslyze 6.3.1"))
    );
    assert_eq!(summary["observations"], 6, "{summary}");
    let expected = names(&[
        "good-rsa",
        "good-ecdsa",
        "missing-intermediate",
        "shadow-ca",
    ]);
    let found = leaf_names(&db);
    assert!(found.is_superset(&expected), "{found:?}");
    assert_eq!(found.len(), 5, "the hostile-subject leaf too: {found:?}");
    // The issuing CAs came with the chains sslyze received.
    let cas = json_of("cas", &db);
    let subjects: Vec<String> = cas["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert!(
        subjects
            .iter()
            .any(|c| c.contains("certatlas Lab Issuing CA")),
        "{subjects:?}"
    );
    // A leaf sent alone is incomplete as the server sends it (sslyze
    // reports the chain received), and the scan is judged.
    let inventory = json_of("inventory", &db);
    let lone = inventory["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i.to_string().contains("missing-intermediate.lab"))
        .unwrap();
    assert_eq!(lone["chain_problems"][0], "incomplete", "{lone}");
    assert!(summary["findings"].as_u64().unwrap() > 0, "{summary}");
}

/// The observations a file becomes, as the store receives them (the
/// library's check and replay, detecting the format).
fn observations_of(file: &Path) -> Vec<Observation> {
    let checked = certatlas::import::check_as(file, None).unwrap();
    let trust = TrustStore::mozilla(&certatlas::certs::name_value_text);
    let mut seen = Vec::new();
    let mut each = |o: Observation| -> Result<(), certatlas::import::ImportError> {
        seen.push(o);
        Ok(())
    };
    certatlas::import::replay(&checked, &trust, &mut each).unwrap();
    assert_eq!(seen.len() as u64, checked.observations);
    seen
}

/// (address, port, sni, starttls, status, chain length) of an observation.
type Place = (String, u16, Option<String>, Option<String>, String, usize);

/// The observation of `address`:`port`.
fn find<'a>(list: &'a [Observation], address: &str, port: u16) -> &'a Observation {
    let at = |o: &&Observation| o.port == port && o.address.unwrap().to_string() == address;
    list.iter().find(at).unwrap()
}

/// (address, port, sni, starttls, status, chain length) of each observation.
fn endpoints(observations: &[Observation]) -> BTreeSet<Place> {
    observations
        .iter()
        .map(|o| {
            (
                o.address.unwrap().to_string(),
                o.port,
                o.sni.clone(),
                o.starttls.clone(),
                o.outcome.status().to_string(),
                o.chain_der.len(),
            )
        })
        .collect()
}

fn endpoint(
    address: &str,
    port: u16,
    sni: Option<&str>,
    starttls: Option<&str>,
    status: &str,
    chain: usize,
) -> Place {
    (
        address.to_string(),
        port,
        sni.map(|s| format!("{s}.lab.certatlas.test")),
        starttls.map(String::from),
        status.to_string(),
        chain,
    )
}

#[test]
fn each_format_yields_the_endpoints_sni_transport_and_chains_its_tool_saw() {
    let sslyze = observations_of(&fixture("sslyze/lab.json"));
    let expected = BTreeSet::from([
        endpoint("127.0.0.1", 1, None, None, "closed", 0),
        endpoint("127.0.0.2", 39025, None, None, "tls", 2),
        endpoint("127.0.0.3", 37759, Some("good-ecdsa"), None, "tls", 2),
        endpoint(
            "127.0.0.10",
            33301,
            Some("missing-intermediate"),
            None,
            "tls",
            1,
        ),
        endpoint("127.0.0.15", 39233, Some("shadow-ca"), None, "tls", 2),
        endpoint("127.0.0.22", 39635, Some("hostile-subject"), None, "tls", 2),
    ]);
    assert_eq!(endpoints(&sslyze), expected);
    // The strict verdict is certatlas's own (the lab's roots are private).
    let good_rsa = find(&sslyze, "127.0.0.2", 39025);
    let verdict = good_rsa.verdict.as_ref().unwrap();
    assert!(
        verdict.problems.contains(&VerdictProblem::UnknownIssuer),
        "{verdict:?}"
    );
    let session = good_rsa.tls.as_ref().unwrap();
    assert_eq!(session.version.as_deref(), Some("TLSv1.3"));
    assert_eq!(
        session.cipher_suite.as_deref(),
        Some("TLS13_AES_256_GCM_SHA384")
    );

    let smtp = observations_of(&fixture("sslyze/starttls-smtp.json"));
    let expected = endpoint(
        "127.0.0.19",
        40581,
        Some("starttls-smtp"),
        Some("smtp"),
        "tls",
        2,
    );
    assert_eq!(endpoints(&smtp), BTreeSet::from([expected.clone()]));

    let zgrab2 = observations_of(&fixture("zgrab2/lab.jsonl"));
    let expected = BTreeSet::from([
        endpoint("127.0.0.1", 1, None, None, "closed", 0),
        endpoint("127.0.0.2", 39025, None, None, "tls", 2),
        endpoint("127.0.0.3", 37759, Some("good-ecdsa"), None, "tls", 2),
        expected,
    ]);
    assert_eq!(endpoints(&zgrab2), expected);
    // zgrab2 and sslyze saw the same chain at the same endpoint.
    let zgrab2_rsa = find(&zgrab2, "127.0.0.2", 39025);
    assert_eq!(zgrab2_rsa.chain_der, good_rsa.chain_der);

    let tlsx = observations_of(&fixture("tlsx/lab.jsonl"));
    let expected = BTreeSet::from([
        endpoint("127.0.0.1", 1, None, None, "error", 0),
        endpoint("127.0.0.2", 39025, None, None, "tls", 2),
        endpoint("127.0.0.3", 37759, Some("good-ecdsa"), None, "tls", 2),
        endpoint(
            "127.0.0.10",
            33301,
            Some("missing-intermediate"),
            None,
            "tls",
            1,
        ),
    ]);
    assert_eq!(endpoints(&tlsx), expected);

    let nmap = observations_of(&fixture("nmap/lab.xml"));
    let tls: BTreeSet<_> = endpoints(&nmap)
        .into_iter()
        .filter(|e| e.4 == "tls")
        .collect();
    let expected = BTreeSet::from([
        endpoint("127.0.0.2", 39025, None, None, "tls", 1),
        endpoint("127.0.0.10", 33301, None, None, "tls", 1),
        endpoint("127.0.0.15", 39233, None, None, "tls", 1),
    ]);
    assert_eq!(tls, expected);
    let closed = nmap
        .iter()
        .filter(|o| o.outcome.status() == "closed")
        .count();
    assert_eq!(closed, 6);
    // nmap's leaf is the leaf sslyze received there.
    let nmap_rsa = find(&nmap, "127.0.0.2", 39025);
    assert_eq!(nmap_rsa.chain_der[0], good_rsa.chain_der[0]);
}

#[test]
fn nmap_xml_imports_the_leaf_and_says_the_chain_is_the_peers_view() {
    let dir = tempfile::tempdir().unwrap();
    let (db, summary, stderr) = imported(dir.path(), &fixture("nmap/lab.xml"));
    assert_eq!(
        (summary["format"].as_str(), summary["tool"].as_str()),
        (Some("nmap"), Some("nmap 7.93"))
    );
    // Three TLS ports and six closed ones.
    assert_eq!(summary["observations"], 9, "{summary}");
    assert_eq!(
        leaf_names(&db),
        names(&["good-rsa", "shadow-ca", "missing-intermediate"])
    );
    assert!(
        stderr.contains("3 observations carry the leaf certificate alone"),
        "{stderr}"
    );
    assert!(
        stderr.contains("no chain finding is raised on them"),
        "{stderr}"
    );
}

#[test]
fn zgrab2_lines_import_tls_and_starttls_modules_and_count_what_they_skip() {
    let dir = tempfile::tempdir().unwrap();
    let (db, summary, stderr) = imported(dir.path(), &fixture("zgrab2/lab.jsonl"));
    assert_eq!(summary["format"], "zgrab2");
    // tls ×2, smtp, the refused port; the mssql line is skipped.
    assert_eq!(summary["observations"], 4, "{summary}");
    assert_eq!(
        leaf_names(&db),
        names(&["good-rsa", "good-ecdsa", "starttls-smtp"])
    );
    assert!(
        stderr.contains("1 records skipped: zgrab2 mssql records"),
        "{stderr}"
    );
}

#[test]
fn tlsx_lines_import_leaf_and_chain_and_say_when_the_chain_is_absent() {
    let dir = tempfile::tempdir().unwrap();
    let (db, summary, stderr) = imported(dir.path(), &fixture("tlsx/lab.jsonl"));
    assert_eq!(summary["format"], "tlsx");
    assert_eq!(summary["observations"], 4, "{summary}");
    assert_eq!(
        leaf_names(&db),
        names(&["good-rsa", "good-ecdsa", "missing-intermediate"])
    );
    assert!(
        stderr.contains("1 observations carry the leaf certificate alone"),
        "{stderr}"
    );
    // The chains tlsx wrote with -tc bring their issuing CA.
    let cas = json_of("cas", &db).to_string();
    assert!(cas.contains("certatlas Lab Issuing CA"), "{cas}");
}

#[test]
fn the_same_peer_file_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = fixture("tlsx/lab.jsonl");
    let (db, _, _) = imported(dir.path(), &file);
    let out = import(&file, &db, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("already imported"),
        "{}",
        text(&out.stderr)
    );
}

/// `file` with line `number` (1-based) replaced by `edit` of it.
fn edited(dir: &Path, file: &Path, number: usize, edit: impl Fn(&str) -> String) -> PathBuf {
    let original = std::fs::read_to_string(file).unwrap();
    let lines: Vec<String> = original
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == number {
                edit(l)
            } else {
                l.to_string()
            }
        })
        .collect();
    let target = dir.join(file.file_name().unwrap());
    std::fs::write(&target, lines.join("\n") + "\n").unwrap();
    target
}

/// Imports `file`: exit 2, the message naming `file:line` and `needle`,
/// and no store written.
fn refused(dir: &Path, file: &Path, line: usize, needle: &str, extra: &[&str]) {
    let db = dir.join("refused.db");
    let out = import(file, &db, extra);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let place = format!("{}:{line}: ", file.display());
    assert!(stderr.contains(&place), "{place} in {stderr}");
    assert!(stderr.contains(needle), "{needle} in {stderr}");
    assert!(
        !db.exists(),
        "nothing is written before the file is checked"
    );
}

#[test]
fn a_bad_record_of_each_format_exits_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let zgrab2 = edited(dir.path(), &fixture("zgrab2/lab.jsonl"), 3, |l| {
        l.replacen("\"raw\": \"", "\"raw\": \"***", 1)
    });
    refused(dir.path(), &zgrab2, 3, "bad base64", &[]);

    let dir = tempfile::tempdir().unwrap();
    let tlsx = edited(dir.path(), &fixture("tlsx/lab.jsonl"), 2, |l| {
        l.replace("\"port\": \"", "\"portx\": \"")
    });
    refused(dir.path(), &tlsx, 2, "tlsx record without port", &[]);

    let dir = tempfile::tempdir().unwrap();
    let cut = edited(dir.path(), &fixture("tlsx/lab.jsonl"), 3, |l| {
        l[..l.len() / 2].to_string()
    });
    refused(dir.path(), &cut, 3, "not tlsx JSON", &[]);

    // An nmap port whose PEM is not base64, at its port's line.
    let dir = tempfile::tempdir().unwrap();
    let source = std::fs::read_to_string(fixture("nmap/lab.xml")).unwrap();
    let port_line = source
        .lines()
        .position(|l| l.contains("<port ") && l.contains("ssl-cert"))
        .unwrap()
        + 1;
    let nmap = edited(dir.path(), &fixture("nmap/lab.xml"), port_line + 1, |l| {
        l.to_string()
    });
    let broken = std::fs::read_to_string(&nmap)
        .unwrap()
        .replacen("&#xa;MII", "&#xa;!!MII", 1);
    std::fs::write(&nmap, broken).unwrap();
    refused(dir.path(), &nmap, port_line, "bad ssl-cert pem", &[]);

    // XML that is not well formed, at its line.
    let dir = tempfile::tempdir().unwrap();
    let nmap = edited(dir.path(), &fixture("nmap/lab.xml"), 8, |_| {
        "<debugging level=\"0\"></verbose>".to_string()
    });
    refused(dir.path(), &nmap, 8, "not nmap XML", &[]);

    // An sslyze certificate that is not PEM.
    let dir = tempfile::tempdir().unwrap();
    let source = std::fs::read_to_string(fixture("sslyze/starttls-smtp.json")).unwrap();
    let broken = source.replacen(
        "-----BEGIN CERTIFICATE-----\\nMII",
        "-----BEGIN CERTIFICATE-----\\n!!MII",
        1,
    );
    assert_ne!(broken, source);
    let sslyze = dir.path().join("starttls-smtp.json");
    std::fs::write(&sslyze, &broken).unwrap();
    let out = import(&sslyze, &dir.path().join("refused.db"), &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("as_pem"), "{stderr}");
    assert!(
        stderr.contains(&format!("{}:", sslyze.display())),
        "{stderr}"
    );

    // A file forced to a format it is not.
    let dir = tempfile::tempdir().unwrap();
    let tlsx = fixture("tlsx/lab.jsonl");
    refused(
        dir.path(),
        &tlsx,
        1,
        "not zgrab2 JSON",
        &["--from", "zgrab2"],
    );
}

/// The lab cases a live peer run and a certatlas scan are compared on:
/// plain TLS servers with one certificate (no client certificate, no
/// legacy-only server, no STARTTLS, no second key type).
fn compared_cases(lab: &Lab) -> Vec<&LabCase> {
    let skip = [
        "client-cert-required",
        "sni-routing",
        "dual-cert",
        "legacy-tls10",
        "not-tls",
    ];
    lab.cases()
        .iter()
        .filter(|c| c.starttls.is_none() && !skip.contains(&c.name))
        .collect()
}

/// What a store's inventory says about certificates, CAs and endpoints,
/// without times: leaves with their CA class, endpoints and chain
/// problems; CAs with their class.
fn inventory_facts(db: &Path) -> (BTreeSet<String>, BTreeSet<String>) {
    let inventory = json_of("inventory", db);
    let leaves = inventory["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            serde_json::json!({
                "sha256": i["sha256"],
                "ca_class": i["ca_class"],
                "endpoints": i["endpoints"],
                "chain_problems": i["chain_problems"],
            })
            .to_string()
        })
        .collect();
    let cas = json_of("cas", db);
    let cas = cas["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| serde_json::json!({"sha256": c["sha256"], "class": c["class"]}).to_string())
        .collect();
    (leaves, cas)
}

/// Scans `targets` with certatlas into `db`.
async fn certatlas_scan(db: &Path, targets: Vec<String>) {
    let mut list = args(&["scan", "-q", "--clock", CLOCK, "--db", &path(db)]);
    list.extend(args(&["--timeout", "5s"]));
    list.extend(targets);
    let out = run_async(list).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

fn tool_present(program: &str, probe: &[&str]) -> bool {
    let present = Command::new(program)
        .args(probe)
        .output()
        .is_ok_and(|o| o.status.success());
    if !present {
        eprintln!("SKIPPED: {program} is not installed (.ci/run installs it)");
    }
    present
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scan_and_an_sslyze_import_of_the_same_servers_give_the_same_inventory() {
    if !tool_present("sslyze", &["--help"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lab = common::lab().await;
    let cases = compared_cases(&lab);
    let mut sslyze_targets = Vec::new();
    let mut scan_targets = Vec::new();
    for case in &cases {
        let (address, port) = (case.address.ip(), case.address.port());
        match case.server_names.iter().flatten().next() {
            Some(name) => {
                sslyze_targets.push(format!("{name}:{port}{{{address}}}"));
                scan_targets.push(format!("{name}@{address}:{port}"));
            }
            None => {
                sslyze_targets.push(format!("{address}:{port}"));
                scan_targets.push(format!("{address}:{port}"));
            }
        }
    }
    let scanned = dir.path().join("scanned.db");
    certatlas_scan(&scanned, scan_targets).await;

    let json = dir.path().join("sslyze.json");
    let mut list = args(&["--certinfo", &format!("--json_out={}", path(&json))]);
    list.extend(sslyze_targets);
    let out = tokio::task::spawn_blocking(move || Command::new("sslyze").args(&list).output())
        .await
        .unwrap()
        .unwrap();
    assert!(json.exists(), "sslyze wrote nothing: {}", text(&out.stderr));
    let imported = dir.path().join("imported.db");
    let out = import(&json, &imported, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let (scan_leaves, scan_cas) = inventory_facts(&scanned);
    let (import_leaves, import_cas) = inventory_facts(&imported);
    assert_eq!(scan_leaves.len(), cases.len(), "{scan_leaves:#?}");
    assert_eq!(scan_leaves, import_leaves);
    assert_eq!(scan_cas, import_cas);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scan_and_an_nmap_import_of_the_same_servers_give_the_same_leaves() {
    if !tool_present("nmap", &["--version"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lab = common::lab().await;
    let cases = compared_cases(&lab);
    let scanned = dir.path().join("scanned.db");
    let targets = cases.iter().map(|c| c.address.to_string()).collect();
    certatlas_scan(&scanned, targets).await;

    // One nmap run per server (each listens on its own address and port).
    let xml = dir.path().join("nmap.xml");
    let ports: BTreeSet<String> = cases.iter().map(|c| c.address.port().to_string()).collect();
    let hosts: Vec<String> = cases.iter().map(|c| c.address.ip().to_string()).collect();
    let mut list = args(&[
        "-Pn",
        "-n",
        "-sT",
        "--script",
        "ssl-cert",
        "-oX",
        &path(&xml),
    ]);
    list.extend(args(&[
        "-p",
        &ports.into_iter().collect::<Vec<_>>().join(","),
    ]));
    list.extend(hosts);
    let out = tokio::task::spawn_blocking(move || Command::new("nmap").args(&list).output())
        .await
        .unwrap()
        .unwrap();
    assert!(out.status.success(), "nmap: {}", text(&out.stderr));
    let imported = dir.path().join("imported.db");
    let out = import(&xml, &imported, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // nmap reports the leaf alone: the leaves and where they are served
    // agree; the chains cannot.
    let leaves = |db: &Path| -> BTreeSet<String> {
        let inventory = json_of("inventory", db);
        inventory["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| serde_json::json!([i["sha256"], i["endpoints"]]).to_string())
            .collect()
    };
    let scanned_leaves = leaves(&scanned);
    assert!(scanned_leaves.len() > 5, "{scanned_leaves:#?}");
    assert_eq!(scanned_leaves, leaves(&imported));
    lab.shutdown().await;
}
