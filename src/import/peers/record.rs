//! What every peer format shares on its way to an [`Observation`]: the
//! observation's envelope, the SNI (an address is no name), times,
//! protocol-version and cipher-suite names in certatlas's spelling, and
//! the strict verdict added on the second read.

use std::net::IpAddr;

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::PeerProblem;
use crate::observation::{CaptureMethod, Observation, Outcome, SniSource, TlsSession};
use crate::probe::TrustStore;

/// Where a peer's record went and what it saw.
pub(super) struct Seen {
    /// The target as the peer's input named it.
    pub host: String,
    /// The address contacted.
    pub address: IpAddr,
    /// TCP port.
    pub port: u16,
    /// The server name the peer sent, when it sent one.
    pub sni: Option<String>,
    /// The STARTTLS dialect spoken first (certatlas's name), if any.
    pub starttls: Option<String>,
    /// When.
    pub at: OffsetDateTime,
    /// What happened.
    pub outcome: Outcome,
    /// The session, when a handshake got as far as a certificate.
    pub tls: Option<TlsSession>,
    /// The chain as the peer reported it, leaf first.
    pub chain: Vec<Vec<u8>>,
    /// The peer reported the leaf alone though the server may have sent
    /// more (see [`Observation::leaf_only_chain`]).
    pub leaf_only: bool,
}

impl Seen {
    /// The observation (its verdict is added on the second read).
    pub fn observation(self) -> Observation {
        let sni_source = match self.sni {
            Some(_) => SniSource::Target,
            None => SniSource::None,
        };
        Observation {
            host: self.host,
            address: Some(self.address),
            port: self.port,
            sni: self.sni,
            sni_source,
            starttls: self.starttls,
            signature_offer: None,
            started_at: self.at,
            duration_ms: 0.0,
            outcome: self.outcome,
            tls: self.tls,
            chain_der: self.chain,
            verdict: None,
            versions: None,
            weak_suites: None,
            groups: None,
            leaf_only_chain: self.leaf_only,
        }
    }
}

/// The strict verdict of an observation's chain (Mozilla roots, as of its
/// time, for its SNI or else its address), as a live probe records it.
pub(super) fn add_verdict(observation: &mut Observation, trust: &TrustStore) {
    if observation.address.is_none() || observation.chain_der.is_empty() {
        return;
    }
    observation.verdict = Some(trust.verdict_of_observed(
        &observation.chain_der,
        observation.sni.as_deref(),
        observation.started_at,
    ));
}

/// The SNI a peer reports: none when empty or an address (TLS sends no
/// address as a name; tools that echo it did not name the server).
pub(super) fn sni(name: Option<&str>) -> Option<String> {
    let name = name?.trim().trim_end_matches('.');
    if name.is_empty() || name.parse::<IpAddr>().is_ok() {
        return None;
    }
    Some(name.to_ascii_lowercase())
}

/// An IP address field.
pub(super) fn address(
    format: &'static str,
    field: &'static str,
    text: &str,
) -> Result<IpAddr, PeerProblem> {
    let bare = text.trim().trim_start_matches('[').trim_end_matches(']');
    bare.parse()
        .map_err(|_| PeerProblem::bad(format, field, text, "not an IP address"))
}

/// An RFC 3339 time field.
pub(super) fn time(
    format: &'static str,
    field: &'static str,
    text: &str,
) -> Result<OffsetDateTime, PeerProblem> {
    OffsetDateTime::parse(text.trim(), &Rfc3339)
        .map(|t| t.to_offset(time::UtcOffset::UTC))
        .map_err(|e| PeerProblem::bad(format, field, text, e.to_string()))
}

/// A protocol version in certatlas's spelling (`TLSv1.3`), from the
/// spellings of zgrab2 (`TLSv1.3`), tlsx (`tls13`) and sslyze (`TLS_1_3`).
pub(super) fn version(name: &str) -> Option<String> {
    let key: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    let known = match key.as_str() {
        "tls13" | "tlsv13" => "TLSv1.3",
        "tls12" | "tlsv12" => "TLSv1.2",
        "tls11" | "tlsv11" => "TLSv1.1",
        "tls10" | "tlsv10" | "tls1" | "tlsv1" => "TLSv1.0",
        "ssl30" | "sslv3" | "ssl3" | "sslv30" => "SSLv3",
        "ssl20" | "sslv2" | "ssl2" | "sslv20" => "SSLv2",
        _ => return None,
    };
    Some(known.to_string())
}

/// A cipher suite in certatlas's spelling: the IANA name, except TLS 1.3
/// suites, which rustls (and so a live scan) calls `TLS13_…`.
pub(super) fn suite(name: &str) -> String {
    let name = name.trim();
    for tls13 in [
        "TLS_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_AES_128_CCM_SHA256",
        "TLS_AES_128_CCM_8_SHA256",
    ] {
        if name.eq_ignore_ascii_case(tls13) {
            return format!("TLS13_{}", &tls13[4..]);
        }
    }
    name.to_string()
}

/// A session as far as a peer reports it.
pub(super) fn session(
    version: Option<String>,
    cipher_suite: Option<String>,
    handshake_complete: bool,
) -> TlsSession {
    TlsSession {
        version,
        cipher_suite,
        handshake_complete,
        capture: CaptureMethod::Rustls,
        ..TlsSession::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_or_nothing_is_no_sni() {
        assert_eq!(sni(Some("127.0.0.2")), None);
        assert_eq!(sni(Some("::1")), None);
        assert_eq!(sni(Some("")), None);
        assert_eq!(sni(None), None);
        assert_eq!(
            sni(Some("WWW.Example.test.")).as_deref(),
            Some("www.example.test")
        );
    }

    #[test]
    fn versions_and_suites_take_certatlas_spelling() {
        assert_eq!(version("TLS_1_3").as_deref(), Some("TLSv1.3"));
        assert_eq!(version("tls12").as_deref(), Some("TLSv1.2"));
        assert_eq!(version("TLSv1.0").as_deref(), Some("TLSv1.0"));
        assert_eq!(version("SSL_3_0").as_deref(), Some("SSLv3"));
        assert_eq!(version("QUIC"), None);
        assert_eq!(suite("TLS_AES_256_GCM_SHA384"), "TLS13_AES_256_GCM_SHA384");
        let tls12 = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256";
        assert_eq!(suite(tls12), tls12);
    }
}
