//! The inventory: what certificates and CAs exist, where they are served,
//! who owns them, and what changed between scans.
//!
//! - [`ca`]: the issuer graph confirmed by signatures, and each leaf's CA
//!   class (public, approved, shadow, self-signed, unknown).
//! - [`owners`]: owner rules, first match wins.
//! - [`history`]: diffs between scans and the events they imply.
//! - [`private_roots`](mod@private_roots): the undeclared top CAs of a scan's shadow chains.

pub mod ca;
pub mod history;
pub mod owners;
pub mod private_roots;
pub mod view;
