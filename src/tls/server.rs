//! rustls server configurations for the lab: protocol versions, optional client-certificate
//! requirement, certificate selection (one fixed chain, routing by SNI, by key family, or
//! renewable), signing keys, and the server side of a handshake over a TCP stream.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, WebPkiClientVerifier};
use rustls::sign::SingleCertAndKey;
use rustls::{RootCertStore, SupportedProtocolVersion};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use super::rsa_signer::RsaCrateSigningKey;
use crate::certs::rsa_key::RsaKey;

/// Chooses the chain a server presents for one ClientHello.
pub(crate) use rustls::server::ResolvesServerCert;
/// A chain paired with its private key.
pub(crate) use rustls::sign::CertifiedKey;
/// A private key a server signs its handshakes with.
pub(crate) use rustls::sign::SigningKey;
/// A lab server's configuration: versions, client authentication and certificates.
pub(crate) use rustls::ServerConfig;

/// Why a lab server's TLS configuration could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct ServerError {
    /// What the TLS stack refused.
    reason: String,
}

/// Which client certificates a server demands.
pub(crate) enum ClientAuth {
    /// None: any client may complete the handshake.
    NotRequired,
    /// A certificate chaining to this root is mandatory.
    RequiredFrom(CertificateDer<'static>),
}

/// Builds a server configuration from the lab's crypto provider.
pub(crate) fn server_config(
    provider: &Arc<CryptoProvider>,
    versions: &[&'static SupportedProtocolVersion],
    client_auth: ClientAuth,
    certificates: Arc<dyn ResolvesServerCert>,
) -> Result<Arc<ServerConfig>, ServerError> {
    let builder = ServerConfig::builder_with_provider(Arc::clone(provider))
        .with_protocol_versions(versions)
        .map_err(tls_error)?;
    let builder = match client_auth {
        ClientAuth::NotRequired => builder.with_no_client_auth(),
        ClientAuth::RequiredFrom(root) => {
            let mut roots = RootCertStore::empty();
            roots.add(root).map_err(tls_error)?;
            let verifier =
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(provider))
                    .build()
                    .map_err(tls_error)?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    Ok(Arc::new(builder.with_cert_resolver(certificates)))
}

/// Pairs a chain with its key, checking they match whenever the key can tell.
pub(crate) fn certified_key(
    chain: Vec<CertificateDer<'static>>,
    key: Arc<dyn SigningKey>,
) -> Result<Arc<CertifiedKey>, ServerError> {
    let certified = CertifiedKey::new(chain, key);
    certified.keys_match().map_err(tls_error)?;
    Ok(Arc::new(certified))
}

/// The signing key of a PKCS#8 private key `provider` can sign with (ECDSA, Ed25519,
/// RSA ≥ 2048).
pub(crate) fn signing_key(
    provider: &CryptoProvider,
    pkcs8_der: Vec<u8>,
) -> Result<Arc<dyn SigningKey>, ServerError> {
    let pkcs8 = PrivatePkcs8KeyDer::from(pkcs8_der);
    provider
        .key_provider
        .load_private_key(PrivateKeyDer::Pkcs8(pkcs8))
        .map_err(|error| ServerError {
            reason: format!("loading leaf key: {error}"),
        })
}

/// The signing key of an RSA key only the `rsa` crate signs with (RSA-1024).
pub(crate) fn rsa_crate_signing_key(key: &RsaKey) -> Arc<dyn SigningKey> {
    Arc::new(RsaCrateSigningKey::new(key))
}

/// Always presents the same chain.
pub(crate) fn single_certificate(certified: Arc<CertifiedKey>) -> Arc<dyn ResolvesServerCert> {
    Arc::new(SingleCertAndKey::from(certified))
}

/// Presents one chain that can be replaced while the server runs (a
/// renewal, [`super::Lab::renew`]).
#[derive(Debug)]
pub(crate) struct Renewable {
    current: std::sync::RwLock<Arc<CertifiedKey>>,
}

impl Renewable {
    /// Starts with `certified`.
    pub(crate) fn new(certified: Arc<CertifiedKey>) -> Self {
        Self {
            current: std::sync::RwLock::new(certified),
        }
    }

    /// Serves `certified` from the next handshake on.
    pub(crate) fn replace(&self, certified: Arc<CertifiedKey>) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = certified;
    }
}

impl ResolvesServerCert for Renewable {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(
            &self.current.read().unwrap_or_else(|e| e.into_inner()),
        ))
    }
}

/// Presents a chain chosen by the client's SNI, or a default one when there is no SNI or it
/// matches no route.
#[derive(Debug)]
pub(crate) struct SniRouting {
    routes: Vec<(String, Arc<CertifiedKey>)>,
    default: Arc<CertifiedKey>,
}

impl SniRouting {
    /// Routes each `(server name, chain)` pair, falling back to `default`.
    pub(crate) fn new(
        routes: Vec<(String, Arc<CertifiedKey>)>,
        default: Arc<CertifiedKey>,
    ) -> Self {
        Self { routes, default }
    }
}

impl ResolvesServerCert for SniRouting {
    fn resolve(&self, client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let chosen = client_hello.server_name().and_then(|requested| {
            self.routes
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(requested))
                .map(|(_, certified)| certified)
        });
        Some(Arc::clone(chosen.unwrap_or(&self.default)))
    }
}

/// Holds an ECDSA and an RSA chain and presents the ECDSA one to clients
/// that offer ECDSA signature schemes, the RSA one otherwise (how servers
/// with two certificates behave).
#[derive(Debug)]
pub(crate) struct DualCertificate {
    ecdsa: Arc<CertifiedKey>,
    rsa: Arc<CertifiedKey>,
}

impl DualCertificate {
    /// A resolver choosing between the two chains.
    pub(crate) fn new(ecdsa: Arc<CertifiedKey>, rsa: Arc<CertifiedKey>) -> Self {
        Self { ecdsa, rsa }
    }
}

impl ResolvesServerCert for DualCertificate {
    fn resolve(&self, client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        use rustls::SignatureScheme as S;
        let offers_ecdsa = client_hello.signature_schemes().iter().any(|s| {
            matches!(
                s,
                S::ECDSA_NISTP256_SHA256 | S::ECDSA_NISTP384_SHA384 | S::ECDSA_NISTP521_SHA512
            )
        });
        let chosen = if offers_ecdsa { &self.ecdsa } else { &self.rsa };
        Some(Arc::clone(chosen))
    }
}

/// Runs the server side of a TLS handshake on `stream`, then closes with close_notify.
pub(crate) async fn complete_handshake(
    stream: TcpStream,
    config: Arc<ServerConfig>,
) -> std::io::Result<()> {
    let mut tls = TlsAcceptor::from(config).accept(stream).await?;
    tls.shutdown().await
}

fn tls_error(error: impl std::fmt::Display) -> ServerError {
    ServerError {
        reason: error.to_string(),
    }
}
