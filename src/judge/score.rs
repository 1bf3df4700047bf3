//! Scoring a judged scan: gathering its history from the store (complete
//! scans, the window's events, finding presence, endpoint reach), turning
//! exceptions into exclusions and findings into facts, running the pure
//! scoring function, and storing the card (with [`Persist::Record`]); and
//! the scored history the trend and the report's previous scan read.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::findings::Tracked;
use super::{Judge, JudgeError, Persist};
use crate::scoring::metrics::{self, MetricInput, ScanHistory};

use super::ModelRetention;
use crate::scoring::{self, ScoreCard};
use crate::store::{ScanId, ScanRecord, Store};

/// How many missed endpoints a score lists.
const MISSED_LIMIT: usize = 50;

/// A scan's card and when it was scanned, for a trend.
pub type ScoredScan = (ScanId, OffsetDateTime, ScoreCard);

impl Judge<'_> {
    /// Scores `scan` from its models and tracked findings; with
    /// [`Persist::Record`] stores the card.
    pub(super) fn score(
        &self,
        scan: &ScanRecord,
        tracked: &Tracked,
    ) -> Result<ScoreCard, JudgeError> {
        let policy = self.policy;
        let today = self.clock.now().date();
        let window_days = policy.profile.window_days;
        let mut history = ScanHistory::from_store(self.store, scan.id, window_days, MISSED_LIMIT)?;
        history.min_interval = policy.profile.min_scan_interval();
        let depth = history.depth();
        let exclusions = policy.exclusions(today);
        let input = MetricInput {
            models: &tracked.models,
            history: &history,
            exclusions: &exclusions,
            window_days,
        };
        let mut metrics = metrics::compute_with(&input, &tracked.tally);
        metrics.set(metrics::register::exceptions_documented(
            &policy.exceptions,
            today,
        ));
        let outbox = self.store.alert_outbox()?;
        let window = history.window(window_days);
        metrics.set(metrics::alerting::alerts_delivered(&outbox, window));
        let card = scoring::score(
            &metrics,
            &tracked.facts,
            &policy.profile,
            depth,
            policy.claims.as_ref(),
        );
        if self.persist == Persist::Record {
            self.store.record_score(scan.id, &card.to_stored())?;
        }
        Ok(card)
    }

    /// Scores, oldest first, the judged scans (complete; shard scans left
    /// out) before `before` that have no stored score yet (made before
    /// scores existed, or cycle scans whose scanner stopped before
    /// scoring), with the current rules and profile, so that the trend and
    /// the report's previous scan are complete. Returns the cards made
    /// (stored too with [`Persist::Record`]).
    pub(super) fn backfill(
        &self,
        before: ScanId,
        chunk: usize,
    ) -> Result<Vec<ScoredScan>, JudgeError> {
        let earlier = self
            .store
            .judged_scans()?
            .into_iter()
            .filter(|s| s.id < before);
        let mut made = Vec::new();
        for record in earlier {
            if !self.store.has_score(record.id)? {
                let tracked = self.track(
                    &record,
                    chunk,
                    ModelRetention::Fold,
                    &mut |_| (),
                    &mut |_| (),
                )?;
                let card = self.score(&record, &tracked)?;
                made.push((record.id, record.started_at, card));
            }
        }
        Ok(made)
    }
}

/// Every scored scan up to `up_to`, oldest first, with its start time and
/// card: the stored scores (and `extra`, cards computed in memory for
/// scans that have none stored), and the scan list, each read once.
pub fn scored_history(
    store: &Store,
    up_to: ScanId,
    extra: Vec<ScoredScan>,
) -> Result<Vec<ScoredScan>, JudgeError> {
    let times: BTreeMap<ScanId, OffsetDateTime> = store
        .scans()?
        .into_iter()
        .map(|s| (s.id, s.started_at))
        .collect();
    let mut history: BTreeMap<ScanId, ScoredScan> = store
        .scores()?
        .into_iter()
        .filter(|s| s.scan <= up_to)
        .filter_map(|s| {
            let at = *times.get(&s.scan)?;
            Some((s.scan, (s.scan, at, serde_json::from_value(s.card).ok()?)))
        })
        .collect();
    for scored in extra.into_iter().filter(|s| s.0 <= up_to) {
        history.insert(scored.0, scored);
    }
    Ok(history.into_values().collect())
}
