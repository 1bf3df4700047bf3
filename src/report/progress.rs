//! The progress bar on stderr, shown only when stderr is a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress indicator that is silent when not on a terminal.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar expecting about `expected` observations (0 = unknown); hidden
    /// when `quiet` or when stderr is not a terminal.
    pub fn new(expected: u128, quiet: bool) -> Progress {
        let visible = !quiet && std::io::stderr().is_terminal();
        let len = u64::try_from(expected).unwrap_or(u64::MAX);
        let bar = if visible {
            ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        Progress { bar }
    }

    /// Counts one finished observation.
    pub fn tick(&self) {
        self.bar.inc(1);
    }

    /// Runs `f` with the bar hidden, so other terminal output stays intact.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        self.bar.suspend(f)
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
