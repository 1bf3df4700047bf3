//! Tests of config loading: the documented example, and errors that name
//! the file, line, column and problem.

use std::path::{Path, PathBuf};

use super::*;
use crate::exception::ExceptionTarget;
use crate::located::Located;

const SPKI: &str = "ab12cd34ab12cd34ab12cd34ab12cd34ab12cd34ab12cd34ab12cd34ab12cd34";
const CERT: &str = "0011223344556677889900112233445566778899001122334455667788990011";

/// The example from the README (section "Configuration file") (with full-length hashes).
fn example() -> String {
    format!(
        r#"# certatlas.toml
[scope]
targets = ["10.1.0.0/16", "mail.example.org:465"]
ports = "443,8443"
exclude = ["10.1.9.0/24"]
resolve = ["mail.example.org:465:10.1.0.25"]

[[anchors]]
name = "Corp Root G2"
file = "pki/corp-root.pem"
[[anchors]]
name = "Legacy root"
spki_sha256 = "{spki}"

[[owners]]
name = "web-team"
cidr = ["10.1.0.0/16"]
hostname = ["*.shop.example.org"]
[[owners]]
name = "pki-team"
issuer = "Corp Issuing CA"

[[exceptions]]
what = "certificate:{cert}"
owner = "web-team"
reason = "vendor appliance, replacement ordered"
review = "2027-01-31"
[[exceptions]]
what = "endpoint:[2001:db8::7]:8443"
reason = "lab"
review = 2026-06-30
"#,
        spki = SPKI.to_uppercase(),
        cert = CERT
    )
}

fn at(dir: &str) -> PathBuf {
    Path::new(dir).join("certatlas.toml")
}

/// 1-based (line, column) of the first occurrence of `needle` in `text`.
fn position_of(text: &str, needle: &str) -> Position {
    let offset = text.find(needle).expect("needle in text");
    let line = text[..offset].matches('\n').count() + 1;
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    Position {
        line,
        column: text[line_start..offset].chars().count() + 1,
    }
}

/// Replaces `old` (which must occur) and returns the error of parsing the result.
fn error_after(old: &str, new: &str) -> (String, ConfigError) {
    let base = example();
    assert!(base.contains(old), "{old:?} not in the example");
    let text = base.replacen(old, new, 1);
    let err = parse(&text, &at("/etc/certatlas")).expect_err("invalid config");
    (text, err)
}

fn expect_at(err: &ConfigError, want: Position, problem_part: &str) {
    let message = err.to_string();
    let prefix = format!(
        "/etc/certatlas/certatlas.toml:{}:{}: ",
        want.line, want.column
    );
    assert!(
        message.starts_with(&prefix),
        "{message:?} should start with {prefix:?}"
    );
    assert!(
        message.contains(problem_part),
        "{message:?} should mention {problem_part:?}"
    );
}

#[test]
fn documented_example_loads() {
    let config = parse(&example(), &at("/etc/certatlas")).expect("valid");
    let scope = config.scope.as_ref().expect("scope");
    assert_eq!(scope.targets, ["10.1.0.0/16", "mail.example.org:465"]);
    assert_eq!(scope.resolve, ["mail.example.org:465:10.1.0.25"]);
    assert_eq!(
        (scope.ports.as_deref(), scope.exclude.len()),
        (Some("443,8443"), 1)
    );
    assert_eq!(
        config.anchors[0].file,
        Some(PathBuf::from("/etc/certatlas/pki/corp-root.pem"))
    );
    assert_eq!(config.approved_spki(), [SPKI]);
    assert_eq!(config.owners[1].rule.issuer, ["Corp Issuing CA"]);
    assert_eq!(config.owner_rules().expect("rules").len(), 2);
    let cert = &config.exceptions[0];
    let want = ExceptionTarget::Certificate {
        sha256: CERT.to_string(),
    };
    assert_eq!(
        (&cert.what, cert.owner.as_deref()),
        (&want, Some("web-team"))
    );
    assert_eq!(cert.review, Some(time::macros::date!(2027 - 01 - 31)));
    let endpoint = &config.exceptions[1];
    assert_eq!(endpoint.what.to_string(), "endpoint:[2001:db8::7]:8443");
    assert_eq!(endpoint.review, Some(time::macros::date!(2026 - 06 - 30)));
    assert_eq!(config.path(), at("/etc/certatlas"));
}

#[test]
fn unknown_keys_are_reported_where_they_are() {
    let (text, err) = error_after("ports = ", "portz = ");
    expect_at(&err, position_of(&text, "portz"), "unknown field `portz`");
    let (text, err) = error_after(
        "[[owners]]\nname = \"pki-team\"",
        "[[owners]]\nname = \"pki-team\"\nteam_lead = 1",
    );
    expect_at(
        &err,
        position_of(&text, "team_lead"),
        "unknown field `team_lead`",
    );
    let (text, err) = error_after("# certatlas.toml", "[database]\npath = \"x\"");
    expect_at(
        &err,
        position_of(&text, "database"),
        "unknown field `database`",
    );
}

#[test]
fn bad_toml_syntax_names_line_and_column() {
    let (text, err) = error_after("ports = \"443,8443\"", "ports = \"443,8443");
    assert!(
        matches!(err, ConfigError::Invalid(Located { position: Some(p), .. }) if p.line == position_of(&text, "ports").line)
    );
    let err = parse("a = = 1\n", &at("/etc/certatlas")).expect_err("syntax");
    let message = err.to_string();
    assert!(
        message.starts_with("/etc/certatlas/certatlas.toml:1:"),
        "{message}"
    );
}

