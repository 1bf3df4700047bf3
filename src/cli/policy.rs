//! Turning rule arguments (`--rules`, `--fail-on`) and the config's
//! `[rules]` and `[[exceptions]]` into a loaded rule set, before anything
//! is probed or written: a bad rule file ends the run with exit code 2.

use crate::config::Config;
use crate::policy::{Disabled, RuleSet, Severity};

use super::{PolicyArgs, SettingsError};

/// The rules in force and how findings gate the exit code.
#[derive(Debug)]
pub struct PolicyRequest {
    /// Built-in rules, the config's and --rules directories, minus disabled.
    pub rules: RuleSet,
    /// Exit 1 when an active finding is at or above this severity.
    pub fail_on: Option<Severity>,
    /// The config's declared exceptions.
    pub exceptions: Vec<crate::config::ExceptionConfig>,
}

/// Loads the rule set for `args` and `config`.
pub fn policy_request(
    args: &PolicyArgs,
    config: Option<&Config>,
) -> Result<PolicyRequest, SettingsError> {
    Ok(PolicyRequest {
        rules: rule_set(&args.rules, config)?,
        fail_on: args.fail_on,
        exceptions: config.map(|c| c.exceptions.clone()).unwrap_or_default(),
    })
}

/// Built-in rules, then the config's `[rules] dirs`, then `extra` dirs,
/// minus the config's `[rules] disable`.
pub fn rule_set(
    extra: &[std::path::PathBuf],
    config: Option<&Config>,
) -> Result<RuleSet, SettingsError> {
    let mut dirs = config.map(|c| c.rules.dirs.clone()).unwrap_or_default();
    dirs.extend(extra.iter().cloned());
    let disabled: Vec<Disabled> = config
        .map(|c| {
            c.rules
                .disable
                .iter()
                .map(|(id, position)| Disabled {
                    id: id.clone(),
                    file: c.path().to_path_buf(),
                    position: *position,
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(RuleSet::load(&dirs, &disabled)?)
}

/// A severity by name.
pub fn parse_severity(text: &str) -> Result<Severity, String> {
    Severity::parse(text)
        .ok_or_else(|| format!("'{text}' is not a severity (critical, high, medium, low, info)"))
}
