//! Tests of `[[alerts.webhook]]`: the documented example with its
//! defaults, and every rejected value named at its file:line:column.

use std::path::Path;

use super::*;
use crate::config::parse;

const EXAMPLE: &str = r#"
[[alerts.webhook]]
name = "pki-team"
url = "https://hooks.example.org/certatlas"
min_severity = "medium"
events = ["finding", "expiry"]
expiry_window_days = 21
timeout_seconds = 5
auth_env = "CERTATLAS_PKI_HOOK_TOKEN"

[[alerts.webhook]]
name = "chat"
url = "http://127.0.0.1:9000/hook"
"#;

fn load(text: &str) -> Result<AlertsConfig, ConfigError> {
    parse(text, Path::new("/etc/c.toml")).map(|c| c.alerts)
}

/// The error for `text` with `old` replaced by `new`, as text.
fn error_after(old: &str, new: &str) -> String {
    assert!(EXAMPLE.contains(old), "{old:?}");
    load(&EXAMPLE.replacen(old, new, 1))
        .expect_err("must be refused")
        .to_string()
}

#[test]
fn the_example_loads_with_its_defaults() {
    let alerts = load(EXAMPLE).expect("valid");
    let [pki, chat] = &alerts.webhooks[..] else {
        panic!("two webhooks")
    };
    assert_eq!(pki.name, "pki-team");
    assert_eq!(pki.min_severity, Severity::Medium);
    let events: Vec<_> = pki.events.iter().copied().collect();
    assert_eq!(events, [WebhookEvent::Finding, WebhookEvent::Expiry]);
    assert_eq!((pki.expiry_window_days, pki.timeout.as_secs()), (21, 5));
    let auth = pki.auth.as_ref().expect("auth");
    assert_eq!(
        (auth.header.as_str(), auth.env.as_str()),
        ("Authorization", "CERTATLAS_PKI_HOOK_TOKEN")
    );
    assert_eq!(chat.min_severity, DEFAULT_MIN_SEVERITY);
    assert_eq!(chat.events.len(), 3);
    assert_eq!(chat.expiry_window_days, DEFAULT_EXPIRY_WINDOW_DAYS);
    assert_eq!(chat.timeout.as_secs(), DEFAULT_TIMEOUT_SECONDS);
    assert_eq!(chat.auth, None);
    assert_eq!(chat.position.map(|p| p.line), Some(11));
}

#[test]
fn bad_values_are_named_at_their_line_and_column() {
    let cases = [
        (r#"url = "http://127.0.0.1:9000/hook""#, r#"url = "ftp://x/hook""#, "/etc/c.toml:13:7: alerts.webhook[1]: url \"ftp://x/hook\" must start with http:// or https://"),
        (r#"min_severity = "medium""#, r#"min_severity = "severe""#, "/etc/c.toml:5:16: alerts.webhook[0]: min_severity \"severe\""),
        (r#"["finding", "expiry"]"#, r#"["finding", "expired"]"#, "/etc/c.toml:6:22: alerts.webhook[0]: event \"expired\""),
        ("expiry_window_days = 21", "expiry_window_days = 0", "/etc/c.toml:7:22: alerts.webhook[0]: expiry_window_days must be between 1 and 3650"),
        ("timeout_seconds = 5", "timeout_seconds = 301", "/etc/c.toml:8:19: alerts.webhook[0]: timeout_seconds must be between 1 and 300"),
        (r#"name = "chat""#, r#"name = "pki-team""#, "/etc/c.toml:12:8: alerts.webhook[1]: name \"pki-team\" is already used"),
        (r#"name = "chat""#, r#"name = "a b""#, "/etc/c.toml:12:8: alerts.webhook[1]: name \"a b\" must be"),
        (r#"auth_env = "CERTATLAS_PKI_HOOK_TOKEN""#, r#"auth_env = "1BAD""#, "/etc/c.toml:9:12: alerts.webhook[0]: auth_env \"1BAD\""),
        (r#"auth_env = "CERTATLAS_PKI_HOOK_TOKEN""#, r#"auth_header = "X-Token""#, "/etc/c.toml:9:15: alerts.webhook[0]: auth_header needs auth_env"),
        ("timeout_seconds = 5", "timeout = 5", "/etc/c.toml:8:1: unknown field `timeout`"),
    ];
    for (old, new, want) in cases {
        let message = error_after(old, new);
        assert!(
            message.starts_with(want),
            "{message:?}\nshould start with {want:?}"
        );
    }
}

#[test]
fn urls_need_a_host_no_credentials_and_a_good_port() {
    let bad = [
        "https://",
        "https:///path",
        "https://user:pw@hooks.example.org/x",
        "https://hooks.example.org:99999/x",
        "https://hooks.example.org/a b",
        "hooks.example.org/x",
    ];
    for url in bad {
        assert!(url_problem(url).is_some(), "{url} must be refused");
    }
    for url in [
        "HTTPS://hooks.example.org",
        "http://[::1]:8080/x?y=1",
        "http://h:1",
    ] {
        assert_eq!(url_problem(url), None, "{url}");
    }
}

#[test]
fn webhook_event_names_round_trip_and_stay_as_configured() {
    let names: Vec<&str> = WebhookEvent::VARIANTS.iter().map(|e| e.name()).collect();
    assert_eq!(names, ["finding", "shadow_ca", "expiry"]);
    for &event in WebhookEvent::VARIANTS {
        assert_eq!(WebhookEvent::parse(event.name()), Some(event));
    }
    assert_eq!(
        WebhookEvent::parse("Finding"),
        None,
        "config names are exact"
    );
}
