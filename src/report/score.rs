//! Presenting scores: `certatlas score` (table: one line per category with
//! its level and name, value, basis, coverage and what limits it; each
//! module with "n of m categories assessed" and its evidenced share; the
//! overall and the share of the model's weight it rests on; the rated
//! requirements; the roadmap; json: the whole card; csv: one row per
//! criterion),
//! `score --history` (levels per scored scan), `score --ladders` (the
//! profile's criteria) and the one-line summary after a scan.

use std::io::{self, Write};

use super::listing::{write_json, write_listing, Listing, ListingFormat};
use crate::sanitize::terminal;
use crate::scoring::ladder::Profile;
use crate::scoring::{Basis, CategoryScore, CriterionResult, Outcome, ScoreCard};
use crate::store::ScanId;
use serde::Serialize;
use time::OffsetDateTime;

/// `value` with its unit, or `unknown`.
pub fn value_text(result: &CriterionResult) -> String {
    match result.value {
        None => "unknown".to_string(),
        Some(v) => {
            let shown = format!("{}{}", trim(v), result.unit.suffix());
            match (result.numerator, result.denominator) {
                (Some(n), Some(d)) => format!("{shown} ({n}/{d})"),
                _ => shown,
            }
        }
    }
}

/// A number with at most two decimals, trailing zeros dropped.
pub fn trim(v: f64) -> String {
    let text = format!("{v:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn level_text(level: Option<u8>) -> String {
    level.map_or_else(|| "-".to_string(), |l| l.to_string())
}

/// `3 Advanced`, or `-`.
pub fn level_named(level: Option<u8>) -> String {
    level.map_or_else(
        || "-".to_string(),
        |l| format!("{l} {}", crate::scoring::model::builtin().level_name(l)),
    )
}

/// A module's line: level and name with value, or not assessed, always
/// with "n of m categories assessed" and its evidenced share.
pub fn module_text(m: &crate::scoring::ModuleScore) -> String {
    match m.value {
        Some(value) => format!(
            "{} ({}; {})",
            level_named(m.level),
            trim(value),
            m.assessed_text()
        ),
        None => format!("not assessed ({})", m.assessed_text()),
    }
}

/// The overall line's tail: "8 of 16 categories assessed, resting on 9 %
/// of the model's weight".
pub fn overall_basis(card: &ScoreCard) -> String {
    let (n, m) = card.categories_assessed;
    format!(
        "{n} of {m} categories assessed, resting on {:.0} % of the model's weight",
        card.evidenced_share * 100.0
    )
}

/// The one line printed after a scan.
pub fn write_summary_line(out: &mut dyn Write, card: &ScoreCard) -> io::Result<()> {
    if let Some(reason) = &card.not_assessed {
        return writeln!(
            out,
            "maturity estimate: not assessed ({reason})  (details: certatlas score)"
        );
    }
    let modules: Vec<String> = card
        .modules
        .iter()
        .map(|m| format!("{} {}", m.module, module_text(m)))
        .collect();
    writeln!(
        out,
        "maturity estimate: overall {} ({}; {}); {}  (details: certatlas score)",
        level_named(card.overall_level),
        card.overall_value.map_or_else(|| "-".into(), trim),
        overall_basis(card),
        modules.join("; ")
    )
}

/// Writes a card in `format`.
pub fn write_score(out: &mut dyn Write, format: ListingFormat, card: &ScoreCard) -> io::Result<()> {
    match format {
        ListingFormat::Json => write_json(out, "score", card),
        ListingFormat::Csv => write_criteria_csv(out, card),
        ListingFormat::Table => write_score_table(out, card),
    }
}

fn write_score_table(out: &mut dyn Write, card: &ScoreCard) -> io::Result<()> {
    let p = &card.profile;
    writeln!(out, "PKIMM maturity: {}", card.label)?;
    writeln!(
        out,
        "profile {} {} (window {} days); history {} days, {} days with a complete scan\n",
        p.name, p.version, p.window_days, card.history.days, card.history.scans
    )?;
    if let Some(reason) = &card.not_assessed {
        writeln!(out, "not assessed: {reason}\n")?;
    }
    write_listing(
        out,
        ListingFormat::Table,
        &Listing {
            kind: "categories",
            headers: &[
                "category",
                "level",
                "value",
                "basis",
                "coverage",
                "limited by (next level)",
            ],
            items: &card.categories,
            cells: &|c: &CategoryScore| {
                vec![
                    c.category.clone(),
                    category_level(c),
                    c.value.map_or_else(String::new, trim),
                    basis_text(c),
                    c.coverage
                        .map_or_else(String::new, |v| format!("{}%", (v * 100.0).floor())),
                    c.limiting.join(" "),
                ]
            },
        },
    )?;
    writeln!(out)?;
    for m in &card.modules {
        writeln!(out, "{:<11} {}", m.module, module_text(m))?;
    }
    let overall = card.overall_value.map_or_else(|| "-".into(), trim);
    writeln!(
        out,
        "{:<11} {} ({overall}; {}); lowest category {}",
        "Overall",
        level_named(card.overall_level),
        overall_basis(card),
        level_text(card.minimum_level)
    )?;
    write_requirements(out, card)?;
    write_limiting(out, card)?;
    write_roadmap(out, card)
}

fn category_level(c: &CategoryScore) -> String {
    let mut text = level_named(c.level);
    if c.capped {
        text.push_str(" (capped)");
    }
    if let Some(claim) = c.claim.filter(|_| c.basis == Basis::Evidence) {
        text.push_str(&format!(" claim {claim}"));
    }
    text
}

fn basis_text(c: &CategoryScore) -> String {
    match c.basis {
        Basis::Evidence => "evidence".into(),
        Basis::Claim => "claim".into(),
        Basis::NotAssessed if c.supporting => "supporting facts".into(),
        Basis::NotAssessed => "not assessed".into(),
        Basis::NotApplicable => "not applicable".into(),
    }
}

/// Every rated or applicable-but-unrated requirement of the measured
/// categories: weight, evidence strength, rating and the criteria behind.
fn write_requirements(out: &mut dyn Write, card: &ScoreCard) -> io::Result<()> {
    writeln!(
        out,
        "\nrequirements (rating from criteria; value = sum(rating x weight x strength) / \
         sum(weight x strength) over rated ones):"
    )?;
    for c in card
        .categories
        .iter()
        .filter(|c| !c.requirements.is_empty())
    {
        let value = c.evidence_value.map_or_else(|| "-".into(), trim);
        let note = if c.supporting {
            " (supporting facts)"
        } else {
            ""
        };
        writeln!(out, "  {} = {value}{note}", c.category)?;
        for r in &c.requirements {
            let rating = match (&r.not_applicable, r.rating) {
                (Some(why), _) => format!("not applicable: {}", terminal(why)),
                (None, Some(rating)) => level_named(Some(rating)),
                (None, None) => "not assessed".into(),
            };
            writeln!(
                out,
                "    {:<28} w{} {:<7} x{} {rating}{}",
                r.id.rsplit('.').next().unwrap_or_default(),
                r.weight,
                format!("{:?}", r.evidence).to_lowercase(),
                trim(r.strength),
                if r.criteria.is_empty() {
                    String::new()
                } else {
                    format!("  [{}]", r.criteria.join(" "))
                }
            )?;
        }
    }
    Ok(())
}

/// The roadmap: for each category, the next level's limiting requirements
/// by what they would add, with targets and the subjects behind them.
fn write_roadmap(out: &mut dyn Write, card: &ScoreCard) -> io::Result<()> {
    let steps: Vec<&CategoryScore> = card
        .categories
        .iter()
        .filter(|c| !c.roadmap.is_empty())
        .collect();
    if steps.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "\nroadmap (next level, by the value each requirement would add):"
    )?;
    for c in steps {
        let next = c.level.unwrap_or(1) + 1;
        writeln!(out, "  {} to {}:", c.category, level_named(Some(next)))?;
        for step in &c.roadmap {
            writeln!(
                out,
                "    {} {} -> {} (+{})",
                step.requirement.rsplit('.').next().unwrap_or_default(),
                step.rating,
                step.target,
                trim(step.adds)
            )?;
            for k in &step.criteria {
                let now = k.value.map_or_else(
                    || "unknown".into(),
                    |v| format!("{}{}", trim(v), k.unit.suffix()),
                );
                writeln!(
                    out,
                    "      {} {} {}{} (now {now}){}",
                    k.metric,
                    k.compare,
                    trim(k.threshold),
                    k.unit.suffix(),
                    if k.subjects.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", terminal(&k.subjects.join(" ")))
                    }
                )?;
            }
        }
    }
    Ok(())
}

