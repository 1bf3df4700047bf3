//! The small HTTP/1.1 server: serves a handler (method and path → a
//! [`Reply`]) on a bound listener until shut down. Request bodies are not
//! read; a handler answers from the request line alone.
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

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ALLOW, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

pub use hyper::{Method, StatusCode};

/// Longest wait for connections to finish at shutdown.
pub const GRACE: Duration = Duration::from_secs(5);
const MAX_CONNECTIONS: usize = 32;
const MAX_HEAD_BYTES: usize = 8 * 1024;
const MAX_HEADERS: usize = 64;
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// What a handler answers: a status, a content type, the methods allowed
/// (sent as `Allow`, for a 405) and a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status code.
    pub status: StatusCode,
    /// The `Content-Type` header.
    pub content_type: &'static str,
    /// The `Allow` header, when there is one.
    pub allow: Option<&'static str>,
    /// The body (sent without it for `HEAD`, by hyper).
    pub body: Bytes,
}

impl Reply {
    /// A reply of `status` with `body` of type `content_type`.
    pub fn new(status: StatusCode, content_type: &'static str, body: Bytes) -> Reply {
        Reply {
            status,
            content_type,
            allow: None,
            body,
        }
    }

    /// The same reply with an `Allow` header of `methods`.
    pub fn allowing(self, methods: &'static str) -> Reply {
        Reply {
            allow: Some(methods),
            ..self
        }
    }

    fn into_response(self) -> Response<Full<Bytes>> {
        let mut response = Response::new(Full::new(self.body));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(self.content_type));
        if let Some(methods) = self.allow {
            headers.insert(ALLOW, HeaderValue::from_static(methods));
        }
        response
    }
}

/// The request line → the reply, called once per request.
pub type Handler = Arc<dyn Fn(&Method, &str) -> Reply + Send + Sync>;

/// A running server.
pub struct Server {
    addr: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<()>,
}

impl Server {
    /// Binds `addr` (port 0 picks one) and serves `handler` from now on.
    pub async fn start(addr: SocketAddr, handler: Handler) -> io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(accept_loop(listener, handler, shutdown.clone()));
        Ok(Server {
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

async fn accept_loop(listener: TcpListener, handler: Handler, shutdown: CancellationToken) {
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
                let (handler, shutdown) = (handler.clone(), shutdown.clone());
                connections.spawn(async move {
                    serve_connection(stream, handler, shutdown).await;
                    drop(permit);
                });
            }
            Err(e) => tracing::warn!("http listener: accept failed: {e}"),
        }
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let drained = async { while connections.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(GRACE, drained).await;
}

async fn serve_connection(stream: TcpStream, handler: Handler, shutdown: CancellationToken) {
    let service = service_fn(move |request: Request<Incoming>| {
        let response = handler(request.method(), request.uri().path()).into_response();
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
        tracing::debug!("http connection: {e}");
    }
}

#[cfg(test)]
mod tests;
