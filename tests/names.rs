//! Names paired with addresses without DNS, end to end through the binary:
//! a `name@address:port` target, a CSV target file and `--resolve` in both
//! of curl's forms each probe the address with the name as SNI (the lab's
//! SNI-routing server answers each name with its own certificate, so the
//! chain received proves which SNI the server got) and record
//! `sni_source: target`; `--sni` names record `broadcast`. The lab's names
//! (`*.lab.certatlas.test`) are in no DNS: a probe that asked DNS would
//! record `dns_error`, not the routed chain. Bad pairings and CSV lines end
//! the run with exit code 2 naming the file and line, and write nothing.

mod common;

use base64::Engine as _;
use certatlas::demo::{Lab, LabCase};
use common::{certatlas, json_lines};

/// The SNI-routing lab case and its routed names (alpha, beta).
fn routing_case(lab: &Lab) -> (LabCase, String, String) {
    let case = lab.case("sni-routing").expect("sni-routing case").clone();
    let routed: Vec<String> = case.server_names.iter().flatten().cloned().collect();
    assert_eq!(routed.len(), 2, "{routed:?}");
    (case.clone(), routed[0].clone(), routed[1].clone())
}

/// The chain the case sends for SNI `name`.
fn chain_for(case: &LabCase, name: Option<&str>) -> Vec<Vec<u8>> {
    let index = case
        .server_names
        .iter()
        .position(|sni| sni.as_deref() == name)
        .expect("a server name of the case");
    case.expected_chains[index].clone()
}

/// The certificate chain of an observation line.
fn chain_of(line: &serde_json::Value) -> Vec<Vec<u8>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    line["chain_der"]
        .as_array()
        .expect("chain_der")
        .iter()
        .map(|c| b64.decode(c.as_str().unwrap()).unwrap())
        .collect()
}

/// Runs `certatlas scan --format jsonl -q --no-db ARGS` off the runtime.
async fn scan(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        let mut all = vec!["scan", "--format", "jsonl", "-q", "--no-db"];
        all.extend(args.iter().map(String::as_str));
        certatlas(&all)
    })
    .await
    .unwrap()
}

/// The observation lines of a successful scan.
fn observations(out: &std::process::Output) -> Vec<serde_json::Value> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    json_lines(out)
        .into_iter()
        .filter(|line| line["record"] == "observation")
        .collect()
}

/// Asserts `line` is `name` probed at the case's address with the routed
/// chain of `name` and `sni_source: target`.
fn assert_paired_probe(line: &serde_json::Value, case: &LabCase, name: &str) {
    assert_eq!(line["status"], "tls", "{line}");
    assert_eq!(line["host"], name, "shown as the name: {line}");
    assert_eq!(line["address"], case.address.ip().to_string(), "{line}");
    assert_eq!(line["port"], case.address.port(), "{line}");
    assert_eq!(line["sni"], name, "{line}");
    assert_eq!(line["sni_source"], "target", "{line}");
    assert_eq!(chain_of(line), chain_for(case, Some(name)), "{name}");
    assert_ne!(chain_of(line), chain_for(case, None), "not the default");
}

