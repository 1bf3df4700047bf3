//! The store under contention and read-only, through the binary, against
//! loopback servers only.
//!
//! - A `watch` of five runs beside another process (a Python `sqlite3`
//!   child) that commits to the same SQLite file as fast as it can, and
//!   that once holds the write lock for 4 seconds while a run is in
//!   progress, completes all five runs and stores them complete, each
//!   judged and scored. Runs are started with SIGUSR1 after the previous
//!   run's line; the hold starts before the signal and is released 4 s
//!   after the run has started, so it overlaps that run for certain.
//! - A `chmod 444` copy of a real inventory in a read-only directory
//!   answers `scans`, `inventory`, `findings`, `score` and `metrics` with
//!   exit 0 and the same output as the original, as a user who cannot
//!   write it (as root: uid 65534 through `setpriv`, after proving that
//!   this identity cannot write the file); the file's bytes are unchanged
//!   and no `-wal` or `-shm` file appears.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc;

use certatlas::store::{Database, Store};
use common::watch::{stored_scans, Running, DEADLINE};

/// The competing writer: commits one row at a time to a table of its own
/// as fast as it can; on `hold` it takes the write lock (`BEGIN
/// IMMEDIATE`) and says `held`; on `release` it keeps it 4 more seconds,
/// commits and says `released`; end of input stops it and prints the rows
/// it committed.
const HAMMER: &str = r#"
import sqlite3, sys, threading, time
db = sys.argv[1]
stop = threading.Event()
count = [0]
def hammer():
    c = sqlite3.connect(db, timeout=120, isolation_level=None)
    while not stop.is_set():
        c.execute("INSERT INTO hammer (n) VALUES (?)", (count[0],))
        count[0] += 1
        if count[0] == 1:
            print("hammering", flush=True)
setup = sqlite3.connect(db, timeout=120, isolation_level=None)
setup.execute("CREATE TABLE IF NOT EXISTS hammer (n INTEGER)")
worker = threading.Thread(target=hammer)
worker.start()
holder = sqlite3.connect(db, timeout=120, isolation_level=None)
for line in sys.stdin:
    if line.strip() == "hold":
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO hammer (n) VALUES (-1)")
        print("held", flush=True)
    elif line.strip() == "release":
        time.sleep(4)
        holder.execute("COMMIT")
        print("released", flush=True)
stop.set()
worker.join()
print("committed", count[0], flush=True)
"#;

/// The hammer process, its input and its output lines.
struct Hammer {
    child: Child,
    input: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
}

