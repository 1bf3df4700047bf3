//! The measured facts scores are built on: one [`Metric`] per entry of the
//! catalogue [`CATALOGUE`], each with its numerator, denominator, window and
//! the certificates or endpoints behind it. [`compute`] derives them all
//! from the models of the scored scan (`estate`) and the inventory's
//! history up to it (`history`). Pure functions, no clock; the history
//! itself is read from the store by [`ScanHistory::from_store`].

pub mod alerting;
mod cabf;
mod catalogue;
mod endpoint_tally;
mod estate;
mod history;
mod input;
mod leaf_facts;
mod post_quantum;
mod read;
pub mod register;
mod share;
mod tally;

pub use catalogue::{find, Direction, MetricDef, Scope, Unit, CATALOGUE, CATEGORY_FINDINGS};
pub use endpoint_tally::EndpointTally;
pub use input::{EndpointReach, Exclusions, HistoryDepth, MetricInput, ScanHistory, ScanPoint};
pub use leaf_facts::{expiry_horizon_days, within_expiry_horizon, EXPIRY_HORIZON_DAYS};
pub use tally::LeafTally;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// At most this many subjects are listed per metric; `subjects_total`
/// keeps the full count.
pub const SUBJECT_LIMIT: usize = 50;

/// One measured fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// Catalogue id, e.g. `owner_coverage`.
    pub id: String,
    /// What `value` counts in.
    pub unit: Unit,
    /// The figure: a percentage (0–100), a number of days or a count;
    /// `None` when there is nothing to measure it on (unknown).
    pub value: Option<f64>,
    /// For percentages: the count the percentage is of.
    pub numerator: Option<u64>,
    /// For percentages: what it is out of.
    pub denominator: Option<u64>,
    /// How many samples the figure rests on (leaves, endpoints, events,
    /// scans).
    pub samples: u64,
    /// The subjects on which the property was measured (`None` when there
    /// is no subject of its kind).
    #[serde(default)]
    pub measured: Option<u64>,
    /// `measured` of all subjects of the metric's kind, 0–1 (`None` when
    /// there is none). Under the profile's metric coverage floor the
    /// metric is unknown.
    #[serde(default)]
    pub coverage: Option<f64>,
    /// What was measured on how many ("accepted versions probed on 2 of
    /// 36 endpoints"), for metrics measured on part of their kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<String>,
    /// How to measure more ("scan with --versions").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The window in days for history metrics; `None` for the scan alone.
    pub window_days: Option<i64>,
    /// The certificates (SHA-256) or endpoints (`address:port (sni)`)
    /// behind the numerator — the ones that need attention — at most
    /// [`SUBJECT_LIMIT`].
    pub subjects: Vec<String>,
    /// How many subjects there are in all.
    pub subjects_total: u64,
    /// Why the value is unknown, when it is.
    pub note: Option<String>,
}

impl Metric {
    /// A metric with no value yet.
    fn empty(id: &str, unit: Unit) -> Metric {
        Metric {
            id: id.to_string(),
            unit,
            value: None,
            numerator: None,
            denominator: None,
            samples: 0,
            measured: None,
            coverage: None,
            gap: None,
            fix: None,
            window_days: None,
            subjects: Vec::new(),
            subjects_total: 0,
            note: None,
        }
    }

    /// `numerator` out of `denominator` as a percentage; unknown (with
    /// `why`) when the denominator is zero.
    pub fn percent(id: &str, numerator: u64, denominator: u64, why: &str) -> Metric {
        let mut metric = Metric::empty(id, Unit::Percent);
        metric.numerator = Some(numerator);
        metric.denominator = Some(denominator);
        metric.samples = denominator;
        metric.set_whole(denominator);
        if denominator == 0 {
            metric.note = Some(why.to_string());
        } else {
            metric.value = Some(numerator as f64 * 100.0 / denominator as f64);
        }
        metric
    }

    /// A plain count (always known).
    pub fn count(id: &str, count: u64, samples: u64) -> Metric {
        let mut metric = Metric::empty(id, Unit::Count);
        metric.value = Some(count as f64);
        metric.samples = samples;
        metric.set_whole(samples);
        metric
    }

    /// A figure in days over `samples` samples; unknown (with `why`) when
    /// there is none.
    pub fn days(id: &str, days: Option<f64>, samples: u64, why: &str) -> Metric {
        let mut metric = Metric::empty(id, Unit::Days);
        metric.value = days;
        metric.samples = samples;
        metric.set_whole(samples);
        if days.is_none() {
            metric.note = Some(why.to_string());
        }
        metric
    }

    /// Measured on every subject of its kind: `samples` of `samples`.
    fn set_whole(&mut self, samples: u64) {
        self.measured = Some(samples);
        self.coverage = (samples > 0).then_some(1.0);
    }

    /// Measured on `measured` of the `all` subjects of its kind (`kind`,
    /// plural); `what` says what was measured ("accepted versions
    /// probed") and `fix` how to measure more ("scan with --versions").
    pub fn measured_on(
        mut self,
        measured: u64,
        all: u64,
        (what, kind, fix): (&str, &str, &str),
    ) -> Metric {
        self.measured = Some(measured);
        self.coverage = (all > 0).then(|| measured as f64 / all as f64);
        self.gap = Some(format!("{what} on {measured} of {all} {kind}"));
        self.fix = Some(fix.to_string());
        self
    }

