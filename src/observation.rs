//! The observation: what one probe of one endpoint saw.
//!
//! Every probe, whatever happened, yields the same envelope (as zgrab2 and
//! sslyze do): where it went, when, a closed [`Outcome`] vocabulary, the TLS
//! session parameters when a handshake got that far, the certificate chain
//! *as received* in DER, and the strict verification verdict. Nothing here is
//! parsed: stored observations can be re-evaluated later with new rules.
//!
//! The JSON form of [`Observation`] is part of certatlas's documented output
//! (see the README, "Output formats"); [`SCHEMA_VERSION`] changes whenever a
//! field changes meaning or disappears.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Version of the observation JSON schema; bumped on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// One probe of one `(address, port, sni)` endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// The target as the user named it: a hostname, or the address itself.
    pub host: String,
    /// The address contacted; absent only when name resolution failed.
    pub address: Option<IpAddr>,
    /// TCP port.
    pub port: u16,
    /// Server name sent in the TLS SNI extension, if any.
    pub sni: Option<String>,
    /// Where the SNI came from: `none`, `target` (a host-name target or a
    /// pairing of the name with this address), `broadcast` (`--sni`, tried
    /// on every address) or `discovered` (a DNS name from a certificate
    /// seen on this address, `--sni-discover`).
    #[serde(default)]
    pub sni_source: SniSource,
    /// The STARTTLS dialect spoken before the handshake, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starttls: Option<String>,
    /// The signature-scheme family offered, when it was restricted to reveal
    /// a second certificate (`--all-certs`): `ecdsa` or `rsa`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_offer: Option<String>,
    /// When the probe started (RFC 3339, UTC).
    #[serde(with = "time::serde::rfc3339")]
    pub started_at: OffsetDateTime,
    /// Wall time of the whole probe, in milliseconds.
    pub duration_ms: f64,
    /// What happened; serialised as `status` plus its detail fields.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// TLS session parameters, present when a server hello was processed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsSession>,
    /// The certificate chain exactly as the server sent it, leaf first,
    /// base64 DER. Empty when no Certificate message was received.
    #[serde(default, with = "crate::pem::base64_list")]
    pub chain_der: Vec<Vec<u8>>,
    /// The strict verification verdict; recorded, never enforced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// Protocol versions the endpoint accepts (`--versions`), by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<BTreeMap<String, VersionSupport>>,
    /// Weak suite classes the endpoint accepts when offered alone
    /// (`--versions`): `null`, `export`, `rc4`, `3des`, `des`, `anon`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weak_suites: Option<BTreeMap<String, VersionSupport>>,
    /// Key-exchange groups the endpoint accepts when offered alone
    /// (`--groups`), by IANA name: `X25519MLKEM768`, `SecP256r1MLKEM768`,
    /// `SecP384r1MLKEM1024`, `X25519`, `secp256r1`, `secp384r1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<BTreeMap<String, VersionSupport>>,
    /// The chain holds only the leaf because the tool that observed it
    /// reported no more (an import of nmap's `ssl-cert`, or of tlsx
    /// without `-tc`): what the server sent beyond the leaf is unknown,
    /// so the chain's shape (complete, ordered) was not measured. Never
    /// set by certatlas's own probes, which record the chain as sent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub leaf_only_chain: bool,
}

/// Where an observation's SNI came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SniSource {
    /// No SNI was sent.
    #[default]
    None,
    /// The user said this name belongs at this address: a host-name target,
    /// a `name@address` pairing, a CSV pairing or a `--resolve` pairing.
    Target,
    /// A name given with --sni, tried on every address in scope.
    Broadcast,
    /// A DNS name found in a certificate already captured on this address.
    Discovered,
}

/// Whether one protocol version is accepted by an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionSupport {
    /// The server completed a hello in this version.
    Accepted,
    /// The server refused it (alert, other version, or hang-up).
    Rejected,
    /// The probe could not tell (timeout or network error).
    Unknown,
}

impl Observation {
    /// True when a certificate chain was captured.
    pub fn has_chain(&self) -> bool {
        !self.chain_der.is_empty()
    }
}

