//! Leaf vocabulary: instants as text. [`rfc3339`] and [`parse_rfc3339`]
//! for the models, findings, alerts and machine output (the instant as it
//! is, offset and fraction kept); [`instant_text`] for people (UTC, to the
//! second). Every stage formats instants through here, so the same instant
//! reads the same everywhere. (The store's fixed-width column encoding is
//! the store's own.)

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// RFC 3339 text of `at` (empty if it cannot be formatted).
pub fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

/// The instant an RFC 3339 text (as [`rfc3339`] writes it) stands for.
pub fn parse_rfc3339(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// A text that is not an RFC 3339 instant (a command-line `--clock`, say).
#[derive(Debug, thiserror::Error)]
#[error("'{text}' is not an RFC 3339 time ({source})")]
pub struct NotRfc3339 {
    /// The text as given.
    pub text: String,
    /// What the parser found.
    pub source: time::error::Parse,
}

/// The instant an RFC 3339 text stands for, or why it is not one.
pub fn parse_instant(text: &str) -> Result<OffsetDateTime, NotRfc3339> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|source| NotRfc3339 {
        text: text.to_string(),
        source,
    })
}

/// An instant for people: RFC 3339 in UTC, to the second.
pub fn instant_text(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    let at = at.replace_nanosecond(0).unwrap_or(at);
    at.format(&Rfc3339).unwrap_or_else(|_| at.to_string())
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn instants_are_utc_rfc3339_to_the_second() {
        let at = datetime!(2026-06-01 12:00:00.987654321 UTC);
        assert_eq!(instant_text(at), "2026-06-01T12:00:00Z");
        let paris = datetime!(2026-06-01 14:00:00.5 +02:00);
        assert_eq!(instant_text(paris), "2026-06-01T12:00:00Z");
    }

    #[test]
    fn rfc3339_keeps_offset_and_fraction_and_round_trips() {
        let paris = datetime!(2026-06-01 14:00:00.5 +02:00);
        assert_eq!(rfc3339(paris), "2026-06-01T14:00:00.5+02:00");
        assert_eq!(parse_rfc3339(&rfc3339(paris)), Some(paris));
        assert_eq!(parse_rfc3339("2026-06-01"), None);
        let err = parse_instant("2026-06-01").expect_err("a date is not an instant");
        assert!(err
            .to_string()
            .starts_with("'2026-06-01' is not an RFC 3339 time ("));
    }
}
