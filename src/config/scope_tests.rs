//! Tests of `[scope]`: every key parses into its typed value; a bad key or
//! value is an error at its `file:line:column`.

use std::path::Path;
use std::time::Duration;

use super::super::{parse, ConfigError, Position};
use crate::probe::Dialect;
use crate::scan::StartTlsMode;

/// A `[scope]` with every key.
pub(crate) const FULL_SCOPE: &str = r#"[scope]
targets = ["127.0.0.1", "10.1.0.0/30"]
input = ["hosts.txt"]
ports = "443,8443"
exclude = ["10.1.0.2"]
exclude_file = ["never.txt"]
sni = ["www.example.org", "Mail.Example.org"]
sni_discover = true
versions = true
groups = true
all_certs = true
starttls = "smtp"
legacy_fallback = false
connect_timeout = "500ms"
timeout = "5s"
rate = 100
concurrency = 50
per_host = 2
shard = "2/4"
"#;

#[test]
fn every_scope_key_parses() {
    let config = parse(FULL_SCOPE, Path::new("/etc/certatlas/certatlas.toml")).expect("loads");
    let scope = config.scope.expect("scope");
    assert_eq!(scope.targets, ["127.0.0.1", "10.1.0.0/30"]);
    assert_eq!(scope.input, [Path::new("/etc/certatlas/hosts.txt")]);
    assert_eq!(scope.exclude_file, [Path::new("/etc/certatlas/never.txt")]);
    assert_eq!(scope.ports.as_deref(), Some("443,8443"));
    assert_eq!(scope.exclude, ["10.1.0.2"]);
    assert_eq!(scope.sni, ["www.example.org", "Mail.Example.org"]);
    let flags = (scope.sni_discover, scope.versions, scope.all_certs);
    assert_eq!(flags, (Some(true), Some(true), Some(true)));
    assert_eq!(scope.groups, Some(true));
    assert_eq!(scope.starttls, Some(StartTlsMode::Force(Dialect::Smtp)));
    assert_eq!(scope.legacy_fallback, Some(false));
    assert_eq!(scope.connect_timeout, Some(Duration::from_millis(500)));
    assert_eq!(scope.timeout, Some(Duration::from_secs(5)));
    assert_eq!(
        (scope.rate, scope.concurrency, scope.per_host),
        (Some(100), Some(50), Some(2))
    );
    assert_eq!(scope.shard.map(|s| s.to_string()).as_deref(), Some("2/4"));
}

/// The error of `FULL_SCOPE` with `old` replaced by `new`, and where `at` is.
fn error_with(old: &str, new: &str, at: &str) -> (ConfigError, Position) {
    assert!(FULL_SCOPE.contains(old), "{old:?}");
    let text = FULL_SCOPE.replacen(old, new, 1);
    let err = parse(&text, Path::new("c.toml")).expect_err("invalid");
    let offset = text.find(at).expect("needle");
    (err, Position::at(&text, offset))
}

#[test]
fn bad_scope_keys_and_values_name_file_line_and_column() {
    let cases = [
        (
            "versions = true",
            "version = true",
            "version",
            "unknown field `version`",
        ),
        (
            "versions = true",
            "versions = \"yes\"",
            "\"yes\"",
            "invalid type",
        ),
        (
            "\"smtp\"",
            "\"smtpx\"",
            "\"smtpx\"",
            "scope.starttls: 'smtpx' is not a STARTTLS dialect",
        ),
        (
            "\"500ms\"",
            "\"soon\"",
            "\"soon\"",
            "scope.connect_timeout: 'soon' is not a duration",
        ),
        ("\"5s\"", "\"0s\"", "\"0s\"", "scope.timeout"),
        (
            "rate = 100",
            "rate = 0",
            "0\n",
            "scope.rate: 0 is out of range",
        ),
        (
            "per_host = 2",
            "per_host = 2000",
            "2000",
            "scope.per_host: 2000 is out of range",
        ),
        (
            "concurrency = 50",
            "concurrency = -1",
            "-1",
            "scope.concurrency",
        ),
        (
            "\"2/4\"",
            "\"5/4\"",
            "\"5/4\"",
            "scope.shard: '5/4' is not K/N",
        ),
        (
            "\"Mail.Example.org\"",
            "\"bad name\"",
            "\"bad name\"",
            "scope.sni: 'bad name' is not a valid host name",
        ),
        (
            "[\"never.txt\"]",
            "[\" \"]",
            "\" \"",
            "scope.exclude_file: empty file name",
        ),
        (
            "\"10.1.0.0/30\"",
            "\"10.1.0.0/99\"",
            "\"10.1.0.0/99\"",
            "scope.targets",
        ),
    ];
    for (old, new, at, problem) in cases {
        let (err, position) = error_with(old, new, at);
        let message = err.to_string();
        let prefix = format!("c.toml:{}:{}: ", position.line, position.column);
        assert!(
            message.starts_with(&prefix),
            "{message:?} should start with {prefix:?}"
        );
        assert!(
            message.contains(problem),
            "{message:?} should say {problem:?}"
        );
    }
}
