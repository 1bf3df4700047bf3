//! Computing the subject models of one stored scan ([`build_in_chunks`])
//! from what the inventory returns: leaves with their rows, a chunk at a
//! time, CAs from the graph, chains as sent, and the inventory totals (the
//! endpoint models come from the observations, `endpoint`). Dates are judged at the scan's start, so evaluating a scan again
//! later gives the same models.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use time::OffsetDateTime;

use super::facts::{post_quantum_ready, LeafSummaries, Seen};
use super::{
    relations, served_at, CaModel, CertificateFields, ChainLeaf, ChainModel, EndpointModel,
    EndpointRef, InventoryModel, KeyModel, LeafModel, ModelChunk, NameModel, SanModel,
    SignatureModel,
};
use crate::at_rest::FileLocation;
use crate::certs::hostname as names;
use crate::certs::{CertificateView, DistinguishedName};
use crate::columns::Sha;
use crate::inventory::ca::{CaClass, CaGraph, CaUsage, ChainShape, TrustContext};
use crate::inventory::owners::OwnerRules;
use crate::inventory::view::{self, InventoryRow};
use crate::observation::SniSource;
use crate::policy::distrust::{self, DistrustList};
use crate::store::endpoints;
use crate::store::{
    EndpointLeaf, EndpointLeafTable, EndpointLeaves, EndpointName, FilePlacement, ScanRecord,
    ScanStatus, StoreError, StoredCertificate,
};
use crate::time_text::rfc3339;

/// What one stored scan provides for evaluation.
pub struct ScanFacts<'a> {
    /// The scan.
    pub scan: &'a ScanRecord,
    /// Its endpoint leaves, without views (building reads the leaves'
    /// certificates a chunk at a time), compactly.
    pub leaves: &'a EndpointLeafTable,
    /// The certificates it found at rest (never endpoints).
    pub files: &'a [FilePlacement],
    /// When the inventory first and last saw each parsed certificate of the
    /// scan (by SHA-256).
    pub seen: &'a Seen,
    /// What relating the leaves needs of each parsed certificate served as
    /// a leaf or found at rest, by SHA-256 (see [`LeafSummary`]).
    pub summaries: &'a LeafSummaries,
    /// The STARTTLS dialect of each endpoint (address, port) that used
    /// one.
    pub starttls: &'a BTreeMap<(String, u16), String>,
    /// Public roots and approved anchors: what leaves attached to the CA
    /// graph are judged against.
    pub trust: &'a TrustContext,
    /// The owner rules.
    pub owners: &'a OwnerRules,
    /// Approved anchors declared in the config.
    pub approved_anchors: u64,
    /// The root programs' distrust events.
    pub distrust: &'a DistrustList,
}

/// Reads the stored certificates with the given SHA-256s (the leaves of one
/// chunk that the CA graph does not hold).
pub type LoadCertificates<'l> =
    dyn FnMut(&[&str]) -> Result<Vec<StoredCertificate>, StoreError> + 'l;

/// Every subject model of a scan.
#[derive(Debug, Clone, Default)]
pub struct SubjectModels {
    /// The evaluation time (the scan's start).
    pub at: Option<OffsetDateTime>,
    /// One per distinct leaf.
    pub leaves: Vec<LeafModel>,
    /// One per CA certificate.
    pub cas: Vec<CaModel>,
    /// One per distinct chain as sent.
    pub chains: Vec<ChainModel>,
    /// One per endpoint with a TLS session.
    pub endpoints: Vec<EndpointModel>,
    /// The scan as a whole.
    pub inventory: InventoryModel,
}

impl SubjectModels {
    /// Appends the models of `chunk` to those of its kind.
    pub fn keep(&mut self, chunk: ModelChunk) {
        match chunk {
            ModelChunk::Leaves(leaves) => self.leaves.extend(leaves),
            ModelChunk::Chains(chains) => self.chains.extend(chains),
            ModelChunk::Endpoints(endpoints) => self.endpoints.extend(endpoints.models),
        }
    }

