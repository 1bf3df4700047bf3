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

use std::collections::HashMap;

use time::OffsetDateTime;

use super::expr::{Bindings, Bound, Expr};
use super::model::SubjectModels;
use super::subject::Subject;
use super::{Finding, RuleSet, SubjectKind};

mod sight;

pub use sight::{ScanSight, Sight, SubjectSight};

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
    sight: ScanSight,
    cas: HashMap<String, usize>,
    now: String,
    /// One CEL environment for every condition asked.
    bindings: Bindings,
}

impl<'a> Observation<'a> {
    /// Indexes `models` (the current scan's, leaf, chain and endpoint
    /// models included), judged with `rules`.
    pub fn new(models: &'a SubjectModels, rules: &'a RuleSet) -> Self {
        let sight = ScanSight::of(models, rules);
        Observation::with_sight(models, rules, sight)
    }

    /// Indexes `models` (the current scan's) whose leaves, chains and
    /// endpoints were folded into `sight` instead of kept (their models
    /// in `models` are not read), judged with `rules`.
    pub fn with_sight(models: &'a SubjectModels, rules: &'a RuleSet, mut sight: ScanSight) -> Self {
        sight.seal();
        let cas = models.cas.iter().enumerate();
        let at = models.at.unwrap_or(OffsetDateTime::UNIX_EPOCH);
        Observation {
            models,
            rules,
            sight,
            cas: cas.map(|(i, s)| (s.key(), i)).collect(),
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
            SubjectKind::Leaf => self.sight.leaves.observes(&finding.rule, key).map(|o| o.0),
            SubjectKind::Ca => self.cas.get(key).map(|&i| self.holds(when, &m.cas[i])),
            SubjectKind::Chain => self.sight.chains.observes(&finding.rule, key).map(|o| o.0),
            SubjectKind::Endpoint => (self.sight.endpoints)
                .observes(&finding.rule, key)
                .map(|o| o.0),
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
        let Some(reach) = self.sight.endpoints.kept(endpoint) else {
            return false;
        };
        if chain && reach.chain_leaf_only {
            return false;
        }
        name.is_none_or(|name| reach.tried(name))
    }

    /// `when` on `subject` at the scan's time.
    fn holds<S: Subject>(&self, when: Option<&Expr>, subject: &S) -> bool {
        holds(&self.bindings, when, subject, &self.now)
    }
}

#[cfg(test)]
mod tests;
