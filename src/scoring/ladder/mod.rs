//! Maturity ladders as data: for each measured PKIMM category, the
//! criteria of levels 2 to 5 (metric, comparison, threshold, minimum
//! history) and the category's PKIMM requirements with how far scanner
//! evidence speaks to each (from which its coverage follows); plus the
//! profile that names and versions the whole set. Built-in ladders live in
//! `rules/maturity/` (`builtin`); a directory of the user's replaces them
//! by category and the config can override single thresholds ([`load()`]).

mod builtin;
mod conformance;
mod error;
mod file;
mod load;

pub use builtin::LADDER_FILES;
pub use conformance::model_disagreements;
pub use error::LadderError;
pub use load::{load, Overrides, ThresholdOverride};

/// The metric coverage floor of a profile that does not set
/// `metric_coverage_floor`.
pub const DEFAULT_METRIC_COVERAGE_FLOOR: f64 = 0.5;
/// The minimum scan interval of a profile that does not set
/// `min_scan_interval_hours`.
pub const DEFAULT_MIN_SCAN_INTERVAL_HOURS: f64 = 12.0;

use std::collections::BTreeMap;

use serde::Serialize;

/// The comparison a criterion makes between a metric and its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Comparison {
    /// `value <= threshold`
    #[serde(rename = "<=")]
    AtMost,
    /// `value >= threshold`
    #[serde(rename = ">=")]
    AtLeast,
    /// `value < threshold`
    #[serde(rename = "<")]
    Below,
    /// `value > threshold`
    #[serde(rename = ">")]
    Above,
}

impl Comparison {
    /// Parses `<=`, `>=`, `<` or `>`.
    pub fn parse(text: &str) -> Option<Comparison> {
        match text {
            "<=" => Some(Comparison::AtMost),
            ">=" => Some(Comparison::AtLeast),
            "<" => Some(Comparison::Below),
            ">" => Some(Comparison::Above),
            _ => None,
        }
    }

    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::AtMost => "<=",
            Comparison::AtLeast => ">=",
            Comparison::Below => "<",
            Comparison::Above => ">",
        }
    }

    /// Whether `value` satisfies the comparison with `threshold`.
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::AtMost => value <= threshold,
            Comparison::AtLeast => value >= threshold,
            Comparison::Below => value < threshold,
            Comparison::Above => value > threshold,
        }
    }
}

/// How much history a criterion needs before it can pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HistoryGate {
    /// Days from the first complete scan to the scored one.
    pub days: i64,
    /// Complete scans up to the scored one.
    pub scans: u64,
}

/// One criterion of a ladder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Criterion {
    /// Id, unique within its ladder.
    pub id: String,
    /// The level it belongs to, 2 to 5.
    pub level: u8,
    /// The metric it reads (a catalogue id).
    pub metric: String,
    /// How the metric is compared.
    pub compare: Comparison,
    /// The threshold, in the metric's unit.
    pub threshold: f64,
    /// History needed before it can pass.
    pub history: HistoryGate,
    /// What would have to change for it to pass.
    pub lift: String,
    /// The threshold was overridden by the config.
    pub overridden: bool,
    /// The PKIMM requirements it evidences (ids within the category, e.g.
    /// `cert-inventory`).
    pub requirements: Vec<String>,
}

/// How far scanner evidence speaks to a PKIMM requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// The scanner's output is itself what the requirement asks for.
    Direct,
    /// The scanner shows outcomes; the requirement asks for more.
    Partial,
    /// Scanning cannot speak to it.
    None,
}

impl Evidence {
    /// How much a rating on this evidence weighs in its category's value
    /// and coverage: `direct` 1, `partial` ½, `none` 0.
    pub fn strength(self) -> f64 {
        match self {
            Evidence::Direct => 1.0,
            Evidence::Partial => 0.5,
            Evidence::None => 0.0,
        }
    }
}

/// One PKIMM requirement of the category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Requirement {
    /// Its PKIMM id, e.g. `M.certificate-management.cert-inventory`.
    pub id: String,
    /// Its model title (from `rules/maturity/pkimm-model.toml`).
    pub title: String,
    /// Its weight in the category.
    pub weight: u32,
    /// How far scanner evidence speaks to it.
    pub evidence: Evidence,
}

