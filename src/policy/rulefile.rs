//! Reading one rule file strictly: unknown keys, bad values, invalid CEL,
//! unknown PKIMM categories and examples missing a side are errors naming
//! the file, line and column. CEL positions are mapped from inside the
//! TOML string back to the file.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;

use super::category;
use super::error::RuleError;
use super::expr::{Expr, ExprError};
use super::message::Template;
use super::rule::{self, Example, Expectation, Origin, Rule};
use super::{Severity, SubjectKind};
use crate::document::{self, Spanned, TomlValue};
use crate::located::Position;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: Spanned<String>,
    title: Spanned<String>,
    severity: Spanned<String>,
    subject: Spanned<String>,
    condition: Spanned<String>,
    observed_when: Option<Spanned<String>>,
    message: Spanned<String>,
    rationale: Spanned<String>,
    remediation: Spanned<String>,
    references: Spanned<Vec<String>>,
    effective: Option<Spanned<TomlValue>>,
    categories: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    examples: Vec<Spanned<RawExample>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExample {
    fixture: String,
    #[serde(default)]
    set: BTreeMap<String, TomlValue>,
    expect: Spanned<String>,
    message_contains: Option<String>,
}

/// The file text and name, for positions.
struct Source<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Source<'_> {
    fn position(&self, span: &Range<usize>) -> Position {
        Position::of_span(self.text, span)
    }

    fn error(&self, span: &Range<usize>, problem: impl Into<String>) -> RuleError {
        RuleError::invalid(self.path, Some(self.position(span)), problem)
    }

    /// An expression error inside the TOML string at `span`, mapped to the file.
    fn expr_error(&self, span: &Range<usize>, error: ExprError, what: &str) -> RuleError {
        let offset = string_content_start(self.text, span)
            .filter(|start| raw_equals_decoded(self.text, span, *start))
            .map_or(span.start, |start| start + error.offset);
        let position = Position::at(self.text, offset);
        RuleError::invalid(
            self.path,
            Some(position),
            format!("{what}: {}", error.message),
        )
    }
}

/// Parses one rule file's text.
pub fn parse(text: &str, path: &Path, builtin: bool) -> Result<Rule, RuleError> {
    let raw: RawRule = document::parse_strict(text, path)?;
    let src = Source { text, path };
    let subject = SubjectKind::parse(raw.subject.get_ref().trim()).ok_or_else(|| {
        src.error(
            &raw.subject.span(),
            format!(
                "subject {:?}: expected leaf, ca, chain, endpoint or inventory",
                raw.subject.get_ref()
            ),
        )
    })?;
    let schema = rule::schema(subject);
    let condition = Expr::compile(raw.condition.get_ref(), &schema)
        .map_err(|e| src.expr_error(&raw.condition.span(), e, "condition"))?;
    let observed_when = match &raw.observed_when {
        Some(text) => Some(
            Expr::compile(text.get_ref(), &schema)
                .map_err(|e| src.expr_error(&text.span(), e, "observed_when"))?,
        ),
        None => None,
    };
    let message = Template::parse(raw.message.get_ref(), &schema)
        .map_err(|e| src.expr_error(&raw.message.span(), e, "message"))?;
    Ok(Rule {
        id: check_id(&raw.id, &src)?,
        title: non_empty(&raw.title, "title", &src)?,
        severity: Severity::parse(raw.severity.get_ref()).ok_or_else(|| {
            src.error(
                &raw.severity.span(),
                format!(
                    "severity {:?}: expected critical, high, medium, low or info",
                    raw.severity.get_ref()
                ),
            )
        })?,
        subject,
        condition,
        observed_when,
        message,
        rationale: non_empty(&raw.rationale, "rationale", &src)?,
        remediation: non_empty(&raw.remediation, "remediation", &src)?,
        references: check_references(&raw.references, &src)?,
        effective: check_effective(raw.effective.as_ref(), &src)?,
        categories: check_categories(&raw.categories, &src)?,
        examples: check_examples(raw.examples, &src)?,
        origin: Origin {
            path: path.to_path_buf(),
            builtin,
            id_position: Some(src.position(&raw.id.span())),
        },
    })
}

fn non_empty(value: &Spanned<String>, key: &str, src: &Source<'_>) -> Result<String, RuleError> {
    let text = value.get_ref().trim();
    if text.is_empty() {
        return Err(src.error(&value.span(), format!("{key} is empty")));
    }
    Ok(text.to_string())
}

