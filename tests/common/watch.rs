//! Running a long-lived certatlas (`watch`) in the background: its stderr
//! read line by line as it comes, signals, and its exit; plus a minimal
//! HTTP GET for scraping its metrics. Waits are on output lines and on the
//! process closing stderr (it exits), never on sleeps; every wait has a
//! generous deadline so a hung binary fails the test instead of hanging it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How long any wait may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// A certatlas process started by a test.
pub struct Running {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
    closed: bool,
}

impl Running {
    /// Starts certatlas with `args` (logs at the default level; `RUST_LOG`
    /// and proxy variables removed). `db` becomes `CERTATLAS_DB`, so
    /// nothing touches the user's data directory.
    pub fn spawn(args: &[&str], db: &Path) -> Running {
        let mut command = Command::new(env!("CARGO_BIN_EXE_certatlas"));
        for proxy in super::webhook::PROXY_VARIABLES {
            command.env_remove(proxy);
        }
        let mut child = command
            .args(args)
            .env_remove("RUST_LOG")
            .env("CERTATLAS_DB", db)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("certatlas starts");
        let stderr = child.stderr.take().expect("stderr piped");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
            closed: false,
        }
    }

    /// Waits for the next line containing `needle` and returns it.
    pub fn wait_for(&mut self, needle: &str) -> String {
        let until = Instant::now() + DEADLINE;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!("no line with {needle:?}: {:#?}", self.seen)
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.closed = true;
                    panic!("exited without a line with {needle:?}: {:#?}", self.seen)
                }
            }
        }
    }

    /// Sends `signal` (e.g. `libc::SIGTERM`) to the process.
    pub fn signal(&self, signal: i32) {
        let pid = i32::try_from(self.child.id()).expect("pid");
        // SAFETY: signalling our own child by its pid.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0, "kill");
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        self.signal(libc::SIGTERM);
    }

    /// Waits for the process to exit (its stderr closes), reading the rest
    /// of its lines; returns its status.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let until = Instant::now() + DEADLINE;
        while !self.closed {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(RecvTimeoutError::Disconnected) => self.closed = true,
                Err(RecvTimeoutError::Timeout) => panic!("did not exit: {:#?}", self.seen),
            }
        }
        self.child.wait().expect("wait")
    }

    /// Every stderr line read so far.
    pub fn lines(&self) -> &[String] {
        &self.seen
    }

    /// Every stderr line read so far, as one text.
    pub fn text(&self) -> String {
        self.seen.join("\n")
    }

    /// The address of `--metrics-listen`, from its `metrics at` line.
    pub fn metrics_addr(&mut self) -> SocketAddr {
        let line = self.wait_for("metrics at http://");
        let rest = line.split("http://").nth(1).expect("address");
        rest.trim_end_matches("/metrics")
            .parse()
            .expect("socket address")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// An HTTP response as read off the wire.
#[derive(Debug)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header lines, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl HttpResponse {
    /// The first header called `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// `GET path` over HTTP/1.1 with `Connection: close`.
pub fn http_get(addr: SocketAddr, path: &str) -> HttpResponse {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("response");
    let (head, body) = raw.split_once("\r\n\r\n").expect("head and body");
    let mut head = head.lines();
    let status = head
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .expect("status line");
    let headers = head
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    HttpResponse {
        status: status.parse().expect("status code"),
        headers,
        body: body.to_string(),
    }
}

/// The stored scans of `db` (`certatlas scans --format json`'s items).
pub fn stored_scans(db: &Path) -> Vec<serde_json::Value> {
    let out = super::certatlas(&["scans", "--db", db.to_str().unwrap(), "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    listing["items"].as_array().cloned().unwrap_or_default()
}

/// A scratch directory with an inventory path in it.
pub fn scratch_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("inventory.db");
    (dir, db)
}
