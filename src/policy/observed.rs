//! What a scan observed, per finding: whether the subject of an earlier
//! finding was seen again in a way that lets its rule speak. Only then can
//! the finding's absence be evidence that it was fixed; otherwise it is
//! `unobserved` (see [`lifecycle`](super::lifecycle)).
//!
//! A finding is observed when
//! - its subject (leaf, CA, chain or endpoint, by key) is in the scan's
//!   models and the rule's `observed_when` condition (default: true) holds
//!   on it: a rule that reads a field only some probe options measure
//!   (accepted versions, weak suites: `--versions`) says so there;
//! - or, for a leaf or chain no longer in the scan, one of the endpoints it
//!   was served at sent a certificate in this scan: it was replaced there;
//! - always for the `inventory` subject (every scan has one).

use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;

use super::expr::{Bindings, Bound, Expr};
use super::lifecycle::{key_of, FindingKey};
use super::model::{LeafModel, SubjectModels};
use super::subject::Subject;
use super::{Finding, RuleSet, SubjectKind};

/// The leaves of one scan as [`Observation`] needs them, folded chunk by
/// chunk ([`LeafSight::add`]) so that the leaf models need not be kept:
/// their keys, and the leaves on which a leaf rule's `observed_when` does
/// not hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeafSight {
    /// Keys of the scan's leaves.
    keys: HashSet<String>,
    /// `(rule, leaf key)`: the rule's `observed_when` does not hold there.
    unmet: HashSet<(String, String)>,
}

impl LeafSight {
    /// Folds in the next `leaves` of a scan judged at `at`, with `rules`.
    pub fn add(&mut self, leaves: &[LeafModel], rules: &RuleSet, at: OffsetDateTime) {
        let now = super::model::rfc3339(at);
        let conditional: Vec<(&str, &Expr)> = rules
            .rules()
            .iter()
            .filter(|r| r.subject == SubjectKind::Leaf)
            .filter_map(|r| Some((r.id.as_str(), r.observed_when.as_ref()?)))
            .collect();
        // one CEL environment for the chunk, each leaf bound once for all
        // the conditions (binding converts the whole model)
        let bindings = Bindings::default();
        for leaf in leaves {
            let key = leaf.key();
            if !conditional.is_empty() {
                let bound = bindings.bind(SubjectKind::Leaf.name(), leaf, &now).ok();
                for (rule, when) in &conditional {
                    if !bound_holds(bound.as_ref(), when) {
                        self.unmet.insert((rule.to_string(), key.clone()));
                    }
                }
            }
            self.keys.insert(key);
        }
    }

    /// Folds in the next `leaves` of a scan with what their evaluation
    /// found unobserved (`(rule, leaf key)`, [`Evaluation::unobserved`]):
    /// the same sight as [`LeafSight::add`], without binding the leaves
    /// again.
    ///
    /// [`Evaluation::unobserved`]: super::evaluate::Evaluation::unobserved
    pub fn fold(&mut self, leaves: &[LeafModel], unobserved: Vec<(String, String)>) {
        self.keys.extend(leaves.iter().map(|leaf| leaf.key()));
        self.unmet.extend(unobserved);
    }

    /// `Some(observed)` for a leaf of the scan; `None` when it is not.
    fn observes(&self, rule: &str, key: &str) -> Option<bool> {
        let unmet = |r: &str| self.unmet.contains(&(r.to_string(), key.to_string()));
        self.keys.contains(key).then(|| !unmet(rule))
    }
}

/// `when` on `subject` judged at `now` with `bindings` (true when there
/// is no condition; false when it cannot be evaluated: nothing shows the
/// field was measured).
fn holds<S: Subject>(bindings: &Bindings, when: Option<&Expr>, subject: &S, now: &str) -> bool {
    let Some(when) = when else {
        return true;
    };
    let bound = bindings.bind(S::KIND.name(), subject, now).ok();
    bound_holds(bound.as_ref(), when)
}

/// `when` on a subject already bound (`None`: it could not be bound, so
/// nothing shows the field was measured: false).
fn bound_holds(bound: Option<&Bound<'_>>, when: &Expr) -> bool {
    bound.is_some_and(|bound| bound.condition(when).unwrap_or(false))
}

/// The subjects of one scan, indexed for [`Observation::observes`].
pub struct Observation<'a> {
    models: &'a SubjectModels,
    rules: &'a RuleSet,
    leaves: LeafSight,
    cas: HashMap<String, usize>,
    chains: HashMap<String, usize>,
    endpoints: HashMap<String, usize>,
    now: String,
    /// One CEL environment for every condition asked.
    bindings: Bindings,
}

