//! Evaluating a rule set over the subject models of a scan: each model is
//! serialised for CEL once and every rule of its kind runs over it, unless
//! the rule's `observed_when` says the subject's fields it reads were not
//! measured; large sets of subjects are split across threads. A rule that fails
//! at run time on one subject is recorded as an [`EvaluationError`]; the
//! other rules and subjects go on.

use serde::Serialize;
use time::OffsetDateTime;

use super::expr::Bindings;
use super::finding::{Finding, RuleParts, SubjectParts};
use super::model::{
    CaModel, ChainModel, EndpointModel, InventoryModel, LeafModel, ModelChunk, SubjectModels,
};
use super::subject::Subject;
use super::{Rule, RuleSet};

/// A rule that could not be evaluated on one subject.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvaluationError {
    /// The rule.
    pub rule: String,
    /// The subject key.
    pub subject: String,
    /// What went wrong.
    pub message: String,
}

/// Everything an evaluation produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Evaluation {
    /// The findings, by subject kind then model order.
    pub findings: Vec<Finding>,
    /// Rules that failed at run time.
    pub errors: Vec<EvaluationError>,
    /// `(rule, subject key)` wherever a rule's `observed_when` does not
    /// hold (or cannot be evaluated): the rule did not observe that
    /// subject. The finding lifecycle reads it to tell a fixed finding from
    /// an unmeasured one without binding the subject a second time.
    #[serde(skip)]
    pub unobserved: Vec<(String, String)>,
}

/// Evaluates every rule of `rules` over `models`.
pub fn evaluate(rules: &RuleSet, models: &SubjectModels) -> Evaluation {
    let at = models.at.unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let mut evaluation = evaluate_leaves(rules, &models.leaves, at);
    evaluation.absorb(evaluate_others(rules, models));
    evaluation
}

/// Evaluates the leaf rules of `rules` over `leaves` (a scan's leaf models,
/// or a chunk of them), judged at `at`: the leaf part of [`evaluate`].
pub fn evaluate_leaves(rules: &RuleSet, leaves: &[LeafModel], at: OffsetDateTime) -> Evaluation {
    in_parallel::<LeafModel>(rules, leaves, at)
}

/// Evaluates every rule of `rules` over the subjects of `models` other than
/// its leaves (CAs, chains, endpoints, the inventory): [`evaluate`] is
/// [`evaluate_leaves`] then this.
pub fn evaluate_others(rules: &RuleSet, models: &SubjectModels) -> Evaluation {
    let at = models.at.unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let chains = in_parallel::<ChainModel>(rules, &models.chains, at);
    let endpoints = in_parallel::<EndpointModel>(rules, &models.endpoints, at);
    evaluate_others_with(rules, models, (chains, endpoints))
}

/// [`evaluate_others`] with the chains and the endpoints evaluated
/// already (chunk by chunk, [`evaluate_chunk`], their evaluations absorbed
/// in model order): the CAs, then `chains`, `endpoints`, then the
/// inventory; the chain and endpoint models of `models` are not read.
pub fn evaluate_others_with(
    rules: &RuleSet,
    models: &SubjectModels,
    (chains, endpoints): (Evaluation, Evaluation),
) -> Evaluation {
    let at = models.at.unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let mut evaluation = in_parallel::<CaModel>(rules, &models.cas, at);
    evaluation.absorb(chains);
    evaluation.absorb(endpoints);
    let inventory = std::slice::from_ref(&models.inventory);
    evaluation.absorb(over::<InventoryModel>(rules, inventory, at));
    evaluation
}

/// Evaluates the rules of `rules` about the kind of `chunk` over its
/// models, judged at `at`: evaluating a kind's chunks one after the other
/// gives what evaluating all its models at once does, in the same order.
pub fn evaluate_chunk(rules: &RuleSet, chunk: &ModelChunk, at: OffsetDateTime) -> Evaluation {
    match chunk {
        ModelChunk::Leaves(leaves) => in_parallel::<LeafModel>(rules, leaves, at),
        ModelChunk::Chains(chains) => in_parallel::<ChainModel>(rules, chains, at),
        ModelChunk::Endpoints(endpoints) => {
            in_parallel::<EndpointModel>(rules, &endpoints.models, at)
        }
    }
}

impl Evaluation {
    /// Appends what `other` found.
    pub fn absorb(&mut self, other: Evaluation) {
        self.findings.extend(other.findings);
        self.errors.extend(other.errors);
        self.unobserved.extend(other.unobserved);
    }
}

/// [`over`] on chunks of `subjects`, one thread per available core.
fn in_parallel<S: Subject>(rules: &RuleSet, subjects: &[S], at: OffsetDateTime) -> Evaluation {
    let parts = crate::parallel::chunked(subjects, 512, |part| over(rules, part, at));
    let mut evaluation = Evaluation::default();
    for part in parts {
        evaluation.absorb(part);
    }
    evaluation
}

/// Runs the rules about `S` over each subject.
pub fn over<S: Subject>(rules: &RuleSet, subjects: &[S], at: OffsetDateTime) -> Evaluation {
    let applicable: Vec<&Rule> = rules
        .rules()
        .iter()
        .filter(|r| r.subject == S::KIND)
        .collect();
    let mut evaluation = Evaluation::default();
    if applicable.is_empty() {
        return evaluation;
    }
    let shared: Vec<RuleParts> = applicable.iter().map(|r| RuleParts::of(r)).collect();
    let bindings = Bindings::default();
    let now = crate::time_text::rfc3339(at);
    for subject in subjects {
        let bound = match bindings.bind(S::KIND.name(), subject, &now) {
            Ok(bound) => bound,
            Err(error) => {
                let message = error.to_string();
                let error = |rule: &&Rule| EvaluationError {
                    rule: rule.id.clone(),
                    subject: subject.key(),
                    message: message.clone(),
                };
                evaluation.errors.extend(applicable.iter().map(error));
                let conditional = applicable.iter().filter(|r| r.observed_when.is_some());
                let unobserved = conditional.map(|r| (r.id.clone(), subject.key()));
                evaluation.unobserved.extend(unobserved);
                continue;
            }
        };
        let date = subject.dated(at);
        // made on the subject's first finding, shared by the others
        let mut parts: Option<SubjectParts> = None;
        for (rule, rule_parts) in applicable.iter().zip(&shared) {
            // a rule whose `observed_when` does not hold (or cannot be
            // evaluated) did not observe the subject: it has nothing to say
            // about it, neither a finding nor its absence
            if let Some(when) = &rule.observed_when {
                if !bound.condition(when).unwrap_or(false) {
                    evaluation.unobserved.push((rule.id.clone(), subject.key()));
                    continue;
                }
            }
            if !rule.applies_on(date) {
                continue;
            }
            match bound.condition(&rule.condition) {
                Ok(true) => {
                    let parts = parts.get_or_insert_with(|| SubjectParts::of(subject));
                    let finding = Finding::new(rule, rule_parts, parts, &bound);
                    evaluation.findings.push(finding);
                }
                Ok(false) => {}
                Err(error) => evaluation.errors.push(EvaluationError {
                    rule: rule.id.clone(),
                    subject: subject.key(),
                    message: error.to_string(),
                }),
            }
        }
    }
    evaluation
}
