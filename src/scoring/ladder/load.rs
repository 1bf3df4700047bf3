//! Assembling the effective profile: the built-in profile and ladders,
//! then a directory of the user's (its `profile.toml` replaces the
//! profile, each other file replaces the ladder of its category), then the
//! config's single-threshold overrides. All or nothing: any bad file or
//! unknown override stops the load with its file and position.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::builtin::{LADDER_FILES, PROFILE_FILE};
use super::error::LadderError;
use super::file::{parse_ladder, parse_profile};
use super::{Ladder, Profile, DEFAULT_METRIC_COVERAGE_FLOOR, DEFAULT_MIN_SCAN_INTERVAL_HOURS};
use crate::located::{Located, Position};
use crate::policy::category::CATEGORIES;

/// One threshold the config overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct ThresholdOverride {
    /// `<category>/<criterion id>`.
    pub key: String,
    /// The new threshold.
    pub threshold: f64,
    /// Where it is written.
    pub position: Option<Position>,
}

/// What the user's config changes (`[maturity]`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// The config file, for error messages.
    pub config: PathBuf,
    /// A directory of ladder files (and optionally `profile.toml`).
    pub dir: Option<PathBuf>,
    /// History window in days.
    pub window_days: Option<i64>,
    /// Single thresholds.
    pub thresholds: Vec<ThresholdOverride>,
    /// Requirements (`M.cat.req`) or categories (`M.cat`) declared not
    /// applicable: id, reason, where it is written.
    pub not_applicable: Vec<(String, String, Option<Position>)>,
}

/// The effective profile.
pub fn load(overrides: &Overrides) -> Result<Profile, LadderError> {
    let mut texts = vec![PROFILE_FILE.to_string()];
    let mut profile_text = (
        PROFILE_FILE.to_string(),
        PathBuf::from("rules/maturity/profile.toml"),
    );
    let mut ladders = Vec::new();
    for (name, text) in LADDER_FILES {
        let source = format!("rules/maturity/{name}");
        ladders.push(parse_ladder(text, Path::new(&source), &source)?);
        texts.push((*text).to_string());
    }
    if let Some(dir) = &overrides.dir {
        for (path, text) in read_dir(dir)? {
            texts.push(text.clone());
            if path.file_name().is_some_and(|n| n == "profile.toml") {
                profile_text = (text, path);
                continue;
            }
            let source = path.display().to_string();
            let ladder = parse_ladder(&text, &path, &source)?;
            ladders.retain(|l| l.category != ladder.category);
            ladders.push(ladder);
        }
    }
    let raw = parse_profile(&profile_text.0, &profile_text.1)?;
    ladders.sort_by_key(|l| CATEGORIES.iter().position(|c| c.id == l.category));
    apply_thresholds(&mut ladders, overrides)?;
    let model = crate::scoring::model::builtin();
    for ladder in &mut ladders {
        let category = model.category(&ladder.category);
        for r in &mut ladder.requirements {
            let short = r.id.rsplit('.').next().unwrap_or_default();
            r.title = category
                .and_then(|c| c.requirement(short))
                .map_or_else(String::new, |m| m.title.clone());
        }
    }
    let not_applicable = not_applicable(overrides)?;
    let window_days = overrides.window_days.unwrap_or(*raw.window_days.get_ref());
    texts.push(format!(
        "{:?} {:?} {:?}",
        overrides.window_days, overrides.thresholds, not_applicable
    ));
    Ok(Profile {
        name: raw.name,
        version: raw.version,
        window_days,
        coverage_floor: *raw.coverage_floor.get_ref(),
        coverage_cap: *raw.coverage_cap.get_ref(),
        metric_coverage_floor: raw
            .metric_coverage_floor
            .map_or(DEFAULT_METRIC_COVERAGE_FLOOR, |f| *f.get_ref()),
        min_scan_interval_hours: raw
            .min_scan_interval_hours
            .map_or(DEFAULT_MIN_SCAN_INTERVAL_HOURS, |h| *h.get_ref()),
        governance_from_scan: raw.governance_from_scan.unwrap_or(false),
        not_applicable,
        ladders,
        digest: crate::certs::sha256_hex(texts.join("\n\u{0}").as_bytes()),
    })
}

/// The `.toml` files of `dir`, sorted by name, with their text.
fn read_dir(dir: &Path) -> Result<Vec<(PathBuf, String)>, LadderError> {
    let read_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LadderError::Read { path, source }
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(read_error(dir))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(read_error(&path))?;
            Ok((path, text))
        })
        .collect()
}

/// The config's not-applicable declarations, each naming a category or a
/// requirement of the model, with a reason.
/// Requirement or category ids declared not applicable, with the reason.
type NotApplicable = BTreeMap<String, String>;

fn not_applicable(overrides: &Overrides) -> Result<NotApplicable, LadderError> {
    let model = crate::scoring::model::builtin();
    let mut out = BTreeMap::new();
    for (id, reason, position) in &overrides.not_applicable {
        let known = model.category(id).is_some()
            || id.rsplit_once('.').is_some_and(|(category, short)| {
                model
                    .category(category)
                    .is_some_and(|c| c.requirement(short).is_some())
            });
        let problem = if !known {
            Some(format!(
                "[maturity.not_applicable] {id:?}: not a PKIMM category (G.compliance) or \
                 requirement (M.key-management.device-inventory)"
            ))
        } else if reason.trim().is_empty() {
            Some(format!("[maturity.not_applicable] {id:?}: give the reason"))
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(Located::new(&overrides.config, *position, problem).into());
        }
        out.insert(id.clone(), reason.clone());
    }
    Ok(out)
}

fn apply_thresholds(ladders: &mut [Ladder], overrides: &Overrides) -> Result<(), LadderError> {
    for o in &overrides.thresholds {
        let found = o.key.split_once('/').and_then(|(category, id)| {
            let ladder = ladders.iter_mut().find(|l| l.category == category)?;
            ladder.criteria.iter_mut().find(|c| c.id == id)
        });
        let Some(criterion) = found else {
            let problem = format!(
                "[maturity.thresholds] {:?}: no such criterion (write <category>/<criterion id>; see `certatlas score --ladders`)",
                o.key
            );
            return Err(Located::new(&overrides.config, o.position, problem).into());
        };
        criterion.threshold = o.threshold;
        criterion.overridden = true;
    }
    Ok(())
}
