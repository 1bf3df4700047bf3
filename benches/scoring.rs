//! Scoring benchmark (run with `cargo bench --bench scoring`).
//!
//! Builds a history of N distinct leaves on N endpoints (100,000 by default;
//! `CERTATLAS_BENCH_CERTIFICATES=N` for another size,
//! `CERTATLAS_BENCH_MILLION=1` adds 1,000,000) over 12 (`SCORING_SCANS`)
//! complete scans a week apart (fixed clock from 2026-06-01), about 1 % of
//! the endpoints switching to a renewed leaf each week, with change events
//! recorded as `app::recording::analyse` records them and synthetic
//! findings stored for every scan (see `support/timeline.rs`). Then it times
//! what certatlas does to score the last scan once its findings are in:
//! the history reads of `app::score::scan_history` (complete scans, the
//! window's events, endpoint reach; finding presence is no longer read
//! whole: tracking looks up each slice's keys), `metrics::compute`,
//! `scoring::score` and `store.record_score`. Building the scan's models is
//! timed separately: at the end of a scan the rule evaluation has already
//! built them. The timing runs in a fresh process (this binary again, on
//! the built database), so its peak RSS is that of the models and scoring
//! rather than the setup's; the parent prints that process's peak RSS from
//! `wait4`. When the same run built the database, that figure can be the
//! setup's (Linux carries a process's peak RSS across `exec`, and the
//! child starts as a copy of the parent): the timing process's own
//! `VmHWM` ("peak so far") is then the figure; reusing the database
//! (`SCORING_BENCH_DB`) gives the two the same. It also times evaluating the built-in rules over the models.
//! Nothing touches the network. The 1,000,000 case stores 12 scans of a
//! million endpoints: its setup alone takes the better part of an hour on
//! the 2-core machine (`SCORING_SCANS=3` shortens it).
//!
//! `SCORING_FINDINGS_PER_LEAF` (default 2, at most 7) and
//! `SCORING_FINDING_SHARE` (percentage of leaves with them, default 30)
//! change the finding volume; the built-in rules give 7 findings per leaf
//! on this estate (`rule_evaluation`). `SCORING_BENCH_DB=<file>` builds the
//! database there and keeps it, or, when the file exists, skips the setup
//! and times scoring on it (one size only).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use certatlas::inventory::ca::TrustContext;
use certatlas::inventory::owners::OwnerRules;
use certatlas::policy::evaluate::{evaluate_chunk, evaluate_others};
use certatlas::policy::model::{self, Judgement, ModelChunk};
use certatlas::scoring::metrics::{self, Exclusions, MetricInput, ScanHistory};
use certatlas::scoring::{self, FindingFact};
use certatlas::store::{EventKind, ScanId, Store};
use time::macros::datetime;

#[path = "support/child.rs"]
mod child;
#[path = "support/estate.rs"]
#[allow(dead_code)]
mod estate;
#[path = "support/timeline.rs"]
mod timeline;

use timeline::{FindingMix, Timeline, RULES};

/// The argument that makes this binary time scoring of a built database.
const TIME_ARG: &str = "--time-scoring";
/// As `app::score::MISSED_LIMIT`.
const MISSED_LIMIT: usize = 50;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == TIME_ARG) {
        time_scoring(Path::new(&args[at + 1]));
        return;
    }
    for leaves in estate::bench_sizes() {
        run(leaves);
    }
}

/// Builds (or reuses) the history of `leaves` endpoints and times scoring
/// its last scan in a child process.
fn run(leaves: usize) {
    println!("== {leaves} leaves");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = std::env::var_os("SCORING_BENCH_DB")
        .map_or_else(|| dir.path().join("bench.db"), PathBuf::from);
    if db.exists() {
        println!("reusing {} (SCORING_BENCH_DB)", db.display());
    } else {
        build(&db, leaves);
    }
    // Scoring is timed in a fresh process: peak RSS then covers the
    // models and scoring, not the setup.
    let started = Instant::now();
    let exe = std::env::current_exe().expect("current exe");
    // Reaped by wait4 below (which also yields the peak RSS), not by Child.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(exe)
        .arg(TIME_ARG)
        .arg(&db)
        .spawn()
        .expect("run the timing process");
    let rss_kib = child::wait_rss(child.id() as libc::pid_t, "timing process");
    println!(
        "models, rules and scoring of {leaves} leaves: {:.1} s in all, peak RSS {:.0} MB \
         (wait4 of the timing process)",
        started.elapsed().as_secs_f64(),
        rss_kib as f64 / 1024.0
    );
}

