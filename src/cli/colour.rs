//! Whether log lines on stderr carry ANSI colours: only when stderr is a
//! terminal, and never when `NO_COLOR` is set to anything but the empty
//! string (<https://no-color.org>). Redirected to a file or to journald,
//! the lines are plain text.

use std::ffi::OsStr;
use std::io::IsTerminal;

/// The decision for this process: stderr a terminal, `NO_COLOR` unset.
pub fn stderr_colours() -> bool {
    colours(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    )
}

/// Colours when the stream is a terminal and `no_color` is absent or empty.
pub fn colours(is_terminal: bool, no_color: Option<&OsStr>) -> bool {
    is_terminal && no_color.is_none_or(OsStr::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_only_on_a_terminal_without_no_color() {
        assert!(colours(true, None));
        assert!(colours(true, Some(OsStr::new(""))));
        assert!(!colours(true, Some(OsStr::new("1"))));
        assert!(!colours(false, None));
        assert!(!colours(false, Some(OsStr::new("1"))));
    }
}
