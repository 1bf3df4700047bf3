//! `certatlas metrics` over the demo inventory: the scrape parses with the
//! Prometheus project's own text-format parser (Python `prometheus_client`,
//! which `.ci/run` installs; the test says SKIPPED without it) and carries
//! the lab's values: a complete scan, one series per leaf and endpoint, the
//! CA classes, open findings, the PKIMM levels of the stored score, and the
//! hostile subject as a label value that survives the round trip.

mod common;

use std::process::Command;

use serde_json::Value;

const CLOCK: &str = "2026-06-01T12:00:00Z";

/// Parses the exposition in `path` with `prometheus_client` and returns
/// every sample as `{"name", "labels", "value"}`.
const PARSE: &str = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1], encoding="utf-8").read()
for family in text_string_to_metric_families(text):
    for s in family.samples:
        print(json.dumps({"name": s.name, "labels": s.labels, "value": s.value}))
"#;

fn parser_available() -> bool {
    Command::new("python3")
        .args(["-c", "import prometheus_client.parser"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn parse(path: &std::path::Path) -> Vec<Value> {
    let out = Command::new("python3")
        .args(["-c", PARSE, path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the Prometheus parser refused it: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    common::json_lines(&out)
}

fn samples<'a>(all: &'a [Value], name: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    all.iter().filter(move |s| s["name"] == name)
}

fn one(all: &[Value], name: &str) -> f64 {
    samples(all, name)
        .next()
        .unwrap_or_else(|| panic!("{name}"))["value"]
        .as_f64()
        .unwrap()
}

fn with_label<'a>(all: &'a [Value], name: &'a str, key: &str, value: &str) -> Option<f64> {
    samples(all, name)
        .find(|s| s["labels"][key] == value)
        .map(|s| s["value"].as_f64().unwrap())
}

#[test]
fn demo_scrape_parses_and_carries_the_lab_values() {
    if !parser_available() {
        eprintln!("SKIPPED: python3 with prometheus_client is not installed (pip install prometheus-client; .ci/run does)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db").display().to_string();
    let report = dir.path().join("report").display().to_string();
    let out = common::certatlas(&[
        "--clock", CLOCK, "-q", "demo", "--db", &db, "--report", &report,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = format!("{db}.toml");
    let out = common::certatlas(&[
        "--clock", CLOCK, "metrics", "--db", &db, "--config", &config,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.stdout.contains(&0x1b),
        "no raw escape character in the scrape"
    );
    let scrape = dir.path().join("scrape.prom");
    std::fs::write(&scrape, &out.stdout).unwrap();
    let all = parse(&scrape);

    assert_eq!(one(&all, "certatlas_scan_id"), 2.0);
    assert_eq!(one(&all, "certatlas_scan_complete"), 1.0);
    assert_eq!(one(&all, "certatlas_certificate_series_dropped"), 0.0);
    let tls = with_label(&all, "certatlas_scan_probes", "reason", "tls").expect("tls probes");
    let series: Vec<&Value> =
        samples(&all, "certatlas_certificate_not_after_timestamp_seconds").collect();
    let inventory = common::certatlas(&[
        "--clock",
        CLOCK,
        "inventory",
        "--db",
        &db,
        "--config",
        &config,
        "--format",
        "json",
    ]);
    let inventory: Value = serde_json::from_slice(&inventory.stdout).unwrap();
    let places: usize = inventory["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["endpoints"].as_array().unwrap().len())
        .sum();
    assert_eq!(
        series.len(),
        places,
        "one series per leaf and endpoint serving it"
    );
    assert!(places > 20 && tls >= places as f64);
    assert_eq!(
        with_label(&all, "certatlas_certificates", "ca_class", "shadow"),
        Some(1.0)
    );
    assert_eq!(
        with_label(&all, "certatlas_certificates", "ca_class", "self_signed"),
        Some(1.0)
    );
    let hostile = series.iter().find(|s| {
        s["labels"]["subject_cn"]
            .as_str()
            .unwrap()
            .contains("<script>alert(1)</script>")
    });
    let hostile = hostile.expect("the hostile subject's series");
    assert!(hostile["labels"]["subject_cn"]
        .as_str()
        .unwrap()
        .starts_with("=HYPERLINK(\"https://evil.example\")"));
    assert_eq!(hostile["labels"]["owner"], "platform-team");

    let shadow = with_label(
        &all,
        "certatlas_findings_open",
        "rule",
        "inventory.shadow-ca-issued",
    );
    assert_eq!(shadow, Some(1.0));
    let levels: Vec<f64> = samples(&all, "certatlas_pkimm_level")
        .map(|s| s["value"].as_f64().unwrap())
        .collect();
    // the nine categories with scanner evidence, less G.cryptography: its
    // facts support a Governance self-assessment and are not a level
    assert_eq!(levels.len(), 8, "the eight measured categories");
    assert!(levels.iter().all(|l| (1.0..=5.0).contains(l)));
    assert!((1.0..=5.0).contains(&one(&all, "certatlas_pkimm_overall")));

    let out = common::certatlas(&[
        "metrics",
        "--db",
        &db,
        "--config",
        &config,
        "--max-series",
        "3",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    let kept = text
        .lines()
        .filter(|l| l.starts_with("certatlas_certificate_not_after_timestamp_seconds{"))
        .count();
    assert_eq!(kept, 3);
    let dropped = format!("certatlas_certificate_series_dropped {}", places - 3);
    assert!(text.contains(&dropped), "{text}");
}
