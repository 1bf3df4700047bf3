//! Reading one ladder file or the profile file strictly: unknown keys, an
//! unknown category or metric, a level outside 2..5, a bad comparison, a
//! duplicate criterion id or a level without criteria are errors naming the
//! file, line and column.

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;

use super::error::LadderError;
use super::{Comparison, Criterion, Evidence, HistoryGate, Ladder, Requirement};
use crate::document::{self, Spanned};
use crate::located::{Located, Position};
use crate::policy::category;
use crate::scoring::metrics;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLadder {
    category: Spanned<String>,
    title: String,
    requirements: Vec<RawRequirement>,
    criteria: Vec<Spanned<RawCriterion>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    id: Spanned<String>,
    weight: u32,
    evidence: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    id: Spanned<String>,
    level: Spanned<u8>,
    metric: Spanned<String>,
    compare: Spanned<String>,
    threshold: Spanned<f64>,
    history: Option<RawHistory>,
    lift: String,
    requirements: Spanned<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHistory {
    #[serde(default)]
    days: i64,
    #[serde(default)]
    scans: u64,
}

/// The profile file (`profile.toml`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    /// Profile name.
    pub name: String,
    /// Profile version.
    pub version: String,
    /// History window in days.
    pub window_days: Spanned<i64>,
    /// Coverage under which a category is capped.
    pub coverage_floor: Spanned<f64>,
    /// The cap.
    pub coverage_cap: Spanned<u8>,
    /// Coverage under which a metric is unknown (default 0.5).
    #[serde(default)]
    pub metric_coverage_floor: Option<Spanned<f64>>,
    /// Scans of a scope closer together than this count once in cadence
    /// (default 12).
    #[serde(default)]
    pub min_scan_interval_hours: Option<Spanned<f64>>,
    /// Score Governance categories from a scan (default false).
    #[serde(default)]
    pub governance_from_scan: Option<bool>,
}

struct Source<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Source<'_> {
    fn error(&self, span: &Range<usize>, problem: impl Into<String>) -> LadderError {
        let position = Some(Position::of_span(self.text, span));
        Located::new(self.path, position, problem.into()).into()
    }
}

/// Parses the profile file.
pub fn parse_profile(text: &str, path: &Path) -> Result<RawProfile, LadderError> {
    let raw: RawProfile = document::parse_strict(text, path)?;
    let src = Source { text, path };
    if *raw.window_days.get_ref() < 1 {
        return Err(src.error(&raw.window_days.span(), "window_days must be at least 1"));
    }
    let floor = *raw.coverage_floor.get_ref();
    if !(0.0..=1.0).contains(&floor) {
        return Err(src.error(
            &raw.coverage_floor.span(),
            "coverage_floor is a share between 0 and 1",
        ));
    }
    if !(1..=5).contains(raw.coverage_cap.get_ref()) {
        return Err(src.error(
            &raw.coverage_cap.span(),
            "coverage_cap is a level from 1 to 5",
        ));
    }
    if let Some(floor) = &raw.metric_coverage_floor {
        if !(0.0..=1.0).contains(floor.get_ref()) {
            return Err(src.error(
                &floor.span(),
                "metric_coverage_floor is a share between 0 and 1",
            ));
        }
    }
    if let Some(hours) = &raw.min_scan_interval_hours {
        if !(0.0..=24.0 * 7.0).contains(hours.get_ref()) {
            return Err(src.error(
                &hours.span(),
                "min_scan_interval_hours is a number of hours from 0 to 168",
            ));
        }
    }
    Ok(raw)
}

