//! Building the models of a scan straight from the store: what `findings`,
//! `scan` and the fixture generator share, with the revocation checks
//! stored for the scan's leaves and the certificates it found at rest.

use std::collections::{BTreeMap, HashMap};

use super::build::{build_in_chunks, rows_in_chunks, LEAF_CHUNK};
use super::endpoint::EndpointPages;
use super::facts::{LeafSummaries, Seen};
use super::{EndpointChunk, EndpointModel, ModelChunk, ScanFacts, SubjectModels};
use crate::columns::Sha;
use crate::inventory::ca::{always_in_graph, CaGraph, IssuerNames, NameHashes, TrustContext};
use crate::inventory::owners::OwnerRules;
use crate::inventory::view::InventoryRow;
use crate::policy::distrust::DistrustList;
use crate::store::{
    EndpointLeaf, EndpointLeafTable, FilePlacement, ScanRecord, Store, StoreError,
    StoredCertificate,
};

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
    let mut kept = SubjectModels::default();
    let mut models = from_store_in_chunks(store, scan, judgement, LEAF_CHUNK, |chunk| {
        kept.keep(chunk);
    })?;
    models.take_kept(kept);
    Ok(models)
}

/// Reads `scan` from `store` and builds its models a chunk at a time,
/// handing each chunk to `each`: first the endpoint models, a page of at
/// most `chunk` observations at a time ([`ModelChunk::Endpoints`]), then,
/// as [`build_in_chunks`] does, the leaf models, at most `chunk` at a time,
/// with their revocation status, and the chain models; the CA and
/// inventory models are returned (the leaf, chain and endpoint models of
/// the returned models are empty). Each kind comes in model order, the
/// same models whatever `chunk`. Every
/// read goes `chunk` at a time too: the scan's certificates are read a
/// page at a time ([`ScanCertificates`]):
/// the CA graph holds those that can issue, and each chunk's leaves are
/// read again, attached to it and dropped; the endpoint leaves are folded
/// with their views a batch at a time and the observations read a page of
/// endpoints at a time, into the endpoint models.
pub fn from_store_in_chunks(
    store: &Store,
    scan: &ScanRecord,
    judgement: &Judgement<'_>,
    chunk: usize,
    mut each: impl FnMut(ModelChunk),
) -> Result<SubjectModels, StoreError> {
    let leaves = store.endpoint_leaf_table(scan.id, chunk)?;
    let files = store.at_rest(scan.id)?;
    let read = ScanCertificates::read(store, scan, (&leaves, &files), judgement.trust, chunk)?;
    let mut graph = read.graph;
    let cn = |l: &EndpointLeaf| Some(read.summaries.get(&l.leaf_sha256)?.cn()?.to_string());
    let mut pages = EndpointPages::new(&leaves, &cn);
    let leaf_pq = |e: &EndpointModel| {
        let summary = read.summaries.get(&e.leaf_sha256);
        summary.is_some_and(|s| s.post_quantum())
    };
    store.observations_by_endpoint(scan.id, chunk, |page| {
        let models = pages.add(&page);
        let leaf_post_quantum = models.iter().map(leaf_pq).collect();
        each(ModelChunk::Endpoints(EndpointChunk {
            models,
            leaf_post_quantum,
        }));
    })?;
    let starttls = pages.finish();
    let revocations = store.revocation_checks_as_of(scan.id)?;
    let facts = ScanFacts {
        scan,
        leaves: &leaves,
        files: &files,
        seen: &read.seen,
        summaries: &read.summaries,
        starttls: &starttls,
        trust: judgement.trust,
        owners: judgement.owners,
        approved_anchors: judgement.approved_anchors,
        distrust: judgement.distrust,
    };
    let mut load = |shas: &[&str]| store.certificates_by_sha256(shas);
    build_in_chunks(&facts, &mut graph, &mut load, chunk, |mut part| {
        if let ModelChunk::Leaves(leaves) = &mut part {
            super::revocation::fill(leaves, &revocations, scan.started_at);
        }
        each(part);
    })
}

