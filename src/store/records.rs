//! The owned value types the store takes and returns: scan ids and metadata,
//! endpoint keys, stored certificates, history entries and events. All read
//! results serialise with serde for the JSON outputs.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::certs::CertificateView;

/// The id of one scan (`scans.id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ScanId(pub i64);

impl std::fmt::Display for ScanId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What is recorded about a scan when it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanMeta {
    /// When the scan started.
    pub started_at: OffsetDateTime,
    /// The target specs as the user gave them.
    pub targets: Vec<String>,
    /// The scan options, as a JSON object.
    pub options: serde_json::Value,
    /// The certatlas version that ran the scan.
    pub tool_version: String,
}

/// The life-cycle state of a scan (`scans.status`); its stored text is
/// derived ([`ScanStatus::as_str`]).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ScanStatus {
    /// Still running (or its process has not yet been noticed gone).
    Running,
    /// Finished normally.
    Complete,
    /// The scanning process went away, or the scan was cut short.
    Interrupted,
}

impl ScanStatus {
    /// The text stored in `scans.status`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses the stored text.
    pub fn parse(text: &str) -> Option<ScanStatus> {
        text.parse().ok()
    }
}

/// One stored scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanRecord {
    /// Its id.
    pub id: ScanId,
    /// When it started.
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// When it finished (or was cut short); absent while running or when
    /// found interrupted.
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    /// Its state.
    pub status: ScanStatus,
    /// The target specs.
    pub targets: Vec<String>,
    /// The scan options.
    pub options: serde_json::Value,
    /// The certatlas version that ran it.
    pub tool_version: String,
    /// The scanning process id.
    pub pid: i64,
    /// The scanning machine's host name.
    pub host: String,
    /// The run summary recorded at the end, if any.
    pub summary: Option<serde_json::Value>,
    /// How many observations it stored.
    pub observations: u64,
}

/// Identifies an endpoint: `(address, port, sni)`. `address` is the IP
/// address as text, or the host name for observations without an address
/// (`dns_error`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EndpointKey {
    /// IP address text, or the host name when there was no address.
    pub address: String,
    /// TCP port.
    pub port: u16,
    /// SNI sent, if any.
    pub sni: Option<String>,
}

impl EndpointKey {
    /// The key the store files `observation` under (address text as in
    /// `endpoints.address`).
    pub fn of(observation: &crate::observation::Observation) -> EndpointKey {
        EndpointKey {
            address: super::codec::endpoint_address(observation),
            port: observation.port,
            sni: observation.sni.clone(),
        }
    }

    /// `address:port`, an IPv6 address in brackets (the SNI left out).
    pub fn place(&self) -> String {
        match self.address.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V6(v6)) => format!("[{v6}]:{}", self.port),
            _ => format!("{}:{}", self.address, self.port),
        }
    }
}

impl std::fmt::Display for EndpointKey {
    /// `address:port` or `address:port/sni` (an IPv6 address in brackets),
    /// as `history` takes it back.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.place())?;
        match &self.sni {
            Some(sni) => write!(f, "/{sni}"),
            None => Ok(()),
        }
    }
}

/// What a name tried at an endpoint turned out to be there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameStatus {
    /// The name got the endpoint's default chain and is served there (a
    /// certificate covers it, or the user said it belongs there).
    Served,
    /// The name got a chain of its own: a deployment of that certificate at
    /// the endpoint.
    Deployment,
    /// A `broadcast` or `discovered` name that got the default chain, which
    /// does not cover it: the name is not served at this endpoint.
    NotServed,
}

/// A name by which an endpoint was reached, where it came from, and what it
/// turned out to be there.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EndpointName {
    /// The server name sent (SNI), lowercase.
    pub name: String,
    /// Where the name came from (`target`, `broadcast`, `discovered`).
    pub source: crate::observation::SniSource,
    /// Served, a deployment, or not served here.
    pub status: NameStatus,
}

