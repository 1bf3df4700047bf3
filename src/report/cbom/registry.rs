//! The components of one BOM as they are gathered ([`Gather`]): keyed by
//! bom-ref so that an asset seen many times is one component, its
//! occurrences merged, and the dependencies between them, ordered
//! deterministically (certificates, keys, algorithms, protocols; each by
//! bom-ref). [`SpilledRegistry`] gathers them in temporary files and
//! writes them merged, so a CBOM of a million certificates is written in
//! bounded memory; the in-memory `Registry` it replaced is kept for the
//! tests to hold it to.

#[cfg(test)]
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use super::algorithms::classify;
use super::types::{AlgorithmProperties, Component, CryptoProperties, Dependency, Occurrence};
use crate::report::listing::array_item;
use crate::report::spill::ExternalSort;

/// The bom-ref of the algorithm component called `name`.
pub fn algorithm_ref(name: &str) -> String {
    format!("crypto/algorithm/{name}")
}

/// Where the components, occurrences and dependencies of one BOM are
/// gathered as certificates and deployments are added: an asset seen many
/// times is one component (the first added), its occurrences merged.
pub trait Gather {
    /// Adds `component` unless one with its bom-ref is there.
    fn add(&mut self, component: Component);

    /// Records that `bom_ref` was seen at `occurrence`.
    fn occurs(&mut self, bom_ref: &str, occurrence: Occurrence);

    /// Records that `from` depends on `to`.
    fn depends(&mut self, from: &str, to: &str);

    /// Adds (once) the algorithm component `name`, described by
    /// [`classify`]; `oid` is the OID the certificate gave, kept even when
    /// the algorithm is unknown. Returns its bom-ref.
    fn algorithm(&mut self, name: &str, oid: Option<&str>) -> String {
        self.algorithm_with(name, oid, None, None)
    }

    /// [`Gather::algorithm`] with a key's parameter set (size) or curve,
    /// which override what the name says.
    fn algorithm_with(
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
}

/// Where a component sorts: certificates, keys, algorithms, protocols.
fn rank(asset_type: &str) -> u8 {
    match asset_type {
        "certificate" => 0,
        "related-crypto-material" => 1,
        "algorithm" => 2,
        _ => 3,
    }
}

/// The rank of the component a bom-ref names, by its prefix (what
/// [`rank`] says of the component made with it).
fn rank_of_ref(bom_ref: &str) -> u8 {
    let kind = bom_ref.strip_prefix("crypto/").unwrap_or(bom_ref);
    match kind.split('/').next().unwrap_or_default() {
        "certificate" => 0,
        "key" => 1,
        "algorithm" => 2,
        _ => 3,
    }
}

/// The components and dependencies of one BOM, gathered in bounded
/// memory: every component, occurrence and dependency goes to an
/// [`ExternalSort`], and [`SpilledRegistry::write`] writes them merged in
/// order (certificates, keys, algorithms, protocols; each by bom-ref;
/// occurrences in order, once; dependencies by bom-ref). A write to the
/// temporary files that fails is kept and returned by `write`.
pub struct SpilledRegistry {
    parts: ExternalSort<Part>,
    dependencies: ExternalSort<(String, String)>,
    added: u64,
    failed: Option<io::Error>,
}

/// How many bytes of parts or dependencies are sorted in memory before a
/// run is written.
const RUN_BYTES: usize = 16 << 20;

/// A component or an occurrence, where it sorts.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct Part {
    rank: u8,
    bom_ref: String,
    body: Body,
}

/// A component (its JSON without evidence, pretty; the first added of a
/// bom-ref is kept) or one of its occurrences (location, context).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
enum Body {
    Component { added: u64, json: String },
    Occurrence(String, Option<String>),
}

impl Default for SpilledRegistry {
    fn default() -> Self {
        SpilledRegistry::with_run_bytes(RUN_BYTES)
    }
}

impl SpilledRegistry {
    /// An empty registry that writes a run every `run_bytes`.
    pub fn with_run_bytes(run_bytes: usize) -> Self {
        SpilledRegistry {
            parts: ExternalSort::new(run_bytes),
            dependencies: ExternalSort::new(run_bytes),
            added: 0,
            failed: None,
        }
    }

    /// Keeps the first error.
    fn note(&mut self, result: io::Result<()>) {
        if let (Err(error), None) = (result, &self.failed) {
            self.failed = Some(error);
        }
    }

    /// Writes the components array's items, then `between`, then the
    /// dependencies array's items, each item as `to_writer_pretty` writes
    /// an array item two levels in (see `item_lines`); returns how many
    /// components and dependencies were written.
    pub fn write(
        self,
        out: &mut dyn Write,
        between: &mut dyn FnMut(&mut dyn Write, usize) -> io::Result<()>,
    ) -> io::Result<usize> {
        if let Some(error) = self.failed {
            return Err(error);
        }
        let mut components = Components::default();
        self.parts.drain(|part| components.next(out, part))?;
        let written = components.end(out)?;
        between(out, written)?;
        let mut current: Option<Dependency> = None;
        let mut count = 0;
        let mut flush = |out: &mut dyn Write, dependency: Dependency| {
            separate(out, count)?;
            count += 1;
            item_lines(out, &serde_json::to_string_pretty(&dependency)?)
        };
        self.dependencies.drain(|(from, to)| {
            match &mut current {
                Some(d) if d.reference == from => {
                    if d.depends_on.last() != Some(&to) {
                        d.depends_on.push(to);
                    }
                    return Ok(());
                }
                _ => {}
            }
            let next = Dependency {
                reference: from,
                depends_on: vec![to],
            };
            match current.replace(next) {
                Some(done) => flush(out, done),
                None => Ok(()),
            }
        })?;
        if let Some(done) = current {
            flush(out, done)?;
        }
        Ok(count)
    }
}

