//! Connecting with each `sslmode` against the fake server (no real
//! PostgreSQL): which certificates each mode refuses, and whether the
//! startup message reached the server over TLS or in plaintext. The fake
//! server refuses every startup, so "reached over TLS" is the furthest a
//! connection gets, and it proves the handshake passed. The environment is
//! an empty home directory, so no `~/.postgresql/root.crt`, `PGSSLMODE`
//! or password of the machine plays a part.

use std::ffi::OsString;
use std::path::Path;

use super::super::{ConnInfoError, PgSession, SqlError, TlsFailure};
use super::fake_server::{Answer, FakeServer, Seen, TestCa};

/// Connects with only `HOME` set, to `home`.
fn connect_from(home: &Path, url: &str) -> SqlError {
    let env = |name: &str| (name == "HOME").then(|| OsString::from(home));
    PgSession::connect_in(url, &env).expect_err("the fake server refuses every startup")
}

/// Connects with an empty home directory.
fn connect(url: &str) -> SqlError {
    let home = tempfile::tempdir().expect("temp dir");
    connect_from(home.path(), url)
}

/// A URL for `host` (a name or an address) that connects to 127.0.0.1.
fn url(server: &FakeServer, host: &str, query: &str) -> String {
    format!(
        "postgres://certatlas@{host}:{}/inventory?hostaddr=127.0.0.1&connect_timeout=60&{query}",
        server.port
    )
}

/// `sslrootcert=<the CA's file>`.
fn root(ca: &TestCa) -> String {
    format!("sslrootcert={}", ca.pem_file.display())
}

/// How the startup reached the server, from the server's refusal.
fn reached(error: &SqlError) -> &'static str {
    match error {
        SqlError::Backend { message, .. } if message.contains("reached over TLS") => "tls",
        SqlError::Backend { message, .. } if message.contains("reached in plaintext") => {
            "plaintext"
        }
        other => panic!("the server was not reached: {other}"),
    }
}

#[test]
fn verify_full_refuses_a_certificate_for_another_name() {
    let ca = TestCa::new("test CA");
    let server = FakeServer::start(Answer::Tls(ca.server(&["db.other.example"])));
    let error = connect(&url(
        &server,
        "localhost",
        &format!("sslmode=verify-full&{}", root(&ca)),
    ));
    assert!(
        matches!(&error, SqlError::Tls(TlsFailure::NameMismatch { host }) if host == "localhost"),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains("TLS") && message.contains("name mismatch"),
        "{message}"
    );
    assert_eq!(
        server.next(),
        Seen::Closed,
        "no startup message may be sent"
    );
}

#[test]
fn verify_full_accepts_the_right_name_and_reaches_the_server_over_tls() {
    let ca = TestCa::new("test CA");
    let server = FakeServer::start(Answer::Tls(ca.server(&["localhost", "127.0.0.1"])));
    let error = connect(&url(
        &server,
        "localhost",
        &format!("sslmode=verify-full&{}", root(&ca)),
    ));
    assert_eq!(reached(&error), "tls");
    assert_eq!(server.next(), Seen::Tls);
}

#[test]
fn verify_full_checks_an_ip_host_against_ip_sans_only() {
    let ca = TestCa::new("test CA");
    let full = format!("sslmode=verify-full&{}", root(&ca));
    let by_ip = FakeServer::start(Answer::Tls(ca.server(&["127.0.0.1"])));
    assert_eq!(reached(&connect(&url(&by_ip, "127.0.0.1", &full))), "tls");
    let by_name = FakeServer::start(Answer::Tls(ca.server(&["localhost"])));
    let error = connect(&url(&by_name, "127.0.0.1", &full));
    assert!(
        matches!(error, SqlError::Tls(TlsFailure::NameMismatch { .. })),
        "{error}"
    );
}