/// The criteria holding each category back, with what would lift them.
fn write_limiting(out: &mut dyn Write, card: &ScoreCard) -> io::Result<()> {
    for c in card.categories.iter().filter(|c| c.capped) {
        let reason = c.reason.as_deref().unwrap_or_default();
        writeln!(
            out,
            "\n{} capped at level {}: {reason}",
            c.category,
            level_text(c.level)
        )?;
    }
    for c in card.categories.iter().filter(|c| !c.limiting.is_empty()) {
        let next = c.level.unwrap_or(1) + 1;
        writeln!(out, "\n{} to level {next}:", c.category)?;
        for r in c.criteria.iter().filter(|r| c.limiting.contains(&r.id)) {
            let why = match (r.outcome, &r.reason) {
                (Outcome::Unknown, Some(reason)) if r.value.is_some() => {
                    format!("is {}, but unknown: {reason}", value_text(r))
                }
                (Outcome::Unknown, Some(reason)) => format!("unknown: {reason}"),
                _ => format!("is {}", value_text(r)),
            };
            writeln!(
                out,
                "  {} {} {}{}: {why}",
                r.metric,
                r.compare,
                trim(r.threshold),
                r.unit.suffix()
            )?;
            writeln!(out, "    {}", terminal(&r.lift))?;
        }
        if let Some(contradiction) = &c.contradiction {
            writeln!(out, "  contradiction: {contradiction}")?;
        }
    }
    Ok(())
}

