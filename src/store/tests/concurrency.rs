//! Concurrency and read-only access: a writer that meets another
//! connection's write lock waits for it instead of failing, and a store
//! opened read-only refuses every write with a typed error and leaves the
//! file as it was.

use std::sync::mpsc;

use super::{complete_scan, pki, t0, temp_db, tls_observation};
use crate::store::sql::{Database, SqlError};
use crate::store::{Store, StoreError};

/// A store at a temporary path with one complete scan.
fn store_with_a_scan() -> (tempfile::TempDir, std::path::PathBuf, Store) {
    let (dir, path) = temp_db();
    let store = Store::open(&path).expect("store");
    let chain = pki().chain(0);
    complete_scan(
        &store,
        t0(),
        vec![tls_observation("127.0.0.1", 443, None, t0(), chain)],
    );
    (dir, path, store)
}

#[test]
fn an_immediate_session_transaction_holds_the_write_lock() {
    let (_dir, path) = temp_db();
    drop(Store::open(&path).expect("store"));
    let session = Database::Sqlite(path.clone()).connect().expect("session");
    session.begin(true).expect("begin immediate");
    let other = rusqlite::Connection::open(&path).expect("other connection");
    let refused = other.execute_batch("BEGIN IMMEDIATE");
    let code = refused.as_ref().err().and_then(|e| e.sqlite_error_code());
    assert_eq!(code, Some(rusqlite::ErrorCode::DatabaseBusy), "{refused:?}");
    session.rollback().expect("rollback");
    other
        .execute_batch("BEGIN IMMEDIATE; ROLLBACK")
        .expect("free again");
}

#[test]
fn a_second_writer_waits_for_the_write_lock_instead_of_failing() {
    let (_dir, path, store) = store_with_a_scan();
    let scan = store.latest_scan(true).expect("read").expect("a scan").id;
    // Another process's connection takes the write lock and writes.
    let holder = rusqlite::Connection::open(&path).expect("holder");
    holder
        .execute_batch("BEGIN IMMEDIATE; CREATE TABLE other_writer (n INTEGER)")
        .expect("hold the write lock");
    let (started, starting) = mpsc::channel();
    let writer = std::thread::spawn(move || {
        started.send(()).expect("signal");
        // Reads, then writes: deferred, this failed at once with
        // "database is locked" when the holder had committed in between.
        store.record_findings(scan, "digest", 0, &[], &serde_json::json!({}))?;
        store.finding_run(scan)
    });
    starting.recv().expect("writer started");
    holder
        .execute_batch("INSERT INTO other_writer VALUES (1); COMMIT")
        .expect("release");
    let run = writer.join().expect("writer thread");
    let run = run.unwrap_or_else(|e| panic!("the second writer failed: {e}"));
    assert_eq!(run.map(|r| r.ruleset_digest), Some("digest".to_string()));
    let rows: i64 = holder
        .query_row("SELECT count(*) FROM other_writer", [], |r| r.get(0))
        .expect("count");
    assert_eq!(rows, 1, "the holder's commit stands");
}

#[test]
fn a_read_only_store_reads_and_refuses_every_write_with_a_typed_error() {
    let (_dir, path, store) = store_with_a_scan();
    drop(store);
    let before = std::fs::read(&path).expect("bytes");
    let database = Database::Sqlite(path.clone());
    let store = Store::open_read_only(&database).expect("read-only open");
    assert!(!store.is_writable());
    let scan = store.latest_scan(true).expect("read").expect("a scan");
    assert_eq!(store.endpoint_leaves(scan.id).expect("leaves").len(), 1);
    let refusals: Vec<(&str, StoreError)> = vec![
        (
            "begin_scan",
            store.begin_scan(&super::meta(t0())).expect_err("refused"),
        ),
        ("writer", store.writer(scan.id).expect_err("refused")),
        (
            "lock_scope",
            store.lock_scope("scope").expect_err("refused"),
        ),
        // Not guarded by the store: refused by the read-only session.
        (
            "finish_scan",
            store
                .finish_scan(scan.id, true, &serde_json::json!({}))
                .expect_err("refused"),
        ),
        (
            "record_findings",
            store
                .record_findings(scan.id, "d", 0, &[], &serde_json::json!({}))
                .expect_err("refused"),
        ),
        (
            "record_events",
            store.record_events(scan.id, &[]).expect_err("refused"),
        ),
    ];
    for (what, error) in refusals {
        assert!(
            matches!(error, StoreError::ReadOnly { .. }),
            "{what}: {error:?}"
        );
    }
    drop(store);
    assert_eq!(
        std::fs::read(&path).expect("bytes"),
        before,
        "file unchanged"
    );
}

#[test]
fn a_read_only_session_refuses_writing_statements_before_sqlite_runs_them() {
    let (_dir, path, store) = store_with_a_scan();
    drop(store);
    let session = Database::Sqlite(path).connect_read_only().expect("session");
    let read: i64 = session
        .one("SELECT count(*) FROM scans", &[], |row| row.get(0))
        .expect("reads work");
    assert_eq!(read, 1);
    for statement in [
        "DELETE FROM scans",
        "INSERT INTO scans (started_at, status) VALUES ('x', 'running') RETURNING id",
        "CREATE TABLE t (x INTEGER)",
    ] {
        let refused = session.execute(statement, &[]).expect_err(statement);
        assert!(
            matches!(refused, SqlError::ReadOnly { .. }),
            "{statement}: {refused:?}"
        );
    }
    assert!(matches!(
        session.begin(true),
        Err(SqlError::ReadOnly { .. })
    ));
    assert!(matches!(
        session.batch("DROP TABLE scans"),
        Err(SqlError::ReadOnly { .. })
    ));
}

#[test]
fn a_read_only_store_never_migrates_an_older_schema() {
    let (_dir, path) = temp_db();
    let conn = rusqlite::Connection::open(&path).expect("sqlite");
    conn.execute_batch(include_str!("../migrations/sqlite/v1.sql"))
        .expect("v1");
    conn.pragma_update(None, "user_version", 1)
        .expect("version");
    drop(conn);
    let before = std::fs::read(&path).expect("bytes");
    let error = Store::open_read_only(&Database::Sqlite(path.clone())).expect_err("old");
    assert!(
        matches!(error, StoreError::NeedsMigration { found: 1, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("certatlas scan"), "{error}");
    assert_eq!(std::fs::read(&path).expect("bytes"), before, "not migrated");
}

#[test]
fn a_read_only_store_does_not_create_a_missing_database() {
    let (_dir, path) = temp_db();
    let error = Store::open_read_only(&Database::Sqlite(path.clone())).expect_err("missing");
    assert!(matches!(error, StoreError::Open { .. }), "{error:?}");
    assert!(!path.exists());
}
