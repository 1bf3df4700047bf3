//! Strict TOML documents for every file format certatlas reads (config,
//! rule files, ladders, self-assessments): parsing into a serde type with
//! `file:line:column` errors ([`Located`]), spans, and converting TOML
//! values. Leaf vocabulary, and the only user of the `toml` crate.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::located::{Located, Position};

/// A value with the byte range it was read from.
pub type Spanned<T> = toml::Spanned<T>;

/// Any TOML value.
pub type TomlValue = toml::Value;

/// Parses `text` (read from `path`) into `T`; a syntax error, unknown key
/// or wrong type is an error at its position.
pub fn parse_strict<T: DeserializeOwned>(text: &str, path: &Path) -> Result<T, Located<String>> {
    toml::from_str(text).map_err(|e| {
        let position = e.span().map(|span| Position::of_span(text, &span));
        Located::new(path, position, e.message().trim().to_string())
    })
}

/// A date written as a TOML local date (`2027-01-31`) or a string.
pub fn date_of(value: &TomlValue) -> Option<time::Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match value {
        toml::Value::String(text) => time::Date::parse(text.trim(), &format).ok(),
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
            let date = dt.date?;
            let month = time::Month::try_from(date.month).ok()?;
            time::Date::from_calendar_date(i32::from(date.year), month, date.day).ok()
        }
        _ => None,
    }
}

/// The JSON form of a TOML value (dates and times become their text).
pub fn json_of(value: &TomlValue) -> serde_json::Value {
    use serde_json::Value as Json;
    match value {
        toml::Value::String(s) => Json::String(s.clone()),
        toml::Value::Integer(i) => Json::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        toml::Value::Boolean(b) => Json::Bool(*b),
        toml::Value::Datetime(dt) => Json::String(dt.to_string()),
        toml::Value::Array(items) => Json::Array(items.iter().map(json_of).collect()),
        toml::Value::Table(table) => {
            Json::Object(table.iter().map(|(k, v)| (k.clone(), json_of(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        #[allow(dead_code)]
        name: String,
    }

    #[test]
    fn unknown_keys_name_file_line_and_column() {
        let err = parse_strict::<Doc>("name = \"x\"\nnmae = 1\n", Path::new("r.toml"))
            .expect_err("unknown key");
        assert!(
            err.to_string()
                .starts_with("r.toml:2:1: unknown field `nmae`"),
            "{err}"
        );
    }

    #[test]
    fn dates_and_values_convert() {
        let value: TomlValue = toml::from_str::<toml::Table>("d = 2027-03-15\nl = [1, 'a', true]")
            .map(toml::Value::Table)
            .expect("toml");
        let date = date_of(&value["d"]).expect("date");
        assert_eq!(date.to_string(), "2027-03-15");
        assert_eq!(json_of(&value["l"]), serde_json::json!([1, "a", true]));
        assert_eq!(date_of(&TomlValue::String("2027-02-30".into())), None);
    }
}