    /// Takes the leaf, chain and endpoint models `kept` ([`Self::keep`])
    /// as its own, in place of its own (the models a chunked build
    /// returns have none).
    pub fn take_kept(&mut self, kept: SubjectModels) {
        self.leaves = kept.leaves;
        self.chains = kept.chains;
        self.endpoints = kept.endpoints;
    }
}

/// How many leaf models [`build_in_chunks`] makes at a time.
pub const LEAF_CHUNK: usize = 4096;

/// Builds the models of the scan in `facts`, handing the leaf models to
/// `each` in model order, at most `chunk` at a time, then the chain models
/// the same way ([`ModelChunk::Leaves`], then [`ModelChunk::Chains`]; the
/// returned models have neither). `graph` holds the scan's certificates that can issue;
/// each chunk's leaves are read with `load`, attached to it, judged and
/// detached, so only one chunk of leaf certificates, inventory rows and
/// leaf models is alive at once; the relations between leaves come from a
/// compact index built first. The same leaves, in the same order, whatever
/// `chunk`. The endpoint models are left empty: they are built from the
/// observations a page at a time (`endpoint::EndpointPages`), before the
/// leaves ([`from_store_in_chunks`](super::from_store_in_chunks)).
pub fn build_in_chunks(
    facts: &ScanFacts<'_>,
    graph: &mut CaGraph,
    load: &mut LoadCertificates<'_>,
    chunk: usize,
    mut each: impl FnMut(ModelChunk),
) -> Result<SubjectModels, StoreError> {
    let at = facts.scan.started_at;
    let index = Index::new(facts);
    let relations = relation_index(&index, facts);
    let named = Named {
        index: &index,
        summaries: facts.summaries,
    };
    let mut tally = Tally::default();
    let mut usage = CaUsage::default();
    let mut shapes: HashMap<&[u32], Option<ChainShape>> = HashMap::new();
    let mut classes = Vec::with_capacity(index.ordered.len());
    for (n, part) in index.ordered.chunks(chunk.max(1)).enumerate() {
        let shas: Vec<String> = part.iter().map(|(sha, _)| index.text(*sha)).collect();
        attach(graph, shas.iter().map(String::as_str), load, facts.trust)?;
        let graph = &*graph;
        // where each leaf is served, made whole once for its row and model
        let mut places = Vec::with_capacity(part.len());
        let rows = chunk_rows(facts, &index, graph, (part, &shas), at, |served| {
            places.push(served.iter().map(|l| endpoint_ref(l, &index)).collect());
        });
        for (&(_, served), sha) in part.iter().zip(&shas) {
            let served = index.positions(served);
            graph.count_usage(&mut usage, sha, served.len() as u64);
            for &k in served {
                let chain = facts.leaves.chain(k as usize);
                if !chain.is_empty() {
                    shapes.entry(chain).or_insert_with(|| {
                        graph.chain_shape(&facts.leaves.chain_texts(k as usize))
                    });
                }
            }
        }
        tally.add(&rows);
        classes.extend(rows.iter().map(|r| r.ca_class));
        let first = n * chunk.max(1);
        let leaves = rows
            .iter()
            .zip(places)
            .enumerate()
            .map(|(k, (row, endpoints))| {
                let mut model = LeafModel {
                    distrust: distrust_hits(row, facts, graph),
                    ..leaf(row, endpoints, at)
                };
                relations.apply(first + k, &mut model, &named);
                model
            })
            .collect();
        each(ModelChunk::Leaves(leaves));
    }
    let strays = index.strays(facts);
    attach(graph, strays.iter().map(String::as_str), load, facts.trust)?;
    graph.detach_leaves();
    let cas = cas(graph, usage, at);
    let known = (&index, classes.as_slice(), &shapes);
    chains(facts, known, chunk, &mut |part| {
        each(ModelChunk::Chains(part))
    });
    Ok(SubjectModels {
        at: Some(at),
        cas,
        chains: Vec::new(),
        endpoints: Vec::new(),
        inventory: tally.inventory(facts),
        leaves: Vec::new(),
    })
}

