//! The judging stage: what a stored scan means. One entry point,
//! [`Judge::judge`], run after every scan (and `watch` run), and by
//! `findings`, `score`, `report`, `metrics` and `demo` alike:
//!
//! ```text
//! stored scan ─→ (cycle) ─→ diff + events ─→ models ─→ rules ─→ findings
//!             ─→ lifecycle across the timeline ─→ metrics ─→ score
//! ```
//!
//! - [`changes`]: the diff against the previous complete scan, its change
//!   events and the inventory summary;
//! - [`cycles`]: shard scans and the cycle scans judged in their place;
//! - `findings`: subject models, rule evaluation, the finding lifecycle;
//! - `score`: metrics and the maturity card, and the scored history.
//!
//! With [`Persist::Record`] (commands that store a scan) the findings,
//! events and card are written to the store; with [`Persist::InMemory`]
//! (the read-only commands) the same judgement is computed and nothing is
//! written, so a read-only copy of an inventory answers the same.
//! Judging is blocking work (SQL and CPU): async callers run it on a
//! blocking thread.

pub mod changes;
pub mod context;
pub mod cycles;
mod findings;
mod policy;
mod score;
pub mod summary;
mod tracking;

use crate::clock::Clock;
use crate::inventory::history::ScanDiff;
use crate::inventory::view::InventorySummary;
use crate::policy::lifecycle::{FindingCounts, TrackedFinding};
use crate::policy::model::{ModelChunk, SubjectModels};
use crate::scoring::ScoreCard;
use crate::store::{ScanId, ScanRecord, ScanStatus, ShardPart, Store, StoreError};

pub use crate::policy::model::LEAF_CHUNK;
pub use context::InventoryContext;
pub use cycles::CycleStep;
pub use findings::evaluate_models;
pub use policy::PolicyRequest;
pub use score::{scored_history, ScoredScan};

/// Why a scan could not be judged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JudgeError {
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Only complete scans are judged.
    #[error("scan {scan} is {status}: only complete scans are judged")]
    NotComplete {
        /// The scan.
        scan: ScanId,
        /// Its status.
        status: &'static str,
    },
    /// A shard scan is judged through its cycle scan.
    #[error(
        "scan {scan} is shard {shard}/{count} of a sharded scope: findings and scores are \
         computed for its cycle scan ({})",
        cycle.map_or_else(|| "made when every shard is in".to_string(), |c| format!("scan {c}"))
    )]
    ShardScan {
        /// The shard scan.
        scan: ScanId,
        /// Its shard number.
        shard: u32,
        /// How many shards the scope has.
        count: u32,
        /// Its cycle scan, once made.
        cycle: Option<ScanId>,
    },
    /// A scan disappeared from the store while it was being judged.
    #[error("scan {0} vanished from the inventory while it was judged")]
    Vanished(ScanId),
}

/// Whether judging writes what it computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persist {
    /// Store the findings, change events and score (commands that store
    /// scans: `scan`, `watch`, `demo`).
    Record,
    /// Compute only; nothing is written (the read-only commands).
    InMemory,
}

/// Whether a judgement keeps the judged scan's leaf, chain and endpoint
/// models (built a chunk at a time; the CA and inventory models are
/// always kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelRetention {
    /// Keep them in [`Judged::models`] (for callers that list or alert on
    /// leaves or endpoints: the audit report, webhooks, the demo); memory
    /// grows with the estate.
    Keep,
    /// Fold each chunk into what the metrics and the finding lifecycle
    /// need, then drop it: [`Judged::models`] has no leaf, chain or
    /// endpoint models.
    Fold,
}

/// A judged scan: its record, findings with their history, models and
/// maturity card.
pub struct Judged {
    /// The scan.
    pub record: ScanRecord,
    /// Its findings, tracked across the timeline, with exceptions applied.
    pub findings: Vec<TrackedFinding>,
    /// The models its rules were evaluated over; the leaf, chain and
    /// endpoint models only when judged with [`ModelRetention::Keep`].
    pub models: SubjectModels,
    /// Its maturity card.
    pub card: ScoreCard,
    /// Its findings counted by status and severity (whether or not
    /// `findings` holds them).
    pub counts: FindingCounts,
    /// Cards computed in memory for earlier scans that had none stored
    /// (with [`Persist::InMemory`]), for the trend.
    pub backfilled: Vec<ScoredScan>,
    /// Its leaves folded for the inventory summary.
    pub inventory: summary::SummaryFold,
}

/// What was made of a freshly stored complete scan.
pub struct AfterScan {
    /// The scan judged (for a shard scan that completed a cycle: the cycle
    /// scan), or the scan stored when nothing was judged.
    pub scan: ScanId,
    /// For a shard scan: the line saying what became of its cycle.
    pub cycle_note: Option<String>,
    /// The diff, inventory summary and judgement; `None` for a shard scan
    /// whose cycle is not (or not here) complete.
    pub judged: Option<(ScanDiff, InventorySummary, Judged)>,
}

/// Everything a judgement reads besides the scan: the store, the trust
/// and owner context, the rules, exceptions and profile, the clock, and
/// whether to write.
pub struct Judge<'a> {
    /// The inventory.
    pub store: &'a Store,
    /// Trust anchors and owner rules.
    pub context: &'a InventoryContext,
    /// Rules, exceptions, profile and claims.
    pub policy: &'a PolicyRequest,
    /// The one source of "now".
    pub clock: Clock,
    /// Write what is computed, or not.
    pub persist: Persist,
}

