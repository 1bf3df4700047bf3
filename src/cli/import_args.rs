//! `certatlas import`: its arguments (a JSON Lines file or certificates
//! at rest, the inventory, and the rule arguments `scan` takes) and their
//! validation into an [`ImportRequest`].

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use super::formats::SummaryFormat;
use super::policy::{self, PolicyRequest};
use super::settings::{self, SettingsError, StoreRequest};
use super::{ListingArgs, PolicyArgs};

/// Arguments of `certatlas import`.
#[derive(Debug, Args)]
#[command(after_help = IMPORT_EXAMPLES)]
pub struct ImportArgs {
    /// A JSON Lines file written by `certatlas scan --format jsonl -o FILE`,
    /// or another tool's output: zgrab2 or tlsx JSON Lines, sslyze JSON,
    /// nmap XML with ssl-cert (a regular file: it is read twice, once to
    /// check it, once to store it); or certificates at rest: a PEM or DER
    /// file, a PKCS#12 bundle, a Java keystore (JKS or PKCS12), or a
    /// directory of them (walked recursively). Told apart by content.
    #[arg(value_name = "PATH")]
    pub file: PathBuf,
    /// Read PATH as this format (default: told by content; in a directory,
    /// files of other formats are skipped).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub from: Option<ImportFormat>,
    /// In a directory, read only the files matching PATTERN: `*`, `?`,
    /// `**`, `{pem,crt}`; matched against the file name, or against the
    /// path under the directory when PATTERN holds a `/`.
    #[arg(long, value_name = "PATTERN")]
    pub glob: Option<String>,
    /// The password of PKCS#12 bundles and Java keystores, as the first
    /// line of FILE (never on the command line). Without it an empty
    /// password is tried for PKCS#12 and a JKS is read unverified.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub listing: ListingArgs<SummaryFormat>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub policy: PolicyArgs,
}

/// A format of certificates at rest (the at-rest half of [`ImportFormat`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFrom {
    /// PEM text with `CERTIFICATE` blocks.
    Pem,
    /// One DER-encoded X.509 certificate per file.
    Der,
    /// A PKCS#12 bundle or Java PKCS12 keystore.
    Pkcs12,
    /// A Java keystore (JKS).
    Jks,
}

impl ImportFrom {
    /// The format of certificates at rest it names.
    pub fn at_rest(self) -> crate::at_rest::AtRestFormat {
        use crate::at_rest::AtRestFormat;
        match self {
            ImportFrom::Pem => AtRestFormat::Pem,
            ImportFrom::Der => AtRestFormat::Der,
            ImportFrom::Pkcs12 => AtRestFormat::Pkcs12,
            ImportFrom::Jks => AtRestFormat::Jks,
        }
    }
}

/// How to read certificates at rest (`--from`, `--glob`, `--password-file`).
#[derive(Debug, Clone, Default)]
pub struct AtRestArgs {
    /// The forced format.
    pub from: Option<ImportFrom>,
    /// The directory walk's filter.
    pub glob: Option<String>,
    /// The keystores' password file.
    pub password_file: Option<PathBuf>,
}

impl AtRestArgs {
    /// Any of them was given: PATH is read as certificates at rest.
    pub fn given(&self) -> bool {
        self.from.is_some() || self.glob.is_some() || self.password_file.is_some()
    }
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
    /// Certificates at rest: PEM text with `CERTIFICATE` blocks.
    Pem,
    /// Certificates at rest: one DER-encoded X.509 certificate per file.
    Der,
    /// Certificates at rest: a PKCS#12 bundle or Java PKCS12 keystore.
    Pkcs12,
    /// Certificates at rest: a Java keystore (JKS).
    Jks,
}

impl ImportFormat {
    /// The scan file reader's format (`None`: certificates at rest).
    pub fn format(self) -> Option<crate::import::Format> {
        use crate::import::Format;
        match self {
            ImportFormat::Certatlas => Some(Format::Certatlas),
            ImportFormat::Zgrab2 => Some(Format::Zgrab2),
            ImportFormat::Tlsx => Some(Format::Tlsx),
            ImportFormat::Sslyze => Some(Format::Sslyze),
            ImportFormat::Nmap => Some(Format::Nmap),
            _ => None,
        }
    }

    /// The format of certificates at rest it names (`None`: a scan file).
    pub fn at_rest(self) -> Option<ImportFrom> {
        match self {
            ImportFormat::Pem => Some(ImportFrom::Pem),
            ImportFormat::Der => Some(ImportFrom::Der),
            ImportFormat::Pkcs12 => Some(ImportFrom::Pkcs12),
            ImportFormat::Jks => Some(ImportFrom::Jks),
            _ => None,
        }
    }
}

/// A validated `import` invocation.
#[derive(Debug)]
pub struct ImportRequest {
    /// The file (or, at rest, the file or directory) to import.
    pub file: PathBuf,
    /// How to read certificates at rest.
    pub at_rest: AtRestArgs,
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
    let store = settings::store_request(&args.listing.store)?;
    let policy = policy::policy_request(&args.policy, store.config.as_ref())?;
    Ok(ImportRequest {
        file: args.file,
        at_rest: AtRestArgs {
            from: args.from.and_then(ImportFormat::at_rest),
            glob: args.glob,
            password_file: args.password_file,
        },
        from: args.from.and_then(ImportFormat::format),
        store,
        policy: Arc::new(policy),
        json: args.listing.format == crate::report::ListingFormat::Json,
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

Certificates at rest:
  certatlas import /etc/ssl/private --glob '*.{pem,crt}'
  certatlas import server.p12 --password-file p12.pass
  certatlas import truststore.jks --from jks --password-file jks.pass

Each certificate found becomes evidence at a `file:PATH[#ALIAS]` location (never an endpoint):
it joins the inventory, CA graph, owners, rules and score; endpoint rules do not apply. A file
named that holds no certificate, or a wrong password, exits 2 naming it; in a directory such
files are skipped and counted. The same files with the same certificates imported again are
refused (by the SHA-256 of locations and certificates).

Other tools' outputs are read too, told apart by content (--from forces one): zgrab2 JSON
Lines (tls, or smtp/imap/pop3/ftp/mysql/postgres with TLS), tlsx JSON Lines (-json -cert -tc),
sslyze JSON (--certinfo --json_out FILE) and nmap XML (-oX FILE --script ssl-cert). Each is
stored as one scan of what the tool saw, with the chain it reported. A leaf reported alone by
nmap (always) or tlsx (without -tc) says nothing of the chain the server sends: no chain finding
is raised on it and the chains_correct metric counts it as not measured. A peer's import is
diffed with no scan and no scan with it; an import at rest only with another.
  nmap -p 443,8443 --script ssl-cert -oX estate.xml 10.1.0.0/24 && certatlas import estate.xml

Exit codes: 0 imported, 1 an active finding at or above --fail-on, 2 bad file, refused or
operational error.";
