//! The binary end to end: bad input ends with exit 2 and a message naming
//! the input, before any output is written; a scan of the lab writes JSON
//! Lines that parse; an interrupted scan keeps its output and says so.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use certatlas::demo::LabCase;
use common::{certatlas, json_lines};

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn bad_cidr_exits_2_naming_the_input() {
    let out = certatlas(&["scan", "10.0.0.0/33", "-p", "443"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("'10.0.0.0/33'"), "{err}");
    assert!(err.contains("target argument"), "{err}");
}

#[test]
fn bad_port_list_exits_2_naming_the_item() {
    let out = certatlas(&["scan", "127.0.0.1", "-p", "443,70000"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("--ports") && err.contains("70000"), "{err}");
}

#[test]
fn unreadable_input_file_exits_2_naming_the_file() {
    let out = certatlas(&["scan", "-i", "/nonexistent/targets.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/targets.txt"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn bad_line_in_input_file_names_file_and_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("targets.txt");
    std::fs::write(&input, "# lab\n127.0.0.1\n\n10.0.0.1-10.0.0.0.1\n").unwrap();
    let output = dir.path().join("out.jsonl");
    let out = certatlas(&[
        "scan",
        "-i",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("targets.txt:4"), "{err}");
    assert!(!output.exists(), "nothing is written before input is valid");
}

#[test]
fn bad_exclusion_bad_duration_and_no_targets_exit_2() {
    let cases: [&[&str]; 4] = [
        &["scan", "127.0.0.1", "--exclude", "300.1.1.1"],
        &["scan", "127.0.0.1", "--timeout", "soon"],
        &["scan", "127.0.0.1", "--format", "xml"],
        &["scan"],
    ];
    for args in cases {
        let out = certatlas(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!stderr(&out).trim().is_empty(), "{args:?} explains itself");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn scanning_a_lab_case_writes_parsable_json_lines() {
    let lab = common::lab().await;
    let case = lab.case("good-ecdsa").unwrap().clone();
    let sni = case.server_names[0].clone().unwrap();
    let ip = case.address.ip().to_string();
    let port = case.address.port().to_string();
    let out = tokio::task::spawn_blocking(move || {
        certatlas(&[
            "scan", &ip, "-p", &port, "--sni", &sni, "--format", "jsonl", "-q",
        ])
    })
    .await
    .unwrap();
    lab.shutdown().await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = json_lines(&out);
    // the scan line, no SNI, the extra SNI, then the summary
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["record"], "scan");
    assert_eq!(
        lines[0]["options"]["sni"][0],
        case.server_names[0].clone().unwrap()
    );
    let with_sni = lines
        .iter()
        .find(|l| l["sni"] == case.server_names[0].clone().unwrap().as_str())
        .unwrap();
    assert_eq!(with_sni["record"], "observation");
    assert_eq!(with_sni["status"], "tls");
    assert_eq!(with_sni["schema_version"], 1);
    let leaf = &with_sni["certificates"][0]["certificate"];
    assert_eq!(leaf["key"]["algorithm"], "ec");
    assert_eq!(
        with_sni["chain_der"].as_array().unwrap().len(),
        case.expected_chains[0].len()
    );
    let summary = lines.last().unwrap();
    assert_eq!(summary["record"], "summary");
    assert_eq!(summary["complete"], true);
    assert_eq!(summary["observations"], 2);
}

#[test]
fn interrupted_scan_keeps_output_and_is_marked_incomplete() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("scan.jsonl");
    // Two targets: the closed neighbour finishes at once, the silent
    // listener holds its probe open until we interrupt.
    let mut child = Command::new(env!("CARGO_BIN_EXE_certatlas"))
        .args([
            "scan",
            "127.0.0.1",
            "127.0.0.2",
            "-p",
            &port,
            "--timeout",
            "60s",
        ])
        .args(["--format", "jsonl", "-o", output.to_str().unwrap(), "-q"])
        .args(["--db", dir.path().join("inventory.db").to_str().unwrap()])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The scan has started once the silent listener sees the connection.
    let (_conn, _) = listener.accept().unwrap();
    let pid = child.id() as i32;
    unsafe { libc::kill(pid, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let file = std::fs::File::open(&output).unwrap();
    let lines: Vec<serde_json::Value> = BufReader::new(file)
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    let summary = lines.last().unwrap();
    assert_eq!(summary["record"], "summary");
    assert_eq!(summary["complete"], false);
    let db = dir.path().join("inventory.db");
    let scans = certatlas(&["scans", "--db", db.to_str().unwrap(), "--format", "json"]);
    let scans: serde_json::Value = serde_json::from_slice(&scans.stdout).unwrap();
    assert_eq!(scans["items"][0]["status"], "interrupted");
}

/// Runs `certatlas scan` (JSON Lines) over `cases`, with `extra` arguments.
async fn scan_cases(cases: &[LabCase], extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args: Vec<String> = vec![
        "scan".into(),
        "--format".into(),
        "jsonl".into(),
        "-q".into(),
    ];
    args.extend(extra.iter().map(|a| a.to_string()));
    let mut names = Vec::new();
    for case in cases {
        args.push(case.address.to_string());
        names.extend(case.server_names.iter().flatten().cloned());
    }
    args.push("--sni".into());
    args.push(names.join(","));
    let out = tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        certatlas(&refs)
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    json_lines(&out)
}

/// Asserts every server name of every case yielded exactly the chain sent.
fn assert_chains_as_sent(cases: &[LabCase], lines: &[serde_json::Value]) {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    for case in cases {
        for (sni, expected) in case.server_names.iter().zip(&case.expected_chains) {
            let line = lines
                .iter()
                .find(|l| {
                    l["address"] == case.address.ip().to_string()
                        && l["port"] == case.address.port()
                        && l["sni"].as_str() == sni.as_deref()
                })
                .unwrap_or_else(|| panic!("{} {sni:?} was probed", case.name));
            let chain: Vec<Vec<u8>> = line["chain_der"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| b64.decode(c.as_str().unwrap()).unwrap())
                .collect();
            assert_eq!(&chain, expected, "{} {sni:?}", case.name);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_scan_of_every_lab_case_captures_each_chain_as_sent() {
    let lab = common::lab().await;
    let (plain, starttls): (Vec<LabCase>, Vec<LabCase>) = lab
        .cases()
        .iter()
        .cloned()
        .partition(|c| c.starttls.is_none());
    let lines = scan_cases(&plain, &[]).await;
    assert_chains_as_sent(&plain, &lines);
    // Lab ports are ephemeral, so the dialect is named with --starttls.
    for case in &starttls {
        let dialect = case.starttls.unwrap().name();
        let lines = scan_cases(std::slice::from_ref(case), &["--starttls", dialect]).await;
        assert_chains_as_sent(std::slice::from_ref(case), &lines);
        assert!(lines.iter().any(|l| l["starttls"] == dialect), "{dialect}");
    }
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_certificate_fields_are_inert_in_every_output() {
    use certatlas::demo::HOSTILE_COMMON_NAME;
    let lab = common::lab().await;
    let case = lab.case("hostile-subject").unwrap().clone();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db").display().to_string();
    let (address, sni) = (
        case.address.to_string(),
        case.server_names[0].clone().unwrap(),
    );
    let run = |args: Vec<String>| async move {
        tokio::task::spawn_blocking(move || {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            certatlas(&refs)
        })
        .await
        .unwrap()
    };
    let scan = |format: &str| {
        let args = [
            "scan", &address, "--sni", &sni, "--db", &db, "-q", "--format", format,
        ];
        args.iter().map(|a| a.to_string()).collect::<Vec<_>>()
    };
    let table = run(scan("table")).await;
    let jsonl = run(scan("jsonl")).await;
    lab.shutdown().await;
    let text = String::from_utf8(table.stdout).unwrap();
    // Escaped before the column is cut, so no raw control byte survives.
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{202e}'),
        "{text}"
    );
    assert!(text.contains("=HYPERLINK("), "{text}");
    // JSON keeps the exact value (JSON escapes control characters itself).
    let lines = json_lines(&jsonl);
    let cn = lines.iter().find_map(|l| {
        l["certificates"][0]["certificate"]["subject"]["common_names"][0]
            .as_str()
            .map(String::from)
    });
    assert_eq!(cn.as_deref(), Some(HOSTILE_COMMON_NAME));
    let listed = |format: &str| {
        let out = certatlas(&["inventory", "--db", &db, "--format", format]);
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stdout).unwrap()
    };
    let csv = listed("csv");
    let row = csv
        .lines()
        .find(|l| l.contains("HYPERLINK"))
        .expect("hostile row");
    assert!(
        row.starts_with("\"'=HYPERLINK(\"\"https://evil.example\"\")"),
        "{row}"
    );
    let inventory_table = listed("table");
    assert!(!inventory_table.contains('\u{1b}'), "{inventory_table}");
    assert!(
        inventory_table.contains("\\u{1b}[31m"),
        "shown, not run: {inventory_table}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn scan_fail_on_gates_the_exit_code_and_a_bad_rule_dir_stops_before_probing() {
    let lab = common::lab().await;
    let mut exits = Vec::new();
    for name in ["good-ecdsa", "expired"] {
        let case = lab.case(name).unwrap().clone();
        let sni = case.server_names[0].clone().unwrap();
        let (ip, port) = (
            case.address.ip().to_string(),
            case.address.port().to_string(),
        );
        let out = tokio::task::spawn_blocking(move || {
            let clock = "2026-06-01T12:00:00Z";
            certatlas(&[
                "--clock",
                clock,
                "scan",
                &ip,
                "-p",
                &port,
                "--sni",
                &sni,
                "--format",
                "jsonl",
                "-q",
                "--fail-on",
                "critical",
            ])
        })
        .await
        .unwrap();
        exits.push((name, out.status.code(), stderr(&out)));
    }
    let missing = tokio::task::spawn_blocking(|| {
        certatlas(&[
            "scan",
            "127.0.0.1",
            "-p",
            "9",
            "--rules",
            "/nonexistent/rules",
        ])
    })
    .await
    .unwrap();
    lab.shutdown().await;
    assert_eq!(exits[0].1, Some(0), "no critical finding: {}", exits[0].2);
    assert_eq!(
        exits[1].1,
        Some(1),
        "the expired leaf is critical: {}",
        exits[1].2
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("/nonexistent/rules: cannot read"),
        "{}",
        stderr(&missing)
    );
    assert!(missing.stdout.is_empty(), "nothing probed or written");
}
