//! The PKI Maturity Model as data (`rules/maturity/pkimm-model.toml`,
//! embedded): its source, level names, and every category's requirements
//! with ids, titles and weights. Scoring reads requirement titles and
//! weights from it (for self-assessed requirement ratings);
//! [`super::ladder::model_disagreements`] compares a profile's ladders with
//! it, so a ladder can never drift from the model it claims to implement.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