/// The inventory rows of the scan in `facts`, judged at `at`, handed to
/// `each` at most `chunk` at a time in SHA-256 order, with the graph their
/// leaves are attached to: the rows [`build_in_chunks`] makes its leaf
/// models of (judged at the scan's start), for a caller that lists them
/// (`inventory`, as of now) or counts what each CA issued (`cas`). Each
/// chunk's leaves are read with `load` and attached to `graph`, then
/// detached, as building does; the scan's other parsed certificates are
/// attached last, so that `graph` then counts every certificate each CA
/// signed, as a graph over every certificate would.
pub fn rows_in_chunks(
    facts: &ScanFacts<'_>,
    graph: &mut CaGraph,
    load: &mut LoadCertificates<'_>,
    (chunk, at): (usize, OffsetDateTime),
    mut each: impl FnMut(&CaGraph, Vec<InventoryRow>),
) -> Result<(), StoreError> {
    let index = Index::new(facts);
    for part in index.ordered.chunks(chunk.max(1)) {
        let shas: Vec<String> = part.iter().map(|(sha, _)| index.text(*sha)).collect();
        attach(graph, shas.iter().map(String::as_str), load, facts.trust)?;
        let rows = chunk_rows(facts, &index, graph, (part, &shas), at, |_| ());
        each(graph, rows);
    }
    let strays = index.strays(facts);
    attach(graph, strays.iter().map(String::as_str), load, facts.trust)?;
    graph.detach_leaves();
    Ok(())
}

/// The inventory rows, judged at `at`, of the leaves `part` of `index`
/// (whose SHA-256 texts are `shas`, attached to `graph`); each leaf's
/// endpoint leaves are handed to `served` as they are made whole.
fn chunk_rows(
    facts: &ScanFacts<'_>,
    index: &Index<'_>,
    graph: &CaGraph,
    (part, shas): (&[IndexedLeaf], &[String]),
    at: OffsetDateTime,
    mut served: impl FnMut(&[EndpointLeaf]),
) -> Vec<InventoryRow> {
    let mut rows: Vec<InventoryRow> = part
        .iter()
        .zip(shas)
        .map(|(&(key, at_endpoints), sha)| {
            let view = graph
                .certificate(sha)
                .expect("indexed leaves are attached to the graph");
            let seen = facts.seen.get_by(key).expect("indexed leaves were seen");
            let leaves = index.leaves(at_endpoints);
            served(&leaves);
            view::leaf_row(
                view,
                seen,
                &leaves.iter().collect::<Vec<_>>(),
                index.files.get(sha.as_str()).cloned().unwrap_or_default(),
                graph,
                facts.owners,
                at,
            )
        })
        .collect();
    fill_earliest_sct(&mut rows, |sha| graph.der(sha));
    rows
}

/// Reads the certificates `shas` the graph does not hold and attaches them
/// (the ones attached before are detached).
fn attach<'s>(
    graph: &mut CaGraph,
    shas: impl Iterator<Item = &'s str>,
    load: &mut LoadCertificates<'_>,
    trust: &TrustContext,
) -> Result<(), StoreError> {
    let missing: Vec<&str> = shas.filter(|sha| !graph.contains(sha)).collect();
    let certificates = if missing.is_empty() {
        Vec::new()
    } else {
        load(&missing)?
    };
    let parsed = certificates
        .into_iter()
        .filter_map(|c| Some((c.der, c.view?)));
    graph.attach_leaves(parsed, trust);
    Ok(())
}

/// The relation index of the leaves in `index`, in model order.
fn relation_index(index: &Index<'_>, facts: &ScanFacts<'_>) -> relations::RelationIndex {
    let mut builder = relations::RelationBuilder::default();
    let endpoints =
        |served| -> Vec<EndpointRef> { served_refs(index, served).into_iter().collect() };
    for &(sha, served) in &index.ordered {
        let summary = facts.summaries.get_by(sha);
        let key = summary.expect("indexed leaves are summarised").key();
        builder.add(key, &endpoints(served));
    }
    builder.finish(&|i| endpoints(index.ordered[i as usize].1))
}

/// The leaves of `index` by number (model order), as their relations name
/// them.
struct Named<'x, 'a> {
    index: &'x Index<'a>,
    summaries: &'x LeafSummaries,
}

