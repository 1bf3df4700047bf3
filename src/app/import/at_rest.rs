//! `certatlas import PATH` for certificates at rest: the files are read
//! whole first ([`crate::import::at_rest::collect`]), so a file named
//! that holds no certificate or a wrong password ends the run before the
//! store is opened; then the import is recorded as a scan of its own
//! (targets `file:PATH`, begun now, refused when the same locations with
//! the same certificates were imported before), its certificates and
//! their `file:` locations stored, and the scan judged as a live one is:
//! the certificates join the inventory, CA graph, owners, rules and
//! score; having no endpoint, they add none and endpoint rules skip them.

use std::io::{self, Write};

use super::super::recording::{Recording, StoredScan};
use super::super::{stdout_error, AppError, RunStatus};
use super::begin_import;
use crate::cli::ImportRequest;
use crate::clock::Clock;
use crate::import::at_rest::{self, AtRestOptions, Collected};
use crate::judge::InventoryContext;
use crate::sanitize::terminal;
use crate::store::{NewImport, ScanMeta, Store};

/// PATH is read as certificates at rest: an option of theirs was given,
/// it is a directory, or its content is one of their formats (never when
/// `--from` names a scan file format).
pub(super) fn applies(request: &ImportRequest) -> bool {
    request.from.is_none()
        && (request.at_rest.given()
            || request.file.is_dir()
            || at_rest::holds_at_rest(&request.file))
}

/// Imports the certificates at rest under `request.file`.
pub(super) fn run(
    request: &ImportRequest,
    clock: Clock,
    quiet: bool,
) -> Result<RunStatus, AppError> {
    let options = AtRestOptions {
        from: request.at_rest.from.map(|f| f.at_rest()),
        glob: request.at_rest.glob.clone(),
        password_file: request.at_rest.password_file.clone(),
    };
    let collected = at_rest::collect(&request.file, &options)?;
    let context = InventoryContext::new(request.store.config.as_ref(), Vec::new())?;
    let store = Store::connect(&request.store.db)?;
    let started_at = clock.now();
    let meta = ScanMeta {
        started_at,
        targets: vec![format!("file:{}", collected.root.display())],
        options: options_json(&options, &collected),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let file = NewImport {
        sha256: collected.sha256.clone(),
        file_name: collected.root.display().to_string(),
        lines: collected.certificates.len() as u64,
        header: false,
    };
    let (scan, import) = begin_import(&store, &meta, file)?;
    if let Err(failure) = store.record_at_rest(scan, started_at, &collected.certificates) {
        let summary = serde_json::json!({ "failed": failure.to_string() });
        store.finish_scan(scan, false, &summary)?;
        return Err(failure.into());
    }
    let recording = Recording::resume(store, scan, context, None)?;
    let summary = summary_json(&collected);
    let finished_at = clock.now();
    let close =
        |store: &Store, scan| store.finish_import(import, scan, true, &summary, Some(finished_at));
    let stored = recording.finish_with(true, close, clock, &request.policy)?;
    report(request.json, &collected, &stored, quiet)?;
    Ok(super::super::findings::gate(
        &stored.counts,
        &request.policy,
    ))
}

/// The scan's options: how the files were read (never the password).
fn options_json(options: &AtRestOptions, collected: &Collected) -> serde_json::Value {
    serde_json::json!({
        "imported": true,
        "at_rest": {
            "path": collected.root.display().to_string(),
            "directory": collected.directory,
            "from": options.from.map(|f| f.name()),
            "glob": options.glob,
            "password_file": options.password_file.is_some(),
        },
    })
}

/// What the import found, stored as the scan's summary.
fn summary_json(collected: &Collected) -> serde_json::Value {
    serde_json::json!({
        "complete": true,
        "at_rest": true,
        "certificates": collected.certificates.len(),
        "files": collected.files,
        "skipped": collected.skipped_count(),
        "filtered": collected.filtered,
        "unverified": collected.unverified.len(),
    })
}

/// Prints what was imported: a table (the stored scan's summary, as
/// `scan` prints it) or one JSON object.
fn report(
    json: bool,
    collected: &Collected,
    stored: &StoredScan,
    quiet: bool,
) -> Result<(), AppError> {
    for file in &collected.unverified {
        let text = format!(
            "note: {}: Java keystore read without --password-file: its integrity was not checked",
            terminal(file)
        );
        super::super::note(quiet, &text);
    }
    let mut out = io::stdout().lock();
    match json {
        true => writeln!(out, "{}", summary_object(collected, stored)),
        false => write_table(&mut out, collected, stored),
    }
    .map_err(stdout_error)
}

fn write_table(out: &mut dyn Write, collected: &Collected, stored: &StoredScan) -> io::Result<()> {
    writeln!(
        out,
        "imported {} certificates at rest from {} ({} files read, {} skipped, {} left out by --glob) as scan {}",
        collected.certificates.len(),
        terminal(&collected.root.display().to_string()),
        collected.files,
        collected.skipped_count(),
        collected.filtered,
        stored.scan.0
    )?;
    for (reason, paths) in &collected.skipped {
        writeln!(out, "  skipped {} ({reason}):", paths.len())?;
        for path in paths.iter().take(10) {
            writeln!(out, "    {}", terminal(path))?;
        }
        if paths.len() > 10 {
            writeln!(out, "    ... and {} more", paths.len() - 10)?;
        }
    }
    stored.print(out)
}

fn summary_object(collected: &Collected, stored: &StoredScan) -> serde_json::Value {
    serde_json::json!({
        "path": collected.root.display().to_string(),
        "at_rest": true,
        "sha256": collected.sha256,
        "certificates": collected.certificates.len(),
        "files": collected.files,
        "skipped": collected.skipped,
        "filtered": collected.filtered,
        "unverified": collected.unverified,
        "scan": stored.scan.0,
        "status": "complete",
        "findings": stored.counts.total(),
        "db": stored.db,
    })
}
