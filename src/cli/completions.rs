//! `certatlas completions SHELL`: the shell completion script, generated
//! from the clap definitions by clap_complete (the only user of that
//! crate), so it always knows every subcommand and flag.

use std::io::Write;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;

/// Arguments of `certatlas completions`.
#[derive(Debug, Args)]
#[command(after_help = COMPLETIONS_EXAMPLES)]
pub struct CompletionsArgs {
    /// The shell to write the completion script for.
    #[arg(value_name = "SHELL", value_enum)]
    pub shell: Shell,
}

/// Writes the completion script for `shell` to `out`.
pub fn write_completions(shell: Shell, out: &mut dyn Write) {
    clap_complete::generate(shell, &mut Cli::command(), "certatlas", out);
}

const COMPLETIONS_EXAMPLES: &str = "Examples:
  certatlas completions bash > ~/.local/share/bash-completion/completions/certatlas
  certatlas completions zsh > \"${fpath[1]}/_certatlas\"
  certatlas completions fish > ~/.config/fish/completions/certatlas.fish";
