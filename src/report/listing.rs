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

use super::spill::SortedSpill;
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
/// its columns over every item: [`SortedListing`] spills it).
pub struct ListingStream<'c, W, T> {
    out: W,
    format: ListingFormat,
    kind: &'static str,
    cells: &'c dyn Fn(&T) -> Vec<String>,
    written: usize,
}

impl<'c, W: Write, T: Serialize> ListingStream<'c, W, T> {
    /// Starts the listing `kind` with `headers` in `format` (JSON or
    /// CSV; a table is refused as `io::ErrorKind::Unsupported`) on `out`.
    pub fn begin(
        mut out: W,
        format: ListingFormat,
        (kind, headers): (&'static str, &[&str]),
        cells: &'c dyn Fn(&T) -> Vec<String>,
    ) -> io::Result<Self> {
        if format == ListingFormat::Table {
            return Err(io::ErrorKind::Unsupported.into());
        }
        open(&mut out, format, headers)?;
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
        let text = match self.format {
            ListingFormat::Csv => csv_item(&(self.cells)(item)),
            _ => json_item(item)?,
        };
        separate(&mut self.out, self.format, self.written)?;
        self.out.write_all(text.as_bytes())?;
        self.written += 1;
        Ok(())
    }

    /// Ends the listing; returns the writer (not flushed).
    pub fn finish(mut self) -> io::Result<W> {
        close(&mut self.out, self.format, self.kind, self.written)?;
        Ok(self.out)
    }
}

/// A listing whose items come in any order and are written sorted by a
/// key, never all held: each item's JSON text, CSV line or table cells
/// spill to a temporary file ([`SortedSpill`]) and only the keys stay in
/// memory; a table's column widths are folded as the items come. The same
/// bytes [`write_listing`] writes for the items sorted (stably) by key.
pub struct SortedListing<'c, T, K> {
    format: ListingFormat,
    kind: &'static str,
    headers: &'c [&'c str],
    cells: &'c dyn Fn(&T) -> Vec<String>,
    spill: SortedSpill<K>,
    widths: Vec<usize>,
}

