//! The inventory as people read it: one row per leaf certificate served in
//! a scan or found at rest by it, with where it is served (or stored), its CA class, its owner (and the rule
//! that decided it), chain problems and days left; the filters of
//! `certatlas inventory`; and the one-screen summary printed after a scan.
//! Pure functions over what the store returns.

use std::collections::BTreeMap;

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use super::ca::{CaClass, CaGraph, TrustContext};
use super::history::ScanDiff;
use super::owners::{OwnerRules, OwnerSubject};
use crate::at_rest::FileLocation;
use crate::certs::CertificateView;
use crate::store::endpoints::served_names;
use crate::store::{EndpointKey, EndpointLeaf, EndpointName, FilePlacement, StoredCertificate};

/// One leaf certificate of the inventory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InventoryRow {
    /// SHA-256 of the DER.
    pub sha256: String,
    /// The parsed certificate.
    pub certificate: CertificateView,
    /// Days until notAfter at the time of the query (negative: expired).
    pub days_left: i64,
    /// The class of the CA it chains to.
    pub ca_class: CaClass,
    /// The anchor it chains to, when known.
    pub anchor: Option<String>,
    /// The owner, or `None` for unassigned.
    pub owner: Option<String>,
    /// The owner rule that matched, or `None` for unassigned.
    pub owner_rule: Option<String>,
    /// Where it is served: each endpoint (`sni` absent) serving it as its
    /// default chain, and each deployment (`sni` the name that got it).
    pub endpoints: Vec<EndpointKey>,
    /// The names listed on those endpoints, by `address:port`: each with
    /// its source and status (`served`, `deployment`, or `not_served`: a
    /// broadcast or discovered name the endpoint does not serve). Names on
    /// an endpoint's default chain appear under each of its rows.
    pub names: BTreeMap<String, Vec<EndpointName>>,
    /// Where it was found at rest (files, keystore entries): not
    /// endpoints, and never counted as such.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub at_rest: Vec<FileLocation>,
    /// Problems of the chains served with it: `incomplete`, `out_of_order`,
    /// `root_included`, `unrelated_certificates`. Only chains recorded as
    /// sent count (see `chain_leaf_only`).
    pub chain_problems: Vec<String>,
    /// Every chain it is served with is the leaf alone as a peer tool
    /// reported it (nmap's `ssl-cert`, tlsx without `-tc`): whether the
    /// server sends its intermediates is unknown, so `chain_problems` is
    /// empty for lack of measurement, not because the chains are sound.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub chain_leaf_only: bool,
    /// First and last time the store saw it.
    #[serde(with = "time::serde::rfc3339")]
    pub first_seen: OffsetDateTime,
    /// Last time the store saw it.
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen: OffsetDateTime,
}

/// Builds the CA graph from the certificates of a scan plus the anchors.
pub fn graph(certificates: &[StoredCertificate], trust: &TrustContext) -> CaGraph {
    let parsed = certificates
        .iter()
        .filter_map(|c| Some((c.der.as_slice(), c.view.as_ref()?)));
    CaGraph::build_from(parsed, trust)
}

/// One row per distinct parsed leaf in `leaves`.
pub fn rows(
    leaves: &[EndpointLeaf],
    certificates: &[StoredCertificate],
    graph: &CaGraph,
    owners: &OwnerRules,
    now: OffsetDateTime,
) -> Vec<InventoryRow> {
    rows_with_files(leaves, &[], certificates, graph, owners, now)
}

/// One row per distinct parsed leaf in `leaves` or among the certificates
/// found at rest (`files`: a CA certificate at rest joins the CA graph,
/// not the rows).
pub fn rows_with_files(
    leaves: &[EndpointLeaf],
    files: &[FilePlacement],
    certificates: &[StoredCertificate],
    graph: &CaGraph,
    owners: &OwnerRules,
    now: OffsetDateTime,
) -> Vec<InventoryRow> {
    let by_sha: BTreeMap<&str, &StoredCertificate> = certificates
        .iter()
        .map(|c| (c.sha256.as_str(), c))
        .collect();
    let mut places: BTreeMap<&str, Places<'_>> = BTreeMap::new();
    for leaf in leaves {
        places
            .entry(&leaf.leaf_sha256)
            .or_default()
            .served
            .push(leaf);
    }
    for file in leaves_at_rest(files, graph) {
        let files = &mut places.entry(&file.sha256).or_default().files;
        files.push(file.location.clone());
    }
    places
        .into_iter()
        .filter_map(|(sha, at)| row(by_sha.get(sha)?, at, graph, owners, now))
        .collect()
}

