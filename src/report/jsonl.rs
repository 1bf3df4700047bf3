//! JSON Lines output: a first `"record": "scan"` line (the scan's targets,
//! options and start), one `"record": "observation"` object per line, then
//! one `"record": "summary"` line. Documented in the README; read back by
//! `certatlas import`.

use std::io::{self, BufWriter, Write};

use serde::Serialize;

use super::{ObservationRecord, ScanWriter};
use crate::scan::header::ScanHeader;
use crate::scan::summary::ScanSummary;

/// Writes JSON Lines.
pub struct JsonlWriter {
    out: BufWriter<Box<dyn Write + Send>>,
}

impl JsonlWriter {
    /// A writer over `out`.
    pub fn new(out: Box<dyn Write + Send>) -> JsonlWriter {
        JsonlWriter {
            out: BufWriter::new(out),
        }
    }
}

/// The scan line's shape.
#[derive(Serialize)]
struct ScanLine<'a> {
    record: &'static str,
    #[serde(flatten)]
    header: &'a ScanHeader,
}

/// The summary line's shape.
#[derive(Serialize)]
struct SummaryLine<'a> {
    record: &'static str,
    #[serde(flatten)]
    summary: &'a ScanSummary,
}

impl ScanWriter for JsonlWriter {
    fn begin(&mut self, header: &ScanHeader) -> io::Result<()> {
        let line = ScanLine {
            record: "scan",
            header,
        };
        serde_json::to_writer(&mut self.out, &line)?;
        self.out.write_all(b"\n")
    }

    fn observation(&mut self, record: &ObservationRecord<'_>) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, record)?;
        self.out.write_all(b"\n")
    }

    fn finish(&mut self, summary: &ScanSummary) -> io::Result<()> {
        let line = SummaryLine {
            record: "summary",
            summary,
        };
        serde_json::to_writer(&mut self.out, &line)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}
