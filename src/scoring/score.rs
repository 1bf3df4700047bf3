//! The pure scoring function: metrics + findings + ladders (+ claims) →
//! a [`ScoreCard`]. A category reaches level L only when every criterion
//! of levels 2..L passes; level 1 is the floor. A criterion needing more
//! history than there is, or reading an unknown metric, is `unknown` and
//! blocks its level like a failure, saying why. Metrics measured on less
//! of their kind than the profile's metric coverage floor are unknown.
//! Categories under the profile's coverage floor are capped. A scan in
//! which no certificate was observed assesses nothing: every category is
//! not assessed, with the reason. Modules and the overall figure are the
//! model's weighted means over assessed categories, rounded down.

use std::collections::BTreeMap;

use super::card::{
    Basis, CategoryScore, CriterionResult, HistoryDepth, ModuleScore, Outcome, ProfileInfo,
    ScoreCard, ESTIMATE_LABEL,
};
use super::claims::Claims;
use super::ladder::{Criterion, Ladder, Profile};
use super::metrics::{self, Metric, MetricSet};
use crate::policy::category::{Category, CATEGORIES};
use crate::policy::Severity;

/// What scoring needs to know of one finding.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingFact {
    /// The rule's id.
    pub rule: String,
    /// Its severity.
    pub severity: Severity,
    /// The PKIMM categories the rule bears on.
    pub categories: Vec<String>,
    /// Open and not covered by an exception in force.
    pub active: bool,
}

/// Scores one scan.
pub fn score(
    metrics: &MetricSet,
    findings: &[FindingFact],
    profile: &Profile,
    history: HistoryDepth,
    claims: Option<&Claims>,
) -> ScoreCard {
    let metrics = &metrics.floored(profile.metric_coverage_floor);
    let not_assessed = nothing_observed(metrics);
    let categories: Vec<CategoryScore> = CATEGORIES
        .iter()
        .map(|category| {
            let claim = claims.and_then(|c| c.level(category.id));
            if let Some(reason) = &not_assessed {
                return unassessed(category, profile.ladder(category.id), claim, reason);
            }
            match profile.ladder(category.id) {
                Some(ladder) => {
                    let judge = Judge {
                        metrics,
                        findings,
                        history,
                        category,
                    };
                    measured(category, ladder, &judge, profile, claim)
                }
                None => unmeasured(category, claim),
            }
        })
        .collect();
    let (overall_value, overall_level) = roll_up(categories.iter());
    ScoreCard {
        label: ESTIMATE_LABEL.to_string(),
        profile: ProfileInfo {
            name: profile.name.clone(),
            version: profile.version.clone(),
            digest: profile.digest.clone(),
            window_days: profile.window_days,
        },
        history,
        not_assessed,
        overall_value,
        overall_level,
        minimum_level: categories.iter().filter_map(|c| c.level).min(),
        modules: modules(&categories),
        categories,
        metrics: metrics.clone(),
    }
}

/// Judges criteria against the metrics and history of one category.
struct Judge<'a> {
    metrics: &'a MetricSet,
    findings: &'a [FindingFact],
    history: HistoryDepth,
    category: &'a Category,
}

impl Judge<'_> {
    fn judge(&self, criterion: &Criterion) -> CriterionResult {
        let metric = self.metric(&criterion.metric);
        let gate = criterion.history;
        let (outcome, reason) = if self.history.days < gate.days || self.history.scans < gate.scans
        {
            let mut needs = Vec::new();
            if gate.days > 0 {
                needs.push(format!("{} days", gate.days));
            }
            if gate.scans > 0 {
                needs.push(format!("{} days with a complete scan", gate.scans));
            }
            let (days, scans) = (self.history.days, self.history.scans);
            let why = format!(
                "needs {} of history; there are {days} day{} of history and {scans} day{} with \
                 a complete scan",
                needs.join(" and "),
                if days == 1 { "" } else { "s" },
                if scans == 1 { "" } else { "s" },
            );
            (Outcome::Unknown, Some(why))
        } else {
            match metric.value {
                None => (
                    Outcome::Unknown,
                    metric.note.clone().or(Some("no data".into())),
                ),
                Some(value) if criterion.compare.holds(value, criterion.threshold) => {
                    (Outcome::Pass, None)
                }
                Some(_) => (Outcome::Fail, None),
            }
        };
        CriterionResult {
            id: criterion.id.clone(),
            level: criterion.level,
            metric: criterion.metric.clone(),
            unit: metric.unit,
            compare: criterion.compare.symbol().to_string(),
            threshold: criterion.threshold,
            overridden: criterion.overridden,
            value: metric.value,
            numerator: metric.numerator,
            denominator: metric.denominator,
            samples: metric.samples,
            outcome,
            reason,
            lift: criterion.lift.clone(),
        }
    }

    /// The metric a criterion reads; `category_findings` is computed here.
    fn metric(&self, id: &str) -> Metric {
        if id == metrics::CATEGORY_FINDINGS.id {
            return self.category_findings();
        }
        self.metrics.get(id).cloned().unwrap_or_else(|| {
            let mut missing = Metric::days(id, None, 0, "metric not computed");
            missing.unit = metrics::find(id).map_or(missing.unit, |d| d.unit);
            missing
        })
    }

    fn category_findings(&self) -> Metric {
        let hits: Vec<&FindingFact> = self
            .findings
            .iter()
            .filter(|f| f.active && f.severity >= Severity::High)
            .filter(|f| f.categories.iter().any(|c| c == self.category.id))
            .collect();
        let mut rules: Vec<String> = hits.iter().map(|f| f.rule.clone()).collect();
        rules.dedup();
        let total = self.findings.len() as u64;
        Metric::count(metrics::CATEGORY_FINDINGS.id, hits.len() as u64, total).with_subjects(rules)
    }
}

