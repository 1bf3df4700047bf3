//! The bounded HTTP/1.1 client: one GET or POST to an `http://` URL, over
//! hyper's connection-level client on a TCP stream this module opens
//! itself, so that the caller's pinned addresses ([`Addresses`]: a
//! `--resolve` pairing, a `name@address` target) decide where to connect
//! before DNS is asked. Each request is bounded in time (connection,
//! request and body under one deadline), in bytes (the body is read frame
//! by frame and abandoned past the limit) and in concurrency per host (a
//! semaphore per `host:port`). Redirects are not followed; only a 200
//! answer brings a body.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

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

/// Bounds of one fetch.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Deadline for the whole request (connect, send, headers, body).
    pub timeout: Duration,
    /// Largest body accepted.
    pub max_bytes: usize,
}

/// Addresses the caller pins for a host name, asked before DNS.
pub trait Addresses: Send + Sync {
    /// The addresses to connect to for `host:port`, or `None` to ask DNS.
    fn pinned(&self, host: &str, port: u16) -> Option<Vec<IpAddr>>;
}

/// An `http://` URL with a host, checked before anything is sent.
#[derive(Debug, Clone)]
pub struct HttpUrl {
    uri: Uri,
    host: String,
    port: u16,
}

impl HttpUrl {
    /// Parses `url`; anything but `http://` with a host is
    /// [`FetchError::Unsupported`].
    pub fn parse(url: &str) -> Result<HttpUrl, FetchError> {
        let uri: Uri = url.parse().map_err(|_| FetchError::Unsupported)?;
        if uri.scheme_str() != Some("http") {
            return Err(FetchError::Unsupported);
        }
        let host = uri.host().ok_or(FetchError::Unsupported)?.to_string();
        let port = uri.port_u16().unwrap_or(80);
        Ok(HttpUrl { uri, host, port })
    }
}

/// The client: pinned addresses and per-host limits.
pub struct Client {
    addresses: Arc<dyn Addresses>,
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Client {
    /// A client connecting where `addresses` pins a name (else DNS), with
    /// at most `per_host` requests at once to one `host:port`.
    pub fn new(addresses: Arc<dyn Addresses>, per_host: usize) -> Client {
        Client {
            addresses,
            per_host: per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// GETs `url`.
    pub async fn get(&self, url: &HttpUrl, bounds: Bounds) -> Result<Vec<u8>, FetchError> {
        self.fetch(Method::GET, url, None, bounds).await
    }

    /// POSTs `body` of type `content_type` to `url`.
    pub async fn post(
        &self,
        url: &HttpUrl,
        content_type: &'static str,
        body: Vec<u8>,
        bounds: Bounds,
    ) -> Result<Vec<u8>, FetchError> {
        self.fetch(Method::POST, url, Some((content_type, body)), bounds)
            .await
    }

    async fn fetch(
        &self,
        method: Method,
        url: &HttpUrl,
        body: Option<(&'static str, Vec<u8>)>,
        bounds: Bounds,
    ) -> Result<Vec<u8>, FetchError> {
        let gate = self.gate(&url.host, url.port);
        let _permit = gate.acquire().await.map_err(|_| FetchError::Unsupported)?;
        let exchange = self.exchange(method, url, body, bounds.max_bytes);
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

    /// Connects (pinned addresses first), sends one request, reads a
    /// bounded body.
    async fn exchange(
        &self,
        method: Method,
        url: &HttpUrl,
        body: Option<(&'static str, Vec<u8>)>,
        max_bytes: usize,
    ) -> Result<Vec<u8>, FetchError> {
        let (host, port) = (url.host.as_str(), url.port);
        let stream = self.connect(host, port).await?;
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| FetchError::Exchange(e.to_string()))?;
        let driver = tokio::spawn(connection);
        let path = url.uri.path_and_query().map_or("/", |p| p.as_str());
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
        let body = match body {
            Some((content_type, body)) => {
                builder = builder.header(hyper::header::CONTENT_TYPE, content_type);
                body
            }
            None => Vec::new(),
        };
        let request = builder
            .body(Full::new(Bytes::from(body)))
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

    /// The literal address, else the pinned addresses, else DNS.
    async fn addresses(&self, host: &str, port: u16) -> Result<Vec<IpAddr>, FetchError> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(address) = bare.parse::<IpAddr>() {
            return Ok(vec![address]);
        }
        if let Some(pinned) = self.addresses.pinned(host, port) {
            return Ok(pinned);
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
mod tests;