fn write_criteria_csv(out: &mut dyn Write, card: &ScoreCard) -> io::Result<()> {
    let rows: Vec<(&str, &CriterionResult)> = card
        .categories
        .iter()
        .flat_map(|c| c.criteria.iter().map(move |r| (c.category.as_str(), r)))
        .collect();
    write_listing(
        out,
        ListingFormat::Csv,
        &Listing {
            kind: "criteria",
            headers: &[
                "category",
                "level",
                "criterion",
                "metric",
                "value",
                "numerator",
                "denominator",
                "compare",
                "threshold",
                "outcome",
                "reason",
            ],
            items: &rows,
            cells: &|(category, r): &(&str, &CriterionResult)| {
                let num = |n: Option<u64>| n.map_or_else(String::new, |n| n.to_string());
                vec![
                    category.to_string(),
                    r.level.to_string(),
                    r.id.clone(),
                    r.metric.clone(),
                    r.value.map_or_else(String::new, |v| v.to_string()),
                    num(r.numerator),
                    num(r.denominator),
                    r.compare.clone(),
                    r.threshold.to_string(),
                    format!("{:?}", r.outcome).to_lowercase(),
                    r.reason.clone().unwrap_or_default(),
                ]
            },
        },
    )
}

/// A category id (`G.strategy-and-vision`) as a lower snake case column
/// header (`g_strategy_and_vision`), the convention of every CSV header.
fn category_header(id: &str) -> String {
    id.chars()
        .map(|c| match c.is_ascii_alphanumeric() {
            true => c.to_ascii_lowercase(),
            false => '_',
        })
        .collect()
}

