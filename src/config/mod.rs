//! The config file (`certatlas.toml`): scan scope, approved private trust
//! anchors, owner rules, accepted exceptions and the watch schedule. The format is documented in
//! the README (section "Configuration file").
//!
//! Loading is strict: unknown keys, wrong types and bad values are errors,
//! and every error names the file, the line and column, and the problem
//! ([`ConfigError`]), so the CLI can exit 2 with a message the user can act
//! on. Scope targets and ports are checked with `crate::targets`; owner
//! rules are built with `crate::inventory::owners`. Anchor files are read
//! only when [`Config::approved_anchor_ders`] is called. Webhooks
//! (`[[alerts.webhook]]`) are checked in `alerts`.

mod alerts;
mod anchors;
mod error;
mod raw;
mod scope;
mod source;
#[cfg(test)]
mod tests;
mod watch;

pub use crate::located::Position;
pub use alerts::{AlertsConfig, WebhookAuth, WebhookConfig, WebhookEvent};
pub use anchors::AnchorFileError;
pub use error::ConfigError;
pub use scope::ScopeConfig;
pub use watch::WatchConfig;

use crate::exception::Exception;
use std::path::{Path, PathBuf};

use crate::inventory::owners::{MatcherKind, OwnerRuleError, OwnerRuleSpec, OwnerRules};
use crate::located::Located;

/// A loaded, checked config file.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// `db`: the inventory, as `--db` takes it (a SQLite path, relative to
    /// the config file's directory, or a PostgreSQL URL); `--db` wins.
    pub db: Option<String>,
    /// `[scope]`: what `scan --config` and `watch --config` scan, and how.
    pub scope: Option<ScopeConfig>,
    /// `[[anchors]]`: approved private trust anchors.
    pub anchors: Vec<AnchorConfig>,
    /// `[[owners]]`: owner rules, in file order (first match wins).
    pub owners: Vec<OwnerRuleConfig>,
    /// `[[exceptions]]`: accepted deviations.
    pub exceptions: Vec<Exception>,
    /// `[rules]`: extra rule directories and disabled rules.
    pub rules: RulesConfig,
    /// `[maturity]`: ladder directory, window and threshold overrides.
    pub maturity: MaturityConfig,
    /// `[alerts]`: webhooks receiving alert events.
    pub alerts: AlertsConfig,
    /// `[watch]`: the schedule and jitter of `certatlas watch`.
    pub watch: WatchConfig,
    path: PathBuf,
    digest: String,
}

/// `[maturity]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MaturityConfig {
    /// A directory of ladder files replacing built-in ladders by category
    /// (resolved against the config file's directory).
    pub dir: Option<PathBuf>,
    /// History window in days.
    pub window_days: Option<i64>,
    /// Thresholds by `<category>/<criterion id>`, with where each is written.
    pub thresholds: Vec<(String, f64, Option<Position>)>,
    /// `[maturity.not_applicable]`: requirement or category id, the
    /// reason, where it is written.
    pub not_applicable: Vec<(String, String, Option<Position>)>,
}

/// `[rules]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RulesConfig {
    /// Rule directories added after the built-in rules (relative paths
    /// resolved against the config file's directory).
    pub dirs: Vec<PathBuf>,
    /// Rule ids to disable, with where each is written.
    pub disable: Vec<(String, Option<Position>)>,
}

/// One `[[anchors]]` entry: a certificate file or an SPKI hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorConfig {
    /// Display name.
    pub name: String,
    /// PEM or DER certificate file, resolved against the config file's directory.
    pub file: Option<PathBuf>,
    /// SHA-256 of the SubjectPublicKeyInfo, lowercase hex.
    pub spki_sha256: Option<String>,
    position: Option<Position>,
}

/// One `[[owners]]` rule as written (see `inventory::owners` for matching),
/// with where each of its values stands in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerRuleConfig {
    /// The owner and its matcher values (`owner` is the `name` key).
    pub rule: OwnerRuleSpec,
    positions: OwnerPositions,
}

/// Where an owner rule's parts are in the file (for error messages).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct OwnerPositions {
    table: Option<Position>,
    name: Option<Position>,
    cidr: Option<Position>,
    hostname: Option<Position>,
    san: Option<Position>,
    issuer: Option<Position>,
    subject_o: Option<Position>,
    subject_ou: Option<Position>,
}

/// Reads and checks a config file (owner rules included).
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path)
}

/// Checks config text as if read from `path` (which names it in errors
/// and anchors relative file names).
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let src = source::Source { text, path };
    let parsed: raw::RawConfig = crate::document::parse_strict(text, path)?;
    let config = parsed.check(&src)?;
    config.owner_rules()?;
    Ok(config)
}

impl Config {
    /// The config file this was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// SHA-256 (hex) of the text this config was parsed from.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// The owner rules, in file order. Errors point at the offending value.
    pub fn owner_rules(&self) -> Result<OwnerRules, ConfigError> {
        let mut rules = OwnerRules::new();
        for (index, rule) in self.owners.iter().enumerate() {
            rules
                .push(rule.rule.clone())
                .map_err(|e| self.owner_error(index, rule, e))?;
        }
        Ok(rules)
    }

    /// SPKI SHA-256s of the anchors declared by hash (lowercase hex).
    pub fn approved_spki(&self) -> Vec<String> {
        self.anchors
            .iter()
            .filter_map(|a| a.spki_sha256.clone())
            .collect()
    }

    /// DER certificates of the anchors declared by file (every certificate
    /// of a PEM bundle). Errors name the config position and the file.
    pub fn approved_anchor_ders(&self) -> Result<Vec<Vec<u8>>, ConfigError> {
        let mut ders = Vec::new();
        for anchor in &self.anchors {
            let Some(file) = &anchor.file else { continue };
            let found =
                anchors::read_certificates(file).map_err(|problem| ConfigError::AnchorFile {
                    path: self.path.clone(),
                    position: anchor.position,
                    name: anchor.name.clone(),
                    file: file.clone(),
                    problem,
                })?;
            ders.extend(found);
        }
        Ok(ders)
    }

    fn owner_error(
        &self,
        index: usize,
        rule: &OwnerRuleConfig,
        error: OwnerRuleError,
    ) -> ConfigError {
        let p = &rule.positions;
        let position = match &error {
            OwnerRuleError::EmptyOwner => p.name,
            OwnerRuleError::NoMatcher(_) => p.table,
            OwnerRuleError::BadValue { kind, .. } => match kind {
                MatcherKind::Cidr => p.cidr,
                MatcherKind::Hostname => p.hostname,
                MatcherKind::San => p.san,
                MatcherKind::Issuer => p.issuer,
                MatcherKind::SubjectO => p.subject_o,
                MatcherKind::SubjectOu => p.subject_ou,
            },
        };
        let problem = format!("owners[{index}] ({:?}): {error}", rule.rule.owner);
        Located::new(&self.path, position.or(p.table), problem).into()
    }
}
