//! Presentation: turning observations and summaries into output.
//!
//! Nothing here computes facts; it only formats what earlier stages produced.
//! Each output format is one small unit implementing [`ScanWriter`], listed
//! in the [`OutputFormat`] registry with its name and description (the CLI
//! builds its `--format` help from it).

pub mod audit;
pub mod cbom;
pub mod findings;
pub mod inventory;
pub mod json;
pub mod jsonl;
pub mod lab;
pub mod listing;
pub mod progress;
pub mod prometheus;
pub mod record;
pub mod score;
pub mod spill;
pub mod starter;
pub mod table;
pub mod watch;

use std::io::{self, Write};

use crate::scan::header::ScanHeader;
use crate::scan::summary::ScanSummary;
pub use crate::time_text::instant_text;
pub use listing::{write_listing, Listing, ListingFormat};
pub use record::{ChainEntry, ObservationRecord};
pub use table::TableView;

/// A destination for one scan's records, written as they arrive.
pub trait ScanWriter: Send {
    /// Writes what the output says about the scan before its first
    /// observation (JSON Lines: the `"record": "scan"` line); nothing by
    /// default.
    fn begin(&mut self, header: &ScanHeader) -> io::Result<()> {
        let _ = header;
        Ok(())
    }
    /// Writes one observation.
    fn observation(&mut self, record: &ObservationRecord<'_>) -> io::Result<()>;
    /// Writes the closing summary and flushes.
    fn finish(&mut self, summary: &ScanSummary) -> io::Result<()>;
}

/// The scan output formats (the command line's names are in
/// `cli::formats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Aligned columns for people, with a summary at the end.
    Table,
    /// One JSON object per line, a summary object last.
    Jsonl,
    /// One JSON document: observations array and summary.
    Json,
}

impl OutputFormat {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Table => "table",
            OutputFormat::Jsonl => "jsonl",
            OutputFormat::Json => "json",
        }
    }

    /// A writer of this format over `out` (a table in its default view).
    pub fn writer(self, out: Box<dyn Write + Send>) -> Box<dyn ScanWriter> {
        self.writer_with(out, TableView::default())
    }

    /// A writer of this format over `out`; `view` says what a table shows
    /// (the data formats keep every outcome).
    pub fn writer_with(self, out: Box<dyn Write + Send>, view: TableView) -> Box<dyn ScanWriter> {
        match self {
            OutputFormat::Table => Box::new(table::TableWriter::new(out, view)),
            OutputFormat::Jsonl => Box::new(jsonl::JsonlWriter::new(out)),
            OutputFormat::Json => Box::new(json::JsonWriter::new(out)),
        }
    }
}
