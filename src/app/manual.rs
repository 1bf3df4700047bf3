//! `certatlas completions` and `certatlas man`: the shell completion script
//! and the manual pages, generated from the command line's definitions.

use std::io::{self, Write};

use super::{output_error, stdout_error, AppError, RunStatus};
use crate::cli::completions::{self, CompletionsArgs};
use crate::cli::manpage::{self, ManArgs};

/// `certatlas completions SHELL`: the script on stdout.
pub fn completions(args: CompletionsArgs) -> Result<RunStatus, AppError> {
    let mut out = io::stdout().lock();
    completions::write_completions(args.shell, &mut out);
    out.flush().map_err(stdout_error)?;
    Ok(RunStatus::Complete)
}

/// `certatlas man [--dir DIR]`: the main page on stdout, or every page
/// into DIR (their paths listed on stdout).
pub fn man(args: ManArgs) -> Result<RunStatus, AppError> {
    let Some(dir) = args.dir else {
        let mut out = io::stdout().lock();
        manpage::write_page(&mut out).map_err(stdout_error)?;
        out.flush().map_err(stdout_error)?;
        return Ok(RunStatus::Complete);
    };
    let pages =
        manpage::write_pages(&dir).map_err(|e| output_error(&dir.display().to_string(), e))?;
    let mut out = io::stdout().lock();
    for page in pages {
        writeln!(out, "{}", page.display()).map_err(stdout_error)?;
    }
    Ok(RunStatus::Complete)
}
