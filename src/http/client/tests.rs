//! The client against raw TCP servers on 127.0.0.1:0 that answer fixed
//! bytes: deadlines, body limits, status, pinned names, the POST's head.

use super::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// A server on 127.0.0.1:0 that reads a request head (and `body_len`
/// more bytes), sends what it read on the returned channel, then writes
/// `answer` (or nothing, keeping the connection open, when `None`).
async fn server(
    answer: Option<Vec<u8>>,
    body_len: usize,
) -> (String, mpsc::UnboundedReceiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (seen, heard) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (answer, seen) = (answer.clone(), seen.clone());
            tokio::spawn(async move {
                let mut read = Vec::new();
                let mut buf = [0u8; 1024];
                let complete = |read: &[u8]| {
                    read.windows(4)
                        .position(|w| w == b"\r\n\r\n")
                        .is_some_and(|at| read.len() >= at + 4 + body_len)
                };
                while !complete(&read) {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => read.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = seen.send(read);
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
    (format!("http://{address}/x.crl"), heard)
}

/// Pins nothing: literal addresses and DNS only.
struct NoPins;

impl Addresses for NoPins {
    fn pinned(&self, _host: &str, _port: u16) -> Option<Vec<IpAddr>> {
        None
    }
}

/// Pins every name to 127.0.0.1.
struct Loopback;

impl Addresses for Loopback {
    fn pinned(&self, _host: &str, _port: u16) -> Option<Vec<IpAddr>> {
        Some(vec![IpAddr::from([127, 0, 0, 1])])
    }
}

fn client() -> Client {
    Client::new(Arc::new(NoPins), 2)
}

fn url(text: &str) -> HttpUrl {
    HttpUrl::parse(text).unwrap()
}

const BOUNDS: Bounds = Bounds {
    timeout: Duration::from_millis(300),
    max_bytes: 1000,
};

#[tokio::test]
async fn a_server_that_never_answers_costs_one_deadline() {
    let (at, _) = server(None, 0).await;
    let result = client().get(&url(&at), BOUNDS).await;
    assert_eq!(result, Err(FetchError::Timeout(BOUNDS.timeout)));
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_declared_or_chunked() {
    let declared = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n".to_vec();
    let (at, _) = server(Some(declared), 0).await;
    let result = client().get(&url(&at), BOUNDS).await;
    assert_eq!(result, Err(FetchError::TooLarge(1000)));
    let mut chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..3 {
        chunked.extend_from_slice(b"190\r\n");
        chunked.extend_from_slice(&[b'a'; 400]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let (at, _) = server(Some(chunked), 0).await;
    let result = client().get(&url(&at), BOUNDS).await;
    assert_eq!(result, Err(FetchError::TooLarge(1000)));
}

#[tokio::test]
async fn a_body_within_the_limit_arrives_whole_and_only_a_200_counts() {
    let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc".to_vec();
    let (at, _) = server(Some(ok), 0).await;
    let client = client();
    assert_eq!(client.get(&url(&at), BOUNDS).await, Ok(b"abc".to_vec()));
    let missing = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec();
    let (at, _) = server(Some(missing), 0).await;
    let result = client.get(&url(&at), BOUNDS).await;
    assert_eq!(result, Err(FetchError::Status(404)));
}

#[tokio::test]
async fn a_pinned_name_connects_to_its_address_without_dns() {
    let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".to_vec();
    let (at, mut heard) = server(Some(ok), 0).await;
    let port = at.rsplit(':').next().unwrap().split('/').next().unwrap();
    let client = Client::new(Arc::new(Loopback), 1);
    let named = url(&format!("http://crl.test:{port}/x.crl"));
    assert_eq!(client.get(&named, BOUNDS).await, Ok(b"ok".to_vec()));
    let head = String::from_utf8(heard.recv().await.unwrap()).unwrap();
    assert!(head.starts_with("GET /x.crl HTTP/1.1\r\n"), "{head}");
    assert!(
        head.contains(&format!("host: crl.test:{port}\r\n")),
        "{head}"
    );
}

#[tokio::test]
async fn a_post_sends_its_content_type_and_body() {
    let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nr".to_vec();
    let (at, mut heard) = server(Some(ok), 4).await;
    let body = b"\x30\x03\x02\x01".to_vec();
    let answer = client()
        .post(&url(&at), "application/ocsp-request", body.clone(), BOUNDS)
        .await;
    assert_eq!(answer, Ok(b"r".to_vec()));
    let read = heard.recv().await.unwrap();
    let head = String::from_utf8_lossy(&read).to_string();
    assert!(head.starts_with("POST /x.crl HTTP/1.1\r\n"), "{head}");
    assert!(
        head.contains("content-type: application/ocsp-request\r\n"),
        "{head}"
    );
    assert!(read.ends_with(&body), "{head}");
}

#[test]
fn only_http_urls_with_a_host_are_fetched() {
    for refused in [
        "https://crl.test/x",
        "ftp://crl.test/x",
        "/x.crl",
        "not a url",
    ] {
        assert!(
            matches!(HttpUrl::parse(refused), Err(FetchError::Unsupported)),
            "{refused}"
        );
    }
    assert_eq!(url("http://crl.test/x").port, 80);
    assert_eq!(url("http://crl.test:8080/x").port, 8080);
}
