//! Findings for a stored scan: build the subject models, evaluate the
//! rules, store the findings, and track them across the timeline of
//! complete scans (evaluating earlier scans that have none stored yet).

use std::io::{self, Write};

use time::Date;

use super::listings::{open, pick_record};
use super::recording::InventoryContext;
use super::{stdout_error, AppError, RunStatus};
use crate::cli::{policy::policy_request, FindingsArgs, PolicyRequest};
use crate::clock::Clock;
use crate::inventory::store::{ScanRecord, Store};
use crate::policy::digests::{digest_parts, PolicyDigests};
use crate::policy::disappearance::disappearance;
use crate::policy::evaluate::{self, Evaluation};
use crate::policy::exceptions::exception_for;
use crate::policy::lifecycle::{self, Disappearance, Previous, Timeline, TrackedFinding};
use crate::policy::model::{self, Judgement, SubjectModels};
use crate::policy::observed::Observation;
use crate::policy::{Finding, RuleSet, Severity};
use crate::report::findings as present;

/// `certatlas findings`.
pub fn findings(args: FindingsArgs, clock: Clock) -> Result<RunStatus, AppError> {
    let (store, context, config) = open(&args.store)?;
    let policy = policy_request(&args.policy, config.as_ref())?;
    let record = pick_record(&store, args.scan)?;
    let mut tracked = track(&store, &record, &context, &policy, clock.now().date())?.findings;
    let status = gate(&tracked, policy.fail_on);
    if let Some(minimum) = args.severity {
        tracked.retain(|t| t.finding.severity >= minimum);
    }
    present::write_findings(&mut io::stdout().lock(), args.format, &tracked)
        .map_err(stdout_error)?;
    Ok(status)
}

/// Exit status for `fail_on`: failed when an active finding reaches it.
pub(super) fn gate(tracked: &[TrackedFinding], fail_on: Option<Severity>) -> RunStatus {
    let failing = fail_on.is_some_and(|threshold| {
        tracked
            .iter()
            .any(|t| t.is_active() && t.finding.severity >= threshold)
    });
    if failing {
        RunStatus::Failed
    } else {
        RunStatus::Complete
    }
}

/// Builds the models of one stored scan.
pub(super) fn scan_models(
    store: &Store,
    scan: &ScanRecord,
    context: &InventoryContext,
) -> Result<SubjectModels, AppError> {
    let judgement = Judgement {
        trust: &context.trust,
        owners: &context.owners,
        approved_anchors: context.approved_anchors,
    };
    Ok(model::from_store(store, scan, &judgement)?)
}

/// Evaluates the rules over the models of one scan.
pub(super) fn evaluate_models(rules: &RuleSet, models: &SubjectModels) -> Evaluation {
    let evaluation = evaluate::evaluate(rules, models);
    for error in evaluation.errors.iter().take(20) {
        tracing::warn!(
            "rule {} on {}: {}",
            error.rule,
            error.subject,
            error.message
        );
    }
    evaluation
}

/// Evaluates `scan` and stores its findings, replacing earlier ones, with
/// the digests of the policy; returns them with the scan's models.
fn evaluate_and_store(
    store: &Store,
    scan: &ScanRecord,
    context: &InventoryContext,
    rules: &RuleSet,
    digests: &PolicyDigests,
) -> Result<(Vec<Finding>, SubjectModels), AppError> {
    let models = scan_models(store, scan, context)?;
    let evaluation = evaluate_models(rules, &models);
    let stored: Vec<_> = evaluation.findings.iter().map(Finding::to_stored).collect();
    let count = rules.rules().len() as u64;
    store.record_findings(scan.id, rules.digest(), count, &stored, &digests.to_json())?;
    Ok((evaluation.findings, models))
}

