//! An accepted exception to the rules: what it covers (a certificate by
//! SHA-256, or an endpoint), who accepted it, why, until when it holds and
//! which rules it covers. `config` reads them from `[[exceptions]]`,
//! `policy` applies them to findings and `scoring` leaves their subjects
//! out of the metrics; a leaf of its own so that neither imports `config`
//! for it.

use std::fmt;

/// One accepted exception (a config `[[exceptions]]` entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// What the exception covers.
    pub what: ExceptionTarget,
    /// Who accepted it.
    pub owner: Option<String>,
    /// Why it is accepted.
    pub reason: String,
    /// When it must be looked at again; after it, the exception lapses.
    pub review: Option<time::Date>,
    /// The rule ids it covers; empty covers every rule.
    pub rules: Vec<String>,
}

/// The subject of an exception: `certificate:<sha256>` or `endpoint:<host>:<port>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExceptionTarget {
    /// A certificate by SHA-256 (lowercase hex).
    Certificate {
        /// The fingerprint.
        sha256: String,
    },
    /// An endpoint by host (address or name, IPv6 without brackets) and port.
    Endpoint {
        /// Address or host name.
        host: String,
        /// TCP port.
        port: u16,
    },
}

/// Why an exception's `what` names nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExceptionTargetError {
    /// `certificate:` without a SHA-256.
    #[error("certificate fingerprint must be 64 hex digits (colons and spaces allowed)")]
    Fingerprint,
    /// Neither `certificate:` nor `endpoint:`.
    #[error("{0:?} must start with certificate: or endpoint:")]
    Kind(String),
    /// `endpoint:` without a usable host and port.
    #[error("{0:?} is not host:port (IPv6 as [addr]:port)")]
    HostPort(String),
}

impl ExceptionTarget {
    /// Parses `certificate:<64 hex>` or `endpoint:<host>:<port>` (IPv6 in
    /// brackets: `endpoint:[2001:db8::1]:443`). The error says what is wrong.
    pub fn parse(text: &str) -> Result<ExceptionTarget, ExceptionTargetError> {
        let text = text.trim();
        if let Some(sha) = text.strip_prefix("certificate:") {
            return normalise_sha256(sha)
                .map(|sha256| ExceptionTarget::Certificate { sha256 })
                .ok_or(ExceptionTargetError::Fingerprint);
        }
        let Some(endpoint) = text.strip_prefix("endpoint:") else {
            return Err(ExceptionTargetError::Kind(text.to_string()));
        };
        let bad = || ExceptionTargetError::HostPort(endpoint.to_string());
        let (host, port) = endpoint.rsplit_once(':').ok_or_else(bad)?;
        let host = match host.strip_prefix('[') {
            Some(inner) => inner.strip_suffix(']').ok_or_else(bad)?,
            None if host.contains(':') => return Err(bad()),
            None => host,
        };
        let port: u16 = port.parse().ok().filter(|p| *p != 0).ok_or_else(bad)?;
        if host.is_empty() {
            return Err(bad());
        }
        Ok(ExceptionTarget::Endpoint {
            host: host.to_string(),
            port,
        })
    }
}

impl fmt::Display for ExceptionTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExceptionTarget::Certificate { sha256 } => write!(f, "certificate:{sha256}"),
            ExceptionTarget::Endpoint { host, port } if host.contains(':') => {
                write!(f, "endpoint:[{host}]:{port}")
            }
            ExceptionTarget::Endpoint { host, port } => write!(f, "endpoint:{host}:{port}"),
        }
    }
}

/// Lowercase 64-digit hex with `:` and whitespace removed, or `None`: the
/// one written form of a SHA-256 fingerprint in the config.
pub fn normalise_sha256(text: &str) -> Option<String> {
    let hex: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit())).then_some(hex)
}
