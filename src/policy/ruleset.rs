//! The active rule set: the built-in rules, then each user directory in
//! order (a rule whose id is already loaded replaces it), minus the rules
//! the config disables; with the rule data the rules read (the distrust
//! events: the built-in `rules/data/distrust.toml`, replaced by the last
//! user directory that has a `data/distrust.toml`). Ids are unique within one source; a duplicate, an
//! unknown disabled id, or any bad file fails the whole load.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::distrust::DistrustList;
use super::error::RuleError;
use super::{builtin, rulefile, Rule};
use crate::located::Position;

/// The rules in force, in load order.
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    /// `(id, file)` of every rule a later source replaced.
    replaced: Vec<(String, PathBuf)>,
    /// Digest of every rule file's text, the rule data and the disabled ids.
    digest: String,
    /// The root programs' distrust events.
    distrust: DistrustList,
}

/// A rule id the config disables, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disabled {
    /// The id.
    pub id: String,
    /// The config file.
    pub file: PathBuf,
    /// Where in it.
    pub position: Option<Position>,
}

impl RuleSet {
    /// The built-in rules only.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        RuleSet::load(&[], &[])
    }

    /// Built-in rules, then `dirs` in order, minus `disabled`.
    pub fn load(dirs: &[PathBuf], disabled: &[Disabled]) -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::default();
        let mut texts = Vec::new();
        set.add_source(builtin::rules()?, &mut texts)?;
        set.distrust = DistrustList::builtin()?;
        for dir in dirs {
            set.add_source(read_dir(dir)?, &mut texts)?;
            let data = dir.join(super::distrust::BUILTIN_PATH);
            if data.is_file() {
                set.distrust = DistrustList::read(&data)?;
            }
        }
        texts.push(format!("distrust {}", set.distrust.digest));
        for off in disabled {
            let before = set.rules.len();
            set.rules.retain(|r| r.id != off.id);
            if set.rules.len() == before {
                let problem = format!(
                    "[rules] disable: no rule has the id {:?} (see `certatlas rules list`)",
                    off.id
                );
                return Err(RuleError::invalid(&off.file, off.position, problem));
            }
            texts.push(format!("disabled {}", off.id));
        }
        set.digest = crate::certs::sha256_hex(texts.join("\n").as_bytes());
        Ok(set)
    }

    /// Only the rules read from `dir` (for `certatlas rules test DIR`).
    pub fn from_dir(dir: &Path) -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::default();
        let mut texts = Vec::new();
        set.add_source(read_dir(dir)?, &mut texts)?;
        set.digest = crate::certs::sha256_hex(texts.join("\n").as_bytes());
        Ok(set)
    }

    /// Adds one source's rules: duplicates within it are errors, ids
    /// already loaded from an earlier source are replaced.
    fn add_source(
        &mut self,
        rules: Vec<(Rule, String)>,
        texts: &mut Vec<String>,
    ) -> Result<(), RuleError> {
        let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
        for (rule, text) in rules {
            if let Some(first) = seen.insert(rule.id.clone(), rule.origin.path.clone()) {
                let problem = format!(
                    "duplicate rule id {:?} (also in {})",
                    rule.id,
                    first.display()
                );
                return Err(RuleError::invalid(
                    &rule.origin.path,
                    rule.origin.id_position,
                    problem,
                ));
            }
            if let Some(at) = self.rules.iter().position(|r| r.id == rule.id) {
                let old = self.rules.remove(at);
                self.replaced.push((old.id, old.origin.path));
            }
            texts.push(format!(
                "{}\n{}",
                rule.id,
                crate::certs::sha256_hex(text.as_bytes())
            ));
            self.rules.push(rule);
        }
        Ok(())
    }

    /// The rules in force.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// `(id, file)` of the rules a later source replaced.
    pub fn replaced(&self) -> &[(String, PathBuf)] {
        &self.replaced
    }

    /// SHA-256 over the rule files' texts and the disabled ids.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// The distrust events the rules read (`leaf.distrust`).
    pub fn distrust(&self) -> &DistrustList {
        &self.distrust
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// Every `*.toml` rule file under `dir` (recursively, sorted by path),
/// except the top-level `maturity/` (maturity ladders) and `data/` (rule
/// data) directories, which hold no rules.
fn read_dir(dir: &Path) -> Result<Vec<(Rule, String)>, RuleError> {
    let mut files = Vec::new();
    collect_files(dir, dir, &mut files)?;
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|source| RuleError::Read {
                path: path.clone(),
                source,
            })?;
            Ok((rulefile::parse(&text, &path, false)?, text))
        })
        .collect()
}

fn collect_files(root: &Path, dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), RuleError> {
    let read_error = |source| RuleError::Read {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        if path.is_dir() {
            let skipped = path
                .file_name()
                .is_some_and(|n| n == "maturity" || n == "data");
            if !(dir == root && skipped) {
                collect_files(root, &path, files)?;
            }
        } else if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    Ok(())
}
