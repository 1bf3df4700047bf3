//! What revocation asks of HTTP: OCSP requests and CRL downloads through
//! the bounded client of [`crate::http::client`], at the address a
//! `--resolve` pairing (or a `name@address` target) names before DNS, and
//! counted by kind for the benchmark and the summary.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::http::client::{Addresses, Client, HttpUrl};
use crate::targets::Pairings;

pub use crate::http::client::{Bounds, FetchError};

/// The content type of a POSTed OCSP request (RFC 6960, appendix A.1).
const OCSP_REQUEST: &str = "application/ocsp-request";

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

    fn add(&self, kind: FetchKind) {
        match kind {
            FetchKind::Ocsp => self.ocsp.fetch_add(1, Ordering::Relaxed),
            FetchKind::Crl => self.crl.fetch_add(1, Ordering::Relaxed),
        };
    }
}

/// The pairings as the client's pinned addresses.
struct Paired(Arc<Pairings>);

impl Addresses for Paired {
    fn pinned(&self, host: &str, port: u16) -> Option<Vec<IpAddr>> {
        self.0.addresses(host, port)
    }
}

/// The revocation stage's client: pairings, per-host limits, counters.
pub struct Fetcher {
    client: Client,
    counts: FetchCounts,
}

impl Fetcher {
    /// A client honouring `pairings`, with at most `per_host` requests at
    /// once to one `host:port`.
    pub fn new(pairings: Arc<Pairings>, per_host: usize) -> Fetcher {
        Fetcher {
            client: Client::new(Arc::new(Paired(pairings)), per_host),
            counts: FetchCounts::default(),
        }
    }

    /// The requests sent so far.
    pub fn counts(&self) -> &FetchCounts {
        &self.counts
    }

    /// GETs `url`; counted once it is an `http://` URL.
    pub async fn get(
        &self,
        kind: FetchKind,
        url: &str,
        bounds: Bounds,
    ) -> Result<Vec<u8>, FetchError> {
        let url = HttpUrl::parse(url)?;
        self.counts.add(kind);
        self.client.get(&url, bounds).await
    }

    /// POSTs `body` (an OCSP request) to `url`; counted once it is an
    /// `http://` URL.
    pub async fn post_ocsp(
        &self,
        url: &str,
        body: Vec<u8>,
        bounds: Bounds,
    ) -> Result<Vec<u8>, FetchError> {
        let url = HttpUrl::parse(url)?;
        self.counts.add(FetchKind::Ocsp);
        self.client.post(&url, OCSP_REQUEST, body, bounds).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A server on 127.0.0.1:0 answering every request head with `answer`.
    async fn server(answer: &'static [u8]) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => head.extend_from_slice(&buf[..n]),
                        }
                    }
                    let _ = stream.write_all(answer).await;
                });
            }
        });
        port
    }

    const BOUNDS: Bounds = Bounds {
        timeout: Duration::from_secs(30),
        max_bytes: 1000,
    };

    #[tokio::test]
    async fn a_paired_name_is_fetched_at_its_address_and_counted_by_kind() {
        let port = server(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").await;
        let pairing = crate::targets::parse_resolve_in(
            "crl.test:127.0.0.1",
            &crate::targets::Origin::Unspecified,
        )
        .unwrap();
        let fetcher = Fetcher::new(Arc::new(Pairings::new([pairing])), 1);
        let url = format!("http://crl.test:{port}/x.crl");
        let body = fetcher.get(FetchKind::Crl, &url, BOUNDS).await;
        assert_eq!(body, Ok(b"ok".to_vec()));
        let posted = fetcher.post_ocsp(&url, vec![0x30, 0], BOUNDS).await;
        assert_eq!(posted, Ok(b"ok".to_vec()));
        assert_eq!((fetcher.counts().crl(), fetcher.counts().ocsp()), (1, 1));
    }

    #[tokio::test]
    async fn a_url_that_is_not_http_is_refused_and_not_counted() {
        let fetcher = Fetcher::new(Arc::new(Pairings::default()), 1);
        let https = fetcher
            .get(FetchKind::Crl, "https://crl.test/x", BOUNDS)
            .await;
        assert_eq!(https, Err(FetchError::Unsupported));
        let ftp = fetcher.post_ocsp("ftp://ocsp.test/", vec![], BOUNDS).await;
        assert_eq!(ftp, Err(FetchError::Unsupported));
        assert_eq!((fetcher.counts().crl(), fetcher.counts().ocsp()), (0, 0));
    }
}
