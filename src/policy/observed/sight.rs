//! What the finding lifecycle needs of a scan's leaves, chains and
//! endpoints, folded chunk by chunk ([`ScanSight::fold`]) so that their
//! models need not be kept: the subjects' keys, where a rule's
//! `observed_when` does not hold (a bit per rule), and, per endpoint,
//! only what tells whether a place was reached again (its names and
//! whether its chain was recorded as sent). A subject's key is held as a
//! 16-byte digest ([`KeyDigest`] of the key alone), not as its text (a
//! leaf's or chain's is 64 hex characters): the sight holds every subject
//! of the scan at once, and answers by key text as before.

use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;

use super::bound_holds;
use crate::policy::expr::{Bindings, Expr};
use crate::policy::model::{EndpointModel, ModelChunk, SubjectModels};
use crate::policy::presence::KeyDigest;
use crate::policy::subject::Subject;
use crate::policy::{RuleSet, SubjectKind};

/// How many conditional rules of one kind get a bit; the others' unmet
/// conditions are kept as `(rule, key)` pairs.
const BITS: usize = u64::BITS as usize;

/// The subjects of one kind of a scan: their keys, each with where a
/// rule's `observed_when` does not hold and what else is kept of it (`V`).
/// Folded chunk by chunk, then [`Sight::seal`]ed before it is asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sight<V> {
    /// The kind's rules with an `observed_when`, in rule-set order: the
    /// first [`BITS`] are numbered by their position.
    conditional: Vec<String>,
    /// Each subject: its key (as [`subject_digest`] gives it, in two
    /// words: 24 bytes a subject with the bits, where a `u128` would be
    /// aligned to 32), a bit per numbered rule whose condition does not
    /// hold there, and what else is kept of it. In folding order until
    /// sealed, then sorted by key, each key once (the last folded).
    subjects: Vec<([u64; 2], u64, V)>,
    /// `(rule, key)` pairs whose key was not among its chunk's subjects:
    /// given their bit when sealed.
    late: Vec<(String, String)>,
    /// `(rule, key)`: the condition of a rule without a bit does not hold
    /// there.
    overflow: HashSet<(String, String)>,
}

/// The subjects of one kind of a scan: their keys, and where a rule's
/// `observed_when` does not hold.
pub type SubjectSight = Sight<()>;

impl<V> Default for Sight<V> {
    /// No subject; every unmet condition kept as a pair.
    fn default() -> Self {
        Sight {
            conditional: Vec::new(),
            subjects: Vec::new(),
            late: Vec::new(),
            overflow: HashSet::new(),
        }
    }
}

impl<V> Sight<V> {
    /// No subject yet, for the rules of `rules` about `kind`.
    pub fn for_kind(rules: &RuleSet, kind: SubjectKind) -> Self {
        let conditional = rules.rules().iter().filter(|r| r.subject == kind);
        let conditional = conditional.filter(|r| r.observed_when.is_some());
        Sight {
            conditional: conditional.map(|r| r.id.clone()).take(BITS).collect(),
            ..Sight::default()
        }
    }

    /// The bit of `rule`, if it has one.
    fn bit(&self, rule: &str) -> Option<u64> {
        let at = self.conditional.iter().position(|r| r == rule)?;
        Some(1 << at)
    }

    /// Folds in one chunk's subjects (`(key, what is kept)`) and the
    /// `(rule, key)` pairs where a condition does not hold on them.
    fn insert(
        &mut self,
        subjects: impl Iterator<Item = (String, V)>,
        unobserved: Vec<(String, String)>,
    ) {
        let mut chunk: HashMap<[u64; 2], usize> = HashMap::new();
        for (key, kept) in subjects {
            let key = subject_digest(&key);
            chunk.insert(key, self.subjects.len());
            self.subjects.push((key, 0, kept));
        }
        for (rule, key) in unobserved {
            let bit = self.bit(&rule);
            match (bit, chunk.get(&subject_digest(&key))) {
                (Some(bit), Some(&at)) => self.subjects[at].1 |= bit,
                (Some(_), None) => self.late.push((rule, key)),
                _ => {
                    self.overflow.insert((rule, key));
                }
            }
        }
    }

