//! Scoring a stored scan: gathering its history from the store (complete
//! scans, the window's events, finding presence, endpoint reach), turning
//! exceptions into exclusions and findings into facts, running the pure
//! scoring function, and storing the card (schema v3); and `certatlas
//! score` (the card, `--history`, `--ladders`).

use std::collections::BTreeMap;
use std::io;

use time::{Date, OffsetDateTime};

use super::findings::{track, Tracked};
use super::listings::{open, pick_record};
use super::recording::InventoryContext;
use super::{stdout_error, AppError, RunStatus};
use crate::cli::policy::policy_request;
use crate::cli::settings::store_request;
use crate::cli::{PolicyArgs, PolicyRequest, ScoreArgs, StoreArgs};
use crate::clock::Clock;
use crate::config::ExceptionTarget;
use crate::inventory::store::{ScanId, ScanRecord, ScanStatus, Store};
use crate::policy::lifecycle::TrackedFinding;
use crate::policy::model::SubjectModels;
use crate::report::audit::TrendPoint;
use crate::report::score as present;
use crate::scoring::metrics::{self, Exclusions, MetricInput, ScanHistory};
use crate::scoring::{self, FindingFact, ScoreCard};

/// How many missed endpoints a score lists.
const MISSED_LIMIT: usize = 50;

/// Scores `scan` from its models and tracked findings, and stores the card.
pub(super) fn score_scan(
    store: &Store,
    scan: &ScanRecord,
    tracked: &mut Tracked,
    policy: &PolicyRequest,
    today: Date,
) -> Result<ScoreCard, AppError> {
    let window_days = policy.profile.window_days;
    let history = ScanHistory::from_store(store, scan.id, window_days, MISSED_LIMIT)?;
    let depth = history.depth();
    let exclusions = exclusions(policy, today);
    let input = MetricInput {
        models: &tracked.models,
        history: &history,
        exclusions: &exclusions,
        window_days: policy.profile.window_days,
    };
    let metrics = metrics::compute(&input);
    let facts = finding_facts(&tracked.findings);
    let card = scoring::score(
        &metrics,
        &facts,
        &policy.profile,
        depth,
        policy.claims.as_ref(),
    );
    store.record_score(scan.id, &card.to_stored())?;
    Ok(card)
}

/// Exceptions in force on `today` that cover every rule take their subject
/// out of the denominators.
fn exclusions(policy: &PolicyRequest, today: Date) -> Exclusions {
    let mut exclusions = Exclusions::default();
    let in_force = policy
        .exceptions
        .iter()
        .filter(|e| e.rules.is_empty() && e.review.is_none_or(|review| review >= today));
    for exception in in_force {
        match &exception.what {
            ExceptionTarget::Certificate { sha256 } => {
                exclusions.certificates.insert(sha256.clone());
            }
            ExceptionTarget::Endpoint { host, port } => {
                exclusions
                    .endpoints
                    .insert((host.to_ascii_lowercase(), *port));
            }
        }
    }
    exclusions
}

/// The findings present in the scan (fixed, withdrawn and unobserved ones
/// left out) as scoring sees them.
fn finding_facts(tracked: &[TrackedFinding]) -> Vec<FindingFact> {
    tracked
        .iter()
        .filter(|t| t.status.is_present())
        .map(|t| FindingFact {
            rule: t.finding.rule.clone(),
            severity: t.finding.severity,
            categories: t.finding.categories.clone(),
            active: t.is_active(),
        })
        .collect()
}

/// Every scored scan up to `up_to`, oldest first, with its start time and
/// card: the stored scores and the scan list, each read once.
pub(super) fn scored_history(
    store: &Store,
    up_to: ScanId,
) -> Result<Vec<(ScanId, OffsetDateTime, ScoreCard)>, AppError> {
    let times: BTreeMap<ScanId, OffsetDateTime> = store
        .scans()?
        .into_iter()
        .map(|s| (s.id, s.started_at))
        .collect();
    Ok(store
        .scores()?
        .into_iter()
        .filter(|s| s.scan <= up_to)
        .filter_map(|s| {
            let at = *times.get(&s.scan)?;
            Some((s.scan, at, serde_json::from_value(s.card).ok()?))
        })
        .collect())
}

