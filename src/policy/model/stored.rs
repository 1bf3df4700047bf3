//! Building the models of a scan straight from the store: what `findings`,
//! `scan` and the fixture generator share, with the revocation checks
//! stored for the scan's leaves and the certificates it found at rest.

use super::build::{build_in_chunks, LEAF_CHUNK};
use super::{LeafModel, ScanFacts, SubjectModels};
use crate::inventory::ca::TrustContext;
use crate::inventory::owners::OwnerRules;
use crate::inventory::view;
use crate::policy::distrust::DistrustList;
use crate::store::{ScanRecord, Store, StoreError};

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
    let mut leaves = Vec::new();
    let mut models = from_store_in_chunks(store, scan, judgement, LEAF_CHUNK, |chunk| {
        leaves.extend(chunk);
    })?;
    models.leaves = leaves;
    Ok(models)
}

/// Reads `scan` from `store` and builds its models as
/// [`build_in_chunks`] does: the leaf models go to `each`, at most `chunk`
/// at a time, with their revocation status; the rest is returned. The
/// stored certificates are read once into the CA graph and dropped before
/// any model is built.
pub fn from_store_in_chunks(
    store: &Store,
    scan: &ScanRecord,
    judgement: &Judgement<'_>,
    chunk: usize,
    mut each: impl FnMut(Vec<LeafModel>),
) -> Result<SubjectModels, StoreError> {
    let mut leaves = store.endpoint_leaves(scan.id)?;
    let (graph, seen) = {
        let certificates = store.certificates_in_scan(scan.id)?;
        (
            view::graph(&certificates, judgement.trust),
            super::build::seen(&certificates),
        )
    };
    super::build::strip_leaf_views(&mut leaves, &graph);
    let observations = store.observations_without_chains(scan.id)?;
    let files = store.at_rest(scan.id)?;
    let revocations = store.revocation_checks_as_of(scan.id)?;
    let facts = ScanFacts {
        scan,
        leaves: &leaves,
        files: &files,
        seen: &seen,
        observations: &observations,
        graph: &graph,
        owners: judgement.owners,
        approved_anchors: judgement.approved_anchors,
        distrust: judgement.distrust,
    };
    Ok(build_in_chunks(&facts, chunk, |mut part| {
        super::revocation::fill(&mut part, &revocations, scan.started_at);
        each(part);
    }))
}
