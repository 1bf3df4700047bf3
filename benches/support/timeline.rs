//! A history of the benchmark estate: `endpoints` endpoints, each serving
//! its own leaf, scanned `scans` times a week apart on a fixed clock, with
//! leaves renewed as they near expiry. Every scan is finished as certatlas
//! finishes one: imported through the store's writer thread, diffed
//! against the previous scan into change events (`history::diff` +
//! `history::events` + `store.record_events`, as `app::recording::analyse`
//! does), and given stored findings (synthetic, `store.record_findings`).
//! Nothing touches the network.
//!
//! Validity: the original leaf of endpoint `j` expires `20 + j % 700` days
//! after the first scan (397-day lifetime). Nine endpoints in ten renew
//! at the first scan less than 30 days before that expiry (about 1 % of the
//! estate a week; the first week catches up, so some renewals come late);
//! the tenth is never renewed and some of those expire in service. A
//! renewal has the same name, a notBefore 1–3 days before the scan that
//! first sees it, and every other one a new key (a re-key).

use std::collections::BTreeMap;
use std::time::Instant;

use certatlas::inventory::history;
use certatlas::policy::Severity;
use certatlas::store::{EndpointLeaf, NewFinding, ScanId, Store};
use rcgen::KeyPair;
use time::{Duration, OffsetDateTime};

use super::estate::{self, Authority};

/// Days before expiry at which a leaf is renewed.
const RENEW_BEFORE_DAYS: i64 = 30;
/// Spread of the original leaves' expiry, in days.
const EXPIRY_SPREAD_DAYS: usize = 700;
/// Lifetime of every leaf, in days.
const LIFETIME_DAYS: i64 = 397;

/// The synthetic rules findings are stored for: id, severity, categories.
pub const RULES: [(&str, Severity, &str); 8] = [
    ("bench-leaf-1", Severity::Medium, "M.certificate-management"),
    ("bench-leaf-2", Severity::Low, "G.cryptography"),
    ("bench-leaf-3", Severity::High, "M.key-management"),
    ("bench-leaf-4", Severity::Info, "O.monitoring-and-auditing"),
    ("bench-leaf-5", Severity::Medium, "O.resilience"),
    ("bench-leaf-6", Severity::Low, "M.infrastructure-management"),
    ("bench-leaf-7", Severity::Info, "O.automation"),
    (
        "bench-endpoint-churn",
        Severity::Medium,
        "O.interoperability",
    ),
];

/// How many findings each scan stores.
#[derive(Debug, Clone, Copy)]
pub struct FindingMix {
    /// Findings per affected leaf, keyed by the leaf's SHA-256 (1–7): they
    /// disappear when the leaf is renewed.
    pub per_leaf: usize,
    /// Percentage of endpoints whose leaf has them.
    pub leaf_share: usize,
    /// Percentage of endpoints with an endpoint finding present on two
    /// scans out of four (appearing and being fixed).
    pub churn_share: usize,
}

/// The estate over time.
pub struct Timeline {
    /// When the first scan started.
    pub start: OffsetDateTime,
    /// How many scans.
    pub scans: usize,
    /// The intermediate CA's DER.
    pub intermediate: Vec<u8>,
    /// The original leaf of each endpoint.
    pub originals: Vec<Vec<u8>>,
    /// Per endpoint: the scan index from which it serves its renewed
    /// leaf, and that leaf.
    pub renewals: Vec<Option<(usize, Vec<u8>)>>,
}

impl Timeline {
    /// Signs every leaf (on every core).
    pub fn generate(start: OffsetDateTime, scans: usize, endpoints: usize) -> Timeline {
        let authority = Authority::new();
        let key = KeyPair::generate().expect("leaf key");
        let rekey = KeyPair::generate().expect("re-keyed leaf key");
        let at = |s: usize| start + Duration::days(7 * s as i64);
        let originals = parallel_map(endpoints, |j| {
            let not_after = start + Duration::days(20 + (j % EXPIRY_SPREAD_DAYS) as i64);
            let validity = (not_after - Duration::days(LIFETIME_DAYS), not_after);
            authority.leaf(j, j as u64 + 1, &key, Some(validity))
        });
        let renewals = parallel_map(endpoints, |j| {
            let scan = renewal_scan(j, scans)?;
            let not_before = at(scan) - Duration::days(1 + (j % 3) as i64);
            let validity = (not_before, not_before + Duration::days(LIFETIME_DAYS));
            let key = if j % 2 == 0 { &rekey } else { &key };
            let serial = 1_000_000_000 + j as u64;
            Some((scan, authority.leaf(j, serial, key, Some(validity))))
        });
        Timeline {
            start,
            scans,
            intermediate: authority.der,
            originals,
            renewals,
        }
    }

    /// When scan `s` (0-based) starts.
    pub fn at(&self, s: usize) -> OffsetDateTime {
        self.start + Duration::days(7 * s as i64)
    }

    /// Renewed leaves in the whole timeline.
    pub fn renewed(&self) -> usize {
        self.renewals.iter().flatten().count()
    }

