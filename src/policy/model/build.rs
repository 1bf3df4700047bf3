//! Computing every subject model of one stored scan ([`build`]) from what
//! the inventory returns: leaves with their rows, CAs from the graph,
//! chains as sent, endpoints from the observations, and the inventory
//! totals. Dates are judged at the scan's start, so evaluating a scan again
//! later gives the same models.

use std::collections::{BTreeMap, BTreeSet};

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{
    endpoint, relations, CaModel, CertificateFields, ChainLeaf, ChainModel, EndpointModel,
    EndpointRef, InventoryModel, KeyModel, LeafModel, NameModel, SanModel, SignatureModel,
};
use crate::certs::hostname as names;
use crate::certs::{CertificateView, DistinguishedName};
use crate::inventory::ca::{CaClass, CaGraph};
use crate::inventory::endpoints;
use crate::inventory::owners::OwnerRules;
use crate::inventory::store::{
    EndpointLeaf, EndpointName, FilePlacement, ScanRecord, ScanStatus, StoredCertificate,
};
use crate::inventory::view::{self, InventoryRow};
use crate::observation::{Observation, SniSource};
use crate::policy::distrust::{self, DistrustList};

/// What one stored scan provides for evaluation.
pub struct ScanFacts<'a> {
    /// The scan.
    pub scan: &'a ScanRecord,
    /// Its endpoint leaves.
    pub leaves: &'a [EndpointLeaf],
    /// The certificates it found at rest (never endpoints).
    pub files: &'a [FilePlacement],
    /// Every certificate it saw.
    pub certificates: &'a [StoredCertificate],
    /// Its observations (chains' DER not needed).
    pub observations: &'a [Observation],
    /// The CA graph of its certificates plus the approved anchors.
    pub graph: &'a CaGraph,
    /// The owner rules.
    pub owners: &'a OwnerRules,
    /// Approved anchors declared in the config.
    pub approved_anchors: u64,
    /// The root programs' distrust events.
    pub distrust: &'a DistrustList,
}

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

/// Builds every model of the scan in `facts`.
pub fn build(facts: &ScanFacts<'_>) -> SubjectModels {
    let at = facts.scan.started_at;
    let mut rows = view::rows_with_files(
        facts.leaves,
        facts.files,
        facts.certificates,
        facts.graph,
        facts.owners,
        at,
    );
    fill_earliest_sct(&mut rows, facts.certificates);
    let index = Index::new(facts);
    let mut leaves: Vec<LeafModel> = rows
        .iter()
        .map(|row| LeafModel {
            distrust: distrust_hits(row, facts),
            ..leaf(row, &index, at)
        })
        .collect();
    relations::fill(&mut leaves);
    SubjectModels {
        at: Some(at),
        cas: cas(facts, at),
        chains: chains(facts, &rows),
        endpoints: endpoint::models(facts.observations, facts.leaves),
        inventory: inventory(facts, &rows),
        leaves,
    }
}

/// Lookups built once per scan, so that building stays linear.
struct Index<'a> {
    /// Where each leaf is served, with the target's name.
    served: BTreeMap<&'a str, Vec<&'a EndpointLeaf>>,
    /// The STARTTLS dialect of each endpoint (address, port).
    starttls: BTreeMap<(String, u16), String>,
}

impl<'a> Index<'a> {
    fn new(facts: &ScanFacts<'a>) -> Self {
        let mut served: BTreeMap<&str, Vec<&EndpointLeaf>> = BTreeMap::new();
        for leaf in facts.leaves {
            served
                .entry(leaf.leaf_sha256.as_str())
                .or_default()
                .push(leaf);
        }
        Index {
            served,
            starttls: endpoint::starttls_by_endpoint(facts.observations),
        }
    }
}

