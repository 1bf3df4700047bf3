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
use registry::SpilledRegistry;
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

/// A scan's CBOM written as its facts come, in bounded memory: every
/// certificate of the scan ([`CbomWriter::certificate`], in SHA-256
/// order, as [`crate::store::Store::certificates_in_scan_paged`] reads
/// them), then its deployments with the observations at their endpoints
/// ([`CbomWriter::deployments`], a page of endpoints at a time); what they
/// add is gathered in temporary files ([`registry::SpilledRegistry`]) and
/// [`CbomWriter::finish`] writes the BOM, pretty, with a final newline.
pub struct CbomWriter {
    head: Bom,
    spec: SpecVersion,
    registry: SpilledRegistry,
}

impl CbomWriter {
    /// A BOM of `scan` in `spec`, nothing added yet.
    pub fn new(scan: &ScanRecord, spec: SpecVersion) -> CbomWriter {
        CbomWriter {
            head: head(scan, spec),
            spec,
            registry: SpilledRegistry::default(),
        }
    }

    /// [`CbomWriter::new`], writing a run to a temporary file every
    /// `run_bytes` (the tests' way to make many runs of a small BOM).
    #[cfg(test)]
    pub fn with_run_bytes(scan: &ScanRecord, spec: SpecVersion, run_bytes: usize) -> CbomWriter {
        CbomWriter {
            registry: SpilledRegistry::with_run_bytes(run_bytes),
            ..CbomWriter::new(scan, spec)
        }
    }

    /// Adds a certificate of the scan, its key and algorithms.
    pub fn certificate(&mut self, certificate: &StoredCertificate) {
        certificates::add_certificate(&mut self.registry, certificate, self.spec);
    }

    /// Adds the deployments `leaves`, given `observations`: every
    /// observation of the scan at their endpoints (those of other
    /// endpoints are not looked at).
    pub fn deployments<'l>(
        &mut self,
        leaves: impl IntoIterator<Item = &'l EndpointLeaf>,
        observations: &[Observation],
    ) {
        let observations = protocols::Observations::new(observations);
        for leaf in leaves {
            protocols::add_deployment(&mut self.registry, leaf, &observations, self.spec);
        }
    }

    /// Writes the BOM to `out`: the head, then the components and the
    /// dependencies merged from the temporary files.
    pub fn finish(self, out: &mut dyn Write) -> io::Result<()> {
        let head = serde_json::to_string_pretty(&self.head)?;
        // `components` and `dependencies` (empty here) are the last fields
        let cut = head
            .find("\n  \"components\": []")
            .ok_or_else(|| io::Error::other("no components in the BOM's head"))?;
        out.write_all(&head.as_bytes()[..cut])?;
        out.write_all(b"\n  \"components\": [")?;
        let mut between = |out: &mut dyn Write, components: usize| {
            let end: &[u8] = if components == 0 { b"]," } else { b"\n  ],\n" };
            out.write_all(end)?;
            out.write_all(if components == 0 { b"\n" } else { b"" })?;
            out.write_all(b"  \"dependencies\": [")
        };
        let dependencies = self.registry.write(out, &mut between)?;
        out.write_all(if dependencies == 0 { b"]" } else { b"\n  ]" })?;
        out.write_all(b"\n}\n")
    }
}

/// What a CBOM is made of, all in memory: one scan's facts, as the store
/// returns them (the tests' input; the commands stream [`CbomWriter`]).
#[cfg(test)]
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

/// Writes the BOM of `input` in `spec` through a [`CbomWriter`].
#[cfg(test)]
pub fn write_cbom_of(
    out: &mut dyn Write,
    input: CbomInput<'_>,
    spec: SpecVersion,
) -> io::Result<()> {
    let mut writer = CbomWriter::new(input.scan, spec);
    input
        .certificates
        .iter()
        .for_each(|c| writer.certificate(c));
    writer.deployments(input.leaves, input.observations);
    writer.finish(out)
}

/// Builds the BOM of `input` in `spec` in memory, as the CBOM was first
/// written: what the tests hold [`CbomWriter`] to.
#[cfg(test)]
pub fn build(input: CbomInput<'_>, spec: SpecVersion) -> Bom {
    let mut registry = registry::Registry::default();
    for certificate in input.certificates {
        certificates::add_certificate(&mut registry, certificate, spec);
    }
    let observations = protocols::Observations::new(input.observations);
    for leaf in input.leaves {
        protocols::add_deployment(&mut registry, leaf, &observations, spec);
    }
    let (components, dependencies) = registry.finish();
    Bom {
        components,
        dependencies,
        ..head(input.scan, spec)
    }
}

/// The BOM of `scan` in `spec` without components or dependencies.
fn head(scan: &ScanRecord, spec: SpecVersion) -> Bom {
    Bom {
        bom_format: "CycloneDX",
        spec_version: spec.as_str(),
        serial_number: serial_number(scan),
        version: 1,
        metadata: metadata(scan),
        components: Vec::new(),
        dependencies: Vec::new(),
    }
}

/// Writes `bom` as pretty JSON, with a final newline.
#[cfg(test)]
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
