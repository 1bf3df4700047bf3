//! The crypto providers (rustls over aws-lc-rs) and what they offer: the
//! scanner's provider with every suite and group, the default one of the
//! verifying clients and the lab, a provider offering one key-exchange
//! group, and the signature algorithms chains are verified with.

use std::sync::Arc;

use rustls::crypto::aws_lc_rs::kx_group;
use rustls::crypto::{CryptoProvider, SupportedKxGroup};
use rustls::pki_types::SignatureVerificationAlgorithm;
use rustls::NamedGroup;

use super::hybrid::SECP384R1MLKEM1024;

/// The provider of the verifying clients and the lab: aws-lc-rs's default
/// suites and groups.
pub fn default_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// The crypto provider used for scanning: every suite and group rustls has,
/// post-quantum hybrid first.
pub fn scanning_provider() -> Arc<CryptoProvider> {
    let mut provider = rustls::crypto::aws_lc_rs::default_provider();
    provider.cipher_suites = rustls::crypto::aws_lc_rs::ALL_CIPHER_SUITES.to_vec();
    provider.kx_groups = rustls::crypto::aws_lc_rs::ALL_KX_GROUPS.to_vec();
    Arc::new(provider)
}

/// The implementation of the key-exchange group with IANA code `code`, for
/// the groups `--groups` probes (and the lab serves); `None` for others.
fn kx_group_of(code: u16) -> Option<&'static dyn SupportedKxGroup> {
    Some(match code {
        0x11ec => kx_group::X25519MLKEM768,
        0x11eb => kx_group::SECP256R1MLKEM768,
        0x11ed => SECP384R1MLKEM1024,
        0x001d => kx_group::X25519,
        0x0017 => kx_group::SECP256R1,
        0x0018 => kx_group::SECP384R1,
        _ => return None,
    })
}

/// `provider` offering only the key-exchange group with IANA code `code`
/// (one of X25519MLKEM768, SecP256r1MLKEM768, SecP384r1MLKEM1024, X25519,
/// secp256r1, secp384r1); `None` when the stack has no such group.
pub fn offering_only_group(provider: &CryptoProvider, code: u16) -> Option<Arc<CryptoProvider>> {
    let group = kx_group_of(code)?;
    let mut provider = provider.clone();
    provider.kx_groups = vec![group];
    Some(Arc::new(provider))
}

/// The name a handshake record gives the group with IANA code `code`
/// (what [`super::handshake::HandshakeRecord`]'s session says it negotiated).
pub fn group_name(code: u16) -> String {
    format!("{:?}", NamedGroup::from(code))
}

/// The signature algorithms chains and handshakes are verified with.
pub fn signature_verification_algorithms() -> &'static [&'static dyn SignatureVerificationAlgorithm]
{
    rustls::crypto::aws_lc_rs::default_provider()
        .signature_verification_algorithms
        .all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_probed_group_has_its_own_implementation_with_its_code_point() {
        let base = scanning_provider();
        for code in [0x11ec, 0x11eb, 0x11ed, 0x001d, 0x0017, 0x0018] {
            let provider = offering_only_group(&base, code).expect("a probed group");
            assert_eq!(provider.kx_groups.len(), 1);
            assert_eq!(u16::from(provider.kx_groups[0].name()), code);
            assert_eq!(
                group_name(code),
                format!("{:?}", provider.kx_groups[0].name())
            );
        }
        assert!(offering_only_group(&base, 0x0100).is_none(), "ffdhe2048");
        assert_eq!(group_name(0x001d), "X25519");
    }
}
