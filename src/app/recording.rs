//! Storing a scan in the inventory and, once it is complete, computing what
//! it means: the diff against the previous complete scan, the change events
//! (recorded in the store), and the one-screen inventory summary.

use std::io::{self, Write};

use super::cycles::CycleStep;
use super::AppError;
use crate::cli::{PolicyRequest, ScanRequest};
use crate::clock::Clock;
use crate::config::Config;
use crate::inventory::ca::TrustContext;
use crate::inventory::history::{self, ScanDiff};
use crate::inventory::owners::OwnerRules;
use crate::inventory::store::{ObservationWriter, ScanId, ScanMeta, ScanRecord, ShardPart, Store};
use crate::inventory::view::{self, InventorySummary};
use crate::observation::Observation;
use crate::policy::lifecycle::TrackedFinding;
use crate::policy::model::SubjectModels;
use crate::report;
use crate::scan::summary::ScanSummary;
use crate::scoring::ScoreCard;

/// What classification and ownership are judged against.
pub(super) struct InventoryContext {
    /// Public roots plus the approved anchors.
    pub trust: TrustContext,
    /// The owner rules, first match wins.
    pub owners: OwnerRules,
    /// Approved anchors declared (files, SPKI hashes and extra certificates).
    pub approved_anchors: u64,
    /// Digest of the approved anchors (certificates and SPKI hashes).
    pub anchors_digest: String,
    /// Digest of the owner rules.
    pub owners_digest: String,
}

impl InventoryContext {
    /// From the config (if any) plus `extra_approved` anchor certificates.
    pub fn new(config: Option<&Config>, extra_approved: Vec<Vec<u8>>) -> Result<Self, AppError> {
        let mut approved = extra_approved;
        let mut spki = Vec::new();
        let mut owners = OwnerRules::new();
        let mut owner_specs = Vec::new();
        if let Some(config) = config {
            approved.extend(config.approved_anchor_ders().map_err(settings_error)?);
            spki = config.approved_spki();
            owners = config.owner_rules().map_err(settings_error)?;
            owner_specs = config
                .owners
                .iter()
                .map(|o| format!("{:?}", o.rule))
                .collect();
        }
        let approved_anchors = (approved.len() + spki.len()) as u64;
        let (anchors_digest, owners_digest) = context_digests(&approved, &spki, &owner_specs);
        Ok(InventoryContext {
            anchors_digest,
            owners_digest,
            trust: TrustContext::new(approved, spki, true),
            owners,
            approved_anchors,
        })
    }
}

/// Digests of the anchors (order-free) and of the owner rules (first match
/// wins: order matters).
fn context_digests(approved: &[Vec<u8>], spki: &[String], owners: &[String]) -> (String, String) {
    use crate::policy::digests::digest_parts;
    let mut anchors: Vec<String> = approved
        .iter()
        .map(|der| crate::certs::sha256_hex(der))
        .chain(spki.iter().map(|s| format!("spki:{s}")))
        .collect();
    anchors.sort();
    (digest_parts(&anchors), digest_parts(owners))
}

fn settings_error(e: crate::config::ConfigError) -> AppError {
    AppError::Settings(e.into())
}

/// A scan being written to the inventory.
pub(super) struct Recording {
    store: Store,
    scan: ScanId,
    writer: ObservationWriter,
    context: InventoryContext,
    /// The part of its scope a `--shard` scan covers.
    shard: Option<ShardPart>,
}

