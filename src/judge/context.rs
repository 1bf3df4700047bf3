//! What a scan is judged against besides its rules: the trust context
//! (public roots plus the approved anchors) that classifies CAs, and the
//! owner rules. Built once per command from the config.

use crate::config::{Config, ConfigError};
use crate::inventory::ca::TrustContext;
use crate::inventory::owners::OwnerRules;

/// What classification and ownership are judged against.
pub struct InventoryContext {
    /// Public roots plus the approved anchors.
    pub trust: TrustContext,
    /// The owner rules, first match wins.
    pub owners: OwnerRules,
    /// Approved anchors declared (files, SPKI hashes and extra certificates).
    pub approved_anchors: u64,
    /// Digest of the approved anchors (certificates and SPKI hashes).
    pub anchors_digest: String,
    /// Digest of the owner rules.
    pub owners_digest: String,
}

impl InventoryContext {
    /// From the config (if any) plus `extra_approved` anchor certificates.
    pub fn new(config: Option<&Config>, extra_approved: Vec<Vec<u8>>) -> Result<Self, ConfigError> {
        let mut approved = extra_approved;
        let mut spki = Vec::new();
        let mut owners = OwnerRules::new();
        let mut owner_specs = Vec::new();
        if let Some(config) = config {
            approved.extend(config.approved_anchor_ders()?);
            spki = config.approved_spki();
            owners = config.owner_rules()?;
            owner_specs = config
                .owners
                .iter()
                .map(|o| format!("{:?}", o.rule))
                .collect();
        }
        let approved_anchors = (approved.len() + spki.len()) as u64;
        let (anchors_digest, owners_digest) = context_digests(&approved, &spki, &owner_specs);
        Ok(InventoryContext {
            anchors_digest,
            owners_digest,
            trust: TrustContext::new(approved, spki, true),
            owners,
            approved_anchors,
        })
    }
}

/// Digests of the anchors (order-free) and of the owner rules (first match
/// wins: order matters).
fn context_digests(approved: &[Vec<u8>], spki: &[String], owners: &[String]) -> (String, String) {
    use crate::policy::digests::digest_parts;
    let mut anchors: Vec<String> = approved
        .iter()
        .map(|der| crate::certs::sha256_hex(der))
        .chain(spki.iter().map(|s| format!("spki:{s}")))
        .collect();
    anchors.sort();
    (digest_parts(&anchors), digest_parts(owners))
}