impl Named<'_, '_> {
    /// The summary of leaf `i`.
    fn summary(&self, i: u32) -> Option<super::facts::LeafSummary<'_>> {
        self.summaries.get_by(self.index.ordered[i as usize].0)
    }
}

impl relations::RelatedLeaves for Named<'_, '_> {
    fn sha256(&self, i: u32) -> String {
        self.index.text(self.index.ordered[i as usize].0)
    }

    fn cn(&self, i: u32) -> &str {
        self.summary(i).and_then(|s| s.cn()).unwrap_or_default()
    }

    fn names(&self, i: u32) -> Vec<&str> {
        let summary = self.summary(i);
        summary.map(|s| s.names().collect()).unwrap_or_default()
    }
}

/// A leaf of the index: its SHA-256, and where the endpoint leaves serving
/// it are in the index's positions (start, end).
type IndexedLeaf = (Sha, (u32, u32));

/// Lookups built once per scan, so that building stays linear.
struct Index<'a> {
    /// Each distinct parsed leaf (by SHA-256, in order), with where the
    /// endpoint leaves serving it are in `at` (start, end): the inventory
    /// rows' order, and the models'.
    ordered: Vec<IndexedLeaf>,
    /// The positions of the endpoint leaves in `leaves`, by leaf SHA-256
    /// and then in scan order.
    at: Vec<u32>,
    /// The scan's endpoint leaves.
    leaves: &'a EndpointLeafTable,
    /// When each certificate was seen: also the text of each SHA-256.
    seen: &'a Seen,
    /// Where each leaf was found at rest (an import of files: never
    /// endpoints).
    files: BTreeMap<&'a str, Vec<FileLocation>>,
    /// The STARTTLS dialect of each endpoint (address, port).
    starttls: &'a BTreeMap<(String, u16), String>,
}

impl<'a> Index<'a> {
    fn new(facts: &ScanFacts<'a>) -> Self {
        // (leaf, position of an endpoint leaf serving it, if any)
        let mut entries: Vec<(Sha, Option<u32>)> = Vec::with_capacity(facts.leaves.len());
        for k in 0..facts.leaves.len() {
            let n = u32::try_from(k).expect("fewer than 2^32 endpoint leaves in one scan");
            if let Some(sha) = facts.leaves.leaf_sha(k) {
                entries.push((sha, Some(n)));
            }
        }
        let mut files: BTreeMap<&str, Vec<FileLocation>> = BTreeMap::new();
        let leaf_at_rest =
            |f: &&FilePlacement| (facts.summaries.get(&f.sha256)).is_some_and(|s| !s.is_ca());
        for file in facts.files.iter().filter(leaf_at_rest) {
            entries.push((Sha::of(&file.sha256), None));
            let listed = files.entry(file.sha256.as_str()).or_default();
            listed.push(file.location.clone());
        }
        entries.sort_unstable();
        let mut ordered = Vec::new();
        let mut at = Vec::with_capacity(entries.len());
        for group in entries.chunk_by(|a, b| a.0 == b.0) {
            let sha = group[0].0;
            let known = facts.seen.get_by(sha).is_some() && facts.summaries.get_by(sha).is_some();
            if !known {
                continue;
            }
            let start = at.len() as u32;
            at.extend(group.iter().filter_map(|e| e.1));
            ordered.push((sha, (start, at.len() as u32)));
        }
        at.shrink_to_fit();
        Index {
            ordered,
            at,
            leaves: facts.leaves,
            seen: facts.seen,
            files,
            starttls: facts.starttls,
        }
    }
}

