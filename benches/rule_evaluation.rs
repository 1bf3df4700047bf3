//! Rule evaluation benchmark (run with `cargo bench --bench rule_evaluation`).
//!
//! Imports distinct leaf certificates (one intermediate, each leaf served
//! by its own endpoint) into a fresh inventory, then times, in a fresh
//! process (this binary again, on the built database, so that its peak RSS
//! from `wait4` is that of judging rather than of the setup), what
//! `certatlas findings` does for that scan: building every subject model
//! from the store (graph, classes, owners, relations), evaluating the
//! built-in rules over them, and storing the findings. First, the endpoint,
//! leaf and chain models are built and evaluated chunk by chunk without
//! being kept (as the judging stage does: `model::from_store_in_chunks`),
//! and the peak RSS of that alone is printed; then the whole models are
//! built and kept (as for the judged scan, whose models scoring reads).
//! Nothing touches the network.
//!
//! Last, in another fresh process, the whole judgement `certatlas findings`
//! makes in memory (`Judge::judge_streaming`: models, rules, finding
//! lifecycle, metrics and the score, each tracked finding handed on and
//! counted, none kept) is timed with its own peak RSS.
//! `RULES_BENCH_DB=<file>` builds the database there and keeps it, or, when
//! the file exists, skips the setup (one size only).
//!
//! Sizes: 100,000 certificates by default; `CERTATLAS_BENCH_CERTIFICATES=N`
//! runs N instead (e.g. 20000 for a quick look), and
//! `CERTATLAS_BENCH_MILLION=1` adds 1,000,000 (generating and importing a
//! million certificates takes about 5 minutes on the 2-core machine, the
//! whole judgement about 7 and 6.7 GB). From 500,000 leaves on, the phase
//! that keeps every model (about 20 GB at a million) is left out unless
//! `CERTATLAS_BENCH_KEEP_ALL=1`.

use std::path::Path;
use std::time::Instant;

use certatlas::clock::Clock;
use certatlas::inventory::ca::TrustContext;
use certatlas::inventory::owners::OwnerRules;
use certatlas::judge::{InventoryContext, Judge, Persist};
use certatlas::policy::evaluate::{evaluate, evaluate_chunk, evaluate_others};
use certatlas::policy::model::{self, Judgement, ModelChunk};
use certatlas::policy::RuleSet;
use certatlas::store::{ScanId, Store};
use time::OffsetDateTime;

#[path = "support/child.rs"]
mod child;
#[path = "support/estate.rs"]
mod estate;

/// The argument that makes this binary time judging of a built database.
const TIME_ARG: &str = "--time-rules";
/// From this many leaves on, the phase that keeps every model (whole-scan
/// reads, every model built and kept, every finding held and stored) is
/// left out unless `CERTATLAS_BENCH_KEEP_ALL=1`.
const KEEP_ALL_UP_TO: usize = 500_000;
/// The argument that makes this binary time the whole judgement.
const JUDGE_ARG: &str = "--time-judge";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == TIME_ARG) {
        time_rules(Path::new(&args[at + 1]));
        return;
    }
    if let Some(at) = args.iter().position(|a| a == JUDGE_ARG) {
        time_judge(Path::new(&args[at + 1]));
        return;
    }
    for size in estate::bench_sizes() {
        run(size);
    }
}

/// Builds an inventory of `size` certificates and times judging it in a
/// child process.
fn run(size: usize) {
    println!("== {size} certificates");
    let dir = tempfile::tempdir().expect("tempdir");
    let db = std::env::var_os("RULES_BENCH_DB")
        .map_or_else(|| dir.path().join("bench.db"), std::path::PathBuf::from);
    if db.exists() {
        println!("reusing {} (RULES_BENCH_DB)", db.display());
    } else {
        build(&db, size);
    }
    for (arg, what) in [
        (TIME_ARG, "building and evaluating"),
        (JUDGE_ARG, "the whole judgement of"),
    ] {
        let started = Instant::now();
        let exe = std::env::current_exe().expect("current exe");
        // Reaped by wait4 below (which also yields the peak RSS), not by Child.
        #[allow(clippy::zombie_processes)]
        let child = std::process::Command::new(exe)
            .arg(arg)
            .arg(&db)
            .spawn()
            .expect("spawn the timing process");
        let rss_kib = child::wait_rss(child.id() as libc::pid_t, "timing process");
        println!(
            "{what} {size} certificates: {:.1} s in all, peak RSS {:.0} MB (wait4 of the timing process)",
            started.elapsed().as_secs_f64(),
            rss_kib as f64 / 1024.0
        );
    }
}

