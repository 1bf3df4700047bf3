//! The per-certificate facts building holds for a whole scan are kept in
//! compact form (SHA-256s as bytes, sorted vectors, one text column for
//! the leaves' names, relations found through hashes of the names): this
//! test tries the places where that could lie, and checks the leaf, chain
//! and endpoint models against what the certificates themselves say,
//! computed here without the store: three leaves sharing one key, two of
//! them under the same name (a renewal, not reuse); a name served with two
//! certificates at two places (a conflict) and, elsewhere, with two
//! certificates at one place (not one); a leaf served and also found at
//! rest; a leaf only at rest. The models are the same whether built one
//! leaf at a time or all at once. The certificates are made by rcgen at
//! test time; nothing leaves 127.0.0.0/8.

mod common;

use std::collections::BTreeMap;

use certatlas::at_rest::{AtRestCertificate, AtRestFormat, FileLocation};
use certatlas::certs::sha256_hex;
use certatlas::judge::{InventoryContext, Judged, ModelRetention};
use certatlas::observation::SniSource;
use certatlas::policy::model::LeafModel;
use certatlas::store::{ScanId, Store};
use rcgen::{CertificateParams, DnType, IsCa, Issuer, KeyPair};
use time::macros::datetime;
use time::OffsetDateTime;

const AT: OffsetDateTime = datetime!(2026-06-08 12:00 UTC);

/// A leaf for `name` with `key`, serial `serial`.
fn leaf(name: &str, serial: u64, key: &KeyPair, issuer: &Issuer<'static, KeyPair>) -> Vec<u8> {
    let mut params = CertificateParams::new(vec![name.to_string()]).expect("params");
    params.distinguished_name.push(DnType::CommonName, name);
    params.serial_number = Some(rcgen::SerialNumber::from(serial));
    params.not_before = datetime!(2026-01-01 00:00 UTC);
    params.not_after = datetime!(2026-12-01 00:00 UTC);
    params.signed_by(key, issuer).expect("sign").der().to_vec()
}

/// The scan's certificates, by role.
struct Estate {
    ca: Vec<u8>,
    /// `reuse-a`, `reuse-b` and `reuse-a` again (renewed), one key.
    shared_key: [Vec<u8>; 3],
    /// `conflict` at two places, with two certificates.
    conflict: [Vec<u8>; 2],
    /// `dual` at one place, with two certificates.
    dual: [Vec<u8>; 2],
    /// Found at rest only.
    at_rest: Vec<u8>,
}

fn estate() -> Estate {
    let ca_key = KeyPair::generate().expect("ca key");
    let mut ca = CertificateParams::default();
    ca.distinguished_name
        .push(DnType::CommonName, "Compact Facts Test CA");
    ca.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_der = ca.self_signed(&ca_key).expect("ca").der().to_vec();
    let issuer = Issuer::new(ca, ca_key);
    let shared = KeyPair::generate().expect("shared key");
    let own = || KeyPair::generate().expect("key");
    Estate {
        shared_key: [
            leaf("reuse-a.facts.test", 1, &shared, &issuer),
            leaf("reuse-b.facts.test", 2, &shared, &issuer),
            leaf("reuse-a.facts.test", 3, &shared, &issuer),
        ],
        conflict: [
            leaf("conflict.facts.test", 4, &own(), &issuer),
            leaf("conflict.facts.test", 5, &own(), &issuer),
        ],
        dual: [
            leaf("dual.facts.test", 6, &own(), &issuer),
            leaf("dual.facts.test", 7, &own(), &issuer),
        ],
        at_rest: leaf("rest.facts.test", 8, &own(), &issuer),
        ca: ca_der,
    }
}

/// Stores the scan: each served leaf at its own address for its name,
/// both `dual` leaves at one address, and the first shared-key leaf and
/// `at_rest` found in a file.
fn store_estate(store: &Store, estate: &Estate) -> ScanId {
    let served: Vec<(&str, &Vec<u8>, &str)> = vec![
        ("127.88.0.1", &estate.shared_key[0], "reuse-a.facts.test"),
        ("127.88.0.2", &estate.shared_key[1], "reuse-b.facts.test"),
        ("127.88.0.3", &estate.shared_key[2], "reuse-a.facts.test"),
        ("127.88.0.4", &estate.conflict[0], "conflict.facts.test"),
        ("127.88.0.5", &estate.conflict[1], "conflict.facts.test"),
        ("127.88.0.6", &estate.dual[0], "dual.facts.test"),
        ("127.88.0.6", &estate.dual[1], "dual.facts.test"),
    ];
    let observations = served
        .into_iter()
        .enumerate()
        .map(|(i, (address, der, name))| {
            let at = AT + time::Duration::milliseconds(i as i64);
            let chain = vec![der.clone(), estate.ca.clone()];
            let mut observation = common::judging::tls_observation(address, at, chain);
            observation.host = name.to_string();
            observation.sni = Some(name.to_string());
            observation.sni_source = SniSource::Target;
            observation
        });
    let scan = common::judging::store_scan(store, "127.88.0.0/24", AT, observations);
    let file = |der: &Vec<u8>, position| AtRestCertificate {
        location: FileLocation {
            path: "/srv/facts.pem".into(),
            alias: None,
            position,
        },
        format: AtRestFormat::Pem,
        der: der.clone(),
    };
    let found = [file(&estate.shared_key[0], 0), file(&estate.at_rest, 1)];
    store.record_at_rest(scan, AT, &found).expect("at rest");
    scan
}

