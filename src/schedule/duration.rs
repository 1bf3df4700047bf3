//! Durations as people write them on the command line and in config files
//! (`500ms`, `3s`, `2m`, `6h`, `1d`): the one parser every flag and config
//! key taking a duration uses.
//!
//! On the command line the unit is required (`--timeout 3` is refused with
//! a hint to write `3s`): a bare number is ambiguous between tools. Config
//! files have always taken a bare number as seconds (`timeout = "3"`), and
//! still do ([`parse_config_duration`]), so existing configs keep working.

use std::time::Duration;

/// Why a text is not a duration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// Not a number followed by a unit.
    #[error("'{0}' is not a duration (e.g. 500ms, 3s, 2m, 1h)")]
    NotADuration(String),
    /// A bare number where a unit is required.
    #[error("'{0}' needs a unit: write {0}s for seconds (or ms, m, h, d)")]
    MissingUnit(String),
    /// A unit that is not one of ms, s, m, h, d.
    #[error("'{text}': unknown unit '{unit}' (use ms, s, m, h or d)")]
    UnknownUnit {
        /// The whole text.
        text: String,
        /// The unit as written.
        unit: String,
    },
    /// Zero, or too long to mean anything.
    #[error("'{0}' must be greater than zero (and under 30 years)")]
    OutOfRange(String),
}

/// `1500ms`, `3s`, `2m`, `1h`, `30d`: a number with a unit (the command
/// line's form). The error quotes the text and says what is wrong.
pub fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    parse(text, false)
}

/// As [`parse_duration`], and a bare number is seconds (the config file's
/// form since its first version: `timeout = "3"` is three seconds).
pub fn parse_config_duration(text: &str) -> Result<Duration, DurationError> {
    parse(text, true)
}

fn parse(text: &str, bare_is_seconds: bool) -> Result<Duration, DurationError> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| DurationError::NotADuration(text.to_string()))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "" if !bare_is_seconds => return Err(DurationError::MissingUnit(text.to_string())),
        "" | "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        "d" => value * 86_400.0,
        _ => {
            return Err(DurationError::UnknownUnit {
                text: text.to_string(),
                unit: unit.to_string(),
            })
        }
    };
    if !(seconds > 0.0 && seconds < 1e9) {
        return Err(DurationError::OutOfRange(text.to_string()));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("6h"), Ok(Duration::from_secs(6 * 3600)));
        assert_eq!(parse_duration("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration(" 30m "), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("-5s").is_err());
        let message = |t| parse_duration(t).unwrap_err().to_string();
        assert!(message("6 hours").contains("6 hours"));
        assert!(message("3 parsecs").contains("3 parsecs"));
    }

    #[test]
    fn a_bare_number_needs_a_unit_on_the_command_line_and_is_seconds_in_config() {
        assert_eq!(
            parse_duration("3"),
            Err(DurationError::MissingUnit("3".into()))
        );
        assert!(parse_duration("3").unwrap_err().to_string().contains("3s"));
        assert_eq!(parse_config_duration("3"), Ok(Duration::from_secs(3)));
        assert_eq!(
            parse_config_duration("250ms"),
            Ok(Duration::from_millis(250))
        );
        assert!(parse_config_duration("0").is_err());
    }
}
