//! The SecP384r1MLKEM1024 hybrid key exchange (TLS group 0x11ED,
//! draft-ietf-tls-ecdhe-mlkem), which rustls 0.23 does not ship: a P-384
//! ECDH share and an ML-KEM-1024 share side by side, both from rustls's
//! aws-lc-rs provider. Shares and secrets are the ECDH part first, then the
//! ML-KEM part (as for SecP256r1MLKEM768); TLS 1.3 only.
//!
//! The scanner only needs the client side ([`SupportedKxGroup::start`]);
//! `start_and_complete` (the server side) lets the lab serve the group, so
//! `--groups` can be tested on loopback.

use rustls::crypto::aws_lc_rs::kx_group::{MLKEM1024, SECP384R1};
use rustls::crypto::{ActiveKeyExchange, CompletedKeyExchange, SharedSecret, SupportedKxGroup};
use rustls::{Error, NamedGroup, PeerMisbehaved, ProtocolVersion};

/// The IANA code point of SecP384r1MLKEM1024.
pub const SECP384R1MLKEM1024_CODE: u16 = 0x11ed;

/// Length of an uncompressed P-384 point, the ECDH part of every share.
const P384_SHARE: usize = 97;

/// The SecP384r1MLKEM1024 group.
pub static SECP384R1MLKEM1024: &dyn SupportedKxGroup = &Secp384r1Mlkem1024;

/// P-384 ECDH plus ML-KEM-1024.
#[derive(Debug)]
struct Secp384r1Mlkem1024;

impl SupportedKxGroup for Secp384r1Mlkem1024 {
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        let classical = SECP384R1.start()?;
        let post_quantum = MLKEM1024.start()?;
        let share = [classical.pub_key(), post_quantum.pub_key()].concat();
        Ok(Box::new(Active {
            classical,
            post_quantum,
            share,
        }))
    }

    fn start_and_complete(&self, client_share: &[u8]) -> Result<CompletedKeyExchange, Error> {
        let (classical_share, post_quantum_share) = split(client_share)?;
        let classical = SECP384R1.start_and_complete(classical_share)?;
        let post_quantum = MLKEM1024.start_and_complete(post_quantum_share)?;
        let secret = [
            classical.secret.secret_bytes(),
            post_quantum.secret.secret_bytes(),
        ]
        .concat();
        Ok(CompletedKeyExchange {
            group: self.name(),
            pub_key: [classical.pub_key, post_quantum.pub_key].concat(),
            secret: SharedSecret::from(secret),
        })
    }

    fn name(&self) -> NamedGroup {
        NamedGroup::from(SECP384R1MLKEM1024_CODE)
    }

    fn usable_for_version(&self, version: ProtocolVersion) -> bool {
        version == ProtocolVersion::TLSv1_3
    }
}

/// A started client key exchange.
struct Active {
    classical: Box<dyn ActiveKeyExchange>,
    post_quantum: Box<dyn ActiveKeyExchange>,
    share: Vec<u8>,
}

impl ActiveKeyExchange for Active {
    fn complete(self: Box<Self>, server_share: &[u8]) -> Result<SharedSecret, Error> {
        let (classical_share, post_quantum_share) = split(server_share)?;
        let classical = self.classical.complete(classical_share)?;
        let post_quantum = self.post_quantum.complete(post_quantum_share)?;
        let secret = [classical.secret_bytes(), post_quantum.secret_bytes()].concat();
        Ok(SharedSecret::from(secret))
    }

    fn pub_key(&self) -> &[u8] {
        &self.share
    }

    fn group(&self) -> NamedGroup {
        NamedGroup::from(SECP384R1MLKEM1024_CODE)
    }
}

/// The ECDH and ML-KEM parts of a share; the ML-KEM part must not be empty.
fn split(share: &[u8]) -> Result<(&[u8], &[u8]), Error> {
    match share.len() > P384_SHARE {
        true => Ok(share.split_at(P384_SHARE)),
        false => Err(Error::PeerMisbehaved(PeerMisbehaved::InvalidKeyShare)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_and_server_agree_on_the_secret_and_the_share_layout() {
        let client = SECP384R1MLKEM1024.start().unwrap();
        assert_eq!(client.pub_key().len(), P384_SHARE + 1568);
        assert_eq!(client.pub_key()[0], 0x04, "uncompressed P-384 point first");
        let server = SECP384R1MLKEM1024
            .start_and_complete(client.pub_key())
            .unwrap();
        assert_eq!(server.pub_key.len(), P384_SHARE + 1568);
        let server_secret = server.secret.secret_bytes().to_vec();
        let client_secret = client.complete(&server.pub_key).unwrap();
        assert_eq!(client_secret.secret_bytes(), &server_secret[..]);
        assert_eq!(server_secret.len(), 48 + 32);
    }

    #[test]
    fn a_short_share_is_refused_and_the_group_is_tls13_only() {
        let client = SECP384R1MLKEM1024.start().unwrap();
        assert!(client.complete(&[4; P384_SHARE]).is_err());
        assert!(SECP384R1MLKEM1024.usable_for_version(ProtocolVersion::TLSv1_3));
        assert!(!SECP384R1MLKEM1024.usable_for_version(ProtocolVersion::TLSv1_2));
        assert_eq!(u16::from(SECP384R1MLKEM1024.name()), 0x11ed);
    }
}