#[tokio::test(flavor = "multi_thread")]
async fn name_at_address_probes_the_address_with_the_name() {
    let lab = common::lab().await;
    let (case, alpha, _) = routing_case(&lab);
    let target = format!("{alpha}@{}", case.address);
    let out = scan(vec![target]).await;
    lab.shutdown().await;
    let lines = observations(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_paired_probe(&lines[0], &case, &alpha);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_csv_target_file_pairs_each_name_with_its_address() {
    let lab = common::lab().await;
    let (case, alpha, beta) = routing_case(&lab);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("cmdb.csv");
    let (ip, port) = (case.address.ip(), case.address.port());
    let text = format!("address,name,port\n{ip},{alpha},{port}\n# retired\n{ip}, {beta} ,{port}\n");
    std::fs::write(&input, text).unwrap();
    let out = scan(vec!["-i".into(), input.display().to_string()]).await;
    lab.shutdown().await;
    let lines = observations(&out);
    assert_eq!(lines.len(), 2, "{lines:?}");
    for name in [&alpha, &beta] {
        let line = lines.iter().find(|l| l["sni"] == name.as_str()).unwrap();
        assert_paired_probe(line, &case, name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn resolve_in_both_forms_replaces_dns_for_host_name_targets() {
    let lab = common::lab().await;
    let (case, alpha, beta) = routing_case(&lab);
    let (ip, port) = (case.address.ip(), case.address.port());
    let out = scan(vec![
        format!("{alpha}:{port}"),
        format!("{beta}:{port}"),
        "--resolve".into(),
        format!("{alpha}:{ip}"),
        "--resolve".into(),
        format!("{beta}:{port}:{ip}"),
    ])
    .await;
    lab.shutdown().await;
    let lines = observations(&out);
    assert_eq!(lines.len(), 2, "{lines:?}");
    for name in [&alpha, &beta] {
        let line = lines.iter().find(|l| l["sni"] == name.as_str()).unwrap();
        assert_paired_probe(line, &case, name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sni_names_are_broadcast_and_the_bare_address_has_none() {
    let lab = common::lab().await;
    let (case, alpha, _) = routing_case(&lab);
    let out = scan(vec![
        case.address.to_string(),
        "--sni".into(),
        alpha.clone(),
    ])
    .await;
    lab.shutdown().await;
    let lines = observations(&out);
    assert_eq!(lines.len(), 2, "{lines:?}");
    let bare = lines.iter().find(|l| l["sni"].is_null()).unwrap();
    assert_eq!(bare["sni_source"], "none");
    assert_eq!(chain_of(bare), chain_for(&case, None));
    let broadcast = lines.iter().find(|l| l["sni"] == alpha.as_str()).unwrap();
    assert_eq!(broadcast["sni_source"], "broadcast");
    assert_eq!(broadcast["host"], case.address.ip().to_string());
    assert_eq!(chain_of(broadcast), chain_for(&case, Some(&alpha)));
}

/// Runs a scan that must be refused: exit 2, the message contains every
/// one of `expected`, and the output file is not created.
fn assert_refused(args: &[&str], expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.jsonl");
    let mut all = vec!["scan", "-o", output.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = certatlas(&all);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for text in expected {
        assert!(stderr.contains(text), "{text:?} in {stderr}");
    }
    assert!(!output.exists(), "nothing is written before the check");
}

#[test]
fn bad_pairings_and_csv_lines_exit_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let targets = dir.path().join("targets.txt");
    std::fs::write(
        &targets,
        "127.0.0.2\n# ok so far\nwww.test@127.0.0.0/24:443\n",
    )
    .unwrap();
    assert_refused(
        &["-i", targets.to_str().unwrap()],
        &["targets.txt:3", "'www.test@127.0.0.0/24:443'", "is a range"],
    );
    let csv = dir.path().join("cmdb.csv");
    std::fs::write(
        &csv,
        "address,name,port\n127.0.0.2,a.test,443\n127.0.0.3,b.test,https\n",
    )
    .unwrap();
    assert_refused(
        &["-i", csv.to_str().unwrap()],
        &["cmdb.csv:3", "'https' is not a port"],
    );
    std::fs::write(&csv, "127.0.0.2,a.test,443,web\n").unwrap();
    assert_refused(
        &["-i", csv.to_str().unwrap()],
        &["cmdb.csv:1", "this one has 4"],
    );
    assert_refused(
        &["a.test@host.test"],
        &[
            "target argument",
            "'host.test' after '@' is not an IP address",
        ],
    );
    assert_refused(
        &["a.test", "--resolve", "a.test:443:2001:db8::1"],
        &["--resolve", "in brackets"],
    );
    assert_refused(&["127.0.0.2", "--sni", "bad name"], &["--sni: 'bad name'"]);
}
