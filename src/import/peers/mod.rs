//! Other tools' scan outputs read as certatlas observations: zgrab2 and
//! tlsx JSON Lines, sslyze JSON (`--json_out`) and nmap XML (`-oX` with
//! the `ssl-cert` script).
//!
//! Each format module turns its records into [`Observation`]s of
//! (address, port, SNI when the peer sent one) with the chain the peer
//! reported, handing them to a [`Visit`] one at a time: nothing is held
//! but the record being read. [`check`] walks a file once, validating
//! every record and collecting what the scan record needs, before
//! anything is written; [`replay`] walks it again for the store, adds the
//! strict verdict (Mozilla roots, checked as of each observation's time,
//! as a live scan does) and checks that the bytes were those checked.
//!
//! What a peer does not report is not invented: a tool that reports only
//! the leaf (nmap's `ssl-cert`, tlsx without `-tc`) yields observations
//! marked [`Observation::leaf_only_chain`]: their chain's shape is unknown
//! (no chain finding, not measured by the chain metric). They are counted
//! in [`PeerFile::leaf_only`] and said in the import's notes.
//!
//! - `detect`: which format a file is, from its first bytes;
//! - `digest`: a reader that hashes what it reads, and line numbers of
//!   byte offsets, for the document formats;
//! - `pem`: `CERTIFICATE` blocks of PEM text;
//! - `record`: the parts every format shares (times, versions, suites);
//! - one module per tool.

mod detect;
mod digest;
mod nmap;
mod pem;
mod record;
mod sslyze;
mod tlsx;
mod zgrab2;

use std::collections::BTreeMap;
use std::path::Path;

use time::OffsetDateTime;

pub use detect::detect;

use super::reader::{LineReader, ReadProblem};
use super::{Checked, ImportError};
use crate::observation::Observation;
use crate::probe::TrustStore;
use crate::scan::summary::Tally;

/// The formats `certatlas import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// certatlas's own JSON Lines (`scan --format jsonl`).
    Certatlas,
    /// zgrab2 JSON Lines: the `tls` module, or a STARTTLS-capable module
    /// (smtp, imap, pop3, ftp, mysql, postgres) with its `tls` object.
    Zgrab2,
    /// tlsx JSON Lines (`-json`, with `-cert` for the leaf and `-tc -cert`
    /// for the chain).
    Tlsx,
    /// sslyze JSON (`--json_out`), its `certinfo` results.
    Sslyze,
    /// nmap XML (`-oX`) with the `ssl-cert` script's output.
    Nmap,
}

impl Format {
    /// The name `--from` takes and messages use.
    pub fn name(self) -> &'static str {
        match self {
            Format::Certatlas => "certatlas",
            Format::Zgrab2 => "zgrab2",
            Format::Tlsx => "tlsx",
            Format::Sslyze => "sslyze",
            Format::Nmap => "nmap",
        }
    }
}

impl Format {
    /// Why this tool's output can hold the leaf alone.
    fn leaf_only_reason(self) -> &'static str {
        match self {
            Format::Nmap => "nmap's ssl-cert script reports only the leaf",
            Format::Tlsx => "tlsx writes the chain only with -tc -cert, and omits it when empty",
            // these record the chain as received: a leaf alone is what
            // the server sent, never marked leaf-only
            Format::Zgrab2 | Format::Sslyze | Format::Certatlas => "",
        }
    }
}

