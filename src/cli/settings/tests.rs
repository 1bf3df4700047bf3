//! Tests of the settings: server names, where the inventory is.

use super::*;

#[test]
fn server_names_are_checked_by_the_targets_validator() {
    let names =
        |values: &[&str]| sni_names(&values.iter().map(|v| v.to_string()).collect::<Vec<_>>());
    assert_eq!(
        names(&["WWW.example.org", "_dmarc.example.org."]).unwrap(),
        ["www.example.org", "_dmarc.example.org"]
    );
    for bad in [
        "bad name",
        "10.0.0.1",
        "a..b",
        "::1",
        "-a.test",
        "host.0x1f",
    ] {
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

/// `scan` arguments as clap parses them.
fn scan_args(args: &[&str]) -> ScanArgs {
    use clap::Parser as _;
    let cli = super::super::Cli::try_parse_from(["certatlas", "scan"].iter().chain(args))
        .expect("arguments parse");
    match cli.command {
        super::super::Command::Scan(args) => *args,
        other => panic!("not a scan: {other:?}"),
    }
}

/// What a request probes and records, comparable.
fn shape(request: &ScanRequest) -> String {
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{}\n{:?}\n{}",
        request.scope,
        request.limits,
        request.probe,
        request.starttls,
        request.targets_text,
        request.sni_discover,
        request.probe_options,
        request.options,
    )
}

/// A `[scope]` with every key, its files in `dir`.
fn full_scope_config(dir: &std::path::Path) -> std::path::PathBuf {
    std::fs::write(dir.join("hosts.txt"), "127.0.0.2\n").expect("input");
    std::fs::write(dir.join("never.txt"), "10.1.0.3\n").expect("exclude file");
    let config = dir.join("certatlas.toml");
    let text = "[scope]\ntargets = [\"127.0.0.1\", \"10.1.0.0/30\"]\ninput = [\"hosts.txt\"]\n\
        ports = \"443,8443\"\nexclude = [\"10.1.0.2\"]\nexclude_file = [\"never.txt\"]\n\
        sni = [\"www.example.org\", \"Mail.Example.org\"]\nsni_discover = true\nversions = true\ngroups = true\n\
        all_certs = true\nstarttls = \"smtp\"\nlegacy_fallback = false\nconnect_timeout = \"500ms\"\n\
        timeout = \"5s\"\nrate = 100\nconcurrency = 50\nper_host = 2\nshard = \"2/4\"\n";
    std::fs::write(&config, text).expect("config");
    config
}

#[test]
fn a_full_scope_config_makes_the_request_its_command_line_makes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = full_scope_config(dir.path());
    let db = dir.path().join("inventory.db");
    let (db, config) = (db.to_str().unwrap(), config.to_str().unwrap());
    let clock = Clock::starting_at(time::macros::datetime!(2026-06-01 12:00 UTC));
    let from_config = scan_request(scan_args(&["--config", config, "--db", db]), clock);
    let hosts = dir.path().join("hosts.txt");
    let never = dir.path().join("never.txt");
    let (hosts, never) = (hosts.to_str().unwrap(), never.to_str().unwrap());
    let command_line = scan_args(&[
        "127.0.0.1",
        "10.1.0.0/30",
        "-i",
        hosts,
        "-p",
        "443,8443",
        "--exclude",
        "10.1.0.2",
        "--exclude-file",
        never,
        "--sni",
        "www.example.org",
        "--sni",
        "Mail.Example.org",
        "--sni-discover",
        "--versions",
        "--groups",
        "--all-certs",
        "--starttls",
        "smtp",
        "--no-legacy",
        "--connect-timeout",
        "500ms",
        "--timeout",
        "5s",
        "--rate",
        "100",
        "--concurrency",
        "50",
        "--per-host",
        "2",
        "--shard",
        "2/4",
        "--db",
        db,
    ]);
    let from_flags = scan_request(command_line, clock);
    let (from_config, from_flags) = (from_config.expect("config"), from_flags.expect("flags"));
    assert_eq!(shape(&from_config), shape(&from_flags));
    let options = &from_flags.probe_options;
    assert_eq!(options.sni, ["mail.example.org", "www.example.org"]);
    assert_eq!(
        options.exclude,
        ["10.1.0.2".to_string(), format!("@{never}")]
    );
    assert_eq!(
        (options.starttls.as_str(), options.legacy_fallback),
        ("smtp", false)
    );
    assert_eq!(
        (options.connect_timeout_ms, options.timeout_ms),
        (500, 5000)
    );
    assert_eq!((options.rate, options.per_host), (Some(100), 2));
    assert_eq!(options.shard.as_deref(), Some("2/4"));
    assert_eq!(from_flags.options, options.to_json());
}

#[test]
fn the_command_line_wins_over_the_scope_option_by_option() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = full_scope_config(dir.path());
    let db = dir.path().join("inventory.db");
    let (db, config) = (db.to_str().unwrap(), config.to_str().unwrap());
    let args = scan_args(&[
        "127.0.0.9",
        "--config",
        config,
        "--db",
        db,
        "-p",
        "993",
        "--sni",
        "a.example",
        "--timeout",
        "2s",
        "--starttls",
        "none",
        "--exclude",
        "127.0.0.10",
    ]);
    let request = scan_request(args, Clock::default()).expect("request");
    let options = &request.probe_options;
    assert_eq!(
        request.targets_text,
        ["127.0.0.9"],
        "targets replace the config's"
    );
    assert_eq!(options.ports, [993]);
    assert_eq!(options.sni, ["a.example"]);
    assert_eq!(
        (options.timeout_ms, options.connect_timeout_ms),
        (2000, 500)
    );
    assert_eq!(options.starttls, "none");
    assert_eq!(
        options.exclude.len(),
        3,
        "exclusions add up: {:?}",
        options.exclude
    );
    assert!(options.versions && options.all_certs && options.sni_discover);
    assert!(options.groups, "[scope] groups = true");
    assert_eq!(
        (options.rate, options.concurrency.min(50), options.per_host),
        (Some(100), 50, 2)
    );
}

#[test]
fn without_config_the_defaults_are_recorded() {
    let request = scan_request(scan_args(&["127.0.0.1", "--no-db"]), Clock::default());
    let options = request.expect("request").probe_options;
    assert_eq!(options.ports, targets::DEFAULT_PORTS);
    assert_eq!(
        (options.connect_timeout_ms, options.timeout_ms),
        (3000, 10_000)
    );
    assert_eq!((options.starttls.as_str(), options.per_host), ("auto", 4));
    assert!(options.legacy_fallback && !options.versions && options.shard.is_none());
    assert!(!options.groups);
}