/// The leaf certificate an endpoint served in one scan. As
/// [`super::Store::endpoint_leaves`] returns them (folded, see
/// [`crate::store::endpoints`]), `endpoint.sni` is `None` for the
/// endpoint's default chain and the name for a deployment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointLeaf {
    /// The endpoint.
    pub endpoint: EndpointKey,
    /// The target as the user named it.
    pub host: String,
    /// Where the SNI of the probe came from (as probed, before folding;
    /// the strongest source when several probes asked for one name).
    pub sni_source: crate::observation::SniSource,
    /// The names that reach this leaf at this endpoint, with their source
    /// and status; on the default chain also the names not served here.
    /// Empty before folding.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<EndpointName>,
    /// SHA-256 of the leaf certificate.
    pub leaf_sha256: String,
    /// The parsed leaf; `None` when its DER does not parse, or when read
    /// without views. Boxed: a view is about a kilobyte, and a scan's
    /// endpoint leaves read without views (a million of them at scale)
    /// should not each carry that much empty room.
    pub leaf: Option<Box<CertificateView>>,
    /// SHA-256s of the chain as sent, leaf first.
    pub chain: Vec<String>,
    /// The chain is the leaf alone as a peer tool reported it (every
    /// observation of it in the scan was
    /// [`leaf_only_chain`](crate::observation::Observation::leaf_only_chain)):
    /// what the server sent beyond the leaf is unknown.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub leaf_only_chain: bool,
    /// When it was observed.
    #[serde(with = "time::serde::rfc3339")]
    pub observed_at: OffsetDateTime,
}

/// What a diff says of a stored certificate, read from its columns
/// ([`super::Store::certificate_headlines`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateHeadline {
    /// SHA-256 of the DER.
    pub sha256: String,
    /// Subject DN, when it parsed.
    pub subject_dn: Option<String>,
    /// notAfter, when it parsed.
    pub not_after: Option<OffsetDateTime>,
}

/// One distinct stored certificate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredCertificate {
    /// SHA-256 of the DER.
    pub sha256: String,
    /// The DER as received (base64 in JSON).
    #[serde(with = "crate::pem::base64_bytes")]
    pub der: Vec<u8>,
    /// The parsed view; `None` when the DER does not parse.
    pub view: Option<CertificateView>,
    /// Why it does not parse, when it does not.
    pub parse_error: Option<String>,
    /// First time it was observed.
    #[serde(with = "time::serde::rfc3339")]
    pub first_seen: OffsetDateTime,
    /// Last time it was observed.
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen: OffsetDateTime,
}

/// One observation in an endpoint's or a certificate's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// The scan that made it.
    pub scan: ScanId,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub observed_at: OffsetDateTime,
    /// Which endpoint.
    pub endpoint: EndpointKey,
    /// The target as the user named it.
    pub host: String,
    /// The outcome word (`tls`, `timeout`, ...).
    pub status: String,
    /// The outcome key with detail (`timeout(connect)`).
    pub reason: String,
    /// The leaf served, if any.
    pub leaf_sha256: Option<String>,
    /// The leaf's subject DN, if it parsed.
    pub leaf_subject: Option<String>,
    /// The leaf's notAfter, if it parsed.
    #[serde(with = "time::serde::rfc3339::option")]
    pub leaf_not_after: Option<OffsetDateTime>,
    /// For a certificate's history: its position in the chain (0 = leaf).
    pub position: Option<u32>,
}

/// The kinds of change events (`events.kind`); the stored text is derived
/// ([`EventKind::as_str`]), every kind in declaration order is
/// [`strum::VariantArray::VARIANTS`].
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum EventKind {
    /// A certificate not served before appeared.
    NewCertificate,
    /// A certificate served before is no longer served anywhere.
    CertificateGone,
    /// An endpoint now serves a different certificate.
    CertificateChanged,
    /// The new certificate renews the old one (same subject, later validity).
    Renewal,
    /// The renewal also changed the key.
    Rekey,
    /// An endpoint that served a certificate no longer does.
    EndpointGone,
    /// An endpoint serves a certificate that has expired.
    ExpiredInService,
}

