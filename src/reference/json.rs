//! `json.md`: the JSON documents certatlas writes, read from the serde
//! types that write them: each root type and every type reachable from
//! it, with fields, serde attributes and doc comments.

use super::markdown::{cell, code, table};
use super::source::{Item, ItemKind, SourceIndex};
use super::types::{json_type, reachable, serde_name};
use super::ReferenceError;

/// The documents: root type, its file, and where it is written.
const ROOTS: [(&str, &str, &str); 6] = [
    (
        "ScanHeader",
        "src/scan/header.rs",
        "`scan --format jsonl` (and `import`): the first line, `\"record\": \"scan\"`.",
    ),
    (
        "ObservationRecord",
        "src/report/record.rs",
        "One observation: each item of `scan --format json`, each `\"record\": \"observation\"` line of JSON Lines.",
    ),
    (
        "ScanSummary",
        "src/scan/summary.rs",
        "The end of every scan output: the last JSON Lines line (`\"record\": \"summary\"`), `summary` in JSON.",
    ),
    (
        "ScoreCard",
        "src/scoring/card.rs",
        "`certatlas score --format json` (as `items` of the listing envelope) and the score of `report.json`.",
    ),
    (
        "ReportJson",
        "src/report/audit/mod.rs",
        "`report.json` of `certatlas report` (schema `certatlas-report/1`).",
    ),
    (
        "AlertEvent",
        "src/alerts/event.rs",
        "The body POSTed to a webhook (schema `certatlas-alert/1`), with `schema`, `webhook`, `scan` and `time` added.",
    ),
];

/// The page.
pub fn page(index: &SourceIndex) -> Result<String, ReferenceError> {
    let mut text = String::from(
        "Read from the serde types that write each document (fields, `#[serde]` \
         attributes, doc comments). Types are listed once, under the first document \
         that uses them. `T or null` fields may also be left out when their serde \
         attributes say `skip_serializing_if`.\n\n## Documents\n\n",
    );
    let mut roots = Vec::new();
    for (name, file, what) in ROOTS {
        roots.push(index.get(name, file)?);
        text.push_str(&format!("- [`{name}`](#{}): {what}\n", name.to_lowercase()));
    }
    text.push_str("\n## Types\n");
    for item in reachable(index, &roots) {
        text.push_str(&render(index, item));
    }
    Ok(text)
}

fn render(index: &SourceIndex, item: &Item) -> String {
    let mut out = format!("\n### {}\n\n{}", item.name, cell(&item.docs));
    out.push_str(&format!(" (`{}`", item.file));
    if !item.serde.is_empty() {
        out.push_str(&format!("; serde: {}", code(&item.serde.join(", "))));
    }
    out.push_str(")\n\n");
    let rows: Vec<Vec<String>> = item
        .members
        .iter()
        .filter(|m| !m.has("skip") && !m.has("skip_serializing"))
        .map(|m| {
            let content = match item.kind {
                ItemKind::Struct => match m.with().as_deref().and_then(adapted_type) {
                    Some(written) => written.to_string(),
                    None => linked(index, item, &json_type(&m.ty)),
                },
                ItemKind::Enum if m.fields.is_empty() => linked(index, item, &m.ty),
                ItemKind::Enum => {
                    let fields: Vec<String> = m
                        .fields
                        .iter()
                        .map(|f| {
                            format!("`{}`: {}", f.name, linked(index, item, &json_type(&f.ty)))
                        })
                        .collect();
                    fields.join(", ")
                }
            };
            let name = match item.kind {
                ItemKind::Struct if m.has("flatten") => "(flattened)".to_string(),
                _ => code(&serde_name(item, m)),
            };
            vec![name, content, code(&m.serde.join(", ")), cell(&m.docs)]
        })
        .collect();
    let first = match item.kind {
        ItemKind::Struct => "field",
        ItemKind::Enum => "variant",
    };
    if !rows.is_empty() {
        out.push_str(&table(&[first, "value", "serde", "meaning"], &rows));
    }
    out
}

/// `ty` with each documented type name turned into a link to its section.
/// The JSON type a serde `with` adapter writes, where it is not the Rust
/// type's (DER written as base64 by [`crate::pem`]).
fn adapted_type(with: &str) -> Option<&'static str> {
    match with.rsplit("::").next()? {
        "base64_list" => Some("list of string (base64)"),
        "base64_bytes" => Some("string (base64)"),
        _ => None,
    }
}

fn linked(index: &SourceIndex, item: &Item, ty: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    for c in ty.chars().chain(std::iter::once('\0')) {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        match index.find(&word, &item.file) {
            Some(found) if word.starts_with(|c: char| c.is_ascii_uppercase()) => {
                out.push_str(&format!("[{word}](#{})", found.name.to_lowercase()));
            }
            _ => out.push_str(&word),
        }
        word.clear();
        if c != '\0' {
            out.push(c);
        }
    }
    cell(&out)
}

#[cfg(test)]
mod tests {
    use super::adapted_type;

    #[test]
    fn base64_adapters_are_documented_as_the_strings_they_write() {
        assert_eq!(
            adapted_type("crate::pem::base64_list"),
            Some("list of string (base64)")
        );
        assert_eq!(
            adapted_type("crate::pem::base64_bytes"),
            Some("string (base64)")
        );
        assert_eq!(adapted_type("crate::time_text::rfc3339"), None);
    }
}