/// RFC 3339 text of `at` (empty if it cannot be formatted).
pub fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// The instant an RFC 3339 text (as [`rfc3339`] writes it) stands for.
pub fn parse_rfc3339(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// `address:port` or `address:port (sni)`.
pub fn served_at(address: &str, port: i64, sni: Option<&str>) -> String {
    let address = if address.contains(':') {
        format!("[{address}]")
    } else {
        address.to_string()
    };
    match sni {
        Some(sni) if !sni.is_empty() => format!("{address}:{port} ({sni})"),
        _ => format!("{address}:{port}"),
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
        post_quantum: view.key.algorithm.post_quantum().is_some()
            && view.signature_algorithm.post_quantum().is_some(),
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

/// The leaf model of one inventory row (relations filled later).
fn leaf(row: &InventoryRow, index: &Index<'_>, at: OffsetDateTime) -> LeafModel {
    let view = &row.certificate;
    let served = index.served.get(row.sha256.as_str());
    let endpoints: BTreeSet<EndpointRef> = served
        .into_iter()
        .flatten()
        .map(|l| endpoint_ref(l, index))
        .collect();
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
        key_reuse: Vec::new(),
        name_conflicts: Vec::new(),
        first_seen: rfc3339(row.first_seen),
        revocation: Default::default(),
        distrust: Vec::new(),
    }
}

/// Views stored before the earliest SCT was recorded have SCTs but no
/// date: parse those leaves' DER again, so that a stored scan is judged as
/// a fresh one would be.
fn fill_earliest_sct(rows: &mut [InventoryRow], certificates: &[StoredCertificate]) {
    let stale =
        |r: &InventoryRow| r.certificate.sct_count > 0 && r.certificate.earliest_sct.is_none();
    if !rows.iter().any(stale) {
        return;
    }
    let der: BTreeMap<&str, &[u8]> = certificates
        .iter()
        .map(|c| (c.sha256.as_str(), c.der.as_slice()))
        .collect();
    for row in rows.iter_mut().filter(|r| stale(r)) {
        let parsed = der
            .get(row.sha256.as_str())
            .and_then(|d| crate::certs::parse_certificate(d).ok());
        row.certificate.earliest_sct = parsed.and_then(|v| v.earliest_sct);
    }
}

/// The distrust events the row's leaf falls under.
fn distrust_hits(row: &InventoryRow, facts: &ScanFacts<'_>) -> Vec<distrust::DistrustHit> {
    if facts.distrust.events.is_empty() {
        return Vec::new();
    }
    let view = &row.certificate;
    let path = distrust::path_keys(facts.graph, &row.sha256);
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

/// One model per CA certificate of the graph.
fn cas(facts: &ScanFacts<'_>, at: OffsetDateTime) -> Vec<CaModel> {
    let mut endpoints: BTreeMap<&str, u64> = BTreeMap::new();
    for leaf in facts.leaves {
        *endpoints.entry(leaf.leaf_sha256.as_str()).or_default() += 1;
    }
    // a leaf at rest chains through its CAs without adding an endpoint
    for file in view::leaves_at_rest(facts.files, facts.certificates) {
        endpoints.entry(file.sha256.as_str()).or_default();
    }
    let mut summaries = facts.graph.cas();
    facts.graph.fill_usage(&mut summaries, endpoints);
    summaries
        .into_iter()
        .filter_map(|ca| {
            let view = facts.graph.certificate(&ca.sha256)?;
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

/// One model per distinct chain as sent; the leaf's CA class comes from
/// its inventory row (a leaf without one did not parse: `unknown`).
fn chains(facts: &ScanFacts<'_>, rows: &[InventoryRow]) -> Vec<ChainModel> {
    let class_of: BTreeMap<&str, CaClass> = rows
        .iter()
        .map(|r| (r.sha256.as_str(), r.ca_class))
        .collect();
    let mut by_chain: BTreeMap<&[String], Vec<&EndpointLeaf>> = BTreeMap::new();
    for leaf in facts.leaves.iter().filter(|l| !l.chain.is_empty()) {
        by_chain.entry(&leaf.chain).or_default().push(leaf);
    }
    by_chain
        .into_iter()
        .filter_map(|(chain, at)| {
            let shape = facts.graph.chain_shape(chain)?;
            let first = at[0];
            let cn = first
                .leaf
                .as_ref()
                .and_then(|v| v.subject.common_names.first());
            let served: BTreeSet<String> = at
                .iter()
                .map(|l| {
                    served_at(
                        &l.endpoint.address,
                        i64::from(l.endpoint.port),
                        l.endpoint.sni.as_deref(),
                    )
                })
                .collect();
            Some(ChainModel {
                leaf: ChainLeaf {
                    sha256: first.leaf_sha256.clone(),
                    cn: cn.cloned().unwrap_or_default(),
                },
                certificates: chain.to_vec(),
                length: chain.len() as i64,
                incomplete: shape.incomplete,
                out_of_order: shape.out_of_order,
                root_included: shape.root_included,
                unrelated: shape.unrelated as i64,
                ca_class: class_of
                    .get(first.leaf_sha256.as_str())
                    .map_or(CaClass::Unknown, |c| *c)
                    .name()
                    .into(),
                served_at: served.into_iter().collect(),
            })
        })
        .collect()
}

/// The totals of the scan.
fn inventory(facts: &ScanFacts<'_>, rows: &[InventoryRow]) -> InventoryModel {
    let rows_where =
        |f: &dyn Fn(&InventoryRow) -> bool| rows.iter().filter(|r| f(r)).count() as i64;
    let private = [CaClass::Approved, CaClass::Shadow, CaClass::Unknown];
    let shadow_cas: BTreeSet<String> = rows
        .iter()
        .filter(|r| r.ca_class == CaClass::Shadow)
        .map(|r| {
            r.anchor
                .clone()
                .unwrap_or_else(|| r.certificate.issuer.dn.clone())
        })
        .collect();
    let endpoints: BTreeSet<_> = facts
        .leaves
        .iter()
        .map(|l| (&l.endpoint.address, l.endpoint.port))
        .collect();
    InventoryModel {
        scan_id: facts.scan.id.0,
        complete: facts.scan.status == ScanStatus::Complete,
        certificates: rows.len() as i64,
        endpoints: endpoints.len() as i64,
        approved_anchors: count(facts.approved_anchors),
        private_leaves: rows_where(&|r| private.contains(&r.ca_class)),
        shadow_leaves: rows_where(&|r| r.ca_class == CaClass::Shadow),
        unassigned: rows_where(&|r| r.owner.is_none()),
        shadow_cas: shadow_cas.into_iter().collect(),
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
        fill_earliest_sct(&mut rows, std::slice::from_ref(&stored));
        assert!(fresh.earliest_sct.is_some());
        assert_eq!(rows[0].certificate.earliest_sct, fresh.earliest_sct);
        // Without the DER at hand it stays unknown.
        rows[0].certificate.earliest_sct = None;
        fill_earliest_sct(&mut rows, &[]);
        assert_eq!(rows[0].certificate.earliest_sct, None);
    }
}
