//! Unit tests of the endpoint fold: SNI variants with the default chain
//! fold, a name with its own chain is a deployment, a broadcast name the
//! default certificate does not cover is not served here, and the default
//! chain does not depend on the order of the probes.

use time::macros::datetime;

use super::*;
use crate::certs::{parse_certificate, CertificateView};
use crate::store::EndpointKey;

/// A self-signed certificate for `names`.
fn cert(names: &[&str]) -> CertificateView {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let params = rcgen::CertificateParams::new(names).unwrap();
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    parse_certificate(params.self_signed(&key).unwrap().der()).unwrap()
}

/// The leaf `view` as probed at 192.0.2.1:`port` with `sni` from `source`.
fn probed(port: u16, sni: Option<&str>, source: SniSource, view: &CertificateView) -> EndpointLeaf {
    EndpointLeaf {
        endpoint: EndpointKey {
            address: "192.0.2.1".into(),
            port,
            sni: sni.map(str::to_string),
        },
        host: sni.unwrap_or("192.0.2.1").to_string(),
        sni_source: source,
        names: Vec::new(),
        leaf_sha256: view.sha256.clone(),
        leaf: Some(Box::new(view.clone())),
        chain: vec![view.sha256.clone()],
        leaf_only_chain: false,
        observed_at: datetime!(2026-06-01 12:00 UTC),
    }
}

fn name(name: &str, source: SniSource, status: NameStatus) -> EndpointName {
    EndpointName {
        name: name.into(),
        source,
        status,
    }
}

use NameStatus::{Deployment, NotServed, Served};
use SniSource::{Broadcast, Discovered, Target};

#[test]
fn broadcast_names_with_the_default_chain_fold_into_one_endpoint() {
    let www = cert(&["www.example.test", "alpha.example.test"]);
    let folded = fold(vec![
        probed(443, None, SniSource::None, &www),
        probed(443, Some("alpha.example.test"), Broadcast, &www),
        probed(443, Some("beta.example.test"), Broadcast, &www),
        probed(443, Some("gamma.example.test"), Discovered, &www),
    ]);
    assert_eq!(folded.len(), 1, "one endpoint: {folded:?}");
    assert_eq!(folded[0].endpoint.sni, None);
    assert_eq!(
        folded[0].names,
        [
            name("alpha.example.test", Broadcast, Served),
            name("beta.example.test", Broadcast, NotServed),
            name("gamma.example.test", Discovered, NotServed),
        ]
    );
    let served: Vec<&str> = served_names(&folded[0]).map(|n| n.name.as_str()).collect();
    assert_eq!(served, ["alpha.example.test"]);
}

#[test]
fn a_name_with_its_own_chain_is_a_deployment() {
    let default = cert(&["one.example.test"]);
    let alpha = cert(&["alpha.example.test"]);
    let folded = fold(vec![
        probed(443, None, SniSource::None, &default),
        probed(443, Some("alpha.example.test"), Broadcast, &alpha),
        probed(443, Some("beta.example.test"), Broadcast, &default),
        probed(8443, None, SniSource::None, &default),
    ]);
    let keys: Vec<(u16, Option<&str>, &str)> = folded
        .iter()
        .map(|l| {
            (
                l.endpoint.port,
                l.endpoint.sni.as_deref(),
                l.leaf_sha256.as_str(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            (443, None, default.sha256.as_str()),
            (443, Some("alpha.example.test"), alpha.sha256.as_str()),
            (8443, None, default.sha256.as_str()),
        ]
    );
    assert_eq!(
        folded[0].names,
        [name("beta.example.test", Broadcast, NotServed)]
    );
    assert_eq!(
        folded[1].names,
        [name("alpha.example.test", Broadcast, Deployment)]
    );
}

#[test]
fn a_target_name_is_served_even_where_the_certificate_does_not_cover_it() {
    let other = cert(&["other.example.test"]);
    let folded = fold(vec![probed(
        443,
        Some("wrong.example.test"),
        Target,
        &other,
    )]);
    assert_eq!(folded.len(), 1);
    assert_eq!(folded[0].endpoint.sni, None, "keyed as the endpoint");
    assert_eq!(
        folded[0].names,
        [name("wrong.example.test", Target, Served)]
    );
}

#[test]
fn without_a_probe_lacking_sni_the_chain_most_names_got_is_the_default() {
    let shared = cert(&["*.example.test"]);
    let own = cert(&["zz.example.test"]);
    let leaves = vec![
        probed(443, Some("a.example.test"), Target, &shared),
        probed(443, Some("b.example.test"), Target, &shared),
        probed(443, Some("zz.example.test"), Target, &own),
    ];
    let mut reversed = leaves.clone();
    reversed.reverse();
    let folded = fold(leaves);
    assert_eq!(
        fold(reversed),
        folded,
        "order of the probes does not matter"
    );
    assert_eq!(folded.len(), 2);
    assert_eq!(folded[0].leaf_sha256, shared.sha256);
    assert_eq!(folded[0].names.len(), 2);
    assert_eq!(folded[1].endpoint.sni.as_deref(), Some("zz.example.test"));
}

#[test]
fn the_strongest_source_of_a_name_wins_and_unrecorded_sources_are_inferred() {
    assert_eq!(stronger(Broadcast, Target), Target);
    assert_eq!(stronger(Target, Discovered), Target);
    assert_eq!(stronger(SniSource::None, Discovered), Discovered);
    let other = cert(&["other.example.test"]);
    // stored before sources existed: the target's own host name is a target
    let mut own_host = probed(443, Some("host.example.test"), SniSource::None, &other);
    own_host.host = "host.example.test".into();
    let mut extra = probed(8443, Some("extra.example.test"), SniSource::None, &other);
    extra.host = "192.0.2.1".into();
    let folded = fold(vec![own_host, extra]);
    assert_eq!(folded[0].names[0].source, Target);
    assert_eq!(folded[1].names[0].status, NotServed);
}
