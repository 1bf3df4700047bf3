//! [`PolicyRequest`]: the policy a judgement applies (rules, exceptions,
//! maturity profile, self-assessment, `--fail-on`). The judging stage owns
//! the type; the command line builds it from arguments and the config.

use time::Date;

use crate::exception::{Exception, ExceptionTarget};
use crate::policy::{RuleSet, Severity};
use crate::scoring::claims::Claims;
use crate::scoring::ladder::Profile;
use crate::scoring::metrics::Exclusions;

/// The rules in force and how findings gate the exit code.
#[derive(Debug)]
pub struct PolicyRequest {
    /// Built-in rules, the config's and --rules directories, minus disabled.
    pub rules: RuleSet,
    /// Exit 1 when an active finding is at or above this severity.
    pub fail_on: Option<Severity>,
    /// The config's declared exceptions.
    pub exceptions: Vec<Exception>,
    /// The maturity profile: built-in ladders, the config's `[maturity]`.
    pub profile: Profile,
    /// An imported self-assessment.
    pub claims: Option<Claims>,
    /// SHA-256 of the config file's text, when one was used.
    pub config_digest: Option<String>,
}

impl PolicyRequest {
    /// The metric exclusions on `today`: exceptions in force that cover
    /// every rule take their subject out of the denominators.
    pub(super) fn exclusions(&self, today: Date) -> Exclusions {
        let mut exclusions = Exclusions::default();
        let in_force = self
            .exceptions
            .iter()
            .filter(|e| e.rules.is_empty() && e.review.is_none_or(|review| review >= today));
        for exception in in_force {
            match &exception.what {
                ExceptionTarget::Certificate { sha256 } => {
                    exclusions.certificates.insert(sha256.clone());
                }
                ExceptionTarget::Endpoint { host, port } => {
                    exclusions
                        .endpoints
                        .insert((host.to_ascii_lowercase(), *port));
                }
            }
        }
        exclusions
    }
}
