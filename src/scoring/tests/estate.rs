//! The synthetic estates of the scoring tests, built as models and
//! history directly (fixed dates from 2026-06-01), so every figure can be
//! worked out by hand.

use time::{Duration, OffsetDateTime};

use crate::policy::model::{
    rfc3339, EndpointModel, EndpointRef, InventoryModel, LeafModel, SubjectModels,
};
use crate::scoring::metrics::{EndpointReach, Exclusions, ScanHistory, ScanPoint};
use crate::store::{EventKind, EventRecord, ScanId};

/// Day `n` of the estate's history.
pub fn day(n: i64) -> OffsetDateTime {
    time::macros::datetime!(2026-06-01 00:00 UTC) + Duration::days(n)
}

/// The SHA-256 (a stand-in) of leaf `n`.
pub fn sha(n: u32) -> String {
    format!("{n:064x}")
}

/// Leaf `n`, approved, owned, RSA-2048 with SHA-256, a CRL URL, valid 90
/// days with 60 left, first seen on day 0, served at `127.0.0.n:443`.
fn leaf(n: u32, now: i64) -> LeafModel {
    let mut l = LeafModel::default();
    let c = &mut l.certificate;
    c.sha256 = sha(n);
    c.spki_sha256 = format!("key-{n}");
    c.key.algorithm = "rsa".into();
    c.key.bits = 2048;
    c.signature.hash = "sha256".into();
    c.san.dns = vec![format!("host{n}.example.test")];
    c.crl_urls = vec!["http://crl.example.test/ca.crl".into()];
    c.lifetime_days = 90;
    c.days_left = 60;
    c.not_before = rfc3339(day(now - 30));
    l.ca_class = "approved".into();
    l.owner = "web".into();
    l.first_seen = rfc3339(day(0));
    l.endpoints = vec![EndpointRef {
        address: format!("127.0.0.{n}"),
        port: 443,
        ..EndpointRef::default()
    }];
    l
}

/// The endpoint serving leaf `n`: TLS 1.3 with X25519, versions probed.
fn endpoint(n: u32) -> EndpointModel {
    EndpointModel {
        address: format!("127.0.0.{n}"),
        port: 443,
        served_at: format!("127.0.0.{n}:443"),
        leaf_sha256: sha(n),
        tls_version: "TLSv1.3".into(),
        versions_probed: true,
        accepted_versions: vec!["TLSv1.2".into(), "TLSv1.3".into()],
        tls13: "yes".into(),
        key_exchange_group: "X25519".into(),
        ..EndpointModel::default()
    }
}

fn event(
    id: i64,
    scan: i64,
    kind: EventKind,
    new: &str,
    lead: Option<f64>,
    rekeyed: bool,
) -> EventRecord {
    EventRecord {
        id,
        scan: ScanId(scan),
        kind,
        endpoint: None,
        old_sha256: None,
        new_sha256: Some(new.to_string()),
        lead_days: lead,
        old_lifetime_days: Some(90.0),
        detail: serde_json::json!({ "rekeyed": rekeyed }),
        at: day(0),
    }
}