/// Parses one ladder file; `source` is how reports name it.
pub fn parse_ladder(text: &str, path: &Path, source: &str) -> Result<Ladder, LadderError> {
    let raw: RawLadder = document::parse_strict(text, path)?;
    let src = Source { text, path };
    let category = raw.category.get_ref().clone();
    if category::find(&category).is_none() {
        let problem = format!("unknown PKIMM category {category:?}");
        return Err(src.error(&raw.category.span(), problem));
    }
    let requirements = raw
        .requirements
        .into_iter()
        .map(|r| requirement(r, &category, &src))
        .collect::<Result<Vec<_>, _>>()?;
    let mut criteria = Vec::new();
    let mut ids = BTreeSet::new();
    let mut named = BTreeSet::new();
    for spanned in raw.criteria {
        let span = spanned.span();
        let raw = spanned.into_inner();
        for short in raw.requirements.get_ref() {
            let found = requirements
                .iter()
                .find(|r| r.id == format!("{category}.{short}"));
            match found {
                Some(r) if r.evidence != Evidence::None => {
                    named.insert(r.id.clone());
                }
                Some(_) => {
                    let problem = format!(
                        "requirement {short:?} has evidence \"none\": no criterion may rate it"
                    );
                    return Err(src.error(&raw.requirements.span(), problem));
                }
                None => {
                    let problem = format!("no requirement {short:?} in {category}");
                    return Err(src.error(&raw.requirements.span(), problem));
                }
            }
        }
        if raw.requirements.get_ref().is_empty() {
            let problem = "a criterion names the requirement(s) it evidences";
            return Err(src.error(&raw.requirements.span(), problem));
        }
        let criterion = criterion(raw, &src)?;
        if !ids.insert(criterion.id.clone()) {
            return Err(src.error(&span, format!("duplicate criterion id {:?}", criterion.id)));
        }
        criteria.push(criterion);
    }
    criteria.sort_by_key(|c| c.level);
    if let Some(unrated) = requirements
        .iter()
        .find(|r| r.evidence != Evidence::None && !named.contains(&r.id))
    {
        let problem = format!(
            "requirement {:?} claims {} evidence but no criterion rates it",
            unrated.id,
            if unrated.evidence == Evidence::Direct {
                "direct"
            } else {
                "partial"
            }
        );
        return Err(src.error(&raw.category.span(), problem));
    }
    let ladder = Ladder {
        category,
        title: raw.title,
        requirements,
        criteria,
        source: source.into(),
    };
    check_levels(&ladder, &src, &raw.category.span())?;
    Ok(ladder)
}

fn requirement(
    raw: RawRequirement,
    category: &str,
    src: &Source<'_>,
) -> Result<Requirement, LadderError> {
    let id = raw.id.get_ref().clone();
    if !id.starts_with(&format!("{category}.")) {
        return Err(src.error(
            &raw.id.span(),
            format!("requirement {id:?} is not in {category}"),
        ));
    }
    let evidence = match raw.evidence.get_ref().as_str() {
        "direct" => Evidence::Direct,
        "partial" => Evidence::Partial,
        "none" => Evidence::None,
        other => {
            let problem = format!("evidence {other:?}: expected direct, partial or none");
            return Err(src.error(&raw.evidence.span(), problem));
        }
    };
    Ok(Requirement {
        title: String::new(),
        id,
        weight: raw.weight,
        evidence,
    })
}

fn criterion(raw: RawCriterion, src: &Source<'_>) -> Result<Criterion, LadderError> {
    let level = *raw.level.get_ref();
    if !(2..=5).contains(&level) {
        return Err(src.error(
            &raw.level.span(),
            format!("level {level}: criteria are for levels 2 to 5"),
        ));
    }
    let metric = raw.metric.get_ref().clone();
    if metrics::find(&metric).is_none() {
        let problem = format!("unknown metric {metric:?} (see the README's metric table)");
        return Err(src.error(&raw.metric.span(), problem));
    }
    let compare = Comparison::parse(raw.compare.get_ref()).ok_or_else(|| {
        src.error(
            &raw.compare.span(),
            format!(
                "compare {:?}: expected <=, >=, < or >",
                raw.compare.get_ref()
            ),
        )
    })?;
    let threshold = *raw.threshold.get_ref();
    if !threshold.is_finite() {
        return Err(src.error(&raw.threshold.span(), "threshold must be a finite number"));
    }
    let history = raw
        .history
        .map_or_else(HistoryGate::default, |h| HistoryGate {
            days: h.days,
            scans: h.scans,
        });
    Ok(Criterion {
        id: raw.id.into_inner(),
        level,
        metric,
        compare,
        threshold,
        history,
        lift: raw.lift,
        overridden: false,
        requirements: raw.requirements.into_inner(),
    })
}

/// Every level 2..5 needs at least one criterion, else it would pass for
/// free.
fn check_levels(ladder: &Ladder, src: &Source<'_>, span: &Range<usize>) -> Result<(), LadderError> {
    for level in 2..=5 {
        if ladder.at_level(level).next().is_none() {
            let problem = format!("{}: level {level} has no criteria", ladder.category);
            return Err(src.error(span, problem));
        }
    }
    Ok(())
}