#[test]
fn verify_ca_accepts_another_name_but_refuses_an_unknown_issuer() {
    let ca = TestCa::new("test CA");
    let other_name = FakeServer::start(Answer::Tls(ca.server(&["db.other.example"])));
    let verify_ca = format!("sslmode=verify-ca&{}", root(&ca));
    assert_eq!(
        reached(&connect(&url(&other_name, "localhost", &verify_ca))),
        "tls"
    );

    let stranger = TestCa::new("another CA");
    let unknown = FakeServer::start(Answer::Tls(stranger.server(&["localhost"])));
    let error = connect(&url(&unknown, "localhost", &verify_ca));
    assert!(
        matches!(error, SqlError::Tls(TlsFailure::UnknownIssuer)),
        "{error}"
    );
    assert!(error.to_string().contains("unknown issuer"), "{error}");
    assert_eq!(unknown.next(), Seen::Closed);
}

#[test]
fn require_refuses_a_server_without_tls_and_prefer_falls_back_to_plaintext() {
    let server = FakeServer::start(Answer::NoTls);
    let error = connect(&url(&server, "localhost", "sslmode=require"));
    assert!(
        matches!(error, SqlError::Tls(TlsFailure::NotSupported)),
        "{error}"
    );
    assert!(
        error.to_string().contains("does not support TLS"),
        "{error}"
    );
    assert_eq!(
        server.next(),
        Seen::Closed,
        "require sends no startup in plaintext"
    );

    assert_eq!(
        reached(&connect(&url(&server, "localhost", "sslmode=prefer"))),
        "plaintext"
    );
    assert_eq!(
        reached(&connect(&url(&server, "localhost", ""))),
        "plaintext",
        "default: prefer"
    );
}

#[test]
fn require_encrypts_without_verifying_unless_a_root_file_is_given() {
    let ca = TestCa::new("test CA");
    let stranger = TestCa::new("another CA");
    let server = FakeServer::start(Answer::Tls(stranger.server(&["db.other.example"])));
    assert_eq!(
        reached(&connect(&url(&server, "localhost", "sslmode=require"))),
        "tls"
    );
    // As libpq: require with a root file verifies the chain like verify-ca.
    let error = connect(&url(
        &server,
        "localhost",
        &format!("sslmode=require&{}", root(&ca)),
    ));
    assert!(
        matches!(error, SqlError::Tls(TlsFailure::UnknownIssuer)),
        "{error}"
    );
    // ... and not the name.
    let named_other = FakeServer::start(Answer::Tls(ca.server(&["db.other.example"])));
    let require = format!("sslmode=require&{}", root(&ca));
    assert_eq!(
        reached(&connect(&url(&named_other, "localhost", &require))),
        "tls"
    );
}

#[test]
fn the_default_root_file_in_home_turns_on_verification_as_in_libpq() {
    let ca = TestCa::new("test CA");
    let stranger = TestCa::new("another CA");
    let home = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(home.path().join(".postgresql")).expect("mkdir");
    std::fs::copy(&ca.pem_file, home.path().join(".postgresql/root.crt")).expect("copy");
    let server = FakeServer::start(Answer::Tls(stranger.server(&["localhost"])));
    let error = connect_from(home.path(), &url(&server, "localhost", "sslmode=require"));
    assert!(
        matches!(error, SqlError::Tls(TlsFailure::UnknownIssuer)),
        "{error}"
    );
    let trusted = FakeServer::start(Answer::Tls(ca.server(&["localhost"])));
    let error = connect_from(
        home.path(),
        &url(&trusted, "localhost", "sslmode=verify-full"),
    );
    assert_eq!(reached(&error), "tls");
}

#[test]
fn prefer_falls_back_to_plaintext_when_the_handshake_fails() {
    let ca = TestCa::new("test CA");
    let stranger = TestCa::new("another CA");
    let server = FakeServer::start(Answer::Tls(stranger.server(&["localhost"])));
    let error = connect(&url(
        &server,
        "localhost",
        &format!("sslmode=prefer&{}", root(&ca)),
    ));
    assert_eq!(reached(&error), "plaintext");
    assert_eq!(server.next(), Seen::Closed, "the TLS attempt first");
    assert_eq!(server.next(), Seen::Plaintext, "then plaintext");
}

