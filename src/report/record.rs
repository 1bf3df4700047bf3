//! The output record of one observation: the observation itself plus each
//! certificate of its chain parsed into a [`CertificateView`].
//!
//! Parsing happens once per observation here and the result is shared by
//! every output format.

use serde::Serialize;

use crate::certs::{self, CertificateView};
use crate::observation::Observation;

/// One certificate of a captured chain, parsed or with the reason it is not.
#[derive(Debug, Clone, Serialize)]
pub struct ChainEntry {
    /// Position in the chain as sent (0 = leaf).
    pub position: usize,
    /// SHA-256 of the DER, computed even when parsing fails.
    pub sha256: String,
    /// The parsed certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<CertificateView>,
    /// Why the DER could not be parsed (the DER is kept in `chain_der`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_error: Option<String>,
}

/// An observation with its parsed chain: what every output writes.
#[derive(Debug, Serialize)]
pub struct ObservationRecord<'a> {
    /// Record type tag in JSON Lines output.
    pub record: &'static str,
    /// The observation schema version.
    pub schema_version: u32,
    /// The observation, flattened.
    #[serde(flatten)]
    pub observation: &'a Observation,
    /// The chain, parsed, in the order sent.
    pub certificates: Vec<ChainEntry>,
}

impl<'a> ObservationRecord<'a> {
    /// Parses the chain of `observation`.
    pub fn new(observation: &'a Observation) -> ObservationRecord<'a> {
        let certificates = observation
            .chain_der
            .iter()
            .enumerate()
            .map(|(position, der)| chain_entry(position, der))
            .collect();
        ObservationRecord {
            record: "observation",
            schema_version: crate::observation::SCHEMA_VERSION,
            observation,
            certificates,
        }
    }

    /// The leaf, when it parsed.
    pub fn leaf(&self) -> Option<&CertificateView> {
        self.certificates.first()?.certificate.as_ref()
    }

    /// The leaf's fingerprint, parsed or not.
    pub fn leaf_sha256(&self) -> Option<&str> {
        self.certificates.first().map(|e| e.sha256.as_str())
    }
}

/// Parses one certificate into a chain entry.
fn chain_entry(position: usize, der: &[u8]) -> ChainEntry {
    match certs::parse_certificate(der) {
        Ok(view) => ChainEntry {
            position,
            sha256: view.sha256.clone(),
            certificate: Some(view),
            parse_error: None,
        },
        Err(e) => ChainEntry {
            position,
            sha256: certs::sha256_hex(der),
            certificate: None,
            parse_error: Some(e.to_string()),
        },
    }
}
