//! Importing a self-assessment: a level per PKIMM category, from a TOML
//! file of our own (`[levels]`) or the JSON of the PKI Consortium's
//! self-assessment tool (its `progress` map, at the top or under
//! `assessment`; level 0 is "not assessed" and `applicability: false` "not
//! applicable", both skipped). Claims score Governance and Resources and
//! are compared with the evidence for the measured categories.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::document::{self, Spanned};
use crate::config::Position;
use crate::policy::category;

/// Claimed levels by category id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims {
    /// The file they were read from.
    pub source: PathBuf,
    /// Level 1–5 per category.
    pub levels: BTreeMap<String, u8>,
}

impl Claims {
    /// The claimed level of a category.
    pub fn level(&self, category: &str) -> Option<u8> {
        self.levels.get(category).copied()
    }
}

/// Why a self-assessment file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ClaimsError {
    /// It cannot be read.
    #[error("{}: cannot read self-assessment: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// It is not a self-assessment certatlas understands.
    #[error("{}{}: {problem}", path.display(), position.map_or_else(String::new, |p| format!(":{}:{}", p.line, p.column)))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Where, when known.
        position: Option<Position>,
        /// What is wrong.
        problem: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawToml {
    levels: BTreeMap<String, Spanned<i64>>,
}

/// Reads a self-assessment: JSON when the file starts with `{`, else TOML.
pub fn load(path: &Path) -> Result<Claims, ClaimsError> {
    let text = std::fs::read_to_string(path).map_err(|source| ClaimsError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if text.trim_start().starts_with('{') {
        from_json(&text, path)
    } else {
        from_toml(&text, path)
    }
}

fn invalid(path: &Path, position: Option<Position>, problem: impl Into<String>) -> ClaimsError {
    ClaimsError::Invalid {
        path: path.to_path_buf(),
        position,
        problem: problem.into(),
    }
}

/// The `[levels]` table of our TOML form.
pub fn from_toml(text: &str, path: &Path) -> Result<Claims, ClaimsError> {
    let raw: RawToml = document::parse_strict(text, path).map_err(|e| {
        let (_, position, problem) = e.into_located();
        invalid(path, position, problem)
    })?;
    let mut levels = BTreeMap::new();
    for (id, level) in raw.levels {
        let position = Some(Position::of_span(text, &level.span()));
        if category::find(&id).is_none() {
            return Err(invalid(
                path,
                position,
                format!("unknown PKIMM category {id:?}"),
            ));
        }
        let value = *level.get_ref();
        let level = u8::try_from(value).ok().filter(|l| (1..=5).contains(l));
        let level = level
            .ok_or_else(|| invalid(path, position, format!("{id}: level {value} is not 1 to 5")))?;
        levels.insert(id, level);
    }
    Ok(Claims {
        source: path.to_path_buf(),
        levels,
    })
}

/// The `progress` map of the PKIMM self-assessment tool's JSON.
pub fn from_json(text: &str, path: &Path) -> Result<Claims, ClaimsError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        invalid(
            path,
            Some(Position {
                line: e.line(),
                column: e.column(),
            }),
            e.to_string(),
        )
    })?;
    let progress = value
        .get("progress")
        .or_else(|| value.get("assessment").and_then(|a| a.get("progress")))
        .and_then(|p| p.as_object())
        .ok_or_else(|| {
            invalid(
                path,
                None,
                "no \"progress\" object with a level per category",
            )
        })?;
    let mut levels = BTreeMap::new();
    for (id, entry) in progress {
        if category::find(id).is_none() {
            continue; // extension categories (`<ext>.<module>.<category>`)
        }
        let applicable = entry.get("applicability").and_then(|a| a.as_bool()) != Some(false);
        let level = entry.get("level").and_then(|l| l.as_i64()).unwrap_or(0);
        match level {
            1..=5 if applicable => {
                levels.insert(id.clone(), level as u8);
            }
            -1 | 0 => {}
            _ if !applicable => {}
            other => {
                return Err(invalid(
                    path,
                    None,
                    format!("{id}: level {other} is not 0 to 5"),
                ))
            }
        }
    }
    Ok(Claims {
        source: path.to_path_buf(),
        levels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_levels_are_checked_with_positions() {
        let path = Path::new("self.toml");
        let claims = from_toml("[levels]\n\"G.strategy-and-vision\" = 3\n", path).unwrap();
        assert_eq!(claims.level("G.strategy-and-vision"), Some(3));
        let err = from_toml("[levels]\n\"G.strategy\" = 3\n", path)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("self.toml:2:") && err.contains("unknown PKIMM category"),
            "{err}"
        );
        let err = from_toml("[levels]\n\"R.awareness\" = 6\n", path)
            .unwrap_err()
            .to_string();
        assert!(err.contains("level 6 is not 1 to 5"), "{err}");
    }

    #[test]
    fn json_progress_skips_unassessed_and_not_applicable() {
        let text = r#"{"dataVersion":"2.0.0","progress":{
            "G.compliance":{"level":4,"applicability":true},
            "R.sourcing":{"level":0,"applicability":true},
            "R.awareness":{"level":-1,"applicability":false},
            "ext-a.G.compliance":{"level":2},
            "M.key-management":{"level":5}}}"#;
        let claims = from_json(text, Path::new("a.json")).unwrap();
        let expected: BTreeMap<String, u8> = [
            ("G.compliance".to_string(), 4),
            ("M.key-management".to_string(), 5),
        ]
        .into();
        assert_eq!(claims.levels, expected);
        let nested = r#"{"assessment":{"progress":{"R.sourcing":{"level":2}}}}"#;
        assert_eq!(
            from_json(nested, Path::new("b.json"))
                .unwrap()
                .level("R.sourcing"),
            Some(2)
        );
        let err = from_json("{\"progress\": 3}", Path::new("c.json")).unwrap_err();
        assert!(
            err.to_string().starts_with("c.json: no \"progress\""),
            "{err}"
        );
    }
}
