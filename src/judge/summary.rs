//! The one-screen inventory summary of a judged scan
//! ([`InventorySummary`]), folded from its leaf models chunk by chunk as
//! they are built ([`SummaryFold`]) rather than from an inventory row of
//! every leaf at once with a CA graph over every certificate: the models
//! already carry each leaf's CA class, anchor, expiry and endpoints. The
//! counts of what changed come from the diff ([`super::changes`]).

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use time::{Duration, OffsetDateTime};

use crate::inventory::ca::CaClass;
use crate::inventory::view::InventorySummary;
use crate::policy::model::{LeafModel, ModelChunk};
use crate::policy::presence::KeyDigest;
use crate::time_text::parse_rfc3339;

/// The leaf facts of the summary, folded a chunk of leaf models at a time.
#[derive(Debug, Default)]
pub struct SummaryFold {
    /// The time expiry is judged at (the clock's now, as `inventory`
    /// judges it).
    now: Option<OffsetDateTime>,
    certificates: u64,
    expired: u64,
    expiring_30_days: u64,
    by_class: BTreeMap<CaClass, u64>,
    shadow_cas: BTreeSet<String>,
    /// Each endpoint (address, port) serving a leaf, as a 16-byte digest
    /// in two words: an endpoint is counted once, however many leaves or
    /// names it has.
    endpoints: Vec<[u64; 2]>,
}

/// What changed since the previous scan, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiffCounts {
    /// Leaves not served in the previous scan.
    pub new: u64,
    /// Endpoints whose leaf changed.
    pub changed: u64,
    /// Leaves no longer served.
    pub gone: u64,
}

impl SummaryFold {
    /// Nothing folded yet; expiry judged at `now`.
    pub fn at(now: OffsetDateTime) -> SummaryFold {
        SummaryFold {
            now: Some(now),
            ..SummaryFold::default()
        }
    }

    /// Folds in the leaves of `chunk` (other chunks add nothing).
    pub fn add_chunk(&mut self, chunk: &ModelChunk) {
        if let ModelChunk::Leaves(leaves) = chunk {
            leaves.iter().for_each(|leaf| self.add(leaf));
        }
    }

    fn add(&mut self, leaf: &LeafModel) {
        let now = self.now.unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let c = &leaf.certificate;
        self.certificates += 1;
        if let Some(not_after) = parse_rfc3339(&c.not_after) {
            self.expired += u64::from(not_after < now);
            let soon = not_after >= now && not_after <= now + Duration::days(30);
            self.expiring_30_days += u64::from(soon);
        }
        let class = CaClass::from_str(&leaf.ca_class).unwrap_or(CaClass::Unknown);
        *self.by_class.entry(class).or_default() += 1;
        if class == CaClass::Shadow {
            let ca = if leaf.anchor.is_empty() {
                &c.issuer.dn
            } else {
                &leaf.anchor
            };
            self.shadow_cas.insert(ca.clone());
        }
        for endpoint in &leaf.endpoints {
            let port = endpoint.port.to_string();
            self.endpoints
                .push(KeyDigest::of(&endpoint.address, &port).words());
        }
    }

    /// The summary, with what changed.
    pub fn finish(mut self, diff: DiffCounts) -> InventorySummary {
        self.endpoints.sort_unstable();
        self.endpoints.dedup();
        InventorySummary {
            endpoints: self.endpoints.len() as u64,
            certificates: self.certificates,
            new: diff.new,
            changed: diff.changed,
            gone: diff.gone,
            expired: self.expired,
            expiring_30_days: self.expiring_30_days,
            by_class: self.by_class,
            shadow_cas: self.shadow_cas.into_iter().collect(),
        }
    }
}
