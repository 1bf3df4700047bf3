//! `certatlas import`'s reading side: a file of certatlas's own JSON Lines
//! (`scan --format jsonl`) turned back into the scan it records.
//!
//! The file is read twice, line by line, never held in memory. [`check`]
//! reads it whole first and validates every line (JSON, record type,
//! fields, base64 DER, the order of header, observations and summary),
//! so a bad file is refused, naming its line, before anything is written;
//! it returns what the scan record needs ([`Checked`]) and the file's
//! SHA-256. [`Replay`] then reads it again and yields its observations
//! for the store's writer, and at the end checks that the bytes were the
//! same ones checked.
//!
//! Other tools' outputs (zgrab2, tlsx, sslyze, nmap) are read by
//! [`peers`] into the same [`Checked`] and replayed through [`replay`];
//! [`check_as`] tells the format from the file's content unless forced.
//!
//! - `reader`: bounded lines, hashed as they are read;
//! - `line`: one line, typed, or what is wrong with it;
//! - [`at_rest`]: certificates at rest (PEM, DER, PKCS#12, Java keystores).
//! - `peers`: the other tools' formats.

pub mod at_rest;
mod line;
pub mod peers;
mod reader;

use std::path::{Path, PathBuf};

use time::OffsetDateTime;

pub use line::{Line, LineProblem};
pub use peers::{Format, PeerFile, PeerProblem};
pub use reader::MAX_LINE;
use reader::{LineReader, ReadProblem};

use crate::observation::Observation;
use crate::scan::header::ScanHeader;
use crate::scan::summary::ScanSummary;

/// Why a file cannot be imported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The file cannot be opened or read.
    #[error("{}: cannot read: {source}", .file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A line is not what certatlas writes.
    #[error("{}:{line}: {problem}", .file.display())]
    Line {
        /// The file.
        file: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong with it.
        problem: LineProblem,
    },
    /// A line longer than [`MAX_LINE`] bytes.
    #[error("{}:{line}: longer than {} MiB: not certatlas JSON Lines", .file.display(), MAX_LINE >> 20)]
    TooLong {
        /// The file.
        file: PathBuf,
        /// 1-based line number.
        line: u64,
    },
    /// A record of another tool's output is not what that tool writes, or
    /// lacks what certatlas needs.
    #[error("{}:{line}: {format}: {problem}", .file.display())]
    Peer {
        /// The file.
        file: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The format it was read as.
        format: &'static str,
        /// What is wrong with it.
        problem: Box<PeerProblem>,
    },
    /// The file has no lines.
    #[error("{}: empty: not certatlas JSON Lines (write one with `certatlas scan --format jsonl -o FILE`)", .file.display())]
    Empty {
        /// The file.
        file: PathBuf,
    },
    /// The summary does not count the observations the file holds.
    #[error(
        "{}:{line}: the summary counts {counted} observations but the file holds {found}: \
         lines were added or removed after the scan",
        .file.display()
    )]
    Count {
        /// The file.
        file: PathBuf,
        /// The summary's line.
        line: u64,
        /// What the summary says.
        counted: u64,
        /// How many observation lines there are.
        found: u64,
    },
    /// The second read did not see the bytes the first one checked.
    #[error("{}: the file changed while it was imported (read again: {what})", .file.display())]
    Changed {
        /// The file.
        file: PathBuf,
        /// What differed.
        what: String,
    },
}

/// What the checking read found: everything the scan record needs.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The file.
    pub file: PathBuf,
    /// SHA-256 (lowercase hex) of its bytes.
    pub sha256: String,
    /// How many lines it has.
    pub lines: u64,
    /// How many of them are observations.
    pub observations: u64,
    /// Its scan header, when it has one (files written before it existed
    /// have none).
    pub header: Option<ScanHeader>,
    /// Its summary, when it has one (a scan killed before the end has none).
    pub summary: Option<ScanSummary>,
    /// The earliest probe start among its observations.
    pub first_probe: Option<OffsetDateTime>,
    /// The number of its last line when that line was cut short (no line
    /// ending, not JSON: the scan was killed while writing it); ignored.
    pub torn_tail: Option<u64>,
    /// Another tool's output: which, and what it held besides its
    /// observations (`None` for certatlas JSON Lines).
    pub peer: Option<PeerFile>,
}