/// The closed vocabulary of probe outcomes (`status` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// A TLS server answered and its certificate chain was captured (the
    /// handshake may still have failed afterwards; see [`TlsSession`]).
    Tls,
    /// The connection was refused (nothing listens on the port).
    Closed,
    /// The network or host is unreachable.
    Unreachable {
        /// The operating system's reason.
        reason: String,
    },
    /// A deadline expired.
    Timeout {
        /// The phase that was running when it expired.
        phase: Phase,
    },
    /// Something answered, but it does not speak TLS.
    NotTls {
        /// The first bytes the peer sent, hex encoded (at most 16).
        first_bytes: String,
    },
    /// The TLS handshake failed before a certificate was received.
    HandshakeFailed {
        /// The TLS alert the server sent, if it sent one (snake_case name).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        alert: Option<String>,
        /// Human readable detail.
        reason: String,
    },
    /// The peer closed or reset the connection mid-handshake.
    Reset {
        /// The phase that was running.
        phase: Phase,
        /// Human readable detail.
        reason: String,
    },
    /// The server did not agree to start TLS (STARTTLS).
    StarttlsRefused {
        /// The server's reply, trimmed.
        reply: String,
    },
    /// The service will not start TLS without being addressed by its domain
    /// name, and none was sent (an XMPP server answering a stream header
    /// without `to` with `improper-addressing` or `host-unknown`): pair a
    /// name with the address (`name@address`, `--resolve`).
    NeedsName {
        /// The server's reply, trimmed.
        reply: String,
    },
    /// The hostname did not resolve.
    DnsError {
        /// The resolver's reason.
        reason: String,
    },
    /// Any other local or network error.
    Error {
        /// Human readable detail.
        reason: String,
    },
}

impl Outcome {
    /// The `status` word of this outcome, as written in JSON.
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Tls => "tls",
            Outcome::Closed => "closed",
            Outcome::Unreachable { .. } => "unreachable",
            Outcome::Timeout { .. } => "timeout",
            Outcome::NotTls { .. } => "not_tls",
            Outcome::HandshakeFailed { .. } => "handshake_failed",
            Outcome::Reset { .. } => "reset",
            Outcome::StarttlsRefused { .. } => "starttls_refused",
            Outcome::NeedsName { .. } => "needs_name",
            Outcome::DnsError { .. } => "dns_error",
            Outcome::Error { .. } => "error",
        }
    }

    /// Nothing answered at the address and port: the connection was
    /// refused, the network unreachable, or the connect timed out. A scan
    /// stores these as counts unless the place answered before.
    pub fn is_unresponsive(&self) -> bool {
        matches!(
            self,
            Outcome::Closed
                | Outcome::Unreachable { .. }
                | Outcome::Timeout {
                    phase: Phase::Connect
                }
        )
    }

    /// Something accepted the TCP connection (whatever followed).
    pub fn answered(&self) -> bool {
        match self {
            Outcome::Tls
            | Outcome::NotTls { .. }
            | Outcome::HandshakeFailed { .. }
            | Outcome::StarttlsRefused { .. }
            | Outcome::NeedsName { .. } => true,
            Outcome::Timeout { phase } | Outcome::Reset { phase, .. } => {
                matches!(phase, Phase::Starttls | Phase::Handshake)
            }
            _ => false,
        }
    }

    /// The status and its most useful detail, e.g. `timeout(connect)`.
    pub fn reason_key(&self) -> String {
        match self {
            Outcome::Timeout { phase } | Outcome::Reset { phase, .. } => {
                format!("{}({})", self.status(), phase.as_str())
            }
            Outcome::HandshakeFailed { alert: Some(a), .. } => format!("handshake_failed({a})"),
            _ => self.status().to_string(),
        }
    }
}

/// The phases of a probe, for timeouts and resets; the name is derived
/// ([`Phase::as_str`]).
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
pub enum Phase {
    /// Resolving the hostname.
    Resolve,
    /// Establishing the TCP connection.
    Connect,
    /// The STARTTLS exchange before the handshake.
    Starttls,
    /// The TLS handshake.
    Handshake,
}

