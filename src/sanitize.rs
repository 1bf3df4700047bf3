//! Neutralising hostile certificate fields for each medium: leaf
//! vocabulary, so any stage that prints a certificate field uses it.
//!
//! Certificate subjects, SANs and server banners are chosen by whoever runs
//! the server. Before they reach a terminal, control characters (including
//! ANSI escapes) and bidirectional overrides are replaced by visible escapes;
//! CSV cells get their own function (HTML is escaped by the audit report).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Replaces control, escape and bidi-override characters with `\u{..}`.
pub fn terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_control_on_terminal) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        if is_control_on_terminal(ch) {
            let _ = write!(out, "\\u{{{:x}}}", ch as u32);
        } else {
            out.push(ch);
        }
    }
    Cow::Owned(out)
}

/// Control characters, DEL, C1 controls and bidirectional formatting marks.
fn is_control_on_terminal(ch: char) -> bool {
    ch.is_control()
        || matches!(ch, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// One CSV cell: text that a spreadsheet would run as a formula (starting
/// with `=`, `+`, `-`, `@`, tab or carriage return) gets a leading `'`,
/// unless it is a plain decimal number (`-30` days left stays a number a
/// spreadsheet sorts); the cell is quoted when it holds a comma, quote or
/// line break, with quotes doubled (RFC 4180).
pub fn csv_cell(text: &str) -> Cow<'_, str> {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_decimal(text);
    let needs_quotes = text.contains([',', '"', '\n', '\r']) || formula;
    if !needs_quotes {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 4);
    out.push('"');
    if formula {
        out.push('\'');
    }
    out.push_str(&text.replace('"', "\"\""));
    out.push('"');
    Cow::Owned(out)
}

/// `-30`, `+1`, `0.75`, `-0.5`: an optional sign, digits, and optionally a
/// point and more digits; nothing a spreadsheet evaluates beyond the number.
fn is_decimal(text: &str) -> bool {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && digits(fraction)
}

/// Truncates to at most `width` characters, marking the cut with `…`.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_and_controls_are_made_visible() {
        let hostile = "evil\x1b[2J\x07name\r\n";
        let safe = terminal(hostile);
        assert!(!safe.chars().any(|c| c.is_control()));
        assert_eq!(safe, "evil\\u{1b}[2J\\u{7}name\\u{d}\\u{a}");
    }

    #[test]
    fn bidi_overrides_are_made_visible() {
        assert_eq!(terminal("a\u{202e}b"), "a\\u{202e}b");
        assert!(matches!(terminal("plain.example"), Cow::Borrowed(_)));
    }

    #[test]
    fn csv_cells_neutralise_formulas_and_quote() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "+1");
        assert_eq!(csv_cell("-2"), "-2");
        assert_eq!(csv_cell("-30"), "-30");
        assert_eq!(csv_cell("-0.5"), "-0.5");
        assert_eq!(csv_cell("-2+3"), "\"'-2+3\"");
        assert_eq!(csv_cell("-"), "\"'-\"");
        assert_eq!(csv_cell("-1."), "\"'-1.\"");
        assert_eq!(csv_cell("-1e3"), "\"'-1e3\"");
        assert_eq!(csv_cell("+cmd|' /C calc'!A0"), "\"'+cmd|' /C calc'!A0\"");
        assert_eq!(csv_cell("@SUM(A1)"), "\"'@SUM(A1)\"");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("line\nbreak"), "\"line\nbreak\"");
    }

    #[test]
    fn fit_marks_truncation() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
    }
}
