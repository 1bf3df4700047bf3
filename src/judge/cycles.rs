//! Shard scans and their cycles, as the app sees them: the scope key that
//! tells which shard scans belong together, recording a shard scan's part,
//! completing a cycle when a shard scan finishes (with the cycle scan's
//! combined run summary and the line printed about it), and refusing to
//! judge a shard scan on its own.
//!
//! A shard scan covers 1/N of its scope: its findings timeline would mark
//! the other shards' findings fixed and its coverage would be of 1/N of the
//! estate, so it is never evaluated or scored. The cycle scan made from all
//! N shards is judged instead, exactly like an unsharded scan.

use super::JudgeError;
use crate::scan::options::ProbeOptions;
use crate::scan::summary::ScanSummary;
use crate::store::{Cycle, CycleProgress, ScanId, ScanRecord, ShardPart, Store};
use crate::targets::Shard;

/// The recorded options that shape what a scan covers and how; timeouts
/// (tuned per network segment) and the shard itself are left out.
const SCOPE_OPTIONS: [&str; 9] = [
    "ports",
    "exclude",
    "sni",
    "resolve",
    "starttls",
    "versions",
    "all_certs",
    "sni_discover",
    "legacy_fallback",
];

/// The SHA-256 (hex) of a scan's scope: its targets as written and the
/// [`SCOPE_OPTIONS`] (lists of targets, exclusions and SNI names sorted).
pub fn scope_key(targets: &[String], options: &serde_json::Value) -> String {
    let mut scope = serde_json::Map::new();
    scope.insert("targets".into(), sorted(serde_json::json!(targets)));
    for name in SCOPE_OPTIONS {
        let value = options.get(name).cloned().unwrap_or_default();
        scope.insert(name.into(), sorted(value));
    }
    let text = serde_json::Value::Object(scope).to_string();
    crate::certs::sha256_hex(text.as_bytes())
}

/// An array of strings sorted (order does not change a scope); other
/// values as they are.
fn sorted(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Array(mut items) if items.iter().all(|i| i.is_string()) => {
            items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            serde_json::Value::Array(items)
        }
        other => other,
    }
}

/// The part a `scan --shard K/N` of `targets` (as written) with `options`
/// (the request's JSON options) covers; `None` when unsharded.
pub fn shard_part(
    shard: Option<Shard>,
    targets: &[String],
    options: &serde_json::Value,
) -> Option<ShardPart> {
    let shard = shard?;
    Some(ShardPart {
        scope_key: scope_key(targets, options),
        shard: shard.number(),
        count: shard.count(),
    })
}

/// The part a scan of `targets` with the recorded `options` covers (an
/// imported scan's, from its file's header); `None` when unsharded.
pub fn shard_part_of(targets: &[String], options: &ProbeOptions) -> Option<ShardPart> {
    let shard = Shard::parse(options.shard.as_deref()?).ok()?;
    Some(ShardPart {
        scope_key: scope_key(targets, &options.to_json()),
        shard: shard.number(),
        count: shard.count(),
    })
}

/// What to do after a shard scan completed.
pub enum CycleStep {
    /// The cycle is complete: judge `scan` (the new cycle scan).
    Judge {
        /// The cycle scan.
        scan: ScanId,
        /// The line to print.
        note: String,
    },
    /// Nothing to judge yet (or another scanner judges it).
    Wait {
        /// The line to print.
        note: String,
    },
}

/// Completes the cycle of the complete shard scan `scan` if every part is
/// in; a new cycle scan gets its members' summaries combined.
pub fn complete(store: &Store, scan: ScanId, part: &ShardPart) -> Result<CycleStep, JudgeError> {
    let stored = format!("shard {}/{} stored (scan {scan})", part.shard, part.count);
    match store.complete_cycle(scan, part, env!("CARGO_PKG_VERSION"))? {
        CycleProgress::Made(cycle) => {
            let summary = combined_summary(store, &cycle)?;
            let summary = serde_json::to_value(summary).unwrap_or_default();
            store.set_scan_summary(cycle.scan, &summary)?;
            Ok(CycleStep::Judge {
                scan: cycle.scan,
                note: made_note(&cycle),
            })
        }
        CycleProgress::AlreadyMade(cycle) => Ok(CycleStep::Wait {
            note: format!(
                "{stored}; its cycle was already completed as scan {} (by another scanner)",
                cycle.scan
            ),
        }),
        CycleProgress::Waiting { count, present } => Ok(CycleStep::Wait {
            note: format!(
                "{stored}; cycle has {} of {count} shards in; findings and scores wait for the rest",
                present.len()
            ),
        }),
    }
}

