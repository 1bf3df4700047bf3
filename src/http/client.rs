//! The revocation stage's HTTP client: one bounded GET or POST to a URL
//! taken from a certificate. `http://` only (OCSP and CRL locations are
//! plain HTTP by design: the answers are signed), HTTP/1.1 through
//! hyper's connection-level client over a TCP stream this module opens
//! itself, so that a `--resolve` pairing (or a `name@address` target)
//! decides the address before DNS is asked. Each request is bounded in
//! time (connection, request and body under one deadline), in bytes (the
//! body is read frame by frame and abandoned past the limit) and in
//! concurrency per host (a semaphore per `host:port`). Redirects are not
//! followed. Every request is counted, for the benchmark and the summary.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use crate::targets::Pairings;

/// Why a fetch brought no body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The URL is not an `http://` URL with a host.
    #[error("not an http:// URL with a host")]
    Unsupported,
    /// The host name did not resolve (nor is it paired).
    #[error("name resolution failed: {0}")]
    Resolve(String),
    /// No connection could be made.
    #[error("connection failed: {0}")]
    Connect(String),
    /// The exchange failed after connecting.
    #[error("HTTP exchange failed: {0}")]
    Exchange(String),
    /// The server answered with a status other than 200.
    #[error("HTTP status {0}")]
    Status(u16),
    /// The body is larger than allowed.
    #[error("response over {0} bytes")]
    TooLarge(usize),
    /// The whole request took longer than allowed.
    #[error("no complete answer within {0:?}")]
    Timeout(Duration),
}

/// What kind of request: counted apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchKind {
    /// An OCSP request (GET or POST).
    Ocsp,
    /// A CRL download.
    Crl,
}

/// How many requests were sent, by kind.
#[derive(Debug, Default)]
pub struct FetchCounts {
    ocsp: AtomicU64,
    crl: AtomicU64,
}

impl FetchCounts {
    /// OCSP requests sent.
    pub fn ocsp(&self) -> u64 {
        self.ocsp.load(Ordering::Relaxed)
    }

    /// CRL downloads started.
    pub fn crl(&self) -> u64 {
        self.crl.load(Ordering::Relaxed)
    }
}

/// Bounds of one fetch.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Deadline for the whole request (connect, send, headers, body).
    pub timeout: Duration,
    /// Largest body accepted.
    pub max_bytes: usize,
}

/// The client: address pairings, per-host limits, counters.
pub struct Fetcher {
    pairings: Arc<Pairings>,
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
    counts: FetchCounts,
}

impl Fetcher {
    /// A client honouring `pairings`, with at most `per_host` requests at
    /// once to one `host:port`.
    pub fn new(pairings: Arc<Pairings>, per_host: usize) -> Fetcher {
        Fetcher {
            pairings,
            per_host: per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
            counts: FetchCounts::default(),
        }
    }

    /// The requests sent so far.
    pub fn counts(&self) -> &FetchCounts {
        &self.counts
    }

    /// GETs `url`.
    pub async fn get(
        &self,
        kind: FetchKind,
        url: &str,
        bounds: Bounds,
    ) -> Result<Vec<u8>, FetchError> {
        self.fetch(kind, Method::GET, url, None, bounds).await
    }

    /// POSTs `body` (an OCSP request) to `url`.
    pub async fn post_ocsp(
        &self,
        url: &str,
        body: Vec<u8>,
        bounds: Bounds,
    ) -> Result<Vec<u8>, FetchError> {
        self.fetch(FetchKind::Ocsp, Method::POST, url, Some(body), bounds)
            .await
    }

    async fn fetch(
        &self,
        kind: FetchKind,
        method: Method,
        url: &str,
        body: Option<Vec<u8>>,
        bounds: Bounds,
    ) -> Result<Vec<u8>, FetchError> {
        let uri: Uri = url.parse().map_err(|_| FetchError::Unsupported)?;
        if uri.scheme_str() != Some("http") {
            return Err(FetchError::Unsupported);
        }
        let host = uri.host().ok_or(FetchError::Unsupported)?.to_string();
        let port = uri.port_u16().unwrap_or(80);
        let gate = self.gate(&host, port);
        let _permit = gate.acquire().await.map_err(|_| FetchError::Unsupported)?;
        match kind {
            FetchKind::Ocsp => self.counts.ocsp.fetch_add(1, Ordering::Relaxed),
            FetchKind::Crl => self.counts.crl.fetch_add(1, Ordering::Relaxed),
        };
        let exchange = self.exchange(method, &uri, &host, port, body, bounds.max_bytes);
        match tokio::time::timeout(bounds.timeout, exchange).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout(bounds.timeout)),
        }
    }

    /// The semaphore of `host:port`.
    fn gate(&self, host: &str, port: u16) -> Arc<Semaphore> {
        let mut hosts = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
        let key = format!("{}:{port}", host.to_ascii_lowercase());
        hosts
            .entry(key)
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
            .clone()
    }

    /// Connects (pairing first), sends one request, reads a bounded body.
    async fn exchange(
        &self,
        method: Method,
        uri: &Uri,
        host: &str,
        port: u16,
        body: Option<Vec<u8>>,
        max_bytes: usize,
    ) -> Result<Vec<u8>, FetchError> {
        let stream = self.connect(host, port).await?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| FetchError::Exchange(e.to_string()))?;
        let driver = tokio::spawn(connection);
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let host_header = match port {
            80 => host.to_string(),
            other => format!("{host}:{other}"),
        };
        let mut builder = Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, host_header)
            .header(
                hyper::header::USER_AGENT,
                concat!("certatlas/", env!("CARGO_PKG_VERSION")),
            )
            .header(hyper::header::CONNECTION, "close");
        if body.is_some() {
            builder = builder.header(hyper::header::CONTENT_TYPE, "application/ocsp-request");
        }
        let request = builder
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| FetchError::Exchange(e.to_string()))?;
        let result = read_response(&mut sender, request, max_bytes).await;
        driver.abort();
        result
    }

    /// A TCP connection to the first address of `host` that answers.
    async fn connect(&self, host: &str, port: u16) -> Result<TcpStream, FetchError> {
        let addresses = self.addresses(host, port).await?;
        let mut last = String::from("no address");
        for address in addresses {
            match TcpStream::connect(SocketAddr::new(address, port)).await {
                Ok(stream) => return Ok(stream),
                Err(e) => last = format!("{address}:{port}: {e}"),
            }
        }
        Err(FetchError::Connect(last))
    }

    /// The pairing's addresses, else the literal address, else DNS.
    async fn addresses(&self, host: &str, port: u16) -> Result<Vec<IpAddr>, FetchError> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(address) = bare.parse::<IpAddr>() {
            return Ok(vec![address]);
        }
        if let Some(paired) = self.pairings.addresses(host, port) {
            return Ok(paired);
        }
        let found = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| FetchError::Resolve(e.to_string()))?;
        Ok(found.map(|a| a.ip()).collect())
    }
}

