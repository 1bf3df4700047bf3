//! Findings for a stored scan: build the subject models, evaluate the
//! rules, store the findings (with [`Persist::Record`]), and track them
//! across the timeline of judged scans (evaluating earlier scans that have
//! none stored yet).

use super::{Judge, JudgeError, ModelRetention, Persist};
use crate::policy::digests::{digest_parts, PolicyDigests};
use crate::policy::disappearance::{disappearance, PreviousBuilder};
use crate::policy::evaluate::{self, ChunkEvaluations, Evaluation};
use crate::policy::exceptions::exception_for;
use crate::policy::lifecycle::{self, Disappearance, Previous, Timeline, TrackedFinding};
use crate::policy::model::{self, Judgement, ModelChunk, SubjectModels};
use crate::policy::observed::{Observation, ScanSight};
use crate::policy::presence::Presence;
use crate::policy::{Finding, RuleSet, Severity};
use crate::scoring::metrics::{self, LeafTally, ScanHistory};
use crate::store::{ScanId, ScanRecord};

/// True when an active finding reaches `fail_on` (`--fail-on`).
pub fn fails(tracked: &[TrackedFinding], fail_on: Option<Severity>) -> bool {
    fail_on.is_some_and(|threshold| {
        tracked
            .iter()
            .any(|t| t.is_active() && t.finding.severity >= threshold)
    })
}

/// Evaluates the rules over the models of one scan, logging the first
/// rule errors.
pub fn evaluate_models(rules: &RuleSet, models: &SubjectModels) -> Evaluation {
    let evaluation = evaluate::evaluate(rules, models);
    log_errors(&evaluation);
    evaluation
}

/// Logs the first rule errors of `evaluation`.
fn log_errors(evaluation: &Evaluation) {
    for error in evaluation.errors.iter().take(20) {
        tracing::warn!(
            "rule {} on {}: {}",
            error.rule,
            error.subject,
            error.message
        );
    }
}

/// A scan's findings tracked across the timeline, with what tracking read
/// that scoring needs too.
pub(super) struct Tracked {
    /// The findings with their history and exceptions.
    pub findings: Vec<TrackedFinding>,
    /// The scan's models (leaf, chain and endpoint models only with
    /// [`ModelRetention::Keep`]).
    pub models: SubjectModels,
    /// The scan's leaves and endpoints as the metrics need them.
    pub tally: LeafTally,
}

