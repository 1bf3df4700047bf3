//! The documented models rules are written against: one serde type per
//! [`SubjectKind`](super::SubjectKind), each field always present (absent
//! strings are `""`, absent numbers `-1` or `0` as documented), so that CEL
//! conditions never meet a null. Every number is a signed 64-bit integer
//! (CEL `int`), so arithmetic and comparisons never mix `int` and `uint`. The README's "Rule model" section lists the
//! same fields; [`build_in_chunks`] computes them from a stored scan.

mod build;
mod chunk;
mod endpoint;
mod facts;
mod relations;
mod revocation;
mod stored;

pub use crate::certs::hostname::name_matches;
pub use crate::time_text::{parse_rfc3339, rfc3339};
pub use build::{
    build_in_chunks, rows_in_chunks, LoadCertificates, ScanFacts, SubjectModels, LEAF_CHUNK,
};
pub use chunk::{EndpointChunk, ModelChunk};
pub use endpoint::models as endpoint_models;
pub use facts::{LeafSummaries, LeafSummary, Seen};
pub use relations::RELATED_LIMIT;
pub use revocation::RevocationModel;
pub use stored::{from_store, from_store_in_chunks, inventory_rows_in_chunks, Judgement};

use serde::{Deserialize, Serialize};

pub use super::distrust::DistrustHit;

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

/// A distinguished name as rules see it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NameModel {
    /// RFC 4514 text.
    pub dn: String,
    /// The first common name, or `""`.
    pub cn: String,
    /// Every common name.
    pub common_names: Vec<String>,
    /// Organisations.
    pub o: Vec<String>,
    /// Organisational units.
    pub ou: Vec<String>,
}

/// A public key as rules see it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyModel {
    /// `rsa`, `ec`, `ed25519`, `ed448`, `dsa`, a post-quantum name
    /// (`ML-DSA-65`, `SLH-DSA-SHA2-128s`, `MLDSA65-ECDSA-P256-SHA512`,
    /// `ML-KEM-768`, ...), or a dotted OID.
    pub algorithm: String,
    /// Size in bits; 0 when unknown and for post-quantum keys.
    pub bits: i64,
    /// EC curve name (`P-256`, ...) or `""`.
    pub curve: String,
    /// The key is post-quantum (ML-DSA, SLH-DSA, composite ML-DSA, ML-KEM).
    pub post_quantum: bool,
    /// Its NIST security category (1 to 5), or 0 for a classical key.
    pub nist_level: i64,
}

/// The issuer's signature algorithm.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SignatureModel {
    /// Name, e.g. `sha256WithRSAEncryption`, `ML-DSA-65`.
    pub algorithm: String,
    /// Hash (`sha1`, `md5`, `sha256`, ...) or `""` (EdDSA, ML-DSA,
    /// SLH-DSA, unknown); a composite's pre-hash.
    pub hash: String,
    /// The signature is post-quantum (ML-DSA, SLH-DSA, composite ML-DSA).
    pub post_quantum: bool,
    /// Its NIST security category (1 to 5), or 0 for a classical one.
    pub nist_level: i64,
}

/// Subject alternative names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SanModel {
    /// DNS names.
    pub dns: Vec<String>,
    /// IP addresses.
    pub ip: Vec<String>,
    /// Email addresses.
    pub email: Vec<String>,
    /// URIs.
    pub uri: Vec<String>,
}

/// The fields every certificate model (leaf and CA) shares.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CertificateFields {
    /// SHA-256 of the DER, lowercase hex.
    pub sha256: String,
    /// SHA-256 of the SubjectPublicKeyInfo, lowercase hex.
    pub spki_sha256: String,
    /// Serial number, lowercase hex.
    pub serial: String,
    /// X.509 version, 1 to 3.
    pub version: i64,
    /// Subject name.
    pub subject: NameModel,
    /// Issuer name.
    pub issuer: NameModel,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// The validity period in days as the CA/Browser Forum counts it:
    /// notBefore to notAfter inclusive, any part of a day counting as a day.
    pub lifetime_days: i64,
    /// Whole days from the evaluation time to notAfter (negative: expired).
    pub days_left: i64,
    /// notAfter is before the evaluation time.
    pub expired: bool,
    /// notBefore is after the evaluation time.
    pub not_yet_valid: bool,
    /// Public key.
    pub key: KeyModel,
    /// Signature algorithm.
    pub signature: SignatureModel,
    /// Subject alternative names.
    pub san: SanModel,
    /// The basic constraints extension is present.
    pub basic_constraints: bool,
    /// Basic constraints assert cA.
    pub is_ca: bool,
    /// pathLenConstraint, or -1.
    pub path_len: i64,
    /// Key usage bits by RFC 5280 name.
    pub key_usage: Vec<String>,
    /// Extended key usages (`serverAuth`, ..., `any`, or dotted OIDs).
    pub extended_key_usage: Vec<String>,
    /// OCSP responder URLs.
    pub ocsp_urls: Vec<String>,
    /// CRL distribution point URLs.
    pub crl_urls: Vec<String>,
    /// CA issuer URLs.
    pub ca_issuer_urls: Vec<String>,
    /// Embedded SCTs.
    pub sct_count: i64,
    /// The earliest embedded SCT's timestamp, RFC 3339, or `""`.
    pub earliest_sct: String,
    /// Key and signature are both post-quantum: the certificate is
    /// post-quantum ready.
    pub post_quantum: bool,
    /// Subject equals issuer and the key identifiers agree.
    pub self_signed: bool,
}