#[test]
fn allow_tries_plaintext_first_then_tls_and_disable_never_asks_for_tls() {
    let ca = TestCa::new("test CA");
    let server = FakeServer::start(Answer::Tls(ca.server(&["localhost"])));
    assert_eq!(
        reached(&connect(&url(&server, "localhost", "sslmode=allow"))),
        "tls"
    );
    assert_eq!(server.next(), Seen::Plaintext, "allow: plaintext first");
    assert_eq!(server.next(), Seen::Tls, "then TLS when the server refuses");
    assert_eq!(
        reached(&connect(&url(&server, "localhost", "sslmode=disable"))),
        "plaintext"
    );
    assert_eq!(server.next(), Seen::Plaintext);
}

#[test]
fn a_bad_sslmode_or_root_file_is_refused_before_connecting() {
    let server = FakeServer::start(Answer::NoTls);
    let error = connect(&url(&server, "localhost", "sslmode=verify_full"));
    assert!(
        matches!(&error, SqlError::ConnInfo(ConnInfoError::SslMode { value }) if value == "verify_full"),
        "{error}"
    );
    assert!(
        error.to_string().contains("sslmode=\"verify_full\""),
        "{error}"
    );
    let missing = "sslmode=verify-full&sslrootcert=/nonexistent/ca.pem";
    let error = connect(&url(&server, "localhost", missing));
    assert!(
        matches!(
            error,
            SqlError::ConnInfo(ConnInfoError::RootUnreadable { .. })
        ),
        "{error}"
    );
    assert!(error.to_string().contains("/nonexistent/ca.pem"), "{error}");
    let error = connect(&url(&server, "localhost", "sslmode=verify-ca"));
    assert!(
        matches!(error, SqlError::ConnInfo(ConnInfoError::NoRoots { .. })),
        "{error}"
    );
    // Nothing reached the server: the next connection it sees is this one.
    assert_eq!(
        reached(&connect(&url(&server, "localhost", "sslmode=disable"))),
        "plaintext"
    );
    assert_eq!(server.next(), Seen::Plaintext);
}

#[test]
fn driver_errors_carry_their_cause() {
    // Client certificates are not supported: the driver refuses the
    // option, and the message names it rather than only "invalid
    // connection string".
    let server = FakeServer::start(Answer::NoTls);
    let error = connect(&url(
        &server,
        "localhost",
        "sslmode=require&sslcert=client.pem",
    ));
    let message = error.to_string();
    assert!(message.contains("unknown option `sslcert`"), "{message}");
}

/// Connects with exactly the variables `vars` set.
fn connect_with_vars(url: &str, vars: &[(&str, OsString)]) -> SqlError {
    let env = |name: &str| {
        vars.iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.clone())
    };
    PgSession::connect_in(url, &env).expect_err("the fake server refuses every startup")
}

#[test]
fn the_password_comes_from_the_url_else_pgpassword_else_the_password_file() {
    use std::os::unix::fs::PermissionsExt;
    let server = FakeServer::start(Answer::NoTlsAskPassword);
    let home = tempfile::tempdir().expect("temp dir");
    let pgpass = home.path().join(".pgpass");
    let lines = format!(
        "other.example:*:*:*:wrong-host\nlocalhost:{}:inventory:certatlas:from\\:file\n",
        server.port
    );
    std::fs::write(&pgpass, lines).expect("write");
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let home_var = ("HOME", OsString::from(home.path()));
    let url = url(&server, "localhost", "sslmode=disable");
    let said = |error: SqlError| error.to_string();

    let from_file = said(connect_with_vars(&url, std::slice::from_ref(&home_var)));
    assert!(from_file.contains("with password from:file"), "{from_file}");
    let env = [home_var.clone(), ("PGPASSWORD", OsString::from("from-env"))];
    let from_env = said(connect_with_vars(&url, &env));
    assert!(from_env.contains("with password from-env"), "{from_env}");
    let in_url = url.replace("certatlas@", "certatlas:in-url@");
    let from_url = said(connect_with_vars(&in_url, &env));
    assert!(from_url.contains("with password in-url"), "{from_url}");

    // A password file others may read is not used: no password at all.
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let ignored = said(connect_with_vars(&url, &[home_var]));
    assert!(ignored.contains("password missing"), "{ignored}");
}