    /// Sorts the subjects for asking, the last fold of a key kept, and
    /// gives the pairs of subjects folded in another chunk their bits.
    pub fn seal(&mut self) {
        // stable: of a key folded twice, the last is kept (as a map would)
        self.subjects.sort_by_key(|s| s.0);
        let mut kept: Vec<([u64; 2], u64, V)> = Vec::with_capacity(self.subjects.len());
        for subject in self.subjects.drain(..) {
            match kept.last_mut() {
                Some(last) if last.0 == subject.0 => *last = subject,
                _ => kept.push(subject),
            }
        }
        self.subjects = kept;
        for (rule, key) in std::mem::take(&mut self.late) {
            let bit = self.bit(&rule);
            match (bit, self.position(&key)) {
                (Some(bit), Some(at)) => self.subjects[at].1 |= bit,
                _ => {
                    self.overflow.insert((rule, key));
                }
            }
        }
    }

    /// Where the subject `key` is, once sealed.
    fn position(&self, key: &str) -> Option<usize> {
        debug_assert!(self.late.is_empty(), "a sight is sealed before it is asked");
        let key = subject_digest(key);
        self.subjects.binary_search_by_key(&key, |s| s.0).ok()
    }

    /// `Some((observed, what is kept))` for a subject of the scan; `None`
    /// when it is not.
    pub(super) fn observes(&self, rule: &str, key: &str) -> Option<(bool, &V)> {
        let (_, unmet, kept) = &self.subjects[self.position(key)?];
        let by_bit = self.bit(rule).is_some_and(|bit| unmet & bit != 0);
        let paired = || (self.overflow).contains(&(rule.to_string(), key.to_string()));
        Some((!by_bit && !paired(), kept))
    }

    /// What is kept of the subject with this key.
    pub(super) fn kept(&self, key: &str) -> Option<&V> {
        Some(&self.subjects[self.position(key)?].2)
    }
}

/// The digest a subject's key is held under: [`KeyDigest`] with no rule
/// (two distinct keys share it with a chance of about 2⁻¹²⁸ per pair),
/// as two words.
fn subject_digest(key: &str) -> [u64; 2] {
    KeyDigest::of("", key).words()
}

impl SubjectSight {
    /// Folds in the next `subjects` of a scan judged at `at`, with
    /// `rules`, binding each one to evaluate the conditions.
    pub fn add<S: Subject>(&mut self, subjects: &[S], rules: &RuleSet, at: OffsetDateTime) {
        let unmet = unmet_by_binding(subjects, rules, at);
        self.fold(subjects, unmet);
    }

    /// Folds in the next `subjects` of a scan with what their evaluation
    /// found unobserved (`(rule, key)`, [`Evaluation::unobserved`]): the
    /// same sight as [`SubjectSight::add`], without binding them again.
    ///
    /// [`Evaluation::unobserved`]: crate::policy::evaluate::Evaluation::unobserved
    pub fn fold<S: Subject>(&mut self, subjects: &[S], unobserved: Vec<(String, String)>) {
        self.insert(subjects.iter().map(|s| (s.key(), ())), unobserved);
    }
}

