//! The CycloneDX CBOM (cryptographic bill of materials) of one scan:
//! `cryptographic-asset` components for every certificate, public key,
//! algorithm and TLS deployment the scan saw, with the endpoints as
//! evidence and the links between them as dependencies. Facts only:
//! findings and scores are not in it.
//!
//! The same scan always gives the same BOM: bom-refs come from
//! fingerprints and names, the serial number from the scan, the timestamp
//! is the scan's start. Our own serde types ([`types`]), checked in tests
//! against the official CycloneDX 1.6 and 1.7 JSON schemas.

mod algorithms;
mod certificates;
mod protocols;
mod registry;
pub mod types;

use std::io::{self, Write};

use crate::time_text::rfc3339;

pub use algorithms::{classify, AlgorithmClass};
use registry::Registry;
use types::{Bom, Metadata, Property, ToolComponent, Tools};

use crate::observation::Observation;
use crate::store::{EndpointLeaf, ScanRecord, StoredCertificate};

/// The CBOM's file name in an evidence bundle.
pub const CBOM_FILE: &str = "cbom.json";

/// The CycloneDX specification version written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SpecVersion {
    /// CycloneDX 1.6 (the first with crypto assets).
    #[default]
    V1_6,
    /// CycloneDX 1.7 (adds certificate serial numbers, fingerprints and
    /// TLS groups per cipher suite).
    V1_7,
}

impl SpecVersion {
    /// `1.6` or `1.7`.
    pub fn as_str(self) -> &'static str {
        match self {
            SpecVersion::V1_6 => "1.6",
            SpecVersion::V1_7 => "1.7",
        }
    }
}

/// What a CBOM is made of: one scan's facts, as the store returns them.
#[derive(Debug, Clone, Copy)]
pub struct CbomInput<'a> {
    /// The scan.
    pub scan: &'a ScanRecord,
    /// Every certificate of the scan ([`crate::store::Store::certificates_in_scan`]).
    pub certificates: &'a [StoredCertificate],
    /// Its deployments ([`crate::store::Store::endpoint_leaves`]).
    pub leaves: &'a [EndpointLeaf],
    /// Its observations ([`crate::store::Store::observations`]).
    pub observations: &'a [Observation],
}

/// Builds the BOM of `input` in `spec`.
pub fn build(input: CbomInput<'_>, spec: SpecVersion) -> Bom {
    let mut registry = Registry::default();
    for certificate in input.certificates {
        certificates::add_certificate(&mut registry, certificate, spec);
    }
    let observations = protocols::Observations::new(input.observations);
    for leaf in input.leaves {
        protocols::add_deployment(&mut registry, leaf, &observations, spec);
    }
    let (components, dependencies) = registry.finish();
    Bom {
        bom_format: "CycloneDX",
        spec_version: spec.as_str(),
        serial_number: serial_number(input.scan),
        version: 1,
        metadata: metadata(input.scan),
        components,
        dependencies,
    }
}

/// Writes `bom` as pretty JSON, with a final newline.
pub fn write_cbom(out: &mut dyn Write, bom: &Bom) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, bom)?;
    writeln!(out)
}

/// The scan's start, the tool, and which scan.
fn metadata(scan: &ScanRecord) -> Metadata {
    let property = |name: &str, value: String| Property {
        name: format!("certatlas:{name}"),
        value,
    };
    Metadata {
        timestamp: rfc3339(scan.started_at),
        tools: Tools {
            components: vec![ToolComponent {
                kind: "application",
                name: "certatlas",
                version: env!("CARGO_PKG_VERSION").to_string(),
            }],
        },
        properties: vec![
            property("scan:id", scan.id.to_string()),
            property("scan:status", scan.status.as_str().to_string()),
            property("scan:targets", scan.targets.join(" ")),
            property("scan:tool_version", scan.tool_version.clone()),
        ],
    }
}

/// `urn:uuid:` of an RFC 9562 version-8 UUID made of the SHA-256 of what
/// identifies the scan (id, start, scanning host and process, targets):
/// the same scan always has the same serial number, two scans never share
/// one.
pub fn serial_number(scan: &ScanRecord) -> String {
    let identity = format!(
        "certatlas-cbom\0{}\0{}\0{}\0{}\0{}",
        scan.id,
        rfc3339(scan.started_at),
        scan.host,
        scan.pid,
        scan.targets.join("\0")
    );
    let hex = crate::certs::sha256_hex(identity.as_bytes());
    let mut digits: Vec<char> = hex.chars().take(32).collect();
    digits[12] = '8'; // version 8: custom
    let variant = digits[16].to_digit(16).unwrap_or(0);
    digits[16] = char::from_digit(0x8 | (variant & 0x3), 16).unwrap_or('8');
    let text: String = digits.into_iter().collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &text[0..8],
        &text[8..12],
        &text[12..16],
        &text[16..20],
        &text[20..32]
    )
}

#[cfg(test)]
mod tests;