impl Index<'_> {
    /// The positions of the endpoint leaves at `(start, end)` of `at`.
    fn positions(&self, (start, end): (u32, u32)) -> &[u32] {
        &self.at[start as usize..end as usize]
    }

    /// The endpoint leaves at `(start, end)` of `at`, whole.
    fn leaves(&self, served: (u32, u32)) -> Vec<EndpointLeaf> {
        let positions = self.positions(served).iter();
        positions.map(|&k| self.leaves.get(k as usize)).collect()
    }

    /// The number of the leaf `sha` (its place in `ordered`), if indexed.
    fn position(&self, sha: Sha) -> Option<usize> {
        self.ordered.binary_search_by(|(s, _)| s.cmp(&sha)).ok()
    }

    /// The text of the SHA-256 `sha` of a certificate of the scan.
    fn text(&self, sha: Sha) -> String {
        self.seen.text_of(sha)
    }

    /// The parsed certificates of the scan that are neither leaves in
    /// `ordered` nor CAs: what the graph over every certificate would also
    /// have linked to their issuers (they count in what each CA signed).
    fn strays(&self, facts: &ScanFacts<'_>) -> Vec<String> {
        let mut strays: Vec<String> = (facts.seen.shas())
            .filter(|sha| self.position(Sha::of(sha)).is_none())
            .collect();
        strays.sort_unstable();
        strays
    }
}

/// The totals over the inventory rows, added up chunk by chunk.
#[derive(Default)]
struct Tally {
    certificates: i64,
    private_leaves: i64,
    shadow_leaves: i64,
    unassigned: i64,
    shadow_cas: BTreeSet<String>,
}

impl Tally {
    fn add(&mut self, rows: &[InventoryRow]) {
        let private = [CaClass::Approved, CaClass::Shadow, CaClass::Unknown];
        for r in rows {
            self.certificates += 1;
            self.private_leaves += i64::from(private.contains(&r.ca_class));
            self.shadow_leaves += i64::from(r.ca_class == CaClass::Shadow);
            self.unassigned += i64::from(r.owner.is_none());
            if r.ca_class == CaClass::Shadow {
                let ca = r.anchor.clone();
                self.shadow_cas
                    .insert(ca.unwrap_or_else(|| r.certificate.issuer.dn.clone()));
            }
        }
    }

    /// The totals of the scan.
    fn inventory(self, facts: &ScanFacts<'_>) -> InventoryModel {
        let leaves = facts.leaves;
        let mut endpoints: Vec<(&str, u16)> = (0..leaves.len())
            .map(|k| EndpointLeaves::place(leaves, k))
            .collect();
        endpoints.sort_unstable();
        endpoints.dedup();
        InventoryModel {
            scan_id: facts.scan.id.0,
            complete: facts.scan.status == ScanStatus::Complete,
            certificates: self.certificates,
            endpoints: endpoints.len() as i64,
            approved_anchors: count(facts.approved_anchors),
            private_leaves: self.private_leaves,
            shadow_leaves: self.shadow_leaves,
            unassigned: self.unassigned,
            shadow_cas: self.shadow_cas.into_iter().collect(),
        }
    }
}

fn name(dn: &DistinguishedName) -> NameModel {
    NameModel {
        dn: dn.dn.clone(),
        cn: dn.common_names.first().cloned().unwrap_or_default(),
        common_names: dn.common_names.clone(),
        o: dn.organizations.clone(),
        ou: dn.organizational_units.clone(),
    }
}

/// The certificate fields of `view`, dates judged at `at`.
pub(super) fn certificate_fields(view: &CertificateView, at: OffsetDateTime) -> CertificateFields {
    let bc = view.basic_constraints.as_ref();
    CertificateFields {
        sha256: view.sha256.clone(),
        spki_sha256: view.spki_sha256.clone(),
        serial: view.serial.clone(),
        version: i64::from(view.version),
        subject: name(&view.subject),
        issuer: name(&view.issuer),
        not_before: rfc3339(view.not_before),
        not_after: rfc3339(view.not_after),
        lifetime_days: validity_days(view),
        days_left: (view.not_after - at).whole_days(),
        expired: view.not_after < at,
        not_yet_valid: view.not_before > at,
        key: key_model(view),
        signature: signature_model(view),
        san: SanModel {
            dns: view.san.dns.clone(),
            ip: view.san.ip.clone(),
            email: view.san.email.clone(),
            uri: view.san.uri.clone(),
        },
        basic_constraints: bc.is_some(),
        is_ca: view.is_ca(),
        path_len: bc.and_then(|b| b.path_len).map_or(-1, i64::from),
        key_usage: view.key_usage.clone(),
        extended_key_usage: view.extended_key_usage.clone(),
        ocsp_urls: view.ocsp_urls.clone(),
        crl_urls: view.crl_urls.clone(),
        ca_issuer_urls: view.ca_issuer_urls.clone(),
        sct_count: i64::from(view.sct_count),
        earliest_sct: view.earliest_sct.map(rfc3339).unwrap_or_default(),
        post_quantum: post_quantum_ready(view),
        self_signed: view.self_signed,
    }
}

