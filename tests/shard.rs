//! `--shard K/N` through the binary: four scanners given the same /22 and
//! 1/4 … 4/4 probe every address exactly once between them, and a stored
//! scan records its shard. The port is one nothing listens on (taken from
//! the kernel, then released), so every probe ends `closed` at once.

mod common;

use std::collections::BTreeMap;

/// A loopback port nobody listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn four_shards_of_a_slash_22_probe_every_address_exactly_once() {
    let port = closed_port().to_string();
    let mut probed: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for k in 1..=4u32 {
        let shard = format!("{k}/4");
        let out = common::certatlas(&[
            "-q",
            "scan",
            "127.3.0.0/22",
            "-p",
            &port,
            "--shard",
            &shard,
            "--no-db",
            "--format",
            "jsonl",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let records = common::json_lines(&out);
        let observations = records.iter().filter(|r| r.get("address").is_some());
        for o in observations {
            let address = o["address"].as_str().unwrap().to_string();
            probed.entry(address).or_default().push(k);
        }
    }
    assert_eq!(probed.len(), 1024, "every address of the /22 is probed");
    let twice: Vec<_> = probed
        .iter()
        .filter(|(_, shards)| shards.len() != 1)
        .collect();
    assert!(twice.is_empty(), "probed by more than one shard: {twice:?}");
    for k in 1..=4 {
        assert!(
            probed.values().any(|s| s[0] == k),
            "shard {k}/4 probed something"
        );
    }
}

#[test]
fn a_stored_scan_records_its_shard_and_bad_shards_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let db = db.to_str().unwrap();
    let port = closed_port().to_string();
    let out = common::certatlas(&[
        "-q",
        "scan",
        "127.3.4.0/30",
        "-p",
        &port,
        "--shard",
        "2/3",
        "--db",
        db,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = common::certatlas(&["scans", "--db", db, "--format", "json"]);
    let listing: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listing["items"][0]["options"]["shard"], "2/3");
    for bad in ["0/3", "4/3", "two"] {
        let out = common::certatlas(&["scan", "127.3.4.0/30", "--shard", bad, "--no-db"]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--shard"),
            "{bad}"
        );
    }
}