impl<'a> Observation<'a> {
    /// Indexes `models` (the current scan's, leaf models included),
    /// judged with `rules`.
    pub fn new(models: &'a SubjectModels, rules: &'a RuleSet) -> Self {
        let mut leaves = LeafSight::default();
        let at = models.at.unwrap_or(OffsetDateTime::UNIX_EPOCH);
        leaves.add(&models.leaves, rules, at);
        Observation::with_leaves(models, rules, leaves)
    }

    /// Indexes `models` (the current scan's) whose leaves were folded into
    /// `leaves` instead of kept, judged with `rules`.
    pub fn with_leaves(models: &'a SubjectModels, rules: &'a RuleSet, leaves: LeafSight) -> Self {
        fn index<S: Subject>(subjects: &[S]) -> HashMap<String, usize> {
            subjects
                .iter()
                .enumerate()
                .map(|(i, s)| (s.key(), i))
                .collect()
        }
        let at = models.at.unwrap_or(OffsetDateTime::UNIX_EPOCH);
        Observation {
            models,
            rules,
            leaves,
            cas: index(&models.cas),
            chains: index(&models.chains),
            endpoints: index(&models.endpoints),
            now: crate::time_text::rfc3339(at),
            bindings: Bindings::default(),
        }
    }

    /// Whether this scan observed the subject of `finding` (an earlier
    /// finding, absent now) so that its absence is evidence.
    pub fn observes(&self, finding: &Finding) -> bool {
        let key = &*finding.subject_key;
        let rule = self.rules.get(&finding.rule);
        let when = rule.and_then(|r| r.observed_when.as_ref());
        let m = self.models;
        let present = match finding.subject {
            SubjectKind::Inventory => return self.holds(when, &m.inventory),
            SubjectKind::Leaf => self.leaves.observes(&finding.rule, key),
            SubjectKind::Ca => self.cas.get(key).map(|&i| self.holds(when, &m.cas[i])),
            SubjectKind::Chain => self
                .chains
                .get(key)
                .map(|&i| self.holds(when, &m.chains[i])),
            SubjectKind::Endpoint => self
                .endpoints
                .get(key)
                .map(|&i| self.holds(when, &m.endpoints[i])),
        };
        match present {
            Some(observed) => observed,
            None => self.replaced(finding),
        }
    }

    /// A leaf or chain gone from the scan, whose endpoint sent a
    /// certificate this time: the certificate was replaced there.
    /// A place `address:port (name)` counts only when that name was tried
    /// there again: a name not tried this time proves nothing.
    /// A chain counts as replaced only where the chain was recorded as
    /// sent: a peer's leaf-only report shows the leaf, not the chain.
    fn replaced(&self, finding: &Finding) -> bool {
        let chain = finding.subject == SubjectKind::Chain;
        matches!(finding.subject, SubjectKind::Leaf | SubjectKind::Chain)
            && finding
                .endpoints
                .iter()
                .any(|e| self.reached_again(e, chain))
    }

    /// Whether the place `address:port` or `address:port (name)` was probed
    /// again in this scan (with that name; with its chain recorded as sent
    /// when `chain`).
    fn reached_again(&self, place: &str, chain: bool) -> bool {
        let (endpoint, name) = match place.strip_suffix(')').and_then(|p| p.split_once(" (")) {
            Some((endpoint, name)) => (endpoint, Some(name)),
            None => (place, None),
        };
        let Some(&i) = self.endpoints.get(endpoint) else {
            return false;
        };
        let model = &self.models.endpoints[i];
        if chain && model.chain_leaf_only {
            return false;
        }
        name.is_none_or(|name| {
            model
                .names
                .iter()
                .chain(&model.not_served)
                .any(|n| n == name)
        })
    }

    /// `when` on `subject` at the scan's time.
    fn holds<S: Subject>(&self, when: Option<&Expr>, subject: &S) -> bool {
        holds(&self.bindings, when, subject, &self.now)
    }

    /// The keys (`rule`, `subject`) of those of `findings` this scan observes.
    pub fn observed_keys<'f>(
        &self,
        findings: impl IntoIterator<Item = &'f Finding>,
    ) -> HashSet<FindingKey> {
        findings
            .into_iter()
            .filter(|f| self.observes(f))
            .map(key_of)
            .collect()
    }
}

#[cfg(test)]
mod tests;