/// The key as rules see it (post-quantum fields from the certs table).
fn key_model(view: &CertificateView) -> KeyModel {
    let pq = view.key.algorithm.post_quantum();
    KeyModel {
        algorithm: view.key.algorithm.name(),
        bits: i64::from(view.key.bits),
        curve: view.key.curve.clone().unwrap_or_default(),
        post_quantum: pq.is_some(),
        nist_level: pq.map_or(0, |a| i64::from(a.nist_level)),
    }
}

/// The signature algorithm as rules see it.
fn signature_model(view: &CertificateView) -> SignatureModel {
    let sig = &view.signature_algorithm;
    let pq = sig.post_quantum();
    SignatureModel {
        algorithm: pq.map_or_else(|| sig.name.clone(), |a| a.name.to_string()),
        hash: sig.hash.clone().unwrap_or_default(),
        post_quantum: pq.is_some(),
        nist_level: pq.map_or(0, |a| i64::from(a.nist_level)),
    }
}

/// A count as a CEL int.
fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The validity period in days as the CA/Browser Forum counts it:
/// notBefore to notAfter inclusive (one second added), any part of a day
/// counting as a whole day.
fn validity_days(view: &CertificateView) -> i64 {
    let seconds = (view.not_after - view.not_before).whole_seconds() + 1;
    seconds.div_euclid(86_400) + i64::from(seconds.rem_euclid(86_400) != 0)
}

/// The leaf model of one inventory row served at `endpoints` (relations
/// filled later).
fn leaf(row: &InventoryRow, endpoints: BTreeSet<EndpointRef>, at: OffsetDateTime) -> LeafModel {
    let view = &row.certificate;
    let requested: BTreeSet<String> = endpoints
        .iter()
        .flat_map(|e| e.target_names.iter().cloned())
        .filter(|n| names::is_dns_name(n))
        .map(|n| n.to_ascii_lowercase())
        .collect();
    let mismatched = requested
        .iter()
        .filter(|n| !view.san.dns.iter().any(|p| names::name_matches(p, n)))
        .cloned()
        .collect();
    LeafModel {
        certificate: certificate_fields(view, at),
        ca_class: row.ca_class.name().to_string(),
        public: row.ca_class == CaClass::Public,
        anchor: row.anchor.clone().unwrap_or_default(),
        owner: row.owner.clone().unwrap_or_default(),
        owner_rule: row.owner_rule.clone().unwrap_or_default(),
        served_at: endpoints
            .iter()
            .map(|e| served_at(&e.address, e.port, Some(&e.sni)))
            .collect(),
        endpoints: endpoints.into_iter().collect(),
        stored_at: row.at_rest.iter().map(ToString::to_string).collect(),
        requested_names: requested.into_iter().collect(),
        mismatched_names: mismatched,
        chain_problems: row.chain_problems.clone(),
        chain_leaf_only: row.chain_leaf_only,
        key_reuse: Vec::new(),
        name_conflicts: Vec::new(),
        first_seen: rfc3339(row.first_seen),
        revocation: Default::default(),
        distrust: Vec::new(),
    }
}

/// Where the endpoint leaves at `served` of the index serve, as endpoint
/// references.
fn served_refs(index: &Index<'_>, served: (u32, u32)) -> BTreeSet<EndpointRef> {
    let leaves = index.leaves(served);
    leaves.iter().map(|l| endpoint_ref(l, index)).collect()
}

