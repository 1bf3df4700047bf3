//! Relations between the leaves of one scan: the same key under unrelated
//! names (`key_reuse`) and one name served with different certificates at
//! different places (`name_conflicts`). Each list is capped at
//! [`RELATED_LIMIT`] entries so a key shared by thousands of certificates
//! costs linear time and bounded output.

use std::collections::{BTreeMap, BTreeSet};

use super::{KeyReuse, LeafModel, NameConflict};

/// The most entries kept in one leaf's `key_reuse` or `name_conflicts`.
pub const RELATED_LIMIT: usize = 20;

/// Fills `key_reuse` and `name_conflicts` of every leaf.
pub(super) fn fill(leaves: &mut [LeafModel]) {
    let reuse = key_reuse(leaves);
    let conflicts = name_conflicts(leaves);
    for (i, leaf) in leaves.iter_mut().enumerate() {
        leaf.key_reuse = reuse.get(&i).cloned().unwrap_or_default();
        leaf.name_conflicts = conflicts.get(&i).cloned().unwrap_or_default();
    }
}

/// The names a leaf speaks for, lowercase: SAN DNS names, else its CNs.
fn names_of(leaf: &LeafModel) -> BTreeSet<String> {
    let cert = &leaf.certificate;
    let names = if cert.san.dns.is_empty() {
        &cert.subject.common_names
    } else {
        &cert.san.dns
    };
    names.iter().map(|n| n.to_ascii_lowercase()).collect()
}

fn key_reuse(leaves: &[LeafModel]) -> BTreeMap<usize, Vec<KeyReuse>> {
    let mut by_key: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, leaf) in leaves.iter().enumerate() {
        by_key
            .entry(&leaf.certificate.spki_sha256)
            .or_default()
            .push(i);
    }
    let mut found: BTreeMap<usize, Vec<KeyReuse>> = BTreeMap::new();
    for group in by_key.values().filter(|g| g.len() > 1) {
        let names: Vec<BTreeSet<String>> = group.iter().map(|&i| names_of(&leaves[i])).collect();
        for (a, &i) in group.iter().enumerate() {
            let unrelated = group
                .iter()
                .enumerate()
                .filter(|&(b, _)| b != a && names[a].is_disjoint(&names[b]))
                .take(RELATED_LIMIT)
                .map(|(b, &j)| KeyReuse {
                    sha256: leaves[j].certificate.sha256.clone(),
                    cn: leaves[j].certificate.subject.cn.clone(),
                    names: names[b].iter().cloned().collect(),
                });
            found.entry(i).or_default().extend(unrelated);
        }
    }
    found.retain(|_, list| !list.is_empty());
    found
}

fn name_conflicts(leaves: &[LeafModel]) -> BTreeMap<usize, Vec<NameConflict>> {
    // name -> leaf index -> the places (address:port) it is served for it
    let mut by_name: BTreeMap<&str, BTreeMap<usize, BTreeSet<String>>> = BTreeMap::new();
    for (i, leaf) in leaves.iter().enumerate() {
        for e in &leaf.endpoints {
            // the names served with it there: a name broadcast or discovered
            // that is not served at an endpoint is no claim on that name
            for name in &e.names {
                let place = super::build::served_at(&e.address, e.port, None);
                by_name
                    .entry(name)
                    .or_default()
                    .entry(i)
                    .or_default()
                    .insert(place);
            }
        }
    }
    let mut found: BTreeMap<usize, Vec<NameConflict>> = BTreeMap::new();
    for (name, served) in by_name.iter().filter(|(_, s)| s.len() > 1) {
        for (&i, places) in served {
            let others = served
                .iter()
                .filter(|&(&j, other)| j != i && !other.is_subset(places))
                .take(RELATED_LIMIT)
                .map(|(&j, other)| NameConflict {
                    name: name.to_string(),
                    sha256: leaves[j].certificate.sha256.clone(),
                    served_at: other.iter().cloned().collect(),
                });
            let list = found.entry(i).or_default();
            list.extend(others);
            list.truncate(RELATED_LIMIT);
        }
    }
    found.retain(|_, list| !list.is_empty());
    found
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
