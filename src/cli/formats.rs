//! The `--format` choices, one closed set per kind of output, as clap value
//! enums: clap lists exactly these names in `--help`, refuses any other, and
//! each maps onto the report's format registry. A command takes the set its
//! writer implements, so help and behaviour cannot disagree.

use clap::builder::{EnumValueParser, TypedValueParser};
use clap::ValueEnum;

use crate::report::{ListingFormat, OutputFormat};

/// The formats of a scan's records (`scan`, `watch`, `demo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// Aligned columns for a terminal, the summary at the end.
    Table,
    /// JSON Lines: a scan line, one observation per line, then a summary line.
    Jsonl,
    /// One JSON document with an observations array and a summary.
    Json,
}

impl From<ScanFormat> for OutputFormat {
    fn from(format: ScanFormat) -> Self {
        match format {
            ScanFormat::Table => OutputFormat::Table,
            ScanFormat::Jsonl => OutputFormat::Jsonl,
            ScanFormat::Json => OutputFormat::Json,
        }
    }
}

/// The formats of a listing (`inventory`, `cas`, `diff`, `history`,
/// `scans`, `findings`, `score`, `rules`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned columns for a terminal.
    Table,
    /// One JSON document.
    Json,
    /// Comma-separated values (RFC 4180), one header line in lower snake case.
    Csv,
}

impl From<ListFormat> for ListingFormat {
    fn from(format: ListFormat) -> Self {
        match format {
            ListFormat::Table => ListingFormat::Table,
            ListFormat::Json => ListingFormat::Json,
            ListFormat::Csv => ListingFormat::Csv,
        }
    }
}

/// The formats of a verdict or a summary that is not a list (`verify`,
/// `import`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    /// Lines for a terminal.
    Table,
    /// One JSON document.
    Json,
}

impl From<SummaryFormat> for ListingFormat {
    fn from(format: SummaryFormat) -> Self {
        match format {
            SummaryFormat::Table => ListingFormat::Table,
            SummaryFormat::Json => ListingFormat::Json,
        }
    }
}

/// `--format` of `scan`, `watch` and `demo`.
pub fn scan() -> impl TypedValueParser<Value = OutputFormat> {
    EnumValueParser::<ScanFormat>::new().map(OutputFormat::from)
}

/// `--format` of the listing commands.
pub fn listing() -> impl TypedValueParser<Value = ListingFormat> {
    EnumValueParser::<ListFormat>::new().map(ListingFormat::from)
}

/// `--format` of `verify` and `import`.
pub fn summary() -> impl TypedValueParser<Value = ListingFormat> {
    EnumValueParser::<SummaryFormat>::new().map(ListingFormat::from)
}