/// Views stored before the earliest SCT was recorded have SCTs but no
/// date: parse those leaves' DER again, so that a stored scan is judged as
/// a fresh one would be.
fn fill_earliest_sct<'d>(rows: &mut [InventoryRow], der: impl Fn(&str) -> Option<&'d [u8]>) {
    let stale =
        |r: &InventoryRow| r.certificate.sct_count > 0 && r.certificate.earliest_sct.is_none();
    for row in rows.iter_mut().filter(|r| stale(r)) {
        let parsed = der(row.sha256.as_str()).and_then(|d| crate::certs::parse_certificate(d).ok());
        row.certificate.earliest_sct = parsed.and_then(|v| v.earliest_sct);
    }
}

/// The distrust events the row's leaf falls under.
fn distrust_hits(
    row: &InventoryRow,
    facts: &ScanFacts<'_>,
    graph: &CaGraph,
) -> Vec<distrust::DistrustHit> {
    if facts.distrust.events.is_empty() {
        return Vec::new();
    }
    let view = &row.certificate;
    let path = distrust::path_keys(graph, &row.sha256);
    distrust::hits(facts.distrust, view.not_before, view.earliest_sct, &path)
}

/// Where `l` is served, with the names served with it there.
fn endpoint_ref(l: &EndpointLeaf, index: &Index<'_>) -> EndpointRef {
    let served: Vec<&EndpointName> = endpoints::served_names(l).collect();
    let place = (l.endpoint.address.clone(), l.endpoint.port);
    EndpointRef {
        starttls: index.starttls.get(&place).cloned().unwrap_or_default(),
        address: l.endpoint.address.clone(),
        port: i64::from(l.endpoint.port),
        sni: l.endpoint.sni.clone().unwrap_or_default(),
        names: served.iter().map(|n| n.name.clone()).collect(),
        target_names: served
            .iter()
            .filter(|n| n.source == SniSource::Target)
            .map(|n| n.name.clone())
            .collect(),
        host: l.host.clone(),
    }
}

/// One model per CA certificate of the graph, with the usage its leaves
/// added up.
fn cas(graph: &CaGraph, usage: CaUsage, at: OffsetDateTime) -> Vec<CaModel> {
    let mut summaries = graph.cas();
    usage.fill(&mut summaries);
    summaries
        .into_iter()
        .filter_map(|ca| {
            let view = graph.certificate(&ca.sha256)?;
            Some(CaModel {
                certificate: certificate_fields(view, at),
                role: if ca.self_signed {
                    "root"
                } else {
                    "intermediate"
                }
                .into(),
                class: ca.class.name().to_string(),
                served: ca.served,
                issued: count(ca.issued),
                leaves: count(ca.leaves),
                endpoints: count(ca.endpoints),
            })
        })
        .collect()
}

/// The leaves' index, their CA classes in model order and the shapes of
/// their chains: what the chain models are built from.
type ChainFacts<'k, 'a> = (
    &'k Index<'a>,
    &'k [CaClass],
    &'k HashMap<&'a [u32], Option<ChainShape>>,
);