/// Sends `request` and reads a 200 answer's body up to `max_bytes`.
async fn read_response(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    request: Request<Full<Bytes>>,
    max_bytes: usize,
) -> Result<Vec<u8>, FetchError> {
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| FetchError::Exchange(e.to_string()))?;
    if response.status() != hyper::StatusCode::OK {
        return Err(FetchError::Status(response.status().as_u16()));
    }
    let declared = response
        .headers()
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > max_bytes) {
        return Err(FetchError::TooLarge(max_bytes));
    }
    let mut body = response.into_body();
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| FetchError::Exchange(e.to_string()))?;
        if let Some(data) = frame.data_ref() {
            if out.len() + data.len() > max_bytes {
                return Err(FetchError::TooLarge(max_bytes));
            }
            out.extend_from_slice(data);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A server on 127.0.0.1:0 that reads a request head, then writes
    /// `answer` (or nothing, keeping the connection open, when `None`).
    async fn server(answer: Option<Vec<u8>>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let answer = answer.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    match answer {
                        Some(bytes) => {
                            let _ = stream.write_all(&bytes).await;
                        }
                        None => {
                            let _ = stream.read(&mut buf).await;
                        }
                    }
                });
            }
        });
        format!("http://{address}/x.crl")
    }

    fn fetcher() -> Fetcher {
        Fetcher::new(Arc::new(Pairings::default()), 2)
    }

    const BOUNDS: Bounds = Bounds {
        timeout: Duration::from_millis(300),
        max_bytes: 1000,
    };

    #[tokio::test]
    async fn a_server_that_never_answers_costs_one_deadline() {
        let url = server(None).await;
        let result = fetcher().get(FetchKind::Crl, &url, BOUNDS).await;
        assert_eq!(result, Err(FetchError::Timeout(BOUNDS.timeout)));
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused_declared_or_chunked() {
        let declared = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n".to_vec();
        let url = server(Some(declared)).await;
        let result = fetcher().get(FetchKind::Crl, &url, BOUNDS).await;
        assert_eq!(result, Err(FetchError::TooLarge(1000)));
        let mut chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        for _ in 0..3 {
            chunked.extend_from_slice(b"190\r\n");
            chunked.extend_from_slice(&[b'a'; 400]);
            chunked.extend_from_slice(b"\r\n");
        }
        chunked.extend_from_slice(b"0\r\n\r\n");
        let url = server(Some(chunked)).await;
        let result = fetcher().get(FetchKind::Crl, &url, BOUNDS).await;
        assert_eq!(result, Err(FetchError::TooLarge(1000)));
    }

    #[tokio::test]
    async fn a_body_within_the_limit_arrives_whole_and_is_counted() {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc".to_vec();
        let url = server(Some(ok)).await;
        let fetcher = fetcher();
        let body = fetcher.get(FetchKind::Crl, &url, BOUNDS).await;
        assert_eq!(body, Ok(b"abc".to_vec()));
        assert_eq!((fetcher.counts().crl(), fetcher.counts().ocsp()), (1, 0));
        let missing = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec();
        let url = server(Some(missing)).await;
        let result = fetcher.get(FetchKind::Crl, &url, BOUNDS).await;
        assert_eq!(result, Err(FetchError::Status(404)));
    }

    #[tokio::test]
    async fn a_paired_name_connects_to_its_address_without_dns() {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec();
        let url = server(Some(ok)).await;
        let port = url.rsplit(':').next().unwrap().split('/').next().unwrap();
        let pairing = crate::targets::parse_resolve_in(
            "crl.test:127.0.0.1",
            &crate::targets::Origin::Unspecified,
        )
        .unwrap();
        let fetcher = Fetcher::new(Arc::new(Pairings::new([pairing])), 1);
        let url = format!("http://crl.test:{port}/x.crl");
        assert_eq!(
            fetcher.get(FetchKind::Crl, &url, BOUNDS).await,
            Ok(b"ok".to_vec())
        );
        let https = fetcher
            .get(FetchKind::Crl, "https://crl.test/x", BOUNDS)
            .await;
        assert_eq!(https, Err(FetchError::Unsupported));
    }
}