/// `cycle complete: shards 1-4 (scans 3, 4, 5, 6) -> scan 7`.
fn made_note(cycle: &Cycle) -> String {
    let members: Vec<String> = cycle.members.iter().map(ScanId::to_string).collect();
    format!(
        "cycle complete: shards 1-{} (scans {}) -> scan {}",
        cycle.count,
        members.join(", "),
        cycle.scan
    )
}

/// The members' run summaries added up; distinct leaves counted over the
/// cycle scan itself (a leaf served in two shards counts once).
fn combined_summary(store: &Store, cycle: &Cycle) -> Result<ScanSummary, JudgeError> {
    let record = store
        .scan(cycle.scan)?
        .ok_or(JudgeError::Vanished(cycle.scan))?;
    let mut total = empty_summary(&record);
    for member in &cycle.members {
        let summary = store.scan(*member)?.and_then(|r| r.summary);
        let Some(part) = summary.and_then(|s| serde_json::from_value::<ScanSummary>(s).ok()) else {
            continue;
        };
        total.targets_dispatched += part.targets_dispatched;
        total.observations += part.observations;
        total.chains_captured += part.chains_captured;
        for (reason, count) in part.outcomes {
            *total.outcomes.entry(reason).or_default() += count;
        }
    }
    // the compact table: 33 bytes a leaf, no views (a leaf without a chain
    // counts once, as its empty SHA-256 text did)
    let table = store.endpoint_leaf_table(cycle.scan, crate::policy::model::LEAF_CHUNK)?;
    let mut leaves: Vec<_> = (0..table.len()).map(|k| table.leaf_sha(k)).collect();
    leaves.sort_unstable();
    leaves.dedup();
    total.distinct_leaves = leaves.len() as u64;
    Ok(total)
}

/// A complete summary with the cycle scan's times and no counts yet.
fn empty_summary(record: &ScanRecord) -> ScanSummary {
    ScanSummary {
        schema_version: crate::observation::SCHEMA_VERSION,
        tool_version: record.tool_version.clone(),
        started_at: record.started_at,
        finished_at: record.finished_at.unwrap_or(record.started_at),
        complete: true,
        targets_dispatched: 0,
        observations: 0,
        chains_captured: 0,
        distinct_leaves: 0,
        outcomes: Default::default(),
        options_change: None,
    }
}

/// Errors unless `scan` is judged on its own: a shard scan's findings and
/// score are its cycle scan's.
pub fn require_judged(store: &Store, scan: ScanId) -> Result<(), JudgeError> {
    let Some(part) = store.shard_part(scan)? else {
        return Ok(());
    };
    let cycle = match store.scan_roles()?.remove(&scan) {
        Some(crate::store::ScanRole::Shard { cycle: Some(c), .. }) => Some(c),
        _ => None,
    };
    Err(JudgeError::ShardScan {
        scan,
        shard: part.shard,
        count: part.count,
        cycle,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scope_key_ignores_the_shard_timeouts_and_target_order() {
        let options = |shard: &str, timeout: u64| {
            serde_json::json!({"ports": [443], "shard": shard, "timeout_ms": timeout,
                "exclude": [], "sni": [], "starttls": "ByPort"})
        };
        let targets = vec!["127.3.0.0/24".to_string(), "127.3.1.0/24".to_string()];
        let reversed: Vec<String> = targets.iter().rev().cloned().collect();
        let key = scope_key(&targets, &options("1/4", 3000));
        assert_eq!(key, scope_key(&reversed, &options("3/4", 9000)));
        let mut other_ports = options("1/4", 3000);
        other_ports["ports"] = serde_json::json!([8443]);
        assert_ne!(key, scope_key(&targets, &other_ports));
        assert_ne!(key, scope_key(&targets[..1], &options("1/4", 3000)));
    }
}
