//! The page behind `watch --metrics-listen`: `GET /metrics` (and `HEAD`)
//! answers the latest rendered exposition, every other path 404 and other
//! methods on `/metrics` 405. Served by [`crate::http::server`], which owns
//! the connections, their limits and the graceful shutdown.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::watch;

use crate::http::server::{Handler, Method, Reply, Server, StatusCode};

/// The content type of the text exposition format.
pub(super) const CONTENT_TYPE_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";
const CONTENT_TYPE_PLAIN: &str = "text/plain; charset=utf-8";

/// The exposition served, replaced after every run.
pub(super) type MetricsText = watch::Receiver<Arc<str>>;

/// A running metrics server.
pub(super) struct MetricsServer {
    server: Server,
}

impl MetricsServer {
    /// Binds `addr` (port 0 picks one) and serves `text` from now on.
    pub async fn start(addr: SocketAddr, text: MetricsText) -> io::Result<MetricsServer> {
        let handler: Handler =
            Arc::new(move |method: &Method, path: &str| respond(method, path, &text));
        let server = Server::start(addr, handler).await?;
        Ok(MetricsServer { server })
    }

    /// The address bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// Stops accepting and waits (at most [`crate::http::server::GRACE`])
    /// for open connections.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// The reply to `method path`.
fn respond(method: &Method, path: &str, text: &MetricsText) -> Reply {
    if path != "/metrics" {
        return plain(
            StatusCode::NOT_FOUND,
            "not found: metrics are at /metrics\n",
        );
    }
    if method != Method::GET && method != Method::HEAD {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "use GET\n").allowing("GET, HEAD");
    }
    let body = Bytes::from(text.borrow().as_bytes().to_vec());
    Reply::new(StatusCode::OK, CONTENT_TYPE_TEXT, body)
}

fn plain(status: StatusCode, text: &'static str) -> Reply {
    Reply::new(
        status,
        CONTENT_TYPE_PLAIN,
        Bytes::from_static(text.as_bytes()),
    )
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
        assert_eq!(ok.status, StatusCode::OK);
        assert_eq!(ok.content_type, CONTENT_TYPE_TEXT);
        assert_eq!(ok.body, Bytes::from_static(b"certatlas_scan_id 7\n"));
        assert_eq!(
            respond(&Method::GET, "/", &served).status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            respond(&Method::GET, "/metrics/x", &served).status,
            StatusCode::NOT_FOUND
        );
        let post = respond(&Method::POST, "/metrics", &served);
        assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(post.allow, Some("GET, HEAD"));
    }
}
