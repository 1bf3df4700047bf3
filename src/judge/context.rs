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
}

impl InventoryContext {
    /// From the config (if any) plus `extra_approved` anchor certificates.
    pub fn new(config: Option<&Config>, extra_approved: Vec<Vec<u8>>) -> Result<Self, ConfigError> {
        let mut approved = extra_approved;
        let mut spki = Vec::new();
        let mut owners = OwnerRules::new();
        if let Some(config) = config {
            approved.extend(config.approved_anchor_ders()?);
            spki = config.approved_spki();
            owners = config.owner_rules()?;
        }
        let approved_anchors = (approved.len() + spki.len()) as u64;
        Ok(InventoryContext {
            trust: TrustContext::new(approved, spki, true),
            owners,
            approved_anchors,
        })
    }
}