/// Builds the history of `leaves` endpoints in a new database at `db`.
fn build(db: &Path, leaves: usize) {
    let scans = setting("SCORING_SCANS", 12).max(2);
    let mix = FindingMix {
        per_leaf: setting("SCORING_FINDINGS_PER_LEAF", 2).min(RULES.len() - 1),
        leaf_share: setting("SCORING_FINDING_SHARE", 30).min(90),
        churn_share: 10,
    };
    let setup = Instant::now();
    let started = Instant::now();
    let timeline = Timeline::generate(datetime!(2026-06-01 00:00 UTC), scans, leaves);
    println!(
        "generated {} leaves ({} renewals) in {:.2} s",
        leaves + timeline.renewed(),
        timeline.renewed(),
        started.elapsed().as_secs_f64()
    );
    let store = Store::open(db).expect("open store");
    let recorded = timeline.record(&store, mix);
    let events: Vec<String> = recorded
        .events
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    println!(
        "setup: {scans} scans of {leaves} endpoints, events: {}; {} finding rows \
         ({} per leaf on {} % of leaves, churn on {} % of endpoints) in {:.1} s",
        events.join(", "),
        recorded.findings,
        mix.per_leaf,
        mix.leaf_share,
        mix.churn_share,
        setup.elapsed().as_secs_f64()
    );
    let size = std::fs::metadata(store.path()).map_or(0, |m| m.len());
    println!("database size: {:.1} MiB", size as f64 / (1024.0 * 1024.0));
}

/// Times scoring the last scan of the database at `db`.
fn time_scoring(db: &Path) {
    let store = Store::open(db).expect("open store");
    let last = store
        .latest_scan(true)
        .expect("latest scan")
        .expect("a complete scan")
        .id;
    let started = Instant::now();
    let profile = scoring::ladder::load(&Default::default()).expect("ladders");
    println!(
        "ladders loaded in {:.3} s (window {} days)",
        started.elapsed().as_secs_f64(),
        profile.window_days
    );

    let record = store.scan(last).expect("scan").expect("stored");
    let trust = TrustContext::new(Vec::new(), Vec::new(), true);
    let owners = OwnerRules::new();
    let judgement = Judgement {
        trust: &trust,
        owners: &owners,
        approved_anchors: 0,
        distrust: &certatlas::policy::distrust::DistrustList::builtin().expect("distrust data"),
    };
    let rules = certatlas::policy::RuleSet::builtin().expect("built-in rules");
    let (history, reads) = scan_history(&store, last, profile.window_days);
    let exclusions = Exclusions::default();
    let mut tally = metrics::leaf_tally(&history, &exclusions, profile.window_days);
    let started = Instant::now();
    let (mut leaves, mut endpoints, mut findings) = (0, 0, 0);
    let at = record.started_at;
    let models =
        model::from_store_in_chunks(&store, &record, &judgement, model::LEAF_CHUNK, |part| {
            match &part {
                ModelChunk::Leaves(l) => leaves += l.len(),
                ModelChunk::Endpoints(e) => endpoints += e.models.len(),
                ModelChunk::Chains(_) => {}
            }
            findings += evaluate_chunk(&rules, &part, at).findings.len();
            tally.add_chunk(&part);
        })
        .expect("models");
    // the CAs and the inventory (the chunks' models are not in `models`)
    findings += evaluate_others(&rules, &models).findings.len();
    println!(
        "models of the last scan ({leaves} leaves, {endpoints} endpoints) built {} at a time, \
         the {} built-in rules evaluated over them ({findings} findings) and the leaves and \
         endpoints folded into the metrics' tally, no leaf, chain or endpoint model kept, in \
         {:.2} s (done by judging before scoring; not counted below); peak RSS {}",
        model::LEAF_CHUNK,
        rules.rules().len(),
        started.elapsed().as_secs_f64(),
        rss("VmHWM:")
    );
    let facts = facts(&store, last);

    let rss_before = rss("VmRSS:");
    let started = Instant::now();
    let input = MetricInput {
        models: &models,
        history: &history,
        exclusions: &exclusions,
        window_days: profile.window_days,
    };
    let metric_set = metrics::compute_with(&input, &tally);
    let metrics_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let depth = history.depth();
    let card = scoring::score(&metric_set, &facts, &profile, depth, None);
    let score_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    store
        .record_score(last, &card.to_stored())
        .expect("record score");
    let store_s = started.elapsed().as_secs_f64();
    // The steps scoring takes, without the breakdown's repeated reads.
    let total_s = reads.history_s + metrics_s + score_s + store_s;
    println!(
        "scoring {} leaves, {} scans: history {:.2} s ({} events; of it, measured again alone: \
         events {:.2} s, reach {:.2} s), metrics {metrics_s:.2} s, score {score_s:.3} s, store {store_s:.3} s; \
         total {total_s:.2} s; RSS before {rss_before}, peak so far (models included) {}",
        leaves,
        history.scans.len(),
        reads.history_s,
        history.events.len(),
        reads.events_s,
        reads.reach_s,
        rss("VmHWM:")
    );
    let value = card
        .overall_value
        .map_or_else(|| "none".to_string(), |v| format!("{v:.2}"));
    let reach = &history.reach;
    println!(
        "  card: overall {value}, {} categories, {} metrics; reach {} of {} endpoints",
        card.categories.len(),
        card.metrics.metrics.len(),
        reach.reached,
        reach.known
    );
    for id in [
        "renewal_lead_time",
        "late_renewals",
        "rekey_rate",
        "new_certificate_detection",
        "time_to_fix",
        "expired_in_window",
    ] {
        if let Some(m) = card.metrics.get(id) {
            let value = m
                .value
                .map_or_else(|| "-".to_string(), |v| format!("{v:.2}"));
            println!("  {id}: {value} ({} samples)", m.samples);
        }
    }
}