impl Judge<'_> {
    /// What the scan's certificates are judged against.
    fn judgement(&self) -> Judgement<'_> {
        Judgement {
            trust: &self.context.trust,
            owners: &self.context.owners,
            approved_anchors: self.context.approved_anchors,
            distrust: self.policy.rules.distrust(),
        }
    }

    /// Builds the models of one stored scan and evaluates the rules over
    /// them, endpoint, leaf and chain models `chunk` at a time; each chunk
    /// goes to `each` once evaluated, with the `(rule, key)` pairs its
    /// evaluation found unobserved (the returned models have no leaves,
    /// chains or endpoints, the returned evaluation none of their
    /// unobserved pairs). Rule errors are logged as [`evaluate_models`]
    /// logs them. The findings are those of [`evaluate_models`] over
    /// [`model::from_store`], in the same order, whatever `chunk`.
    pub(super) fn evaluate_scan(
        &self,
        scan: &ScanRecord,
        chunk: usize,
        mut each: impl FnMut(ModelChunk, Vec<(String, String)>),
    ) -> Result<(Evaluation, SubjectModels), JudgeError> {
        let rules = &self.policy.rules;
        let at = scan.started_at;
        let mut chunks = ChunkEvaluations::default();
        let judgement = self.judgement();
        let models = model::from_store_in_chunks(self.store, scan, &judgement, chunk, |part| {
            let unobserved = chunks.evaluate(rules, &part, at);
            each(part, unobserved);
        })?;
        let evaluation = chunks.finish(rules, &models);
        log_errors(&evaluation);
        Ok((evaluation, models))
    }

    /// Evaluates `scan`, handing its model chunks to `each`; with
    /// [`Persist::Record`] stores its findings, replacing earlier ones,
    /// with the digests of the policy. Returns them with the scan's models
    /// (without leaves, chains or endpoints).
    fn evaluate(
        &self,
        scan: &ScanRecord,
        digests: &PolicyDigests,
        chunk: usize,
        each: impl FnMut(ModelChunk, Vec<(String, String)>),
    ) -> Result<(Vec<Finding>, SubjectModels), JudgeError> {
        let rules = &self.policy.rules;
        let (evaluation, models) = self.evaluate_scan(scan, chunk, each)?;
        if self.persist == Persist::Record {
            let count = rules.rules().len() as u64;
            let policy = digests.to_json();
            let findings = &evaluation.findings;
            self.store
                .record_findings_of(scan.id, rules.digest(), count, findings, &policy)?;
        }
        Ok((evaluation.findings, models))
    }

    /// An empty tally of `scan`'s leaves for the metrics: exceptions in
    /// force today left out, new leaves told by the profile's window over
    /// the judged scans up to it.
    fn leaf_tally(&self, scan: &ScanRecord) -> Result<LeafTally, JudgeError> {
        let profile = &self.policy.profile;
        let mut history = ScanHistory::timeline(self.store, scan.id)?;
        history.min_interval = profile.min_scan_interval();
        let exclusions = self.policy.exclusions(self.clock.now().date());
        Ok(metrics::leaf_tally(
            &history,
            &exclusions,
            profile.window_days,
        ))
    }

    /// The digests of each part of the policy this judgement uses.
    fn policy_digests(&self) -> PolicyDigests {
        let (policy, context) = (self.policy, self.context);
        let exceptions: Vec<String> = policy.exceptions.iter().map(|e| format!("{e:?}")).collect();
        PolicyDigests {
            rules: policy.rules.digest().to_string(),
            anchors: context.anchors_digest.clone(),
            owners: context.owners_digest.clone(),
            exceptions: digest_parts(&exceptions),
            profile: policy.profile.digest.clone(),
        }
    }

    /// What the previous scan left open, and why what is absent now went:
    /// the policy changed (its findings judged again under the current
    /// policy) or the current scan observed their subjects (`models`, its
    /// leaves, chains and endpoints in `sight`).
    fn previous_and_gone(
        &self,
        previous: Option<&ScanRecord>,
        digests: &PolicyDigests,
        (models, sight): (&SubjectModels, ScanSight),
        chunk: usize,
    ) -> Result<(Previous, Disappearance), JudgeError> {
        let Some(previous) = previous else {
            return Ok((Previous::default(), Disappearance::default()));
        };
        let store = self.store;
        let mut left = PreviousBuilder::default();
        store.each_finding(previous.id, &mut |stored| left.finding(&stored))?;
        let left = left.finish(&store.outcomes(previous.id)?);
        let recorded = store.finding_run(previous.id)?.map(|run| run.policy);
        let then = PolicyDigests::from_json(&recorded.unwrap_or_default());
        let changes = digests.changed_since(&then);
        let again = match changes.is_empty() {
            true => None,
            false => Some(self.evaluate_scan(previous, chunk, |_, _| ())?.0.findings),
        };
        let rules = &self.policy.rules;
        let now = Observation::with_sight(models, rules, sight);
        let gone = disappearance(&left, changes, again.as_deref(), rules, &now);
        Ok((left, gone))
    }

    /// The findings of `scan` with their history and exceptions, and the
    /// scan's models (leaf, chain and endpoint models only with
    /// [`ModelRetention::Keep`]; they are folded into the tally and the sight
    /// of the scan as they are built). Earlier judged scans (complete, shard scans left
    /// out: their cycle scans stand for them) without stored findings are
    /// evaluated first. Callers pass judged scans only (`judge` checks;
    /// `backfill` reads `judged_scans`).
    pub(super) fn track(
        &self,
        scan: &ScanRecord,
        chunk: usize,
        keep: ModelRetention,
    ) -> Result<Tracked, JudgeError> {
        let earlier: Vec<ScanRecord> = self
            .store
            .judged_scans()?
            .into_iter()
            .filter(|s| s.id < scan.id)
            .collect();
        let mut timeline: Timeline = earlier.iter().map(|s| (s.id, s.started_at)).collect();
        timeline.insert(scan.id, scan.started_at);
        let digests = self.policy_digests();
        let mut unstored = Vec::new();
        for old in &earlier {
            if self.store.finding_run(old.id)?.is_none() {
                let (findings, _) = self.evaluate(old, &digests, chunk, |_, _| ())?;
                unstored.push((old.id, findings));
            }
        }
        let mut tally = self.leaf_tally(scan)?;
        let mut sight = ScanSight::new(&self.policy.rules);
        let mut kept = SubjectModels::default();
        let (current, mut models) = self.evaluate(scan, &digests, chunk, |part, unobserved| {
            tally.add_chunk(&part);
            sight.fold(&part, unobserved);
            if keep == ModelRetention::Keep {
                kept.keep(part);
            }
        })?;
        let now = (&models, sight);
        let (previous, gone) = self.previous_and_gone(earlier.last(), &digests, now, chunk)?;
        models.take_kept(kept);
        let wanted = lifecycle::wanted(&current, &previous);
        let mut presence = Presence::new(scan.id, &timeline, wanted);
        let mut add = |at: ScanId, rule: &str, key: &str| presence.add(at, rule, key);
        self.store.each_finding_presence(scan.id, &mut add)?;
        if self.persist == Persist::InMemory {
            // what the store would hold had the earlier scans' findings
            // evaluated here been stored (the current scan's are not
            // presence before it)
            for (at, findings) in &unstored {
                for f in findings {
                    presence.add(*at, &f.rule, &f.subject_key);
                }
            }
        }
        let mut tracked =
            lifecycle::track_with(scan.id, current, previous, &gone, &presence, &timeline);
        if self.persist == Persist::Record {
            let outcomes: Vec<_> = tracked.iter().filter_map(|t| t.to_outcome()).collect();
            self.store.record_outcomes(scan.id, &outcomes)?;
        }
        let today = self.clock.now().date();
        for t in &mut tracked {
            t.exception = exception_for(&t.finding, &self.policy.exceptions, today);
        }
        Ok(Tracked {
            findings: tracked,
            models,
            tally,
        })
    }
}