impl Gather for SpilledRegistry {
    fn add(&mut self, component: Component) {
        let rank = rank(component.crypto_properties.asset_type);
        let result = serde_json::to_string_pretty(&component).map_err(io::Error::from);
        let result = result.and_then(|json| {
            let bytes = json.len() + component.bom_ref.len();
            let body = Body::Component {
                added: self.added,
                json,
            };
            let bom_ref = component.bom_ref;
            self.parts.push(
                Part {
                    rank,
                    bom_ref,
                    body,
                },
                bytes,
            )
        });
        self.added += 1;
        self.note(result);
    }

    fn occurs(&mut self, bom_ref: &str, occurrence: Occurrence) {
        let bytes = bom_ref.len() + occurrence.location.len();
        let body = Body::Occurrence(occurrence.location, occurrence.additional_context);
        let part = Part {
            rank: rank_of_ref(bom_ref),
            bom_ref: bom_ref.to_string(),
            body,
        };
        let result = self.parts.push(part, bytes);
        self.note(result);
    }

    fn depends(&mut self, from: &str, to: &str) {
        let bytes = from.len() + to.len();
        let result = (self.dependencies).push((from.to_string(), to.to_string()), bytes);
        self.note(result);
    }
}

/// The components array being written from the merged parts: a
/// component's text is held until its bom-ref's parts end, its
/// occurrences written as they come.
#[derive(Default)]
struct Components {
    /// The bom-ref being written, its component's JSON, and whether its
    /// evidence is open.
    current: Option<(u8, String, Option<String>, bool)>,
    /// The last occurrence written of the current component.
    last: Option<(String, Option<String>)>,
    written: usize,
}

impl Components {
    fn next(&mut self, out: &mut dyn Write, part: Part) -> io::Result<()> {
        let same =
            matches!(&self.current, Some((r, b, _, _)) if *r == part.rank && *b == part.bom_ref);
        if !same {
            self.close(out)?;
            self.current = Some((part.rank, part.bom_ref, None, false));
            self.last = None;
        }
        let Some((_, _, json, open)) = &mut self.current else {
            return Ok(());
        };
        match part.body {
            // the first component of a bom-ref is kept; none after it
            Body::Component { json: text, .. } if json.is_none() && !*open => {
                *json = Some(text);
            }
            Body::Component { .. } => {}
            Body::Occurrence(location, context) => {
                // occurrences of a bom-ref without a component are dropped
                let Some(text) = json.as_deref() else {
                    return Ok(());
                };
                let occurrence = (location, context);
                if self.last.as_ref() == Some(&occurrence) {
                    return Ok(());
                }
                if !*open {
                    separate(out, self.written)?;
                    self.written += 1;
                    let body = text.strip_suffix("\n}").unwrap_or(text);
                    item_lines(out, body)?;
                    out.write_all(b",")?;
                    item_lines(out, "  \"evidence\": {\n    \"occurrences\": [")?;
                    *open = true;
                } else {
                    out.write_all(b",")?;
                }
                let (location, additional_context) = occurrence.clone();
                let text = serde_json::to_string_pretty(&Occurrence {
                    location,
                    additional_context,
                })?;
                for line in text.lines() {
                    write!(out, "\n          {line}")?;
                }
                self.last = Some(occurrence);
            }
        }
        Ok(())
    }

    /// Ends the current bom-ref's component.
    fn close(&mut self, out: &mut dyn Write) -> io::Result<()> {
        match self.current.take() {
            Some((_, _, Some(_), true)) => item_lines(out, "    ]\n  }\n}"),
            Some((_, _, Some(json), false)) => {
                separate(out, self.written)?;
                self.written += 1;
                item_lines(out, &json)
            }
            _ => Ok(()),
        }
    }

    /// Ends the last component; returns how many were written.
    fn end(mut self, out: &mut dyn Write) -> io::Result<usize> {
        self.close(out)?;
        Ok(self.written)
    }
}

/// The comma before every array item but the first.
fn separate(out: &mut dyn Write, written: usize) -> io::Result<()> {
    if written > 0 {
        out.write_all(b",")?;
    }
    Ok(())
}

/// `text` as an item of the BOM's arrays ([`array_item`]).
fn item_lines(out: &mut dyn Write, text: &str) -> io::Result<()> {
    out.write_all(array_item(text).as_bytes())
}

/// Components and dependencies gathered in memory (the CBOM as first
/// written, before it was spilled): what the tests hold the spilled
/// registry to.
#[cfg(test)]
#[derive(Debug, Default)]
pub struct Registry {
    /// Components by asset kind rank, then bom-ref.
    components: BTreeMap<(u8, String), Component>,
    /// Occurrences by bom-ref.
    occurrences: BTreeMap<String, BTreeSet<Occurrence>>,
    /// `ref` → `dependsOn`.
    dependencies: BTreeMap<String, BTreeSet<String>>,
}

#[cfg(test)]
impl Gather for Registry {
    fn add(&mut self, component: Component) {
        let rank = rank(component.crypto_properties.asset_type);
        self.components
            .entry((rank, component.bom_ref.clone()))
            .or_insert(component);
    }

    fn occurs(&mut self, bom_ref: &str, occurrence: Occurrence) {
        self.occurrences
            .entry(bom_ref.to_string())
            .or_default()
            .insert(occurrence);
    }

    fn depends(&mut self, from: &str, to: &str) {
        self.dependencies
            .entry(from.to_string())
            .or_default()
            .insert(to.to_string());
    }
}

#[cfg(test)]
impl Registry {
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