/// Reads `scan` from `store` and hands its inventory rows, judged at
/// `now`, to `each` at most `chunk` at a time, in SHA-256 order, with the
/// CA graph their leaves are attached to (see [`rows_in_chunks`]); returns
/// that graph, every leaf detached. The reads are those of
/// [`from_store_in_chunks`] without the observations, so a listing of a
/// million leaves holds one chunk of rows, the CA graph and the compact
/// leaf table.
pub fn inventory_rows_in_chunks(
    store: &Store,
    scan: &ScanRecord,
    (trust, owners): (&TrustContext, &OwnerRules),
    (chunk, now): (usize, time::OffsetDateTime),
    each: impl FnMut(&CaGraph, Vec<InventoryRow>),
) -> Result<CaGraph, StoreError> {
    let leaves = store.endpoint_leaf_table(scan.id, chunk)?;
    let files = store.at_rest(scan.id)?;
    let read = ScanCertificates::read(store, scan, (&leaves, &files), trust, chunk)?;
    let mut graph = read.graph;
    let facts = ScanFacts {
        scan,
        leaves: &leaves,
        files: &files,
        seen: &read.seen,
        summaries: &read.summaries,
        starttls: &BTreeMap::new(),
        trust,
        owners,
        approved_anchors: 0,
        distrust: &DistrustList::default(),
    };
    let mut load = |shas: &[&str]| store.certificates_by_sha256(shas);
    rows_in_chunks(&facts, &mut graph, &mut load, (chunk, now), each)?;
    Ok(graph)
}

/// What one pass over a scan's stored certificates keeps: the CA graph of
/// those that can issue, when each parsed one was seen, and the summary of
/// each one served as a leaf or found at rest. No leaf's DER or view.
struct ScanCertificates {
    graph: CaGraph,
    seen: Seen,
    summaries: LeafSummaries,
}

impl ScanCertificates {
    /// Reads the certificates of `scan` `page` at a time; those that may
    /// have signed another are then read again into the graph.
    fn read(
        store: &Store,
        scan: &ScanRecord,
        (leaves, files): (&EndpointLeafTable, &[FilePlacement]),
        trust: &TrustContext,
        page: usize,
    ) -> Result<ScanCertificates, StoreError> {
        // sorted, not hashed: 32 bytes a leaf
        let mut leaf_shas: Vec<Sha> = (0..leaves.len())
            .filter_map(|k| leaves.leaf_sha(k))
            .chain(files.iter().map(|f| Sha::of(&f.sha256)))
            .collect();
        leaf_shas.sort_unstable();
        leaf_shas.dedup();
        let mut seen = Seen::default();
        let mut summaries = LeafSummaries::default();
        let mut names = IssuerNames::default();
        // (position in the scan's order, certificate) of the graph's
        let mut kept: Vec<(usize, StoredCertificate)> = Vec::new();
        let mut maybe: Vec<(usize, Sha, NameHashes)> = Vec::new();
        let mut position = 0;
        store.certificates_in_scan_paged(scan.id, page, |certificate, above_a_leaf| {
            position += 1;
            let Some(view) = &certificate.view else {
                return;
            };
            let sha = certificate.sha256.as_str();
            seen.insert(sha, (certificate.first_seen, certificate.last_seen));
            if leaf_shas.binary_search(&Sha::of(sha)).is_ok() {
                summaries.insert(sha, view);
            }
            let hashes = NameHashes::of(view);
            names.note(hashes);
            if always_in_graph(view, above_a_leaf, trust) {
                kept.push((position, certificate));
            } else {
                maybe.push((position, Sha::of(&certificate.sha256), hashes));
            }
        })?;
        drop(leaf_shas);
        seen.seal();
        summaries.seal();
        let issuing: Vec<(usize, String)> = maybe
            .into_iter()
            .filter(|(_, _, hashes)| names.may_issue(*hashes))
            .map(|(at, sha, _)| (at, seen.text_of(sha)))
            .collect();
        let shas: Vec<&str> = issuing.iter().map(|(_, sha)| sha.as_str()).collect();
        let positions: HashMap<&str, usize> = issuing
            .iter()
            .map(|(at, sha)| (sha.as_str(), *at))
            .collect();
        for certificate in store.certificates_by_sha256(&shas)? {
            if let Some(&at) = positions.get(certificate.sha256.as_str()) {
                kept.push((at, certificate));
            }
        }
        kept.sort_by_key(|(at, _)| *at);
        let parsed = kept
            .iter()
            .filter_map(|(_, c)| Some((c.der.as_slice(), c.view.as_ref()?)));
        let graph = CaGraph::build_from(parsed, trust);
        Ok(ScanCertificates {
            graph,
            seen,
            summaries,
        })
    }
}
