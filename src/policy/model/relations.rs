//! Relations between the leaves of one scan: the same key under unrelated
//! names (`key_reuse`) and one name served with different certificates at
//! different places (`name_conflicts`). Each list is capped at
//! [`RELATED_LIMIT`] entries so a key shared by thousands of certificates
//! costs linear time and bounded output.
//!
//! The relations are computed from a compact index ([`RelationIndex`]) fed
//! one leaf at a time in model order: leaves are numbered (`u32`), keys
//! are grouped by a 16-byte digest, and only the names served with more
//! than one leaf are kept as text (found by a first pass over 64-bit
//! hashes of the names, then read again for the leaves that have such a
//! hash); the SHA-256, common name and names of a related leaf are read
//! from the caller's own tables when a relation is written
//! ([`RelatedLeaves`]), so the leaf models themselves can be built (and
//! dropped) in chunks without a copy of every leaf's names here.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use super::{EndpointRef, KeyReuse, LeafModel, NameConflict};

/// The most entries kept in one leaf's `key_reuse` or `name_conflicts`.
pub const RELATED_LIMIT: usize = 20;

/// No group.
const NONE: u32 = u32::MAX;

/// Fills `key_reuse` and `name_conflicts` of every leaf.
#[cfg(test)]
pub(super) fn fill(leaves: &mut [LeafModel]) {
    let mut builder = RelationBuilder::default();
    let who: Vec<(String, String, Vec<String>)> = leaves
        .iter()
        .map(|leaf| {
            let cert = &leaf.certificate;
            let names = names_of(&cert.san.dns, &cert.subject.common_names);
            builder.add(u128::from(name_hash(&cert.spki_sha256)), &leaf.endpoints);
            let names = names.into_iter().collect();
            (cert.sha256.clone(), cert.subject.cn.clone(), names)
        })
        .collect();
    let endpoints: Vec<Vec<EndpointRef>> = leaves.iter().map(|l| l.endpoints.clone()).collect();
    let index = builder.finish(&|i| endpoints[i as usize].clone());
    for (i, leaf) in leaves.iter_mut().enumerate() {
        index.apply(i, leaf, &who.as_slice());
    }
}

#[cfg(test)]
impl RelatedLeaves for &[(String, String, Vec<String>)] {
    fn sha256(&self, i: u32) -> String {
        self[i as usize].0.clone()
    }
    fn cn(&self, i: u32) -> &str {
        &self[i as usize].1
    }
    fn names(&self, i: u32) -> Vec<&str> {
        self[i as usize].2.iter().map(String::as_str).collect()
    }
}

/// The names a leaf speaks for, lowercase: its SAN DNS names, else its CNs.
pub(super) fn names_of(dns: &[String], common_names: &[String]) -> BTreeSet<String> {
    let names = if dns.is_empty() { common_names } else { dns };
    names.iter().map(|n| n.to_ascii_lowercase()).collect()
}

/// What a relation says of the other leaf, by leaf number.
pub(super) trait RelatedLeaves {
    /// Its SHA-256.
    fn sha256(&self, i: u32) -> String;
    /// Its first common name, or `""`.
    fn cn(&self, i: u32) -> &str;
    /// Its names (see [`names_of`]), sorted, each once.
    fn names(&self, i: u32) -> Vec<&str>;
}

/// The 64-bit hash of a name: equal names hash alike, so the names served
/// with two leaves are among those whose hash is.
fn name_hash(name: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    name.hash(&mut hasher);
    hasher.finish()
}

/// Collects the leaves of a scan, in model order, for [`RelationIndex`].
#[derive(Default)]
pub(super) struct RelationBuilder {
    /// How many leaves so far.
    leaves: u32,
    /// (key digest, leaf) of every leaf so far.
    keys: Vec<(u128, u32)>,
    /// (hash of a name served with it, leaf) of every leaf so far.
    served: Vec<(u64, u32)>,
}

impl RelationBuilder {
    /// Adds the next leaf: its key (a digest of its SubjectPublicKeyInfo
    /// that tells keys apart) and the endpoints serving it.
    pub(super) fn add(&mut self, key: u128, endpoints: &[EndpointRef]) {
        let i = self.leaves;
        self.leaves = i
            .checked_add(1)
            .expect("fewer than 2^32 leaves in one scan");
        self.keys.push((key, i));
        // the names served with it there: a name broadcast or discovered
        // that is not served at an endpoint is no claim on that name
        let names = endpoints.iter().flat_map(|e| &e.names);
        self.served.extend(names.map(|name| (name_hash(name), i)));
    }