/// The ladder of one category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ladder {
    /// PKIMM category id.
    pub category: String,
    /// The category's name.
    pub title: String,
    /// The category's requirements.
    pub requirements: Vec<Requirement>,
    /// The criteria, by level then file order.
    pub criteria: Vec<Criterion>,
    /// Where it was read from (`rules/maturity/...` for built-ins).
    pub source: String,
}

impl Ladder {
    /// The share (0–1) of the category's requirement weight that scanner
    /// evidence speaks to, weighed by strength (`direct` 1, `partial` ½),
    /// over the requirements not declared not applicable (`skip`).
    pub fn coverage(&self, skip: &dyn Fn(&str) -> bool) -> f64 {
        let applicable = || self.requirements.iter().filter(|r| !skip(&r.id));
        let total: u32 = applicable().map(|r| r.weight).sum();
        let covered: f64 = applicable()
            .map(|r| f64::from(r.weight) * r.evidence.strength())
            .sum();
        if total == 0 {
            0.0
        } else {
            covered / f64::from(total)
        }
    }

    /// The short id (`cert-inventory`) of a requirement of this ladder.
    pub fn short_id<'a>(&self, requirement: &'a Requirement) -> &'a str {
        requirement
            .id
            .strip_prefix(&format!("{}.", self.category))
            .unwrap_or(&requirement.id)
    }

    /// The criteria of one level.
    pub fn at_level(&self, level: u8) -> impl Iterator<Item = &Criterion> {
        self.criteria.iter().filter(move |c| c.level == level)
    }
}

/// The profile: its name and version, scoring settings, and every ladder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// Name, e.g. `certatlas-default`.
    pub name: String,
    /// Version of the profile's thresholds.
    pub version: String,
    /// History window of window metrics, in days.
    pub window_days: i64,
    /// Under this coverage (0–1) a category is capped; a category exactly
    /// on it is not.
    pub coverage_floor: f64,
    /// The level a category under the coverage floor is capped at.
    pub coverage_cap: u8,
    /// Under this coverage (0–1: subjects measured of all subjects of the
    /// metric's kind) a metric is unknown; exactly on it, it is known.
    pub metric_coverage_floor: f64,
    /// Complete scans closer together than this many hours count once in
    /// cadence metrics and history gates.
    pub min_scan_interval_hours: f64,
    /// Governance categories (`G.*`) are scored from a scan only when the
    /// profile opts in; otherwise their criteria are shown as supporting
    /// facts for a Governance self-assessment and the category is not
    /// assessed (or scored from the claim).
    pub governance_from_scan: bool,
    /// Requirements (`M.cat.req`) and categories (`M.cat`) the config
    /// declares not applicable, with the reason: left out of values,
    /// coverage and roll-ups, and shown as such.
    pub not_applicable: BTreeMap<String, String>,
    /// The ladders, in PKIMM category order.
    pub ladders: Vec<Ladder>,
    /// SHA-256 of the profile's effective content (after overrides).
    pub digest: String,
}

impl Profile {
    /// [`Profile::min_scan_interval_hours`] as a duration.
    pub fn min_scan_interval(&self) -> time::Duration {
        time::Duration::seconds_f64(self.min_scan_interval_hours * 3600.0)
    }

    /// Whether a category of `coverage` (0–1) is capped: its evidence must
    /// rest on more than the coverage floor, so a category exactly on it
    /// (4 of 10 on 0.40) is capped. Compared in whole hundredths of a
    /// percent, so rounding never moves a category across the floor.
    pub fn capped_by_coverage(&self, coverage: f64) -> bool {
        basis_points(coverage) <= basis_points(self.coverage_floor)
    }

    /// Why a requirement or category id is not applicable, if declared so.
    pub fn not_applicable(&self, id: &str) -> Option<&str> {
        self.not_applicable.get(id).map(String::as_str)
    }

    /// The ladder of a category.
    pub fn ladder(&self, category: &str) -> Option<&Ladder> {
        self.ladders.iter().find(|l| l.category == category)
    }
}

/// A share (0–1) in hundredths of a percent, rounded to the nearest.
fn basis_points(share: f64) -> i64 {
    (share * 10_000.0).round() as i64
}
