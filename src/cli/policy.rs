//! Turning rule arguments (`--rules`, `--fail-on`, `--self-assessment`)
//! and the config's `[rules]`, `[[exceptions]]` and `[maturity]` into a
//! loaded rule set and maturity profile, before anything is probed or
//! written: a bad rule, ladder or self-assessment file ends the run with
//! exit code 2.

use crate::config::Config;
pub use crate::judge::PolicyRequest;
use crate::policy::{Disabled, RuleSet};
use crate::scoring::claims;
use crate::scoring::ladder::{self, Overrides, Profile, ThresholdOverride};

use super::PolicyArgs;

/// Why the rules, the maturity profile or a self-assessment cannot be
/// loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyLoadError {
    /// A rule file (or rule directory) is wrong.
    #[error(transparent)]
    Rules(#[from] crate::policy::RuleError),
    /// A maturity ladder, profile or `[maturity]` override is wrong.
    #[error(transparent)]
    Ladder(#[from] ladder::LadderError),
    /// A self-assessment file cannot be used.
    #[error(transparent)]
    Claims(#[from] claims::ClaimsError),
}

/// Loads the rule set for `args` and `config`.
pub fn policy_request(
    args: &PolicyArgs,
    config: Option<&Config>,
) -> Result<PolicyRequest, PolicyLoadError> {
    Ok(PolicyRequest {
        rules: rule_set(&args.rules, config)?,
        fail_on: args.fail_on,
        exceptions: config.map(|c| c.exceptions.clone()).unwrap_or_default(),
        profile: profile(config)?,
        claims: args
            .self_assessment
            .as_deref()
            .map(claims::load)
            .transpose()?,
        config_digest: config.map(|c| c.digest().to_string()),
    })
}

/// The built-in rules and maturity profile, with no config, exceptions,
/// claims or `--fail-on`: what the demo lab, the benchmarks and the tests
/// that judge hand-made scans evaluate.
pub fn builtin() -> Result<PolicyRequest, PolicyLoadError> {
    Ok(PolicyRequest {
        rules: RuleSet::builtin()?,
        fail_on: None,
        exceptions: Vec::new(),
        profile: profile(None)?,
        claims: None,
        config_digest: None,
    })
}

/// The built-in maturity profile with the config's `[maturity]` applied.
pub fn profile(config: Option<&Config>) -> Result<Profile, PolicyLoadError> {
    let overrides = config.map_or_else(Overrides::default, |c| Overrides {
        config: c.path().to_path_buf(),
        dir: c.maturity.dir.clone(),
        window_days: c.maturity.window_days,
        thresholds: c
            .maturity
            .thresholds
            .iter()
            .map(|(key, threshold, position)| ThresholdOverride {
                key: key.clone(),
                threshold: *threshold,
                position: *position,
            })
            .collect(),
        not_applicable: c.maturity.not_applicable.clone(),
    });
    Ok(ladder::load(&overrides)?)
}

/// Built-in rules, then the config's `[rules] dirs`, then `extra` dirs,
/// minus the config's `[rules] disable`.
pub fn rule_set(
    extra: &[std::path::PathBuf],
    config: Option<&Config>,
) -> Result<RuleSet, PolicyLoadError> {
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
