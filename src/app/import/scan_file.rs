//! `certatlas import`: a JSON Lines file written by `scan --format jsonl`
//! stored as the scan it records and judged as a live scan is (the same
//! [`Recording`] and judging path `scan` uses).
//!
//! The file is checked whole first ([`crate::import::check`]): a bad line
//! ends the run before the store is even opened. The scan takes its
//! targets, options and start from the file's header line and its finish
//! from the summary line, and is judged as of that finish, so importing a
//! file a week later judges the same evidence the same way. A file without
//! a header (written before it existed) is stored with options marked
//! unknown, never compared with another scan's; one without a summary is
//! stored as interrupted and not judged.

use std::io::{self, Write};

use time::OffsetDateTime;

use super::super::recording::{Recording, StoredScan};
use super::super::{note, stdout_error, AppError, RunStatus};
use super::{begin_import, ImportRefusal};
use crate::cli::{ImportRequest, PolicyRequest};
use crate::clock::Clock;
use crate::import::{self, Checked};
use crate::judge::{cycles, InventoryContext};
use crate::probe::TrustStore;
use crate::scan::options::OptionsChange;
use crate::store::{NewImport, ScanId, ScanMeta, Store};

/// What the options of an imported scan are recorded as when its file
/// has no header: no probe options, so no scan is ever compared with it.
fn unknown_options(checked: &Checked) -> serde_json::Value {
    serde_json::json!({
        "imported": true,
        "options": "unknown",
        "note": "imported from a JSON Lines file without a scan line: targets and options unknown",
        "file_lines": checked.lines,
    })
}

/// Imports the scan file `request.file` (certatlas JSON Lines or a peer
/// scanner's output).
pub(super) fn run(request: &ImportRequest, quiet: bool) -> Result<RunStatus, AppError> {
    let checked = import::check_as(&request.file, request.from)?;
    let context = InventoryContext::new(request.store.config.as_ref(), Vec::new())?;
    let store = Store::connect(&request.store.db)?;
    if checked.complete() {
        check_order(&store, &checked)?;
    }
    let options_change = match &checked.header {
        Some(h) => store.options_change(&h.targets, &h.options)?,
        None => None,
    };
    let (scan, import) = begin(&store, &checked)?;
    let shard = checked
        .header
        .as_ref()
        .and_then(|h| cycles::shard_part_of(&h.targets, &h.options));
    let recording = Recording::resume(store, scan, context, shard)?.fold_leaves();
    let stored = store_all(
        recording,
        &checked,
        import,
        options_change.clone(),
        &request.policy,
    )?;
    report(request, &checked, &stored, options_change.as_ref(), quiet)?;
    Ok(match checked.complete() {
        true => super::super::findings::gate(&stored.counts, &request.policy),
        false => RunStatus::Complete,
    })
}

/// Refuses a complete scan begun before the newest judged scan stored.
fn check_order(store: &Store, checked: &Checked) -> Result<(), AppError> {
    let (Some(began), Some(latest)) = (checked.started_at(), store.latest_scan(true)?) else {
        return Ok(());
    };
    if began >= latest.started_at {
        return Ok(());
    }
    Err(ImportRefusal::OutOfOrder {
        file: checked.file.display().to_string(),
        began: crate::report::instant_text(began),
        scan: latest.id,
        latest: crate::report::instant_text(latest.started_at),
    }
    .into())
}

/// Begins the scan and records the file, or refuses a file imported before.
fn begin(store: &Store, checked: &Checked) -> Result<(ScanId, i64), AppError> {
    let header = checked.header.as_ref();
    let summary = checked.summary.as_ref();
    let meta = ScanMeta {
        started_at: checked.started_at().unwrap_or_else(OffsetDateTime::now_utc),
        targets: header.map(|h| h.targets.clone()).unwrap_or_default(),
        options: match (header, &checked.peer) {
            (Some(h), _) => h.options.to_json(),
            (None, Some(peer)) => peer.options_json(checked),
            (None, None) => unknown_options(checked),
        },
        tool_version: header
            .map(|h| h.tool_version.clone())
            .or_else(|| summary.map(|s| s.tool_version.clone()))
            .unwrap_or_else(|| "unknown".into()),
    };
    let file = NewImport {
        sha256: checked.sha256.clone(),
        file_name: checked.file.display().to_string(),
        lines: checked.lines,
        header: header.is_some(),
    };
    begin_import(store, &meta, file)
}

