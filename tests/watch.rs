//! `certatlas watch` through the binary, against loopback servers only:
//! runs on an interval, stored and printed as `scan` would; the metrics
//! endpoint serving what `certatlas metrics` prints plus the watch series;
//! SIGTERM between runs (exit 0) and during a scan (stored as interrupted,
//! exit 130); a busy scope; schedules from flags and config, bad ones exit 2.

mod common;

use std::net::TcpListener;

use common::watch::{http_get, scratch_db, stored_scans, Running};

/// A loopback port nobody listens on (taken from the kernel, then released).
fn closed_port() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port().to_string()
}

/// Lab cases as `ip:port` targets, with their SNI names.
fn lab_targets(lab: &certatlas::demo::Lab, names: &[&str]) -> Vec<String> {
    let mut args = Vec::new();
    for name in names {
        let case = lab.case(name).unwrap();
        args.push(case.address.to_string());
        args.push("--sni".into());
        args.push(case.server_names[0].clone().unwrap());
    }
    args
}

#[tokio::test(flavor = "multi_thread")]
async fn two_runs_on_an_interval_store_two_complete_scans() {
    let lab = common::lab().await;
    let targets = lab_targets(&lab, &["good-ecdsa", "expiring-soon"]);
    let (_dir, db) = scratch_db();
    let (watch, db) = tokio::task::spawn_blocking(move || {
        let mut args: Vec<&str> = vec!["watch"];
        args.extend(targets.iter().map(String::as_str));
        let db_arg = db.to_str().unwrap().to_string();
        args.extend(["--every", "1s", "--runs", "2", "--db", &db_arg]);
        let mut watch = Running::spawn(&args, &db);
        let status = watch.wait_exit();
        assert_eq!(status.code(), Some(0), "{}", watch.text());
        (watch, db)
    })
    .await
    .unwrap();
    lab.shutdown().await;
    let run_lines: Vec<&String> = watch
        .lines()
        .iter()
        .filter(|l| l.starts_with("run ") && !l.ends_with("scanning"))
        .collect();
    assert_eq!(run_lines.len(), 2, "{}", watch.text());
    assert!(
        run_lines[0].starts_with("run 1: scan 1 complete, "),
        "{}",
        run_lines[0]
    );
    assert!(run_lines[0].contains(", next run at "), "{}", run_lines[0]);
    assert!(
        run_lines[1].starts_with("run 2: scan 2 complete, "),
        "{}",
        run_lines[1]
    );
    assert!(run_lines[1].ends_with(", stopping"), "{}", run_lines[1]);
    let scans = stored_scans(&db);
    assert_eq!(scans.len(), 2);
    for scan in &scans {
        assert_eq!(scan["status"], "complete", "{scan}");
        // Two addresses, each probed without SNI and with both --sni names.
        assert_eq!(scan["observations"], 6, "{scan}");
    }
    // Each run is scored as `scan` scores it.
    let out = common::certatlas(&[
        "score",
        "--db",
        db.to_str().unwrap(),
        "--history",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_metrics_endpoint_serves_what_metrics_prints_plus_watch_series() {
    let lab = common::lab().await;
    let targets = lab_targets(&lab, &["good-rsa"]);
    let (_dir, db) = scratch_db();
    tokio::task::spawn_blocking(move || {
        let db_arg = db.to_str().unwrap().to_string();
        let mut args: Vec<&str> = vec!["watch"];
        args.extend(targets.iter().map(String::as_str));
        args.extend([
            "--every",
            "1h",
            "--db",
            &db_arg,
            "--metrics-listen",
            "127.0.0.1:0",
        ]);
        let mut watch = Running::spawn(&args, &db);
        let addr = watch.metrics_addr();
        watch.wait_for("run 1: scan 1 complete");
        let scrape = http_get(addr, "/metrics");
        assert_eq!(scrape.status, 200);
        assert_eq!(
            scrape.header("content-type"),
            Some("text/plain; version=0.0.4; charset=utf-8")
        );
        let once = common::certatlas(&["metrics", "--db", &db_arg]);
        assert!(
            once.status.success(),
            "{}",
            String::from_utf8_lossy(&once.stderr)
        );
        let once = String::from_utf8(once.stdout).unwrap();
        assert!(once.contains("certatlas_scan_id 1\n"), "{once}");
        assert!(
            once.contains("certatlas_certificate_not_after_timestamp_seconds{"),
            "{once}"
        );
        assert!(
            scrape.body.starts_with(&once),
            "served:\n{}\nprinted:\n{once}",
            scrape.body
        );
        let watch_part = &scrape.body[once.len()..];
        assert!(
            watch_part.contains("certatlas_watch_runs_total{outcome=\"complete\"} 1\n"),
            "{watch_part}"
        );
        assert!(
            watch_part.contains("certatlas_watch_next_run_timestamp_seconds "),
            "{watch_part}"
        );
        assert!(
            watch_part.contains("certatlas_watch_last_success_timestamp_seconds "),
            "{watch_part}"
        );
        assert_eq!(http_get(addr, "/").status, 404);
        assert_eq!(http_get(addr, "/metrics/extra").status, 404);
        watch.terminate();
        assert_eq!(watch.wait_exit().code(), Some(0), "{}", watch.text());
    })
    .await
    .unwrap();
    lab.shutdown().await;
}

#[test]
fn a_shard_run_that_completes_no_cycle_is_not_served_as_the_estate() {
    let (_dir, db) = scratch_db();
    let port = closed_port();
    let db_arg = db.to_str().unwrap();
    let args = [
        "watch",
        "127.0.0.1",
        "-p",
        &port,
        "--shard",
        "1/2",
        "--every",
        "1h",
        "--db",
        db_arg,
        "--metrics-listen",
        "127.0.0.1:0",
    ];
    let mut watch = Running::spawn(&args, &db);
    let addr = watch.metrics_addr();
    watch.wait_for("run 1: scan 1 complete");
    let scrape = http_get(addr, "/metrics");
    // Half the scope is no estate: like `certatlas metrics`, the endpoint
    // serves the latest judged scan, and there is none yet.
    assert!(
        !scrape.body.contains("certatlas_scan_id"),
        "{}",
        scrape.body
    );
    assert!(
        scrape
            .body
            .contains("certatlas_watch_runs_total{outcome=\"complete\"} 1\n"),
        "{}",
        scrape.body
    );
    watch.terminate();
    assert_eq!(watch.wait_exit().code(), Some(0), "{}", watch.text());
}

/// An hourly `watch` of a closed loopback port, once its first run is in.
fn hourly_watch_after_run_1(db: &std::path::Path) -> Running {
    let port = closed_port();
    let args = [
        "watch",
        "127.0.0.1",
        "-p",
        &port,
        "--every",
        "1h",
        "--db",
        db.to_str().unwrap(),
    ];
    let mut watch = Running::spawn(&args, db);
    watch.wait_for("run 1: scan 1 complete");
    watch
}

#[test]
fn sigusr1_starts_the_next_run_now() {
    let (_dir, db) = scratch_db();
    let mut watch = hourly_watch_after_run_1(&db);
    watch.signal(libc::SIGUSR1);
    watch.wait_for("run 2: scan 2 complete");
    watch.terminate();
    assert_eq!(watch.wait_exit().code(), Some(0), "{}", watch.text());
    assert_eq!(stored_scans(&db).len(), 2);
}

#[test]
fn sigterm_between_runs_exits_0_and_leaves_nothing_running() {
    let (_dir, db) = scratch_db();
    let mut watch = hourly_watch_after_run_1(&db);
    watch.terminate();
    assert_eq!(watch.wait_exit().code(), Some(0), "{}", watch.text());
    assert!(
        watch.text().contains("stopping on signal between runs"),
        "{}",
        watch.text()
    );
    let scans = stored_scans(&db);
    assert_eq!(scans.len(), 1);
    assert_eq!(scans[0]["status"], "complete");
}

/// `watch` of a listener that accepts and never answers, with long
/// timeouts: the scan stays in progress until interrupted.
fn silent_watch(listener: &TcpListener, db: &std::path::Path, extra: &[&str]) -> Running {
    let port = listener.local_addr().unwrap().port().to_string();
    let db_arg = db.to_str().unwrap();
    let mut args = vec![
        "watch",
        "127.0.0.1",
        "-p",
        &port,
        "--every",
        "1h",
        "--db",
        db_arg,
    ];
    args.extend([
        "--timeout",
        "120s",
        "--connect-timeout",
        "120s",
        "--no-legacy",
    ]);
    args.extend(extra);
    Running::spawn(&args, db)
}

#[test]
fn sigterm_during_a_scan_stores_it_as_interrupted_and_exits_130() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let (_dir, db) = scratch_db();
    let mut watch = silent_watch(&listener, &db, &[]);
    // The scan is in progress once the silent listener sees its connection.
    let (_held, _) = listener.accept().unwrap();
    watch.terminate();
    assert_eq!(watch.wait_exit().code(), Some(130), "{}", watch.text());
    assert!(
        watch.text().contains("run 1: scan 1 interrupted"),
        "{}",
        watch.text()
    );
    let scans = stored_scans(&db);
    assert_eq!(scans.len(), 1);
    assert_eq!(scans[0]["status"], "interrupted");
}

#[test]
fn a_second_watch_or_scan_of_a_busy_scope_is_turned_away() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let (_dir, db) = scratch_db();
    let mut first = silent_watch(&listener, &db, &[]);
    let (_held, _) = listener.accept().unwrap();
    let mut second = silent_watch(&listener, &db, &["--runs", "1"]);
    second.wait_for("run 1: skipped, scope busy");
    assert_eq!(second.wait_exit().code(), Some(0), "{}", second.text());
    let port = listener.local_addr().unwrap().port().to_string();
    let db_arg = db.to_str().unwrap();
    let scan = common::certatlas(&["scan", "127.0.0.1", "-p", &port, "--db", db_arg]);
    assert_eq!(scan.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&scan.stderr).contains("scope busy"));
    // Another scope of the same inventory is free.
    let other = closed_port();
    let scan = common::certatlas(&["scan", "127.0.0.1", "-p", &other, "--db", db_arg, "-q"]);
    assert_eq!(
        scan.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&scan.stderr)
    );
    first.terminate();
    assert_eq!(first.wait_exit().code(), Some(130), "{}", first.text());
    let statuses: Vec<_> = stored_scans(&db)
        .iter()
        .map(|s| s["status"].clone())
        .collect();
    assert_eq!(statuses, ["complete", "interrupted"], "newest first");
}