/// `score --history`: the overall level and value and each category's
/// level per scan, started at an RFC 3339 instant; headers in lower snake
/// case (a category's id made so); a level or value not assessed is `-`.
pub fn write_history(
    out: &mut dyn Write,
    format: ListingFormat,
    points: &[TrendPoint],
) -> io::Result<()> {
    if format == ListingFormat::Json {
        return write_json(out, "score_history", points);
    }
    let categories: Vec<String> = points
        .last()
        .map(|p| {
            p.levels
                .iter()
                .filter(|(_, l)| l.is_some())
                .map(|(c, _)| c.clone())
                .collect()
        })
        .unwrap_or_default();
    let mut headers = vec![
        "scan".to_string(),
        "started_at".to_string(),
        "overall_level".to_string(),
        "overall_value".to_string(),
    ];
    headers.extend(categories.iter().map(|c| category_header(c)));
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let cells = |p: &TrendPoint| {
        let mut row = vec![
            p.scan.to_string(),
            super::instant_text(p.at),
            level_text(p.overall_level),
            p.overall_value.map_or_else(|| "-".into(), trim),
        ];
        for id in &categories {
            let level = p.levels.iter().find(|(c, _)| c == id).and_then(|(_, l)| *l);
            row.push(level_text(level));
        }
        row
    };
    write_listing(
        out,
        format,
        &Listing {
            kind: "score_history",
            headers: &header_refs,
            items: points,
            cells: &cells,
        },
    )
}

/// `score --ladders`: every criterion of the profile.
pub fn write_ladders(
    out: &mut dyn Write,
    format: ListingFormat,
    profile: &Profile,
) -> io::Result<()> {
    if format == ListingFormat::Json {
        return write_json(out, "ladders", profile);
    }
    if format == ListingFormat::Table {
        writeln!(
            out,
            "profile {} {} (digest {}), window {} days; category coverage at or under {:.0}% caps at \
             level {}; metrics measured on under {:.0}% of their subjects are unknown; scans less \
             than {} hours apart count once\n",
            profile.name,
            profile.version,
            &profile.digest[..12],
            profile.window_days,
            profile.coverage_floor * 100.0,
            profile.coverage_cap,
            profile.metric_coverage_floor * 100.0,
            trim(profile.min_scan_interval_hours)
        )?;
    }
    let rows: Vec<(&str, f64, &crate::scoring::ladder::Criterion)> = profile
        .ladders
        .iter()
        .flat_map(|l| {
            l.criteria.iter().map(move |c| {
                let skip = |id: &str| profile.not_applicable(id).is_some();
                (l.category.as_str(), l.coverage(&skip), c)
            })
        })
        .collect();
    let cells = |(category, coverage, c): &(&str, f64, &crate::scoring::ladder::Criterion)| {
        let history = if c.history.days > 0 || c.history.scans > 0 {
            format!("{} d, {} scans", c.history.days, c.history.scans)
        } else {
            String::new()
        };
        vec![
            format!("{category}/{}", c.id),
            format!("{}%", (coverage * 100.0).floor()),
            c.level.to_string(),
            format!(
                "{} {} {}{}",
                c.metric,
                c.compare.symbol(),
                trim(c.threshold),
                if c.overridden { " (config)" } else { "" }
            ),
            history,
        ]
    };
    write_listing(
        out,
        format,
        &Listing {
            kind: "ladders",
            headers: &["criterion", "coverage", "level", "condition", "history"],
            items: &rows,
            cells: &cells,
        },
    )
}

/// One scan's scores in the trend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendPoint {
    /// The scan.
    pub scan: ScanId,
    /// When it started.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Overall value (weighted mean), if any category was assessed.
    pub overall_value: Option<f64>,
    /// Overall level (rounded down).
    pub overall_level: Option<u8>,
    /// Level per category id (`None`: not assessed).
    pub levels: Vec<(String, Option<u8>)>,
}

impl TrendPoint {
    /// The trend point of a stored card.
    pub fn of(scan: ScanId, at: OffsetDateTime, card: &ScoreCard) -> TrendPoint {
        TrendPoint {
            scan,
            at,
            overall_value: card.overall_value,
            overall_level: card.overall_level,
            levels: card
                .categories
                .iter()
                .map(|c| (c.category.clone(), c.level))
                .collect(),
        }
    }
}
