//! The server on 127.0.0.1:0 spoken to over raw TCP: the handler's reply
//! on the wire, `HEAD` without a body, the header-count limit, and a
//! shutdown that refuses new connections.

use super::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Answers `/hello` to GET and HEAD, 405 to other methods, 404 elsewhere.
fn hello() -> Handler {
    Arc::new(|method: &Method, path: &str| {
        if path != "/hello" {
            return Reply::new(StatusCode::NOT_FOUND, "text/plain", Bytes::new());
        }
        if method != Method::GET && method != Method::HEAD {
            return Reply::new(StatusCode::METHOD_NOT_ALLOWED, "text/plain", Bytes::new())
                .allowing("GET, HEAD");
        }
        Reply::new(StatusCode::OK, "text/x-hello", Bytes::from_static(b"hi\n"))
    })
}

/// Sends `request` raw and reads the whole answer (the request asks the
/// server to close).
async fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    String::from_utf8_lossy(&answer).to_string()
}

async fn started() -> Server {
    Server::start("127.0.0.1:0".parse().unwrap(), hello())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_handlers_reply_is_what_the_wire_carries() {
    let server = started().await;
    let addr = server.local_addr();
    assert_ne!(addr.port(), 0);
    let ok = exchange(
        addr,
        b"GET /hello HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
    assert!(ok.contains("content-type: text/x-hello\r\n"), "{ok}");
    assert!(ok.ends_with("\r\n\r\nhi\n"), "{ok}");
    let head = exchange(
        addr,
        b"HEAD /hello HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.ends_with("\r\n\r\n"), "HEAD has no body: {head}");
    let post = exchange(
        addr,
        b"POST /hello HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert!(post.starts_with("HTTP/1.1 405 "), "{post}");
    assert!(post.contains("allow: GET, HEAD\r\n"), "{post}");
    let missing = exchange(
        addr,
        b"GET /x HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert!(missing.starts_with("HTTP/1.1 404 "), "{missing}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_head_with_too_many_headers_is_refused_with_431() {
    let server = started().await;
    let mut request = b"GET /hello HTTP/1.1\r\nhost: x\r\n".to_vec();
    for n in 0..MAX_HEADERS {
        request.extend_from_slice(format!("x-{n}: y\r\n").as_bytes());
    }
    request.extend_from_slice(b"connection: close\r\n\r\n");
    assert!(request.len() < 2048, "small enough to be read whole");
    let answer = exchange(server.local_addr(), &request).await;
    assert!(answer.starts_with("HTTP/1.1 431 "), "{answer}");
    server.shutdown().await;
}

#[tokio::test]
async fn after_shutdown_nothing_listens() {
    let server = started().await;
    let addr = server.local_addr();
    server.shutdown().await;
    assert!(TcpStream::connect(addr).await.is_err());
}