/// The trend points of a scored history.
pub(super) fn trend_of(history: &[(ScanId, OffsetDateTime, ScoreCard)]) -> Vec<TrendPoint> {
    history
        .iter()
        .map(|(scan, at, card)| TrendPoint::of(*scan, *at, card))
        .collect()
}

/// `certatlas score`.
pub fn score(args: ScoreArgs, clock: Clock) -> Result<RunStatus, AppError> {
    let mut out = io::stdout().lock();
    if args.ladders {
        let config = store_request(&args.store)?.config;
        let profile = crate::cli::policy::profile(config.as_ref())?;
        present::write_ladders(&mut out, args.format, &profile).map_err(stdout_error)?;
        return Ok(RunStatus::Complete);
    }
    let scored = scored_scan(&args.store, &args.policy, args.scan, clock)?;
    if args.history {
        let trend = trend_of(&scored_history(&scored.store, scored.record.id)?);
        present::write_history(&mut out, args.format, &trend).map_err(stdout_error)?;
    } else {
        present::write_score(&mut out, args.format, &scored.card).map_err(stdout_error)?;
    }
    Ok(RunStatus::Complete)
}

/// A scan scored afresh, with what went into it.
pub(super) struct Scored {
    /// The store.
    pub store: Store,
    /// The scan.
    pub record: ScanRecord,
    /// Its models.
    pub models: SubjectModels,
    /// Its findings, tracked.
    pub findings: Vec<TrackedFinding>,
    /// Its card (now stored).
    pub card: ScoreCard,
    /// The rules, profile and claims used.
    pub policy: PolicyRequest,
}

/// Opens the store, re-evaluates the rules over the chosen scan (default:
/// the latest complete one), scores it and stores the card.
pub(super) fn scored_scan(
    store_args: &StoreArgs,
    policy_args: &PolicyArgs,
    scan: Option<i64>,
    clock: Clock,
) -> Result<Scored, AppError> {
    let (store, context, config) = open(store_args)?;
    let policy = policy_request(policy_args, config.as_ref())?;
    let record = pick_record(&store, scan)?;
    let id = record.id;
    if record.status != ScanStatus::Complete {
        let status = record.status.as_str();
        return Err(AppError::Inventory(format!(
            "scan {id} is {status}: only complete scans are scored"
        )));
    }
    super::cycles::require_judged(&store, id)?;
    let today = clock.now().date();
    backfill(&store, &context, &policy, id, today)?;
    let mut tracked = track(&store, &record, &context, &policy, today)?;
    let card = score_scan(&store, &record, &mut tracked, &policy, today)?;
    let (findings, models) = (tracked.findings, tracked.models);
    Ok(Scored {
        store,
        record,
        models,
        findings,
        card,
        policy,
    })
}

/// Scores, oldest first, the judged scans (complete; shard scans left out)
/// before `before` that have no stored score yet (made before scores
/// existed, or cycle scans whose scanner stopped before scoring), so that
/// the trend and
/// the report's previous scan are complete. They are scored with the
/// current rules and profile.
fn backfill(
    store: &Store,
    context: &InventoryContext,
    policy: &PolicyRequest,
    before: ScanId,
    today: Date,
) -> Result<(), AppError> {
    let earlier = store.judged_scans()?.into_iter().filter(|s| s.id < before);
    for record in earlier {
        if !store.has_score(record.id)? {
            let mut tracked = track(store, &record, context, policy, today)?;
            score_scan(store, &record, &mut tracked, policy, today)?;
        }
    }
    Ok(())
}
