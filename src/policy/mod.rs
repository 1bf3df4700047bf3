//! Policy: rules from the `rules/` directory turned into findings.
//!
//! A rule is one TOML file ([`rulefile`]) with a CEL condition over the
//! documented model of its subject ([`model`]): a leaf, a CA, a chain, an
//! endpoint or the whole inventory of a scan. [`RuleSet`] loads the
//! built-in rules ([`builtin`], embedded in the binary) and the user's
//! directories, [`evaluate`](evaluate::evaluate) runs them over the models
//! of a scan, [`lifecycle`] follows findings across scans (moving only on
//! evidence: [`observed`] says whether a scan observed a finding's subject,
//! [`digests`] records the policy so that [`disappearance`] can tell a
//! policy change from a fix), [`distrust`] holds the root programs'
//! distrust events rules read, [`exceptions`]
//! applies the declared exceptions, and [`examples`] runs every rule's
//! worked examples (`certatlas rules test`). The CEL crate is used in
//! [`expr`] only.

pub mod builtin;
pub mod category;
pub mod digests;
pub mod disappearance;
pub mod distrust;
mod error;
pub mod evaluate;
pub mod examples;
pub mod exceptions;
pub mod expr;
mod finding;
pub mod lifecycle;
mod message;
pub mod model;
pub mod observed;
pub mod presence;
mod rule;
pub mod rulefile;
mod ruleset;
mod subject;

pub use crate::rule_vocabulary::{Severity, SubjectKind};
pub use error::RuleError;
pub use finding::{Finding, StoredParts};
pub use rule::sample as model_sample;
pub use rule::{Example, Expectation, Origin, Rule, RuleSummary};
pub use ruleset::{Disabled, RuleSet};
pub use subject::Subject;
