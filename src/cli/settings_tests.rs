//! Tests of the settings: formats, server names, where the inventory is.

use super::*;

#[test]
fn formats_come_from_the_registry() {
    assert_eq!(parse_format("jsonl"), Ok(OutputFormat::Jsonl));
    assert!(parse_format("xml")
        .unwrap_err()
        .contains("table, jsonl, json"));
}

#[test]
fn server_names_are_checked_by_the_targets_validator() {
    let names =
        |values: &[&str]| sni_names(&values.iter().map(|v| v.to_string()).collect::<Vec<_>>());
    assert_eq!(
        names(&["WWW.example.org", "_dmarc.example.org."]).unwrap(),
        ["www.example.org", "_dmarc.example.org"]
    );
    for bad in ["bad name", "10.0.0.1", "a..b", "::1"] {
        let message = names(&["ok.test", bad]).unwrap_err().to_string();
        assert!(
            message.starts_with(&format!("--sni: '{bad}' is not a valid host name")),
            "{message}"
        );
    }
}

#[test]
fn resolve_pairings_name_the_flag() {
    let values = vec![
        "a.test:127.0.0.2".to_string(),
        "b.test:443:[::1]".to_string(),
    ];
    let pairings = resolve_pairings(&values).unwrap();
    assert_eq!(pairings[1].port, Some(443));
    let bad = resolve_pairings(&["a.test:10.0.0.0/8".to_string()]).unwrap_err();
    assert!(
        bad.to_string()
            .starts_with("--resolve: 'a.test:10.0.0.0/8'"),
        "{bad}"
    );
}

#[test]
fn the_inventory_comes_from_the_flag_then_the_config() {
    let dir = tempfile::tempdir().expect("temp dir");
    let load = |text: &str| {
        let path = dir.path().join("certatlas.toml");
        std::fs::write(&path, text).expect("config");
        config::load(&path)
    };
    let relative = load("db = \"data/inv.db\"\n").expect("loads");
    let url = "postgres://scanner@127.0.0.1:5432/certatlas";
    let remote = load(&format!("db = \"{url}\"\n")).expect("loads");
    assert_eq!(
        database(None, Some(&relative)),
        Database::Sqlite(dir.path().join("data/inv.db"))
    );
    assert_eq!(
        database(None, Some(&remote)),
        Database::Postgres(url.into())
    );
    assert_eq!(
        database(Some("/tmp/other.db"), Some(&remote)),
        Database::Sqlite("/tmp/other.db".into()),
        "--db wins"
    );
    let blank = load("db = \" \"\n").expect_err("blank db");
    assert!(blank.to_string().contains(":1:6: db: empty"), "{blank}");
}
