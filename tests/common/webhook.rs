//! A local webhook receiver on 127.0.0.1 (port 0) for the alert tests: it
//! records every request, can answer 500 to the first ones, and lets a test
//! wait (with a deadline, never a sleep) until a number of requests came;
//! plus a config declaring the lab's approved root and one webhook.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

use certatlas::demo::Lab;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::watch::DEADLINE;

/// One request the receiver got, and the status it answered.
#[derive(Debug, Clone)]
pub struct Received {
    /// The JSON body.
    pub body: Value,
    /// The `X-Certatlas-Attempt` header.
    pub attempt: String,
    /// The `Authorization` header (lowercased).
    pub authorization: String,
    /// The status answered.
    pub answered: u16,
}

/// The requests so far, and a condition signalled on each new one.
type Log = Arc<(Mutex<Vec<Received>>, Condvar)>;

/// A local webhook receiver answering 500 to its first `failures` requests.
pub struct Receiver {
    /// `http://127.0.0.1:PORT/hook`.
    pub url: String,
    log: Log,
}

impl Receiver {
    /// Starts accepting on a free loopback port (a task of the runtime).
    pub async fn start(failures: usize) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let log: Log = Arc::default();
        let record = log.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let record = record.clone();
                tokio::spawn(async move { answer(stream, record, failures).await });
            }
        });
        Receiver { url, log }
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Received> {
        self.log.0.lock().unwrap().clone()
    }

    /// The `key` of every request so far.
    pub fn keys(&self) -> Vec<String> {
        let requests = self.requests();
        requests
            .iter()
            .map(|r| r.body["key"].as_str().unwrap().to_string())
            .collect()
    }

    /// Blocks until at least `count` requests came (the test fails after
    /// [`DEADLINE`]); returns them all.
    pub fn wait_for(&self, count: usize) -> Vec<Received> {
        let (requests, arrived) = &*self.log;
        let guard = requests.lock().unwrap();
        let (guard, timeout) = arrived
            .wait_timeout_while(guard, DEADLINE, |r| r.len() < count)
            .unwrap();
        assert!(!timeout.timed_out(), "{count} requests expected: {guard:?}");
        guard.clone()
    }
}

/// Reads one HTTP/1.1 request (head, then Content-Length bytes), records
/// it and answers.
async fn answer(mut stream: TcpStream, log: Log, failures: usize) {
    let Some((head, body)) = read_request(&mut stream).await else {
        return;
    };
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_string))
            .unwrap_or_default()
    };
    let answered = {
        let mut seen = log.0.lock().unwrap();
        let answered = if seen.len() < failures { 500 } else { 204 };
        seen.push(Received {
            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            attempt: header("x-certatlas-attempt"),
            authorization: header("authorization"),
            answered,
        });
        log.1.notify_all();
        answered
    };
    let reply = format!("HTTP/1.1 {answered} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    let _ = stream.write_all(reply.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// The request's head (lowercased) and body; `None` on a cut or oversized
/// request.
async fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut data = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        match stream.read(&mut chunk).await {
            Ok(n) if n > 0 && data.len() + n < 1 << 20 => data.extend_from_slice(&chunk[..n]),
            _ => return None,
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while data.len() < head_end + length {
        match stream.read(&mut chunk).await {
            Ok(n) if n > 0 => data.extend_from_slice(&chunk[..n]),
            _ => return None,
        }
    }
    Some((head, data[head_end..head_end + length].to_vec()))
}

/// A config declaring the lab's approved root and `webhook` (TOML keys).
pub fn write_config(dir: &Path, lab: &Lab, webhook: &str) -> PathBuf {
    super::write_lab_config(dir, lab, &format!("[[alerts.webhook]]\n{webhook}\n"))
}

/// Proxy variables removed from certatlas's environment, so webhook posts
/// to 127.0.0.1 go there directly.
pub const PROXY_VARIABLES: [&str; 6] = [
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
];
