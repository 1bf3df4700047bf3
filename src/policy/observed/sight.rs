//! What the finding lifecycle needs of a scan's leaves, chains and
//! endpoints, folded chunk by chunk ([`ScanSight::fold`]) so that their
//! models need not be kept: the subjects' keys, the `(rule, key)` pairs
//! where a rule's `observed_when` does not hold, and, per endpoint, only
//! what tells whether a place was reached again (its names and whether its
//! chain was recorded as sent).

use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;

use super::bound_holds;
use crate::policy::expr::{Bindings, Expr};
use crate::policy::model::{ModelChunk, SubjectModels};
use crate::policy::subject::Subject;
use crate::policy::RuleSet;

/// The subjects of one kind of a scan: their keys, and where a rule's
/// `observed_when` does not hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubjectSight {
    /// Keys of the subjects.
    keys: HashSet<String>,
    /// `(rule, key)`: the rule's `observed_when` does not hold there.
    unmet: Unmet,
}

/// `(rule, subject key)` pairs where a rule's `observed_when` does not
/// hold.
type Unmet = HashSet<(String, String)>;

impl SubjectSight {
    /// Folds in the next `subjects` of a scan judged at `at`, with
    /// `rules`, binding each one to evaluate the conditions.
    pub fn add<S: Subject>(&mut self, subjects: &[S], rules: &RuleSet, at: OffsetDateTime) {
        unmet_by_binding(&mut self.unmet, subjects, rules, at);
        self.keys.extend(subjects.iter().map(Subject::key));
    }

    /// Folds in the next `subjects` of a scan with what their evaluation
    /// found unobserved (`(rule, key)`, [`Evaluation::unobserved`]): the
    /// same sight as [`SubjectSight::add`], without binding them again.
    ///
    /// [`Evaluation::unobserved`]: crate::policy::evaluate::Evaluation::unobserved
    pub fn fold<S: Subject>(&mut self, subjects: &[S], unobserved: Vec<(String, String)>) {
        self.keys.extend(subjects.iter().map(Subject::key));
        self.unmet.extend(unobserved);
    }

    /// `Some(observed)` for a subject of the scan; `None` when it is not.
    pub(super) fn observes(&self, rule: &str, key: &str) -> Option<bool> {
        let unmet = |r: &str| self.unmet.contains(&(r.to_string(), key.to_string()));
        self.keys.contains(key).then(|| !unmet(rule))
    }
}

/// Adds to `unmet` the `(rule, key)` pairs of `subjects` where a rule
/// about their kind has an `observed_when` that does not hold (or cannot
/// be evaluated), binding each subject once for all the conditions.
fn unmet_by_binding<S: Subject>(
    unmet: &mut Unmet,
    subjects: &[S],
    rules: &RuleSet,
    at: OffsetDateTime,
) {
    let now = crate::time_text::rfc3339(at);
    let conditional: Vec<(&str, &Expr)> = rules
        .rules()
        .iter()
        .filter(|r| r.subject == S::KIND)
        .filter_map(|r| Some((r.id.as_str(), r.observed_when.as_ref()?)))
        .collect();
    if conditional.is_empty() {
        return;
    }
    // one CEL environment for the chunk, each subject bound once for all
    // the conditions (binding converts the whole model)
    let bindings = Bindings::default();
    for subject in subjects {
        let bound = bindings.bind(S::KIND.name(), subject, &now).ok();
        for (rule, when) in &conditional {
            if !bound_holds(bound.as_ref(), when) {
                unmet.insert((rule.to_string(), subject.key()));
            }
        }
    }
}

/// What tells whether an endpoint was reached again with a name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Reach {
    /// The names tried there: served, or not served (sorted).
    pub names: Vec<String>,
    /// Its default chain is the leaf alone as a peer reported it.
    pub chain_leaf_only: bool,
}

/// The leaves, chains and endpoints of one scan as
/// [`Observation`](super::Observation) needs them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanSight {
    /// The leaves.
    pub(super) leaves: SubjectSight,
    /// The chains.
    pub(super) chains: SubjectSight,
    /// Each endpoint's reach, by key (`address:port`).
    pub(super) endpoints: HashMap<String, Reach>,
    /// `(rule, endpoint key)` where an endpoint rule's `observed_when`
    /// does not hold.
    pub(super) endpoints_unmet: Unmet,
}

impl ScanSight {
    /// The sight of every leaf, chain and endpoint model of `models`,
    /// judged at their time with `rules`, binding each one.
    pub fn of(models: &SubjectModels, rules: &RuleSet) -> ScanSight {
        let at = models.at.unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let mut sight = ScanSight::default();
        sight.leaves.add(&models.leaves, rules, at);
        sight.chains.add(&models.chains, rules, at);
        let (endpoints, unmet) = (&models.endpoints, &mut sight.endpoints_unmet);
        unmet_by_binding(unmet, endpoints, rules, at);
        sight.add_reach(endpoints);
        sight
    }

    /// Folds in the next chunk of a scan's models with what its
    /// evaluation found unobserved (`(rule, key)`,
    /// [`Evaluation::unobserved`]): the same sight as [`ScanSight::of`]
    /// over every model at once, whatever the chunks.
    ///
    /// [`Evaluation::unobserved`]: crate::policy::evaluate::Evaluation::unobserved
    pub fn fold(&mut self, chunk: &ModelChunk, unobserved: Vec<(String, String)>) {
        match chunk {
            ModelChunk::Leaves(leaves) => self.leaves.fold(leaves, unobserved),
            ModelChunk::Chains(chains) => self.chains.fold(chains, unobserved),
            ModelChunk::Endpoints(endpoints) => {
                self.endpoints_unmet.extend(unobserved);
                self.add_reach(&endpoints.models);
            }
        }
    }

    /// Notes the reach of `endpoints`.
    fn add_reach(&mut self, endpoints: &[crate::policy::model::EndpointModel]) {
        for e in endpoints {
            let mut names: Vec<String> = e.names.iter().chain(&e.not_served).cloned().collect();
            names.sort_unstable();
            names.dedup();
            let reach = Reach {
                names,
                chain_leaf_only: e.chain_leaf_only,
            };
            self.endpoints.insert(e.key(), reach);
        }
    }

    /// `Some(observed)` for an endpoint of the scan; `None` when it is
    /// not.
    pub(super) fn observes_endpoint(&self, rule: &str, key: &str) -> Option<bool> {
        let unmet = || {
            let pair = (rule.to_string(), key.to_string());
            self.endpoints_unmet.contains(&pair)
        };
        self.endpoints.contains_key(key).then(|| !unmet())
    }
}
