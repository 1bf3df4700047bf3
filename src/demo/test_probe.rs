//! Test-only TLS probe: connects to a lab server the way a scanner would, accepts any
//! certificate, and records the chain it was given, whether the server's handshake signature
//! verified, the negotiated version and how the session ended.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, Pss, RsaPublicKey};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::version::{TLS12, TLS13};
use rustls::{ClientConfig, DigitallySignedStruct, ProtocolVersion, SignatureScheme};
use sha2::{Digest, Sha256, Sha384, Sha512};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// Bound on a whole probe, so a broken server fails the test instead of hanging it.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// What one probe observed.
#[derive(Debug)]
pub(crate) struct ProbeReport {
    /// The chain the server presented (end entity first), if it got that far.
    pub(crate) chain: Option<Vec<Vec<u8>>>,
    /// One entry per handshake signature checked: did it verify?
    pub(crate) signatures_verified: Vec<bool>,
    /// The negotiated protocol version, if the client finished its handshake.
    pub(crate) version: Option<ProtocolVersion>,
    /// `Ok` if the handshake completed and the server then closed cleanly.
    pub(crate) session: Result<(), String>,
}

/// Probes `address` with SNI `server_name` (none when `None`), offering TLS 1.3 and 1.2 and
/// every signature scheme of the default aws-lc-rs provider, without a client certificate.
pub(crate) async fn probe(address: SocketAddr, server_name: Option<&str>) -> ProbeReport {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(RecordingVerifier::new(Arc::clone(&provider)));
    let config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&TLS13, &TLS12])
        .expect("client versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    let name = match server_name {
        Some(name) => ServerName::try_from(name.to_string()).expect("valid server name"),
        None => ServerName::IpAddress(address.ip().into()),
    };
    let mut version = None;
    let session = tokio::time::timeout(PROBE_TIMEOUT, async {
        let tcp = TcpStream::connect(address)
            .await
            .map_err(|e| e.to_string())?;
        let connector = TlsConnector::from(Arc::new(config));
        let mut tls = connector
            .connect(name, tcp)
            .await
            .map_err(|e| e.to_string())?;
        version = tls.get_ref().1.protocol_version();
        let mut rest = Vec::new();
        tls.read_to_end(&mut rest)
            .await
            .map_err(|e| e.to_string())?;
        Ok(())
    })
    .await
    .unwrap_or_else(|_| Err("probe timed out".to_string()));
    let record = verifier.record.lock().expect("verifier record");
    ProbeReport {
        chain: record.chain.clone(),
        signatures_verified: record.signatures_verified.clone(),
        version,
        session,
    }
}

#[derive(Debug, Default)]
struct Record {
    chain: Option<Vec<Vec<u8>>>,
    signatures_verified: Vec<bool>,
}

/// Accepts every certificate but really checks handshake signatures, falling back to the
/// `rsa` crate for RSA keys under 2048 bits (which aws-lc-rs will not verify).
#[derive(Debug)]
struct RecordingVerifier {
    provider: Arc<CryptoProvider>,
    record: Mutex<Record>,
}

impl RecordingVerifier {
    fn new(provider: Arc<CryptoProvider>) -> Self {
        Self {
            provider,
            record: Mutex::default(),
        }
    }

    fn check(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
        by_rustls: Result<HandshakeSignatureValid, rustls::Error>,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let outcome = by_rustls.or_else(|error| {
            verify_rsa_with_rsa_crate(message, cert, dss.scheme, dss.signature())
                .map(|()| HandshakeSignatureValid::assertion())
                .map_err(|fallback| rustls::Error::General(format!("{error}; {fallback}")))
        });
        let mut record = self.record.lock().expect("verifier record");
        record.signatures_verified.push(outcome.is_ok());
        outcome
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|der| der.to_vec())
            .collect();
        self.record.lock().expect("verifier record").chain = Some(chain);
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        let by_rustls = verify_tls12_signature(message, cert, dss, algorithms);
        self.check(message, cert, dss, by_rustls)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algorithms = &self.provider.signature_verification_algorithms;
        let by_rustls = verify_tls13_signature(message, cert, dss, algorithms);
        self.check(message, cert, dss, by_rustls)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Verifies an RSA handshake signature with the `rsa` crate (any key size).
fn verify_rsa_with_rsa_crate(
    message: &[u8],
    cert: &CertificateDer<'_>,
    scheme: SignatureScheme,
    signature: &[u8],
) -> Result<(), String> {
    let (_, parsed) = x509_parser::parse_x509_certificate(cert).map_err(|e| e.to_string())?;
    let public_key =
        RsaPublicKey::from_public_key_der(parsed.public_key().raw).map_err(|e| e.to_string())?;
    verify_rsa_signature(&public_key, scheme, message, signature)
}

/// Verifies `signature` over `message` under `scheme` (RSA PSS or PKCS#1 v1.5, SHA-2).
pub(crate) fn verify_rsa_signature(
    public_key: &RsaPublicKey,
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    let verified = match scheme {
        SignatureScheme::RSA_PSS_SHA256 => {
            public_key.verify(Pss::new::<Sha256>(), &Sha256::digest(message), signature)
        }
        SignatureScheme::RSA_PSS_SHA384 => {
            public_key.verify(Pss::new::<Sha384>(), &Sha384::digest(message), signature)
        }
        SignatureScheme::RSA_PSS_SHA512 => {
            public_key.verify(Pss::new::<Sha512>(), &Sha512::digest(message), signature)
        }
        SignatureScheme::RSA_PKCS1_SHA256 => public_key.verify(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(message),
            signature,
        ),
        SignatureScheme::RSA_PKCS1_SHA384 => public_key.verify(
            Pkcs1v15Sign::new::<Sha384>(),
            &Sha384::digest(message),
            signature,
        ),
        SignatureScheme::RSA_PKCS1_SHA512 => public_key.verify(
            Pkcs1v15Sign::new::<Sha512>(),
            &Sha512::digest(message),
            signature,
        ),
        other => return Err(format!("not an RSA scheme: {other:?}")),
    };
    verified.map_err(|error| format!("{scheme:?} signature invalid: {error}"))
}