/// What is wrong with one record of a peer's file.
#[derive(Debug, thiserror::Error)]
pub enum PeerProblem {
    /// Not JSON (or not the JSON shape the tool writes).
    #[error("not {format} JSON: {}", printable(&.source.to_string()))]
    Json {
        /// The format expected.
        format: &'static str,
        /// serde's description (names the field).
        source: serde_json::Error,
    },
    /// Not well-formed XML.
    #[error("not nmap XML: {}", printable(.0))]
    Xml(String),
    /// A field certatlas needs is missing.
    #[error("{format} record without {field}: {why}")]
    Missing {
        /// The format.
        format: &'static str,
        /// The field.
        field: &'static str,
        /// Why certatlas needs it.
        why: &'static str,
    },
    /// A field has a value certatlas cannot use.
    #[error("{format} record with a bad {field} {value:?}: {why}")]
    Bad {
        /// The format.
        format: &'static str,
        /// The field.
        field: &'static str,
        /// The value found (cut to 80 characters).
        value: String,
        /// What is wrong with it.
        why: String,
    },
    /// The file is not the document the format writes.
    #[error("{0}")]
    Shape(&'static str),
}

impl PeerProblem {
    /// A [`PeerProblem::Bad`] with the value cut to 80 characters.
    fn bad(format: &'static str, field: &'static str, value: &str, why: impl Into<String>) -> Self {
        PeerProblem::Bad {
            format,
            field,
            value: value.chars().take(80).collect(),
            why: why.into(),
        }
    }
}

/// `text` (which may quote the file) safe for a terminal: every character
/// that is not printable ASCII is written as its `\u{..}` escape.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| match c.is_ascii_graphic() || c == ' ' {
            true => c.to_string(),
            false => c.escape_unicode().to_string(),
        })
        .collect()
}

/// What a peer's file held besides its observations: recorded with the
/// scan (its options) and said in the import's notes.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerFile {
    /// The tool that wrote it.
    pub format: Format,
    /// The tool's version, when the file says.
    pub tool_version: Option<String>,
    /// Records read (lines, or servers and ports of a document).
    pub records: u64,
    /// Observations whose chain the peer reported as the leaf alone.
    pub leaf_only: u64,
    /// Records that became no observation, by reason.
    pub skipped: BTreeMap<String, u64>,
}

impl PeerFile {
    /// The scan's options as recorded in the store: where the scan came
    /// from; no certatlas probe options (so no scan is ever compared with
    /// it as if it had run with some).
    pub fn options_json(&self, checked: &Checked) -> serde_json::Value {
        serde_json::json!({
            "imported": true,
            "options": "unknown",
            "peer": {
                "tool": self.format.name(),
                "version": self.tool_version,
                "records": self.records,
                "leaf_only_chains": self.leaf_only,
                "skipped": self.skipped,
            },
            "note": format!("imported from {} output: certatlas probe options do not apply", self.format.name()),
            "file_lines": checked.lines,
        })
    }

    /// The tool and version, e.g. `sslyze 6.3.1`.
    pub fn tool(&self) -> String {
        match &self.tool_version {
            Some(version) => format!("{} {version}", self.format.name()),
            None => self.format.name().to_string(),
        }
    }

    /// What the import says about the file: leaf-only chains and records
    /// that became no observation.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.leaf_only > 0 {
            notes.push(format!(
                "note: {} observations carry the leaf certificate alone, as {} reported \
                 them ({}): what the servers sent beyond the leaf is unknown, so no chain \
                 finding is raised on them and the chain metric counts them as not measured",
                self.leaf_only,
                self.format.name(),
                self.format.leaf_only_reason(),
            ));
        }
        for (reason, count) in &self.skipped {
            notes.push(format!("note: {count} records skipped: {reason}"));
        }
        notes
    }
}

/// The facts a walk collects besides the observations.
#[derive(Debug, Default)]
struct Facts {
    tool_version: Option<String>,
    records: u64,
    leaf_only: u64,
    skipped: BTreeMap<String, u64>,
    /// When the tool says its run started and finished (document formats).
    started_at: Option<OffsetDateTime>,
    finished_at: Option<OffsetDateTime>,
}

/// The receiving end of a walk: observations one at a time, and the
/// file's facts.
struct Visit<'a> {
    each: &'a mut dyn FnMut(Observation) -> Result<(), Stopped>,
    facts: Facts,
    /// The time given to observations of a format that records it only
    /// after its results (sslyze): the checked start, on the second read.
    start_hint: Option<OffsetDateTime>,
}

