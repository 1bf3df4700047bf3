//! The PostgreSQL URL's TLS settings through the binary: an unknown
//! `sslmode` or a `sslrootcert` that cannot be read ends the command with
//! exit code 2 and a message naming the problem, before anything is
//! written (no records file) and before anything is sent (no connection
//! reaches the listener the URL names). The TLS modes themselves are
//! tested against a fake server in the store's own tests.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

/// Runs `certatlas scan 127.0.0.1 -p 9 --db <url> -o <dir>/out.jsonl`.
fn scan_into(url: &str, dir: &Path) -> Output {
    let out = dir.join("out.jsonl");
    Command::new(env!("CARGO_BIN_EXE_certatlas"))
        .args(["scan", "127.0.0.1", "-p", "9", "--db", url, "-o"])
        .arg(&out)
        .env_remove("RUST_LOG")
        .env_remove("PGSSLMODE")
        .env_remove("PGSSLROOTCERT")
        .env("HOME", dir)
        .output()
        .expect("certatlas binary runs")
}

/// A listener nobody should connect to, and its URL with `query`.
fn silent_server(query: &str) -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    let port = listener.local_addr().expect("address").port();
    let url = format!("postgres://scanner@127.0.0.1:{port}/inventory?{query}");
    (listener, url)
}

/// Asserts exit 2 with `needle` in the message, no records file, and no
/// connection queued at the listener (the process has exited, so a
/// connection it made would be waiting there).
fn assert_refused_before_anything(
    output: &Output,
    needle: &str,
    dir: &Path,
    listener: &TcpListener,
) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(needle), "{stderr}");
    assert!(!dir.join("out.jsonl").exists(), "records written: {stderr}");
    let accepted = listener.accept();
    assert!(
        matches!(&accepted, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "a connection was made: {accepted:?}"
    );
}

#[test]
fn an_unknown_sslmode_exits_2_before_anything_is_written_or_sent() {
    let dir = tempfile::tempdir().expect("dir");
    let (listener, url) = silent_server("sslmode=verify_full");
    let output = scan_into(&url, dir.path());
    assert_refused_before_anything(
        &output,
        "sslmode=\"verify_full\" is not one of",
        dir.path(),
        &listener,
    );
}

#[test]
fn an_unreadable_root_file_exits_2_naming_it() {
    let dir = tempfile::tempdir().expect("dir");
    let missing = dir.path().join("no-such-ca.pem");
    let (listener, url) = silent_server(&format!(
        "sslmode=verify-full&sslrootcert={}",
        missing.display()
    ));
    let output = scan_into(&url, dir.path());
    let needle = format!("sslrootcert {}: cannot read it", missing.display());
    assert_refused_before_anything(&output, &needle, dir.path(), &listener);
}

#[test]
fn verify_full_without_any_root_file_exits_2_saying_what_to_give() {
    let dir = tempfile::tempdir().expect("dir");
    let (listener, url) = silent_server("sslmode=verify-full");
    let output = scan_into(&url, dir.path());
    assert_refused_before_anything(&output, "give sslrootcert=", dir.path(), &listener);
}