impl EventKind {
    /// The text stored in `events.kind`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses the stored text.
    pub fn parse(text: &str) -> Option<EventKind> {
        text.parse().ok()
    }
}

/// An event to record for a scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewEvent {
    /// What happened.
    pub kind: EventKind,
    /// Where, if at one endpoint (must already be stored).
    pub endpoint: Option<EndpointKey>,
    /// The certificate before (must already be stored).
    pub old_sha256: Option<String>,
    /// The certificate after (must already be stored).
    pub new_sha256: Option<String>,
    /// For renewals: days between the new certificate appearing and the old
    /// one expiring.
    pub lead_days: Option<f64>,
    /// Anything else, as JSON.
    pub detail: serde_json::Value,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventRecord {
    /// `events.id`.
    pub id: i64,
    /// The scan it was recorded for.
    pub scan: ScanId,
    /// What happened.
    pub kind: EventKind,
    /// Where.
    pub endpoint: Option<EndpointKey>,
    /// The certificate before.
    pub old_sha256: Option<String>,
    /// The certificate after.
    pub new_sha256: Option<String>,
    /// Renewal lead time in days.
    pub lead_days: Option<f64>,
    /// The old certificate's validity period in days (notBefore to
    /// notAfter), when there is an old certificate.
    #[serde(default)]
    pub old_lifetime_days: Option<f64>,
    /// Anything else.
    pub detail: serde_json::Value,
    /// When it was recorded.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// What an [`super::ObservationWriter`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WriteStats {
    /// Observations stored: as rows, held rows or counts.
    pub observations: u64,
    /// Observations that extended a row of the lineage's previous scan (the
    /// endpoint presented the same as then).
    pub held: u64,
    /// Unresponsive probes counted instead of stored as rows.
    pub counted: u64,
    /// Transactions committed.
    pub batches: u64,
    /// Certificates new to the store (parsed and inserted).
    pub new_certificates: u64,
    /// Chains new to the store.
    pub new_chains: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn stored_words_stay_as_stored() {
        let kinds: Vec<&str> = EventKind::VARIANTS.iter().map(|k| k.as_str()).collect();
        let expected = [
            "new_certificate",
            "certificate_gone",
            "certificate_changed",
            "renewal",
            "rekey",
            "endpoint_gone",
            "expired_in_service",
        ];
        assert_eq!(kinds, expected);
        let statuses: Vec<&str> = ScanStatus::VARIANTS.iter().map(|s| s.as_str()).collect();
        assert_eq!(statuses, ["running", "complete", "interrupted"]);
        for &status in ScanStatus::VARIANTS {
            assert_eq!(ScanStatus::parse(status.as_str()), Some(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        assert_eq!(ScanStatus::parse("Complete"), None);
    }

    #[test]
    fn endpoint_keys_print_as_history_takes_them() {
        let key = |address: &str, sni: Option<&str>| EndpointKey {
            address: address.into(),
            port: 443,
            sni: sni.map(Into::into),
        };
        assert_eq!(key("10.0.0.1", None).to_string(), "10.0.0.1:443");
        assert_eq!(
            key("2001:db8::1", Some("a.test")).to_string(),
            "[2001:db8::1]:443/a.test"
        );
        assert_eq!(key("host.test", None).place(), "host.test:443");
        assert_eq!(key("::1", Some("a.test")).place(), "[::1]:443");
    }

    #[test]
    fn event_kinds_text_matches_serde_and_parses_back() {
        for &kind in EventKind::VARIANTS {
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, kind.as_str());
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(EventKind::parse("renewed"), None);
    }

    #[test]
    fn scan_status_text_parses_back() {
        for status in [
            ScanStatus::Running,
            ScanStatus::Complete,
            ScanStatus::Interrupted,
        ] {
            assert_eq!(ScanStatus::parse(status.as_str()), Some(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }
}
