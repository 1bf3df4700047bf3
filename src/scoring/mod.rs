//! Scores: the measured facts mapped onto the PKI Consortium's PKI Maturity
//! Model (PKIMM 2.0.0). Pure functions, no I/O beyond reading ladder and
//! self-assessment files:
//!
//! - [`metrics`]: the facts (expired in service, owner coverage, weak keys,
//!   renewals, scan cadence, time to fix, ...) from a scan's models and the
//!   inventory's history;
//! - [`ladder`]: the criteria per level for each measured category, as
//!   data in `rules/maturity/`;
//! - [`score()`]: metrics + findings + ladders (+ claims) → a [`ScoreCard`];
//! - [`claims`]: importing a self-assessment;
//! - [`model`]: the PKIMM model as data, and the check of the ladders
//!   against it.
//!
//! Every card is labelled an automated estimate from network observations,
//! never a PKIMM assessment.

pub mod card;
pub mod claims;
pub mod ladder;
pub mod metrics;
pub mod model;
mod score;

pub use card::{
    Basis, CategoryScore, CriterionResult, ModuleScore, Outcome, ProfileInfo, RequirementScore,
    RoadmapCriterion, RoadmapStep, ScoreCard, ESTIMATE_LABEL,
};
pub use metrics::HistoryDepth;
pub use score::{score, title_of, FindingFact};

#[cfg(test)]
mod tests;