    /// The index, keeping only what relates two leaves; `endpoints` gives
    /// again the endpoints serving a leaf added (for those that may share
    /// a served name with another).
    pub(super) fn finish(self, endpoints: &dyn Fn(u32) -> Vec<EndpointRef>) -> RelationIndex {
        let mut keys = self.keys;
        keys.sort_unstable();
        let mut groups: Vec<Vec<u32>> = keys
            .chunk_by(|a, b| a.0 == b.0)
            .filter(|g| g.len() > 1)
            .map(|g| g.iter().map(|&(_, i)| i).collect())
            .collect();
        drop(keys);
        groups.sort_unstable_by_key(|g| g[0]);
        let mut group_of = vec![NONE; self.leaves as usize];
        for (n, group) in groups.iter().enumerate() {
            let n = u32::try_from(n).expect("fewer than 2^32 groups");
            for &i in group {
                group_of[i as usize] = n;
            }
        }
        let by_name = shared_names(self.served, endpoints);
        let mut served_names: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        for (name, served) in &by_name {
            for &i in served.keys() {
                served_names.entry(i).or_default().push(name.clone());
            }
        }
        RelationIndex {
            groups,
            group_of,
            by_name,
            served_names,
        }
    }
}

/// name -> leaf -> the places (address:port) it is served for it, for the
/// names served with more than one leaf: the leaves with a name whose hash
/// is served with more than one (`served`: (hash, leaf)) are read again.
fn shared_names(
    mut served: Vec<(u64, u32)>,
    endpoints: &dyn Fn(u32) -> Vec<EndpointRef>,
) -> BTreeMap<String, BTreeMap<u32, BTreeSet<String>>> {
    served.sort_unstable();
    served.dedup();
    let shared = served.chunk_by(|a, b| a.0 == b.0).filter(|g| g.len() > 1);
    let hashes: HashSet<u64> = shared.clone().map(|g| g[0].0).collect();
    let mut leaves: Vec<u32> = shared.flat_map(|g| g.iter().map(|&(_, i)| i)).collect();
    drop(served);
    leaves.sort_unstable();
    leaves.dedup();
    let mut by_name: BTreeMap<String, BTreeMap<u32, BTreeSet<String>>> = BTreeMap::new();
    for i in leaves {
        for e in endpoints(i) {
            let names = e.names.iter().filter(|n| hashes.contains(&name_hash(n)));
            for name in names {
                let place = super::served_at(&e.address, e.port, None);
                by_name
                    .entry(name.clone())
                    .or_default()
                    .entry(i)
                    .or_default()
                    .insert(place);
            }
        }
    }
    by_name.retain(|_, served| served.len() > 1);
    by_name
}

/// What relates the leaves of one scan, by leaf number (model order).
pub(super) struct RelationIndex {
    /// Leaves sharing one key, more than one each, in leaf order.
    groups: Vec<Vec<u32>>,
    /// The group of each leaf ([`NONE`] when in none).
    group_of: Vec<u32>,
    /// name -> leaf -> places, for names served with more than one leaf.
    by_name: BTreeMap<String, BTreeMap<u32, BTreeSet<String>>>,
    /// The names of `by_name` each leaf is served for, in name order.
    served_names: BTreeMap<u32, Vec<String>>,
}

impl RelationIndex {
    /// Fills `key_reuse` and `name_conflicts` of `leaf`, leaf number `i`,
    /// the other leaves as `leaves` gives them.
    pub(super) fn apply(&self, i: usize, leaf: &mut LeafModel, leaves: &dyn RelatedLeaves) {
        let i = i as u32;
        leaf.key_reuse = self.key_reuse(i, leaves);
        leaf.name_conflicts = self.name_conflicts(i, leaves);
    }

