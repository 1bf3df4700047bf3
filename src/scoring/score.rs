//! The pure scoring function: metrics + findings + ladders (+ claims) →
//! a [`ScoreCard`], computed as the PKIMM computes it. Each criterion
//! rates one or more requirements: a requirement reaches level L when
//! every level 2..L has a criterion rating it and all of them pass (level
//! 1 is the floor; a criterion needing more history than there is, or
//! reading an unknown metric, is `unknown` and blocks like a failure,
//! saying why). A category's value is the mean of its rated requirements'
//! ratings weighed by requirement weight × evidence strength (`direct` 1,
//! `partial` ½); its coverage is that rated, strength-weighed weight of all
//! its applicable weight, and at or under the profile's coverage floor the
//! value is capped. Governance categories are supporting facts unless the
//! profile opts in. Modules and the overall figure are the weighted means
//! of category values, rounded down once. A scan in which no certificate
//! was observed assesses nothing.

use std::collections::BTreeMap;

use super::card::{
    Basis, CategoryScore, CriterionResult, ModuleScore, Outcome, ProfileInfo, RequirementScore,
    RoadmapCriterion, RoadmapStep, ScoreCard, ESTIMATE_LABEL,
};
use super::claims::Claims;
use super::ladder::{Criterion, Evidence, Ladder, Profile, Requirement};
use super::metrics::{self, HistoryDepth, Metric, MetricSet};
use crate::policy::category::{Category, CATEGORIES};
use crate::policy::Severity;

/// What scoring needs to know of one finding.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingFact {
    /// The rule's id (shared with the finding's).
    pub rule: std::sync::Arc<str>,
    /// Its severity.
    pub severity: Severity,
    /// The PKIMM categories the rule bears on (shared with the finding's).
    pub categories: std::sync::Arc<[String]>,
    /// Open and not covered by an exception in force.
    pub active: bool,
    /// How many findings of this rule, severity, categories and activity
    /// it stands for (the judge folds a scan's findings into one fact per
    /// rule and activity, so that scoring never holds them one by one).
    pub count: u64,
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
            let claim = claims
                .and_then(|c| c.value(category.id, &|id| profile.not_applicable(id).is_some()));
            let ladder = profile.ladder(category.id);
            if let Some(reason) = profile.not_applicable(category.id) {
                return not_applicable(category, ladder, reason);
            }
            if let Some(reason) = &not_assessed {
                return unassessed(category, ladder, claim, reason);
            }
            match ladder {
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
    let applicable = categories
        .iter()
        .filter(|c| c.basis != Basis::NotApplicable);
    let assessed = categories.iter().filter(|c| c.level.is_some()).count();
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
        categories_assessed: (assessed, applicable.clone().count()),
        evidenced_share: evidenced_share(applicable),
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
        let mut rules: Vec<String> = hits.iter().map(|f| f.rule.to_string()).collect();
        rules.sort_unstable();
        rules.dedup();
        let hits = hits.iter().map(|f| f.count).sum();
        let total = self.findings.iter().map(|f| f.count).sum();
        Metric::count(metrics::CATEGORY_FINDINGS.id, hits, total).with_subjects(rules)
    }
}

fn measured(
    category: &Category,
    ladder: &Ladder,
    judge: &Judge<'_>,
    profile: &Profile,
    claim: Option<f64>,
) -> CategoryScore {
    let criteria: Vec<CriterionResult> = ladder.criteria.iter().map(|c| judge.judge(c)).collect();
    let requirements: Vec<RequirementScore> = ladder
        .requirements
        .iter()
        .map(|r| rate(ladder, r, &criteria, profile))
        .collect();
    let skip = |id: &str| profile.not_applicable(id).is_some();
    let rated = || {
        requirements
            .iter()
            .filter(|r| r.not_applicable.is_none())
            .filter_map(|r| r.rating.map(|rating| (r, rating)))
    };
    let denominator: f64 = rated().map(|(r, _)| f64::from(r.weight) * r.strength).sum();
    let evidence_value = (denominator > 0.0).then(|| {
        rated()
            .map(|(r, rating)| f64::from(rating) * f64::from(r.weight) * r.strength)
            .sum::<f64>()
            / denominator
    });
    let applicable_weight: u32 = ladder
        .requirements
        .iter()
        .filter(|r| !skip(&r.id))
        .map(|r| r.weight)
        .sum();
    let coverage = if applicable_weight == 0 {
        0.0
    } else {
        denominator / f64::from(applicable_weight)
    };
    let cap = f64::from(profile.coverage_cap);
    let under = profile.capped_by_coverage(coverage);
    let capped = under && evidence_value.is_some_and(|v| v > cap);
    let value = evidence_value.map(|v| if under { v.min(cap) } else { v });
    let level = value.map(floor);
    let evidence_level = evidence_value.map(floor);
    let reason = if evidence_value.is_none() {
        Some("no requirement of the category could be rated from this scan".to_string())
    } else {
        capped.then(|| cap_reason(coverage, profile))
    };
    let next = level.unwrap_or(1) + 1;
    let rating_criteria: Vec<&String> = rated().flat_map(|(r, _)| &r.criteria).collect();
    let limiting = criteria
        .iter()
        .filter(|c| c.level == next && c.outcome != Outcome::Pass)
        .filter(|c| rating_criteria.contains(&&c.id))
        .map(|c| c.id.clone())
        .collect();
    let roadmap = roadmap(&requirements, &criteria, judge, next, denominator);
    let governance = category.module == "Governance" && !profile.governance_from_scan;
    let (basis, value, level, reason) = if governance {
        let why = "scan evidence is shown as supporting facts for a Governance \
                   self-assessment, not as a level (the profile's governance_from_scan is off)";
        let basis = if claim.is_some() {
            Basis::Claim
        } else {
            Basis::NotAssessed
        };
        (basis, claim, claim.map(floor), Some(why.to_string()))
    } else if level.is_some() {
        (Basis::Evidence, value, level, reason)
    } else {
        (Basis::NotAssessed, None, None, reason)
    };
    let claim_level = claim.map(floor);
    let contradiction = match (
        claim_level,
        evidence_level.map(|l| l.min(if under { profile.coverage_cap } else { 5 })),
    ) {
        (Some(claimed), Some(supported)) if claimed > supported => Some(format!(
            "claimed level {claimed}, evidence supports level {supported}"
        )),
        _ => None,
    };
    CategoryScore {
        category: category.id.to_string(),
        title: ladder.title.clone(),
        module: category.module.to_string(),
        weight: category.weight,
        basis,
        value,
        level,
        evidence_value,
        evidence_level,
        capped,
        coverage: Some(coverage),
        requirements,
        supporting: governance,
        not_applicable: None,
        roadmap,
        reason,
        criteria,
        limiting,
        claim: claim_level,
        claim_value: claim,
        contradiction,
    }
}