impl<'c, T: Serialize, K: Ord> SortedListing<'c, T, K> {
    /// An empty listing `kind` with `headers` in `format`.
    pub fn new(
        format: ListingFormat,
        (kind, headers): (&'static str, &'c [&'c str]),
        cells: &'c dyn Fn(&T) -> Vec<String>,
    ) -> io::Result<Self> {
        Ok(SortedListing {
            format,
            kind,
            headers,
            cells,
            spill: SortedSpill::new()?,
            widths: header_widths(headers),
        })
    }

    /// Adds an item, to be written at the place of `key`.
    pub fn push(&mut self, key: K, item: &T) -> io::Result<()> {
        let text = match self.format {
            ListingFormat::Json => json_item(item)?,
            ListingFormat::Csv => csv_item(&(self.cells)(item)),
            ListingFormat::Table => {
                let cells = table_cells(&(self.cells)(item));
                widen(&mut self.widths, &cells);
                // a cell escaped for the terminal holds no control character
                cells.join("\u{1f}")
            }
        };
        self.spill.push(key, text.as_bytes())
    }

    /// Writes the listing to `out`, its items in key order.
    pub fn finish(self, out: &mut dyn Write) -> io::Result<()> {
        let (format, widths) = (self.format, self.widths);
        let count = self.spill.len();
        if format == ListingFormat::Table {
            let headers: Vec<String> = self.headers.iter().map(|h| table_header(h)).collect();
            writeln!(out, "{}", table_line(&headers, &widths))?;
            self.spill.drain(|_, bytes| {
                let text = std::str::from_utf8(bytes).map_err(io::Error::other)?;
                let cells: Vec<String> = text.split('\u{1f}').map(String::from).collect();
                writeln!(out, "{}", table_line(&cells, &widths))
            })?;
            return writeln!(out, "({count} {})", self.kind);
        }
        open(out, format, self.headers)?;
        let mut written = 0;
        self.spill.drain(|_, bytes| {
            separate(out, format, written)?;
            written += 1;
            out.write_all(bytes)
        })?;
        close(out, format, self.kind, written)
    }
}

/// What comes before the first item: the JSON envelope's opening, or the
/// CSV header line.
fn open(out: &mut dyn Write, format: ListingFormat, headers: &[&str]) -> io::Result<()> {
    match format {
        ListingFormat::Csv => writeln!(out, "{}", csv_line(headers.iter().copied())),
        _ => write!(out, "{{\n  \"items\": ["),
    }
}

/// What comes between items: a comma in JSON.
fn separate(out: &mut dyn Write, format: ListingFormat, written: usize) -> io::Result<()> {
    match (format, written) {
        (ListingFormat::Json, 1..) => write!(out, ","),
        _ => Ok(()),
    }
}

/// What comes after the last item: the JSON envelope's end, after
/// `written` items.
fn close(out: &mut dyn Write, format: ListingFormat, kind: &str, written: usize) -> io::Result<()> {
    if format == ListingFormat::Csv {
        return Ok(());
    }
    let close = if written == 0 { "]" } else { "\n  ]" };
    let kind = serde_json::to_string(kind)?;
    writeln!(
        out,
        "{close},\n  \"kind\": {kind},\n  \"schema_version\": {LISTING_SCHEMA_VERSION}\n}}"
    )
}

/// One item as the envelope's `json!` has it: a value (keys sorted),
/// pretty, as an [`array_item`].
fn json_item<T: Serialize>(item: &T) -> io::Result<String> {
    let value = serde_json::to_value(item)?;
    Ok(array_item(&serde_json::to_string_pretty(&value)?))
}

/// `text`, one pretty JSON value, as an item of an array one field into a
/// pretty document (`{"items": [...]}`) is laid out by serde_json's pretty
/// printer: each line after a line break and four spaces. What the
/// streamed documents (listings, `report.json`, the CBOM) write their
/// items with.
pub fn array_item(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8 + 8);
    for line in text.lines() {
        out.push_str("\n    ");
        out.push_str(line);
    }
    out
}

/// One item's CSV line, with its line break.
fn csv_item(cells: &[String]) -> String {
    let mut line = csv_line(cells.iter().map(String::as_str));
    line.push('\n');
    line
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

/// A row's cells escaped for the terminal.
fn table_cells(cells: &[String]) -> Vec<String> {
    cells.iter().map(|c| terminal(c).into_owned()).collect()
}

/// The column widths of the headers alone.
fn header_widths(headers: &[&str]) -> Vec<usize> {
    headers.iter().map(|h| h.chars().count()).collect()
}

/// Widens `widths` to fit `row`, up to [`MAX_WIDTH`].
fn widen(widths: &mut [usize], row: &[String]) {
    for (width, cell) in widths.iter_mut().zip(row) {
        *width = (*width).max(cell.chars().count()).min(MAX_WIDTH);
    }
}

/// One table line: the cells cut and padded to `widths`.
fn table_line(cells: &[String], widths: &[usize]) -> String {
    let padded: Vec<String> = cells
        .iter()
        .zip(widths)
        .map(|(cell, width)| format!("{:<width$}", fit(cell, *width)))
        .collect();
    padded.join("  ").trim_end().to_string()
}

fn write_table<T>(out: &mut dyn Write, listing: &Listing<'_, T>) -> io::Result<()> {
    let rows: Vec<Vec<String>> = (listing.items.iter())
        .map(|item| table_cells(&(listing.cells)(item)))
        .collect();
    let mut widths = header_widths(listing.headers);
    for row in &rows {
        widen(&mut widths, row);
    }
    let headers: Vec<String> = listing.headers.iter().map(|h| table_header(h)).collect();
    writeln!(out, "{}", table_line(&headers, &widths))?;
    for row in &rows {
        writeln!(out, "{}", table_line(row, &widths))?;
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

    #[test]
    fn a_sorted_listing_is_byte_for_byte_the_whole_one_sorted() {
        #[derive(Serialize)]
        struct Row {
            rank: i64,
            name: String,
        }
        let names = ["b", "=x", "a\nb\x1b[31m", "", "\"q\", c", &"w".repeat(60)];
        let items: Vec<Row> = (names.iter().enumerate())
            .map(|(n, name)| Row {
                rank: [3, -1, 3, 0, 2, -1, 0][n],
                name: name.to_string(),
            })
            .collect();
        let cells = |r: &Row| vec![r.rank.to_string(), r.name.clone()];
        for n in 0..=items.len() {
            let mut sorted: Vec<&Row> = items[..n].iter().collect();
            sorted.sort_by_key(|r| r.rank); // stable
            let sorted: Vec<Row> = (sorted.into_iter())
                .map(|r| Row {
                    rank: r.rank,
                    name: r.name.clone(),
                })
                .collect();
            for format in [
                ListingFormat::Json,
                ListingFormat::Csv,
                ListingFormat::Table,
            ] {
                let listing = Listing {
                    kind: "rows",
                    headers: &["rank", "name"],
                    items: &sorted,
                    cells: &cells,
                };
                let mut whole = Vec::new();
                write_listing(&mut whole, format, &listing).unwrap();
                let heads = ("rows", &["rank", "name"][..]);
                let mut listing = SortedListing::new(format, heads, &cells).unwrap();
                for row in &items[..n] {
                    listing.push(row.rank, row).unwrap();
                }
                let mut spilled = Vec::new();
                listing.finish(&mut spilled).unwrap();
                assert_eq!(
                    String::from_utf8(spilled).unwrap(),
                    String::from_utf8(whole).unwrap(),
                    "{n} items, {format:?}"
                );
            }
        }
    }
}
