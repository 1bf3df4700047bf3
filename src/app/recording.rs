//! Storing a scan in the inventory and, once it is complete, handing it to
//! the judging stage; the stored scan's one-screen summary.

use std::io::{self, Write};
use std::sync::Arc;

use super::AppError;
use crate::cli::{PolicyRequest, ScanRequest};
use crate::clock::Clock;
use crate::inventory::history::ScanDiff;
use crate::inventory::view::InventorySummary;
use crate::judge::{cycles, InventoryContext, Judge, ModelRetention, Persist};
use crate::observation::Observation;
use crate::policy::lifecycle::{FindingCounts, TrackedFinding};
use crate::policy::model::SubjectModels;
use crate::report;
use crate::revocation;
use crate::scan::summary::ScanSummary;
use crate::scoring::ScoreCard;
use crate::store::{
    ObservationWriter, ScanId, ScanMeta, ScanRecord, ShardPart, Store, StoreError, WriterOptions,
};
use crate::targets::Pairings;

/// With `--check-revocation` (`pairings` set): the revocation stage on
/// the stored `scan`, before it is judged; the line saying what it found.
fn check_revocation(
    store: &Store,
    scan: ScanId,
    pairings: Option<&Arc<Pairings>>,
    clock: Clock,
) -> Result<Option<String>, AppError> {
    let Some(pairings) = pairings else {
        return Ok(None);
    };
    let settings = revocation::RevocationSettings::default();
    let run = revocation::check_scan(store, scan, &settings, pairings.clone(), clock)?;
    Ok(Some(run.line()))
}

/// A scan being written to the inventory.
pub(super) struct Recording {
    store: Store,
    scan: ScanId,
    writer: ObservationWriter,
    context: InventoryContext,
    /// The part of its scope a `--shard` scan covers.
    shard: Option<ShardPart>,
    /// With `--check-revocation`: the name pairings its fetches honour.
    revocation: Option<Arc<Pairings>>,
    /// Whether the judged scan keeps its leaf models (webhooks and the
    /// demo's report read them).
    leaves: ModelRetention,
}

