//! The PKI Maturity Model as data (`rules/maturity/pkimm-model.toml`,
//! embedded): its source, level names, and every category's requirements
//! with ids, titles and weights. Scoring reads requirement titles and
//! weights from it (for self-assessed requirement ratings); [`check`]
//! compares a profile's ladders with it, so a ladder can never drift from
//! the model it claims to implement.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::ladder::{Evidence, Profile};
use crate::policy::category::CATEGORIES;

/// The model file, embedded.
pub const MODEL_FILE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/rules/maturity/pkimm-model.toml"
));

/// Where the model data was transcribed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSource {
    /// GitHub repository, `owner/name`.
    pub repository: String,
    /// File in it.
    pub file: String,
    /// Commit read.
    pub commit: String,
    /// Model version.
    pub version: String,
}

/// A maturity level's name and our one-line description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelName {
    /// 1 to 5.
    pub number: u8,
    /// Initial, Foundational, Advanced, Managed or Optimized.
    pub name: String,
    /// One line, in our words.
    pub description: String,
}

/// One requirement of the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelRequirement {
    /// Id within its category (`cert-inventory`).
    pub id: String,
    /// Weight within the category.
    pub weight: u32,
    /// The model's title.
    pub title: String,
}

/// One category of the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelCategory {
    /// `M.certificate-management`.
    pub id: String,
    /// The model's name.
    pub name: String,
    /// Weight within the model.
    pub weight: u32,
    /// Its requirements.
    pub requirements: Vec<ModelRequirement>,
}

impl ModelCategory {
    /// The requirement with this short id.
    pub fn requirement(&self, short: &str) -> Option<&ModelRequirement> {
        self.requirements.iter().find(|r| r.id == short)
    }
}

/// The model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// Its source.
    pub source: ModelSource,
    /// The five level names.
    pub levels: Vec<LevelName>,
    /// The sixteen categories, in model order.
    pub categories: Vec<ModelCategory>,
}

impl Model {
    /// Parses a model file.
    pub fn parse(text: &str) -> Result<Model, crate::located::Located<String>> {
        let path = std::path::Path::new("rules/maturity/pkimm-model.toml");
        crate::document::parse_strict(text, path)
    }

    /// The category with this id.
    pub fn category(&self, id: &str) -> Option<&ModelCategory> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// The name of a level (1–5).
    pub fn level_name(&self, level: u8) -> &str {
        self.levels
            .iter()
            .find(|l| l.number == level)
            .map_or("", |l| l.name.as_str())
    }
}

/// The built-in model (the embedded file; a test proves it parses).
pub fn builtin() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| Model::parse(MODEL_FILE).unwrap_or_else(|e| panic!("{e}")))
}

/// Where a profile disagrees with the model: one line per problem, empty
/// when every ladder's category, weight and requirements (ids, weights,
/// each classed) match the model and the category list of
/// `policy::category` matches it too.
pub fn check(model: &Model, profile: &Profile) -> Vec<String> {
    let mut problems = Vec::new();
    let ids: Vec<&str> = model.categories.iter().map(|c| c.id.as_str()).collect();
    let ours: Vec<&str> = CATEGORIES.iter().map(|c| c.id).collect();
    if ids != ours {
        problems.push(format!(
            "categories {ids:?} differ from certatlas's {ours:?}"
        ));
    }
    for c in CATEGORIES {
        if let Some(m) = model.category(c.id) {
            if m.weight != c.weight {
                problems.push(format!(
                    "{}: weight {} in the model, {} in certatlas",
                    c.id, m.weight, c.weight
                ));
            }
        }
    }
    let names: Vec<&str> = model.levels.iter().map(|l| l.name.as_str()).collect();
    if names
        != [
            "Initial",
            "Foundational",
            "Advanced",
            "Managed",
            "Optimized",
        ]
    {
        problems.push(format!("level names {names:?}"));
    }
    for ladder in &profile.ladders {
        let Some(category) = model.category(&ladder.category) else {
            problems.push(format!("{}: not a category of the model", ladder.category));
            continue;
        };
        let mut seen = BTreeSet::new();
        for r in &ladder.requirements {
            let short = ladder.short_id(r);
            seen.insert(short.to_string());
            match category.requirement(short) {
                None => problems.push(format!("{}: not a requirement of the model", r.id)),
                Some(m) if m.weight != r.weight => problems.push(format!(
                    "{}: weight {} in {}, {} in the model",
                    r.id, r.weight, ladder.source, m.weight
                )),
                Some(_) => {}
            }
        }
        for m in &category.requirements {
            if !seen.contains(&m.id) {
                problems.push(format!(
                    "{}.{}: not classed in {} (direct, partial or none)",
                    ladder.category, m.id, ladder.source
                ));
            }
        }
        for c in &ladder.criteria {
            for short in &c.requirements {
                let rated = ladder
                    .requirements
                    .iter()
                    .any(|r| ladder.short_id(r) == short && r.evidence != Evidence::None);
                if !rated {
                    problems.push(format!(
                        "{}/{}: rates {short:?}, which has no evidence",
                        ladder.category, c.id
                    ));
                }
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::ladder::{self, Overrides};

    #[test]
    fn the_model_file_parses_with_its_source_and_sixteen_categories() {
        let model = builtin();
        assert_eq!(model.source.repository, "pkic/pkimm");
        assert_eq!(model.source.file, "data/pkimm-model-2.0.0.yaml");
        assert_eq!(model.source.commit.len(), 40);
        assert_eq!(model.categories.len(), 16);
        let requirements: usize = model.categories.iter().map(|c| c.requirements.len()).sum();
        assert_eq!(requirements, 76);
        assert_eq!(model.level_name(4), "Managed");
    }

    #[test]
    fn every_ladder_agrees_with_the_model() {
        let profile = ladder::load(&Overrides::default()).unwrap();
        assert_eq!(check(builtin(), &profile), Vec::<String>::new());
        // The nine ladders class all 45 requirements of their categories.
        let classed: usize = profile.ladders.iter().map(|l| l.requirements.len()).sum();
        assert_eq!((profile.ladders.len(), classed), (9, 45));
    }

    #[test]
    fn the_checker_fails_when_a_weight_changes() {
        let profile = ladder::load(&Overrides::default()).unwrap();
        // A requirement weight changed in the model data...
        let mut model = builtin().clone();
        let cert = model
            .categories
            .iter_mut()
            .find(|c| c.id == "M.certificate-management")
            .unwrap();
        cert.requirements[2].weight = 4; // cert-inventory: 3 in the model
        let problems = check(&model, &profile);
        assert_eq!(
            problems,
            ["M.certificate-management.cert-inventory: weight 3 in \
              rules/maturity/certificate-management.toml, 4 in the model"]
        );
        // ...or in a ladder, or a category weight, or a requirement dropped.
        let mut changed = profile.clone();
        changed.ladders[0].requirements[1].weight = 6;
        assert!(check(builtin(), &changed)[0].contains("weight 6 in"));
        let mut model = builtin().clone();
        model.categories[4].weight = 4;
        assert!(check(&model, &profile)[0].contains("G.cryptography: weight 4 in the model"));
        let mut unclassed = profile.clone();
        unclassed.ladders[1].requirements.pop();
        assert!(check(builtin(), &unclassed)[0].contains("not classed"));
    }
}
