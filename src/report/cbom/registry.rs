//! The components of one BOM as they are gathered: keyed by bom-ref so
//! that an asset seen many times is one component, its occurrences merged,
//! and the dependencies between them; [`Registry::finish`] orders both
//! deterministically (certificates, keys, algorithms, protocols; each by
//! bom-ref).

use std::collections::{BTreeMap, BTreeSet};

use super::algorithms::classify;
use super::types::{AlgorithmProperties, Component, CryptoProperties, Dependency, Occurrence};

/// The bom-ref of the algorithm component called `name`.
pub fn algorithm_ref(name: &str) -> String {
    format!("crypto/algorithm/{name}")
}

/// Components and dependencies being gathered.
#[derive(Debug, Default)]
pub struct Registry {
    /// Components by asset kind rank, then bom-ref.
    components: BTreeMap<(u8, String), Component>,
    /// Occurrences by bom-ref.
    occurrences: BTreeMap<String, BTreeSet<Occurrence>>,
    /// `ref` → `dependsOn`.
    dependencies: BTreeMap<String, BTreeSet<String>>,
}

impl Registry {
    /// Adds `component` unless one with its bom-ref is there.
    pub fn add(&mut self, component: Component) {
        let rank = match component.crypto_properties.asset_type {
            "certificate" => 0,
            "related-crypto-material" => 1,
            "algorithm" => 2,
            _ => 3,
        };
        self.components
            .entry((rank, component.bom_ref.clone()))
            .or_insert(component);
    }

    /// Adds (once) the algorithm component `name`, described by
    /// [`classify`]; `oid` is the OID the certificate gave, kept even when
    /// the algorithm is unknown. Returns its bom-ref.
    pub fn algorithm(&mut self, name: &str, oid: Option<&str>) -> String {
        self.algorithm_with(name, oid, None, None)
    }

    /// [`Registry::algorithm`] with a key's parameter set (size) or curve,
    /// which override what the name says.
    pub fn algorithm_with(
        &mut self,
        name: &str,
        oid: Option<&str>,
        parameter_set: Option<String>,
        curve: Option<String>,
    ) -> String {
        let class = classify(name, oid);
        let bom_ref = algorithm_ref(name);
        self.add(Component::new(
            bom_ref.clone(),
            name.to_string(),
            CryptoProperties {
                algorithm_properties: Some(AlgorithmProperties {
                    primitive: class.primitive,
                    parameter_set_identifier: parameter_set.or(class.parameter_set),
                    curve: curve.or(class.curve.map(str::to_string)),
                    mode: class.mode,
                    nist_quantum_security_level: class.nist_level,
                }),
                oid: oid.map(str::to_string).or(class.oid.map(str::to_string)),
                ..CryptoProperties::of("algorithm")
            },
        ));
        bom_ref
    }

    /// Records that `bom_ref` was seen at `occurrence`.
    pub fn occurs(&mut self, bom_ref: &str, occurrence: Occurrence) {
        self.occurrences
            .entry(bom_ref.to_string())
            .or_default()
            .insert(occurrence);
    }

    /// Records that `from` depends on `to`.
    pub fn depends(&mut self, from: &str, to: &str) {
        self.dependencies
            .entry(from.to_string())
            .or_default()
            .insert(to.to_string());
    }

    /// The components (occurrences attached) and dependencies, ordered.
    pub fn finish(mut self) -> (Vec<Component>, Vec<Dependency>) {
        let components = self
            .components
            .into_values()
            .map(|mut component| {
                if let Some(seen) = self.occurrences.remove(&component.bom_ref) {
                    component.evidence = Some(super::types::Evidence {
                        occurrences: seen.into_iter().collect(),
                    });
                }
                component
            })
            .collect();
        let dependencies = self
            .dependencies
            .into_iter()
            .map(|(reference, on)| Dependency {
                reference,
                depends_on: on.into_iter().collect(),
            })
            .collect();
        (components, dependencies)
    }
}

impl Component {
    /// A `cryptographic-asset` component without hashes or evidence.
    pub fn new(bom_ref: String, name: String, crypto_properties: CryptoProperties) -> Component {
        Component {
            kind: "cryptographic-asset",
            bom_ref,
            name,
            hashes: Vec::new(),
            crypto_properties,
            evidence: None,
        }
    }
}

impl CryptoProperties {
    /// Properties of `asset_type` with nothing else set.
    pub fn of(asset_type: &'static str) -> CryptoProperties {
        CryptoProperties {
            asset_type,
            algorithm_properties: None,
            certificate_properties: None,
            related_crypto_material_properties: None,
            protocol_properties: None,
            oid: None,
        }
    }
}
