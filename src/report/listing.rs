//! Listings (`inventory`, `cas`, `history`, `scans`, `diff`): one generic
//! writer for the three formats, fed by each listing's columns and cells.
//!
//! - table: aligned columns, fields escaped for the terminal and cut at 48
//!   characters (the JSON and CSV forms are never cut);
//! - json: `{"schema_version": 1, "kind": "...", "items": [...]}`;
//! - csv: RFC 4180, one header line in lower snake case (every command's
//!   CSV), formula prefixes of text neutralised (numbers stay numbers).

use std::io::{self, Write};

use serde::Serialize;

use crate::sanitize::{csv_cell, fit, terminal};

/// Version of the listing JSON envelope.
pub const LISTING_SCHEMA_VERSION: u32 = 1;
/// Widest a table column gets.
const MAX_WIDTH: usize = 48;

/// The listing formats (the command line's names are in `cli::formats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingFormat {
    /// Aligned columns for a terminal.
    Table,
    /// One JSON document.
    Json,
    /// Comma-separated values for spreadsheets.
    Csv,
}

/// A CSV header as a table shows it: `not_after` as `NOT AFTER`.
pub fn table_header(header: &str) -> String {
    header.to_uppercase().replace('_', " ")
}

/// One listing: what it is called, its columns, and how an item fills them.
pub struct Listing<'a, T> {
    /// The `kind` in JSON, e.g. `inventory`.
    pub kind: &'static str,
    /// Column headers in lower snake case, as CSV writes them (a table
    /// shows them upper-cased, see [`table_header`]).
    pub headers: &'a [&'a str],
    /// The items.
    pub items: &'a [T],
    /// The cells of one item, in header order.
    pub cells: &'a dyn Fn(&T) -> Vec<String>,
}

/// Writes `listing` in `format`.
pub fn write_listing<T: Serialize>(
    out: &mut dyn Write,
    format: ListingFormat,
    listing: &Listing<'_, T>,
) -> io::Result<()> {
    match format {
        ListingFormat::Json => write_json(out, listing.kind, listing.items),
        ListingFormat::Csv => write_csv(out, listing),
        ListingFormat::Table => write_table(out, listing),
    }
}

/// The JSON envelope around any serialisable value.
pub fn write_json<T: Serialize + ?Sized>(
    out: &mut dyn Write,
    kind: &str,
    items: &T,
) -> io::Result<()> {
    let document = serde_json::json!({
        "schema_version": LISTING_SCHEMA_VERSION,
        "kind": kind,
        "items": items,
    });
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}

fn write_csv<T>(out: &mut dyn Write, listing: &Listing<'_, T>) -> io::Result<()> {
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .map(|c| csv_cell(c).into_owned())
            .collect::<Vec<_>>()
            .join(",")
    };
    writeln!(
        out,
        "{}",
        line(listing.headers.iter().map(|h| h.to_string()).collect())
    )?;
    for item in listing.items {
        writeln!(out, "{}", line((listing.cells)(item)))?;
    }
    Ok(())
}

fn write_table<T>(out: &mut dyn Write, listing: &Listing<'_, T>) -> io::Result<()> {
    let rows: Vec<Vec<String>> = listing
        .items
        .iter()
        .map(|item| {
            (listing.cells)(item)
                .iter()
                .map(|c| terminal(c).into_owned())
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = listing.headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count()).min(MAX_WIDTH);
        }
    }
    let render = |cells: &[String]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{:<width$}", fit(cell, *width)))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    let headers: Vec<String> = listing.headers.iter().map(|h| table_header(h)).collect();
    writeln!(out, "{}", render(&headers))?;
    for row in &rows {
        writeln!(out, "{}", render(row))?;
    }
    writeln!(out, "({} {})", rows.len(), listing.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Item {
        name: String,
    }

    fn render(format: ListingFormat, name: &str) -> String {
        let items = [Item { name: name.into() }];
        let cells = |i: &Item| vec![i.name.clone()];
        let listing = Listing {
            kind: "things",
            headers: &["name"],
            items: &items,
            cells: &cells,
        };
        let mut out = Vec::new();
        write_listing(&mut out, format, &listing).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn hostile_values_are_neutralised_per_format() {
        let table = render(ListingFormat::Table, "=cmd|' /C calc'!A0\x1b[31m");
        assert!(!table.contains('\x1b') && table.contains("\\u{1b}"));
        let csv = render(ListingFormat::Csv, "=cmd|' /C calc'!A0");
        assert_eq!(csv.lines().nth(1), Some("\"'=cmd|' /C calc'!A0\""));
        assert_eq!(csv.lines().next(), Some("name"));
        assert!(table.starts_with("NAME"));
        let json: serde_json::Value =
            serde_json::from_str(&render(ListingFormat::Json, "x")).unwrap();
        assert_eq!(json["kind"], "things");
        assert_eq!(json["items"][0]["name"], "x");
    }
}