impl Checked {
    /// When the scan began: the header's start, else the summary's, else
    /// the earliest probe's.
    pub fn started_at(&self) -> Option<OffsetDateTime> {
        let summary = self.summary.as_ref().map(|s| s.started_at);
        let header = self.header.as_ref().map(|h| h.started_at);
        header.or(summary).or(self.first_probe)
    }

    /// The scan finished: a summary says so and calls it complete.
    pub fn complete(&self) -> bool {
        self.summary.as_ref().is_some_and(|s| s.complete)
    }
}

/// Where the checking read is in the file's structure.
#[derive(Default)]
struct Structure {
    header: Option<ScanHeader>,
    summary: Option<(u64, ScanSummary)>,
    observations: u64,
    first_probe: Option<OffsetDateTime>,
    torn_tail: Option<u64>,
}

/// A line that does not parse is a torn tail (the scanner was killed while
/// writing it) when it is the last line, has no line ending, is not the
/// first line and no summary came before it.
fn torn(reader: &LineReader, number: u64, structure: &Structure) -> bool {
    !reader.terminated() && number > 1 && structure.summary.is_none()
}

impl Structure {
    /// Takes line `number`, or says why it cannot be there.
    fn take(&mut self, number: u64, line: Line) -> Result<(), LineProblem> {
        if self.summary.is_some() {
            return Err(LineProblem::Misplaced(
                "a line after the summary line (two scans in one file?)",
            ));
        }
        match line {
            Line::Header(_) if number != 1 => Err(LineProblem::Misplaced(
                "a scan line after line 1 (two scans in one file?)",
            )),
            Line::Header(header) => {
                self.header = Some(header);
                Ok(())
            }
            Line::Observation(observation) => {
                self.observations += 1;
                let start = observation.started_at;
                self.first_probe = Some(self.first_probe.map_or(start, |f| f.min(start)));
                Ok(())
            }
            Line::Summary(summary) => {
                self.summary = Some((number, summary));
                Ok(())
            }
        }
    }
}

/// Reads `path` whole and checks every line; nothing is kept but counts,
/// the header, the summary and the digest.
pub fn check(path: &Path) -> Result<Checked, ImportError> {
    let mut reader = open(path)?;
    let mut structure = Structure::default();
    loop {
        let number = reader.line() + 1;
        let Some(bytes) = next(&mut reader, path)? else {
            break;
        };
        let taken = line::parse(bytes).and_then(|line| structure.take(number, line));
        match taken {
            Ok(()) => {}
            Err(_) if torn(&reader, number, &structure) => structure.torn_tail = Some(number),
            Err(problem) => return Err(line_error(path, number, problem)),
        }
    }
    let lines = reader.line();
    if lines == 0 {
        return Err(ImportError::Empty {
            file: path.to_path_buf(),
        });
    }
    if let Some((line, summary)) = &structure.summary {
        if summary.observations != structure.observations {
            return Err(ImportError::Count {
                file: path.to_path_buf(),
                line: *line,
                counted: summary.observations,
                found: structure.observations,
            });
        }
    }
    Ok(Checked {
        file: path.to_path_buf(),
        sha256: reader.digest(),
        lines,
        observations: structure.observations,
        header: structure.header,
        summary: structure.summary.map(|(_, s)| s),
        first_probe: structure.first_probe,
        torn_tail: structure.torn_tail,
        peer: None,
    })
}

