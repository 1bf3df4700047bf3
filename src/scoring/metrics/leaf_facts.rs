//! The properties of one leaf that the leaf metrics count (expiring
//! unrenewed, weak key or signature, chain as sent and correct, profile
//! conformance), shared by the estate's metrics and the chunk-by-chunk
//! [`super::LeafTally`].

use super::cabf;
use crate::policy::model::LeafModel;

/// Days left under which a served leaf counts as expiring unrenewed, for
/// leaves of 56 days or more; shorter ones use a quarter of their lifetime
/// ([`expiry_horizon_days`]).
pub const EXPIRY_HORIZON_DAYS: i64 = 14;

/// The expiry horizon of a certificate valid `lifetime` days: 14 days or a
/// quarter of its lifetime, whichever is shorter. A 7-day certificate
/// renewed on schedule (ACME clients renew at about two thirds of the
/// lifetime) is never within it; one with 1 of 7 days left is.
pub fn expiry_horizon_days(lifetime: f64) -> f64 {
    (EXPIRY_HORIZON_DAYS as f64).min(lifetime / 4.0)
}

/// Served and not expired, with days left within its expiry horizon.
pub(super) fn expiring_unrenewed(leaf: &LeafModel) -> bool {
    let c = &leaf.certificate;
    !c.expired && within_expiry_horizon(c.days_left as f64, c.lifetime_days as f64)
}

/// Whether `days_left` on a certificate valid `lifetime` days lies within
/// its expiry horizon ([`expiry_horizon_days`]): a served leaf then counts
/// as expiring unrenewed, a renewal deployed then as late.
pub fn within_expiry_horizon(days_left: f64, lifetime: f64) -> bool {
    days_left < expiry_horizon_days(lifetime)
}

/// RSA under 2048 bits, EC under 256 bits, or DSA.
pub fn weak_key(leaf: &LeafModel) -> bool {
    let key = &leaf.certificate.key;
    match key.algorithm.as_str() {
        "rsa" => key.bits < 2048,
        "ec" => key.bits < 256,
        "dsa" => true,
        _ => false,
    }
}

/// Signed with SHA-1, MD5 or MD2.
pub(super) fn weak_signature(leaf: &LeafModel) -> bool {
    matches!(
        leaf.certificate.signature.hash.as_str(),
        "sha1" | "md5" | "md2"
    )
}

/// Served, with at least one chain recorded as the server sent it.
pub(super) fn chain_measured(leaf: &LeafModel) -> bool {
    !leaf.endpoints.is_empty() && !leaf.chain_leaf_only
}

/// Every chain it is served with is correct (a root included is not a fault).
pub(super) fn chain_correct(leaf: &LeafModel) -> bool {
    leaf.chain_problems.iter().all(|p| p == "root_included")
}

/// With a SAN, no mismatched name, not a CA, and within the CA/B Forum
/// maximum validity of its issuance date.
pub(super) fn profile_conforms(leaf: &LeafModel) -> bool {
    let c = &leaf.certificate;
    let has_san = !c.san.dns.is_empty() || !c.san.ip.is_empty();
    has_san
        && leaf.mismatched_names.is_empty()
        && !c.is_ca
        && c.lifetime_days <= cabf::max_validity_days(leaf)
}
