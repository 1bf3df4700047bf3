//! What changed with a stored scan: the diff of its endpoints' leaves
//! against the previous complete scan of the same source
//! ([`Store::previous_comparable_scan`]: an import of certificates at rest
//! or of another tool's output is never what a scan is compared with), the
//! change events recorded from it, and the one-screen inventory summary.

use super::{InventoryContext, JudgeError, Persist};
use crate::clock::Clock;
use crate::inventory::history::{self, ScanDiff};
use crate::inventory::view::{self, InventorySummary};
use crate::store::{ScanId, ScanSource, Store};

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
    // an import of certificates at rest has no endpoint: nothing to diff;
    // a peer's import is compared with nothing (its scope is unknown: its
    // endpoints are not "new"), and no scan with it
    let peer = match store.scan(scan)? {
        Some(record) => store.scan_source(&record)? == ScanSource::Peer,
        None => false,
    };
    let diff = match (
        files.is_empty() && !peer,
        store.previous_comparable_scan(scan)?,
    ) {
        (false, _) => ScanDiff::default(),
        (true, Some(previous)) => history::diff(&store.endpoint_leaves(previous.id)?, &leaves),
        (true, None) => history::diff(&[], &leaves),
    };
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