/// Streams every observation to the writer, then closes the scan with
/// the file's summary and finish and judges it as of that finish. A
/// failure on the way closes the scan as interrupted (the file may be
/// imported again).
fn store_all(
    recording: Recording,
    checked: &Checked,
    import: i64,
    options_change: Option<OptionsChange>,
    policy: &PolicyRequest,
) -> Result<StoredScan, AppError> {
    if let Err(failure) = write_all(&recording, checked) {
        let summary = serde_json::json!({ "failed": failure.to_string() });
        let close = |store: &Store, scan| store.finish_scan(scan, false, &summary);
        recording.finish_with(false, close, Clock::real(), policy)?;
        return Err(failure);
    }
    let summary = summary_json(checked, options_change);
    let finished_at = checked.summary.as_ref().map(|s| s.finished_at);
    let complete = checked.complete();
    let close =
        |store: &Store, scan| store.finish_import(import, scan, complete, &summary, finished_at);
    let clock = finished_at.map_or(Clock::real(), Clock::starting_at);
    recording.finish_with(complete, close, clock, policy)
}

/// The second read: every observation to the writer, then the check that
/// the bytes were those checked.
fn write_all(recording: &Recording, checked: &Checked) -> Result<(), AppError> {
    let trust = TrustStore::mozilla(&crate::certs::name_value_text);
    import::replay(checked, &trust, &mut |o| Ok(recording.write_owned(o)?))
}

/// The summary recorded with the scan: the file's, with the options
/// change against this inventory; for a file without one, what is known.
fn summary_json(checked: &Checked, options_change: Option<OptionsChange>) -> serde_json::Value {
    match &checked.summary {
        Some(summary) => {
            let mut summary = summary.clone();
            summary.options_change = options_change;
            serde_json::to_value(&summary).unwrap_or_default()
        }
        None => serde_json::json!({
            "complete": false,
            "observations": checked.observations,
            "note": "the file has no summary line: the scan that wrote it was cut short",
        }),
    }
}

/// Prints what was imported: a table (the stored scan's summary, as
/// `scan` prints it) or one JSON object.
fn report(
    request: &ImportRequest,
    checked: &Checked,
    stored: &StoredScan,
    change: Option<&OptionsChange>,
    quiet: bool,
) -> Result<(), AppError> {
    if let Some(change) = change {
        note(quiet, &crate::sanitize::terminal(&change.line()));
    }
    if let Some(line) = checked.torn_tail {
        let text = format!(
            "note: line {line} is cut short (the scan was stopped while writing it): ignored"
        );
        note(quiet, &text);
    }
    for line in checked.peer.iter().flat_map(|p| p.notes()) {
        note(quiet, &crate::sanitize::terminal(&line));
    }
    if checked.header.is_none() && checked.peer.is_none() {
        note(
            quiet,
            "note: the file has no scan line (an older certatlas wrote it): \
             targets and options stored as unknown",
        );
    }
    let mut out = io::stdout().lock();
    match request.json {
        true => writeln!(out, "{}", summary_object(checked, stored)),
        false => write_table(&mut out, checked, stored),
    }
    .map_err(stdout_error)
}

fn write_table(out: &mut dyn Write, checked: &Checked, stored: &StoredScan) -> io::Result<()> {
    let status = if checked.complete() {
        "complete"
    } else {
        "interrupted"
    };
    let (from, records) = match &checked.peer {
        Some(peer) => (format!(" ({} output)", peer.tool()), "records"),
        None => (String::new(), "lines"),
    };
    writeln!(
        out,
        "imported {}{}: {} {records}, {} observations, as scan {} ({status})",
        crate::sanitize::terminal(&checked.file.display().to_string()),
        crate::sanitize::terminal(&from),
        checked.lines,
        checked.observations,
        stored.scan.0
    )?;
    stored.print(out)
}

fn summary_object(checked: &Checked, stored: &StoredScan) -> serde_json::Value {
    serde_json::json!({
        "file": checked.file.display().to_string(),
        "format": checked.peer.as_ref().map_or("certatlas", |p| p.format.name()),
        "tool": checked.peer.as_ref().map(|p| p.tool()),
        "sha256": checked.sha256,
        "lines": checked.lines,
        "observations": checked.observations,
        "header": checked.header.is_some(),
        "scan": stored.scan.0,
        "status": if checked.complete() { "complete" } else { "interrupted" },
        "findings": stored.counts.total(),
        "db": stored.db,
    })
}