    /// Unknown when its coverage lies under `floor` (0–1), saying why and
    /// what would measure it; a metric exactly on the floor stays known.
    fn floored(mut self, floor: f64) -> Metric {
        let Some(coverage) = self.coverage else {
            return self;
        };
        if (coverage * 10_000.0).round() >= (floor * 10_000.0).round() {
            return self;
        }
        self.value = None;
        let gap = self.gap.clone().unwrap_or_else(|| {
            let measured = self.measured.unwrap_or_default();
            format!("measured on {measured} subjects")
        });
        let fix = self.fix.as_deref().unwrap_or("measure more subjects");
        self.note = Some(format!(
            "{gap} ({:.0} %, under the profile's coverage floor of {:.0} %): {fix}",
            (coverage * 100.0).floor(),
            floor * 100.0
        ));
        self
    }

    /// Lists the subjects folded into `listed` (the first
    /// [`SUBJECT_LIMIT`], and how many in all).
    fn with_listed(mut self, listed: &share::Listed) -> Metric {
        self.subjects = listed.first.clone();
        self.subjects_total = listed.total;
        self
    }

    /// Lists `subjects` (all counted, at most [`SUBJECT_LIMIT`] kept).
    pub fn with_subjects(mut self, subjects: impl IntoIterator<Item = String>) -> Metric {
        let mut total = 0;
        for subject in subjects {
            total += 1;
            if self.subjects.len() < SUBJECT_LIMIT {
                self.subjects.push(subject);
            }
        }
        self.subjects_total = total;
        self
    }

    /// Marks the metric as measured over a window of `days`.
    pub fn over(mut self, days: i64) -> Metric {
        self.window_days = Some(days);
        self
    }
}

/// Every metric of one scored scan, by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricSet {
    /// The metrics, by catalogue id.
    pub metrics: BTreeMap<String, Metric>,
    /// Leaf certificates excluded by declared exceptions (SHA-256).
    pub excluded_certificates: Vec<String>,
    /// Endpoints excluded by declared exceptions.
    pub excluded_endpoints: Vec<String>,
}

impl MetricSet {
    /// The metric with this id.
    pub fn get(&self, id: &str) -> Option<&Metric> {
        self.metrics.get(id)
    }

    fn insert(&mut self, metric: Metric) {
        self.metrics.insert(metric.id.clone(), metric);
    }

    /// Puts in a metric computed outside [`compute`] (the exception
    /// register's, [`register::exceptions_documented`]), replacing its
    /// placeholder.
    pub fn set(&mut self, metric: Metric) {
        self.insert(metric);
    }

    /// The set with every metric whose coverage lies under `floor` (0–1)
    /// made unknown, with the reason and the fix as its note.
    pub fn floored(&self, floor: f64) -> MetricSet {
        let metrics = self
            .metrics
            .iter()
            .map(|(id, m)| (id.clone(), m.clone().floored(floor)))
            .collect();
        MetricSet {
            metrics,
            ..self.clone()
        }
    }
}

/// Computes every metric of the catalogue from the models in `input`,
/// leaf and endpoint models included.
pub fn compute(input: &MetricInput<'_>) -> MetricSet {
    let mut tally = leaf_tally(input.history, input.exclusions, input.window_days);
    tally.add(&input.models.leaves);
    let endpoints = &input.models.endpoints;
    let pq: Vec<bool> = (endpoints.iter())
        .map(|e| tally.is_post_quantum(&e.leaf_sha256))
        .collect();
    tally.add_endpoints(endpoints, &pq);
    compute_with(input, &tally)
}

/// An empty [`LeafTally`] for the scored scan of `history`: leaves and
/// endpoints covered by `exclusions` left out, new leaves told by the
/// window of `window_days`. Fold the scan's leaf and endpoint models into
/// it, then [`compute_with`].
pub fn leaf_tally(history: &ScanHistory, exclusions: &Exclusions, window_days: i64) -> LeafTally {
    LeafTally::new(exclusions, history.detection_since(window_days))
}

/// Computes every metric of the catalogue with the leaves and endpoints
/// folded into `leaves` (made by [`leaf_tally`] with the same history,
/// exclusions and window as `input`); the leaf and endpoint models of
/// `input` are not read, so the judge need not keep them.
pub fn compute_with(input: &MetricInput<'_>, leaves: &LeafTally) -> MetricSet {
    let mut set = MetricSet::default();
    let estate = estate::Estate::new(input, leaves);
    set.excluded_certificates = estate.excluded_leaves();
    set.excluded_endpoints = estate.excluded_endpoints();
    for metric in estate.metrics() {
        set.insert(metric);
    }
    for metric in post_quantum::metrics(&estate) {
        set.insert(metric);
    }
    for metric in history::metrics(input, &estate) {
        set.insert(metric);
    }
    set.insert(register::not_given());
    set.insert(alerting::not_given());
    debug_assert!(
        CATALOGUE
            .iter()
            .filter(|d| d.scope != Scope::Findings)
            .all(|d| set.metrics.contains_key(d.id)),
        "every catalogue metric is computed"
    );
    set
}

/// The median of `values` (sorted in place); `None` when empty.
pub(crate) fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    })
}

#[cfg(test)]
mod tests;
