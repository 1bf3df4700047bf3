//! The CycloneDX JSON types the CBOM writes: our own serde structs for the
//! subset of CycloneDX 1.6/1.7 that a crypto inventory uses (BOM,
//! metadata, `cryptographic-asset` components with `cryptoProperties`,
//! evidence occurrences, dependencies). Field names follow the schema;
//! absent optional fields are left out, never written as `null`.

use serde::Serialize;

/// A CycloneDX BOM document.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bom {
    /// Always `CycloneDX`.
    pub bom_format: &'static str,
    /// `1.6` or `1.7`.
    pub spec_version: &'static str,
    /// `urn:uuid:...`, derived from the scan.
    pub serial_number: String,
    /// The BOM's version: 1 (one BOM per scan, never revised).
    pub version: u32,
    /// When, by what, and of which scan.
    pub metadata: Metadata,
    /// The cryptographic assets.
    pub components: Vec<Component>,
    /// Certificate → key → algorithm, protocol → certificate.
    pub dependencies: Vec<Dependency>,
}

/// `metadata`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metadata {
    /// The scan's start (RFC 3339).
    pub timestamp: String,
    /// The tool that made the BOM.
    pub tools: Tools,
    /// Which scan the BOM describes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
}

/// `metadata.tools` in its object form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tools {
    /// The tools, as components.
    pub components: Vec<ToolComponent>,
}

/// One tool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolComponent {
    /// `application`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `certatlas`.
    pub name: &'static str,
    /// Its version.
    pub version: String,
}

/// A name-value pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Property {
    /// The name (`certatlas:...`).
    pub name: String,
    /// The value.
    pub value: String,
}

/// A hash of a component (`hashes[]`, 1.7 `fingerprint`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hash {
    /// `SHA-256`.
    pub alg: &'static str,
    /// Lowercase hex.
    pub content: String,
}

/// One `cryptographic-asset` component.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Component {
    /// Always `cryptographic-asset`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Deterministic reference, derived from fingerprints and names.
    #[serde(rename = "bom-ref")]
    pub bom_ref: String,
    /// Human-readable name.
    pub name: String,
    /// Hashes of the asset (the certificate's DER).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<Hash>,
    /// The cryptographic properties.
    pub crypto_properties: CryptoProperties,
    /// Where it was seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// `evidence`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// One per endpoint.
    pub occurrences: Vec<Occurrence>,
}

/// `evidence.occurrences[]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Occurrence {
    /// `tcp://address:port`.
    pub location: String,
    /// SNI names, transport and chain position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_context: Option<String>,
}

/// `cryptoProperties`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CryptoProperties {
    /// `algorithm`, `certificate`, `protocol` or `related-crypto-material`.
    pub asset_type: &'static str,
    /// For an algorithm.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm_properties: Option<AlgorithmProperties>,
    /// For a certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_properties: Option<CertificateProperties>,
    /// For a key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related_crypto_material_properties: Option<KeyProperties>,
    /// For a protocol.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_properties: Option<ProtocolProperties>,
    /// Dotted OID, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oid: Option<String>,
}

/// `algorithmProperties`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlgorithmProperties {
    /// `signature`, `pke`, `kem`, `key-agree`, `ae`, `hash`, ... or `unknown`.
    pub primitive: &'static str,
    /// Key size or parameter set (`2048`, `65`, `128s`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter_set_identifier: Option<String>,
    /// Named curve.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
    /// Block cipher mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<&'static str>,
    /// NIST post-quantum security category (0 for classical public-key
    /// algorithms), where defined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nist_quantum_security_level: Option<u8>,
}

/// `certificateProperties`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateProperties {
    /// 1.7 only: the serial number (hex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// Subject DN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_name: Option<String>,
    /// Issuer DN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_name: Option<String>,
    /// notBefore (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_valid_before: Option<String>,
    /// notAfter (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_valid_after: Option<String>,
    /// The signature algorithm's component.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_algorithm_ref: Option<String>,
    /// The subject public key's component.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_public_key_ref: Option<String>,
    /// `X.509`.
    pub certificate_format: &'static str,
    /// 1.6: the file extension of the certificate as captured (`der`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_extension: Option<&'static str>,
    /// 1.7: the same, under its new name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_file_extension: Option<&'static str>,
    /// 1.7 only: SHA-256 of the DER.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<Hash>,
}

/// `relatedCryptoMaterialProperties` of a public key.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyProperties {
    /// `public-key`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// SHA-256 of the SubjectPublicKeyInfo.
    pub id: String,
    /// The key's algorithm component.
    pub algorithm_ref: String,
    /// Size in bits, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
    /// 1.7 only: SHA-256 of the SubjectPublicKeyInfo.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<Hash>,
}

/// `protocolProperties`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProtocolProperties {
    /// `tls`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `1.3`, `1.2`, ...; absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The negotiated suites.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cipher_suites: Vec<CipherSuite>,
    /// The key-exchange groups seen, as algorithm components.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub crypto_ref_array: Vec<String>,
}

/// `cipherSuites[]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CipherSuite {
    /// IANA name as captured.
    pub name: String,
    /// Algorithm components of its parts, where known.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub algorithms: Vec<String>,
    /// 1.7 only: the TLS groups seen with it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tls_groups: Vec<String>,
}

/// `dependencies[]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    /// The component that depends.
    #[serde(rename = "ref")]
    pub reference: String,
    /// What it depends on (unique).
    pub depends_on: Vec<String>,
}