/// Where a certificate is served: an endpoint's default chain, or a
/// deployment (a name that got this certificate of its own).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EndpointRef {
    /// IP address (or host name when there was none).
    pub address: String,
    /// TCP port.
    pub port: i64,
    /// For a deployment, the name that got this certificate; `""` for the
    /// endpoint's default chain.
    pub sni: String,
    /// The names served with it there (names not served here left out).
    pub names: Vec<String>,
    /// Of those, the `target` names: the user said they belong here.
    pub target_names: Vec<String>,
    /// The target as named.
    pub host: String,
    /// STARTTLS dialect, or `""`.
    pub starttls: String,
}

/// Another leaf with the same public key and no DNS name in common.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KeyReuse {
    /// Its SHA-256.
    pub sha256: String,
    /// Its first common name.
    pub cn: String,
    /// Its DNS names.
    pub names: Vec<String>,
}

/// Another leaf served for the same name at a different address and port.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NameConflict {
    /// The name both are served for.
    pub name: String,
    /// The other leaf's SHA-256.
    pub sha256: String,
    /// Where the other leaf is served for that name.
    pub served_at: Vec<String>,
}

/// `leaf`: one distinct leaf certificate served in the scan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LeafModel {
    /// The certificate's own fields.
    #[serde(flatten)]
    pub certificate: CertificateFields,
    /// CA class: `public`, `approved`, `shadow`, `self_signed`, `unknown`.
    pub ca_class: String,
    /// `ca_class == "public"`.
    pub public: bool,
    /// Subject DN of the anchor it chains to, or `""`.
    pub anchor: String,
    /// Owner, or `""` when unassigned.
    pub owner: String,
    /// The owner rule that matched, or `""`.
    pub owner_rule: String,
    /// The endpoints serving it.
    pub endpoints: Vec<EndpointRef>,
    /// The same, as `address:port` or `address:port (sni)` text.
    pub served_at: Vec<String>,
    /// Where it was found at rest (an import of files or keystores), as
    /// `file:PATH[#ALIAS][[N]]` text; never endpoints.
    #[serde(default)]
    pub stored_at: Vec<String>,
    /// The `target` names (host name targets and pairings: the user said
    /// they belong there) of the endpoints where it is served. Names
    /// broadcast with `--sni` or discovered are not requested.
    pub requested_names: Vec<String>,
    /// The requested names the certificate does not cover.
    pub mismatched_names: Vec<String>,
    /// Shape problems of the chains served with it, as sent.
    pub chain_problems: Vec<String>,
    /// Every chain it is served with is the leaf alone as a peer tool
    /// reported it: `chain_problems` is then unknown (empty for lack of
    /// measurement).
    #[serde(default)]
    pub chain_leaf_only: bool,
    /// Other leaves with the same key and unrelated names (at most
    /// [`RELATED_LIMIT`]).
    pub key_reuse: Vec<KeyReuse>,
    /// Other leaves served for the same name elsewhere (at most
    /// [`RELATED_LIMIT`]).
    pub name_conflicts: Vec<NameConflict>,
    /// First time the inventory saw it, RFC 3339.
    pub first_seen: String,
    /// Its revocation status (`--check-revocation`).
    #[serde(default)]
    pub revocation: RevocationModel,
    /// The root-program distrust events it falls under (its path reaches
    /// a CA of `rules/data/distrust.toml` and its date is after the
    /// event's instant).
    pub distrust: Vec<DistrustHit>,
}

/// `ca`: one CA certificate of the scan's CA graph.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CaModel {
    /// The certificate's own fields.
    #[serde(flatten)]
    pub certificate: CertificateFields,
    /// `root` (signs itself) or `intermediate`.
    pub role: String,
    /// Class of the CA itself.
    pub class: String,
    /// Seen in a served chain (false: a declared anchor only).
    pub served: bool,
    /// Certificates it signed in the scan.
    pub issued: i64,
    /// Leaves chaining through it.
    pub leaves: i64,
    /// Endpoints serving those leaves.
    pub endpoints: i64,
}

/// The leaf a chain starts with.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChainLeaf {
    /// Its SHA-256.
    pub sha256: String,
    /// Its first common name.
    pub cn: String,
}

/// A chain model stored before `as_sent` existed was recorded as sent.
fn as_sent_default() -> bool {
    true
}

