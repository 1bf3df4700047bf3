//! A rule's message template: literal text with `{expression}`
//! placeholders, each a CEL expression over the same variables as the
//! condition, rendered only for findings.

use std::collections::HashMap;

use serde_json::Value as Json;

use super::expr::{Bound, Expr, ExprError};

/// A parsed, compiled message template.
#[derive(Debug)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug)]
enum Part {
    Text(String),
    Placeholder(Expr),
}

impl Template {
    /// Parses `source`; errors carry the byte offset into `source`.
    pub fn parse(source: &str, schema: &HashMap<&str, Json>) -> Result<Template, ExprError> {
        let mut parts = Vec::new();
        let mut rest = source;
        while let Some(open) = rest.find(['{', '}']) {
            let base = source.len() - rest.len();
            if rest[open..].starts_with('}') {
                return Err(error(base + open, "`}` without an opening `{`"));
            }
            let close = closing(&rest[open..])
                .ok_or_else(|| error(base + open, "`{` without a closing `}`"))?;
            let inner = &rest[open + 1..open + close];
            if inner.trim().is_empty() {
                return Err(error(base + open, "empty placeholder `{}`"));
            }
            let expr = Expr::compile(inner, schema).map_err(|e| ExprError {
                offset: base + open + 1 + e.offset,
                message: e.message,
            })?;
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            parts.push(Part::Placeholder(expr));
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        Ok(Template { parts })
    }

    /// The message for one finding.
    pub fn render(&self, bound: &Bound<'_>) -> String {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.clone(),
                Part::Placeholder(expr) => bound.text(expr),
            })
            .collect()
    }
}

/// The offset of the `}` closing the `{` at the start of `text`, counting
/// nested braces (CEL map literals) and skipping quoted strings.
fn closing(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '{') => depth += 1,
            (None, '}') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn error(offset: usize, message: &str) -> ExprError {
    ExprError {
        offset,
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::expr::Bindings;
    use super::*;
    use serde_json::json;

    fn schema() -> HashMap<&'static str, Json> {
        HashMap::from([
            ("leaf", json!({"days_left": 3, "names": ["a"]})),
            ("now", json!("")),
        ])
    }

    #[test]
    fn placeholders_render_values_and_lists() {
        let template = Template::parse("{-leaf.days_left} day(s); names {leaf.names}.", &schema())
            .expect("parses");
        let bindings = Bindings::default();
        let bound = bindings.bind_json(
            "leaf",
            &json!({"days_left": 3, "names": ["a.example", "b.example"]}),
            "t",
        );
        assert_eq!(
            template.render(&bound),
            "-3 day(s); names a.example, b.example.",
            "3 is an int, not a uint"
        );
    }

    #[test]
    fn braces_must_balance_and_fields_must_exist() {
        let err = Template::parse("left {leaf.days_left", &schema()).expect_err("unclosed");
        assert_eq!(err.offset, 5);
        let err = Template::parse("a } b", &schema()).expect_err("stray");
        assert_eq!(err.offset, 2);
        let err = Template::parse("x {leaf.dayz_left} y", &schema()).expect_err("typo");
        assert_eq!(err.offset, 8, "points at the field: {err:?}");
        assert!(err.message.contains("dayz_left"), "{}", err.message);
        let nested = Template::parse("{ {'k': 1}['k'] }", &schema()).expect("map literal");
        assert_eq!(nested.parts.len(), 1);
    }
}
