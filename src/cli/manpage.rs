//! `certatlas man`: the manual page in roff, generated from the clap
//! definitions by clap_mangen (the only user of that crate): the main page
//! on stdout, or one page per command into a directory.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::{Args, CommandFactory};

use super::Cli;

/// Arguments of `certatlas man`.
#[derive(Debug, Args)]
#[command(after_help = MAN_EXAMPLES)]
pub struct ManArgs {
    /// Write one page per command (certatlas.1, certatlas-scan.1, …) into
    /// DIR (created if missing) instead of the main page to stdout.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Writes the main page (every subcommand listed) to `out`.
pub fn write_page(out: &mut dyn Write) -> io::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out)
}

/// Writes one page per command into `dir` (`certatlas.1`,
/// `certatlas-scan.1`, `certatlas-rules-list.1`, …); returns the pages
/// written.
pub fn write_pages(dir: &Path) -> io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let mut pages = Vec::new();
    write_tree(command, dir, &mut pages)?;
    Ok(pages)
}

/// The page of `command` and of each of its visible subcommands.
fn write_tree(command: clap::Command, dir: &Path, pages: &mut Vec<PathBuf>) -> io::Result<()> {
    let subcommands: Vec<clap::Command> = command
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .cloned()
        .collect();
    pages.push(clap_mangen::Man::new(command).generate_to(dir)?);
    for sub in subcommands {
        write_tree(sub, dir, pages)?;
    }
    Ok(())
}

const MAN_EXAMPLES: &str = "Examples:
  certatlas man | man -l -
  certatlas man --dir /usr/local/share/man/man1";
