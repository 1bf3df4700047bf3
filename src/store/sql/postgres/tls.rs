//! TLS under the `postgres` driver: [`RustlsConnect`] implements the
//! driver's `MakeTlsConnect`/`TlsConnect` over the TLS stack's verifying
//! connector (`crate::tls::verified`), which checks what the URL's
//! [`Verify`] asks for (nothing, the chain, or the chain and the host name
//! or IP address) and nothing else; [`TlsFailure`] says why a handshake
//! failed (name mismatch, unknown issuer, no TLS on the server). The
//! handshake's signatures are always checked. The client offers ALPN
//! `postgresql`, as libpq 17 does, and gives the driver the
//! `tls-server-end-point` channel binding (RFC 5929: the server
//! certificate's hash with its signature's digest, SHA-256 for MD5 and
//! SHA-1), so SCRAM authenticates with `SCRAM-SHA-256-PLUS` when the server
//! offers it; a certificate without such a digest (Ed25519) gives none.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use postgres::Socket;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::conninfo::{ConnInfoError, Roots, Verify};
use crate::certs::digest::{digest, DigestAlgorithm};
use crate::tls::verified::{
    ClientStream, ConnectFailure, TrustAnchors, Verification, VerifiedConnector,
};

/// ALPN protocol name PostgreSQL registers (libpq 17 sends it).
const ALPN: &[u8] = b"postgresql";

/// Why TLS with the server failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsFailure {
    /// The server answered the SSL request with `N`.
    #[error("the server does not support TLS (it refused the SSL request)")]
    NotSupported,
    /// The certificate is not for the host connected to.
    #[error("name mismatch: the server's certificate is not valid for {host}")]
    NameMismatch {
        /// The host name or address of the URL.
        host: String,
    },
    /// The chain does not lead to a root of `sslrootcert`.
    #[error("unknown issuer: the server's certificate does not chain to a trusted root")]
    UnknownIssuer,
    /// Another certificate problem (expired, not yet valid, bad signature).
    #[error("the server's certificate was refused: {reason}")]
    BadCertificate {
        /// The verifier's reason.
        reason: String,
    },
    /// The host cannot be a TLS server name.
    #[error("{host:?} cannot be used as a TLS server name")]
    ServerName {
        /// The host.
        host: String,
    },
    /// The handshake failed for another reason (an alert, a protocol
    /// error, the connection closed).
    #[error("the TLS handshake failed: {reason}")]
    Handshake {
        /// What happened.
        reason: String,
    },
}

/// The driver's TLS connector over the verifying client, for one URL's
/// settings.
#[derive(Clone)]
pub struct RustlsConnect {
    connector: VerifiedConnector,
}

impl RustlsConnect {
    /// A connector that verifies what `verify` says; fails when a root
    /// certificate cannot be used as a trust anchor.
    pub fn new(verify: &Verify) -> Result<RustlsConnect, ConnInfoError> {
        let verification = match verify {
            Verify::Nothing => Verification::Nothing,
            Verify::Chain(roots) => Verification::Chain(anchors(roots)?),
            Verify::ChainAndName(roots) => Verification::ChainAndName(anchors(roots)?),
        };
        let connector =
            VerifiedConnector::new(&verification, ALPN).map_err(|e| ConnInfoError::Tls {
                reason: e.to_string(),
            })?;
        Ok(RustlsConnect { connector })
    }
}

/// The trust anchors of `roots`.
fn anchors(roots: &Roots) -> Result<TrustAnchors, ConnInfoError> {
    match roots {
        Roots::System => Ok(TrustAnchors::mozilla()),
        Roots::File(path, certificates) => {
            TrustAnchors::from_certificates(certificates).map_err(|e| ConnInfoError::RootInvalid {
                path: path.clone(),
                reason: format!("not a usable CA certificate ({e})"),
            })
        }
    }
}

impl MakeTlsConnect<Socket> for RustlsConnect {
    type Stream = PgTlsStream;
    type TlsConnect = RustlsHandshake;
    type Error = TlsFailure;

    fn make_tls_connect(&mut self, host: &str) -> Result<RustlsHandshake, TlsFailure> {
        let name = ServerName::try_from(host.to_string()).map_err(|_| TlsFailure::ServerName {
            host: host.to_string(),
        })?;
        Ok(RustlsHandshake {
            connector: self.connector.clone(),
            name,
        })
    }
}

/// One handshake with one host.
pub struct RustlsHandshake {
    connector: VerifiedConnector,
    name: ServerName<'static>,
}

impl TlsConnect<Socket> for RustlsHandshake {
    type Stream = PgTlsStream;
    type Error = TlsFailure;
    type Future = Pin<Box<dyn Future<Output = Result<PgTlsStream, TlsFailure>> + Send>>;

    fn connect(self, stream: Socket) -> Self::Future {
        let host = self.name.to_str().into_owned();
        Box::pin(async move {
            match self.connector.connect(self.name, stream).await {
                Ok(stream) => Ok(PgTlsStream(Box::new(stream))),
                Err(e) => Err(failure(e, host)),
            }
        })
    }
}

/// The failure as the store reports it, with the host connected to.
fn failure(failure: ConnectFailure, host: String) -> TlsFailure {
    match failure {
        ConnectFailure::NameMismatch => TlsFailure::NameMismatch { host },
        ConnectFailure::UnknownIssuer => TlsFailure::UnknownIssuer,
        ConnectFailure::BadCertificate { reason } => TlsFailure::BadCertificate { reason },
        ConnectFailure::Handshake { reason } => TlsFailure::Handshake { reason },
    }
}

/// A TLS connection to the server.
pub struct PgTlsStream(Box<ClientStream<Socket>>);

impl TlsStream for PgTlsStream {
    fn channel_binding(&self) -> ChannelBinding {
        match self.0.peer_leaf().and_then(end_point_hash) {
            Some(hash) => ChannelBinding::tls_server_end_point(hash),
            None => ChannelBinding::none(),
        }
    }
}

/// RFC 5929 `tls-server-end-point` of a server certificate: its hash with
/// the digest of its signature algorithm (SHA-256 for MD5 and SHA-1);
/// none when the algorithm has no digest or the certificate does not
/// parse.
fn end_point_hash(der: &[u8]) -> Option<Vec<u8>> {
    let view = crate::certs::parse_certificate(der).ok()?;
    let algorithm = match view.signature_algorithm.hash.as_deref()? {
        "md5" | "sha1" | "sha256" => DigestAlgorithm::Sha256,
        "sha224" => DigestAlgorithm::Sha224,
        "sha384" => DigestAlgorithm::Sha384,
        "sha512" => DigestAlgorithm::Sha512,
        _ => return None,
    };
    Some(digest(algorithm, der))
}

impl AsyncRead for PgTlsStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for PgTlsStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests;
