//! Certificate, public-key and signature-algorithm components: one per
//! distinct certificate of the scan (leaves, intermediates and roots as
//! sent), one per distinct SubjectPublicKeyInfo, one per algorithm, and
//! the links certificate → key → key algorithm and certificate →
//! signature algorithm.

use crate::time_text::rfc3339;

use super::registry::Gather;
use super::types::{CertificateProperties, Component, CryptoProperties, Hash, KeyProperties};
use super::SpecVersion;
use crate::certs::{CertificateView, KeyAlgorithm, PublicKeyInfo};
use crate::store::StoredCertificate;

/// The bom-ref of the certificate with this SHA-256.
pub fn certificate_ref(sha256: &str) -> String {
    format!("crypto/certificate/{sha256}")
}

/// The bom-ref of the public key whose SPKI has this SHA-256.
pub fn key_ref(spki_sha256: &str) -> String {
    format!("crypto/key/{spki_sha256}")
}

/// Adds `certificate`, its key and algorithms to `registry`.
pub fn add_certificate(
    registry: &mut dyn Gather,
    certificate: &StoredCertificate,
    spec: SpecVersion,
) {
    let bom_ref = certificate_ref(&certificate.sha256);
    let fingerprint = Hash {
        alg: "SHA-256",
        content: certificate.sha256.clone(),
    };
    let mut properties = CertificateProperties {
        serial_number: None,
        subject_name: None,
        issuer_name: None,
        not_valid_before: None,
        not_valid_after: None,
        signature_algorithm_ref: None,
        subject_public_key_ref: None,
        certificate_format: "X.509",
        certificate_extension: (spec == SpecVersion::V1_6).then_some("der"),
        certificate_file_extension: (spec == SpecVersion::V1_7).then_some("der"),
        fingerprint: (spec == SpecVersion::V1_7).then(|| fingerprint.clone()),
    };
    let name = match &certificate.view {
        Some(view) => {
            fill_from_view(registry, &mut properties, &bom_ref, view, spec);
            view.subject.dn.clone()
        }
        None => format!("unparsed certificate {}", certificate.sha256),
    };
    let mut component = Component::new(
        bom_ref,
        name,
        CryptoProperties {
            certificate_properties: Some(properties),
            ..CryptoProperties::of("certificate")
        },
    );
    component.hashes.push(fingerprint);
    registry.add(component);
}

/// The parsed fields of a certificate, its key and signature algorithm.
fn fill_from_view(
    registry: &mut dyn Gather,
    properties: &mut CertificateProperties,
    bom_ref: &str,
    view: &CertificateView,
    spec: SpecVersion,
) {
    let time = |t: time::OffsetDateTime| Some(rfc3339(t)).filter(|text| !text.is_empty());
    properties.subject_name = Some(view.subject.dn.clone());
    properties.issuer_name = Some(view.issuer.dn.clone());
    properties.not_valid_before = time(view.not_before);
    properties.not_valid_after = time(view.not_after);
    if spec == SpecVersion::V1_7 {
        properties.serial_number = Some(view.serial.clone());
    }
    let signature = &view.signature_algorithm;
    let signature_ref = registry.algorithm(
        &signature_name(&signature.name, &signature.oid),
        Some(&signature.oid),
    );
    let key = add_key(registry, &view.spki_sha256, &view.key, spec);
    registry.depends(bom_ref, &key);
    registry.depends(bom_ref, &signature_ref);
    properties.signature_algorithm_ref = Some(signature_ref);
    properties.subject_public_key_ref = Some(key);
}

/// A signature algorithm's component name: EdDSA by the key's name, so the
/// signature and the key algorithm are one component (as for the PQ ones).
fn signature_name(name: &str, oid: &str) -> String {
    match oid {
        "1.3.101.112" => "Ed25519".into(),
        "1.3.101.113" => "Ed448".into(),
        _ => name.to_string(),
    }
}

/// Adds the public key (once per SPKI) and its algorithm; returns its ref.
fn add_key(
    registry: &mut dyn Gather,
    spki_sha256: &str,
    key: &PublicKeyInfo,
    spec: SpecVersion,
) -> String {
    let (name, oid) = key_algorithm(key);
    let size = (key.bits > 0).then_some(key.bits);
    let parameter_set = match key.algorithm {
        KeyAlgorithm::Rsa | KeyAlgorithm::Dsa => size.map(|bits| bits.to_string()),
        _ => None,
    };
    let algorithm =
        registry.algorithm_with(&name, oid.as_deref(), parameter_set, key.curve.clone());
    let bom_ref = key_ref(spki_sha256);
    registry.depends(&bom_ref, &algorithm);
    let properties = KeyProperties {
        kind: "public-key",
        id: spki_sha256.to_string(),
        algorithm_ref: algorithm,
        size,
        fingerprint: (spec == SpecVersion::V1_7).then(|| Hash {
            alg: "SHA-256",
            content: spki_sha256.to_string(),
        }),
    };
    registry.add(Component::new(
        bom_ref.clone(),
        format!(
            "{name} public key {}",
            &spki_sha256[..spki_sha256.len().min(16)]
        ),
        CryptoProperties {
            related_crypto_material_properties: Some(properties),
            ..CryptoProperties::of("related-crypto-material")
        },
    ));
    bom_ref
}

/// The key algorithm's component name (`RSA-2048`, `EC-P-256`, `Ed25519`,
/// `ML-DSA-65`, or the OID) and OID.
fn key_algorithm(key: &PublicKeyInfo) -> (String, Option<String>) {
    let sized = |family: &str| match key.bits {
        0 => family.to_string(),
        bits => format!("{family}-{bits}"),
    };
    match &key.algorithm {
        KeyAlgorithm::Rsa => (sized("RSA"), Some("1.2.840.113549.1.1.1".into())),
        KeyAlgorithm::Dsa => (sized("DSA"), Some("1.2.840.10040.4.1".into())),
        KeyAlgorithm::Ec => {
            let name = key
                .curve
                .as_deref()
                .map_or_else(|| "EC".to_string(), |c| format!("EC-{c}"));
            (name, Some("1.2.840.10045.2.1".into()))
        }
        KeyAlgorithm::Ed25519 => ("Ed25519".into(), Some("1.3.101.112".into())),
        KeyAlgorithm::Ed448 => ("Ed448".into(), Some("1.3.101.113".into())),
        other => {
            let pq = other.post_quantum();
            let oid = match other {
                KeyAlgorithm::Other(oid) => Some(oid.clone()),
                _ => pq.map(|a| a.oid.to_string()),
            };
            (other.name(), oid)
        }
    }
}
