//! Tests of opening, the default location, scan life cycle and the marking
//! of interrupted scans — including a real SIGKILLed writer process.

use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use super::{backends, meta, t0, temp_db, tls_observation, TestDb};
use crate::store::lifecycle::hostname;
use crate::store::sql::params;
use crate::store::{default_path_from, Database, ScanId, ScanStatus, Store, StoreError};

#[test]
fn opening_twice_keeps_data_and_schema() {
    for db in backends() {
        let scan = db.open().begin_scan(&meta(t0())).unwrap();
        let store = db.open();
        let scans = store.scans().unwrap();
        assert_eq!(scans.iter().map(|s| s.id).collect::<Vec<_>>(), vec![scan]);
        let version: i64 = store
            .conn()
            .one("SELECT max(version) FROM schema_migrations", &[], |r| {
                r.get(0)
            })
            .unwrap();
        let supported = crate::store::supported_version();
        assert_eq!(version, i64::from(supported), "{}", db.database());
        let applied: i64 = store
            .conn()
            .one("SELECT count(*) FROM schema_migrations", &[], |r| r.get(0))
            .unwrap();
        assert_eq!(applied, i64::from(supported), "each migration once");
    }
}

#[test]
fn open_creates_missing_parent_directories() {
    let (dir, _) = temp_db();
    let path = dir.path().join("a").join("b").join("inventory.db");
    Store::open(&path).unwrap();
    assert!(path.is_file());
}

#[test]
fn an_unusable_directory_is_reported_with_its_path() {
    let (dir, _) = temp_db();
    let blocker = dir.path().join("not-a-directory");
    std::fs::write(&blocker, b"a file where a directory should be").unwrap();
    let path = blocker.join("inventory.db");
    let error = Store::open(&path).unwrap_err();
    assert!(matches!(error, StoreError::CreateDir { .. }), "{error:?}");
    assert!(
        error.to_string().contains(&blocker.display().to_string()),
        "{error}"
    );
}

#[test]
fn a_file_that_is_not_a_database_is_reported_with_its_path() {
    let (_dir, path) = temp_db();
    std::fs::write(&path, vec![b'x'; 4096]).unwrap();
    let error = Store::open(&path).unwrap_err();
    assert!(matches!(error, StoreError::Open { .. }), "{error:?}");
    assert!(
        error.to_string().contains(&path.display().to_string()),
        "{error}"
    );
}

#[test]
fn default_path_prefers_env_then_xdg_then_home() {
    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| OsString::from(value))
        }
    }
    let all = [
        ("CERTATLAS_DB", "/x/db.sqlite"),
        ("XDG_DATA_HOME", "/xdg"),
        ("HOME", "/home/u"),
    ];
    assert_eq!(default_path_from(env(&all)), Path::new("/x/db.sqlite"));
    let no_explicit = [
        ("CERTATLAS_DB", ""),
        ("XDG_DATA_HOME", "/xdg"),
        ("HOME", "/home/u"),
    ];
    assert_eq!(
        default_path_from(env(&no_explicit)),
        Path::new("/xdg/certatlas/inventory.db")
    );
    let home_only = [("HOME", "/home/u")];
    assert_eq!(
        default_path_from(env(&home_only)),
        Path::new("/home/u/.local/share/certatlas/inventory.db")
    );
}

#[test]
fn scans_record_process_and_finish_with_summary() {
    for db in backends() {
        let store = db.open();
        let meta = meta(t0());
        let scan = store.begin_scan(&meta).unwrap();
        let running = store.scan(scan).unwrap().unwrap();
        assert_eq!(running.status, ScanStatus::Running);
        assert_eq!(running.pid, i64::from(std::process::id()));
        assert_eq!(running.host, hostname());
        assert_eq!(running.targets, meta.targets);
        assert_eq!(running.options, meta.options);
        assert_eq!(running.started_at, meta.started_at);
        assert_eq!(running.finished_at, None);
        let summary = serde_json::json!({"endpoints": 3});
        store.finish_scan(scan, false, &summary).unwrap();
        let finished = store.scan(scan).unwrap().unwrap();
        assert_eq!(finished.status, ScanStatus::Interrupted);
        assert_eq!(finished.summary, Some(summary));
        assert!(finished.finished_at.is_some());
        let missing = ScanId(scan.0 + 100);
        let error = store
            .finish_scan(missing, true, &serde_json::json!({}))
            .unwrap_err();
        assert!(matches!(error, StoreError::UnknownScan { scan, .. } if scan == missing.0));
        assert!(matches!(
            store.writer(missing),
            Err(StoreError::UnknownScan { .. })
        ));
    }
}

