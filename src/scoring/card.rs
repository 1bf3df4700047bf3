//! The score card: what scoring produces and every report shows — per
//! category the level with each criterion's value, threshold and outcome,
//! the limiting criteria, coverage and cap, claims; the module and overall
//! roll-ups; the profile and the metrics behind it all. Serialised as the
//! `score` part of `report.json` (schema documented in the README).

use serde::{Deserialize, Serialize};

use super::ladder::Evidence;
use super::metrics::{HistoryDepth, MetricSet, Unit};
use crate::store::{NewCategoryScore, NewCriterionResult, NewScore};

/// The label every score carries.
pub const ESTIMATE_LABEL: &str =
    "automated estimate from network observations; not a PKIMM assessment";

/// A criterion's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The metric meets the threshold.
    Pass,
    /// It does not.
    Fail,
    /// It cannot be judged yet (no data, or not enough history).
    Unknown,
}

/// One criterion as judged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionResult {
    /// Criterion id.
    pub id: String,
    /// Its level.
    pub level: u8,
    /// The metric read.
    pub metric: String,
    /// The unit of `value` and `threshold`.
    pub unit: Unit,
    /// `<=`, `>=`, `<` or `>`.
    pub compare: String,
    /// The threshold.
    pub threshold: f64,
    /// The threshold comes from the config, not the profile.
    pub overridden: bool,
    /// The metric's value, when known.
    pub value: Option<f64>,
    /// For percentages: the count.
    pub numerator: Option<u64>,
    /// For percentages: out of.
    pub denominator: Option<u64>,
    /// Samples the value rests on.
    pub samples: u64,
    /// Pass, fail or unknown.
    pub outcome: Outcome,
    /// Why it is unknown.
    pub reason: Option<String>,
    /// What would have to change for it to pass.
    pub lift: String,
}

/// Where a category's level comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Measured evidence (a ladder).
    Evidence,
    /// An imported self-assessment claim only.
    Claim,
    /// Neither: not assessed, left out of the roll-up.
    NotAssessed,
    /// Declared not applicable in the config: left out of the roll-up and
    /// of the "n of m categories".
    NotApplicable,
}

/// One PKIMM requirement as rated: from its criteria (evidence), or not
/// assessed, or not applicable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequirementScore {
    /// Its PKIMM id (`M.certificate-management.cert-inventory`).
    pub id: String,
    /// The model's title.
    pub title: String,
    /// Its weight in the category.
    pub weight: u32,
    /// How far scanner evidence speaks to it (`direct`, `partial`, `none`).
    pub evidence: Evidence,
    /// What a rating on that evidence weighs (1, ½, 0).
    pub strength: f64,
    /// 1–5: the highest level L such that every level 2..L has a criterion
    /// rating this requirement and all of them pass; `None` when not rated.
    pub rating: Option<u8>,
    /// The criteria rating it.
    pub criteria: Vec<String>,
    /// The next level's criteria rating it that did not pass.
    pub limiting: Vec<String>,
    /// Why it is not rated, or why its rating stops where it does.
    #[serde(default)]
    pub reason: Option<String>,
    /// The config declared it not applicable, for this reason.
    #[serde(default)]
    pub not_applicable: Option<String>,
}

/// One step of a category's roadmap: a requirement limiting the next
/// level, what raising it would add to the category's value, and the
/// criteria (target values, the findings or certificates behind them)
/// that would have to pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoadmapStep {
    /// Requirement id.
    pub requirement: String,
    /// Its title.
    pub title: String,
    /// Its rating now.
    pub rating: u8,
    /// The level to reach (the category's next level).
    pub target: u8,
    /// What reaching it adds to the category's value.
    pub adds: f64,
    /// The criteria to pass: id, metric, now, target, subjects.
    pub criteria: Vec<RoadmapCriterion>,
}

/// A criterion on the roadmap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoadmapCriterion {
    /// Criterion id.
    pub id: String,
    /// Its level.
    pub level: u8,
    /// The metric it reads.
    pub metric: String,
    /// The metric's value now.
    pub value: Option<f64>,
    /// Its unit.
    pub unit: Unit,
    /// `<=`, `>=`, ...
    pub compare: String,
    /// The target.
    pub threshold: f64,
    /// The certificates, endpoints or rules behind the value (at most 10).
    pub subjects: Vec<String>,
    /// How many there are in all.
    pub subjects_total: u64,
    /// What to do.
    pub lift: String,
}

