//! The verifying client certatlas uses for its own connections (not for
//! scanning): the webhook client's config (Mozilla roots, safe defaults),
//! and a connector for PostgreSQL's `sslmode` that checks what the URL asks
//! for (nothing, the chain, or the chain and the host name or IP address)
//! and nothing else. The handshake's signatures are always checked.
//! [`ConnectFailure`] says why a handshake failed (name mismatch, unknown
//! issuer, another certificate problem, the handshake itself).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::TlsConnector;

use super::provider::default_provider;
use super::roots::mozilla_roots;

/// The TLS stack refused to build a client configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct ClientConfigError {
    /// What the stack said.
    reason: String,
}

/// A certificate that cannot be a trust anchor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct UnusableRoot {
    /// Which certificate of the list, from 0.
    pub index: usize,
    /// What the stack said.
    reason: String,
}

/// Why a verified handshake failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectFailure {
    /// The certificate is not for the name or address connected to.
    #[error("the server's certificate is not valid for the name connected to")]
    NameMismatch,
    /// The chain does not lead to one of the trust anchors.
    #[error("the server's certificate does not chain to a trusted root")]
    UnknownIssuer,
    /// Another certificate problem (expired, not yet valid, bad signature).
    #[error("the server's certificate was refused: {reason}")]
    BadCertificate {
        /// The verifier's reason.
        reason: String,
    },
    /// The handshake failed for another reason (an alert, a protocol error,
    /// the connection closed).
    #[error("the TLS handshake failed: {reason}")]
    Handshake {
        /// What happened.
        reason: String,
    },
}

/// The roots a verifying client trusts.
#[derive(Debug, Clone)]
pub struct TrustAnchors(Arc<RootCertStore>);

impl TrustAnchors {
    /// The Mozilla root store.
    pub fn mozilla() -> TrustAnchors {
        TrustAnchors(Arc::new(RootCertStore {
            roots: mozilla_roots().to_vec(),
        }))
    }

    /// The given CA certificates; fails on the first that cannot be an
    /// anchor.
    pub fn from_certificates(
        certificates: &[CertificateDer<'static>],
    ) -> Result<TrustAnchors, UnusableRoot> {
        let mut store = RootCertStore::empty();
        for (index, certificate) in certificates.iter().enumerate() {
            store.add(certificate.clone()).map_err(|e| UnusableRoot {
                index,
                reason: e.to_string(),
            })?;
        }
        Ok(TrustAnchors(Arc::new(store)))
    }
}

/// What a verifying client checks of the server's certificate.
#[derive(Debug, Clone)]
pub enum Verification {
    /// Nothing (TLS for privacy only); the handshake's signatures still are.
    Nothing,
    /// The chain leads to one of the anchors.
    Chain(TrustAnchors),
    /// The chain leads to one of the anchors and the certificate is for
    /// the name or address connected to.
    ChainAndName(TrustAnchors),
}

/// The webhook client's configuration: the Mozilla roots, the stack's safe
/// default protocol versions, no client certificate.
pub fn mozilla_client_config() -> Result<ClientConfig, ClientConfigError> {
    let config = ClientConfig::builder_with_provider(default_provider())
        .with_safe_default_protocol_versions()
        .map_err(config_error)?
        .with_root_certificates(TrustAnchors::mozilla().0)
        .with_no_client_auth();
    Ok(config)
}

/// Makes verified client connections over any byte stream.
#[derive(Clone)]
pub struct VerifiedConnector {
    config: Arc<ClientConfig>,
}

impl std::fmt::Debug for VerifiedConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedConnector")
            .field("alpn", &self.config.alpn_protocols)
            .finish()
    }
}

impl VerifiedConnector {
    /// A connector that checks what `verification` says and offers the
    /// ALPN protocol `alpn`.
    pub fn new(
        verification: &Verification,
        alpn: &[u8],
    ) -> Result<VerifiedConnector, ClientConfigError> {
        let provider = default_provider();
        let (roots, name) = match verification {
            Verification::Nothing => (None, false),
            Verification::Chain(roots) => (Some(roots.0.clone()), false),
            Verification::ChainAndName(roots) => (Some(roots.0.clone()), true),
        };
        let verifier = Verifier {
            roots,
            name,
            provider: provider.clone(),
        };
        let mut config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(config_error)?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        config.alpn_protocols = vec![alpn.to_vec()];
        Ok(VerifiedConnector {
            config: Arc::new(config),
        })
    }

    /// A TLS handshake with `name` over `stream`.
    pub async fn connect<S>(
        &self,
        name: ServerName<'static>,
        stream: S,
    ) -> Result<ClientStream<S>, ConnectFailure>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let connector = TlsConnector::from(self.config.clone());
        match connector.connect(name, stream).await {
            Ok(stream) => Ok(ClientStream(stream)),
            Err(e) => Err(classify(&e)),
        }
    }
}

fn config_error(error: rustls::Error) -> ClientConfigError {
    ClientConfigError {
        reason: error.to_string(),
    }
}

/// The reason behind a failed handshake.
fn classify(error: &io::Error) -> ConnectFailure {
    let inner = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    match inner {
        Some(rustls::Error::InvalidCertificate(reason)) => match reason {
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                ConnectFailure::NameMismatch
            }
            CertificateError::UnknownIssuer => ConnectFailure::UnknownIssuer,
            other => ConnectFailure::BadCertificate {
                reason: other.to_string(),
            },
        },
        Some(other) => ConnectFailure::Handshake {
            reason: other.to_string(),
        },
        None => ConnectFailure::Handshake {
            reason: error.to_string(),
        },
    }
}

/// A verified TLS connection over `S`.
pub struct ClientStream<S>(tokio_rustls::client::TlsStream<S>);

impl<S> ClientStream<S> {
    /// The DER of the certificate the server presented (the leaf), if any.
    pub fn peer_leaf(&self) -> Option<&[u8]> {
        let (_, connection) = self.0.get_ref();
        connection
            .peer_certificates()
            .and_then(|chain| chain.first())
            .map(|leaf| leaf.as_ref())
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for ClientStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for ClientStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// Checks the server's certificate as configured, and the handshake's
/// signatures always.
#[derive(Debug)]
struct Verifier {
    /// The trust anchors; none: the certificate is not checked.
    roots: Option<Arc<RootCertStore>>,
    /// Whether the certificate must be for the host connected to.
    name: bool,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
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
