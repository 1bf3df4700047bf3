//! The inventory: what certificates and CAs exist, where they are served,
//! who owns them, and what changed between scans.
//!
//! - [`store`]: the embedded SQLite store (scans, endpoints, certificates,
//!   chains, observations, events); the only user of rusqlite.
//! - [`ca`]: the issuer graph confirmed by signatures, and each leaf's CA
//!   class (public, approved, shadow, self-signed, unknown).
//! - [`owners`]: owner rules, first match wins.
//! - [`fingerprint`]: a certificate named by a unique SHA-256 prefix.
//! - [`history`]: diffs between scans and the events they imply.
//! - [`endpoints`]: true endpoints: SNI variants folded into the endpoint,
//!   deployments, names not served here.

pub mod ca;
pub mod endpoints;
pub mod fingerprint;
pub mod history;
pub mod owners;
pub mod store;
pub mod view;