/// Generates `size` certificates and imports them as one scan into a new
/// database at `db`.
fn build(db: &Path, size: usize) {
    let started = Instant::now();
    let (intermediate, leaves) = estate::generate_certificates(size);
    println!(
        "generated {} certificates in {:.2} s",
        leaves.len() + 1,
        started.elapsed().as_secs_f64()
    );
    let store = Store::open(db).expect("open store");
    let at = OffsetDateTime::now_utc();
    estate::import(&store, "import", at, &intermediate, &leaves, size);
}
/// Times building, evaluating and storing for the one scan of `db`.
fn time_rules(db: &Path) {
    let store = Store::open(db).expect("open store");
    let scan = store
        .latest_scan(true)
        .expect("latest scan")
        .expect("a complete scan")
        .id;
    let rules = RuleSet::builtin().expect("built-in rules");
    let record = store.scan(scan).expect("scan").expect("stored");
    let trust = TrustContext::new(Vec::new(), Vec::new(), true);
    let owners = OwnerRules::new();
    let distrust = certatlas::policy::distrust::DistrustList::builtin().expect("distrust data");
    let judgement = Judgement {
        trust: &trust,
        owners: &owners,
        approved_anchors: 0,
        distrust: &distrust,
    };
    let started = Instant::now();
    let (mut leaves, mut findings) = (0, 0);
    let at = record.started_at;
    let chunk = model::LEAF_CHUNK;
    let (mut chains, mut endpoints) = (0, 0);
    let others = model::from_store_in_chunks(&store, &record, &judgement, chunk, |part| {
        match &part {
            ModelChunk::Leaves(l) => leaves += l.len(),
            ModelChunk::Chains(c) => chains += c.len(),
            ModelChunk::Endpoints(e) => endpoints += e.models.len(),
        }
        findings += evaluate_chunk(&rules, &part, at).findings.len();
    })
    .expect("models");
    println!(
        "  built: the CA and inventory models ({} CAs) hold RSS {}; peak RSS so far {} \
         ({endpoints} endpoint, {leaves} leaf and {chains} chain models evaluated a chunk at a \
         time, their findings counted and dropped)",
        others.cas.len(),
        estate::rss("VmRSS:"),
        estate::rss("VmHWM:")
    );
    findings += evaluate_others(&rules, &others).findings.len();
    println!(
        "streamed: {leaves} leaf, {chains} chain and {endpoints} endpoint models built and \
         evaluated {chunk} at a time, not kept, with the other models: {findings} findings in \
         {:.2} s; peak RSS so far {}",
        started.elapsed().as_secs_f64(),
        estate::rss("VmHWM:")
    );
    drop(others);
    // every model kept takes about 20 MB per 1,000 leaves: at a million,
    // more than this 24 GB machine has
    let keep_all = std::env::var_os("CERTATLAS_BENCH_KEEP_ALL").is_some_and(|v| v != "0");
    if leaves >= KEEP_ALL_UP_TO && !keep_all {
        println!(
            "kept: not run at {leaves} leaves (every model kept would take about {} GB; \
             CERTATLAS_BENCH_KEEP_ALL=1 runs it)",
            leaves / 50_000
        );
        return;
    }
    time_reads(&store, scan, &trust);
    let started = Instant::now();
    let models = model::from_store(&store, &record, &judgement).expect("models");
    let build_s = started.elapsed().as_secs_f64();
    println!(
        "models: {} leaves, {} CAs, {} chains, {} endpoints built from the store in {build_s:.2} s; \
         peak RSS so far {}",
        models.leaves.len(),
        models.cas.len(),
        models.chains.len(),
        models.endpoints.len(),
        estate::rss("VmHWM:")
    );
    let started = Instant::now();
    let evaluation = evaluate(&rules, &models);
    let evaluate_s = started.elapsed().as_secs_f64();
    println!(
        "evaluated {} rules in {evaluate_s:.2} s ({:.0} leaves/s): {} findings, {} evaluation errors; \
         peak RSS so far {}",
        rules.rules().len(),
        models.leaves.len() as f64 / evaluate_s,
        evaluation.findings.len(),
        evaluation.errors.len(),
        estate::rss("VmHWM:")
    );
    let started = Instant::now();
    store
        .record_findings_of(
            scan,
            rules.digest(),
            rules.rules().len() as u64,
            &evaluation.findings,
            &serde_json::json!({}),
        )
        .expect("record");
    let store_s = started.elapsed().as_secs_f64();
    println!(
        "stored the findings in {store_s:.2} s; total {:.2} s; peak RSS {}",
        build_s + evaluate_s + store_s,
        estate::rss("VmHWM:")
    );
}