impl Hammer {
    /// Starts the hammer on `db`; `None` (with a visible note) without
    /// Python 3 and its sqlite3 module.
    fn start(db: &Path) -> Option<Hammer> {
        let probe = Command::new("python3")
            .args(["-c", "import sqlite3"])
            .output();
        if !probe.is_ok_and(|o| o.status.success()) {
            eprintln!("SKIPPED: the competing writer needs python3 with sqlite3");
            return None;
        }
        let mut child = Command::new("python3")
            .args(["-c", HAMMER, db.to_str().unwrap()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 starts");
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = sender.send(line);
            }
        });
        let input = child.stdin.take();
        Some(Hammer {
            child,
            input,
            lines,
        })
    }

    /// Waits for the hammer's next line, which must start with `expected`.
    fn expect(&self, expected: &str) -> String {
        let line = self
            .lines
            .recv_timeout(DEADLINE)
            .expect("the hammer answers");
        assert!(
            line.starts_with(expected),
            "hammer said {line:?}, expected {expected:?}"
        );
        line
    }

    fn send(&mut self, command: &str) {
        let input = self.input.as_mut().unwrap();
        writeln!(input, "{command}")
            .and_then(|()| input.flush())
            .unwrap();
    }

    /// Stops the hammer; returns how many rows its loop committed.
    fn stop(mut self) -> u64 {
        drop(self.input.take());
        let line = self.expect("committed");
        assert!(self.child.wait().unwrap().success());
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_completes_five_runs_beside_a_busy_writer_and_a_4s_write_lock() {
    let lab = common::lab().await;
    let case = lab.case("good-ecdsa").unwrap().clone();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inventory.db");
    let outcome = tokio::task::spawn_blocking(move || {
        let db_arg = db.to_str().unwrap().to_string();
        let address = case.address.to_string();
        let sni = case.server_names[0].clone().unwrap();
        let args = [
            "watch",
            &address,
            "--sni",
            &sni,
            "--every",
            "1h",
            "--runs",
            "5",
            "--db",
            &db_arg,
            "--clock",
            "2026-06-01T12:00:00Z",
        ];
        let mut watch = Running::spawn(&args, &db);
        // Run 1 creates the inventory (in WAL mode); the writer starts then.
        watch.wait_for("run 1: scan 1 complete");
        let Some(mut hammer) = Hammer::start(&db) else {
            watch.terminate();
            return None;
        };
        hammer.expect("hammering");
        for run in 2..=5 {
            if run == 3 {
                hammer.send("hold");
                hammer.expect("held");
            }
            watch.signal(libc::SIGUSR1);
            watch.wait_for(&format!("run {run}: scanning"));
            if run == 3 {
                // The run has started and cannot store anything while the
                // lock is held: the 4 s hold overlaps it.
                hammer.send("release");
                hammer.expect("released");
            }
            let line = watch.wait_for(&format!("run {run}: "));
            assert!(
                line.starts_with(&format!("run {run}: scan {run} complete")),
                "{line}\n{}",
                watch.text()
            );
        }
        let status = watch.wait_exit();
        let committed = hammer.stop();
        Some((status, watch.text(), committed, db))
    })
    .await
    .unwrap();
    lab.shutdown().await;
    let Some((status, text, committed, db)) = outcome else {
        return;
    };
    assert_eq!(status.code(), Some(0), "{text}");
    assert!(committed > 0, "the competing writer committed nothing");
    assert!(!text.contains("failed"), "{text}");
    let scans = stored_scans(&db);
    assert_eq!(scans.len(), 5, "{scans:?}");
    for scan in &scans {
        assert_eq!(scan["status"], "complete", "{scan}");
        assert_eq!(scan["observations"], scans[0]["observations"], "{scan}");
    }
    let store = Store::open_read_only(&Database::Sqlite(db)).unwrap();
    for scan in &scans {
        let id = certatlas::store::ScanId(scan["id"].as_i64().unwrap());
        assert!(store.finding_run(id).unwrap().is_some(), "scan {id} judged");
        assert!(store.has_score(id).unwrap(), "scan {id} scored");
    }
}

/// Runs certatlas with `args`, as uid/gid 65534 when `as_nobody`.
fn run_as(binary: &Path, as_nobody: bool, args: &[&str]) -> Output {
    let mut command = match as_nobody {
        true => {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
            c.arg(binary);
            c
        }
        false => Command::new(binary),
    };
    command
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("CERTATLAS_DB")
        .env("HOME", "/nonexistent")
        .output()
        .expect("certatlas runs")
}

/// Whether `path` can be appended to by the identity the commands run as.
fn can_write(path: &Path, as_nobody: bool) -> bool {
    match as_nobody {
        true => Command::new("setpriv")
            .args([
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "sh",
                "-c",
            ])
            .arg("printf x >> \"$1\"")
            .args(["sh", path.to_str().unwrap()])
            .stderr(Stdio::null())
            .status()
            .expect("setpriv runs")
            .success(),
        false => std::fs::OpenOptions::new().append(true).open(path).is_ok(),
    }
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The files in `dir`, by name.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_copy_answers_every_read_command_as_a_user_who_cannot_write_it() {
    let lab = common::lab().await;
    let targets: Vec<String> = ["good-ecdsa", "expired"]
        .iter()
        .map(|name| lab.case(name).unwrap().address.to_string())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("inventory.db");
    let db_arg = original.to_str().unwrap().to_string();
    let mut scan: Vec<String> = [
        "--clock",
        "2026-06-01T12:00:00Z",
        "scan",
        "--db",
        &db_arg,
        "--quiet",
    ]
    .map(String::from)
    .to_vec();
    scan.extend(targets);
    let out = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = scan.iter().map(String::as_str).collect();
        common::certatlas(&args)
    })
    .await
    .unwrap();
    lab.shutdown().await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The copy an auditor gets: the database file alone (checkpointed).
    let conn = rusqlite::Connection::open(&original).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    drop(conn);
    let as_nobody = running_as_root();
    let shared = dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    let binary = shared.join("certatlas");
    std::fs::copy(env!("CARGO_BIN_EXE_certatlas"), &binary).unwrap();
    let copy_dir = shared.join("copy");
    std::fs::create_dir(&copy_dir).unwrap();
    let copy = copy_dir.join("inventory.db");
    std::fs::copy(&original, &copy).unwrap();
    chmod(&copy, 0o444);
    chmod(&copy_dir, 0o555);
    chmod(&shared, 0o755);
    chmod(dir.path(), 0o755);
    assert!(
        !can_write(&copy, as_nobody),
        "the reader could write the copy: the test would prove nothing"
    );
    assert!(
        !can_write(&copy_dir.join("new-file"), as_nobody),
        "the reader could write the directory"
    );
    let bytes = std::fs::read(&copy).unwrap();
    let listing = names(&copy_dir);
    let copy_arg = copy.to_str().unwrap();
    let commands: [&[&str]; 5] = [
        &["scans", "--format", "json"],
        &["inventory", "--format", "json"],
        &["findings", "--format", "json"],
        &["score", "--format", "json"],
        &["metrics"],
    ];
    for command in commands {
        let with = |db: &str| {
            let mut args = vec!["--clock", "2026-06-02T12:00:00Z"];
            args.extend_from_slice(command);
            args.extend(["--db", db]);
            args.iter().map(|s| s.to_string()).collect::<Vec<_>>()
        };
        let args = with(&db_arg);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let expected = run_as(&binary, false, &args);
        let stderr = String::from_utf8_lossy(&expected.stderr);
        assert!(
            expected.status.success(),
            "{command:?} on the original: {stderr}"
        );
        let args = with(copy_arg);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let got = run_as(&binary, as_nobody, &args);
        let stderr = String::from_utf8_lossy(&got.stderr);
        assert_eq!(
            got.status.code(),
            Some(0),
            "{command:?} on the copy: {stderr}"
        );
        let expected = String::from_utf8_lossy(&expected.stdout).replace(&db_arg, "DB");
        let got = String::from_utf8_lossy(&got.stdout).replace(copy_arg, "DB");
        assert!(!got.is_empty(), "{command:?} printed nothing");
        assert_eq!(
            got, expected,
            "{command:?}: the copy answers as the original"
        );
    }
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        bytes,
        "the copy's bytes changed"
    );
    assert_eq!(names(&copy_dir), listing, "no -wal or -shm file appeared");
    chmod(&copy_dir, 0o755);
}

/// True when the test runs as root (who ignores file modes): the commands
/// then run as an unprivileged uid.
fn running_as_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("id runs");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}