/// A value (1–5) rounded down to its level.
fn floor(value: f64) -> u8 {
    (value + 1e-9).floor().clamp(1.0, 5.0) as u8
}

/// Rates one requirement from the criteria naming it: the highest level L
/// such that every level 2..L has such a criterion and all of them pass.
/// Not rated when it has no evidence, is declared not applicable, or none
/// of its level-2 criteria could be judged.
fn rate(
    ladder: &Ladder,
    requirement: &Requirement,
    criteria: &[CriterionResult],
    profile: &Profile,
) -> RequirementScore {
    let short = ladder.short_id(requirement);
    let mine: Vec<&CriterionResult> = ladder
        .criteria
        .iter()
        .zip(criteria)
        .filter(|(c, _)| c.requirements.iter().any(|r| r == short))
        .map(|(_, r)| r)
        .collect();
    let not_applicable = profile.not_applicable(&requirement.id).map(str::to_string);
    let at = |level: u8| mine.iter().filter(move |c| c.level == level);
    let judged = at(2).any(|c| c.outcome != Outcome::Unknown);
    let (rating, reason) = if requirement.evidence == Evidence::None {
        (None, Some("scanning cannot speak to it".to_string()))
    } else if not_applicable.is_some() {
        (None, None)
    } else if !judged {
        let why = at(2)
            .filter_map(|c| c.reason.clone())
            .next()
            .unwrap_or_else(|| "no data".into());
        (None, Some(format!("not assessed: {why}")))
    } else {
        let passes =
            |level: u8| at(level).next().is_some() && at(level).all(|c| c.outcome == Outcome::Pass);
        let rating = (2..=5).take_while(|&l| passes(l)).last().unwrap_or(1);
        let why = (rating < 5 && at(rating + 1).next().is_none()).then(|| {
            format!(
                "no criterion rates it at level {}: a scan cannot show more",
                rating + 1
            )
        });
        (Some(rating), why)
    };
    let limiting = rating
        .filter(|&r| r < 5)
        .map(|r| {
            at(r + 1)
                .filter(|c| c.outcome != Outcome::Pass)
                .map(|c| c.id.clone())
                .collect()
        })
        .unwrap_or_default();
    RequirementScore {
        id: requirement.id.clone(),
        title: requirement.title.clone(),
        weight: requirement.weight,
        evidence: requirement.evidence,
        strength: requirement.evidence.strength(),
        rating,
        criteria: mine.iter().map(|c| c.id.clone()).collect(),
        limiting,
        reason,
        not_applicable,
    }
}

