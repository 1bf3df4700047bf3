//! A command line that fits the ecosystem, through the binary: every
//! `--format` lists exactly what its command writes and each listed format
//! works; CSV has one header convention, RFC 3339 instants and numbers that
//! stay numbers; the scan table lists what answered, sorted, and counts the
//! rest; durations need a unit; completions and the man page know every
//! subcommand; logs carry no colour off a terminal; a certificate can be
//! named by a unique prefix of its fingerprint.

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::process::Output;

use certatlas::demo::{Lab, LabCase};
use clap::CommandFactory;
use common::{certatlas, fixed_now};
use serde_json::Value;

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs the binary off the async runtime (the lab serves on it).
async fn run(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        certatlas(&refs)
    })
    .await
    .unwrap()
}

/// Runs the binary and asserts exit code 0.
async fn ok(args: &[&str]) -> Output {
    let out = run(args.iter().map(|a| a.to_string()).collect()).await;
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    out
}

/// The plain TLS cases of the lab up to the eleventh address (127.0.0.2 to
/// 127.0.0.12: numeric and text order differ), and a port that refuses.
fn sweep(lab: &Lab) -> (Vec<LabCase>, SocketAddr) {
    let cases: Vec<LabCase> = lab
        .cases()
        .iter()
        .filter(|c| c.starttls.is_none())
        .take(11)
        .cloned()
        .collect();
    let refusing = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = refusing.local_addr().unwrap();
    drop(refusing);
    (cases, closed)
}

