//! Building the models of a scan straight from the store: what `findings`,
//! `scan` and the fixture generator share, with the revocation checks
//! stored for the scan's leaves and the certificates it found at rest.

use super::{build, ScanFacts, SubjectModels};
use crate::inventory::ca::TrustContext;
use crate::inventory::owners::OwnerRules;
use crate::inventory::store::{ScanRecord, Store, StoreError};
use crate::inventory::view;
use crate::policy::distrust::DistrustList;

/// What a scan's certificates are judged against.
pub struct Judgement<'a> {
    /// Public roots and approved anchors.
    pub trust: &'a TrustContext,
    /// Owner rules.
    pub owners: &'a OwnerRules,
    /// How many approved anchors are declared.
    pub approved_anchors: u64,
    /// The root programs' distrust events.
    pub distrust: &'a DistrustList,
}

/// Reads `scan` from `store` and builds every subject model.
pub fn from_store(
    store: &Store,
    scan: &ScanRecord,
    judgement: &Judgement<'_>,
) -> Result<SubjectModels, StoreError> {
    let leaves = store.endpoint_leaves(scan.id)?;
    let certificates = store.certificates_in_scan(scan.id)?;
    let observations = store.observations_without_chains(scan.id)?;
    let files = store.at_rest(scan.id)?;
    let graph = view::graph(&certificates, judgement.trust);
    let revocations = store.revocation_checks_as_of(scan.id)?;
    let mut models = build(&ScanFacts {
        scan,
        leaves: &leaves,
        files: &files,
        certificates: &certificates,
        observations: &observations,
        graph: &graph,
        owners: judgement.owners,
        approved_anchors: judgement.approved_anchors,
        distrust: judgement.distrust,
    });
    super::revocation::fill(&mut models.leaves, &revocations, scan.started_at);
    Ok(models)
}
