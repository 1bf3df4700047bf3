//! What changed with a stored scan: the diff of its endpoints' leaves
//! against the previous complete scan that probed endpoints (an import of
//! certificates at rest is not diffed), the change events recorded from it,
//! and the one-screen inventory summary.

use super::{InventoryContext, JudgeError, Persist};
use crate::clock::Clock;
use crate::inventory::history::{self, ScanDiff};
use crate::inventory::view::{self, InventorySummary};
use crate::store::{ScanId, Store};

/// Diffs `scan` against the previous complete one, records the events
/// (with [`Persist::Record`]), and summarises its inventory.
pub fn analyse(
    store: &Store,
    scan: ScanId,
    context: &InventoryContext,
    clock: Clock,
    persist: Persist,
) -> Result<(ScanDiff, InventorySummary), JudgeError> {
    let leaves = store.endpoint_leaves(scan)?;
    let files = store.at_rest(scan)?;
    // an import of certificates at rest has no endpoint: nothing to diff,
    // and a scan after it is compared with the last scan that had some
    let older = match (files.is_empty(), store.previous_served_scan(scan)?) {
        (true, Some(previous)) => store.endpoint_leaves(previous.id)?,
        _ => Vec::new(),
    };
    let diff = history::diff(&older, &leaves);
    if persist == Persist::Record {
        store.record_events(scan, &history::events(&diff, &leaves))?;
    }
    let certificates = store.certificates_in_scan(scan)?;
    let graph = view::graph(&certificates, &context.trust);
    let now = clock.now();
    let rows = view::rows_with_files(&leaves, &files, &certificates, &graph, &context.owners, now);
    let summary = view::summary(&rows, &diff, now);
    Ok((diff, summary))
}
