//! Importing a self-assessment: requirement ratings (`M.cat.req`) and/or a
//! level per PKIMM category, from a TOML file of our own (`[requirements]`,
//! `[levels]`) or the JSON of the PKI Consortium's self-assessment tool
//! (its `progress` map, at the top or under `assessment`, keyed by
//! category or requirement id; level 0 is "not assessed" and
//! `applicability: false` "not applicable", both skipped). As the reference
//! engine does, requirement ratings are preferred: a category with rated
//! requirements takes their mean weighed by the model's requirement
//! weights, else its category level. Claims score Governance and Resources
//! and are compared with the evidence for the measured categories.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::document::{self, Spanned};
use crate::located::{Located, Position};
use crate::policy::category;

/// Claimed levels by category id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims {
    /// The file they were read from.
    pub source: PathBuf,
    /// Level 1–5 per category.
    pub levels: BTreeMap<String, u8>,
    /// Rating 1–5 per requirement (`M.cat.req`).
    pub requirements: BTreeMap<String, u8>,
}

impl Claims {
    /// The claimed level of a category (its `[levels]` entry).
    pub fn level(&self, category: &str) -> Option<u8> {
        self.levels.get(category).copied()
    }

    /// The claimed value of a category: the mean of its requirement
    /// ratings weighed by the model's weights (requirements `skip` says are
    /// not applicable left out), else its category level.
    pub fn value(&self, category: &str, skip: &dyn Fn(&str) -> bool) -> Option<f64> {
        let model = super::model::builtin().category(category);
        let (mut sum, mut weights) = (0.0, 0u32);
        for r in model.iter().flat_map(|c| &c.requirements) {
            let id = format!("{category}.{}", r.id);
            if let Some(rating) = self.requirements.get(&id).filter(|_| !skip(&id)) {
                sum += f64::from(*rating) * f64::from(r.weight);
                weights += r.weight;
            }
        }
        if weights > 0 {
            return Some(sum / f64::from(weights));
        }
        self.level(category).map(f64::from)
    }
}

/// Whether `id` is a requirement of the model (`M.cat.req`).
fn is_requirement(id: &str) -> bool {
    id.rsplit_once('.').is_some_and(|(category, short)| {
        super::model::builtin()
            .category(category)
            .is_some_and(|c| c.requirement(short).is_some())
    })
}

/// Why a self-assessment file cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
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
    #[error(transparent)]
    Invalid(#[from] Located<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawToml {
    #[serde(default)]
    levels: BTreeMap<String, Spanned<i64>>,
    #[serde(default)]
    requirements: BTreeMap<String, Spanned<i64>>,
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
    Located::new(path, position, problem.into()).into()
}

/// The `[levels]` and `[requirements]` tables of our TOML form.
pub fn from_toml(text: &str, path: &Path) -> Result<Claims, ClaimsError> {
    let raw: RawToml = document::parse_strict(text, path)?;
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
    let mut requirements = BTreeMap::new();
    for (id, rating) in raw.requirements {
        let position = Some(Position::of_span(text, &rating.span()));
        if !is_requirement(&id) {
            let problem =
                format!("unknown PKIMM requirement {id:?} (write M.category.requirement)");
            return Err(invalid(path, position, problem));
        }
        let value = *rating.get_ref();
        let rating = u8::try_from(value).ok().filter(|l| (1..=5).contains(l));
        let rating = rating.ok_or_else(|| {
            invalid(
                path,
                position,
                format!("{id}: rating {value} is not 1 to 5"),
            )
        })?;
        requirements.insert(id, rating);
    }
    Ok(Claims {
        source: path.to_path_buf(),
        levels,
        requirements,
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
    let mut requirements = BTreeMap::new();
    for (id, entry) in progress {
        let requirement = is_requirement(id);
        if category::find(id).is_none() && !requirement {
            continue; // extension categories (`<ext>.<module>.<category>`)
        }
        let target = if requirement {
            &mut requirements
        } else {
            &mut levels
        };
        let applicable = entry.get("applicability").and_then(|a| a.as_bool()) != Some(false);
        let level = entry.get("level").and_then(|l| l.as_i64()).unwrap_or(0);
        match level {
            1..=5 if applicable => {
                target.insert(id.clone(), level as u8);
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
        requirements,
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
        assert!(claims.requirements.is_empty());
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

    #[test]
    fn requirement_ratings_are_preferred_and_weighed_by_the_model() {
        let path = Path::new("self.toml");
        let text = "[levels]\n\"G.compliance\" = 2\n\"R.sourcing\" = 3\n\
                    [requirements]\n\"G.compliance.regulatory-inventory\" = 4\n\
                    \"G.compliance.compliance-policies\" = 1\n";
        let claims = from_toml(text, path).unwrap();
        // (4·5 + 1·3) / (5 + 3) = 23 / 8: the ratings win over the level 2.
        assert_eq!(claims.value("G.compliance", &|_| false), Some(23.0 / 8.0));
        // A requirement declared not applicable is left out: 4·5 / 5.
        let skip = |id: &str| id == "G.compliance.compliance-policies";
        assert_eq!(claims.value("G.compliance", &skip), Some(4.0));
        assert_eq!(claims.value("R.sourcing", &|_| false), Some(3.0));
        let err = from_toml("[requirements]\n\"G.compliance.nope\" = 3\n", path)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("self.toml:2:") && err.contains("unknown PKIMM requirement"),
            "{err}"
        );
        let json = r#"{"progress":{"G.compliance.regulatory-inventory":{"level":5},
            "G.compliance":{"level":1}}}"#;
        let claims = from_json(json, Path::new("a.json")).unwrap();
        assert_eq!(claims.value("G.compliance", &|_| false), Some(5.0));
    }
}
