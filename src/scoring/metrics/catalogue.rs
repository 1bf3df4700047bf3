//! The metric catalogue: every metric ladders may name, with its unit,
//! what it is measured over, which direction is better and what it
//! means. The README's "Metrics" table lists the same entries.

use serde::{Deserialize, Serialize};

/// What a metric's value counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A share, 0 to 100.
    Percent,
    /// A number of days.
    Days,
    /// A number of things.
    Count,
}

impl Unit {
    /// The suffix shown after a value (`%`, ` d`, ``).
    pub fn suffix(self) -> &'static str {
        match self {
            Unit::Percent => "%",
            Unit::Days => " d",
            Unit::Count => "",
        }
    }
}

/// What a metric is measured over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The scored scan alone.
    Scan,
    /// The history window ending at the scored scan.
    Window,
    /// The scored scan's findings, per category (computed while scoring).
    Findings,
}

/// Which way a metric improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Smaller is better (expired share, weak keys).
    Lower,
    /// Larger is better (owner coverage, TLS 1.3 share).
    Higher,
}

/// One catalogue entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MetricDef {
    /// Stable id, used in ladders.
    pub id: &'static str,
    /// Unit of the value.
    pub unit: Unit,
    /// What it is measured over.
    pub scope: Scope,
    /// Which way is better.
    pub better: Direction,
    /// What it measures, for people.
    pub description: &'static str,
}

const fn def(
    id: &'static str,
    unit: Unit,
    scope: Scope,
    better: Direction,
    description: &'static str,
) -> MetricDef {
    MetricDef {
        id,
        unit,
        scope,
        better,
        description,
    }
}

use Direction::{Higher, Lower};
use Scope::{Findings, Scan, Window};
use Unit::{Count, Days, Percent};

/// Every metric, in the order reports list them.
pub const CATALOGUE: [MetricDef; 35] = [
    def("leaves", Count, Scan, Higher, "distinct leaf certificates served (after exceptions)"),
    def("endpoints", Count, Scan, Higher, "endpoints that completed a TLS handshake (after exceptions)"),
    def("expired_in_service", Percent, Scan, Lower, "leaves served after their notAfter"),
    def("expiring_unrenewed", Percent, Scan, Lower, "leaves served with fewer than 14 days or a quarter of their lifetime left (whichever is shorter) and no successor deployed in their place"),
    def("owner_coverage", Percent, Scan, Higher, "leaves with an owner assigned"),
    def("weak_keys", Percent, Scan, Lower, "leaves with an RSA key under 2048 bits, an EC key under 256 bits, or a DSA key"),
    def("weak_signatures", Percent, Scan, Lower, "leaves signed with SHA-1, MD5 or MD2"),
    def("key_reuse", Percent, Scan, Lower, "leaves whose key is also used by a leaf for unrelated names"),
    def("key_reuse_largest_cluster", Count, Scan, Lower, "the most leaves sharing one key across unrelated names"),
    def("shadow_ca_leaves", Percent, Scan, Lower, "leaves chaining to a private CA that is not an approved anchor"),
    def("shadow_cas", Count, Scan, Lower, "distinct shadow CAs issuing served leaves"),
    def("unknown_ca_leaves", Percent, Scan, Lower, "leaves whose issuer could not be placed (missing intermediate, unknown root)"),
    def("self_signed_leaves", Percent, Scan, Lower, "self-signed leaves"),
    def("chains_correct", Percent, Scan, Higher, "leaves served with complete, ordered chains without unrelated certificates (a root sent along is tolerated); measured on leaves served with a chain recorded as sent (not a peer's leaf-only report, nor files at rest)"),
    def("profile_conformance", Percent, Scan, Higher, "leaves with a SAN, covering every name asked for, not a CA, valid no longer than the CA/Browser Forum allowed on their issuance date (398 days, 200 from 15 March 2026, 100 from 2027, 47 from 2029)"),
    def("revocation_pointers", Percent, Scan, Higher, "leaves not self-signed that carry an OCSP or CRL URL (short-lived certificates as the Baseline Requirements define them, which may omit both, left out)"),
    def("revocation_status_known", Percent, Scan, Higher, "leaves whose CA gave a signed, fresh revocation status (good or revoked, by OCSP or CRL), of the leaves not self-signed whose status was checked (--check-revocation)"),
    def("legacy_tls", Percent, Scan, Lower, "endpoints accepting SSLv3, TLS 1.0 or TLS 1.1, of those whose accepted versions were probed (--versions)"),
    def("tls13_share", Percent, Scan, Higher, "endpoints supporting TLS 1.3, of those whose accepted versions were probed (--versions)"),
    def("pq_hybrid_share", Percent, Scan, Higher, "TLS 1.3 endpoints negotiating a hybrid post-quantum key exchange (X25519MLKEM768 and kin), of those whose versions were probed (--versions)"),
    def("pq_certificates", Percent, Scan, Higher, "leaves whose key and signature are both post-quantum (ML-DSA, SLH-DSA, composite ML-DSA)"),
    def("pq_endpoints", Percent, Scan, Higher, "endpoints post-quantum ready: a post-quantum leaf, a hybrid ML-KEM key exchange negotiated in the scan, or a hybrid group accepted when `--groups` offered it alone, of those whose key exchange, groups or leaf is known"),
    def("lifetime_median", Days, Scan, Lower, "median validity period of leaves, in days"),
    def("expired_in_window", Count, Window, Lower, "distinct certificates seen expired in service during the window"),
    def("late_renewals", Percent, Window, Lower, "renewals in the window deployed with fewer than 14 days or a quarter of the old certificate's lifetime (whichever is shorter) left on it"),
    def("renewal_lead_time", Days, Window, Higher, "median days left on the old certificate when its renewal was deployed"),
    def("renewal_lead_share", Percent, Window, Higher, "median renewal lead as a share of the lead the old certificate's lifetime calls for (a third of it, at most 30 days; capped at 100 %)"),
    def("rekey_rate", Percent, Window, Higher, "renewals in the window that also changed the key"),
    def("new_certificate_detection", Days, Window, Lower, "median days from a new leaf's notBefore to the scan that first saw it"),
    def("scans_in_window", Count, Window, Higher, "distinct days in the window with a complete scan, the scored one included (scans closer than the profile's minimum interval count once)"),
    def("scan_interval", Days, Window, Lower, "the longest gap between consecutive complete scans in the window (scans closer than the profile's minimum interval count once)"),
    def("scan_coverage", Percent, Window, Higher, "endpoints that served a certificate during the window and were probed again by the scored scan"),
    def("exceptions_documented", Percent, Scan, Higher, "exceptions in the register with an owner, a reason and a review date not passed, of all declared (the exception register)"),
    def("alerts_delivered", Percent, Window, Higher, "alerts raised by the window's earlier scans that reached their webhook within a day, before the scored scan (the alert outbox)"),
    def("time_to_fix", Days, Window, Lower, "median days from a finding appearing to its fix, over findings fixed in the window"),
];

/// The per-category findings metric, computed while scoring: active
/// findings of severity high or critical from rules tagged with the
/// category.
pub const CATEGORY_FINDINGS: MetricDef = def(
    "category_findings",
    Count,
    Findings,
    Lower,
    "active high or critical findings of rules tagged with the category",
);

/// The catalogue entry with this id (including `category_findings`).
pub fn find(id: &str) -> Option<&'static MetricDef> {
    CATALOGUE
        .iter()
        .chain(std::iter::once(&CATEGORY_FINDINGS))
        .find(|d| d.id == id)
}
