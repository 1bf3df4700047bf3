//! One loaded rule ([`Rule`]) with its compiled condition and message, its
//! examples, and where it came from; and the sample model of each subject
//! kind that conditions are checked against when they are loaded.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::Value as Json;
use time::Date;

use super::expr::Expr;
use super::message::Template;
use super::model::{
    CaModel, ChainModel, EndpointModel, EndpointRef, InventoryModel, KeyReuse, LeafModel,
    NameConflict,
};
use super::{Severity, SubjectKind};

/// A policy rule, loaded and checked.
#[derive(Debug)]
pub struct Rule {
    /// Unique, stable id (`<source>.<name>` for the built-in rules).
    pub id: String,
    /// One-line title.
    pub title: String,
    /// How much a finding matters.
    pub severity: Severity,
    /// What the rule looks at.
    pub subject: SubjectKind,
    /// The condition: true means a finding.
    pub condition: Expr,
    /// When the rule's subject counts as observed for this rule (see
    /// `rules/README.md`, "Observed"): `None` means whenever the subject is
    /// in the scan. A rule that does not fire on a subject where this is
    /// false says nothing, so its earlier finding is `unobserved`, not
    /// `fixed`.
    pub observed_when: Option<Expr>,
    /// The finding's message.
    pub message: Template,
    /// Why it matters.
    pub rationale: String,
    /// What to do about it.
    pub remediation: String,
    /// Standards and sections.
    pub references: Vec<String>,
    /// The rule applies to certificates issued (leaf, ca) or scans made
    /// (other subjects) on or after this date.
    pub effective: Option<Date>,
    /// PKIMM category ids the rule bears on.
    pub categories: Vec<String>,
    /// Worked examples, run by `certatlas rules test`.
    pub examples: Vec<Example>,
    /// Where the rule was read from.
    pub origin: Origin,
}

/// Where a rule file came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file (for built-in rules, its path in the source tree).
    pub path: PathBuf,
    /// Shipped with certatlas (embedded in the binary).
    pub builtin: bool,
    /// Where the `id` value stands in the file.
    pub id_position: Option<crate::located::Position>,
}

/// What an example expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expectation {
    /// The rule fires.
    Finding,
    /// The rule does not fire.
    Pass,
}

/// One worked example: a fixture, changes to it, and the expected result.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// A built-in fixture name, or a JSON file relative to the rule file.
    pub fixture: String,
    /// Dotted paths into the model and the values they are set to.
    pub set: Vec<(String, Json)>,
    /// The expected result.
    pub expect: Expectation,
    /// Text the rendered message must contain.
    pub message_contains: Option<String>,
    /// `line:column` of the example in its file.
    pub position: String,
}

/// What `certatlas rules list` shows of a rule.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RuleSummary {
    /// The id.
    pub id: String,
    /// The title.
    pub title: String,
    /// The severity.
    pub severity: Severity,
    /// The subject kind.
    pub subject: SubjectKind,
    /// The condition's CEL source.
    pub condition: String,
    /// Why it matters.
    pub rationale: String,
    /// What to do.
    pub remediation: String,
    /// Standards and sections.
    pub references: Vec<String>,
    /// Effective date, if any.
    pub effective: Option<String>,
    /// PKIMM category ids.
    pub categories: Vec<String>,
    /// Number of worked examples.
    pub examples: usize,
    /// `builtin` or the file it was read from.
    pub source: String,
}

impl Rule {
    /// The listing form of this rule.
    pub fn summary(&self) -> RuleSummary {
        RuleSummary {
            id: self.id.clone(),
            title: self.title.clone(),
            severity: self.severity,
            subject: self.subject,
            condition: self.condition.source().to_string(),
            rationale: self.rationale.clone(),
            remediation: self.remediation.clone(),
            references: self.references.clone(),
            effective: self.effective.map(|d| d.to_string()),
            categories: self.categories.clone(),
            examples: self.examples.len(),
            source: if self.origin.builtin {
                "builtin".into()
            } else {
                self.origin.path.display().to_string()
            },
        }
    }

    /// Whether the rule applies to a subject dated `date` (notBefore for
    /// certificates, the scan time otherwise).
    pub fn applies_on(&self, date: Date) -> bool {
        self.effective.is_none_or(|effective| date >= effective)
    }
}

/// The sample model of `kind` with every field present and one element in
/// every list of objects, as JSON: what field paths are checked against.
pub fn sample(kind: SubjectKind) -> Json {
    let value = match kind {
        SubjectKind::Leaf => serde_json::to_value(LeafModel {
            endpoints: vec![EndpointRef::default()],
            key_reuse: vec![KeyReuse::default()],
            name_conflicts: vec![NameConflict::default()],
            ..LeafModel::default()
        }),
        SubjectKind::Ca => serde_json::to_value(CaModel::default()),
        SubjectKind::Chain => serde_json::to_value(ChainModel::default()),
        SubjectKind::Endpoint => serde_json::to_value(EndpointModel::default()),
        SubjectKind::Inventory => serde_json::to_value(InventoryModel::default()),
    };
    value.unwrap_or(Json::Null)
}

/// The variables of a rule about `kind`: the subject and `now`.
pub fn schema(kind: SubjectKind) -> HashMap<&'static str, Json> {
    HashMap::from([
        (kind.name(), sample(kind)),
        ("now", Json::String(String::new())),
    ])
}
