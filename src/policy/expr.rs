//! CEL expressions: compiling a rule's condition or message placeholder,
//! checking every field path it names against the subject's model, and
//! evaluating it over a serialised model. The only user of the `cel` crate.

use std::collections::HashMap;

use cel::common::ast::{EntryExpr, Expr as Node, IdedEntryExpr, IdedExpr};
use cel::{Context, Program, Value};
use serde::Serialize;
use serde_json::Value as Json;

/// A compiled, checked CEL expression and its source text.
#[derive(Debug)]
pub struct Expr {
    program: Program,
    source: String,
}

/// Why an expression was refused: where in its source (byte offset) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    /// Byte offset into the expression source.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl Expr {
    /// Compiles `source` and checks it only uses the variables in `schema`
    /// (name → a sample value with every field present and one element in
    /// every list) and only fields those samples have.
    pub fn compile(source: &str, schema: &HashMap<&str, Json>) -> Result<Expr, ExprError> {
        let program = Program::compile(source).map_err(|errors| {
            let first = errors.errors.first();
            let (line, column) = first.map_or((1, 1), |e| (e.pos.0, e.pos.1));
            ExprError {
                offset: offset_of(source, line, column),
                message: first.map_or_else(|| "invalid CEL".into(), |e| e.msg.clone()),
            }
        })?;
        let scope: HashMap<String, Option<&Json>> = schema
            .iter()
            .map(|(name, value)| (name.to_string(), Some(value)))
            .collect();
        Checker { program: &program }
            .check(program.expression(), &scope)
            .map_err(|(id, message)| {
                let start = program
                    .source_info()
                    .offset_for(id)
                    .map_or(0, |(s, _)| s as usize);
                // A selection is recorded at its dot: point at the field name.
                let offset = start + usize::from(source[start..].starts_with('.'));
                ExprError { offset, message }
            })?;
        Ok(Expr {
            program,
            source: source.to_string(),
        })
    }

    /// The source text.
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// Byte offset of 1-based `line` and `column` (characters) in `source`.
fn offset_of(source: &str, line: isize, column: isize) -> usize {
    let mut offset = 0;
    for (index, text) in source.split_inclusive('\n').enumerate() {
        if index as isize + 1 == line {
            let chars = column.max(1) as usize - 1;
            return offset
                + text
                    .char_indices()
                    .nth(chars)
                    .map_or(text.len(), |(i, _)| i);
        }
        offset += text.len();
    }
    source.len()
}

/// Walks an expression checking identifiers and field selections.
struct Checker<'p> {
    program: &'p Program,
}

type Scope<'s> = HashMap<String, Option<&'s Json>>;
type Failure = (u64, String);

impl Checker<'_> {
    fn check<'s>(&self, node: &IdedExpr, scope: &Scope<'s>) -> Result<(), Failure> {
        match &node.expr {
            Node::Ident(_) | Node::Select(_) => self.resolve(node, scope).map(|_| ()),
            Node::Call(call) => {
                call.target.iter().try_for_each(|t| self.check(t, scope))?;
                call.args.iter().try_for_each(|a| self.check(a, scope))
            }
            Node::List(list) => list.elements.iter().try_for_each(|e| self.check(e, scope)),
            Node::Map(map) => self.check_entries(&map.entries, scope),
            Node::Struct(s) => self.check_entries(&s.entries, scope),
            Node::Comprehension(c) => {
                let element = self.resolve(&c.iter_range, scope)?.and_then(first_element);
                let mut inner = scope.clone();
                inner.insert(c.iter_var.clone(), element);
                if let Some(second) = &c.iter_var2 {
                    inner.insert(second.clone(), None);
                }
                inner.insert(c.accu_var.clone(), None);
                self.check(&c.accu_init, scope)?;
                [&c.loop_cond, &c.loop_step, &c.result]
                    .into_iter()
                    .try_for_each(|e| self.check(e, &inner))
            }
            Node::Literal(_) | Node::Unspecified => Ok(()),
        }
    }

    /// The keys and values of a map or struct literal.
    fn check_entries(&self, entries: &[IdedEntryExpr], scope: &Scope<'_>) -> Result<(), Failure> {
        entries.iter().try_for_each(|entry| match &entry.expr {
            EntryExpr::MapEntry(e) => self.check(&e.key, scope).and(self.check(&e.value, scope)),
            EntryExpr::StructField(f) => self.check(&f.value, scope),
        })
    }

    /// The sample value `node` stands for (`None`: not known statically).
    fn resolve<'s>(&self, node: &IdedExpr, scope: &Scope<'s>) -> Result<Option<&'s Json>, Failure> {
        match &node.expr {
            Node::Ident(name) => match scope.get(name) {
                Some(value) => Ok(*value),
                None => Err((
                    node.id,
                    format!("unknown variable `{name}` (known: {})", known(scope)),
                )),
            },
            Node::Select(select) => {
                let Some(operand) = self.resolve(&select.operand, scope)? else {
                    return Ok(None);
                };
                match operand {
                    Json::Object(fields) => match fields.get(&select.field) {
                        Some(value) => Ok(Some(value)),
                        None => Err((node.id, unknown_field(&select.field, fields))),
                    },
                    _ => Err((
                        node.id,
                        format!("`{}`: not an object, it has no fields", select.field),
                    )),
                }
            }
            _ => self.check(node, scope).map(|_| None),
        }
        .map_err(|(id, message)| (self.position_id(id, node.id), message))
    }

    /// Prefers the id that has a recorded position.
    fn position_id(&self, id: u64, fallback: u64) -> u64 {
        if self.program.source_info().offset_for(id).is_some() {
            id
        } else {
            fallback
        }
    }
}