/// The placements at rest of leaf certificates (parsed, so in `graph`,
/// and not a CA): a CA certificate found at rest joins the CA graph only.
pub fn leaves_at_rest<'a>(
    files: &'a [FilePlacement],
    graph: &'a CaGraph,
) -> impl Iterator<Item = &'a FilePlacement> {
    files.iter().filter(move |f| {
        graph
            .certificate(&f.sha256)
            .is_some_and(|view| !view.is_ca())
    })
}

/// How many endpoints serve each leaf of a scan, a leaf found at rest
/// counted with none (it chains through its CAs without adding an
/// endpoint): what [`CaGraph::fill_usage`] takes.
pub fn leaf_usage<'a>(
    leaves: &'a [EndpointLeaf],
    files: &'a [FilePlacement],
    graph: &'a CaGraph,
) -> BTreeMap<&'a str, u64> {
    let mut endpoints: BTreeMap<&str, u64> = BTreeMap::new();
    for leaf in leaves {
        *endpoints.entry(leaf.leaf_sha256.as_str()).or_default() += 1;
    }
    for file in leaves_at_rest(files, graph) {
        endpoints.entry(file.sha256.as_str()).or_default();
    }
    endpoints
}

/// Where one leaf is: the endpoints serving it, the files holding it.
#[derive(Default)]
struct Places<'a> {
    served: Vec<&'a EndpointLeaf>,
    files: Vec<FileLocation>,
}

/// The row of one stored leaf served (or stored) at `places`.
fn row(
    stored: &StoredCertificate,
    places: Places<'_>,
    graph: &CaGraph,
    owners: &OwnerRules,
    now: OffsetDateTime,
) -> Option<InventoryRow> {
    let view = stored.view.as_ref()?;
    let seen = (stored.first_seen, stored.last_seen);
    Some(leaf_row(
        view,
        seen,
        &places.served,
        places.files,
        graph,
        owners,
        now,
    ))
}

/// The row of the leaf `view`, first and last seen at `seen`, served at
/// `at` (its endpoint leaves in the scan) and found at rest in `files`.
pub fn leaf_row(
    view: &CertificateView,
    seen: (OffsetDateTime, OffsetDateTime),
    at: &[&EndpointLeaf],
    files: Vec<FileLocation>,
    graph: &CaGraph,
    owners: &OwnerRules,
    now: OffsetDateTime,
) -> InventoryRow {
    let class = graph.classify_leaf(&view.sha256);
    let hostnames: Vec<String> = at
        .iter()
        .flat_map(|l| {
            served_names(l)
                .map(|n| &n.name)
                .chain(std::iter::once(&l.host))
        })
        .cloned()
        .collect();
    let mut names: BTreeMap<String, Vec<EndpointName>> = BTreeMap::new();
    for leaf in at.iter().filter(|l| !l.names.is_empty()) {
        let listed = names.entry(leaf.endpoint.place()).or_default();
        listed.extend(leaf.names.iter().cloned());
        listed.sort_by(|a, b| (&a.name, a.status).cmp(&(&b.name, b.status)));
        listed.dedup();
    }
    let address = at.iter().find_map(|l| l.endpoint.address.parse().ok());
    let owner = owners.assign(&OwnerSubject {
        address,
        hostnames: &hostnames,
        view,
    });
    InventoryRow {
        sha256: view.sha256.clone(),
        days_left: (view.not_after - now).whole_days(),
        ca_class: class.class,
        anchor: class.anchor_subject,
        owner: owner.owner,
        owner_rule: owner.rule,
        endpoints: at.iter().map(|l| l.endpoint.clone()).collect(),
        names,
        at_rest: files,
        chain_problems: chain_problems(graph, at),
        chain_leaf_only: !at.is_empty() && at.iter().all(|l| l.leaf_only_chain),
        first_seen: seen.0,
        last_seen: seen.1,
        certificate: view.clone(),
    }
}

/// The union of the shape problems of the chains a leaf is served with,
/// as sent: a chain a peer reported as the leaf alone shows none (nor their
/// absence).
fn chain_problems(graph: &CaGraph, at: &[&EndpointLeaf]) -> Vec<String> {
    let mut problems = std::collections::BTreeSet::new();
    let as_sent = at.iter().filter(|l| !l.leaf_only_chain);
    for shape in as_sent.filter_map(|l| graph.chain_shape(&l.chain)) {
        let flags = [
            (shape.incomplete, "incomplete"),
            (shape.out_of_order, "out_of_order"),
            (shape.root_included, "root_included"),
            (shape.unrelated > 0, "unrelated_certificates"),
        ];
        problems.extend(flags.into_iter().filter(|(set, _)| *set).map(|(_, n)| n));
    }
    problems.into_iter().map(String::from).collect()
}