/// [`check`] of `path` read as `format`, or as the format its content
/// shows ([`peers::detect`]) when `format` is `None`.
pub fn check_as(path: &Path, format: Option<Format>) -> Result<Checked, ImportError> {
    let format = match format {
        Some(format) => format,
        None => peers::detect(path).map_err(|source| ImportError::Read {
            file: path.to_path_buf(),
            source,
        })?,
    };
    match format {
        Format::Certatlas => check(path),
        peer => peers::check(path, peer),
    }
}

/// The second read of a checked file, whatever its format: every
/// observation to `each`, in file order, then the check that the bytes
/// were those checked. Observations of another tool's output get their
/// strict verdict from `trust` here.
pub fn replay<E: From<ImportError>>(
    checked: &Checked,
    trust: &crate::probe::TrustStore,
    each: &mut dyn FnMut(Observation) -> Result<(), E>,
) -> Result<(), E> {
    if let Some(peer) = &checked.peer {
        return peers::replay(checked, peer, trust, each);
    }
    let mut replay = Replay::open(checked)?;
    while let Some(observation) = replay.next_observation()? {
        each(observation)?;
    }
    Ok(replay.finish()?)
}

/// The second read of a checked file: its observations, in file order.
/// Call [`Replay::finish`] after the last one to learn whether the bytes
/// were those checked.
pub struct Replay {
    checked: Checked,
    reader: LineReader,
    observations: u64,
}

impl Replay {
    /// Opens the file `checked` describes again.
    pub fn open(checked: &Checked) -> Result<Replay, ImportError> {
        Ok(Replay {
            reader: open(&checked.file)?,
            checked: checked.clone(),
            observations: 0,
        })
    }

    /// The next observation, or `None` after the last line.
    pub fn next_observation(&mut self) -> Result<Option<Observation>, ImportError> {
        let file = self.checked.file.clone();
        loop {
            let number = self.reader.line() + 1;
            let Some(bytes) = next(&mut self.reader, &file)? else {
                return Ok(None);
            };
            match line::parse(bytes) {
                Ok(Line::Observation(observation)) => {
                    self.observations += 1;
                    return Ok(Some(*observation));
                }
                Ok(_) => continue,
                Err(_) if self.checked.torn_tail == Some(number) => continue,
                Err(problem) => return Err(changed(&file, format!("line {number}: {problem}"))),
            }
        }
    }

    /// Checks, after the last observation, that this read saw the same
    /// lines, observations and bytes as the checking read.
    pub fn finish(self) -> Result<(), ImportError> {
        let file = &self.checked.file;
        let (lines, observations) = (self.reader.line(), self.observations);
        if (lines, observations) != (self.checked.lines, self.checked.observations) {
            let what = format!(
                "{lines} lines and {observations} observations, {} and {} before",
                self.checked.lines, self.checked.observations
            );
            return Err(changed(file, what));
        }
        let digest = self.reader.digest();
        match digest == self.checked.sha256 {
            true => Ok(()),
            false => Err(changed(file, "its SHA-256 differs".into())),
        }
    }
}

fn open(path: &Path) -> Result<LineReader, ImportError> {
    LineReader::open(path).map_err(|source| ImportError::Read {
        file: path.to_path_buf(),
        source,
    })
}

/// The next line of `reader`, with errors naming `path` and the line.
fn next<'r>(reader: &'r mut LineReader, path: &Path) -> Result<Option<&'r [u8]>, ImportError> {
    let number = reader.line() + 1;
    reader.next_line().map_err(|problem| match problem {
        ReadProblem::Io(source) => ImportError::Read {
            file: path.to_path_buf(),
            source,
        },
        ReadProblem::TooLong => ImportError::TooLong {
            file: path.to_path_buf(),
            line: number,
        },
    })
}

fn line_error(path: &Path, line: u64, problem: LineProblem) -> ImportError {
    ImportError::Line {
        file: path.to_path_buf(),
        line,
        problem,
    }
}

fn changed(path: &Path, what: String) -> ImportError {
    ImportError::Changed {
        file: path.to_path_buf(),
        what,
    }
}