    fn key_reuse(&self, i: u32, leaves: &dyn RelatedLeaves) -> Vec<KeyReuse> {
        let n = self.group_of.get(i as usize).copied().unwrap_or(NONE);
        if n == NONE {
            return Vec::new();
        }
        let mine = leaves.names(i);
        let disjoint = |theirs: &[&str]| !theirs.iter().any(|n| mine.binary_search(n).is_ok());
        let mut list = Vec::new();
        for &j in self.groups[n as usize].iter().filter(|&&j| j != i) {
            if list.len() == RELATED_LIMIT {
                break;
            }
            let names = leaves.names(j);
            if disjoint(&names) {
                list.push(KeyReuse {
                    sha256: leaves.sha256(j),
                    cn: leaves.cn(j).to_string(),
                    names: names.into_iter().map(str::to_string).collect(),
                });
            }
        }
        list
    }

    fn name_conflicts(&self, i: u32, leaves: &dyn RelatedLeaves) -> Vec<NameConflict> {
        let mut list = Vec::new();
        for name in self.served_names.get(&i).into_iter().flatten() {
            let served = &self.by_name[name];
            let places = &served[&i];
            let others = served
                .iter()
                .filter(|&(&j, other)| j != i && !other.is_subset(places))
                .take(RELATED_LIMIT)
                .map(|(&j, other)| NameConflict {
                    name: name.clone(),
                    sha256: leaves.sha256(j),
                    served_at: other.iter().cloned().collect(),
                });
            list.extend(others);
            list.truncate(RELATED_LIMIT);
        }
        list
    }
}

#[cfg(test)]
mod tests {
    use super::super::{CertificateFields, EndpointRef, SanModel};
    use super::*;

    fn leaf(sha: &str, spki: &str, dns: &[&str], at: &[(&str, &str)]) -> LeafModel {
        LeafModel {
            certificate: CertificateFields {
                sha256: sha.into(),
                spki_sha256: spki.into(),
                san: SanModel {
                    dns: dns.iter().map(|d| d.to_string()).collect(),
                    ..SanModel::default()
                },
                ..CertificateFields::default()
            },
            endpoints: at
                .iter()
                .map(|(address, sni)| EndpointRef {
                    address: address.to_string(),
                    port: 443,
                    sni: sni.to_string(),
                    names: vec![sni.to_string()],
                    target_names: vec![sni.to_string()],
                    host: address.to_string(),
                    starttls: String::new(),
                })
                .collect(),
            requested_names: at.iter().map(|(_, sni)| sni.to_string()).collect(),
            ..LeafModel::default()
        }
    }

    #[test]
    fn a_shared_key_is_reuse_only_across_unrelated_names() {
        let mut leaves = vec![
            leaf("a", "k1", &["www.example.com"], &[]),
            leaf("b", "k1", &["www.example.com", "example.com"], &[]),
            leaf("c", "k1", &["mail.example.org"], &[]),
            leaf("d", "k2", &["mail.example.org"], &[]),
        ];
        fill(&mut leaves);
        let shas = |l: &LeafModel| {
            l.key_reuse
                .iter()
                .map(|r| r.sha256.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(shas(&leaves[0]), ["c"], "a renewal (b) is not reuse");
        assert_eq!(shas(&leaves[2]), ["a", "b"]);
        assert!(leaves[3].key_reuse.is_empty());
    }

    #[test]
    fn one_name_with_two_certificates_at_two_places_conflicts() {
        let mut leaves = vec![
            leaf(
                "a",
                "k1",
                &["app.example.com"],
                &[("10.0.0.1", "app.example.com")],
            ),
            leaf(
                "b",
                "k2",
                &["app.example.com"],
                &[("10.0.0.2", "app.example.com")],
            ),
            leaf(
                "c",
                "k3",
                &["dual.example.com"],
                &[("10.0.0.3", "dual.example.com")],
            ),
            leaf(
                "d",
                "k4",
                &["dual.example.com"],
                &[("10.0.0.3", "dual.example.com")],
            ),
        ];
        fill(&mut leaves);
        assert_eq!(leaves[0].name_conflicts.len(), 1);
        assert_eq!(leaves[0].name_conflicts[0].sha256, "b");
        assert_eq!(leaves[0].name_conflicts[0].served_at, ["10.0.0.2:443"]);
        assert!(
            leaves[2].name_conflicts.is_empty(),
            "two certificates at one place: dual-cert"
        );
    }
}
