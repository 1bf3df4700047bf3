//! Root-program distrust as data: the events of `rules/data/distrust.toml`
//! (a root or CA, by certificate or SPKI SHA-256; the root program that
//! distrusts it; the instant after which its certificates are distrusted;
//! whether a certificate's date is its earliest embedded SCT or its
//! notBefore; the source), parsed strictly with `file:line:column` errors.
//! [`matching`] says which events a leaf falls under. The built-in file is
//! embedded; a rules directory's `data/distrust.toml` replaces it (see
//! [`super::RuleSet::load`]), so an update is a data change, not code.

mod matching;

pub use matching::{hits, path_keys, CaKey, DistrustHit};

use std::path::Path;

use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::error::RuleError;
use crate::document::{self, Spanned};
use crate::located::Position;

/// Path of the built-in data file under `rules/`, and its embedded text.
pub const BUILTIN_PATH: &str = "data/distrust.toml";
const BUILTIN_TEXT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/rules/data/distrust.toml"
));

/// The only `format` this version reads.
const FORMAT: i64 = 1;

/// Which date of a certificate an event compares with its instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppliesBy {
    /// The earliest embedded SCT (Chrome's rule); a certificate without
    /// embedded SCTs is judged by its notBefore.
    EarliestSct,
    /// The notBefore (issuance) date (Mozilla's "distrust after").
    Issuance,
}

impl AppliesBy {
    /// `sct` or `issuance`, as written in the file.
    pub fn name(self) -> &'static str {
        match self {
            AppliesBy::EarliestSct => "sct",
            AppliesBy::Issuance => "issuance",
        }
    }
}

/// One distrust or removal event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistrustEvent {
    /// The root program: `chrome`, `mozilla`, `apple`, `microsoft`, or
    /// `test` (an entry for certatlas's own test CA).
    pub program: String,
    /// The CA's name, for people.
    pub ca: String,
    /// SHA-256 of the CA certificate (lowercase hex), when given.
    pub sha256: Option<String>,
    /// SHA-256 of its SubjectPublicKeyInfo (lowercase hex), when given.
    pub spki_sha256: Option<String>,
    /// Its subject key identifier (lowercase hex), when given: a
    /// certificate whose authority key identifier is this was issued by it.
    pub ski: Option<String>,
    /// Certificates whose date is after this instant are distrusted.
    pub after: OffsetDateTime,
    /// Which date of the certificate counts.
    pub by: AppliesBy,
    /// Where the decision is published.
    pub source: String,
}

/// The events of one data file, with the digest of its text (empty by
/// default: no event).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DistrustList {
    /// The file's `revision` (the data's own version).
    pub revision: String,
    /// The events, in file order.
    pub events: Vec<DistrustEvent>,
    /// Where it was read from (`rules/data/distrust.toml` for the built-in).
    pub path: std::path::PathBuf,
    /// SHA-256 of its text.
    pub digest: String,
}

impl DistrustList {
    /// The built-in data file.
    pub fn builtin() -> Result<DistrustList, RuleError> {
        parse(BUILTIN_TEXT, &Path::new("rules").join(BUILTIN_PATH))
    }

