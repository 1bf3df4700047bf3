//! The capturing rustls client: a verifier that copies the chain as sent and
//! accepts it, and a client-certificate resolver that notes the request.
//!
//! rustls empties `peer_certificates()` when a later handshake step fails, so
//! the copy taken inside `verify_server_cert` is the only reliable capture
//! (DESIGN.md). One [`ClientConfig`] is built per probe, with resumption off:
//! a resumed handshake carries no certificate.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, Resumption};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme, SupportedProtocolVersion};

/// What the capturing hooks saw during one handshake.
#[derive(Debug, Default, Clone)]
pub struct Captured {
    /// The chain exactly as the server sent it (leaf first).
    pub chain: Vec<Vec<u8>>,
    /// Whether an OCSP response was stapled.
    pub ocsp_stapled: bool,
    /// Whether the server requested a client certificate.
    pub client_auth_requested: bool,
}

/// Shared slot the hooks write into and the probe reads after the handshake.
pub type CaptureSlot = Arc<Mutex<Captured>>;

/// Which signature schemes the client offers; selecting one family makes a
/// dual-certificate server reveal the matching certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemeOffer {
    /// Every scheme rustls can verify, legacy SHA-1 schemes last.
    All,
    /// Only ECDSA (and EdDSA) schemes.
    EcdsaOnly,
    /// Only RSA (PKCS#1 and PSS) schemes.
    RsaOnly,
}

impl SchemeOffer {
    /// The schemes offered in the `signature_algorithms` extension.
    fn schemes(self) -> Vec<SignatureScheme> {
        use SignatureScheme as S;
        let ecdsa = [
            S::ECDSA_NISTP256_SHA256,
            S::ECDSA_NISTP384_SHA384,
            S::ECDSA_NISTP521_SHA512,
            S::ED25519,
        ];
        let rsa = [
            S::RSA_PSS_SHA256,
            S::RSA_PSS_SHA384,
            S::RSA_PSS_SHA512,
            S::RSA_PKCS1_SHA256,
            S::RSA_PKCS1_SHA384,
            S::RSA_PKCS1_SHA512,
        ];
        match self {
            SchemeOffer::All => ecdsa
                .into_iter()
                .chain(rsa)
                .chain([S::RSA_PKCS1_SHA1, S::ECDSA_SHA1_Legacy])
                .collect(),
            SchemeOffer::EcdsaOnly => ecdsa.into_iter().chain([S::ECDSA_SHA1_Legacy]).collect(),
            SchemeOffer::RsaOnly => rsa.into_iter().chain([S::RSA_PKCS1_SHA1]).collect(),
        }
    }
}

/// Builds the per-probe client configuration offering `versions` and the
/// slot it captures into.
pub fn client_config(
    provider: &Arc<CryptoProvider>,
    offer: SchemeOffer,
    versions: &[&'static SupportedProtocolVersion],
) -> Result<(Arc<ClientConfig>, CaptureSlot), rustls::Error> {
    let slot = CaptureSlot::default();
    let verifier = Arc::new(CapturingVerifier {
        slot: slot.clone(),
        schemes: offer.schemes(),
    });
    let resolver = Arc::new(ClientAuthRecorder { slot: slot.clone() });
    let mut config = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_client_cert_resolver(resolver);
    config.resumption = Resumption::disabled();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((Arc::new(config), slot))
}

/// Accepts any chain after copying it into the slot.
#[derive(Debug)]
struct CapturingVerifier {
    slot: CaptureSlot,
    schemes: Vec<SignatureScheme>,
}

impl ServerCertVerifier for CapturingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let mut captured = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        captured.chain = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| c.as_ref().to_vec())
            .collect();
        captured.ocsp_stapled = !ocsp_response.is_empty();
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.schemes.clone()
    }
}

/// Notes that the server asked for a client certificate, and offers none.
#[derive(Debug)]
struct ClientAuthRecorder {
    slot: CaptureSlot,
}

impl ResolvesClientCert for ClientAuthRecorder {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        self.slot
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .client_auth_requested = true;
        None
    }

    fn has_certs(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::provider::scanning_provider;

    #[test]
    fn scheme_offers_are_disjoint_families() {
        let ecdsa = SchemeOffer::EcdsaOnly.schemes();
        let rsa = SchemeOffer::RsaOnly.schemes();
        assert!(ecdsa.iter().all(|s| !rsa.contains(s)));
        let all = SchemeOffer::All.schemes();
        assert_eq!(all.last(), Some(&SignatureScheme::ECDSA_SHA1_Legacy));
        assert!(ecdsa.iter().chain(&rsa).all(|s| all.contains(s)));
    }

    #[test]
    fn provider_offers_post_quantum_hybrid_first() {
        let provider = scanning_provider();
        let first = provider.kx_groups[0].name();
        assert_eq!(format!("{first:?}"), "X25519MLKEM768");
        let (config, _) = client_config(&provider, SchemeOffer::All, rustls::ALL_VERSIONS).unwrap();
        assert!(config.alpn_protocols.contains(&b"h2".to_vec()));
    }
}