fn first_element(value: &Json) -> Option<&Json> {
    value.as_array().and_then(|items| items.first())
}

fn known(scope: &Scope<'_>) -> String {
    let mut names: Vec<&str> = scope
        .keys()
        .map(String::as_str)
        .filter(|n| !n.starts_with('@'))
        .collect();
    names.sort_unstable();
    names.join(", ")
}

fn unknown_field(field: &str, fields: &serde_json::Map<String, Json>) -> String {
    let mut names: Vec<&str> = fields.keys().map(String::as_str).collect();
    names.sort_unstable();
    format!("no field `{field}` here (fields: {})", names.join(", "))
}

/// The values an evaluation sees: the subject variable and `now`.
#[derive(Default)]
pub struct Bindings {
    root: Context<'static, 'static>,
}

/// Why a rule could not be evaluated on a subject.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// The subject's model cannot be converted to CEL values.
    #[error("model of {name}: {source}")]
    Model {
        /// The subject kind's variable name.
        name: String,
        /// What the conversion found.
        source: cel::SerializationError,
    },
    /// The condition gave something other than a bool (shown).
    #[error("condition gave {0} instead of a bool")]
    NotABool(String),
    /// The condition failed while running (a type error, a missing field).
    #[error("{0}")]
    Execution(cel::ExecutionError),
}

/// A serialised subject model, converted once and evaluated by many rules.
pub struct Bound<'b> {
    context: Context<'b, 'static>,
}

impl Bindings {
    /// Binds `name` to `model` and `now` to its text, for evaluations.
    pub fn bind<T: Serialize>(
        &self,
        name: &str,
        model: &T,
        now: &str,
    ) -> Result<Bound<'_>, EvalError> {
        let value = cel::to_value(model).map_err(|source| EvalError::Model {
            name: name.to_string(),
            source,
        })?;
        Ok(self.bind_value(name, value, now))
    }

    /// Binds `name` to a JSON model (see [`json_value`]).
    pub fn bind_json(&self, name: &str, model: &Json, now: &str) -> Bound<'_> {
        self.bind_value(name, json_value(model), now)
    }

    fn bind_value(&self, name: &str, value: Value, now: &str) -> Bound<'_> {
        let mut context = self.root.new_inner_scope();
        context.add_variable_from_value(name.to_string(), value);
        context.add_variable_from_value("now", now.to_string());
        Bound { context }
    }
}

/// A JSON model (a fixture) as a CEL value, every integer a signed `int`
/// as in the typed models (serde would make non-negative ones `uint`).
pub fn json_value(json: &Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::String(s.clone().into()),
        Json::Array(items) => Value::List(items.iter().map(json_value).collect::<Vec<_>>().into()),
        Json::Object(fields) => {
            let map: HashMap<String, Value> = fields
                .iter()
                .map(|(k, v)| (k.clone(), json_value(v)))
                .collect();
            Value::from(map)
        }
    }
}

impl Bound<'_> {
    /// Evaluates a condition: `Ok(true)` means the rule fires.
    pub fn condition(&self, expr: &Expr) -> Result<bool, EvalError> {
        match expr.program.execute(&self.context) {
            Ok(Value::Bool(fired)) => Ok(fired),
            Ok(other) => Err(EvalError::NotABool(text(&other))),
            Err(e) => Err(EvalError::Execution(e)),
        }
    }

    /// Evaluates a placeholder to display text (lists comma-separated; an
    /// error shows as `<error: ...>` so a message is never lost).
    pub fn text(&self, expr: &Expr) -> String {
        match expr.program.execute(&self.context) {
            Ok(value) => text(&value),
            Err(e) => format!("<error: {e}>"),
        }
    }
}

/// Display text of a CEL value.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        Value::List(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests;
