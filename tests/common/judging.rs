//! Stored scans made by hand and judged in memory, for the tests that
//! compare one way of judging with another (`chunked_judging`,
//! `chunked_reads`): TLS observations of given chains written through the
//! store's writer, and a judgement with the built-in rules and profile on a
//! fixed clock, leaf models `chunk` at a time.

use certatlas::clock::Clock;
use certatlas::judge::{InventoryContext, Judge, Judged, ModelRetention, Persist, PolicyRequest};
use certatlas::observation::{Observation, Outcome, SniSource, TlsSession};
use certatlas::store::{ScanId, ScanMeta, Store};
use time::OffsetDateTime;

/// A completed TLS observation of `address:443` at `at`, serving `chain`
/// (leaf first) under TLS 1.3, without SNI: callers change what they need.
pub fn tls_observation(address: &str, at: OffsetDateTime, chain: Vec<Vec<u8>>) -> Observation {
    let mut observation: Observation = serde_json::from_value(serde_json::json!({
        "host": address, "address": address, "port": 443,
        "started_at": "2026-06-08T12:00:00Z", "duration_ms": 2.5, "status": "tls",
    }))
    .expect("observation JSON");
    observation.sni_source = SniSource::None;
    observation.started_at = at;
    observation.outcome = Outcome::Tls;
    observation.tls = Some(TlsSession {
        version: Some("TLSv1.3".into()),
        cipher_suite: Some("TLS13_AES_128_GCM_SHA256".into()),
        handshake_complete: true,
        ..TlsSession::default()
    });
    observation.chain_der = chain;
    observation
}

/// Stores one complete scan of `target` started at `at` holding
/// `observations`.
pub fn store_scan(
    store: &Store,
    target: &str,
    at: OffsetDateTime,
    observations: impl IntoIterator<Item = Observation>,
) -> ScanId {
    let meta = ScanMeta {
        started_at: at,
        targets: vec![target.into()],
        options: serde_json::json!({}),
        tool_version: "test".into(),
    };
    let scan = store.begin_scan(&meta).expect("begin scan");
    let writer = store.writer(scan).expect("writer");
    for observation in observations {
        writer.write(observation).expect("write");
    }
    writer.finish().expect("finish writer");
    store
        .finish_scan(scan, true, &serde_json::json!({}))
        .expect("finish scan");
    scan
}

/// The built-in rules and maturity profile, no exceptions or claims.
pub fn builtin_policy() -> PolicyRequest {
    certatlas::cli::policy::builtin().expect("built-in rules and profile")
}

/// Judges `scan` in memory on a clock at `at` with `context`, leaf models
/// `chunk` at a time, kept or folded as `keep` says.
pub fn judge(
    store: &Store,
    context: &InventoryContext,
    scan: ScanId,
    at: OffsetDateTime,
    (chunk, keep): (usize, ModelRetention),
) -> Judged {
    let policy = builtin_policy();
    let judge = Judge {
        store,
        context,
        policy: &policy,
        clock: Clock::starting_at(at),
        persist: Persist::InMemory,
    };
    let record = store.scan(scan).expect("read scan").expect("scan");
    judge.judge_in_chunks(record, chunk, keep).expect("judged")
}
