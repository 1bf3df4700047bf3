//! Relations between the leaves of one scan: the same key under unrelated
//! names (`key_reuse`) and one name served with different certificates at
//! different places (`name_conflicts`). Each list is capped at
//! [`RELATED_LIMIT`] entries so a key shared by thousands of certificates
//! costs linear time and bounded output.
//!
//! The relations are computed from a compact index ([`RelationIndex`]) fed
//! one leaf at a time in model order: leaves are numbered (`u32`), and only
//! the leaves that share a key or a served name with another leaf keep
//! their names, SHA-256 and common name, so the leaf models themselves can
//! be built (and dropped) in chunks.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{EndpointRef, KeyReuse, LeafModel, NameConflict};

/// The most entries kept in one leaf's `key_reuse` or `name_conflicts`.
pub const RELATED_LIMIT: usize = 20;

/// Fills `key_reuse` and `name_conflicts` of every leaf.
#[cfg(test)]
pub(super) fn fill(leaves: &mut [LeafModel]) {
    let mut builder = RelationBuilder::default();
    for leaf in leaves.iter() {
        let cert = &leaf.certificate;
        let names = names_of(&cert.san.dns, &cert.subject.common_names);
        let who = (cert.sha256.as_str(), cert.subject.cn.as_str());
        builder.add(who, &cert.spki_sha256, names, &leaf.endpoints);
    }
    let index = builder.finish();
    for (i, leaf) in leaves.iter_mut().enumerate() {
        index.apply(i, leaf);
    }
}

/// The names a leaf speaks for, lowercase: its SAN DNS names, else its CNs.
pub(super) fn names_of(dns: &[String], common_names: &[String]) -> BTreeSet<String> {
    let names = if dns.is_empty() { common_names } else { dns };
    names.iter().map(|n| n.to_ascii_lowercase()).collect()
}

/// Collects the leaves of a scan, in model order, for [`RelationIndex`].
#[derive(Default)]
pub(super) struct RelationBuilder {
    /// SHA-256 and first CN of every leaf so far.
    who: Vec<(String, String)>,
    /// The names of every leaf so far.
    names: Vec<BTreeSet<String>>,
    /// Leaves by SPKI SHA-256.
    by_key: HashMap<String, Vec<u32>>,
    /// name -> leaf -> the places (address:port) it is served for it.
    by_name: BTreeMap<String, BTreeMap<u32, BTreeSet<String>>>,
}

impl RelationBuilder {
    /// Adds the next leaf: its SHA-256 and first CN, key, names (see
    /// [`names_of`]) and the endpoints serving it.
    pub(super) fn add(
        &mut self,
        who: (&str, &str),
        spki: &str,
        names: BTreeSet<String>,
        endpoints: &[EndpointRef],
    ) {
        let i = u32::try_from(self.who.len()).expect("fewer than 2^32 leaves in one scan");
        self.who.push((who.0.to_string(), who.1.to_string()));
        self.names.push(names);
        self.by_key.entry(spki.to_string()).or_default().push(i);
        for e in endpoints {
            // the names served with it there: a name broadcast or discovered
            // that is not served at an endpoint is no claim on that name
            for name in &e.names {
                let place = super::served_at(&e.address, e.port, None);
                self.by_name
                    .entry(name.clone())
                    .or_default()
                    .entry(i)
                    .or_default()
                    .insert(place);
            }
        }
    }

    /// The index, keeping only what relates two leaves.
    pub(super) fn finish(self) -> RelationIndex {
        let mut groups: Vec<Vec<u32>> = self.by_key.into_values().filter(|g| g.len() > 1).collect();
        groups.sort_unstable_by_key(|g| g[0]);
        let mut by_name = self.by_name;
        by_name.retain(|_, served| served.len() > 1);
        let mut group_of = HashMap::new();
        for (n, group) in groups.iter().enumerate() {
            group_of.extend(group.iter().map(|&i| (i, n)));
        }
        let mut served_names: HashMap<u32, Vec<String>> = HashMap::new();
        for (name, served) in &by_name {
            for &i in served.keys() {
                served_names.entry(i).or_default().push(name.clone());
            }
        }
        let related = |i: &u32| group_of.contains_key(i) || served_names.contains_key(i);
        let keep: Vec<u32> = (0..self.who.len() as u32).filter(related).collect();
        let (mut who, mut names) = (HashMap::new(), HashMap::new());
        let (mut all_who, mut all_names) = (self.who, self.names);
        for &i in &keep {
            who.insert(i, std::mem::take(&mut all_who[i as usize]));
            if group_of.contains_key(&i) {
                names.insert(i, std::mem::take(&mut all_names[i as usize]));
            }
        }
        RelationIndex {
            who,
            names,
            groups,
            group_of,
            by_name,
            served_names,
        }
    }
}

/// What relates the leaves of one scan, by leaf number (model order).
pub(super) struct RelationIndex {
    /// SHA-256 and first CN of each related leaf.
    who: HashMap<u32, (String, String)>,
    /// The names of each leaf sharing its key with another.
    names: HashMap<u32, BTreeSet<String>>,
    /// Leaves sharing one key, more than one each, in leaf order.
    groups: Vec<Vec<u32>>,
    /// The group of each leaf in one.
    group_of: HashMap<u32, usize>,
    /// name -> leaf -> places, for names served with more than one leaf.
    by_name: BTreeMap<String, BTreeMap<u32, BTreeSet<String>>>,
    /// The names of `by_name` each leaf is served for, in name order.
    served_names: HashMap<u32, Vec<String>>,
}

impl RelationIndex {
    /// Fills `key_reuse` and `name_conflicts` of `leaf`, leaf number `i`.
    pub(super) fn apply(&self, i: usize, leaf: &mut LeafModel) {
        let i = i as u32;
        leaf.key_reuse = self.key_reuse(i);
        leaf.name_conflicts = self.name_conflicts(i);
    }

    fn key_reuse(&self, i: u32) -> Vec<KeyReuse> {
        let Some(&n) = self.group_of.get(&i) else {
            return Vec::new();
        };
        let mine = &self.names[&i];
        self.groups[n]
            .iter()
            .filter(|&&j| j != i && mine.is_disjoint(&self.names[&j]))
            .take(RELATED_LIMIT)
            .map(|j| {
                let (sha256, cn) = &self.who[j];
                KeyReuse {
                    sha256: sha256.clone(),
                    cn: cn.clone(),
                    names: self.names[j].iter().cloned().collect(),
                }
            })
            .collect()
    }

    fn name_conflicts(&self, i: u32) -> Vec<NameConflict> {
        let mut list = Vec::new();
        for name in self.served_names.get(&i).into_iter().flatten() {
            let served = &self.by_name[name];
            let places = &served[&i];
            let others = served
                .iter()
                .filter(|&(&j, other)| j != i && !other.is_subset(places))
                .take(RELATED_LIMIT)
                .map(|(j, other)| NameConflict {
                    name: name.clone(),
                    sha256: self.who[j].0.clone(),
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