/// Ids are letters, digits, `.`, `-` and `_`, starting with a letter or digit.
fn check_id(id: &Spanned<String>, src: &Source<'_>) -> Result<String, RuleError> {
    let text = id.get_ref();
    let valid = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c));
    if !valid {
        let problem = format!(
            "id {text:?}: use letters, digits, '.', '-' and '_' (e.g. \"acme.no-legacy-names\")"
        );
        return Err(src.error(&id.span(), problem));
    }
    Ok(text.clone())
}

fn check_references(
    refs: &Spanned<Vec<String>>,
    src: &Source<'_>,
) -> Result<Vec<String>, RuleError> {
    if refs.get_ref().is_empty() || refs.get_ref().iter().any(|r| r.trim().is_empty()) {
        return Err(src.error(
            &refs.span(),
            "references: give at least one, none empty (standard and section)",
        ));
    }
    Ok(refs
        .get_ref()
        .iter()
        .map(|r| r.trim().to_string())
        .collect())
}

fn check_effective(
    effective: Option<&Spanned<TomlValue>>,
    src: &Source<'_>,
) -> Result<Option<time::Date>, RuleError> {
    effective
        .map(|value| {
            document::date_of(value.get_ref())
                .ok_or_else(|| src.error(&value.span(), "effective must be a date like 2027-03-15"))
        })
        .transpose()
}

fn check_categories(
    categories: &Spanned<Vec<Spanned<String>>>,
    src: &Source<'_>,
) -> Result<Vec<String>, RuleError> {
    if categories.get_ref().is_empty() {
        return Err(src.error(
            &categories.span(),
            "categories: name at least one PKIMM category id",
        ));
    }
    categories
        .get_ref()
        .iter()
        .map(|c| match category::find(c.get_ref()) {
            Some(found) => Ok(found.id.to_string()),
            None => Err(src.error(
                &c.span(),
                format!("unknown PKIMM category {:?} (e.g. \"M.certificate-management\"; see the README)", c.get_ref()),
            )),
        })
        .collect()
}

fn check_examples(
    raw: Vec<Spanned<RawExample>>,
    src: &Source<'_>,
) -> Result<Vec<Example>, RuleError> {
    let examples: Vec<Example> = raw
        .into_iter()
        .map(|example| check_example(example, src))
        .collect::<Result<_, _>>()?;
    for (wanted, side) in [
        (Expectation::Finding, "finding"),
        (Expectation::Pass, "pass"),
    ] {
        if !examples.iter().any(|e| e.expect == wanted) {
            return Err(RuleError::invalid(
                src.path,
                None,
                format!("needs at least one [[examples]] with expect = \"{side}\""),
            ));
        }
    }
    Ok(examples)
}

fn check_example(example: Spanned<RawExample>, src: &Source<'_>) -> Result<Example, RuleError> {
    let position = src.position(&example.span()).to_string();
    let example = example.into_inner();
    let expect = match example.expect.get_ref().as_str() {
        "finding" => Expectation::Finding,
        "pass" => Expectation::Pass,
        other => {
            let problem = format!("expect {other:?}: expected \"finding\" or \"pass\"");
            return Err(src.error(&example.expect.span(), problem));
        }
    };
    Ok(Example {
        fixture: example.fixture,
        set: example
            .set
            .iter()
            .map(|(k, v)| (k.clone(), document::json_of(v)))
            .collect(),
        expect,
        message_contains: example.message_contains,
        position,
    })
}

/// Where the content of the TOML string at `span` starts (after its
/// opening delimiter, and after the newline a multi-line string trims).
fn string_content_start(text: &str, span: &Range<usize>) -> Option<usize> {
    let raw = text.get(span.clone())?;
    let delimiter = ["'''", "\"\"\"", "'", "\""]
        .into_iter()
        .find(|d| raw.starts_with(d))?;
    let mut start = span.start + delimiter.len();
    if delimiter.len() == 3 {
        let rest = &text[start..];
        start += if rest.starts_with("\r\n") {
            2
        } else {
            usize::from(rest.starts_with('\n'))
        };
    }
    Some(start)
}

/// True when the string's raw text needs no decoding (no escapes), so that
/// offsets into its value are offsets into the file.
fn raw_equals_decoded(text: &str, span: &Range<usize>, start: usize) -> bool {
    let literal = text[span.clone()].starts_with('\'');
    literal || !text[start..span.end].contains('\\')
}

#[cfg(test)]
mod tests;