/// The steps to the category's next level: each rated requirement under
/// it whose next criteria exist, by what raising it to that level adds
/// to the category's value (most first), with the criteria to pass.
fn roadmap(
    requirements: &[RequirementScore],
    criteria: &[CriterionResult],
    judge: &Judge<'_>,
    target: u8,
    denominator: f64,
) -> Vec<RoadmapStep> {
    if target > 5 || denominator <= 0.0 {
        return Vec::new();
    }
    let mut steps: Vec<RoadmapStep> = requirements
        .iter()
        .filter(|r| r.not_applicable.is_none())
        .filter_map(|r| {
            let rating = r.rating.filter(|&x| x < target)?;
            let todo: Vec<RoadmapCriterion> = criteria
                .iter()
                .filter(|c| c.level > rating && c.level <= target)
                .filter(|c| c.outcome != Outcome::Pass && r.criteria.contains(&c.id))
                .map(|c| {
                    let metric = judge.metric(&c.metric);
                    RoadmapCriterion {
                        id: c.id.clone(),
                        level: c.level,
                        metric: c.metric.clone(),
                        value: c.value,
                        unit: c.unit,
                        compare: c.compare.clone(),
                        threshold: c.threshold,
                        subjects: metric.subjects.iter().take(10).cloned().collect(),
                        subjects_total: metric.subjects_total.max(metric.subjects.len() as u64),
                        lift: c.lift.clone(),
                    }
                })
                .collect();
            if todo.is_empty() {
                return None;
            }
            let adds = f64::from(target - rating) * f64::from(r.weight) * r.strength / denominator;
            Some(RoadmapStep {
                requirement: r.id.clone(),
                title: r.title.clone(),
                rating,
                target,
                adds,
                criteria: todo,
            })
        })
        .collect();
    steps.sort_by(|a, b| {
        b.adds
            .total_cmp(&a.adds)
            .then_with(|| a.requirement.cmp(&b.requirement))
    });
    steps
}

/// Why a category at or under the coverage floor stops at the cap.
fn cap_reason(coverage: f64, profile: &Profile) -> String {
    format!(
        "rated evidence speaks to {:.0} % of the category's requirement weight (partial \
         evidence counting half), at or under the profile's coverage floor of {:.0} %: the \
         requirements it cannot see count as unknown, so the level stops at {}",
        (coverage * 100.0).floor(),
        profile.coverage_floor * 100.0,
        profile.coverage_cap
    )
}

/// Share (0–1) of the categories' weight that scan evidence rests on.
fn evidenced_share<'a>(categories: impl Iterator<Item = &'a CategoryScore>) -> f64 {
    let (mut covered, mut total) = (0.0, 0u32);
    for c in categories {
        total += c.weight;
        if c.basis == Basis::Evidence {
            covered += f64::from(c.weight) * c.coverage.unwrap_or(0.0);
        }
    }
    if total == 0 {
        0.0
    } else {
        covered / f64::from(total)
    }
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

/// A category with no level yet: the fields every variant shares.
fn blank(category: &Category, ladder: Option<&Ladder>, basis: Basis) -> CategoryScore {
    CategoryScore {
        category: category.id.to_string(),
        title: ladder.map_or_else(|| title_of(category.id), |l| l.title.clone()),
        module: category.module.to_string(),
        weight: category.weight,
        basis,
        value: None,
        level: None,
        evidence_value: None,
        evidence_level: None,
        capped: false,
        coverage: None,
        requirements: Vec::new(),
        supporting: false,
        not_applicable: None,
        roadmap: Vec::new(),
        reason: None,
        criteria: Vec::new(),
        limiting: Vec::new(),
        claim: None,
        claim_value: None,
        contradiction: None,
    }
}

/// A category of a scan that assessed nothing: no level, no criteria
/// judged, the reason; a claim is kept beside it but not counted.
fn unassessed(
    category: &Category,
    ladder: Option<&Ladder>,
    claim: Option<f64>,
    reason: &str,
) -> CategoryScore {
    CategoryScore {
        reason: Some(reason.to_string()),
        claim: claim.map(floor),
        claim_value: claim,
        ..blank(category, ladder, Basis::NotAssessed)
    }
}

/// A category the config declares not applicable.
fn not_applicable(category: &Category, ladder: Option<&Ladder>, reason: &str) -> CategoryScore {
    CategoryScore {
        not_applicable: Some(reason.to_string()),
        reason: Some(format!("not applicable: {reason}")),
        ..blank(category, ladder, Basis::NotApplicable)
    }
}

fn unmeasured(category: &Category, claim: Option<f64>) -> CategoryScore {
    let basis = if claim.is_some() {
        Basis::Claim
    } else {
        Basis::NotAssessed
    };
    CategoryScore {
        value: claim,
        level: claim.map(floor),
        claim: claim.map(floor),
        claim_value: claim,
        ..blank(category, None, basis)
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

/// The model's weighted mean (by category weight) of the assessed
/// categories' values, and that mean rounded down (once, at the end).
fn roll_up<'a>(categories: impl Iterator<Item = &'a CategoryScore>) -> (Option<f64>, Option<u8>) {
    let (mut sum, mut weights) = (0.0, 0u32);
    for c in categories {
        if let Some(value) = c.value {
            sum += value * f64::from(c.weight);
            weights += c.weight;
        }
    }
    if weights == 0 {
        return (None, None);
    }
    let value = sum / f64::from(weights);
    (Some(value), Some(floor(value)))
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
            let applicable = members
                .iter()
                .copied()
                .filter(|c| c.basis != Basis::NotApplicable);
            ModuleScore {
                module,
                value,
                level,
                assessed,
                categories: applicable.clone().count(),
                evidenced_share: evidenced_share(applicable),
            }
        })
        .collect()
}