impl Judge<'_> {
    /// Judges the complete scan `record`: earlier unscored scans are scored
    /// first (the trend stays whole), then its findings are evaluated and
    /// tracked, and it is scored. The leaf, chain and endpoint models are
    /// folded chunk by chunk and not kept ([`ModelRetention::Fold`]).
    pub fn judge(&self, record: ScanRecord) -> Result<Judged, JudgeError> {
        self.judge_in_chunks(record, LEAF_CHUNK, ModelRetention::Fold)
    }

    /// [`Judge::judge`], keeping the judged scan's leaf, chain and
    /// endpoint models in [`Judged::models`] ([`ModelRetention::Keep`]).
    pub fn judge_keeping_models(&self, record: ScanRecord) -> Result<Judged, JudgeError> {
        self.judge_in_chunks(record, LEAF_CHUNK, ModelRetention::Keep)
    }

    /// [`Judge::judge`], building and evaluating the leaf, chain and
    /// endpoint models `chunk` at a time (the default is [`LEAF_CHUNK`]) and keeping them or not; the
    /// judgement is the same whatever `chunk` and `keep`, only the memory it
    /// takes changes.
    pub fn judge_in_chunks(
        &self,
        record: ScanRecord,
        chunk: usize,
        keep: ModelRetention,
    ) -> Result<Judged, JudgeError> {
        let mut findings = Vec::new();
        let mut judged = self.judge_streaming(record, chunk, keep, &mut |t| findings.push(t))?;
        judged.findings = findings;
        Ok(judged)
    }

    /// [`Judge::judge_in_chunks`] handing each tracked finding to `sink`
    /// as it is tracked instead of collecting them ([`Judged::findings`]
    /// is left empty): what a caller that writes or counts findings uses,
    /// so that no one holds a large scan's findings. The findings come
    /// model chunk by model chunk (endpoints, leaves, chains, then CAs and
    /// the inventory), then those the previous scan left open that went,
    /// by rule and subject.
    pub fn judge_streaming(
        &self,
        record: ScanRecord,
        chunk: usize,
        keep: ModelRetention,
        sink: &mut dyn FnMut(TrackedFinding),
    ) -> Result<Judged, JudgeError> {
        self.judge_watching(record, (chunk, keep), sink, &mut |_| ())
    }

    /// [`Judge::judge_streaming`], also showing each chunk of leaf, chain
    /// and endpoint models to `on_chunk` as it is judged: what a caller
    /// that needs more of the models than the judgement keeps folds them
    /// with (the metrics exposition's certificate series).
    pub fn judge_watching(
        &self,
        record: ScanRecord,
        (chunk, keep): (usize, ModelRetention),
        sink: &mut dyn FnMut(TrackedFinding),
        on_chunk: &mut dyn FnMut(&ModelChunk),
    ) -> Result<Judged, JudgeError> {
        if record.status != ScanStatus::Complete {
            return Err(JudgeError::NotComplete {
                scan: record.id,
                status: record.status.as_str(),
            });
        }
        cycles::require_judged(self.store, record.id)?;
        let backfilled = self.backfill(record.id, chunk)?;
        let tracked = self.track(&record, chunk, keep, sink, on_chunk)?;
        let card = self.score(&record, &tracked)?;
        Ok(Judged {
            record,
            findings: Vec::new(),
            models: tracked.models,
            card,
            counts: tracked.counts,
            backfilled,
            inventory: tracked.summary,
        })
    }

    /// After a complete scan `scan` was stored: completes its shard cycle
    /// (when `shard` is given), diffs it and records its change events,
    /// and judges it (or the cycle scan it completed), keeping its models
    /// and its findings ([`Judged::findings`]) or not as `keep` says (the
    /// findings are stored, and counted in [`Judged::counts`], either
    /// way).
    pub fn after_scan(
        &self,
        scan: ScanId,
        shard: Option<&ShardPart>,
        keep: ModelRetention,
    ) -> Result<AfterScan, JudgeError> {
        let (scan, cycle_note) = match shard {
            None => (scan, None),
            Some(part) => match cycles::complete(self.store, scan, part)? {
                CycleStep::Judge { scan, note } => (scan, Some(note)),
                CycleStep::Wait { note } => {
                    return Ok(AfterScan {
                        scan,
                        cycle_note: Some(note),
                        judged: None,
                    })
                }
            },
        };
        let kept = keep == ModelRetention::Keep;
        let changes = changes::analyse(self.store, scan, self.persist, kept)?;
        let record = self.store.scan(scan)?.ok_or(JudgeError::Vanished(scan))?;
        let mut judged = match keep {
            ModelRetention::Keep => self.judge_in_chunks(record, LEAF_CHUNK, keep)?,
            ModelRetention::Fold => self.judge_streaming(record, LEAF_CHUNK, keep, &mut |_| ())?,
        };
        let summary = std::mem::take(&mut judged.inventory).finish(changes.counts);
        Ok(AfterScan {
            scan,
            cycle_note,
            judged: Some((changes.diff, summary, judged)),
        })
    }
}