    /// Reads and parses the data file at `path`.
    pub fn read(path: &Path) -> Result<DistrustList, RuleError> {
        let text = std::fs::read_to_string(path).map_err(|source| RuleError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        parse(&text, path)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    format: Spanned<i64>,
    revision: String,
    #[serde(default)]
    event: Vec<Spanned<RawEvent>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    program: Spanned<String>,
    ca: String,
    sha256: Option<Spanned<String>>,
    spki_sha256: Option<Spanned<String>>,
    ski: Option<Spanned<String>>,
    after: Spanned<String>,
    by: Spanned<String>,
    source: Spanned<String>,
}

/// Parses a data file's text; any problem names the file, line and column.
pub fn parse(text: &str, path: &Path) -> Result<DistrustList, RuleError> {
    let raw: RawFile = document::parse_strict(text, path)?;
    let error = |span: std::ops::Range<usize>, problem: String| {
        RuleError::invalid(path, Some(Position::of_span(text, &span)), problem)
    };
    if *raw.format.get_ref() != FORMAT {
        let problem = format!(
            "format {}: this certatlas reads format {FORMAT}",
            raw.format.get_ref()
        );
        return Err(error(raw.format.span(), problem));
    }
    let events = raw
        .event
        .into_iter()
        .map(|event| {
            let span = event.span();
            event_of(event.into_inner(), &error).map_err(|e| match e {
                Located::At(e) => e,
                Located::Entry(problem) => error(span, problem),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DistrustList {
        revision: raw.revision,
        events,
        path: path.to_path_buf(),
        digest: crate::certs::sha256_hex(text.as_bytes()),
    })
}

/// A problem at a field (already located) or with the entry as a whole.
enum Located {
    At(RuleError),
    Entry(String),
}

const PROGRAMS: [&str; 5] = ["chrome", "mozilla", "apple", "microsoft", "test"];

fn event_of(
    raw: RawEvent,
    error: &dyn Fn(std::ops::Range<usize>, String) -> RuleError,
) -> Result<DistrustEvent, Located> {
    let at = |field: &Spanned<String>, problem: String| Located::At(error(field.span(), problem));
    let program = raw.program.get_ref().trim().to_ascii_lowercase();
    if !PROGRAMS.contains(&program.as_str()) {
        let problem = format!(
            "program {:?}: expected one of {}",
            raw.program.get_ref(),
            PROGRAMS.join(", ")
        );
        return Err(at(&raw.program, problem));
    }
    let after = OffsetDateTime::parse(raw.after.get_ref().trim(), &Rfc3339).map_err(|_| {
        let problem = format!(
            "after {:?}: expected an RFC 3339 instant such as 2024-11-11T23:59:59Z",
            raw.after.get_ref()
        );
        at(&raw.after, problem)
    })?;
    let by = match raw.by.get_ref().trim() {
        "sct" => AppliesBy::EarliestSct,
        "issuance" => AppliesBy::Issuance,
        other => {
            return Err(at(
                &raw.by,
                format!("by {other:?}: expected sct or issuance"),
            ))
        }
    };
    let hex = |value: &Option<Spanned<String>>, key: &str, len: usize| {
        value.as_ref().map(|h| hex_of(h, key, len, &at)).transpose()
    };
    let sha256 = hex(&raw.sha256, "sha256", 64)?;
    let spki_sha256 = hex(&raw.spki_sha256, "spki_sha256", 64)?;
    let ski = hex(&raw.ski, "ski", 0)?;
    if sha256.is_none() && spki_sha256.is_none() && ski.is_none() {
        return Err(Located::Entry(
            "an event needs sha256, spki_sha256 or ski to name its CA".into(),
        ));
    }
    if raw.source.get_ref().trim().is_empty() {
        return Err(at(
            &raw.source,
            "source: empty (say where the decision is published)".into(),
        ));
    }
    Ok(DistrustEvent {
        program,
        ca: raw.ca,
        sha256,
        spki_sha256,
        ski,
        after,
        by,
        source: raw.source.into_inner(),
    })
}

/// Hex (case, `:` and whitespace ignored), lowercased: `len` digits, or
/// any non-empty even number of them when `len` is 0.
fn hex_of(
    value: &Spanned<String>,
    key: &str,
    len: usize,
    at: &dyn Fn(&Spanned<String>, String) -> Located,
) -> Result<String, Located> {
    let hex: String = value
        .get_ref()
        .chars()
        .filter(|c| *c != ':' && !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let size_ok = match len {
        0 => !hex.is_empty() && hex.len() % 2 == 0,
        n => hex.len() == n,
    };
    if size_ok && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(hex);
    }
    let want = match len {
        0 => "hex digits (whole bytes)".to_string(),
        n => format!("{n} hex digits (a SHA-256)"),
    };
    Err(at(
        value,
        format!("{key}: expected {want}, got {:?}", value.get_ref()),
    ))
}

#[cfg(test)]
mod tests;
