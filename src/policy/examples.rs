//! `certatlas rules test`: every rule's worked examples, run the way rules
//! run on a scan. An example names a fixture (a built-in one, or a JSON file
//! next to the rule file), optionally changes fields of its model, and says
//! whether the rule must fire; `message_contains` also checks the message.
//!
//! A fixture is a JSON document `{about, subject, evaluated_at, model}`;
//! the built-in ones are generated from the demo lab (see
//! `fixtures/rules/README.md`).

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::expr::Bindings;
use super::rule::{Example, Expectation};
use super::{builtin, Rule, RuleSet};

/// A fixture document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// What the fixture is for.
    pub about: String,
    /// The subject kind of its model.
    pub subject: String,
    /// The evaluation time its dates were computed at (RFC 3339).
    pub evaluated_at: String,
    /// The subject model.
    pub model: Json,
}

/// The result of one example.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExampleResult {
    /// The rule's id.
    pub rule: String,
    /// `file:line:column` of the example.
    pub location: String,
    /// The fixture named.
    pub fixture: String,
    /// `finding` or `pass`.
    pub expected: String,
    /// Whether the example held.
    pub ok: bool,
    /// What happened: the message of a finding, or why the example failed.
    pub detail: String,
}

/// Runs every example of every rule in `rules`, in rule order.
pub fn run_all(rules: &RuleSet) -> Vec<ExampleResult> {
    let bindings = Bindings::default();
    rules
        .rules()
        .iter()
        .flat_map(|rule| rule.examples.iter().map(move |e| (rule, e)))
        .map(|(rule, example)| run(rule, example, &bindings))
        .collect()
}

fn run(rule: &Rule, example: &Example, bindings: &Bindings) -> ExampleResult {
    let expected = match example.expect {
        Expectation::Finding => "finding",
        Expectation::Pass => "pass",
    };
    let (ok, detail) = match outcome(rule, example, bindings) {
        Ok((fired, message)) => check(example, fired, message),
        Err(problem) => (false, problem.to_string()),
    };
    ExampleResult {
        rule: rule.id.clone(),
        location: format!("{}:{}", rule.origin.path.display(), example.position),
        fixture: example.fixture.clone(),
        expected: expected.into(),
        ok,
        detail,
    }
}

/// Whether the example held, and what to say.
fn check(example: &Example, fired: bool, message: String) -> (bool, String) {
    match (example.expect, fired) {
        (Expectation::Pass, false) => (true, "no finding".into()),
        (Expectation::Pass, true) => (false, format!("expected no finding, got: {message}")),
        (Expectation::Finding, false) => {
            (false, "expected a finding, the rule did not fire".into())
        }
        (Expectation::Finding, true) => match &example.message_contains {
            Some(wanted) if !message.contains(wanted.as_str()) => (
                false,
                format!("message {message:?} does not contain {wanted:?}"),
            ),
            _ => (true, message),
        },
    }
}

/// Evaluates the rule on the example's model: `(fired, message)`.
fn outcome(
    rule: &Rule,
    example: &Example,
    bindings: &Bindings,
) -> Result<(bool, String), ExampleError> {
    let fixture = load(&example.fixture, &rule.origin.path, rule.origin.builtin)?;
    if fixture.subject != rule.subject.name() {
        return Err(ExampleError::WrongSubject {
            fixture: example.fixture.clone(),
            model: fixture.subject,
            rule: rule.subject.name(),
        });
    }
    let mut model = fixture.model;
    for (path, value) in &example.set {
        set(&mut model, rule.subject.name(), path, value.clone())?;
    }
    let at =
        crate::time_text::parse_rfc3339(&fixture.evaluated_at).ok_or(ExampleError::EvaluatedAt)?;
    let dated = match model.get("not_before").and_then(Json::as_str) {
        Some(text) if rule.subject.dated_by_issuance() => {
            crate::time_text::parse_rfc3339(text).ok_or(ExampleError::NotBefore)?
        }
        _ => at,
    };
    if !rule.applies_on(dated.date()) {
        return Ok((false, String::new()));
    }
    let now = fixture.evaluated_at.clone();
    let bound = bindings.bind_json(rule.subject.name(), &model, &now);
    let fired = bound.condition(&rule.condition)?;
    let message = if fired {
        rule.message.render(&bound)
    } else {
        String::new()
    };
    Ok((fired, message))
}