impl Visit<'_> {
    /// Hands one observation on, counting it when its chain is the leaf
    /// alone as the peer reported it (the server may have sent more).
    fn observation(&mut self, observation: Observation) -> Result<(), Stopped> {
        if observation.leaf_only_chain {
            self.facts.leaf_only += 1;
        }
        (self.each)(observation)
    }

    /// Counts a record that became no observation.
    fn skipped(&mut self, reason: &str) {
        *self.facts.skipped.entry(reason.to_string()).or_default() += 1;
    }
}

/// The receiver refused an observation; its reason is kept by the caller.
#[derive(Debug)]
struct Stopped;

/// Why a walk ended early.
#[derive(Debug)]
enum Failure {
    /// A record is wrong.
    At {
        /// 1-based line.
        line: u64,
        /// What is wrong.
        problem: PeerProblem,
    },
    /// A line longer than [`super::MAX_LINE`].
    TooLong {
        /// 1-based line.
        line: u64,
    },
    /// The file cannot be read.
    Read(std::io::Error),
    /// The receiver stopped it.
    Stopped,
}

impl From<Stopped> for Failure {
    fn from(_: Stopped) -> Failure {
        Failure::Stopped
    }
}

/// Walks `path` as `format`, handing every observation to `each`;
/// returns the facts and the file's SHA-256.
fn walk(
    path: &Path,
    format: Format,
    start_hint: Option<OffsetDateTime>,
    each: &mut dyn FnMut(Observation) -> Result<(), Stopped>,
) -> Result<(Facts, String), Failure> {
    let mut visit = Visit {
        each,
        facts: Facts::default(),
        start_hint,
    };
    let digest = match format {
        Format::Zgrab2 => lines(path, &mut visit, zgrab2::read_line)?,
        Format::Tlsx => lines(path, &mut visit, tlsx::read_line)?,
        Format::Sslyze => sslyze::read(path, &mut visit)?,
        Format::Nmap => nmap::read(path, &mut visit)?,
        Format::Certatlas => unreachable!("certatlas JSON Lines is read by import::check"),
    };
    Ok((visit.facts, digest))
}

