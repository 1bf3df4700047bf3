//! [`PolicyRequest`]: the policy a judgement applies (rules, exceptions,
//! maturity profile, self-assessment, `--fail-on`). The judging stage owns
//! the type; the command line builds it from arguments and the config.

use crate::config::ExceptionConfig;
use crate::policy::{RuleSet, Severity};
use crate::scoring::claims::Claims;
use crate::scoring::ladder::Profile;

/// The rules in force and how findings gate the exit code.
#[derive(Debug)]
pub struct PolicyRequest {
    /// Built-in rules, the config's and --rules directories, minus disabled.
    pub rules: RuleSet,
    /// Exit 1 when an active finding is at or above this severity.
    pub fail_on: Option<Severity>,
    /// The config's declared exceptions.
    pub exceptions: Vec<ExceptionConfig>,
    /// The maturity profile: built-in ladders, the config's `[maturity]`.
    pub profile: Profile,
    /// An imported self-assessment.
    pub claims: Option<Claims>,
    /// SHA-256 of the config file's text, when one was used.
    pub config_digest: Option<String>,
}
