//! CA graph and classification: which certificate authority stands behind
//! each certificate, and is it one the organisation knows about? Pure
//! functions over certificates already in memory; no I/O.
//!
//! - [`TrustContext`] (`trust`): the Mozilla roots (`webpki-roots`) and the
//!   anchors the user approved (certificates, or SPKI SHA-256 hashes).
//! - [`CaGraph`] (`graph`): every known certificate, linked to its issuers.
//!   A link needs issuer DN == subject DN (raw DER), AKI == SKI when both are
//!   present, AND a signature that verifies ([`crate::certs::is_signed_by`]).
//!   Approved anchor certificates join the graph even if no server sent them.
//! - Classification (`classify`): [`CaGraph::classify_leaf`] walks confirmed
//!   issuer links upward (through certificates from any chain) and decides,
//!   first rule that holds wins:
//!   1. [`CaClass::Approved`]: a certificate on the way up is an approved
//!      anchor (same certificate, or same SPKI hash).
//!   2. [`CaClass::Public`]: a certificate on the way up has the key of a
//!      Mozilla root, or is signed by a Mozilla root's key.
//!   3. [`CaClass::SelfSigned`]: the leaf signs itself.
//!   4. [`CaClass::Shadow`]: the top is a self-signed CA nobody declared, or
//!      a CA whose issuer was never seen but which looks private: its
//!      issuer's name is no Mozilla root's and the leaf carries no embedded
//!      SCTs (publicly trusted certificates are CT-logged).
//!   5. [`CaClass::Unknown`]: anything else, e.g. the leaf's issuer was never
//!      seen, or the top CA's issuer is named like a Mozilla root (or the
//!      leaf is CT-logged) but no signature confirms it.
//!
//!   Limits: an anchor declared only by SPKI hash is recognised only when a
//!   certificate with that key is known; certificates signed with algorithms
//!   `certs::signed_by` cannot verify (MD5, DSA, ...) never link (a leaf that
//!   names itself as issuer still counts as self-signed).
//! - Leaves a chunk at a time (`leaves`): a graph over the certificates
//!   that can issue, with leaves attached and detached
//!   ([`CaGraph::attach_leaves`]), answers as the graph over everything.
//! - Chain shape (`chain_shape`): [`chain_shape`] judges a chain as served.

mod chain_shape;
mod classify;
mod graph;
mod leaves;
#[cfg(test)]
mod testpki;
#[cfg(test)]
mod tests;
mod trust;

pub use chain_shape::{chain_shape, ChainShape};
pub use graph::{key_text, CaGraph};
pub use leaves::{always_in_graph, CaUsage, IssuerNames, NameHashes};
pub use trust::TrustContext;

use serde::{Deserialize, Serialize};
use strum::{EnumMessage, EnumString, IntoStaticStr, VariantArray};
use time::OffsetDateTime;

/// Who stands behind a certificate, from the organisation's point of view.
/// Its names are derived: [`CaClass::name`], and `FromStr` accepting that
/// name case-insensitively (and `self-signed`); every class, in
/// declaration order, is [`VariantArray::VARIANTS`].
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    VariantArray,
    IntoStaticStr,
    EnumString,
    EnumMessage,
)]
#[serde(rename_all = "snake_case")]
#[strum(
    serialize_all = "snake_case",
    ascii_case_insensitive,
    parse_err_ty = UnknownCaClass,
    parse_err_fn = UnknownCaClass::named
)]
pub enum CaClass {
    /// Chains to a root in the Mozilla store.
    Public,
    /// Chains to an anchor the user declared in the configuration.
    Approved,
    /// Chains to a private CA nobody declared.
    Shadow,
    /// Signs itself.
    #[strum(to_string = "self_signed", serialize = "self-signed")]
    SelfSigned,
    /// The issuer was never seen and cannot be placed.
    Unknown,
}

impl CaClass {
    /// The snake_case name used in output and filters (same as serde).
    pub fn name(self) -> &'static str {
        self.into()
    }
}

impl std::fmt::Display for CaClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A filter value that names no [`CaClass`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown CA class {0:?} (expected one of public, approved, shadow, self_signed, unknown)")]
pub struct UnknownCaClass(pub String);

impl UnknownCaClass {
    /// The error for `text` (what `CaClass`'s derived `FromStr` returns).
    fn named(text: &str) -> UnknownCaClass {
        UnknownCaClass(text.to_string())
    }
}

/// The verdict on one certificate and the path that led to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeafClassification {
    /// The class (see the module docs for the rules).
    pub class: CaClass,
    /// SHA-256 of the anchor certificate when one is known: the approved or
    /// Mozilla-keyed certificate on the path, the shadow top, or the leaf
    /// itself when self-signed. `None` for a Mozilla root known only by key.
    pub anchor_sha256: Option<String>,
    /// SPKI SHA-256 of the anchor (also set for Mozilla roots known by key only).
    pub anchor_spki_sha256: Option<String>,
    /// The anchor's subject DN (RFC 4514).
    pub anchor_subject: Option<String>,
    /// SHA-256s from the leaf upward, leaf first, ending at the anchor (or at
    /// the highest certificate reached). Empty when the leaf is not in the graph.
    pub path: Vec<String>,
}

/// One CA certificate in the inventory (basic constraints say CA, or it
/// confirmedly signed another certificate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaSummary {
    /// SHA-256 of the certificate.
    pub sha256: String,
    /// SHA-256 of its SubjectPublicKeyInfo.
    pub spki_sha256: String,
    /// Subject DN (RFC 4514).
    pub subject: String,
    /// Class of the CA itself, classified as if it were a leaf, except that
    /// an undeclared self-signed CA is [`CaClass::Shadow`], not self-signed.
    pub class: CaClass,
    /// Key summary, e.g. "RSA 2048", "EC P-256", "Ed25519".
    pub key: String,
    /// End of validity (UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// The certificate verifiably signs itself.
    pub self_signed: bool,
    /// Distinct certificates it confirmedly signed (itself excluded).
    pub issued: u64,
    /// False for an approved anchor known only from the configuration.
    pub served: bool,
    /// Leaves whose classification path runs through this CA; 0 until
    /// [`CaGraph::fill_usage`] fills it.
    pub leaves: u64,
    /// Sum of the endpoint counts of those leaves; 0 until filled.
    pub endpoints: u64,
}