/// The digests of each part of the policy `track` judges with.
fn policy_digests(policy: &PolicyRequest, context: &InventoryContext) -> PolicyDigests {
    let exceptions: Vec<String> = policy.exceptions.iter().map(|e| format!("{e:?}")).collect();
    PolicyDigests {
        rules: policy.rules.digest().to_string(),
        anchors: context.anchors_digest.clone(),
        owners: context.owners_digest.clone(),
        exceptions: digest_parts(&exceptions),
        profile: policy.profile.digest.clone(),
    }
}

/// What the previous scan left open, and why what is absent now went: the
/// policy changed (its findings judged again under the current policy) or
/// the current scan observed their subjects (`models`).
fn previous_and_gone(
    store: &Store,
    previous: Option<&ScanRecord>,
    context: &InventoryContext,
    policy: &PolicyRequest,
    digests: &PolicyDigests,
    models: &SubjectModels,
) -> Result<(Previous, Disappearance), AppError> {
    let Some(previous) = previous else {
        return Ok((Previous::default(), Disappearance::default()));
    };
    let findings = store.findings(previous.id)?;
    let left = Previous::from_stored(&findings, &store.outcomes(previous.id)?);
    let recorded = store.finding_run(previous.id)?.map(|run| run.policy);
    let then = PolicyDigests::from_json(&recorded.unwrap_or_default());
    let changes = digests.changed_since(&then);
    let again = match changes.is_empty() {
        true => None,
        false => {
            let models = scan_models(store, previous, context)?;
            Some(evaluate_models(&policy.rules, &models).findings)
        }
    };
    let now = Observation::new(models, &policy.rules);
    let gone = disappearance(&left, changes, again.as_deref(), &policy.rules, &now);
    Ok((left, gone))
}

/// A scan's findings tracked across the timeline, with what tracking read
/// that scoring needs too.
pub(super) struct Tracked {
    /// The findings with their history and exceptions.
    pub findings: Vec<TrackedFinding>,
    /// The scan's models.
    pub models: SubjectModels,
}

/// The findings of `scan` with their history and exceptions, and the
/// scan's models. Earlier judged scans (complete, shard scans left out:
/// their cycle scans stand for them) without stored findings are evaluated
/// first. A shard scan is refused: it is judged through its cycle.
pub(super) fn track(
    store: &Store,
    scan: &ScanRecord,
    context: &InventoryContext,
    policy: &PolicyRequest,
    today: Date,
) -> Result<Tracked, AppError> {
    super::cycles::require_judged(store, scan.id)?;
    let earlier: Vec<ScanRecord> = store
        .judged_scans()?
        .into_iter()
        .filter(|s| s.id < scan.id)
        .collect();
    let mut timeline: Timeline = earlier.iter().map(|s| (s.id, s.started_at)).collect();
    timeline.insert(scan.id, scan.started_at);
    let digests = policy_digests(policy, context);
    for old in &earlier {
        if store.finding_run(old.id)?.is_none() {
            evaluate_and_store(store, old, context, &policy.rules, &digests)?;
        }
    }
    let (current, models) = evaluate_and_store(store, scan, context, &policy.rules, &digests)?;
    let (previous, gone) =
        previous_and_gone(store, earlier.last(), context, policy, &digests, &models)?;
    let presence = store.finding_presence(scan.id)?;
    let mut tracked = lifecycle::track(scan.id, current, previous, &gone, &presence, &timeline);
    let outcomes: Vec<_> = tracked.iter().filter_map(|t| t.to_outcome()).collect();
    store.record_outcomes(scan.id, &outcomes)?;
    for t in &mut tracked {
        t.exception = exception_for(&t.finding, &policy.exceptions, today);
    }
    Ok(Tracked {
        findings: tracked,
        models,
    })
}

/// Prints the one-line findings summary after a scan.
pub(super) fn print_summary(out: &mut dyn Write, tracked: &[TrackedFinding]) -> io::Result<()> {
    writeln!(
        out,
        "{}  (details: certatlas findings)",
        present::summary_line(tracked)
    )
}