/// Scans 1..=5 on days 0, 30, 60, 90, 120; ten leaves as described in
/// the tests' comments.
pub fn synthetic() -> (SubjectModels, ScanHistory, Exclusions) {
    let now = 120;
    let mut leaves: Vec<LeafModel> = (1..=10).map(|n| leaf(n, now)).collect();
    let mut endpoints: Vec<EndpointModel> = (1..=10).map(endpoint).collect();
    // L5 and L6: renewals first seen on days 120 and 90, issued 2 and 1
    // days before.
    leaves[4].first_seen = rfc3339(day(120));
    leaves[4].certificate.not_before = rfc3339(day(118));
    leaves[5].first_seen = rfc3339(day(90));
    leaves[5].certificate.not_before = rfc3339(day(89));
    // L7: RSA-1024 signed with SHA-1, its endpoint TLS 1.2 accepting 1.0.
    leaves[6].certificate.key.bits = 1024;
    leaves[6].certificate.signature.hash = "sha1".into();
    endpoints[6].tls_version = "TLSv1.2".into();
    endpoints[6].accepted_versions = vec!["TLSv1.0".into(), "TLSv1.2".into()];
    endpoints[6].tls13 = "no".into();
    // L8: shadow CA, no owner, no CRL, incomplete chain, 10 days left,
    // EC P-256; first seen day 60, issued day 55.
    let l8 = &mut leaves[7];
    l8.ca_class = "shadow".into();
    l8.owner.clear();
    l8.certificate.crl_urls.clear();
    l8.chain_problems = vec!["incomplete".into()];
    l8.certificate.days_left = 10;
    l8.certificate.key.algorithm = "ec".into();
    l8.certificate.key.bits = 256;
    l8.first_seen = rfc3339(day(60));
    l8.certificate.not_before = rfc3339(day(55));
    // L9: expired three days ago.
    leaves[8].certificate.expired = true;
    leaves[8].certificate.days_left = -3;
    // L10: self-signed, no owner, no CRL, valid 400 days, TLS 1.2 only;
    // first seen day 120, issued day 117.
    let l10 = &mut leaves[9];
    l10.ca_class = "self_signed".into();
    l10.certificate.self_signed = true;
    l10.owner.clear();
    l10.certificate.crl_urls.clear();
    l10.certificate.lifetime_days = 400;
    l10.certificate.days_left = 200;
    l10.first_seen = rfc3339(day(120));
    l10.certificate.not_before = rfc3339(day(117));
    endpoints[9].tls_version = "TLSv1.2".into();
    endpoints[9].accepted_versions = vec!["TLSv1.2".into()];
    endpoints[9].tls13 = "no".into();
    // Hybrid post-quantum key exchange at two TLS 1.3 endpoints.
    for e in &mut endpoints[0..2] {
        e.key_exchange_group = "X25519MLKEM768".into();
        e.post_quantum_hybrid = true;
    }
    let models = SubjectModels {
        at: Some(day(now)),
        leaves,
        endpoints,
        inventory: InventoryModel {
            shadow_cas: vec!["CN=Shadow CA".into()],
            ..InventoryModel::default()
        },
        ..SubjectModels::default()
    };
    let history = ScanHistory {
        scans: (0..5)
            .map(|i| ScanPoint {
                id: ScanId(i + 1),
                at: day(30 * i),
            })
            .collect(),
        events: vec![
            event(
                1,
                1,
                EventKind::Renewal,
                "outside-window",
                Some(50.0),
                false,
            ),
            event(2, 3, EventKind::ExpiredInService, "old-x", None, false),
            event(3, 4, EventKind::Renewal, &sha(6), Some(20.0), true),
            event(4, 4, EventKind::Rekey, &sha(6), Some(20.0), true),
            event(5, 5, EventKind::Renewal, &sha(5), Some(5.0), false),
            event(6, 5, EventKind::ExpiredInService, &sha(9), None, false),
        ],
        // A: scans 1-2, fixed at 3 (60 days). B: 3, fixed at 4 (30).
        // C: 4-5, open. D: 1, fixed at 2 on the window's first day (30).
        // E: fixed at 1, before the window (90).
        fixes: [(3, 60), (4, 30), (2, 30), (1, 90)]
            .map(|(s, d)| (ScanId(s), d))
            .to_vec(),
        reach: EndpointReach {
            known: 11,
            reached: 10,
            missed: vec!["127.0.0.99:443".into()],
        },
        min_interval: Duration::ZERO,
    };
    (models, history, Exclusions::default())
}

/// Daily scans for 100 days, four leaves with every fact in order:
/// renewals re-keyed 40 days ahead and seen the day after issue, hybrid
/// TLS 1.3 everywhere, a finding fixed in two days.
pub fn perfect() -> (SubjectModels, ScanHistory, Exclusions) {
    let now = 99;
    let leaves: Vec<LeafModel> = (1..=4)
        .map(|n| {
            let mut l = leaf(n, now);
            l.first_seen = rfc3339(day(now - 10));
            l.certificate.not_before = rfc3339(day(now - 11));
            l
        })
        .collect();
    let endpoints = (1..=4)
        .map(|n| EndpointModel {
            key_exchange_group: "X25519MLKEM768".into(),
            post_quantum_hybrid: true,
            ..endpoint(n)
        })
        .collect();
    let models = SubjectModels {
        at: Some(day(now)),
        leaves,
        endpoints,
        ..SubjectModels::default()
    };
    let mut events = Vec::new();
    for n in 1..=4u32 {
        let id = i64::from(n) * 2;
        events.push(event(id, 90, EventKind::Renewal, &sha(n), Some(40.0), true));
        events.push(event(
            id + 1,
            90,
            EventKind::Rekey,
            &sha(n),
            Some(40.0),
            true,
        ));
    }
    let history = ScanHistory {
        scans: (0..100)
            .map(|i| ScanPoint {
                id: ScanId(i + 1),
                at: day(i),
            })
            .collect(),
        events,
        // A finding present at scans 51-52, fixed at 53: two days.
        fixes: vec![(ScanId(53), 2)],
        reach: EndpointReach {
            known: 4,
            reached: 4,
            missed: Vec::new(),
        },
        min_interval: Duration::ZERO,
    };
    (models, history, Exclusions::default())
}