/// One PKIMM category's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryScore {
    /// PKIMM category id.
    pub category: String,
    /// Its name.
    pub title: String,
    /// Its module.
    pub module: String,
    /// Its weight in the roll-up.
    pub weight: u32,
    /// Where the level comes from.
    pub basis: Basis,
    /// The value used in the roll-up (1–5, fractional): the evidence value
    /// (capped at the profile's cap when coverage is at or under the
    /// floor), or the claim's; `None` when not assessed.
    #[serde(default)]
    pub value: Option<f64>,
    /// `value` rounded down.
    pub level: Option<u8>,
    /// The model's category value from evidence: the mean of the rated
    /// requirements' ratings weighed by weight × strength, before the cap;
    /// `None` without a ladder.
    #[serde(default)]
    pub evidence_value: Option<f64>,
    /// `evidence_value` rounded down.
    pub evidence_level: Option<u8>,
    /// The coverage cap lowered the level.
    pub capped: bool,
    /// Share (0–1) of the category's applicable requirement weight that
    /// rated evidence speaks to, weighed by strength.
    pub coverage: Option<f64>,
    /// The requirements, rated or not, with weights and strengths.
    #[serde(default)]
    pub requirements: Vec<RequirementScore>,
    /// Governance evidence shown as supporting facts for a self-assessment,
    /// not as a level (the profile's `governance_from_scan` is off).
    #[serde(default)]
    pub supporting: bool,
    /// The config declared the category not applicable, for this reason.
    #[serde(default)]
    pub not_applicable: Option<String>,
    /// The next level's limiting requirements, by what they would add.
    #[serde(default)]
    pub roadmap: Vec<RoadmapStep>,
    /// Why the category is not assessed, or why its level is capped.
    #[serde(default)]
    pub reason: Option<String>,
    /// Every criterion of the ladder, by level.
    pub criteria: Vec<CriterionResult>,
    /// Ids of the next level's criteria that did not pass.
    pub limiting: Vec<String>,
    /// The self-assessed level, if imported (0 is not used: absent).
    pub claim: Option<u8>,
    /// The self-assessed value (from requirement ratings when imported).
    #[serde(default)]
    pub claim_value: Option<f64>,
    /// The claim exceeds the evidence: what contradicts it.
    pub contradiction: Option<String>,
}

/// One module's roll-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleScore {
    /// Governance, Management, Operations or Resources.
    pub module: String,
    /// Weighted mean of its assessed categories; `None` if none is.
    pub value: Option<f64>,
    /// `value` rounded down.
    pub level: Option<u8>,
    /// Categories that entered the mean.
    pub assessed: Vec<String>,
    /// Its categories not declared not applicable (the m of "n of m").
    #[serde(default)]
    pub categories: usize,
    /// Share (0–1) of its applicable category weight that scan evidence
    /// rests on (category weight × the category's coverage).
    #[serde(default)]
    pub evidenced_share: f64,
}

impl ModuleScore {
    /// "2 of 4 categories assessed, 9 % of its weight evidenced".
    pub fn assessed_text(&self) -> String {
        format!(
            "{} of {} categories assessed, {:.0} % of its weight evidenced",
            self.assessed.len(),
            self.categories,
            self.evidenced_share * 100.0
        )
    }
}

/// The profile a card was scored against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileInfo {
    /// Profile name.
    pub name: String,
    /// Profile version.
    pub version: String,
    /// SHA-256 of the effective profile (after overrides).
    pub digest: String,
    /// History window in days.
    pub window_days: i64,
}

/// Everything scoring says about one scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreCard {
    /// Always [`ESTIMATE_LABEL`].
    pub label: String,
    /// The profile.
    pub profile: ProfileInfo,
    /// History available.
    pub history: HistoryDepth,
    /// Why nothing is assessed (no certificate observed), when so: every
    /// category is then not assessed and the overall level is `None`.
    #[serde(default)]
    pub not_assessed: Option<String>,
    /// Weighted mean over every assessed category; `None` if none is.
    pub overall_value: Option<f64>,
    /// `overall_value` rounded down.
    pub overall_level: Option<u8>,
    /// Categories assessed (evidence or claims) of those applicable.
    #[serde(default)]
    pub categories_assessed: (usize, usize),
    /// Share (0–1) of the model's applicable weight (categories weighed by
    /// their coverage) that scan evidence rests on.
    #[serde(default)]
    pub evidenced_share: f64,
    /// The lowest assessed category level (an extra figure, not the
    /// model's).
    pub minimum_level: Option<u8>,
    /// The four modules.
    pub modules: Vec<ModuleScore>,
    /// The sixteen categories, in model order.
    pub categories: Vec<CategoryScore>,
    /// The metrics the criteria read.
    pub metrics: MetricSet,
}

impl ScoreCard {
    /// The score of one category.
    pub fn category(&self, id: &str) -> Option<&CategoryScore> {
        self.categories.iter().find(|c| c.category == id)
    }

    /// The form the store keeps (schema v3): the card as JSON, plus a row
    /// per category and per criterion.
    pub fn to_stored(&self) -> NewScore {
        let categories = self.categories.iter().map(|c| NewCategoryScore {
            category: c.category.clone(),
            level: c.level,
            basis: word(c.basis),
        });
        let criteria = self.categories.iter().flat_map(|c| {
            c.criteria.iter().map(move |r| NewCriterionResult {
                category: c.category.clone(),
                level: r.level,
                criterion: r.id.clone(),
                metric: r.metric.clone(),
                value: r.value,
                threshold: r.threshold,
                outcome: word(r.outcome),
                samples: r.samples,
            })
        });
        NewScore {
            profile: format!("{}@{}", self.profile.name, self.profile.version),
            profile_digest: self.profile.digest.clone(),
            overall_value: self.overall_value,
            overall_level: self.overall_level,
            card: serde_json::to_value(self).unwrap_or_default(),
            categories: categories.collect(),
            criteria: criteria.collect(),
        }
    }
}

/// The serde name of a unit enum value (`pass`, `evidence`, ...).
fn word<T: Serialize>(value: T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