/// A `usize` from the environment, or `default`.
fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Times of the history reads.
struct Reads {
    /// `ScanHistory::from_store`: scans, window events, endpoint reach.
    history_s: f64,
    /// Breakdown, measured again by separate calls: window events.
    events_s: f64,
    /// Breakdown, measured again by separate calls: endpoint reach.
    reach_s: f64,
}

/// The history scoring reads, as the app reads it, timed; then the two
/// larger reads timed again on their own for the breakdown.
fn scan_history(store: &Store, scan: ScanId, window_days: i64) -> (ScanHistory, Reads) {
    let started = Instant::now();
    let history = ScanHistory::from_store(store, scan, window_days, MISSED_LIMIT).expect("history");
    let history_s = started.elapsed().as_secs_f64();
    let window: Vec<ScanId> = history.window(window_days).iter().map(|s| s.id).collect();
    let kinds = [
        EventKind::Renewal,
        EventKind::Rekey,
        EventKind::ExpiredInService,
    ];
    let started = Instant::now();
    store.events_in(&window, &kinds).expect("events");
    let events_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    store
        .endpoint_reach(&window, scan, MISSED_LIMIT)
        .expect("reach");
    let reach_s = started.elapsed().as_secs_f64();
    let reads = Reads {
        history_s,
        events_s,
        reach_s,
    };
    (history, reads)
}

/// The last scan's stored findings as scoring sees them (all active; at
/// the end of a scan they come from the tracked findings).
fn facts(store: &Store, scan: ScanId) -> Vec<FindingFact> {
    // streamed and folded into one fact per rule with a count, as the
    // judge folds a scan's findings: never every finding at once
    let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
    store
        .each_finding(scan, &mut |f| {
            *counts.entry(f.finding.rule_id).or_default() += 1;
        })
        .expect("findings");
    counts
        .into_iter()
        .filter_map(|(rule, count)| {
            let (_, severity, category) = RULES.iter().find(|(id, _, _)| *id == rule)?;
            Some(FindingFact {
                rule: rule.as_str().into(),
                severity: *severity,
                categories: vec![category.to_string()].into(),
                active: true,
                count,
            })
        })
        .collect()
}

/// A `kB` line of /proc/self/status (`VmRSS:`, `VmHWM:`) in MB, or `n/a`.
fn rss(field: &str) -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or_else(|| "n/a".to_string(), |kb| format!("{:.0} MB", kb / 1024.0))
}