/// Times the whole in-memory judgement of the one scan of `db`, as
/// `certatlas findings` makes it.
fn time_judge(db: &Path) {
    let store = Store::open(db).expect("open store");
    let record = store
        .latest_scan(true)
        .expect("latest scan")
        .expect("a complete scan");
    let context = InventoryContext::new(None, Vec::new()).expect("context");
    let policy = certatlas::cli::policy::builtin().expect("built-in rules and profile");
    let judge = Judge {
        store: &store,
        context: &context,
        policy: &policy,
        clock: Clock::starting_at(record.started_at),
        persist: Persist::InMemory,
    };
    let started = Instant::now();
    // each tracked finding counted as it comes, as a command that writes
    // them out takes them (`Judge::judge` would collect them)
    let (mut findings, mut active) = (0u64, 0u64);
    let mut sink = |t: certatlas::policy::lifecycle::TrackedFinding| {
        findings += 1;
        active += u64::from(t.is_active());
    };
    let keep = certatlas::judge::ModelRetention::Fold;
    let judged = judge
        .judge_streaming(record, certatlas::judge::LEAF_CHUNK, keep, &mut sink)
        .expect("judged");
    println!(
        "judged in memory in {:.2} s: {findings} findings tracked ({active} active) and handed \
         on one by one, {} leaf models kept, score {:?}; peak RSS {}",
        started.elapsed().as_secs_f64(),
        judged.models.leaves.len(),
        judged.card.overall_value,
        estate::rss("VmHWM:")
    );
}

/// The whole-scan reads and a CA graph over every certificate, as the
/// `inventory` command makes them (judging reads a page at a time and
/// builds the graph over the certificates that can issue): for comparison.
fn time_reads(store: &Store, scan: ScanId, trust: &TrustContext) {
    let started = Instant::now();
    let leaves = store.endpoint_leaves(scan).expect("leaves");
    let certificates = store.certificates_in_scan(scan).expect("certificates");
    let observations = store
        .observations_without_chains(scan)
        .expect("observations");
    println!(
        "  reads: {} endpoint leaves, {} certificates, {} observations in {:.2} s; RSS {}",
        leaves.len(),
        certificates.len(),
        observations.len(),
        started.elapsed().as_secs_f64(),
        estate::rss("VmRSS:")
    );
    let started = Instant::now();
    let graph = certatlas::inventory::view::graph(&certificates, trust);
    println!(
        "  CA graph ({} nodes, issuer links confirmed by signature) in {:.2} s; RSS {}",
        graph.len(),
        started.elapsed().as_secs_f64(),
        estate::rss("VmRSS:")
    );
}
