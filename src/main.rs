//! The `certatlas` binary: parse the command line, set up logging, run the
//! app, and map the result to an exit code (0 done, 1 a failed check such
//! as `--fail-on`, 2 bad input or operational error, 130 interrupted).

use std::process::ExitCode;

use certatlas::app::{self, RunStatus};
use certatlas::cli::Cli;
use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("certatlas: error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(app::run(cli)) {
        Ok(RunStatus::Complete) => ExitCode::SUCCESS,
        Ok(RunStatus::Interrupted) => ExitCode::from(130),
        Ok(RunStatus::Failed) => ExitCode::from(1),
        // A reader that stopped reading (`certatlas rules list | head`) is not an error.
        Err(app::AppError::Output { source, .. })
            if source.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("certatlas: error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Logs go to stderr, coloured only on a terminal without `NO_COLOR`;
/// `RUST_LOG` wins over -v/-q.
fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(certatlas::cli::colour::stderr_colours())
        .with_target(false)
        .init();
}
