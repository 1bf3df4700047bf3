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
fn server_names_are_checked() {
    assert!(is_server_name("www.example.org"));
    assert!(is_server_name("_dmarc.example.org."));
    assert!(!is_server_name("bad name"));
    assert!(!is_server_name("10.0.0.1"));
    assert!(!is_server_name("a..b"));
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