#[test]
fn schedules_come_from_flags_or_config_and_bad_ones_exit_2() {
    let (dir, db) = scratch_db();
    let port = closed_port();
    let db_arg = db.to_str().unwrap();
    let config = dir.path().join("certatlas.toml");
    let write = |text: &str| std::fs::write(&config, text).unwrap();
    let config_arg = config.to_str().unwrap();
    let base = ["watch", "127.0.0.1", "-p", &port, "--db", db_arg];
    let run = |extra: &[&str]| common::certatlas(&[&base[..], extra].concat());
    let stderr = |out: &std::process::Output| String::from_utf8_lossy(&out.stderr).into_owned();
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("watch needs a schedule"),
        "{}",
        stderr(&out)
    );
    for (flag, value) in [
        ("--every", "100ms"),
        ("--every", "soon"),
        ("--cron", "0 */6 * *"),
        ("--jitter", "x"),
    ] {
        let out = run(&[flag, value, "--runs", "1"]);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        assert!(stderr(&out).contains(flag), "{flag}: {}", stderr(&out));
    }
    let out = run(&["--every", "1m", "--jitter", "5m"]);
    assert!(stderr(&out).contains("--jitter") && out.status.code() == Some(2));
    write("[watch]\n\ncron = \"0 */6 * *\"\n");
    let out = run(&["--config", config_arg]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("certatlas.toml:3:8: watch.cron"),
        "{}",
        stderr(&out)
    );
    // The config's schedule is used; the command line wins over it.
    write("[watch]\nevery = \"1h\"\n");
    let out = run(&["--config", config_arg, "--runs", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("watch: every 1h;"),
        "{}",
        stderr(&out)
    );
    let out = run(&["--config", config_arg, "--runs", "1", "--every", "2h"]);
    assert!(
        stderr(&out).contains("watch: every 2h;"),
        "{}",
        stderr(&out)
    );
    let out = run(&["--every", "1h", "--fail-on", "high"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--fail-on"));
}
