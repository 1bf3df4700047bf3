//! Findings for a stored scan: build the subject models, evaluate the
//! rules, and track the findings across the timeline of judged scans
//! (evaluating earlier scans that have none stored yet), a model chunk at
//! a time: each chunk's findings are stored (with [`Persist::Record`]),
//! tracked and handed on before the next chunk is built (`tracking`), and
//! then what the previous scan left open is read back a page at a time and
//! tracked as gone. A scan's findings are never all held.

use super::tracking::{FactFold, FindingStream, UnstoredPresence};
use super::{Judge, JudgeError, ModelRetention, Persist};
use crate::policy::digests::{digest_parts, PolicyDigests};
use crate::policy::evaluate::{self, Evaluation};
use crate::policy::lifecycle::{key_of, FindingStatus, LeftOpen, Timeline, Tracker};
use crate::policy::lifecycle::{FindingCounts, TrackedFinding, Went};
use crate::policy::model::{self, Judgement, ModelChunk, SubjectModels};
use crate::policy::observed::{Observation, ScanSight};
use crate::policy::presence::KeyDigest;
use crate::policy::StoredParts;
use crate::policy::{Finding, RuleSet};
use crate::scoring::metrics::{self, LeafTally, ScanHistory};
use crate::scoring::FindingFact;
use crate::store::{NewFinding, ScanRecord, StoreError};

/// Evaluates the rules over the models of one scan, logging the first
/// rule errors.
pub fn evaluate_models(rules: &RuleSet, models: &SubjectModels) -> Evaluation {
    let evaluation = evaluate::evaluate(rules, models);
    log_errors(&evaluation);
    evaluation
}

/// Logs the first rule errors of `evaluation`.
fn log_errors(evaluation: &Evaluation) {
    log_first(evaluation, 20);
}

/// Logs the first `count` rule errors of `evaluation`.
fn log_first(evaluation: &Evaluation, count: usize) {
    for error in evaluation.errors.iter().take(count) {
        tracing::warn!(
            "rule {} on {}: {}",
            error.rule,
            error.subject,
            error.message
        );
    }
}

/// A scan's findings tracked across the timeline, folded: what the score
/// reads of them, and what tracking read that scoring needs too (each
/// finding went to the caller's sink).
pub(super) struct Tracked {
    /// The present findings as scoring sees them.
    pub facts: Vec<FindingFact>,
    /// The findings counted by status and severity.
    pub counts: FindingCounts,
    /// The scan's models (leaf, chain and endpoint models only with
    /// [`ModelRetention::Keep`]).
    pub models: SubjectModels,
    /// The scan's leaves and endpoints as the metrics need them.
    pub tally: LeafTally,
    /// The scan's leaves as the inventory summary needs them.
    pub summary: super::summary::SummaryFold,
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
    /// them, endpoint, leaf and chain models `chunk` at a time, each chunk
    /// handed to `each` with its evaluation, then the CAs and the
    /// inventory in one last evaluation (also to `each`, without a chunk).
    /// Returns the models without leaves, chains or endpoints. Rule errors
    /// are logged as [`evaluate_models`] logs them (the first 20). The
    /// findings are those of [`evaluate_models`] over
    /// [`model::from_store`] whatever `chunk`: endpoint, leaf and chain
    /// chunks come in that order, each kind in model order.
    pub(super) fn evaluate_scan(
        &self,
        scan: &ScanRecord,
        chunk: usize,
        mut each: impl FnMut(Option<ModelChunk>, Evaluation),
    ) -> Result<SubjectModels, JudgeError> {
        let rules = &self.policy.rules;
        let at = scan.started_at;
        let judgement = self.judgement();
        let mut logged = 0;
        let mut log = |evaluation: &Evaluation| {
            let room = 20usize.saturating_sub(logged);
            log_first(evaluation, room);
            logged += evaluation.errors.len().min(room);
        };
        let models = model::from_store_in_chunks(self.store, scan, &judgement, chunk, |part| {
            let evaluation = evaluate::evaluate_chunk(rules, &part, at);
            log(&evaluation);
            each(Some(part), evaluation);
        })?;
        let others = evaluate::evaluate_others_with(rules, &models, Default::default());
        log(&others);
        each(None, others);
        Ok(models)
    }