/// The `(rule, key)` pairs of `subjects` where a rule about their kind has
/// an `observed_when` that does not hold (or cannot be evaluated), each
/// subject bound once for all the conditions.
fn unmet_by_binding<S: Subject>(
    subjects: &[S],
    rules: &RuleSet,
    at: OffsetDateTime,
) -> Vec<(String, String)> {
    let now = crate::time_text::rfc3339(at);
    let conditional: Vec<(&str, &Expr)> = rules
        .rules()
        .iter()
        .filter(|r| r.subject == S::KIND)
        .filter_map(|r| Some((r.id.as_str(), r.observed_when.as_ref()?)))
        .collect();
    let mut unmet = Vec::new();
    if conditional.is_empty() {
        return unmet;
    }
    // one CEL environment for the chunk, each subject bound once for all
    // the conditions (binding converts the whole model)
    let bindings = Bindings::default();
    for subject in subjects {
        let bound = bindings.bind(S::KIND.name(), subject, &now).ok();
        for (rule, when) in &conditional {
            if !bound_holds(bound.as_ref(), when) {
                unmet.push((rule.to_string(), subject.key()));
            }
        }
    }
    unmet
}

/// What tells whether an endpoint was reached again with a name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Reach {
    /// The names tried there, served or not, as 64-bit hashes
    /// ([`Reach::name_hash`]; sorted, once each): a name not tried there
    /// passes for one tried only if its hash equals one of these few, a
    /// chance of about 2⁻⁶⁴ for each.
    names: Box<[u64]>,
    /// Its default chain is the leaf alone as a peer reported it.
    pub chain_leaf_only: bool,
}

impl Reach {
    /// The reach of `endpoint`.
    fn of(endpoint: &EndpointModel) -> Reach {
        let mut names: Vec<u64> = (endpoint.names.iter())
            .chain(&endpoint.not_served)
            .map(|n| Reach::name_hash(n))
            .collect();
        names.sort_unstable();
        names.dedup();
        Reach {
            names: names.into_boxed_slice(),
            chain_leaf_only: endpoint.chain_leaf_only,
        }
    }

    /// The name was tried there.
    pub fn tried(&self, name: &str) -> bool {
        self.names.binary_search(&Reach::name_hash(name)).is_ok()
    }

    /// The hash a name is held under (the same in one process).
    fn name_hash(name: &str) -> u64 {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        BuildHasherDefault::<DefaultHasher>::default().hash_one(name)
    }
}

/// The leaves, chains and endpoints of one scan as
/// [`Observation`](super::Observation) needs them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanSight {
    /// The leaves.
    pub(super) leaves: SubjectSight,
    /// The chains.
    pub(super) chains: SubjectSight,
    /// The endpoints (by key, `address:port`), with their reach.
    pub(super) endpoints: Sight<Reach>,
}

impl ScanSight {
    /// Nothing folded yet, for the conditions of `rules`.
    pub fn new(rules: &RuleSet) -> ScanSight {
        ScanSight {
            leaves: Sight::for_kind(rules, SubjectKind::Leaf),
            chains: Sight::for_kind(rules, SubjectKind::Chain),
            endpoints: Sight::for_kind(rules, SubjectKind::Endpoint),
        }
    }

    /// The sight of every leaf, chain and endpoint model of `models`,
    /// judged at their time with `rules`, binding each one.
    pub fn of(models: &SubjectModels, rules: &RuleSet) -> ScanSight {
        let at = models.at.unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let mut sight = ScanSight::new(rules);
        sight.leaves.add(&models.leaves, rules, at);
        sight.chains.add(&models.chains, rules, at);
        let unmet = unmet_by_binding(&models.endpoints, rules, at);
        sight.fold_endpoints(&models.endpoints, unmet);
        sight.seal();
        sight
    }

    /// Done folding: see [`Sight::seal`].
    pub fn seal(&mut self) {
        self.leaves.seal();
        self.chains.seal();
        self.endpoints.seal();
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
            ModelChunk::Endpoints(e) => self.fold_endpoints(&e.models, unobserved),
        }
    }

    /// Folds in `endpoints` with the pairs where a condition does not hold.
    fn fold_endpoints(&mut self, endpoints: &[EndpointModel], unobserved: Vec<(String, String)>) {
        let reach = endpoints.iter().map(|e| (e.key(), Reach::of(e)));
        self.endpoints.insert(reach, unobserved);
    }
}
