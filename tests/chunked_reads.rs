//! Reading a scan's certificates a chunk at a time tells no lies: the CA
//! graph holds only the certificates that can issue, and each chunk's
//! leaves are read, attached to it and dropped. A scan built to make that
//! go wrong (a leaf served without its intermediate, which only another
//! chunk's chain carries; an intermediate also served as a leaf; a
//! certificate without CA basic constraints that signed another leaf; two
//! leaves sharing a key in different chunks; chains out of order or with
//! their root) is judged with chunks of 1, 2 and the default, and every
//! class, anchor, chain problem, CA count and chain shape is compared with
//! what a graph over every certificate of the scan at once says (the
//! `inventory` command's way once; its rows are now read a chunk at a
//! time too, and must equal that graph's). Certificates are made by rcgen at test
//! time; nothing leaves 127.0.0.0/8.

mod common;

use std::collections::BTreeMap;

use certatlas::inventory::view;
use certatlas::judge::{InventoryContext, Judged, ModelRetention, LEAF_CHUNK};
use certatlas::store::{ScanId, Store};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use time::macros::datetime;
use time::OffsetDateTime;

const AT: OffsetDateTime = datetime!(2026-06-08 12:00 UTC);

/// Certificate parameters named `cn`, valid around [`AT`].
fn params(cn: &str, ca: bool) -> CertificateParams {
    let mut params = CertificateParams::new(vec![cn.to_string()]).expect("params");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.not_before = datetime!(2026-01-01 00:00 UTC);
    params.not_after = datetime!(2027-01-01 00:00 UTC);
    if ca {
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    }
    params
}

/// The scan's chains, leaf first, one per endpoint.
fn chains() -> Vec<Vec<Vec<u8>>> {
    let root_key = KeyPair::generate().expect("key");
    let root_params = params("Lie Root", true);
    let root = root_params.self_signed(&root_key).expect("root");
    let root_issuer = Issuer::new(root_params, root_key);
    let mid_key = KeyPair::generate().expect("key");
    let mid_params = params("Lie Issuing CA", true);
    let mid = mid_params
        .signed_by(&mid_key, &root_issuer)
        .expect("intermediate");
    let mid_issuer = Issuer::new(mid_params, mid_key);
    let leaf = |cn: &str, key: &KeyPair| {
        params(cn, false)
            .signed_by(key, &mid_issuer)
            .expect("leaf")
            .der()
            .to_vec()
    };
    let shared = KeyPair::generate().expect("shared key");
    let own = || KeyPair::generate().expect("key");
    // a certificate without CA basic constraints that signs another leaf
    let odd_key = KeyPair::generate().expect("key");
    let odd_params = params("odd-signer.lie.test", false);
    let odd = odd_params.self_signed(&odd_key).expect("odd signer");
    let odd_issuer = Issuer::new(odd_params, odd_key);
    let signed_by_odd = params("signed-by-odd.lie.test", false)
        .signed_by(&own(), &odd_issuer)
        .expect("signed by odd");
    let lone = params("lone.lie.test", false)
        .self_signed(&own())
        .expect("self-signed");
    let (root, mid) = (root.der().to_vec(), mid.der().to_vec());
    vec![
        // its issuer only ever comes in other chains
        vec![leaf("alone.lie.test", &own())],
        vec![leaf("complete.lie.test", &own()), mid.clone()],
        // the intermediate served as a leaf
        vec![mid.clone(), root.clone()],
        // one key under two names, far apart in model order
        vec![leaf("shared-a.lie.test", &shared), mid.clone()],
        vec![leaf("shared-b.lie.test", &shared), mid.clone()],
        vec![
            leaf("with-root.lie.test", &own()),
            mid.clone(),
            root.clone(),
        ],
        vec![leaf("shuffled.lie.test", &own()), root.clone(), mid.clone()],
        vec![odd.der().to_vec()],
        vec![signed_by_odd.der().to_vec()],
        vec![lone.der().to_vec()],
    ]
}

/// Stores one scan serving `chains`, chain `i` at `127.78.0.{i+1}:443`.
fn store_scan(store: &Store, chains: Vec<Vec<Vec<u8>>>) -> ScanId {
    let observations = chains.into_iter().enumerate().map(|(i, chain)| {
        let address = format!("127.78.0.{}", i + 1);
        let at = AT + time::Duration::milliseconds(i as i64);
        common::judging::tls_observation(&address, at, chain)
    });
    common::judging::store_scan(store, "127.78.0.0/24", AT, observations)
}

/// Judges `scan` in memory with leaf chunks of `chunk`, keeping the leaves.
fn judge(store: &Store, context: &InventoryContext, scan: ScanId, chunk: usize) -> Judged {
    common::judging::judge(store, context, scan, AT, (chunk, ModelRetention::Keep))
}