    /// What each endpoint serves in scan `s`.
    fn served(&self, s: usize) -> Vec<Vec<u8>> {
        self.originals
            .iter()
            .zip(&self.renewals)
            .map(|(original, renewal)| match renewal {
                Some((from, renewed)) if s >= *from => renewed.clone(),
                _ => original.clone(),
            })
            .collect()
    }

    /// Imports every scan into `store` and finishes each; returns the scan
    /// ids, oldest first.
    pub fn record(&self, store: &Store, mix: FindingMix) -> Recorded {
        let mut recorded = Recorded::default();
        let mut previous: Vec<EndpointLeaf> = Vec::new();
        for s in 0..self.scans {
            let served = self.served(s);
            let label = format!("  scan {}/{} import", s + 1, self.scans);
            let scan = estate::import(
                store,
                &label,
                self.at(s),
                &self.intermediate,
                &served,
                served.len(),
            );
            drop(served);
            let started = Instant::now();
            let leaves = store.endpoint_leaves(scan).expect("endpoint leaves");
            let diff = history::diff(&previous, &leaves);
            let events = history::events(&diff, &leaves);
            store.record_events(scan, &events).expect("record events");
            let events_s = started.elapsed().as_secs_f64();
            for event in &events {
                *recorded.events.entry(event.kind.as_str()).or_default() += 1;
            }
            let started = Instant::now();
            let findings = findings(&leaves, s, mix);
            store
                .record_findings(
                    scan,
                    "bench",
                    RULES.len() as u64,
                    &findings,
                    &serde_json::json!({}),
                )
                .expect("record findings");
            println!(
                "    {} events ({} renewals) in {events_s:.2} s; {} findings stored in {:.2} s",
                events.len(),
                diff.changed.len(),
                findings.len(),
                started.elapsed().as_secs_f64()
            );
            recorded.findings += findings.len();
            recorded.scans.push(scan);
            previous = leaves;
        }
        recorded
    }
}

/// What [`Timeline::record`] stored.
#[derive(Debug, Default)]
pub struct Recorded {
    /// The scans, oldest first.
    pub scans: Vec<ScanId>,
    /// Events by kind.
    pub events: BTreeMap<&'static str, usize>,
    /// Finding rows over every scan.
    pub findings: usize,
}

/// The scan index (1..scans) at which endpoint `j` is renewed, if ever.
fn renewal_scan(j: usize, scans: usize) -> Option<usize> {
    if j % 10 == 0 {
        return None;
    }
    // First scan t >= 1 with 20 + r - 7 t < RENEW_BEFORE_DAYS.
    let r = (j % EXPIRY_SPREAD_DAYS) as i64;
    let t = ((r - (RENEW_BEFORE_DAYS - 20)).div_euclid(7) + 1).max(1) as usize;
    (t < scans).then_some(t)
}

/// The endpoint index encoded in the address `127.a.b.c` (see
/// [`estate::observation`]).
fn endpoint_index(leaf: &EndpointLeaf) -> usize {
    let octets: Vec<usize> = leaf
        .endpoint
        .address
        .split('.')
        .map(|o| o.parse().expect("octet"))
        .collect();
    (octets[1] << 16) | (octets[2] << 8) | octets[3]
}

/// The synthetic findings of scan `s`.
fn findings(leaves: &[EndpointLeaf], s: usize, mix: FindingMix) -> Vec<NewFinding> {
    let finding = |rule: usize, key: &str, kind: &str, certificate: Option<&str>| {
        let (id, severity, category) = RULES[rule];
        NewFinding {
            rule_id: id.to_string(),
            subject_key: key.to_string(),
            severity: severity.name().to_string(),
            subject_kind: kind.to_string(),
            certificate: certificate.map(str::to_string),
            message: format!("{id}: synthetic finding on {key}"),
            detail: serde_json::json!({
                "title": id, "label": "", "endpoints": [], "categories": [category],
            }),
        }
    };
    let churn = RULES.len() - 1;
    let mut out = Vec::new();
    for leaf in leaves {
        let j = endpoint_index(leaf);
        let slot = j % 100;
        if slot < mix.leaf_share {
            let sha = leaf.leaf_sha256.as_str();
            for rule in 0..mix.per_leaf.min(churn) {
                out.push(finding(rule, sha, "certificate", Some(sha)));
            }
        } else if slot < mix.leaf_share + mix.churn_share && (j / 100 + s) % 4 < 2 {
            let key = format!("{}:{}", leaf.endpoint.address, leaf.endpoint.port);
            out.push(finding(churn, &key, "endpoint", Some(&leaf.leaf_sha256)));
        }
    }
    out
}

/// `f(0..count)` on every core, in order.
fn parallel_map<T: Send>(count: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = count.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..count)
            .step_by(chunk)
            .map(|from| {
                let f = &f;
                scope.spawn(move || (from..(from + chunk).min(count)).map(f).collect::<Vec<T>>())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("signing thread"))
            .collect()
    })
}