impl Recording {
    /// Starts a scan for `request`, begun at `started_at`, in an opened
    /// `store`, judged later against `context`.
    pub fn begin(
        store: Store,
        context: InventoryContext,
        request: &ScanRequest,
        started_at: time::OffsetDateTime,
    ) -> Result<Self, AppError> {
        let meta = ScanMeta {
            started_at,
            targets: request.targets_text.clone(),
            options: request.options.clone(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
        };
        let options = WriterOptions {
            keep_unresponsive: request.keep_unresponsive,
        };
        let mut recording = Recording::begin_with(store, meta, context, options)?;
        if request.probe_options.check_revocation {
            recording.revocation = Some(request.scope.pairings().clone());
        }
        if let Some(part) = cycles::shard_part(
            request.scope.shard(),
            &request.targets_text,
            &request.options,
        ) {
            recording.store.record_shard(recording.scan, &part)?;
            recording.shard = Some(part);
        }
        Ok(recording)
    }

    /// Starts a scan described by `meta` in an opened `store`.
    pub fn begin_with(
        store: Store,
        meta: ScanMeta,
        context: InventoryContext,
        options: WriterOptions,
    ) -> Result<Self, AppError> {
        let scan = store.begin_scan(&meta)?;
        let writer = store.writer_with(scan, options)?;
        Ok(Recording {
            store,
            scan,
            writer,
            context,
            shard: None,
            revocation: None,
            leaves: ModelRetention::Keep,
        })
    }

    /// Takes over `scan`, already begun in `store` (an import begins it
    /// with its file's row), recording `shard` as its part when given.
    pub fn resume(
        store: Store,
        scan: ScanId,
        context: InventoryContext,
        shard: Option<ShardPart>,
    ) -> Result<Self, AppError> {
        if let Some(part) = &shard {
            store.record_shard(scan, part)?;
        }
        let writer = store.writer(scan)?;
        Ok(Recording {
            store,
            scan,
            writer,
            context,
            shard,
            // an imported scan's certificates are not checked here: its
            // revocation status stays unknown to the rules (not "good")
            revocation: None,
            leaves: ModelRetention::Keep,
        })
    }

    /// The judged scan keeps no leaf models (when nothing reads them: an
    /// import, a scan without webhooks): judging then holds one chunk of
    /// leaf models at a time.
    pub fn fold_leaves(mut self) -> Self {
        self.leaves = ModelRetention::Fold;
        self
    }

    /// Queues one observation for the writer thread.
    pub fn write(&self, observation: &Observation) -> io::Result<()> {
        self.writer
            .write(observation.clone())
            .map_err(io::Error::other)
    }

    /// Queues one observation it owns for the writer thread.
    pub fn write_owned(&self, observation: Observation) -> Result<(), StoreError> {
        self.writer.write(observation)
    }

    /// Flushes and closes the scan; a complete scan is then judged (its
    /// cycle completed first for a shard scan) and the findings, events
    /// and score stored. Blocking: async callers run it on a blocking
    /// thread.
    pub fn finish(
        self,
        summary: &ScanSummary,
        clock: Clock,
        policy: &PolicyRequest,
    ) -> Result<StoredScan, AppError> {
        let summary_json = serde_json::to_value(summary).unwrap_or_default();
        let close = |store: &Store, scan| store.finish_scan(scan, summary.complete, &summary_json);
        self.finish_with(summary.complete, close, clock, policy)
    }

    /// [`Recording::finish`] with the scan closed by `close` (given the
    /// store and the scan, once every observation is committed): an
    /// import closes it with the file's finish time and its import row.
    pub fn finish_with(
        self,
        complete: bool,
        close: impl FnOnce(&Store, ScanId) -> Result<(), StoreError>,
        clock: Clock,
        policy: &PolicyRequest,
    ) -> Result<StoredScan, AppError> {
        self.writer.finish()?;
        close(&self.store, self.scan)?;
        let db = self.store.path().display().to_string();
        if !complete {
            return Ok(StoredScan::unjudged(self.scan, db, None));
        }
        let revocation = check_revocation(&self.store, self.scan, self.revocation.as_ref(), clock)?;
        let judge = Judge {
            store: &self.store,
            context: &self.context,
            policy,
            clock,
            persist: Persist::Record,
        };
        let after = judge.after_scan(self.scan, self.shard.as_ref(), self.leaves)?;
        let Some((diff, inventory, judged)) = after.judged else {
            let mut stored = StoredScan::unjudged(after.scan, db, after.cycle_note);
            stored.revocation_note = revocation;
            return Ok(stored);
        };
        Ok(StoredScan {
            scan: after.scan,
            db,
            cycle_note: after.cycle_note,
            revocation_note: revocation,
            outcome: Some((diff, inventory)),
            findings: judged.findings,
            counts: judged.counts,
            score: Some(judged.card),
            models: Some((judged.record, judged.models)),
        })
    }
}

/// A stored scan and, when it completed, what it changed.
pub(super) struct StoredScan {
    /// Its id (for a shard scan that completed a cycle: the cycle scan's).
    pub scan: ScanId,
    /// The database it is in.
    pub db: String,
    /// For a shard scan: the line saying what became of its cycle.
    pub cycle_note: Option<String>,
    /// With `--check-revocation`: the line saying what the checks found.
    pub revocation_note: Option<String>,
    /// The diff and inventory summary, for a complete scan.
    pub outcome: Option<(ScanDiff, InventorySummary)>,
    /// Its findings with their history, when the scan keeps its models
    /// ([`ModelRetention::Keep`]: webhooks and the demo read them; empty
    /// otherwise, and for an interrupted scan).
    pub findings: Vec<TrackedFinding>,
    /// Its findings counted (all of them, kept or not).
    pub counts: FindingCounts,
    /// Its maturity score (none for an interrupted scan).
    pub score: Option<ScoreCard>,
    /// Its record and models, for a report (none for an interrupted scan).
    pub models: Option<(ScanRecord, SubjectModels)>,
}

impl StoredScan {
    /// A scan stored without being judged: interrupted, or a shard scan
    /// whose cycle is not (or not here) complete.
    fn unjudged(scan: ScanId, db: String, cycle_note: Option<String>) -> StoredScan {
        StoredScan {
            scan,
            db,
            cycle_note,
            revocation_note: None,
            outcome: None,
            findings: Vec::new(),
            counts: FindingCounts::default(),
            score: None,
            models: None,
        }
    }

    /// Prints the cycle line, if any, and the inventory summary (or why
    /// there is none).
    pub fn print(&self, out: &mut dyn Write) -> io::Result<()> {
        if let Some(note) = &self.cycle_note {
            writeln!(out, "{note}")?;
        }
        if let Some(note) = &self.revocation_note {
            writeln!(out, "{note}")?;
        }
        match &self.outcome {
            Some((_, summary)) => {
                report::inventory::write_summary(out, self.scan.0, &self.db, summary)?;
                writeln!(
                    out,
                    "{}  (details: certatlas findings)",
                    report::findings::summary_line(&self.counts)
                )?;
                match &self.score {
                    Some(card) => report::score::write_summary_line(out, card),
                    None => Ok(()),
                }
            }
            None if self.cycle_note.is_some() => Ok(()),
            None => writeln!(
                out,
                "\nscan {} stored in {} as interrupted; no inventory changes computed",
                self.scan.0, self.db
            ),
        }
    }
}
