//! Our TLS stack over rustls: the one module that names `rustls`,
//! `tokio-rustls` and `webpki-roots`.
//!
//! - the crypto providers and what they offer ([`provider`]), the Mozilla
//!   roots ([`roots`]);
//! - the scanner's client: the capturing config and verifier ([`capture`]),
//!   the handshake driven by hand ([`handshake`]), the one hybrid group
//!   rustls lacks ([`hybrid`]);
//! - the verifying client of the webhooks and of PostgreSQL's
//!   `sslmode=require/verify-ca/verify-full` ([`verified`]);
//! - the lab's servers: configs, certificate resolvers and the acceptor
//!   (`server`), with an RSA signing key the `rsa` crate holds
//!   (`rsa_signer`).
//!
//! Other stages speak the protocol vocabulary re-exported here by name
//! (versions, alerts, groups, signature schemes, the stack's error) and get
//! configs and connections from these functions; they never name the crates.

pub mod capture;
pub mod handshake;
pub mod hybrid;
pub mod provider;
pub mod roots;
pub(crate) mod rsa_signer;
pub mod server;
pub mod verified;

pub use roots::mozilla_roots;

/// A set of algorithms (suites, groups, signature verification, key
/// loading): [`provider::scanning_provider`] and [`provider::default_provider`].
pub use rustls::crypto::CryptoProvider;
/// TLS 1.2 as the stack speaks it.
pub use rustls::version::TLS12;
/// TLS 1.3 as the stack speaks it.
pub use rustls::version::TLS13;
/// A TLS alert description (`handshake_failure`, `unknown_ca`, …) as the
/// peer sent it.
pub use rustls::AlertDescription;
/// Why the TLS stack refused a handshake (an alert received, a peer
/// misbehaving, a certificate problem).
pub use rustls::Error;
/// A TLS key-exchange group by its IANA code point.
pub use rustls::NamedGroup;
/// A TLS protocol version as it appears on the wire (`TLSv1_3`).
pub use rustls::ProtocolVersion;
/// A TLS signature scheme (`ECDSA_NISTP256_SHA256`, `RSA_PSS_SHA256`, …).
pub use rustls::SignatureScheme;
/// A protocol version the stack can speak, offered to [`capture::client_config`].
pub use rustls::SupportedProtocolVersion;
/// Every protocol version the stack speaks (TLS 1.3 and 1.2), newest first.
pub use rustls::ALL_VERSIONS;