/// Inserts a `running` scan row for `pid` on `host`.
fn insert_running(store: &Store, pid: i64, host: &str) -> ScanId {
    let scan = store.begin_scan(&meta(t0())).unwrap();
    store
        .conn()
        .execute(
            "UPDATE scans SET pid = ?2, host = ?3 WHERE id = ?1",
            params![scan.0, pid, host],
        )
        .unwrap();
    scan
}

#[test]
fn open_marks_only_dead_scans_of_this_host_interrupted() {
    for db in backends() {
        let store = db.open();
        let mut exited = Command::new("true").spawn().unwrap();
        exited.wait().unwrap(); // reaped: its pid no longer exists
        let dead = insert_running(&store, i64::from(exited.id()), &hostname());
        let alive = insert_running(&store, i64::from(std::process::id()), &hostname());
        let elsewhere = insert_running(&store, i64::from(exited.id()), "another-host.invalid");
        drop(store);
        let store = db.open();
        let status = |scan| store.scan(scan).unwrap().unwrap().status;
        assert_eq!(status(dead), ScanStatus::Interrupted);
        assert_eq!(status(alive), ScanStatus::Running);
        assert_eq!(status(elsewhere), ScanStatus::Running);
    }
}

/// Environment variable that turns [`killed_writer_child`] into the child.
const CHILD_ENV: &str = "CERTATLAS_STORE_TEST_CHILD_DB";
/// Line prefix the child prints once its batches are committed.
const READY: &str = "STORE-CHILD-COMMITTED";

/// Helper, not a test of its own: when [`CHILD_ENV`] is set, this is the
/// scanning process that gets SIGKILLed. It commits three batches, reports
/// them on stdout, queues more, and waits on stdin until killed.
#[test]
fn killed_writer_child() {
    let Ok(database) = std::env::var(CHILD_ENV) else {
        return;
    };
    let store = Store::connect(&Database::parse(&database)).unwrap();
    let scan = store.begin_scan(&meta(t0())).unwrap();
    let writer = store.writer(scan).unwrap();
    let mut written = 0u16;
    for _batch in 0..3 {
        for _ in 0..100 {
            let at = t0() + time::Duration::seconds(i64::from(written));
            writer
                .write(tls_observation(
                    "127.0.0.1",
                    written + 1,
                    None,
                    at,
                    super::pki().chain(0),
                ))
                .unwrap();
            written += 1;
        }
        writer.flush().unwrap();
    }
    println!("\n{READY} {scan} {written}"); // libtest may have begun a line
    let at = t0() + time::Duration::hours(1);
    writer
        .write(tls_observation(
            "127.0.0.2",
            443,
            None,
            at,
            super::pki().chain(1),
        ))
        .unwrap();
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line); // returns only if the parent went away
}

/// Runs [`killed_writer_child`] as a child process on `db`, SIGKILLs it
/// once it reports committed batches, reaps it, and returns its scan id and
/// the number of observations it had committed.
fn run_and_kill_child(db: &TestDb) -> (ScanId, i64) {
    let test_name = module_path!()
        .split_once("::")
        .map(|(_, rest)| format!("{rest}::killed_writer_child"))
        .unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            test_name.as_str(),
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, database_text(&db.database()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    // Bounded: the harness prints a couple of lines before the child's own.
    let ready = stdout
        .lines()
        .take(20)
        .map_while(Result::ok)
        .find_map(|line| line.split_once(READY).map(|(_, rest)| rest.to_string()));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let ready = ready.expect("the child never reported its committed batches");
    let mut fields = ready.split_whitespace().map(|f| f.parse::<i64>().unwrap());
    (ScanId(fields.next().unwrap()), fields.next().unwrap())
}

#[test]
fn a_sigkilled_scan_is_interrupted_and_keeps_its_committed_batches() {
    for db in backends() {
        sigkilled_scan_keeps_committed_batches(&db);
    }
}

/// The text `--db` takes for `database`.
fn database_text(database: &Database) -> String {
    match database {
        Database::Sqlite(path) => path.display().to_string(),
        Database::Postgres(url) => url.clone(),
    }
}

/// [`a_sigkilled_scan_is_interrupted_and_keeps_its_committed_batches`] on one backend.
fn sigkilled_scan_keeps_committed_batches(db: &TestDb) {
    let (scan, committed) = run_and_kill_child(db);
    let store = db.open();
    let record = store.scan(scan).unwrap().unwrap();
    assert_eq!(record.status, ScanStatus::Interrupted);
    assert!(
        record.observations as i64 >= committed,
        "{record:?} vs {committed}"
    );
    let ports: Vec<u16> = store
        .observations(scan)
        .unwrap()
        .iter()
        .map(|o| o.port)
        .collect();
    let expected: Vec<u16> = (1..=committed as u16).collect();
    assert_eq!(&ports[..committed as usize], expected.as_slice());
    if let Database::Sqlite(_) = db.database() {
        let check: String = store
            .conn()
            .one("PRAGMA integrity_check", &[], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }
}