#[test]
fn chunked_reads_agree_with_a_graph_over_every_certificate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("lie.db")).expect("open store");
    let scan = store_scan(&store, chains());
    let context = InventoryContext::new(None, Vec::new()).expect("context");

    // What a graph over every certificate of the scan at once says.
    let certificates = store.certificates_in_scan(scan).expect("certificates");
    let leaves = store.endpoint_leaves(scan).expect("endpoint leaves");
    let graph = view::graph(&certificates, &context.trust);
    let rows = view::rows(&leaves, &certificates, &graph, &context.owners, AT);
    let expected_leaves: BTreeMap<String, (String, String, Vec<String>)> = rows
        .iter()
        .map(|r| {
            let anchor = r.anchor.clone().unwrap_or_default();
            let verdict = (
                r.ca_class.name().to_string(),
                anchor,
                r.chain_problems.clone(),
            );
            (r.sha256.clone(), verdict)
        })
        .collect();
    let mut cas = graph.cas();
    graph.fill_usage(&mut cas, view::leaf_usage(&leaves, &[], &graph));
    let expected_cas: Vec<(String, String, bool, i64, i64, i64)> = cas
        .iter()
        .map(|c| {
            let counts = (c.issued as i64, c.leaves as i64, c.endpoints as i64);
            let class = c.class.name().to_string();
            (
                c.sha256.clone(),
                class,
                c.served,
                counts.0,
                counts.1,
                counts.2,
            )
        })
        .collect();
    assert_eq!(expected_leaves.len(), 10, "ten distinct leaves");
    let odd = certificates
        .iter()
        .find(|c| {
            c.view
                .as_ref()
                .is_some_and(|v| v.subject.dn.contains("odd-signer"))
        })
        .expect("the odd signer");
    assert!(
        cas.iter().any(|c| c.sha256 == odd.sha256 && c.issued == 1),
        "a certificate without CA constraints that signed a leaf is a CA of the graph"
    );

    // The endpoint models built from every observation at once.
    let observations = store.observations(scan).expect("observations");
    let expected_endpoints = certatlas::policy::model::endpoint_models(&observations, &leaves);
    assert_eq!(expected_endpoints.len(), 10, "ten endpoints");

    for chunk in [1, 2, LEAF_CHUNK] {
        let judged = judge(&store, &context, scan, chunk);
        let models = &judged.models;
        assert_eq!(
            models.endpoints, expected_endpoints,
            "chunk {chunk}: endpoint models built a page at a time"
        );
        let got: BTreeMap<String, (String, String, Vec<String>)> = models
            .leaves
            .iter()
            .map(|l| {
                let verdict = (
                    l.ca_class.clone(),
                    l.anchor.clone(),
                    l.chain_problems.clone(),
                );
                (l.certificate.sha256.clone(), verdict)
            })
            .collect();
        assert_eq!(got, expected_leaves, "chunk {chunk}: leaf verdicts");
        let got_cas: Vec<(String, String, bool, i64, i64, i64)> = models
            .cas
            .iter()
            .map(|c| {
                let sha = c.certificate.sha256.clone();
                (
                    sha,
                    c.class.clone(),
                    c.served,
                    c.issued,
                    c.leaves,
                    c.endpoints,
                )
            })
            .collect();
        assert_eq!(got_cas, expected_cas, "chunk {chunk}: CA models");
        assert_eq!(
            models.chains.len(),
            10,
            "chunk {chunk}: one model per chain"
        );
        for chain in &models.chains {
            let shape = graph.chain_shape(&chain.certificates).expect("known");
            let flags = (shape.incomplete, shape.out_of_order, shape.root_included);
            let got = (chain.incomplete, chain.out_of_order, chain.root_included);
            assert_eq!(got, flags, "chunk {chunk}: chain of {}", chain.leaf.cn);
            assert_eq!(chain.unrelated, shape.unrelated as i64);
            let cn = graph
                .certificate(&chain.leaf.sha256)
                .and_then(|v| v.subject.common_names.first().cloned());
            assert_eq!(Some(chain.leaf.cn.clone()), cn);
        }
        let shared: Vec<_> = models
            .leaves
            .iter()
            .filter(|l| l.certificate.subject.cn.starts_with("shared-"))
            .collect();
        assert_eq!(shared.len(), 2);
        assert!(
            shared.iter().all(|l| l.key_reuse.len() == 1),
            "chunk {chunk}: key reuse across chunks"
        );
    }
    // The `inventory` listing's rows, read a chunk at a time, are the rows
    // of the graph over every certificate, in the same order.
    let record = store.scan(scan).expect("read").expect("scan");
    let judged_against = (&context.trust, &context.owners);
    // The `cas` listing counts each CA's leaves and endpoints from them as
    // they come, and its graph then counts what each CA signed: the same
    // CAs and counts.
    for chunk in [1, 2, LEAF_CHUNK] {
        let mut streamed = Vec::new();
        let mut usage = certatlas::inventory::ca::CaUsage::default();
        let chunked_graph = certatlas::policy::model::inventory_rows_in_chunks(
            &store,
            &record,
            judged_against,
            (chunk, AT),
            |graph, part| {
                assert!(part.len() <= chunk, "chunk {chunk}: {} rows", part.len());
                for row in &part {
                    graph.count_usage(&mut usage, &row.sha256, row.endpoints.len() as u64);
                }
                streamed.extend(part);
            },
        )
        .expect("rows");
        assert_eq!(streamed, rows, "chunk {chunk}: inventory rows");
        let mut listed = chunked_graph.cas();
        usage.fill(&mut listed);
        assert_eq!(listed, cas, "chunk {chunk}: the cas listing");
    }
    // The cases the scan was built for do happen.
    let by_cn = |cn: &str| {
        let row = rows.iter().find(|r| {
            r.certificate
                .subject
                .common_names
                .first()
                .map(String::as_str)
                == Some(cn)
        });
        row.expect("row").clone()
    };
    assert_eq!(by_cn("alone.lie.test").ca_class.name(), "shadow");
    assert_eq!(by_cn("signed-by-odd.lie.test").ca_class.name(), "shadow");
    assert!(by_cn("shuffled.lie.test")
        .chain_problems
        .contains(&"out_of_order".to_string()));
}
