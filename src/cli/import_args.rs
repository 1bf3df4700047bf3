//! `certatlas import`: its arguments (a JSON Lines file, the inventory,
//! and the rule arguments `scan` takes) and their validation into an
//! [`ImportRequest`].

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::policy::{self, PolicyRequest};
use super::settings::{self, SettingsError, StoreRequest};
use super::{PolicyArgs, StoreArgs};

/// Arguments of `certatlas import`.
#[derive(Debug, Args)]
#[command(after_help = IMPORT_EXAMPLES)]
pub struct ImportArgs {
    /// A JSON Lines file written by `certatlas scan --format jsonl -o FILE`
    /// (a regular file: it is read twice, once to check it, once to store it).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub store: StoreArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub policy: PolicyArgs,
    /// Output format of the import's summary.
    #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = super::formats::summary())]
    pub format: crate::report::ListingFormat,
}

/// A validated `import` invocation.
#[derive(Debug)]
pub struct ImportRequest {
    /// The file to import.
    pub file: PathBuf,
    /// The inventory and its configuration.
    pub store: StoreRequest,
    /// The rules the imported scan is judged with.
    pub policy: Arc<PolicyRequest>,
    /// The summary as JSON instead of a table.
    pub json: bool,
}

/// Validates `import` arguments (the config, rules, profile and
/// self-assessment are loaded here, before the file is read).
pub fn import_request(args: ImportArgs) -> Result<ImportRequest, SettingsError> {
    let store = settings::store_request(&args.store)?;
    let policy = policy::policy_request(&args.policy, store.config.as_ref())?;
    Ok(ImportRequest {
        file: args.file,
        store,
        policy: Arc::new(policy),
        json: args.format == crate::report::ListingFormat::Json,
    })
}

const IMPORT_EXAMPLES: &str = "Examples:
  certatlas scan 10.1.0.0/16 --no-db --format jsonl -o segment-a.jsonl   # on a scanner without the database
  certatlas import segment-a.jsonl --db postgres://certatlas@inventory/certatlas --config certatlas.toml

The file is checked whole before anything is written: a line that is not certatlas JSON Lines
exits 2 naming the file and line. The scan is stored as it was run (targets, options, start and
finish from the file) and judged as a live scan is, as of the scan's finish. A file with no
summary line (a scan killed before the end) is stored as interrupted and not judged. A file
already imported (same SHA-256), or older than the newest scan the inventory holds, is refused.

Exit codes: 0 imported, 1 an active finding at or above --fail-on, 2 bad file, refused or
operational error.";