impl Phase {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Parameters of the TLS session as far as the handshake got.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TlsSession {
    /// Negotiated protocol version, e.g. `TLSv1.3`.
    pub version: Option<String>,
    /// Negotiated cipher suite (IANA name), e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: Option<String>,
    /// Negotiated key-exchange group, e.g. `X25519MLKEM768`.
    pub key_exchange_group: Option<String>,
    /// Negotiated ALPN protocol.
    pub alpn: Option<String>,
    /// Time from TCP established to handshake end (or failure), ms.
    pub handshake_ms: f64,
    /// Whether the handshake completed.
    pub handshake_complete: bool,
    /// Why the handshake stopped after the certificate, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The server asked for a client certificate.
    pub client_auth_requested: bool,
    /// The server stapled an OCSP response.
    pub ocsp_stapled: bool,
    /// How the chain was captured: `rustls` (a TLS 1.2/1.3 handshake) or
    /// `legacy_hello` (our own ClientHello, for SSLv3 to TLS 1.2 servers
    /// rustls cannot talk to; the connection is closed after the
    /// certificate).
    #[serde(default)]
    pub capture: CaptureMethod,
    /// Weaknesses of the negotiated suite (`export`, `null`, `rc4`, `3des`,
    /// `anon`, `cbc`), for legacy captures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suite_weaknesses: Vec<String>,
}

/// How a chain was captured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureMethod {
    /// A rustls TLS 1.2/1.3 handshake.
    #[default]
    Rustls,
    /// certatlas's own legacy ClientHello.
    LegacyHello,
}

/// Result of strict (browser-like) verification of the captured chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// True when the chain builds to a trust anchor and the name matches.
    pub trusted: bool,
    /// The anchor the chain built to (its subject), when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<String>,
    /// Why it is not trusted. Never [`VerdictProblem::NameMismatch`] when
    /// [`Verdict::name_check`] is [`NameCheck::NoName`].
    pub problems: Vec<VerdictProblem>,
    /// Whether a host name was checked: `checked`, or `no_name` for a probe
    /// that sent no name (an address target without SNI). Verdicts stored
    /// before this field existed read as `checked`.
    #[serde(default)]
    pub name_check: NameCheck,
}

/// Why a strict verdict is untrusted: the closed vocabulary certatlas maps
/// the verifier's errors to. Serialised as its snake_case name (the same
/// text in JSON and in the store); an unknown name reads as `other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum VerdictProblem {
    /// The leaf (or a CA) is past its notAfter.
    Expired,
    /// The leaf (or a CA) is before its notBefore.
    NotYetValid,
    /// No path to a trust anchor.
    UnknownIssuer,
    /// The leaf does not cover the name checked.
    NameMismatch,
    /// A signature on the path does not verify.
    BadSignature,
    /// A signature algorithm the verifier does not accept.
    UnsupportedSignatureAlgorithm,
    /// The leaf's extended key usage excludes server authentication.
    NotServerAuth,
    /// A CA certificate served as the leaf.
    CaUsedAsLeaf,
    /// Revoked.
    Revoked,
    /// Certificate bytes that do not parse.
    Malformed,
    /// Anything else.
    #[serde(other)]
    Other,
}

impl VerdictProblem {
    /// The snake_case name (as serialised).
    pub fn name(self) -> &'static str {
        match self {
            VerdictProblem::Expired => "expired",
            VerdictProblem::NotYetValid => "not_yet_valid",
            VerdictProblem::UnknownIssuer => "unknown_issuer",
            VerdictProblem::NameMismatch => "name_mismatch",
            VerdictProblem::BadSignature => "bad_signature",
            VerdictProblem::UnsupportedSignatureAlgorithm => "unsupported_signature_algorithm",
            VerdictProblem::NotServerAuth => "not_server_auth",
            VerdictProblem::CaUsedAsLeaf => "ca_used_as_leaf",
            VerdictProblem::Revoked => "revoked",
            VerdictProblem::Malformed => "malformed",
            VerdictProblem::Other => "other",
        }
    }
}