/// Judges the scan `chunk` leaf models at a time, keeping the models.
fn judge(store: &Store, scan: ScanId, chunk: usize) -> Judged {
    let context = InventoryContext::new(None, Vec::new()).expect("context");
    let keep = (chunk, ModelRetention::Keep);
    common::judging::judge(store, &context, scan, AT, keep)
}

/// The leaf models by SHA-256.
fn by_sha(judged: &Judged) -> BTreeMap<String, &LeafModel> {
    let leaves = judged.models.leaves.iter();
    leaves.map(|l| (l.certificate.sha256.clone(), l)).collect()
}

#[test]
fn compact_facts_give_the_models_the_certificates_call_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("facts.db")).expect("store");
    let estate = estate();
    let scan = store_estate(&store, &estate);
    let judged = judge(&store, scan, 1);
    let leaves = by_sha(&judged);
    let sha = |der: &Vec<u8>| sha256_hex(der);
    let [a, b, a2] = estate.shared_key.each_ref().map(sha);
    let [c1, c2] = estate.conflict.each_ref().map(sha);
    let [d1, d2] = estate.dual.each_ref().map(sha);
    let rest = sha(&estate.at_rest);
    let mut expected: Vec<&String> = vec![&a, &b, &a2, &c1, &c2, &d1, &d2, &rest];
    expected.sort();
    assert_eq!(
        leaves.keys().collect::<Vec<_>>(),
        expected,
        "one model per leaf"
    );

    // key reuse: across unrelated names only, the other leaf named as the
    // certificate names it; the list in model (SHA-256) order
    let reuse = |s: &String| {
        let list = &leaves[s].key_reuse;
        list.iter()
            .map(|r| (r.sha256.clone(), r.cn.clone(), r.names.clone()))
            .collect::<Vec<_>>()
    };
    let named = |s: &String, name: &str| (s.clone(), name.to_string(), vec![name.to_string()]);
    assert_eq!(reuse(&a), [named(&b, "reuse-b.facts.test")]);
    assert_eq!(reuse(&a2), [named(&b, "reuse-b.facts.test")]);
    let mut for_b = vec![
        named(&a, "reuse-a.facts.test"),
        named(&a2, "reuse-a.facts.test"),
    ];
    for_b.sort();
    assert_eq!(reuse(&b), for_b);
    for other in [&c1, &c2, &d1, &d2, &rest] {
        assert!(leaves[other].key_reuse.is_empty(), "a key of its own");
    }

    // name conflicts: one name with two certificates at two places; two
    // certificates at one place are a dual deployment
    let conflicts = |s: &String| {
        let list = &leaves[s].name_conflicts;
        list.iter()
            .map(|c| (c.name.clone(), c.sha256.clone(), c.served_at.clone()))
            .collect::<Vec<_>>()
    };
    let conflict = |other: &String, at: &str| {
        (
            "conflict.facts.test".to_string(),
            other.clone(),
            vec![at.to_string()],
        )
    };
    assert_eq!(conflicts(&c1), [conflict(&c2, "127.88.0.5:443")]);
    assert_eq!(conflicts(&c2), [conflict(&c1, "127.88.0.4:443")]);
    assert!(conflicts(&d1).is_empty() && conflicts(&d2).is_empty());
    // reuse-a is served with two certificates at two places: a renewal
    // not yet rolled out everywhere is a conflict too
    assert_eq!(conflicts(&a).len(), 1);
    assert_eq!(conflicts(&a)[0].1, a2);

    // at rest and served: both; at rest only: no endpoint
    assert_eq!(leaves[&a].stored_at, ["file:/srv/facts.pem"]);
    assert_eq!(leaves[&a].served_at.len(), 1);
    assert!(leaves[&a].served_at[0].starts_with("127.88.0.1:443"));
    assert_eq!(leaves[&rest].stored_at, ["file:/srv/facts.pem[1]"]);
    assert!(leaves[&rest].endpoints.is_empty());
    for leaf in leaves.values() {
        let first = &leaf.first_seen;
        assert!(first.starts_with("2026-06-08T12:00:00"), "{first}");
    }

    // the chain and endpoint models name each leaf by its first CN
    let cn = |s: &str| leaves[s].certificate.subject.cn.clone();
    assert_eq!(judged.models.chains.len(), 7);
    for chain in &judged.models.chains {
        assert_eq!(chain.leaf.cn, cn(&chain.leaf.sha256));
        assert!(!chain.leaf.cn.is_empty());
    }
    assert_eq!(judged.models.endpoints.len(), 6);
    for endpoint in &judged.models.endpoints {
        assert_eq!(
            endpoint.leaf_cn,
            cn(&endpoint.leaf_sha256),
            "{}",
            endpoint.address
        );
    }

    // and one leaf at a time or all at once, the same models
    let whole = judge(&store, scan, certatlas::judge::LEAF_CHUNK);
    assert_eq!(judged.models.leaves, whole.models.leaves);
    assert_eq!(judged.models.chains, whole.models.chains);
    assert_eq!(judged.models.endpoints, whole.models.endpoints);
}
