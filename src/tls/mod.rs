//! Our TLS stack over rustls.

pub mod capture;
pub mod handshake;
pub mod hybrid;
pub(crate) mod rsa_signer;
pub(crate) mod server;