fn measured(
    category: &Category,
    ladder: &Ladder,
    judge: &Judge<'_>,
    profile: &Profile,
    claim: Option<u8>,
) -> CategoryScore {
    let criteria: Vec<CriterionResult> = ladder.criteria.iter().map(|c| judge.judge(c)).collect();
    let passes = |level: u8| {
        criteria
            .iter()
            .filter(|c| c.level == level)
            .all(|c| c.outcome == Outcome::Pass)
    };
    let evidence_level = (2..=5).take_while(|&l| passes(l)).last().unwrap_or(1);
    let coverage = ladder.coverage();
    let capped = profile.under_coverage_floor(coverage) && evidence_level > profile.coverage_cap;
    let level = if capped {
        profile.coverage_cap
    } else {
        evidence_level
    };
    let reason = capped.then(|| cap_reason(coverage, profile));
    let limiting = criteria
        .iter()
        .filter(|c| c.level == evidence_level + 1 && c.outcome != Outcome::Pass)
        .map(|c| c.id.clone())
        .collect();
    let contradiction = claim
        .filter(|&claimed| claimed > level)
        .map(|claimed| format!("claimed level {claimed}, evidence supports level {level}"));
    CategoryScore {
        category: category.id.to_string(),
        title: ladder.title.clone(),
        module: category.module.to_string(),
        weight: category.weight,
        basis: Basis::Evidence,
        level: Some(level),
        evidence_level: Some(evidence_level),
        capped,
        coverage: Some(coverage),
        reason,
        criteria,
        limiting,
        claim,
        contradiction,
    }
}

/// Why a category under the coverage floor stops at the cap.
fn cap_reason(coverage: f64, profile: &Profile) -> String {
    format!(
        "scanner evidence speaks to {:.0} % of the category's requirement weight, under the \
         profile's coverage floor of {:.0} %: the requirements it cannot see count as unknown, \
         so the level stops at {}",
        (coverage * 100.0).floor(),
        profile.coverage_floor * 100.0,
        profile.coverage_cap
    )
}

/// Why nothing can be assessed, when the scored scan observed no
/// certificate (or every one it observed is excepted).
fn nothing_observed(metrics: &MetricSet) -> Option<String> {
    let leaves = metrics.get("leaves").and_then(|m| m.value).unwrap_or(0.0);
    if leaves > 0.0 {
        return None;
    }
    Some(if metrics.excluded_certificates.is_empty() {
        "no certificate was observed in the scored scan: nothing to assess".to_string()
    } else {
        "every certificate observed in the scored scan is excepted: nothing left to assess"
            .to_string()
    })
}

/// A category of a scan that assessed nothing: no level, no criteria
/// judged, the reason; a claim is kept beside it but not counted.
fn unassessed(
    category: &Category,
    ladder: Option<&Ladder>,
    claim: Option<u8>,
    reason: &str,
) -> CategoryScore {
    CategoryScore {
        category: category.id.to_string(),
        title: ladder.map_or_else(|| title_of(category.id), |l| l.title.clone()),
        module: category.module.to_string(),
        weight: category.weight,
        basis: Basis::NotAssessed,
        level: None,
        evidence_level: None,
        capped: false,
        coverage: ladder.map(Ladder::coverage),
        reason: Some(reason.to_string()),
        criteria: Vec::new(),
        limiting: Vec::new(),
        claim,
        contradiction: None,
    }
}

fn unmeasured(category: &Category, claim: Option<u8>) -> CategoryScore {
    CategoryScore {
        category: category.id.to_string(),
        title: title_of(category.id),
        module: category.module.to_string(),
        weight: category.weight,
        basis: if claim.is_some() {
            Basis::Claim
        } else {
            Basis::NotAssessed
        },
        level: claim,
        evidence_level: None,
        capped: false,
        coverage: None,
        reason: None,
        criteria: Vec::new(),
        limiting: Vec::new(),
        claim,
        contradiction: None,
    }
}

/// `G.strategy-and-vision` → `Strategy and vision`.
pub fn title_of(id: &str) -> String {
    let slug = id.split_once('.').map_or(id, |(_, s)| s).replace('-', " ");
    let mut chars = slug.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The model's weighted mean (by category weight) over the assessed
/// categories, and its value rounded down.
fn roll_up<'a>(categories: impl Iterator<Item = &'a CategoryScore>) -> (Option<f64>, Option<u8>) {
    let (mut sum, mut weights) = (0.0, 0u32);
    for c in categories {
        if let Some(level) = c.level {
            sum += f64::from(level) * f64::from(c.weight);
            weights += c.weight;
        }
    }
    if weights == 0 {
        return (None, None);
    }
    let value = sum / f64::from(weights);
    (Some(value), Some(value.floor() as u8))
}

fn modules(categories: &[CategoryScore]) -> Vec<ModuleScore> {
    let mut by_module: BTreeMap<usize, (String, Vec<&CategoryScore>)> = BTreeMap::new();
    for c in categories {
        let order = ["Governance", "Management", "Operations", "Resources"]
            .iter()
            .position(|m| *m == c.module);
        let entry = by_module
            .entry(order.unwrap_or(4))
            .or_insert_with(|| (c.module.clone(), Vec::new()));
        entry.1.push(c);
    }
    by_module
        .into_values()
        .map(|(module, members)| {
            let (value, level) = roll_up(members.iter().copied());
            let assessed = members
                .iter()
                .filter(|c| c.level.is_some())
                .map(|c| c.category.clone())
                .collect();
            ModuleScore {
                module,
                value,
                level,
                assessed,
            }
        })
        .collect()
}
