//! The lab's network side: one accept loop per case, one task per connection, TLS handshakes
//! (or a plain-text banner) under a timeout, and cancellation that waits for every task.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinError, JoinSet};
use tokio_util::sync::CancellationToken;

use super::legacy_server::LegacyServer;
use super::starttls_server::serve_plaintext_phase;
use crate::probe::Dialect;
use crate::tls::server::{complete_handshake, ServerConfig};

/// Upper bound on one connection's life (handshake, or banner exchange), so nothing leaks.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause after a failed `accept` (e.g. out of file descriptors) so the loop cannot spin.
const ACCEPT_ERROR_BACKOFF: Duration = Duration::from_millis(50);

/// What a lab server does with each connection.
#[derive(Clone)]
pub(crate) enum Service {
    /// Complete a TLS handshake with this configuration, then close.
    Tls(Arc<ServerConfig>),
    /// Send this banner, then read and discard input until the peer closes.
    Banner(&'static [u8]),
    /// Answer as an old server rustls cannot talk to (SSLv3 to TLS 1.2).
    Legacy(Arc<LegacyServer>),
    /// Speak a STARTTLS dialect's plaintext phase, then complete a TLS
    /// handshake with this configuration.
    StartTls(Dialect, Arc<ServerConfig>),
}

impl std::fmt::Debug for Service {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Tls(_) => formatter.write_str("Service::Tls"),
            Self::Banner(banner) => write!(formatter, "Service::Banner({banner:?})"),
            Self::Legacy(server) => write!(formatter, "Service::Legacy({:?})", server.versions),
            Self::StartTls(dialect, _) => write!(formatter, "Service::StartTls({dialect:?})"),
        }
    }
}

/// Accepts connections until `cancel` fires, then waits for every connection task to end.
pub(crate) async fn serve(listener: TcpListener, service: Service, cancel: CancellationToken) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    connections.spawn(handle_connection(stream, service.clone(), cancel.clone()));
                }
                Err(error) => {
                    tracing::warn!(%error, "lab accept failed");
                    tokio::select! {
                        () = cancel.cancelled() => break,
                        () = tokio::time::sleep(ACCEPT_ERROR_BACKOFF) => {}
                    }
                }
            },
            Some(finished) = connections.join_next(), if !connections.is_empty() => {
                log_task_failure(finished);
            }
        }
    }
    drop(listener);
    while let Some(finished) = connections.join_next().await {
        log_task_failure(finished);
    }
}

/// Serves one connection, giving up at the timeout or when the lab shuts down.
async fn handle_connection(stream: TcpStream, service: Service, cancel: CancellationToken) {
    let peer = stream.peer_addr().ok();
    let conversation = async move {
        match service {
            Service::Tls(config) => complete_handshake(stream, config).await,
            Service::Banner(banner) => send_banner_and_drain(stream, banner).await,
            Service::Legacy(server) => server.serve_connection(stream).await,
            Service::StartTls(dialect, config) => {
                upgrade_then_handshake(stream, dialect, config).await
            }
        }
    };
    tokio::select! {
        () = cancel.cancelled() => {}
        outcome = tokio::time::timeout(CONNECTION_TIMEOUT, conversation) => match outcome {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::debug!(?peer, %error, "lab connection ended with an error"),
            Err(_elapsed) => tracing::debug!(?peer, "lab connection timed out"),
        },
    }
}

/// Speaks `dialect`'s plaintext phase, then completes a TLS handshake.
async fn upgrade_then_handshake(
    mut stream: TcpStream,
    dialect: Dialect,
    config: Arc<ServerConfig>,
) -> std::io::Result<()> {
    serve_plaintext_phase(dialect, &mut stream, false).await?;
    complete_handshake(stream, config).await
}

/// Sends `banner`, then reads and discards whatever the peer sends until it closes.
async fn send_banner_and_drain(mut stream: TcpStream, banner: &[u8]) -> std::io::Result<()> {
    stream.write_all(banner).await?;
    let mut discard = [0u8; 4096];
    while stream.read(&mut discard).await? > 0 {}
    Ok(())
}

fn log_task_failure(finished: Result<(), JoinError>) {
    if let Err(error) = finished {
        tracing::warn!(%error, "lab connection task failed");
    }
}