/// `scan` arguments over `cases` and `closed`, the last address first.
fn scan_args(cases: &[LabCase], closed: SocketAddr, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = vec!["scan".into(), "-q".into()];
    args.extend(["--clock".into(), rfc3339(fixed_now())]);
    args.extend(["--timeout".into(), "20s".into()]);
    args.extend(extra.iter().map(|a| a.to_string()));
    args.extend(cases.iter().rev().map(|c| c.address.to_string()));
    args.push(closed.to_string());
    args
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// The formats each command's `--format` lists (commands without one absent).
fn expected_formats() -> Vec<(&'static str, Vec<&'static str>)> {
    let scan = vec!["table", "jsonl", "json"];
    let listing = vec!["table", "json", "csv"];
    let summary = vec!["table", "json"];
    vec![
        ("scan", scan.clone()),
        ("watch", scan.clone()),
        ("demo", scan),
        ("import", summary.clone()),
        ("verify", summary),
        ("inventory", listing.clone()),
        ("cas", listing.clone()),
        ("diff", listing.clone()),
        ("history", listing.clone()),
        ("scans", listing.clone()),
        ("findings", listing.clone()),
        ("score", listing.clone()),
        ("rules list", listing.clone()),
        ("rules test", listing),
    ]
}

/// Every (sub)command path and the possible values of its `--format`.
fn declared_formats() -> Vec<(String, Vec<String>)> {
    fn walk(command: &clap::Command, path: &str, found: &mut Vec<(String, Vec<String>)>) {
        if let Some(format) = command.get_arguments().find(|a| a.get_id() == "format") {
            let values = format
                .get_possible_values()
                .iter()
                .map(|v| v.get_name().to_string())
                .collect();
            found.push((path.to_string(), values));
        }
        for sub in command.get_subcommands() {
            let path = format!("{path} {}", sub.get_name()).trim().to_string();
            walk(sub, &path, found);
        }
    }
    let mut found = Vec::new();
    walk(&certatlas::cli::Cli::command(), "", &mut found);
    found
}

#[test]
fn every_format_flag_lists_exactly_the_formats_of_its_command() {
    let mut declared = declared_formats();
    declared.sort();
    let mut expected: Vec<(String, Vec<String>)> = expected_formats()
        .into_iter()
        .map(|(c, v)| (c.to_string(), v.into_iter().map(String::from).collect()))
        .collect();
    expected.sort();
    assert_eq!(declared, expected);
    // The help text says so, and a format the command does not write is
    // refused (exit 2) instead of silently printing a table.
    let help = stdout(&certatlas(&["diff", "--help"]));
    assert!(help.contains("csv"), "{help}");
    let help = stdout(&certatlas(&["verify", "--help"]));
    assert!(!help.contains("csv"), "{help}");
    let refused = certatlas(&["verify", "some-dir", "--format", "csv"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("possible values: table, json"));
}

#[test]
fn durations_need_a_unit_on_the_command_line() {
    let out = certatlas(&["scan", "127.0.0.1:9", "--no-db", "--timeout", "3"]);
    assert_eq!(out.status.code(), Some(2));
    let message = stderr(&out);
    assert!(
        message.contains("--timeout") && message.contains("3s"),
        "{message}"
    );
    assert!(out.stdout.is_empty());
    for flag in ["--connect-timeout", "--alert-grace"] {
        let out = certatlas(&["scan", "127.0.0.1:9", "--no-db", flag, "2"]);
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert!(stderr(&out).contains("2s"), "{flag}: {}", stderr(&out));
    }
    let out = certatlas(&["inventory", "--expiring", "30"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("30s"), "{}", stderr(&out));
}

#[test]
fn a_config_timeout_without_unit_stays_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("certatlas.toml");
    std::fs::write(
        &config,
        "[scope]\ntimeout = \"3\"\nconnect_timeout = \"250ms\"\n",
    )
    .unwrap();
    let refusing = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = refusing.local_addr().unwrap().to_string();
    drop(refusing);
    let out = certatlas(&[
        "scan",
        &closed,
        "--no-db",
        "-q",
        "--format",
        "jsonl",
        "--config",
        config.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines = common::json_lines(&out);
    let header = lines
        .iter()
        .find(|l| l["record"] == "scan")
        .expect("scan line");
    assert_eq!(header["options"]["timeout_ms"], 3000, "{header}");
    assert_eq!(header["options"]["connect_timeout_ms"], 250);
}

#[test]
fn completions_and_the_man_page_name_every_subcommand() {
    let command = certatlas::cli::Cli::command();
    let names: Vec<&str> = command.get_subcommands().map(|s| s.get_name()).collect();
    assert!(names.contains(&"completions") && names.contains(&"man"));
    for shell in ["bash", "zsh", "fish"] {
        let out = certatlas(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        for name in &names {
            assert!(script.contains(name), "{shell} completions lack {name}");
        }
    }
    let page = stdout(&certatlas(&["man"]));
    assert!(page.starts_with(".ie") || page.contains(".TH"), "not roff");
    for name in &names {
        let plain = format!("certatlas-{name}(1)");
        let escaped = format!("certatlas\\-{name}(1)");
        assert!(
            page.contains(&plain) || page.contains(&escaped),
            "man lacks {name}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let out = certatlas(&["man", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for name in &names {
        let page = dir.path().join(format!("certatlas-{name}.1"));
        assert!(page.is_file(), "no page {}", page.display());
    }
    assert!(dir.path().join("certatlas-rules-list.1").is_file());
    let bad = certatlas(&["completions", "cmd.exe"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// A scan of a refusing port that logs one warning (the concurrency asked
/// is over the open-file budget) and draws no progress bar (`-q`; the
/// warning level comes from `RUST_LOG`).
fn warning_scan(closed: &str) -> Vec<String> {
    [
        "-q",
        "scan",
        closed,
        "--no-db",
        "--format",
        "json",
        "--concurrency",
        "100000000",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect()
}

#[test]
fn log_lines_carry_no_colour_off_a_terminal_or_with_no_color() {
    let refusing = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = refusing.local_addr().unwrap().to_string();
    drop(refusing);
    let args = warning_scan(&closed);
    let scratch = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_certatlas"))
        .args(&args)
        .env("RUST_LOG", "warn")
        .env_remove("NO_COLOR")
        .env("CERTATLAS_DB", scratch.path().join("unused.db"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("WARN"),
        "no log line to check: {}",
        stderr(&out)
    );
    assert!(!out.stderr.contains(&0x1b), "{}", stderr(&out));
    // On a terminal (script(1) gives one): coloured, unless NO_COLOR.
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("SKIPPED the terminal half: script(1) (bsdutils) is not installed");
        return;
    }
    let on_terminal = |no_color: Option<&str>| {
        let line = format!(
            "{} {} 2>&1 >/dev/null",
            env!("CARGO_BIN_EXE_certatlas"),
            args.join(" ")
        );
        let mut command = std::process::Command::new("script");
        command
            .args(["-qec", &line, "/dev/null"])
            .env("RUST_LOG", "warn")
            .env("CERTATLAS_DB", scratch.path().join("unused.db"));
        match no_color {
            Some(value) => command.env("NO_COLOR", value),
            None => command.env_remove("NO_COLOR"),
        };
        let out = command.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("WARN"));
        out.stdout
    };
    assert!(on_terminal(None).contains(&0x1b), "no colour on a terminal");
    assert!(
        !on_terminal(Some("1")).contains(&0x1b),
        "colour with NO_COLOR"
    );
}

/// The `ADDRESS:PORT` of each table row, in printed order.
fn table_endpoints(table: &str) -> Vec<(String, SocketAddr)> {
    table
        .lines()
        .skip_while(|l| !l.starts_with("STATUS"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| !l.trim_start().starts_with('↳'))
        .map(|l| {
            let mut words = l.split_whitespace();
            let status = words.next().unwrap().to_string();
            (status, words.next().unwrap().parse().unwrap())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_scan_table_lists_what_answered_by_address_and_counts_the_rest() {
    let lab = common::lab().await;
    let (cases, closed) = sweep(&lab);
    let table = ok(&scan_args(&cases, closed, &["--no-db"])
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>())
    .await;
    let table = stdout(&table);
    let rows = table_endpoints(&table);
    let listed: Vec<SocketAddr> = rows.iter().map(|(_, a)| *a).collect();
    let mut expected: Vec<SocketAddr> = cases.iter().map(|c| c.address).collect();
    expected.sort_by_key(|a| (a.ip(), a.port()));
    assert_eq!(listed, expected, "{table}");
    assert!(!listed.contains(&closed), "{table}");
    assert!(
        table.contains("not listed: 1 unresponsive (closed 1); --show-closed lists them"),
        "{table}"
    );
    // --show-closed lists it, in its place (127.0.0.1 sorts first).
    let shown = ok(&scan_args(&cases, closed, &["--no-db", "--show-closed"])
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>())
    .await;
    let shown = stdout(&shown);
    let rows = table_endpoints(&shown);
    assert_eq!(rows[0], ("closed".to_string(), closed), "{shown}");
    assert_eq!(rows.len(), cases.len() + 1);
    assert!(!shown.contains("not listed"));
    // JSON Lines is data: every outcome is there.
    let jsonl = ok(
        &scan_args(&cases, closed, &["--no-db", "--format", "jsonl"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    )
    .await;
    let lines = common::json_lines(&jsonl);
    assert!(lines
        .iter()
        .any(|l| l["status"] == "closed" && l["port"] == closed.port()));
}

/// Asserts `csv` has a lower snake case header and RFC 3339 instants in its
/// time columns; returns the rows as header → value maps.
fn check_csv(what: &str, csv: &str) -> Vec<Vec<(String, String)>> {
    let mut lines = csv.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap_or_default()
        .split(',')
        .map(String::from)
        .collect();
    for name in &header {
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{what}: header {name:?} is not lower snake case"
        );
    }
    let rows: Vec<Vec<(String, String)>> = lines
        .map(|line| header.iter().cloned().zip(split_csv(line)).collect())
        .collect();
    for row in &rows {
        for (name, value) in row {
            let instant = (name.ends_with("_at") && name != "served_at")
                || name.ends_with("not_after")
                || name.ends_with("not_before")
                || matches!(name.as_str(), "first_seen" | "open_since" | "last_observed");
            if instant && !value.is_empty() {
                time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
                    .unwrap_or_else(|e| panic!("{what}: {name} = {value:?} is not RFC 3339: {e}"));
            }
            if name.contains("sha256") && !value.is_empty() {
                assert!(
                    value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()),
                    "{what}: {name} = {value}"
                );
            }
        }
    }
    rows
}

/// Asserts every instant-named string in `value` (`*_at`, `not_after`,
/// `not_before`, `first_seen`, `last_seen`, `open_since`) is RFC 3339.
fn check_json_instants(what: &str, key: &str, value: &Value) {
    match value {
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| check_json_instants(what, k, v)),
        Value::Array(items) => items.iter().for_each(|v| check_json_instants(what, key, v)),
        Value::String(text) => {
            let instant = (key.ends_with("_at") && key != "served_at")
                || key.ends_with("not_after")
                || key.ends_with("not_before")
                || matches!(
                    key,
                    "first_seen" | "last_seen" | "open_since" | "last_observed"
                );
            if instant {
                time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                    .unwrap_or_else(|e| panic!("{what}: {key} = {text:?} is not RFC 3339: {e}"));
            }
        }
        _ => {}
    }
}

/// One CSV line's cells (quotes undone; no line breaks in these listings).
fn split_csv(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(String::new()),
            (c, _) => cells.last_mut().unwrap().push(c),
        }
    }
    cells
}

#[tokio::test(flavor = "multi_thread")]
async fn each_listed_format_works_and_csv_follows_one_convention() {
    let lab = common::lab().await;
    let (cases, closed) = sweep(&lab);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let db = db.to_str().unwrap();
    let jsonl = dir.path().join("scan.jsonl");
    for extra in [
        vec!["--db", db, "--format", "jsonl"],
        vec![
            "--db",
            db,
            "--format",
            "jsonl",
            "-o",
            jsonl.to_str().unwrap(),
        ],
    ] {
        ok(&scan_args(&cases, closed, &extra)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>())
        .await;
    }
    let expired = cases
        .iter()
        .find(|c| c.name == "expired")
        .expect("expired case");
    let endpoint = expired.address.to_string();
    let bundle = dir.path().join("bundle");
    ok(&[
        "report",
        "--db",
        db,
        "--out",
        bundle.to_str().unwrap(),
        "--clock",
        &rfc3339(fixed_now()),
    ])
    .await;
    let bundle = bundle.to_str().unwrap().to_string();
    let listings: Vec<Vec<&str>> = vec![
        vec!["inventory", "--db", db],
        vec!["cas", "--db", db],
        vec!["diff", "--db", db],
        vec!["history", &endpoint, "--db", db],
        vec!["scans", "--db", db],
        vec!["findings", "--db", db],
        vec!["score", "--db", db],
        vec!["score", "--ladders", "--db", db],
        vec!["rules", "list"],
        vec!["rules", "test"],
    ];
    for (command, formats) in expected_formats() {
        let args = listings
            .iter()
            .find(|a| a[..command.split(' ').count()].join(" ") == command);
        let args: Vec<&str> = match (command, args) {
            (_, Some(args)) => args.clone(),
            ("verify", _) => vec!["verify", &bundle],
            ("import", _) => vec!["import", jsonl.to_str().unwrap()],
            // The scan formats are exercised by the scans above and the table test.
            _ => continue,
        };
        for format in formats {
            let mut with = args.clone();
            with.extend(["--format", format]);
            let fresh = dir.path().join(format!("import-{format}.db"));
            if command == "import" {
                with.extend(["--db", fresh.to_str().unwrap()]);
            }
            let out = ok(&with).await;
            let text = stdout(&out);
            match format {
                "json" => {
                    let document = serde_json::from_str::<Value>(&text)
                        .unwrap_or_else(|e| panic!("{with:?}: {e}\n{text}"));
                    check_json_instants(&with.join(" "), "", &document);
                }
                "csv" => {
                    check_csv(&with.join(" "), &text);
                }
                _ => assert!(!text.is_empty(), "{with:?}"),
            }
        }
    }
    // Numbers stay numbers: the expired leaf's days left is negative, bare.
    let inventory = stdout(&ok(&["inventory", "--db", db, "--format", "csv"]).await);
    let rows = check_csv("inventory", &inventory);
    let days: Vec<i64> = rows
        .iter()
        .map(|r| {
            r.iter()
                .find(|(k, _)| k == "days_left")
                .unwrap()
                .1
                .parse()
                .unwrap()
        })
        .collect();
    assert!(days.iter().any(|d| *d < 0), "{inventory}");
    assert!(!inventory.contains("\"'-"), "{inventory}");
    let history = stdout(&ok(&["history", &endpoint, "--db", db, "--format", "csv"]).await);
    assert!(!check_csv("history", &history).is_empty(), "{history}");
    let ladders = stdout(&ok(&["score", "--ladders", "--db", db, "--format", "csv"]).await);
    check_csv("score --ladders", &ladders);
    // Two scored scans: one row each, begun at an RFC 3339 instant, the
    // overall level and value apart (numbers stay numbers).
    let trend = stdout(&ok(&["score", "--history", "--db", db, "--format", "csv"]).await);
    let rows = check_csv("score --history", &trend);
    assert_eq!(rows.len(), 2, "{trend}");
    for row in &rows {
        let cell = |name: &str| row.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        assert!(cell("started_at").is_some_and(|v| !v.is_empty()), "{trend}");
        let value = cell("overall_value").unwrap_or_default();
        assert!(value == "-" || value.parse::<f64>().is_ok(), "{trend}");
    }
    for file in ["inventory.csv", "findings.csv"] {
        let bundled = std::fs::read_to_string(Path::new(&bundle).join(file)).unwrap();
        check_csv(file, &bundled);
    }
    fingerprint_prefixes(db).await;
}

/// `history` takes a unique prefix of at least 8 digits; a shorter one, an
/// unknown one and an ambiguous one end with exit 2, the latter listing the
/// candidates.
async fn fingerprint_prefixes(db: &str) {
    let inventory: Value = serde_json::from_slice(
        &ok(&["inventory", "--db", db, "--format", "json"])
            .await
            .stdout,
    )
    .unwrap();
    let items = inventory["items"].as_array().unwrap();
    let sha = |i: usize| items[i]["sha256"].as_str().unwrap().to_string();
    let (first, second) = (sha(0), sha(1));
    assert_eq!(first.len(), 64, "JSON keeps the full fingerprint");
    let full = ok(&["history", &first, "--db", db, "--format", "json"])
        .await
        .stdout;
    let upper = first[..8].to_ascii_uppercase();
    let by_prefix = ok(&["history", &upper, "--db", db, "--format", "json"])
        .await
        .stdout;
    assert_eq!(full, by_prefix);
    assert!(!serde_json::from_slice::<Value>(&full).unwrap()["items"]
        .as_array()
        .unwrap()
        .is_empty());
    let short = run(vec![
        "history".into(),
        first[..7].into(),
        "--db".into(),
        db.into(),
    ])
    .await;
    assert_eq!(short.status.code(), Some(2));
    assert!(
        stderr(&short).contains("at least 8 hex digits"),
        "{}",
        stderr(&short)
    );
    let unknown = if first.starts_with("00000000") {
        "ffffffff"
    } else {
        "00000000"
    };
    let missing = run(vec![
        "history".into(),
        unknown.into(),
        "--db".into(),
        db.into(),
    ])
    .await;
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
    // Two certificates made to share a prefix: ambiguous, both listed.
    let conn = rusqlite::Connection::open(db).unwrap();
    let shared = "abcdef01";
    for sha in [&first, &second] {
        let changed = conn
            .execute(
                "UPDATE certificates SET sha256 = ?1 || substr(sha256, 9) WHERE sha256 = ?2",
                rusqlite::params![shared, sha],
            )
            .unwrap();
        assert_eq!(changed, 1);
    }
    drop(conn);
    let ambiguous = run(vec![
        "history".into(),
        shared.into(),
        "--db".into(),
        db.into(),
    ])
    .await;
    assert_eq!(ambiguous.status.code(), Some(2));
    let message = stderr(&ambiguous);
    for sha in [&first, &second] {
        assert!(
            message.contains(&format!("{shared}{}", &sha[8..])),
            "{message}"
        );
    }
    assert!(ambiguous.stdout.is_empty());
}
