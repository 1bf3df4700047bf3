//! `certatlas import PATH`: a scan file (certatlas JSON Lines, or a peer
//! scanner's output) stored as the scan it records (`scan_file`), or
//! certificates at rest stored as a scan of their own (`at_rest`); either
//! way judged as a live scan is. This file decides which, and owns what
//! both share: beginning the import's scan, and why an import is refused.

mod at_rest;
mod scan_file;

use super::scan::off_runtime;
use super::{AppError, RunStatus};
use crate::cli::ImportRequest;
use crate::clock::Clock;
use crate::store::{ImportStart, NewImport, ScanId, ScanMeta, ScanStatus, Store};

/// Why an import is refused although the file is good.
#[derive(Debug, thiserror::Error)]
pub enum ImportRefusal {
    /// The same bytes were imported before (or are being imported).
    #[error(
        "{file}: already imported as scan {scan} ({status}, from {earlier} at {at}): \
         importing the same file twice is refused"
    )]
    AlreadyImported {
        /// The file now.
        file: String,
        /// The scan it became.
        scan: ScanId,
        /// That scan's state.
        status: &'static str,
        /// The file as it was named then.
        earlier: String,
        /// When it was imported.
        at: String,
    },
    /// The inventory holds a scan begun later: judging this one now would
    /// put it after that scan in every timeline.
    #[error(
        "{file}: its scan began {began}, before scan {scan} (begun {latest}) already in the \
         inventory; scans are judged in the order they are stored: import files oldest first"
    )]
    OutOfOrder {
        /// The file.
        file: String,
        /// When its scan began.
        began: String,
        /// The later scan.
        scan: ScanId,
        /// When that one began.
        latest: String,
    },
}

/// Runs `certatlas import` (blocking work on tokio's blocking pool):
/// certificates at rest when PATH holds them (or `--from`, `--glob`,
/// `--password-file` say so), else certatlas JSON Lines.
pub async fn import(
    request: ImportRequest,
    clock: Clock,
    quiet: bool,
) -> Result<RunStatus, AppError> {
    off_runtime(move || match at_rest::applies(&request) {
        true => at_rest::run(&request, clock, quiet),
        false => scan_file::run(&request, quiet),
    })
    .await
}

/// Begins the scan `meta` for `file`, or refuses a file imported before.
fn begin_import(
    store: &Store,
    meta: &ScanMeta,
    file: NewImport,
) -> Result<(ScanId, i64), AppError> {
    match store.begin_import(meta, &file)? {
        ImportStart::Begun { scan, import } => Ok((scan, import)),
        ImportStart::AlreadyImported(earlier) => Err(ImportRefusal::AlreadyImported {
            file: file.file_name,
            scan: earlier.scan,
            status: match earlier.scan_status {
                ScanStatus::Running => "being imported now",
                other => other.as_str(),
            },
            earlier: earlier.file_name,
            at: crate::report::instant_text(earlier.imported_at),
        }
        .into()),
    }
}
