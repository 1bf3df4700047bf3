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

/// A listing written item by item as the items come, never all held: the
/// same bytes [`write_listing`] writes for JSON and CSV (a table aligns
/// its columns over every item, so it is not streamed).
pub struct ListingStream<'w, T> {
    out: &'w mut dyn Write,
    format: ListingFormat,
    kind: &'static str,
    cells: &'w dyn Fn(&T) -> Vec<String>,
    written: usize,
}

impl<'w, T: Serialize> ListingStream<'w, T> {
    /// Starts the listing `kind` with `headers` in `format` (JSON or
    /// CSV; a table is refused as `io::ErrorKind::Unsupported`).
    pub fn begin(
        out: &'w mut dyn Write,
        format: ListingFormat,
        (kind, headers): (&'static str, &[&str]),
        cells: &'w dyn Fn(&T) -> Vec<String>,
    ) -> io::Result<Self> {
        match format {
            ListingFormat::Json => write!(out, "{{\n  \"items\": [")?,
            ListingFormat::Csv => writeln!(out, "{}", csv_line(headers.iter().copied()))?,
            ListingFormat::Table => return Err(io::ErrorKind::Unsupported.into()),
        }
        Ok(ListingStream {
            out,
            format,
            kind,
            cells,
            written: 0,
        })
    }

    /// Writes the next item.
    pub fn item(&mut self, item: &T) -> io::Result<()> {
        if self.format == ListingFormat::Csv {
            let cells = (self.cells)(item);
            return writeln!(self.out, "{}", csv_line(cells.iter().map(String::as_str)));
        }
        // as the envelope's `json!` has it: a value (keys sorted), pretty,
        // four spaces in
        let value = serde_json::to_value(item)?;
        let text = serde_json::to_string_pretty(&value)?;
        let comma = if self.written == 0 { "" } else { "," };
        write!(self.out, "{comma}")?;
        for line in text.lines() {
            write!(self.out, "\n    {line}")?;
        }
        self.written += 1;
        Ok(())
    }

    /// Ends the listing.
    pub fn finish(self) -> io::Result<()> {
        if self.format == ListingFormat::Csv {
            return Ok(());
        }
        let close = if self.written == 0 { "]" } else { "\n  ]" };
        let kind = serde_json::to_string(self.kind)?;
        writeln!(
            self.out,
            "{close},\n  \"kind\": {kind},\n  \"schema_version\": {LISTING_SCHEMA_VERSION}\n}}"
        )
    }
}

/// One CSV line of `cells`.
fn csv_line<'c>(cells: impl Iterator<Item = &'c str>) -> String {
    cells
        .map(|c| csv_cell(c).into_owned())
        .collect::<Vec<_>>()
        .join(",")
}

fn write_csv<T>(out: &mut dyn Write, listing: &Listing<'_, T>) -> io::Result<()> {
    writeln!(out, "{}", csv_line(listing.headers.iter().copied()))?;
    for item in listing.items {
        let cells = (listing.cells)(item);
        writeln!(out, "{}", csv_line(cells.iter().map(String::as_str)))?;
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

    #[test]
    fn a_streamed_listing_is_byte_for_byte_the_whole_one() {
        #[derive(Serialize)]
        struct Nested {
            zeta: u8,
            alpha: Vec<&'static str>,
        }
        let items = [
            Nested {
                zeta: 1,
                alpha: vec!["=x", "\"q\""],
            },
            Nested {
                zeta: 2,
                alpha: Vec::new(),
            },
            Nested {
                zeta: 3,
                alpha: vec!["a\nb"],
            },
        ];
        let cells = |i: &Nested| vec![i.zeta.to_string(), i.alpha.join(" ")];
        for n in 0..=items.len() {
            for format in [ListingFormat::Json, ListingFormat::Csv] {
                let listing = Listing {
                    kind: "things",
                    headers: &["zeta", "alpha"],
                    items: &items[..n],
                    cells: &cells,
                };
                let mut whole = Vec::new();
                write_listing(&mut whole, format, &listing).unwrap();
                let mut streamed = Vec::new();
                let heads = ("things", &["zeta", "alpha"][..]);
                let mut stream =
                    ListingStream::begin(&mut streamed, format, heads, &cells).unwrap();
                items[..n].iter().for_each(|i| stream.item(i).unwrap());
                stream.finish().unwrap();
                assert_eq!(
                    String::from_utf8(streamed).unwrap(),
                    String::from_utf8(whole).unwrap(),
                    "{n} items, {format:?}"
                );
            }
        }
        let mut out = Vec::new();
        let refused = ListingStream::begin(&mut out, ListingFormat::Table, ("t", &[]), &cells);
        assert!(refused.is_err(), "a table aligns over every item");
    }
}
