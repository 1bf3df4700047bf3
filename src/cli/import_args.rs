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
    /// A JSON Lines file written by `certatlas scan --format jsonl -o FILE`,
    /// or another tool's output: zgrab2 or tlsx JSON Lines, sslyze JSON,
    /// nmap XML with ssl-cert (a regular file: it is read twice, once to
    /// check it, once to store it).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The file's format; by default told from its content.
    #[arg(long, value_name = "FORMAT", value_enum)]
    pub from: Option<ImportFormat>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub store: StoreArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub policy: PolicyArgs,
    /// Output format of the import's summary: table or json.
    #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
}

/// The formats `--from` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    /// certatlas JSON Lines (`scan --format jsonl`).
    Certatlas,
    /// zgrab2 JSON Lines (tls module, or smtp/imap/pop3/ftp/mysql/postgres with TLS).
    Zgrab2,
    /// tlsx JSON Lines (`-json -cert`, with `-tc` for the chain).
    Tlsx,
    /// sslyze JSON (`--certinfo --json_out FILE`).
    Sslyze,
    /// nmap XML (`-oX FILE --script ssl-cert`; the leaf only).
    Nmap,
}

impl ImportFormat {
    /// The reader's format.
    pub fn format(self) -> crate::import::Format {
        use crate::import::Format;
        match self {
            ImportFormat::Certatlas => Format::Certatlas,
            ImportFormat::Zgrab2 => Format::Zgrab2,
            ImportFormat::Tlsx => Format::Tlsx,
            ImportFormat::Sslyze => Format::Sslyze,
            ImportFormat::Nmap => Format::Nmap,
        }
    }
}

/// A validated `import` invocation.
#[derive(Debug)]
pub struct ImportRequest {
    /// The file to import.
    pub file: PathBuf,
    /// Its format, when `--from` forces one.
    pub from: Option<crate::import::Format>,
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
        from: args.from.map(ImportFormat::format),
        store,
        policy: Arc::new(policy),
        json: args.format == "json",
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

Other tools' outputs are read too, told apart by content (--from forces one): zgrab2 JSON
Lines (tls, or smtp/imap/pop3/ftp/mysql/postgres with TLS), tlsx JSON Lines (-json -cert -tc),
sslyze JSON (--certinfo --json_out FILE) and nmap XML (-oX FILE --script ssl-cert). Each is
stored as one scan of what the tool saw, with the chain it reported (nmap: the leaf alone).
  nmap -p 443,8443 --script ssl-cert -oX estate.xml 10.1.0.0/24 && certatlas import estate.xml

Exit codes: 0 imported, 1 an active finding at or above --fail-on, 2 bad file, refused or
operational error.";
