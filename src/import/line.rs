//! One line of certatlas JSON Lines, typed: the scan header, an
//! observation or the summary, told apart by its `record` field; and what
//! is wrong with a line that is none of these.

use serde::Deserialize;

use crate::observation::{Observation, SCHEMA_VERSION};
use crate::scan::header::ScanHeader;
use crate::scan::summary::ScanSummary;

/// A line, parsed.
#[derive(Debug)]
pub enum Line {
    /// `"record": "scan"`: the scan's targets, options and start.
    Header(ScanHeader),
    /// `"record": "observation"`: one probe (its `certificates` array is
    /// ignored: the store parses the DER itself).
    Observation(Box<Observation>),
    /// `"record": "summary"`: how the scan ended.
    Summary(ScanSummary),
}

/// What is wrong with one line.
#[derive(Debug, thiserror::Error)]
pub enum LineProblem {
    /// Not JSON at all (or not UTF-8).
    #[error("not JSON: {0}")]
    NotJson(serde_json::Error),
    /// JSON, but not an object with a `record` field.
    #[error("not a certatlas record: expected a JSON object with a \"record\" field")]
    NoRecord,
    /// A `record` this version does not know.
    #[error("unknown record {0:?} (expected \"scan\", \"observation\" or \"summary\")")]
    UnknownRecord(String),
    /// A schema newer (or other) than this binary reads.
    #[error("{record} line has schema_version {found}; this certatlas reads {SCHEMA_VERSION}")]
    SchemaVersion {
        /// The record type.
        record: &'static str,
        /// The version found.
        found: u32,
    },
    /// The record's fields are wrong: missing, of the wrong type, bad base64.
    #[error("bad {record} line: {source}")]
    Malformed {
        /// The record type.
        record: &'static str,
        /// serde's description (names the field).
        source: serde_json::Error,
    },
    /// A record where the file's structure does not allow it.
    #[error("{0}")]
    Misplaced(&'static str),
}

/// The fields every record is told apart by.
#[derive(Deserialize)]
struct Tag {
    record: Option<String>,
    schema_version: Option<u32>,
}

/// Parses one line (without its line ending).
pub fn parse(bytes: &[u8]) -> Result<Line, LineProblem> {
    let tag: Tag = serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => LineProblem::NoRecord,
        _ => LineProblem::NotJson(e),
    })?;
    let record = tag.record.ok_or(LineProblem::NoRecord)?;
    match record.as_str() {
        "scan" => {
            let header: ScanHeader = typed("scan", bytes)?;
            check_version("scan", header.schema_version)?;
            Ok(Line::Header(header))
        }
        "observation" => {
            let found = tag.schema_version.unwrap_or(0);
            check_version("observation", found)?;
            Ok(Line::Observation(Box::new(typed("observation", bytes)?)))
        }
        "summary" => {
            let summary: ScanSummary = typed("summary", bytes)?;
            check_version("summary", summary.schema_version)?;
            Ok(Line::Summary(summary))
        }
        _ => Err(LineProblem::UnknownRecord(record)),
    }
}

/// The line as the record type `record`.
fn typed<'a, T: Deserialize<'a>>(record: &'static str, bytes: &'a [u8]) -> Result<T, LineProblem> {
    serde_json::from_slice(bytes).map_err(|source| LineProblem::Malformed { record, source })
}

/// Errors unless `found` is the observation schema this binary reads.
fn check_version(record: &'static str, found: u32) -> Result<(), LineProblem> {
    match found == SCHEMA_VERSION {
        true => Ok(()),
        false => Err(LineProblem::SchemaVersion { record, found }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(text: &str) -> String {
        match parse(text.as_bytes()) {
            Ok(line) => panic!("parsed: {line:?}"),
            Err(e) => e.to_string(),
        }
    }

    const OBSERVATION: &str = r#"{"record":"observation","schema_version":1,"host":"127.0.0.1","address":"127.0.0.1","port":443,"sni":null,"started_at":"2026-06-01T12:00:00Z","duration_ms":1.0,"status":"closed","chain_der":[],"certificates":[]}"#;

    #[test]
    fn an_observation_line_parses_and_ignores_its_parsed_certificates() {
        match parse(OBSERVATION.as_bytes()).unwrap() {
            Line::Observation(o) => assert_eq!((o.port, o.outcome.status()), (443, "closed")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_kind_of_bad_line_says_what_is_wrong() {
        assert!(problem("-----BEGIN CERTIFICATE-----").starts_with("not JSON"));
        assert!(problem("[1, 2]").starts_with("not a certatlas record"));
        assert!(problem(r#"{"status":"tls"}"#).starts_with("not a certatlas record"));
        assert!(problem(r#"{"record":"bogus"}"#).starts_with("unknown record \"bogus\""));
        let newer = OBSERVATION.replace(r#""schema_version":1"#, r#""schema_version":2"#);
        assert!(
            problem(&newer).contains("schema_version 2"),
            "{}",
            problem(&newer)
        );
        let no_port = OBSERVATION.replace(r#""port":443,"#, "");
        assert!(problem(&no_port).contains("port"), "{}", problem(&no_port));
        let bad_der = OBSERVATION.replace(r#""chain_der":[]"#, r#""chain_der":["***"]"#);
        assert!(
            problem(&bad_der).starts_with("bad observation line"),
            "{}",
            problem(&bad_der)
        );
        let der_type = OBSERVATION.replace(r#""chain_der":[]"#, r#""chain_der":[42]"#);
        assert!(
            problem(&der_type).starts_with("bad observation line"),
            "{}",
            problem(&der_type)
        );
        let status = OBSERVATION.replace(r#""closed""#, r#""melted""#);
        assert!(
            problem(&status).starts_with("bad observation line"),
            "{}",
            problem(&status)
        );
    }
}