impl Recording {
    /// Starts a scan for `request` in an opened `store`, judged later
    /// against `context`.
    pub fn begin(
        store: Store,
        context: InventoryContext,
        request: &ScanRequest,
        clock: Clock,
    ) -> Result<Self, AppError> {
        let meta = ScanMeta {
            started_at: clock.now(),
            targets: request.targets_text.clone(),
            options: request.options.clone(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
        };
        let mut recording = Recording::begin_with(store, meta, context)?;
        if let Some(part) = super::cycles::shard_part(request) {
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
    ) -> Result<Self, AppError> {
        let scan = store.begin_scan(&meta)?;
        let writer = store.writer(scan)?;
        Ok(Recording {
            store,
            scan,
            writer,
            context,
            shard: None,
        })
    }

    /// Queues one observation for the writer thread.
    pub fn write(&self, observation: &Observation) -> io::Result<()> {
        self.writer
            .write(observation.clone())
            .map_err(io::Error::other)
    }

    /// Flushes, closes the scan, and (for a complete scan) records its
    /// events, summarises the inventory and evaluates `policy`.
    pub fn finish(
        self,
        summary: &ScanSummary,
        clock: Clock,
        policy: &PolicyRequest,
    ) -> Result<StoredScan, AppError> {
        self.writer.finish()?;
        let summary_json = serde_json::to_value(summary).unwrap_or_default();
        self.store
            .finish_scan(self.scan, summary.complete, &summary_json)?;
        let db = self.store.path().display().to_string();
        if !summary.complete {
            return Ok(StoredScan::unjudged(self.scan, db, None));
        }
        let (scan, cycle_note) = match &self.shard {
            None => (self.scan, None),
            Some(part) => match super::cycles::complete(&self.store, self.scan, part)? {
                CycleStep::Judge { scan, note } => (scan, Some(note)),
                CycleStep::Wait { note } => {
                    return Ok(StoredScan::unjudged(self.scan, db, Some(note)))
                }
            },
        };
        let (diff, inventory) = analyse(&self.store, scan, &self.context, clock)?;
        let record = self.store.scan(scan)?;
        let record = record.ok_or_else(|| AppError::Inventory(format!("scan {scan} vanished")))?;
        let today = clock.now().date();
        let mut tracked =
            super::findings::track(&self.store, &record, &self.context, policy, today)?;
        let score = super::score::score_scan(&self.store, &record, &mut tracked, policy, today)?;
        let (findings, models) = (tracked.findings, tracked.models);
        Ok(StoredScan {
            scan,
            db,
            cycle_note,
            outcome: Some((diff, inventory)),
            findings,
            score: Some(score),
            models: Some((record, models)),
        })
    }
}

/// Diffs a scan against the previous complete one, records the events,
/// and summarises its inventory.
pub(super) fn analyse(
    store: &Store,
    scan: ScanId,
    context: &InventoryContext,
    clock: Clock,
) -> Result<(ScanDiff, InventorySummary), AppError> {
    let leaves = store.endpoint_leaves(scan)?;
    let older = match store.previous_scan(scan)? {
        Some(previous) => store.endpoint_leaves(previous.id)?,
        None => Vec::new(),
    };
    let diff = history::diff(&older, &leaves);
    store.record_events(scan, &history::events(&diff, &leaves))?;
    let certificates = store.certificates_in_scan(scan)?;
    let graph = view::graph(&certificates, &context.trust);
    let now = clock.now();
    let rows = view::rows(&leaves, &certificates, &graph, &context.owners, now);
    Ok((diff.clone(), view::summary(&rows, &diff, now)))
}

/// A stored scan and, when it completed, what it changed.
pub(super) struct StoredScan {
    /// Its id (for a shard scan that completed a cycle: the cycle scan's).
    pub scan: ScanId,
    /// The database it is in.
    pub db: String,
    /// For a shard scan: the line saying what became of its cycle.
    pub cycle_note: Option<String>,
    /// The diff and inventory summary, for a complete scan.
    pub outcome: Option<(ScanDiff, InventorySummary)>,
    /// Its findings with their history (empty for an interrupted scan).
    pub findings: Vec<TrackedFinding>,
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
            outcome: None,
            findings: Vec::new(),
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
        match &self.outcome {
            Some((_, summary)) => {
                report::inventory::write_summary(out, self.scan.0, &self.db, summary)?;
                super::findings::print_summary(out, &self.findings)?;
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
