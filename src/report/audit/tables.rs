//! What `report.html`'s tables show of a scan's leaves, endpoints and
//! findings, folded as they come ([`ReportTables`]): each table keeps only
//! the rows it shows, at most [`ROW_LIMIT`], and the counts it prints, so a
//! report of a million leaves holds a thousand of them. The complete lists
//! are the bundle's files (`files`).

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Arc;

use crate::policy::lifecycle::{FindingStatus, TrackedFinding};
use crate::policy::model::{EndpointModel, LeafModel};
use crate::policy::Severity;

/// Rows shown per table before pointing at the complete files.
pub const ROW_LIMIT: usize = 1000;

/// The first [`ROW_LIMIT`] items by key of all that came (equal keys in
/// the order they came), and how many came.
#[derive(Debug, Clone)]
pub struct TopRows<K, T> {
    kept: BinaryHeap<Ranked<K, T>>,
    came: u64,
}

/// An item with its place: its key, then the order it came in.
#[derive(Debug, Clone)]
struct Ranked<K, T> {
    key: K,
    at: u64,
    item: T,
}

impl<K: Ord, T> PartialEq for Ranked<K, T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<K: Ord, T> Eq for Ranked<K, T> {}

impl<K: Ord, T> PartialOrd for Ranked<K, T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<K: Ord, T> Ord for Ranked<K, T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (&self.key, self.at).cmp(&(&other.key, other.at))
    }
}

impl<K, T> Default for TopRows<K, T> {
    fn default() -> Self {
        TopRows {
            kept: BinaryHeap::new(),
            came: 0,
        }
    }
}

impl<K: Ord, T> TopRows<K, T> {
    /// Offers an item at `key`; `item` is made only when it is kept.
    pub fn offer(&mut self, key: K, item: impl FnOnce() -> T) {
        let at = self.came;
        self.came += 1;
        if self.kept.len() == ROW_LIMIT {
            let last = self.kept.peek().expect("a full heap has a last");
            if (&key, at) >= (&last.key, last.at) {
                return;
            }
            self.kept.pop();
        }
        let item = item();
        self.kept.push(Ranked { key, at, item });
    }

    /// How many items came.
    pub fn total(&self) -> usize {
        self.came as usize
    }

    /// The kept items, first key first.
    pub fn shown(&self) -> Vec<&T> {
        let mut kept: Vec<&Ranked<K, T>> = self.kept.iter().collect();
        kept.sort();
        kept.into_iter().map(|r| &r.item).collect()
    }
}

/// Where a finding sorts in the report: active ones first, then by
/// severity (critical first), rule and subject.
pub type FindingPlace = (bool, Reverse<Severity>, Arc<str>, Arc<str>);

/// A severity's findings by where they stand: active, excepted,
/// unobserved, fixed, withdrawn.
pub type StatusCounts = [u64; 5];

/// What the report's leaf, revocation, endpoint and finding tables show.
#[derive(Debug, Clone, Default)]
pub struct ReportTables {
    /// The leaves, soonest expiry first (then by SHA-256).
    pub leaves: TopRows<(i64, String), LeafModel>,
    /// Leaves whose revocation was checked.
    pub revocation_checked: u64,
    /// Leaves checked without a usable answer.
    pub revocation_unknown: u64,
    /// The revoked leaves, in model order.
    pub revoked: TopRows<(), LeafModel>,
    /// The endpoints, by where they serve (then in model order).
    pub endpoints: TopRows<String, EndpointModel>,
    /// The findings, at their [`FindingPlace`].
    pub findings: TopRows<FindingPlace, TrackedFinding>,
    /// The findings of each severity by status.
    pub finding_counts: BTreeMap<Severity, StatusCounts>,
}

impl ReportTables {
    /// The tables of `leaves`, `endpoints` and `findings`, in that order.
    pub fn of(
        leaves: &[LeafModel],
        endpoints: &[EndpointModel],
        findings: &[TrackedFinding],
    ) -> Self {
        let mut tables = ReportTables::default();
        leaves.iter().for_each(|l| tables.add_leaf(l));
        endpoints.iter().for_each(|e| tables.add_endpoint(e));
        findings.iter().for_each(|t| tables.add_finding(t));
        tables
    }

    /// Folds in the next leaf.
    pub fn add_leaf(&mut self, leaf: &LeafModel) {
        let c = &leaf.certificate;
        let key = (c.days_left, c.sha256.clone());
        self.leaves.offer(key, || leaf.clone());
        let r = &leaf.revocation;
        self.revocation_checked += u64::from(r.checked);
        self.revocation_unknown += u64::from(r.status == "unknown");
        if r.status == "revoked" {
            self.revoked.offer((), || leaf.clone());
        }
    }

    /// Folds in the next endpoint.
    pub fn add_endpoint(&mut self, endpoint: &EndpointModel) {
        let key = endpoint.served_at.clone();
        self.endpoints.offer(key, || endpoint.clone());
    }

    /// Folds in the next finding.
    pub fn add_finding(&mut self, t: &TrackedFinding) {
        let f = &t.finding;
        let place = (
            !t.is_active(),
            Reverse(f.severity),
            Arc::clone(&f.rule),
            Arc::clone(&f.label),
        );
        self.findings.offer(place, || t.clone());
        let column = match t.status {
            _ if t.is_active() => Some(0),
            _ if t.status.is_present() => Some(1),
            FindingStatus::Unobserved => Some(2),
            FindingStatus::Fixed => Some(3),
            FindingStatus::Withdrawn => Some(4),
            _ => None,
        };
        let counts = self.finding_counts.entry(f.severity).or_default();
        if let Some(column) = column {
            counts[column] += 1;
        }
    }

    /// The counts of `severity`'s findings by status.
    pub fn counts_of(&self, severity: Severity) -> StatusCounts {
        self.finding_counts
            .get(&severity)
            .copied()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::{TopRows, ROW_LIMIT};

    #[test]
    fn the_first_rows_by_key_are_kept_ties_in_the_order_they_came() {
        let mut rows = TopRows::default();
        let n = ROW_LIMIT as u32 * 3;
        // keys descending in thirds, each key three times
        let items: Vec<(u32, u32)> = (0..n).map(|i| ((n - i) / 3, i)).collect();
        for &(key, i) in &items {
            rows.offer(key, || i);
        }
        let mut want = items.clone();
        want.sort_by_key(|&(key, _)| key); // stable: ties in arrival order
        let want: Vec<u32> = want.iter().take(ROW_LIMIT).map(|&(_, i)| i).collect();
        let shown: Vec<u32> = rows.shown().into_iter().copied().collect();
        assert_eq!(shown, want);
        assert_eq!(rows.total(), n as usize);
    }

    #[test]
    fn fewer_rows_than_the_limit_are_all_kept_in_order() {
        let mut rows = TopRows::default();
        for (key, item) in [(2, "b"), (1, "a"), (2, "c")] {
            rows.offer(key, || item);
        }
        assert_eq!(rows.shown(), [&"a", &"b", &"c"]);
        assert_eq!(rows.total(), 3);
    }
}
