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

#[cfg(test)]
mod tests {
    //! The verifying client against the lab's server side of the same
    //! stack, over an in-memory pipe: each mode accepts what it should and
    //! refuses the rest with the failure that names why.

    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair, SanType};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::tls::server::{self, ClientAuth};

    /// The certificate of a CA named `name` and a server config presenting
    /// a leaf for `db.example` it issued. (Two CAs of one name would be one
    /// issuer to the path builder: a leaf of the other is then a bad
    /// signature, not an unknown issuer.)
    fn ca_and_server(name: &str) -> (CertificateDer<'static>, Arc<server::ServerConfig>) {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().expect("key"))
            .expect("CA certificate");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("leaf params");
        params.subject_alt_names = vec![SanType::DnsName("db.example".try_into().expect("name"))];
        let key = KeyPair::generate().expect("leaf key");
        let leaf = params.signed_by(&key, &issuer).expect("leaf");
        let provider = default_provider();
        let signing = server::signing_key(&provider, key.serialize_der()).expect("signing key");
        let certified = server::certified_key(vec![leaf.der().clone()], signing).expect("pair");
        let versions = crate::tls::ALL_VERSIONS;
        let resolver = server::single_certificate(certified);
        let config = server::server_config(&provider, versions, ClientAuth::NotRequired, resolver)
            .expect("server config");
        (issuer.der().clone(), config)
    }

    /// Connects `verification` to `server` as `name`; on success, one byte
    /// goes through and the leaf the client saw is returned.
    async fn connect(
        verification: Verification,
        server: Arc<server::ServerConfig>,
        name: &str,
    ) -> Result<Vec<u8>, ConnectFailure> {
        let (client_side, server_side) = tokio::io::duplex(64 * 1024);
        let serving = tokio::spawn(async move {
            let acceptor = tokio_rustls::TlsAcceptor::from(server);
            if let Ok(mut tls) = acceptor.accept(server_side).await {
                let _ = tls.write_all(b"!").await;
                let _ = tls.shutdown().await;
            }
        });
        let connector = VerifiedConnector::new(&verification, b"postgresql").expect("connector");
        let name = ServerName::try_from(name.to_string()).expect("server name");
        let result = match connector.connect(name, client_side).await {
            Ok(mut stream) => {
                let leaf = stream.peer_leaf().expect("a leaf").to_vec();
                let mut byte = [0u8; 1];
                stream.read_exact(&mut byte).await.expect("a byte");
                assert_eq!(&byte, b"!");
                Ok(leaf)
            }
            Err(failure) => Err(failure),
        };
        drop(serving);
        result
    }

    #[tokio::test]
    async fn each_mode_checks_what_it_says_and_nothing_else() {
        let (ca, server) = ca_and_server("certatlas test CA");
        let (other_ca, _) = ca_and_server("another test CA");
        let anchors = TrustAnchors::from_certificates(&[ca]).expect("anchor");
        let others = TrustAnchors::from_certificates(&[other_ca]).expect("anchor");

        let full = Verification::ChainAndName(anchors.clone());
        let leaf = connect(full.clone(), server.clone(), "db.example").await;
        assert!(leaf.is_ok_and(|leaf| !leaf.is_empty()));
        assert_eq!(
            connect(full, server.clone(), "other.example").await,
            Err(ConnectFailure::NameMismatch)
        );
        let chain_only = Verification::Chain(anchors);
        assert!(connect(chain_only, server.clone(), "other.example")
            .await
            .is_ok());
        assert_eq!(
            connect(
                Verification::Chain(others.clone()),
                server.clone(),
                "db.example"
            )
            .await,
            Err(ConnectFailure::UnknownIssuer)
        );
        assert_eq!(
            connect(
                Verification::ChainAndName(others),
                server.clone(),
                "db.example"
            )
            .await,
            Err(ConnectFailure::UnknownIssuer)
        );
        assert!(connect(Verification::Nothing, server, "other.example")
            .await
            .is_ok());
    }

    #[test]
    fn a_certificate_that_cannot_be_an_anchor_is_named_by_its_place() {
        let (ca, _) = ca_and_server("certatlas test CA");
        let garbage = CertificateDer::from(b"not a certificate".to_vec());
        let refused = TrustAnchors::from_certificates(&[ca, garbage]).expect_err("refused");
        assert_eq!(refused.index, 1);
    }

    #[test]
    fn the_webhook_config_trusts_the_mozilla_roots() {
        let config = mozilla_client_config().expect("config");
        assert!(config.alpn_protocols.is_empty());
        assert!(!mozilla_roots().is_empty());
        assert!(config.crypto_provider().cipher_suites.len() > 1);
    }
}
