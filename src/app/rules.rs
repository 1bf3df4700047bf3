//! `certatlas rules list` and `certatlas rules test`.

use std::io;

use super::{stdout_error, AppError, RunStatus};
use crate::cli::policy::rule_set;
use crate::cli::{RulesCommand, RulesListArgs, RulesTestArgs};
use crate::config;
use crate::policy::{examples, RuleSet};
use crate::report::findings as present;

/// Runs a `rules` subcommand.
pub fn rules(command: RulesCommand) -> Result<RunStatus, AppError> {
    match command {
        RulesCommand::List(args) => list(args),
        RulesCommand::Test(args) => test(args),
    }
}

fn list(args: RulesListArgs) -> Result<RunStatus, AppError> {
    let config = args
        .config
        .as_deref()
        .map(config::load)
        .transpose()
        .map_err(|e| AppError::Settings(e.into()))?;
    let set = rule_set(&args.rules, config.as_ref())?;
    let summaries: Vec<_> = set.rules().iter().map(|r| r.summary()).collect();
    present::write_rules(&mut io::stdout().lock(), args.format, &summaries)
        .map_err(stdout_error)?;
    Ok(RunStatus::Complete)
}

fn test(args: RulesTestArgs) -> Result<RunStatus, AppError> {
    let set = match &args.dir {
        Some(dir) => RuleSet::from_dir(dir),
        None => RuleSet::builtin(),
    }?;
    let results = examples::run_all(&set);
    present::write_example_results(&mut io::stdout().lock(), args.format, &results)
        .map_err(stdout_error)?;
    if results.iter().all(|r| r.ok) {
        Ok(RunStatus::Complete)
    } else {
        Ok(RunStatus::Failed)
    }
}