    /// Evaluates `scan`, an earlier scan without stored findings: with
    /// [`Persist::Record`] stores its findings a chunk at a time, with the
    /// digests of the policy; otherwise notes where they are present in
    /// `unstored`.
    fn evaluate_unstored(
        &self,
        scan: &ScanRecord,
        digests: &PolicyDigests,
        chunk: usize,
        unstored: &mut UnstoredPresence,
    ) -> Result<(), JudgeError> {
        let rules = &self.policy.rules;
        let record = self.persist == Persist::Record;
        if record {
            self.store.clear_findings(scan.id)?;
        }
        let (mut stored, mut failed) = (0u64, None::<StoreError>);
        self.evaluate_scan(scan, chunk, |_, evaluation| {
            let findings = evaluation.findings;
            if !record {
                findings.iter().for_each(|f| unstored.add(scan.id, f));
            } else if failed.is_none() {
                stored += findings.len() as u64;
                let appended = self.store.append_findings(scan.id, &findings);
                failed = appended.err();
            }
        })?;
        if let Some(error) = failed {
            return Err(error.into());
        }
        if record {
            let run = (rules.digest(), rules.rules().len() as u64, stored);
            self.store
                .finish_findings(scan.id, run, &digests.to_json())?;
        }
        Ok(())
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

    /// The keys of what the scan `previous` left open: its stored findings
    /// and those unobserved at it.
    fn left_open(&self, previous: Option<&ScanRecord>) -> Result<LeftOpen, JudgeError> {
        let Some(previous) = previous else {
            return Ok(LeftOpen::default());
        };
        let run = self.store.finding_run(previous.id)?;
        let mut keys = Vec::with_capacity(run.map_or(0, |r| r.findings as usize));
        let key = |f: &NewFinding| KeyDigest::of(&f.rule_id, &f.subject_key);
        self.store
            .each_finding(previous.id, &mut |stored| keys.push(key(&stored.finding)))?;
        let unobserved = Some(FindingStatus::Unobserved.name());
        self.store
            .each_outcome(previous.id, unobserved, &mut |o| keys.push(key(&o.finding)))?;
        Ok(LeftOpen::new(keys))
    }

    /// Tracks as gone what the scan `previous` left open and the current
    /// scan does not have, `chunk` at a time: withdrawn when the policy
    /// changed since `previous` was evaluated and, judged again under the
    /// current policy, it no longer yields the finding there; fixed when
    /// the current scan observed its subject (`now`); unobserved
    /// otherwise.
    fn track_gone(
        &self,
        previous: &ScanRecord,
        digests: &PolicyDigests,
        now: &Observation<'_>,
        chunk: usize,
        stream: &mut FindingStream<'_>,
    ) -> Result<(), JudgeError> {
        let store = self.store;
        let rules = &self.policy.rules;
        let recorded = store.finding_run(previous.id)?.map(|run| run.policy);
        let then = PolicyDigests::from_json(&recorded.unwrap_or_default());
        let changes = digests.changed_since(&then);
        if !changes.is_empty() {
            let left = stream.tracker.left();
            self.evaluate_scan(previous, chunk, |_, again| {
                again
                    .findings
                    .iter()
                    .for_each(|f| left.still_yielded(key_of(f)));
            })?;
        }
        let changed = !changes.is_empty();
        let previous_time = stream.tracker.previous_time();
        let mut shared = StoredParts::default();
        // the previous scan's findings, then those unobserved at it
        let page = chunk.max(1);
        let read = |from: Option<(&str, &str)>| store.findings_page(previous.id, from, page);
        by_pages(
            read,
            |s| &s.finding,
            |found| {
                let mut candidates = Vec::new();
                for stored in &found {
                    let Some(f) = Finding::from_stored_sharing(&stored.finding, &mut shared) else {
                        continue;
                    };
                    let key = key_of(&f);
                    if !stream.tracker.is_gone(key) {
                        continue;
                    }
                    let status = match () {
                        _ if changed && !stream.tracker.left().is_still_yielded(key) => {
                            FindingStatus::Withdrawn
                        }
                        _ if now.observes(&f) => FindingStatus::Fixed,
                        _ => FindingStatus::Unobserved,
                    };
                    let went = Went {
                        status,
                        last_observed: previous_time,
                        policy_changes: &changes,
                    };
                    candidates.push((f, went));
                }
                stream.gone(candidates)
            },
        )?;
        let read = |from: Option<(&str, &str)>| store.unobserved_page(previous.id, from, page);
        by_pages(
            read,
            |o| &o.finding,
            |found| {
                let mut candidates = Vec::new();
                for outcome in &found {
                    let Some(f) = Finding::from_stored_sharing(&outcome.finding, &mut shared)
                    else {
                        continue;
                    };
                    if !stream.tracker.is_gone(key_of(&f)) {
                        continue;
                    }
                    // a carried unobserved finding is withdrawn when its rule
                    // is no longer in the rule set
                    let status = match () {
                        _ if changed && rules.get(&f.rule).is_none() => FindingStatus::Withdrawn,
                        _ if now.observes(&f) => FindingStatus::Fixed,
                        _ => FindingStatus::Unobserved,
                    };
                    let went = Went {
                        status,
                        last_observed: Some(outcome.last_observed.unwrap_or(outcome.open_since)),
                        policy_changes: &changes,
                    };
                    candidates.push((f, went));
                }
                stream.gone(candidates)
            },
        )?;
        Ok(())
    }

    /// Tracks the findings of `scan` across the timeline, handing each to
    /// `sink` with its history and exception, and returns what scoring
    /// reads of them with the scan's models (leaf, chain and endpoint
    /// models only with [`ModelRetention::Keep`]; they are folded into the
    /// tally and the sight of the scan as they are built). Earlier judged
    /// scans (complete, shard scans left out: their cycle scans stand for
    /// them) without stored findings are evaluated first. Callers pass
    /// judged scans only (`judge` checks; `backfill` reads
    /// `judged_scans`). With [`Persist::Record`] the findings and the
    /// outcomes of those gone are stored a slice at a time, replacing
    /// earlier ones.
    pub(super) fn track(
        &self,
        scan: &ScanRecord,
        chunk: usize,
        keep: ModelRetention,
        sink: &mut dyn FnMut(TrackedFinding),
        on_chunk: &mut dyn FnMut(&ModelChunk),
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
        let mut unstored = UnstoredPresence::default();
        for old in &earlier {
            if self.store.finding_run(old.id)?.is_none() {
                self.evaluate_unstored(old, &digests, chunk, &mut unstored)?;
            }
        }
        let previous = earlier.last();
        let left = self.left_open(previous)?;
        let record = self.persist == Persist::Record;
        if record {
            self.store.clear_findings(scan.id)?;
            self.store.clear_outcomes(scan.id)?;
        }
        let rules = &self.policy.rules;
        let mut stream = FindingStream {
            store: self.store,
            scan: scan.id,
            timeline: &timeline,
            unstored: &unstored,
            tracker: Tracker::new(scan.id, &timeline, left),
            record,
            exceptions: &self.policy.exceptions,
            today: self.clock.now().date(),
            stored: 0,
            facts: FactFold::default(),
            counts: FindingCounts::default(),
            sink,
        };
        let mut tally = self.leaf_tally(scan)?;
        let mut summary = super::summary::SummaryFold::at(self.clock.now());
        // what the scan observed is asked only of a previous scan's findings
        let mut sight = previous.map(|_| ScanSight::new(rules));
        let mut kept = SubjectModels::default();
        let mut failed = None::<StoreError>;
        let mut models = self.evaluate_scan(scan, chunk, |part, mut evaluation| {
            if let Some(part) = part {
                tally.add_chunk(&part);
                summary.add_chunk(&part);
                on_chunk(&part);
                if let Some(sight) = &mut sight {
                    sight.fold(&part, std::mem::take(&mut evaluation.unobserved));
                }
                if keep == ModelRetention::Keep {
                    kept.keep(part);
                }
            }
            if failed.is_none() {
                failed = stream.current(evaluation.findings).err();
            }
        })?;
        if let Some(error) = failed {
            return Err(error.into());
        }
        if record {
            let run = (rules.digest(), rules.rules().len() as u64, stream.stored);
            self.store
                .finish_findings(scan.id, run, &digests.to_json())?;
        }
        if let (Some(previous), Some(sight)) = (previous, sight) {
            let now = Observation::with_sight(&models, rules, sight);
            self.track_gone(previous, &digests, &now, chunk, &mut stream)?;
        }
        models.take_kept(kept);
        Ok(Tracked {
            counts: stream.counts,
            facts: stream.facts.finish(),
            models,
            tally,
            summary,
        })
    }
}

/// Reads rows by rule and subject a page at a time (`read` gives the page
/// after a key, from the first with `None`; an empty page ends it), each
/// page handed to `each` before the next is read: the keyset paging of the
/// previous scan's findings and of its unobserved outcomes.
fn by_pages<T>(
    mut read: impl FnMut(Option<(&str, &str)>) -> Result<Vec<T>, StoreError>,
    finding: impl Fn(&T) -> &NewFinding,
    mut each: impl FnMut(Vec<T>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut after: Option<(String, String)> = None;
    loop {
        let from = after.as_ref().map(|(r, k)| (r.as_str(), k.as_str()));
        let page = read(from)?;
        let Some(last) = page.last().map(&finding) else {
            return Ok(());
        };
        after = Some((last.rule_id.clone(), last.subject_key.clone()));
        each(page)?;
    }
}