/// One model per distinct chain as sent, in chain order, handed to `each`
/// at most `chunk` at a time; the leaf's CA class comes from its inventory
/// row (a leaf without one did not parse: `unknown`).
fn chains(
    facts: &ScanFacts<'_>,
    (index, classes, shapes): ChainFacts<'_, '_>,
    chunk: usize,
    each: &mut dyn FnMut(Vec<ChainModel>),
) {
    let class_of = |sha: Sha| index.position(sha).map(|i| classes[i]);
    let leaves = facts.leaves;
    // the leaves by chain, in scan order within one (a stable sort; the
    // chains in the order of their SHA-256s' texts)
    let mut by_chain: Vec<usize> = (0..leaves.len())
        .filter(|&k| !leaves.chain(k).is_empty())
        .collect();
    let shas = |k: usize| leaves.chain(k).iter().map(|n| leaves.certificate(*n));
    by_chain.sort_by(|&a, &b| shas(a).cmp(shas(b)));
    let groups = by_chain.chunk_by(|&a, &b| leaves.chain(a) == leaves.chain(b));
    let models = groups.filter_map(|at| {
        let mut shape = shapes.get(leaves.chain(at[0])).copied().flatten()?;
        // one observation that recorded the chain as sent shows its shape
        let as_sent = at.iter().any(|&k| !leaves.leaf_only_chain(k));
        if !as_sent {
            shape = Default::default();
        }
        let chain = leaves.chain_texts(at[0]);
        let leaf_sha = leaves.leaf_sha(at[0]).expect("a chain has a leaf");
        let cn = (facts.summaries.get_by(leaf_sha))
            .and_then(|s| s.cn())
            .map(str::to_string);
        let served: BTreeSet<String> = at
            .iter()
            .map(|&k| {
                let (address, port) = EndpointLeaves::place(leaves, k);
                served_at(address, i64::from(port), leaves.sni(k))
            })
            .collect();
        Some(ChainModel {
            leaf: ChainLeaf {
                sha256: chain[0].clone(),
                cn: cn.unwrap_or_default(),
            },
            length: chain.len() as i64,
            certificates: chain,
            as_sent,
            incomplete: shape.incomplete,
            out_of_order: shape.out_of_order,
            root_included: shape.root_included,
            unrelated: shape.unrelated as i64,
            ca_class: class_of(leaf_sha).unwrap_or(CaClass::Unknown).name().into(),
            served_at: served.into_iter().collect(),
        })
    });
    let mut part = Vec::new();
    for model in models {
        part.push(model);
        if part.len() >= chunk.max(1) {
            each(std::mem::take(&mut part));
        }
    }
    if !part.is_empty() {
        each(part);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::ca::CaClass;

    /// A leaf with one embedded SCT at `ms`, as DER.
    fn leaf_with_sct(ms: u64) -> Vec<u8> {
        let mut sct = vec![0u8];
        sct.extend([7; 32]);
        sct.extend(ms.to_be_bytes());
        sct.extend([0, 0, 4, 3, 0, 2, 0xab, 0xcd]);
        let mut list = (sct.len() as u16).to_be_bytes().to_vec();
        list.extend(sct);
        let mut tls = (list.len() as u16).to_be_bytes().to_vec();
        tls.extend(list);
        let content = [&[0x04, tls.len() as u8][..], &tls].concat();
        let sct_oid = [1, 3, 6, 1, 4, 1, 11129, 2, 4, 2];
        let mut params = rcgen::CertificateParams::new(vec!["a.test".into()]).expect("params");
        params.custom_extensions =
            vec![rcgen::CustomExtension::from_oid_content(&sct_oid, content)];
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
        params.self_signed(&key).expect("sign").der().to_vec()
    }

    #[test]
    fn a_view_stored_without_the_earliest_sct_gets_it_from_the_der() {
        let der = leaf_with_sct(1_731_400_000_000);
        let fresh = crate::certs::parse_certificate(&der).expect("parses");
        let mut old = fresh.clone();
        old.earliest_sct = None;
        let at = fresh.not_before;
        let row = InventoryRow {
            sha256: fresh.sha256.clone(),
            certificate: old,
            days_left: 0,
            ca_class: CaClass::SelfSigned,
            anchor: None,
            owner: None,
            owner_rule: None,
            endpoints: Vec::new(),
            names: BTreeMap::new(),
            at_rest: Vec::new(),
            chain_problems: Vec::new(),
            chain_leaf_only: false,
            first_seen: at,
            last_seen: at,
        };
        let stored = StoredCertificate {
            sha256: fresh.sha256.clone(),
            der,
            view: None,
            parse_error: None,
            first_seen: at,
            last_seen: at,
        };
        let mut rows = vec![row];
        let der = |sha: &str| (sha == stored.sha256).then_some(stored.der.as_slice());
        fill_earliest_sct(&mut rows, der);
        assert!(fresh.earliest_sct.is_some());
        assert_eq!(rows[0].certificate.earliest_sct, fresh.earliest_sct);
        // Without the DER at hand it stays unknown.
        rows[0].certificate.earliest_sct = None;
        fill_earliest_sct(&mut rows, |_| None);
        assert_eq!(rows[0].certificate.earliest_sct, None);
    }
}
