//! The HTTP server behind `watch --metrics-listen`: `GET /metrics` (and
//! `HEAD`) answers the latest rendered exposition, every other path 404 and
//! other methods on `/metrics` 405. The only user of hyper, hyper-util and
//! http-body-util.
//!
//! Limits: request heads up to 8 KiB and 64 headers (431 beyond), 10 s to
//! send a head, at most 32 connections at once (more wait in the listen
//! backlog). Shutdown stops accepting, lets requests in flight finish, and
//! gives up on connections after [`GRACE`].

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, ALLOW, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

/// The content type of the text exposition format.
pub(super) const CONTENT_TYPE_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";
/// Longest wait for connections to finish at shutdown.
pub(super) const GRACE: Duration = Duration::from_secs(5);
const MAX_CONNECTIONS: usize = 32;
const MAX_HEAD_BYTES: usize = 8 * 1024;
const MAX_HEADERS: usize = 64;
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// The exposition served, replaced after every run.
pub(super) type MetricsText = watch::Receiver<Arc<str>>;

/// A running metrics server.
pub(super) struct MetricsServer {
    addr: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

impl MetricsServer {
    /// Binds `addr` (port 0 picks one) and serves `text` from now on.
    pub async fn start(addr: SocketAddr, text: MetricsText) -> io::Result<MetricsServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(accept_loop(listener, text, shutdown.clone()));
        Ok(MetricsServer {
            addr,
            shutdown,
            task,
        })
    }

    /// The address bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting and waits (at most [`GRACE`]) for open connections.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        let _ = self.task.await;
    }
}

async fn accept_loop(listener: TcpListener, text: MetricsText, shutdown: CancellationToken) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => permit,
            () = shutdown.cancelled() => break,
        };
        let Ok(permit) = permit else { break };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.cancelled() => break,
        };
        match accepted {
            Ok((stream, _)) => {
                let (text, shutdown) = (text.clone(), shutdown.clone());
                connections.spawn(async move {
                    serve_connection(stream, text, shutdown).await;
                    drop(permit);
                });
            }
            Err(e) => tracing::warn!("metrics listener: accept failed: {e}"),
        }
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let drained = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(GRACE, drained).await;
}

async fn serve_connection(stream: TcpStream, text: MetricsText, shutdown: CancellationToken) {
    let service = service_fn(move |request: Request<Incoming>| {
        let response = respond(request.method(), request.uri().path(), &text);
        async move { Ok::<_, Infallible>(response) }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .max_header_size(MAX_HEAD_BYTES)
        .max_headers(MAX_HEADERS);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let served = tokio::select! {
        served = connection.as_mut() => served,
        () = shutdown.cancelled() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(e) = served {
        tracing::debug!("metrics connection: {e}");
    }
}

/// The response to `method path`.
fn respond(method: &Method, path: &str, text: &MetricsText) -> Response<Full<Bytes>> {
    if path != "/metrics" {
        return plain(
            StatusCode::NOT_FOUND,
            "not found: metrics are at /metrics\n",
        );
    }
    if method != Method::GET && method != Method::HEAD {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "use GET\n");
        response
            .headers_mut()
            .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let body = Bytes::from(text.borrow().as_bytes().to_vec());
    let mut response = Response::new(Full::new(body));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE_TEXT));
    response
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(body: &str) -> MetricsText {
        watch::channel(Arc::from(body)).1
    }

    #[test]
    fn only_get_metrics_is_served() {
        let served = text("certatlas_scan_id 7\n");
        let ok = respond(&Method::GET, "/metrics", &served);
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.headers()[CONTENT_TYPE], CONTENT_TYPE_TEXT);
        assert_eq!(
            respond(&Method::GET, "/", &served).status(),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            respond(&Method::GET, "/metrics/x", &served).status(),
            StatusCode::NOT_FOUND
        );
        let post = respond(&Method::POST, "/metrics", &served);
        assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(post.headers()[ALLOW], "GET, HEAD");
    }
}