#[test]
fn bad_owner_values_point_at_the_value() {
    let (text, err) = error_after("cidr = [\"10.1.0.0/16\"]", "cidr = [\"10.1.0.0/33\"]");
    expect_at(
        &err,
        position_of(&text, "[\"10.1.0.0/33\"]"),
        "owners[0] (\"web-team\"): cidr value \"10.1.0.0/33\"",
    );
    let (text, err) = error_after("hostname = [\"*.shop.example.org\"]", "hostname = \"a..b\"");
    expect_at(
        &err,
        position_of(&text, "\"a..b\""),
        "hostname value \"a..b\"",
    );
    let (text, err) = error_after("issuer = \"Corp Issuing CA\"", "issuer = 7");
    expect_at(
        &err,
        position_of(&text, "7\n"),
        "a string or an array of strings",
    );
    let (text, err) = error_after("issuer = \"Corp Issuing CA\"", "");
    expect_at(
        &err,
        position_of(&text, "[[owners]]\nname = \"pki-team\""),
        "has no matcher",
    );
}

#[test]
fn bad_scope_anchor_and_exception_values() {
    let (text, err) = error_after("\"10.1.9.0/24\"", "\"10.1.9.0/99\"");
    expect_at(&err, position_of(&text, "\"10.1.9.0/99\""), "scope.exclude");
    let (text, err) = error_after("\"mail.example.org:465:10.1.0.25\"", "\"mail:10.1.0.0/24\"");
    expect_at(
        &err,
        position_of(&text, "\"mail:10.1.0.0/24\""),
        "scope.resolve",
    );
    assert!(err.to_string().contains("is a range"), "{err}");
    let (text, err) = error_after("\"443,8443\"", "\"443,99999\"");
    expect_at(&err, position_of(&text, "\"443,99999\""), "scope.ports");
    let (text, err) = error_after(&SPKI.to_uppercase(), "abc");
    expect_at(
        &err,
        position_of(&text, "\"abc\""),
        "spki_sha256 must be 64 hex digits",
    );
    let (text, err) = error_after(
        "name = \"Legacy root\"",
        "name = \"Legacy root\"\nfile = \"x.pem\"",
    );
    expect_at(
        &err,
        position_of(&text, &format!("\"{}\"", SPKI.to_uppercase())),
        "not both",
    );
    let (text, err) = error_after("what = \"certificate:", "what = \"cert:");
    expect_at(
        &err,
        position_of(&text, "\"cert:"),
        "must start with certificate: or endpoint:",
    );
    let (text, err) = error_after("\"2027-01-31\"", "\"next year\"");
    expect_at(
        &err,
        position_of(&text, "\"next year\""),
        "review must be a date",
    );
    let (text, err) = error_after("reason = \"lab\"", "reason = \" \"");
    expect_at(&err, position_of(&text, "\" \""), "reason is empty");
}

#[test]
fn exception_targets_parse_and_print() {
    let cases = [
        ("endpoint:10.1.2.3:443", "endpoint:10.1.2.3:443"),
        (
            "endpoint:mail.example.org:465",
            "endpoint:mail.example.org:465",
        ),
        ("certificate:AB:CD", ""),
        ("endpoint:2001:db8::1:443", ""),
        ("endpoint:10.1.2.3:0", ""),
        ("endpoint::443", ""),
    ];
    for (input, shown) in cases {
        match ExceptionTarget::parse(input) {
            Ok(target) => assert_eq!(target.to_string(), shown, "{input}"),
            Err(problem) => assert!(shown.is_empty(), "{input}: {problem}"),
        }
    }
}

#[test]
fn anchor_files_are_read_relative_to_the_config_and_errors_name_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("pki")).expect("mkdir");
    let pem = include_str!("../../fixtures/public-roots/isrg-root-x1.pem");
    std::fs::write(dir.path().join("pki/corp-root.pem"), pem).expect("write");
    let path = dir.path().join("certatlas.toml");
    std::fs::write(&path, example()).expect("write");
    let config = load(&path).expect("valid");
    let ders = config.approved_anchor_ders().expect("anchor read");
    assert_eq!(ders.len(), 1);
    assert_eq!(ders[0][0], 0x30);
    std::fs::write(dir.path().join("pki/corp-root.pem"), &ders[0]).expect("write DER");
    assert_eq!(config.approved_anchor_ders().expect("DER read"), ders);

    std::fs::remove_file(dir.path().join("pki/corp-root.pem")).expect("rm");
    let err = config.approved_anchor_ders().expect_err("missing file");
    let text = example();
    let want = position_of(&text, "\"pki/corp-root.pem\"");
    let message = err.to_string();
    let prefix = format!(
        "{}:{}:{}: anchor \"Corp Root G2\": ",
        path.display(),
        want.line,
        want.column
    );
    assert!(message.starts_with(&prefix), "{message}");
    assert!(message.contains("corp-root.pem: cannot read"), "{message}");
}

#[test]
fn unreadable_config_file_is_named() {
    let err = load(Path::new("/nonexistent/certatlas.toml")).expect_err("missing");
    assert!(err
        .to_string()
        .starts_with("/nonexistent/certatlas.toml: cannot read config file"));
    let empty = parse("", &at("/x")).expect("empty config is valid");
    assert_eq!(
        (empty.scope, empty.anchors.len(), empty.owners.len()),
        (None, 0, 0)
    );
}

#[test]
fn the_digest_is_of_the_text_parsed() {
    let text = "[scope]\ntargets = [\"192.0.2.0/24\"]\n";
    let config = parse(text, &at("/etc/certatlas")).expect("valid");
    assert_eq!(
        config.digest(),
        crate::certs::sha256_hex(text.as_bytes()),
        "no second read of the file"
    );
    let other = parse("# another\n", &at("/etc/certatlas")).expect("valid");
    assert_ne!(config.digest(), other.digest());
}