/// `chain`: one distinct chain as sent, leaf first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChainModel {
    /// The leaf.
    pub leaf: ChainLeaf,
    /// SHA-256s as sent, leaf first.
    pub certificates: Vec<String>,
    /// Number of certificates sent.
    pub length: i64,
    /// The chain was recorded as the server sent it. False when a peer
    /// tool reported the leaf alone (nmap's `ssl-cert`, tlsx without
    /// `-tc`): its shape is then unknown and the fields below are false
    /// for lack of measurement. The built-in chain rules declare
    /// `observed_when = "chain.as_sent"`, so they are not evaluated on it.
    #[serde(default = "as_sent_default")]
    pub as_sent: bool,
    /// An intermediate is missing.
    pub incomplete: bool,
    /// The certificates are not in issuing order.
    pub out_of_order: bool,
    /// A self-signed root is sent along.
    pub root_included: bool,
    /// Certificates not on the leaf's path.
    pub unrelated: i64,
    /// The leaf's CA class.
    pub ca_class: String,
    /// Where it is sent.
    pub served_at: Vec<String>,
}

/// `endpoint`: one endpoint (address, port, transport) that sent a
/// certificate, once however many names reached it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EndpointModel {
    /// IP address (or host name).
    pub address: String,
    /// TCP port.
    pub port: i64,
    /// SNI of the probe the session fields come from (the one without SNI
    /// when there was one), or `""`.
    pub sni: String,
    /// The target as named.
    pub host: String,
    /// STARTTLS dialect, or `""`.
    pub starttls: String,
    /// `address:port`.
    pub served_at: String,
    /// Names served at the endpoint (its default chain or a deployment).
    pub names: Vec<String>,
    /// Names tried here (broadcast or discovered) that got the default
    /// chain without being covered by it: not served at this endpoint.
    pub not_served: Vec<String>,
    /// SHA-256 of the leaf of its default chain.
    pub leaf_sha256: String,
    /// The leaf's first common name.
    pub leaf_cn: String,
    /// Negotiated version (`TLSv1.3`, ..., `SSLv3`) or `""`.
    pub tls_version: String,
    /// Negotiated suite (IANA name) or `""`.
    pub cipher_suite: String,
    /// Negotiated key-exchange group or `""`.
    pub key_exchange_group: String,
    /// The group is a hybrid ML-KEM group.
    pub post_quantum_hybrid: bool,
    /// `rustls` or `legacy_hello`.
    pub capture: String,
    /// Its default chain is the leaf alone as a peer tool reported it
    /// (nmap's `ssl-cert`, tlsx without `-tc`): what it sends beyond the
    /// leaf is unknown.
    #[serde(default)]
    pub chain_leaf_only: bool,
    /// The scan probed each protocol version (`--versions`).
    pub versions_probed: bool,
    /// Versions seen accepted (probes plus the negotiated one).
    pub accepted_versions: Vec<String>,
    /// TLS 1.3 support: `yes`, `no` or `unknown`.
    pub tls13: String,
    /// Weakness classes of suites seen accepted.
    pub weak_suites: Vec<String>,
    /// Key-exchange groups accepted when offered alone (`--groups`).
    pub groups: GroupsModel,
    /// The strict verification verdict.
    pub trusted: bool,
    /// Why strict verification failed.
    pub verdict_problems: Vec<String>,
    /// The server asked for a client certificate.
    pub client_auth_requested: bool,
    /// Negotiated ALPN protocol or `""`.
    pub alpn: String,
}

/// `endpoint.groups`: the key-exchange groups `--groups` offered one at a
/// time, by IANA name (`X25519MLKEM768`, `SecP256r1MLKEM768`,
/// `SecP384r1MLKEM1024`, `X25519`, `secp256r1`, `secp384r1`). Only the
/// probe's answers count: the group a handshake negotiated is
/// `key_exchange_group`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupsModel {
    /// The scan probed the groups (`--groups`); rules reading the lists say
    /// `observed_when = "endpoint.groups.probed"`.
    pub probed: bool,
    /// Groups the endpoint accepted.
    pub accepted: Vec<String>,
    /// Groups it refused.
    pub rejected: Vec<String>,
    /// The accepted hybrid post-quantum (ML-KEM) groups.
    pub hybrid_pq: Vec<String>,
}

/// `inventory`: the scan as a whole.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InventoryModel {
    /// The scan's id.
    pub scan_id: i64,
    /// The scan finished normally.
    pub complete: bool,
    /// Distinct leaves served.
    pub certificates: i64,
    /// Endpoints that served a certificate.
    pub endpoints: i64,
    /// Approved anchors declared in the config.
    pub approved_anchors: i64,
    /// Leaves classed approved, shadow or unknown.
    pub private_leaves: i64,
    /// Leaves classed shadow.
    pub shadow_leaves: i64,
    /// Leaves without an owner.
    pub unassigned: i64,
    /// Subjects of the shadow CAs.
    pub shadow_cas: Vec<String>,
}