impl std::fmt::Display for VerdictProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq<&str> for VerdictProblem {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

/// Which host-name check the strict verdict made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameCheck {
    /// The name sent as SNI was checked against the certificate.
    #[default]
    Checked,
    /// The probe sent no name (an address without SNI), so no name was
    /// checked: the verdict covers the chain only, never `name_mismatch`.
    NoName,
}

impl NameCheck {
    /// The words shown beside a verdict: `None` when a name was checked,
    /// `"no name checked"` otherwise.
    pub fn note(self) -> Option<&'static str> {
        match self {
            NameCheck::Checked => None,
            NameCheck::NoName => Some("no name checked"),
        }
    }
}

/// Hex encoding of up to `max` bytes, for `first_bytes` fields.
pub fn hex_prefix(bytes: &[u8], max: usize) -> String {
    bytes.iter().take(max).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phase_names_round_trip_and_match_serde() {
        use strum::VariantArray;
        let names: Vec<&str> = Phase::VARIANTS.iter().map(|p| p.as_str()).collect();
        assert_eq!(names, ["resolve", "connect", "starttls", "handshake"]);
        for &phase in Phase::VARIANTS {
            assert_eq!(phase.as_str().parse::<Phase>(), Ok(phase));
            assert_eq!(serde_json::to_value(phase).unwrap(), phase.as_str());
        }
    }

    fn sample(outcome: Outcome) -> Observation {
        Observation {
            host: "example.test".into(),
            address: Some("127.0.0.1".parse().unwrap()),
            port: 443,
            sni: Some("example.test".into()),
            sni_source: SniSource::Target,
            starttls: None,
            signature_offer: None,
            started_at: time::macros::datetime!(2026-06-01 12:00 UTC),
            duration_ms: 1.5,
            outcome,
            tls: None,
            chain_der: vec![vec![0x30, 0x03, 1, 2, 3]],
            verdict: None,
            versions: None,
            weak_suites: None,
            groups: None,
            leaf_only_chain: false,
        }
    }

    #[test]
    fn status_is_flattened_with_its_detail() {
        let obs = sample(Outcome::Timeout {
            phase: Phase::Connect,
        });
        let json = serde_json::to_value(&obs).unwrap();
        assert_eq!(json["status"], "timeout");
        assert_eq!(json["phase"], "connect");
        assert_eq!(json["chain_der"][0], "MAMBAgM=");
        assert_eq!(json["started_at"], "2026-06-01T12:00:00Z");
    }

    #[test]
    fn round_trips_through_json() {
        let obs = sample(Outcome::HandshakeFailed {
            alert: Some("protocol_version".into()),
            reason: "peer refused".into(),
        });
        let text = serde_json::to_string(&obs).unwrap();
        let back: Observation = serde_json::from_str(&text).unwrap();
        assert_eq!(back, obs);
        assert_eq!(
            back.outcome.reason_key(),
            "handshake_failed(protocol_version)"
        );
    }

    #[test]
    fn hex_prefix_is_bounded() {
        assert_eq!(hex_prefix(b"SSH-2.0-OpenSSH_9.6 and more", 4), "5353482d");
    }

    #[test]
    fn verdict_problems_serialise_as_their_names_and_unknown_ones_read_as_other() {
        let problems = vec![VerdictProblem::UnknownIssuer, VerdictProblem::NameMismatch];
        let json = serde_json::to_string(&problems).expect("serialises");
        assert_eq!(json, r#"["unknown_issuer","name_mismatch"]"#);
        let back: Vec<VerdictProblem> =
            serde_json::from_str(r#"["expired","something_new"]"#).expect("reads");
        assert_eq!(back, vec![VerdictProblem::Expired, VerdictProblem::Other]);
        for problem in back {
            let name = serde_json::to_value(problem).expect("serialises");
            assert_eq!(name, problem.name(), "Display and serde agree");
        }
    }
}