/// Walks a JSON Lines file, one record a line (blank lines skipped).
fn lines(
    path: &Path,
    visit: &mut Visit<'_>,
    read_line: fn(&[u8], &mut Visit<'_>) -> Result<(), LineFailure>,
) -> Result<String, Failure> {
    let mut reader = LineReader::open(path).map_err(Failure::Read)?;
    loop {
        let line = reader.line() + 1;
        let bytes = match reader.next_line() {
            Ok(Some(bytes)) => bytes,
            Ok(None) => break,
            Err(ReadProblem::Io(e)) => return Err(Failure::Read(e)),
            Err(ReadProblem::TooLong) => return Err(Failure::TooLong { line }),
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        visit.facts.records += 1;
        match read_line(bytes, visit) {
            Ok(()) => {}
            Err(LineFailure::Problem(problem)) => return Err(Failure::At { line, problem }),
            Err(LineFailure::Stopped) => return Err(Failure::Stopped),
        }
    }
    Ok(reader.digest())
}

/// Why one line of a JSON Lines format was not taken.
enum LineFailure {
    Problem(PeerProblem),
    Stopped,
}

impl From<PeerProblem> for LineFailure {
    fn from(problem: PeerProblem) -> Self {
        LineFailure::Problem(problem)
    }
}

impl From<Stopped> for LineFailure {
    fn from(_: Stopped) -> Self {
        LineFailure::Stopped
    }
}

/// The error of a failed walk of `path`.
fn import_error(path: &Path, format: Format, failure: Failure) -> ImportError {
    let file = path.to_path_buf();
    match failure {
        Failure::At { line, problem } => ImportError::Peer {
            file,
            line,
            format: format.name(),
            problem: Box::new(problem),
        },
        Failure::TooLong { line } => ImportError::TooLong { file, line },
        Failure::Read(source) => ImportError::Read { file, source },
        Failure::Stopped => unreachable!("only a replay's receiver stops a walk"),
    }
}

/// Reads `path` whole as `format` and checks every record; nothing is
/// kept but counts, times and the digest.
pub fn check(path: &Path, format: Format) -> Result<Checked, ImportError> {
    let mut first: Option<OffsetDateTime> = None;
    let mut last: Option<OffsetDateTime> = None;
    let mut count = 0u64;
    let mut tally = Tally::new(OffsetDateTime::UNIX_EPOCH);
    let mut each = |observation: Observation| {
        count += 1;
        let start = observation.started_at;
        let end = start + time::Duration::seconds_f64(observation.duration_ms / 1000.0);
        first = Some(first.map_or(start, |f| f.min(start)));
        last = Some(last.map_or(end, |l| l.max(end)));
        let leaf = observation
            .chain_der
            .first()
            .map(|d| crate::certs::sha256_hex(d));
        tally.add(&observation, leaf.as_deref());
        Ok::<(), Stopped>(())
    };
    let (facts, sha256) =
        walk(path, format, None, &mut each).map_err(|f| import_error(path, format, f))?;
    if facts.records == 0 {
        return Err(ImportError::Peer {
            file: path.to_path_buf(),
            line: 1,
            format: format.name(),
            problem: Box::new(PeerProblem::Shape("the file holds no records")),
        });
    }
    let started_at = facts
        .started_at
        .or(first)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let finished_at = facts.finished_at.or(last).unwrap_or(started_at);
    let mut summary = tally.finish(true, count, finished_at.max(started_at));
    summary.started_at = started_at;
    let peer = PeerFile {
        format,
        tool_version: facts.tool_version,
        records: facts.records,
        leaf_only: facts.leaf_only,
        skipped: facts.skipped,
    };
    summary.tool_version = peer.tool();
    Ok(Checked {
        file: path.to_path_buf(),
        sha256,
        lines: facts.records,
        observations: count,
        header: None,
        summary: Some(summary),
        first_probe: Some(started_at),
        torn_tail: None,
        peer: Some(peer),
    })
}

/// The second read of a checked peer file: every observation, with its
/// strict verdict, to `each`; then the check that the bytes and counts
/// were those checked.
pub fn replay<E: From<ImportError>>(
    checked: &Checked,
    peer: &PeerFile,
    trust: &TrustStore,
    each: &mut dyn FnMut(Observation) -> Result<(), E>,
) -> Result<(), E> {
    let mut refusal: Option<E> = None;
    let mut count = 0u64;
    let mut receive = |mut observation: Observation| {
        count += 1;
        record::add_verdict(&mut observation, trust);
        each(observation).map_err(|e| {
            refusal = Some(e);
            Stopped
        })
    };
    let start = checked.started_at();
    let walked = walk(&checked.file, peer.format, start, &mut receive);
    let (_, digest) = match walked {
        Ok(done) => done,
        Err(Failure::Stopped) => return Err(refusal.expect("a stopped walk keeps its reason")),
        Err(failure) => {
            let what = import_error(&checked.file, peer.format, failure).to_string();
            return Err(super::changed(&checked.file, what).into());
        }
    };
    if count != checked.observations {
        let what = format!("{count} observations, {} before", checked.observations);
        return Err(super::changed(&checked.file, what).into());
    }
    match digest == checked.sha256 {
        true => Ok(()),
        false => Err(super::changed(&checked.file, "its SHA-256 differs".into()).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_quoting_the_file_cannot_reach_the_terminal_raw() {
        // serde quotes the string it refused: an escape and a bidi override.
        let json = serde_json::from_str::<u16>("\"\\u001b[31m\u{202e}x\"").unwrap_err();
        let message = PeerProblem::Json {
            format: "tlsx",
            source: json,
        }
        .to_string();
        assert!(
            !message.contains('\u{1b}') && !message.contains('\u{202e}'),
            "{message}"
        );
        assert!(message.contains("\\u{1b}"), "{message}");
        let xml = PeerProblem::Xml("expected `</a\u{7}>`".into()).to_string();
        assert_eq!(xml, "not nmap XML: expected `</a\\u{7}>`");
    }
}