/// The filters of `certatlas inventory`; every one given must match.
#[derive(Debug, Clone, Default)]
pub struct InventoryFilter {
    /// Expiring within this long (already expired included).
    pub expiring_within: Option<Duration>,
    /// Owner name, case-insensitive; `unassigned` matches rows without one.
    pub owner: Option<String>,
    /// Substring of the issuer DN, case-insensitive.
    pub issuer: Option<String>,
    /// CA class.
    pub ca_class: Option<CaClass>,
    /// Key algorithm: `rsa`, `ec`, `ed25519`, `ed448`, `dsa`.
    pub key_type: Option<String>,
}

impl InventoryFilter {
    /// Whether `row` passes every filter given, as of `now`.
    pub fn keeps(&self, row: &InventoryRow, now: OffsetDateTime) -> bool {
        let cert = &row.certificate;
        let lower = |s: &str| s.to_ascii_lowercase();
        self.expiring_within
            .is_none_or(|w| cert.not_after <= now + w)
            && self.owner.as_deref().is_none_or(|o| match &row.owner {
                Some(owner) => lower(owner) == lower(o),
                None => lower(o) == "unassigned",
            })
            && self
                .issuer
                .as_deref()
                .is_none_or(|i| lower(&cert.issuer.dn).contains(&lower(i)))
            && self.ca_class.is_none_or(|c| c == row.ca_class)
            && self
                .key_type
                .as_deref()
                .is_none_or(|k| cert.key.algorithm.name() == lower(k))
    }
}

/// The one-screen summary printed at the end of `certatlas scan`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InventorySummary {
    /// Endpoints that served a chain.
    pub endpoints: u64,
    /// Distinct leaf certificates.
    pub certificates: u64,
    /// Leaves not served in the previous scan.
    pub new: u64,
    /// Endpoints whose leaf changed.
    pub changed: u64,
    /// Leaves no longer served.
    pub gone: u64,
    /// Leaves already expired.
    pub expired: u64,
    /// Leaves expiring within 30 days.
    pub expiring_30_days: u64,
    /// Leaves per CA class.
    pub by_class: BTreeMap<CaClass, u64>,
    /// Subjects of the shadow CAs that issued served leaves.
    pub shadow_cas: Vec<String>,
}

impl InventorySummary {
    /// True when private CAs issued served leaves and none of them is
    /// approved: every private CA of the scan is shadow (no `[[anchors]]`
    /// declared, or none of the ones seen).
    pub fn every_private_ca_is_shadow(&self) -> bool {
        let approved = self.by_class.get(&CaClass::Approved).copied().unwrap_or(0);
        !self.shadow_cas.is_empty() && approved == 0
    }
}

/// Summarises a scan's rows and its diff against the previous scan.
pub fn summary(rows: &[InventoryRow], diff: &ScanDiff, now: OffsetDateTime) -> InventorySummary {
    let mut by_class = BTreeMap::new();
    let mut shadow_cas = std::collections::BTreeSet::new();
    for row in rows {
        *by_class.entry(row.ca_class).or_default() += 1;
        if row.ca_class == CaClass::Shadow {
            shadow_cas.insert(
                row.anchor
                    .clone()
                    .unwrap_or_else(|| row.certificate.issuer.dn.clone()),
            );
        }
    }
    // an endpoint is counted once, however many names reached it
    let endpoints: std::collections::BTreeSet<(&str, u16)> = rows
        .iter()
        .flat_map(|r| &r.endpoints)
        .map(|e| (e.address.as_str(), e.port))
        .collect();
    let count = |f: &dyn Fn(&InventoryRow) -> bool| rows.iter().filter(|r| f(r)).count() as u64;
    InventorySummary {
        endpoints: endpoints.len() as u64,
        certificates: rows.len() as u64,
        new: diff.new_certificates.len() as u64,
        changed: diff.changed.len() as u64,
        gone: diff.gone_certificates.len() as u64,
        expired: count(&|r| r.certificate.not_after < now),
        expiring_30_days: count(&|r| {
            r.certificate.not_after >= now && r.certificate.not_after <= now + Duration::days(30)
        }),
        by_class,
        shadow_cas: shadow_cas.into_iter().collect(),
    }
}