/// Reads a fixture: a `.json` path relative to the rule file, else a
/// built-in name.
pub fn load(name: &str, rule_file: &Path, builtin_rule: bool) -> Result<Fixture, FixtureError> {
    let text = if name.ends_with(".json") && !builtin_rule {
        let path = rule_file.parent().unwrap_or(Path::new("")).join(name);
        std::fs::read_to_string(&path).map_err(|source| FixtureError::Read { path, source })?
    } else {
        let text = builtin::fixture(name).ok_or_else(|| FixtureError::NoBuiltin(name.into()))?;
        text.to_string()
    };
    serde_json::from_str(&text).map_err(|source| FixtureError::Json {
        name: name.to_string(),
        source,
    })
}

/// Why a fixture cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FixtureError {
    /// A fixture file next to the rule cannot be read.
    #[error("fixture {}: {source}", path.display())]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No built-in fixture has the name.
    #[error("no built-in fixture {0:?} (see `certatlas rules fixtures`)")]
    NoBuiltin(String),
    /// The fixture is not a fixture document.
    #[error("fixture {name:?}: {source}")]
    Json {
        /// The fixture's name.
        name: String,
        /// What the JSON reader found.
        source: serde_json::Error,
    },
}

/// Why an example could not be run (it then fails with this as its detail).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExampleError {
    /// The fixture cannot be used.
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    /// The fixture's model is of another subject kind than the rule's.
    #[error("fixture {fixture:?} is a {model} model, the rule is about {rule}")]
    WrongSubject {
        /// The fixture's name.
        fixture: String,
        /// The fixture's subject kind.
        model: String,
        /// The rule's subject kind.
        rule: &'static str,
    },
    /// A `set` path that names no field of the model.
    #[error(transparent)]
    Set(#[from] SetError),
    /// The fixture's `evaluated_at` is not an instant.
    #[error("fixture evaluated_at is not RFC 3339")]
    EvaluatedAt,
    /// The model's `not_before` is not an instant.
    #[error("not_before is not RFC 3339")]
    NotBefore,
    /// The rule's condition cannot be evaluated on the model.
    #[error(transparent)]
    Eval(#[from] super::expr::EvalError),
}

/// A `set` path of an example that names no field of the model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetError {
    /// The path does not start with the subject's name.
    #[error("set {path:?}: paths start with {subject:?}")]
    Subject {
        /// The path.
        path: String,
        /// The subject's name.
        subject: String,
    },
    /// The model has no such field.
    #[error("set {path:?}: the model has no field {part:?} there")]
    NoField {
        /// The path.
        path: String,
        /// The first missing part.
        part: String,
    },
}

/// Sets the field at dotted `path` (starting with the subject's name; list
/// items by index) to `value`. The field must exist.
fn set(model: &mut Json, subject: &str, path: &str, value: Json) -> Result<(), SetError> {
    let mut parts = path.split('.');
    if parts.next() != Some(subject) {
        return Err(SetError::Subject {
            path: path.to_string(),
            subject: subject.to_string(),
        });
    }
    let mut target = model;
    for part in parts {
        target = match target {
            Json::Object(fields) => fields.get_mut(part),
            Json::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
            _ => None,
        }
        .ok_or_else(|| SetError::NoField {
            path: path.to_string(),
            part: part.to_string(),
        })?;
    }
    *target = value;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_replaces_existing_fields_only() {
        let mut model = json!({"key": {"bits": 2048}, "names": ["a", "b"]});
        set(&mut model, "leaf", "leaf.key.bits", json!(1024)).expect("set");
        set(&mut model, "leaf", "leaf.names.1", json!("c")).expect("index");
        assert_eq!(model, json!({"key": {"bits": 1024}, "names": ["a", "c"]}));
        assert!(set(&mut model, "leaf", "leaf.key.bitz", json!(1)).is_err());
        assert!(set(&mut model, "leaf", "ca.key.bits", json!(1)).is_err());
    }
}
