//! rustls under the `postgres` driver: [`RustlsConnect`] implements the
//! driver's `MakeTlsConnect`/`TlsConnect` with a verifier that checks what
//! the URL's [`Verify`] asks for (nothing, the chain, or the chain and the
//! host name or IP address) and nothing else; [`TlsFailure`] says why a
//! handshake failed (name mismatch, unknown issuer, no TLS on the server).
//! The handshake's signatures are always checked. The client offers ALPN
//! `postgresql`, as libpq 17 does, and gives the driver the
//! `tls-server-end-point` channel binding (RFC 5929: the server
//! certificate's hash with its signature's digest, SHA-256 for MD5 and
//! SHA-1), so SCRAM authenticates with `SCRAM-SHA-256-PLUS` when the server
//! offers it; a certificate without such a digest (Ed25519) gives none.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use postgres::Socket;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::crypto::{aws_lc_rs, verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::TlsConnector;

use super::conninfo::{ConnInfoError, Roots, Verify};

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

/// The driver's TLS connector over rustls, for one URL's settings.
#[derive(Clone)]
pub struct RustlsConnect {
    config: Arc<ClientConfig>,
}

impl RustlsConnect {
    /// A connector that verifies what `verify` says; fails when a root
    /// certificate cannot be used as a trust anchor.
    pub fn new(verify: &Verify) -> Result<RustlsConnect, ConnInfoError> {
        let provider = Arc::new(aws_lc_rs::default_provider());
        let (roots, name) = match verify {
            Verify::Nothing => (None, false),
            Verify::Chain(roots) => (Some(root_store(roots)?), false),
            Verify::ChainAndName(roots) => (Some(root_store(roots)?), true),
        };
        let verifier = PgVerifier {
            roots,
            name,
            provider: provider.clone(),
        };
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ConnInfoError::Tls {
                reason: e.to_string(),
            })?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        config.alpn_protocols = vec![ALPN.to_vec()];
        Ok(RustlsConnect {
            config: Arc::new(config),
        })
    }
}

/// The trust anchors of `roots`.
fn root_store(roots: &Roots) -> Result<Arc<RootCertStore>, ConnInfoError> {
    let mut store = RootCertStore::empty();
    match roots {
        Roots::System => store.extend(crate::probe::mozilla_roots().iter().cloned()),
        Roots::File(path, certificates) => {
            for certificate in certificates {
                store
                    .add(certificate.clone())
                    .map_err(|e| ConnInfoError::RootInvalid {
                        path: path.clone(),
                        reason: format!("not a usable CA certificate ({e})"),
                    })?;
            }
        }
    }
    Ok(Arc::new(store))
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
            config: self.config.clone(),
            name,
        })
    }
}

/// One handshake with one host.
pub struct RustlsHandshake {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
}

impl TlsConnect<Socket> for RustlsHandshake {
    type Stream = PgTlsStream;
    type Error = TlsFailure;
    type Future = Pin<Box<dyn Future<Output = Result<PgTlsStream, TlsFailure>> + Send>>;

    fn connect(self, stream: Socket) -> Self::Future {
        let host = self.name.to_str().into_owned();
        let connector = TlsConnector::from(self.config);
        Box::pin(async move {
            match connector.connect(self.name, stream).await {
                Ok(stream) => Ok(PgTlsStream(Box::new(stream))),
                Err(e) => Err(classify(&e, host)),
            }
        })
    }
}

/// The reason behind a failed handshake.
fn classify(error: &io::Error, host: String) -> TlsFailure {
    let inner = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    match inner {
        Some(rustls::Error::InvalidCertificate(reason)) => match reason {
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                TlsFailure::NameMismatch { host }
            }
            CertificateError::UnknownIssuer => TlsFailure::UnknownIssuer,
            other => TlsFailure::BadCertificate {
                reason: other.to_string(),
            },
        },
        Some(other) => TlsFailure::Handshake {
            reason: other.to_string(),
        },
        None => TlsFailure::Handshake {
            reason: error.to_string(),
        },
    }
}

/// A TLS connection to the server.
pub struct PgTlsStream(Box<tokio_rustls::client::TlsStream<Socket>>);

impl TlsStream for PgTlsStream {
    fn channel_binding(&self) -> ChannelBinding {
        let (_, connection) = self.0.get_ref();
        let leaf = connection
            .peer_certificates()
            .and_then(|chain| chain.first());
        match leaf.and_then(|leaf| end_point_hash(leaf)) {
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
    Some(match view.signature_algorithm.hash.as_deref()? {
        "md5" | "sha1" | "sha256" => Sha256::digest(der).to_vec(),
        "sha224" => Sha224::digest(der).to_vec(),
        "sha384" => Sha384::digest(der).to_vec(),
        "sha512" => Sha512::digest(der).to_vec(),
        _ => return None,
    })
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

/// Checks the server's certificate as the URL asks, and the handshake's
/// signatures always.
#[derive(Debug)]
struct PgVerifier {
    /// The trust anchors; none: the certificate is not checked.
    roots: Option<Arc<RootCertStore>>,
    /// Whether the certificate must be for the host connected to.
    name: bool,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PgVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(roots) = &self.roots {
            let certificate = ParsedCertificate::try_from(end_entity)?;
            let algorithms = self.provider.signature_verification_algorithms.all;
            verify_server_cert_signed_by_trust_anchor(
                &certificate,
                roots,
                intermediates,
                now,
                algorithms,
            )?;
            if self.name {
                verify_server_name(&certificate, server_name)?;
            }
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests;
