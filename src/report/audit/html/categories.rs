//! The per-category evidence of `report.html`: for each of the sixteen
//! categories its level, basis, coverage and cap, claim and contradiction,
//! what would lift it to the next level, and every criterion of its ladder
//! grouped by level with value, threshold and outcome.

use std::fmt::{self, Write};

use super::{level_class, level_text, number, ratio, table_end, table_start, with_unit, Esc};
use crate::scoring::metrics::Unit;
use crate::scoring::{Basis, CategoryScore, CriterionResult, Outcome, ScoreCard};

/// The categories section.
pub(crate) fn section(out: &mut String, card: &ScoreCard) -> fmt::Result {
    out.write_str("<section id=\"categories-section\">\n<h2>Categories</h2>\n")?;
    writeln!(
        out,
        "<p class=\"note\">Thresholds are those of profile <strong>{} {}</strong> \
         (digest <code>{}</code>); thresholds marked <span class=\"tag\">overridden</span> \
         come from the config. A level needs every criterion of it and of the levels below \
         to pass.</p>",
        Esc(&card.profile.name),
        Esc(&card.profile.version),
        Esc(&card.profile.digest)
    )?;
    for (index, category) in card.categories.iter().enumerate() {
        self::category(out, index, category)?;
    }
    out.write_str("</section>\n")
}

fn category(out: &mut String, index: usize, c: &CategoryScore) -> fmt::Result {
    let open = if c.basis == Basis::NotAssessed {
        ""
    } else {
        " open"
    };
    writeln!(
        out,
        "<details class=\"category\" id=\"category-{index}\"{open}>\n<summary>\
         <span class=\"cat-id\">{}</span> — {} <span class=\"level {}\">{}</span></summary>",
        Esc(&c.category),
        Esc(&c.title),
        level_class(c.level),
        level_text(c.level)
    )?;
    facts(out, c)?;
    notes(out, c)?;
    lift(out, c)?;
    if !c.requirements.is_empty() {
        requirements(out, c)?;
    }
    if !c.criteria.is_empty() {
        criteria(out, c)?;
    }
    out.write_str("</details>\n")
}

/// Module, weight, basis, evidence level and coverage on one line.
fn facts(out: &mut String, c: &CategoryScore) -> fmt::Result {
    let basis = match c.basis {
        Basis::Evidence => "evidence",
        Basis::Claim => "claim",
        Basis::NotAssessed if c.supporting => "supporting facts",
        Basis::NotAssessed => "not assessed",
        Basis::NotApplicable => "not applicable",
    };
    write!(
        out,
        "<p class=\"cat-facts\">Module {} · weight {} · basis <strong>{basis}</strong>",
        Esc(&c.module),
        c.weight
    )?;
    if let Some(value) = c.value {
        write!(out, " · value {}", number(value))?;
    }
    if let Some(value) = c.evidence_value {
        write!(out, " · evidence value {}", number(value))?;
    }
    match c.coverage {
        Some(coverage) => write!(out, " · coverage {}%", number(coverage * 100.0))?,
        None => out.write_str(" · coverage n/a")?,
    }
    out.write_str("</p>\n")
}

/// The cap, the claim, the contradiction and a word on unassessed ones.
fn notes(out: &mut String, c: &CategoryScore) -> fmt::Result {
    if c.capped {
        writeln!(
            out,
            "<p class=\"capped\">Capped: the evidence supports {}, but it speaks to only {}% \
             of the category's requirement weight, under the profile's coverage floor; the \
             requirements it cannot see count as unknown, so the level is held at {}.</p>",
            level_text(c.evidence_level),
            (c.coverage.unwrap_or(0.0) * 100.0).floor(),
            level_text(c.level)
        )?;
    }
    if let Some(claim) = c.claim {
        writeln!(
            out,
            "<p class=\"claim\">Self-assessed claim: level {claim}.</p>"
        )?;
    }
    if let Some(contradiction) = &c.contradiction {
        writeln!(
            out,
            "<p class=\"contradiction\">Contradiction: {}</p>",
            Esc(contradiction)
        )?;
    }
    if let Some(reason) = c.reason.as_deref().filter(|_| c.supporting) {
        writeln!(
            out,
            "<p class=\"muted\">Supporting facts: {}.</p>",
            Esc(reason)
        )?;
    }
    if let Some(reason) = &c.not_applicable {
        writeln!(
            out,
            "<p class=\"muted\">Not applicable (declared in the config): {}. It is left out \
             of the roll-up.</p>",
            Esc(reason)
        )?;
    } else if c.supporting {
    } else if let (Basis::NotAssessed, Some(reason)) = (c.basis, &c.reason) {
        writeln!(
            out,
            "<p class=\"muted\">Not assessed: {}. It is left out of the roll-up.</p>",
            Esc(reason)
        )?;
    } else if c.basis == Basis::NotAssessed {
        out.write_str(
            "<p class=\"muted\">Not assessed: network observations do not measure it and no \
             self-assessment claims a level. It is left out of the roll-up.</p>\n",
        )?;
    }
    Ok(())
}

/// "What would lift it to level N": the limiting criteria's lift texts.
fn lift(out: &mut String, c: &CategoryScore) -> fmt::Result {
    let limiting: Vec<&CriterionResult> = c
        .limiting
        .iter()
        .filter_map(|id| c.criteria.iter().find(|r| &r.id == id))
        .collect();
    let Some(next) = limiting.iter().map(|r| r.level).min() else {
        return Ok(());
    };
    writeln!(
        out,
        "<h4>What would lift it to level {next}</h4>\n<ul class=\"lift\">"
    )?;
    for r in limiting {
        let state = match r.outcome {
            Outcome::Pass => "passes",
            Outcome::Fail => "fails",
            Outcome::Unknown => "unknown",
        };
        let why = r
            .reason
            .as_deref()
            .map_or(String::new(), |reason| format!(": {}", Esc(reason)));
        writeln!(
            out,
            "<li><strong>{}</strong><br><span class=\"desc\"><code>{}</code>: {} is {}, \
             needs {}; {state}{why}</span></li>",
            Esc(&r.lift),
            Esc(&r.id),
            Esc(&r.metric),
            Esc(&with_unit(r.value, r.unit)),
            threshold(r)
        )?;
    }
    out.write_str("</ul>\n")
}

/// The requirements table: weight, evidence and strength, rating and the
/// criteria behind each, so the category value can be recomputed by hand.
fn requirements(out: &mut String, c: &CategoryScore) -> fmt::Result {
    writeln!(
        out,
        "<h4>Requirements</h4>\n<p class=\"note\">Value = Σ rating × weight × strength ÷ \
         Σ weight × strength over the rated requirements{}.</p>",
        c.evidence_value
            .map_or_else(String::new, |v| format!(" = {}", number(v)))
    )?;
    let headers = [
        "Requirement",
        "Weight",
        "Evidence",
        "Strength",
        "Rating",
        "Criteria",
    ];
    table_start(out, "requirements", &headers)?;
    for r in &c.requirements {
        let rating = match (&r.not_applicable, r.rating) {
            (Some(why), _) => format!("not applicable: {}", Esc(why)),
            (None, Some(rating)) => Esc(&level_text(Some(rating))).to_string(),
            (None, None) => format!(
                "not assessed{}",
                r.reason.as_deref().map_or_else(String::new, |why| format!(
                    "<br><span class=\"desc\">{}</span>",
                    Esc(why)
                ))
            ),
        };
        let criteria: Vec<String> = r
            .criteria
            .iter()
            .map(|id| format!("<code>{}</code>", Esc(id)))
            .collect();
        writeln!(
            out,
            "<tr><td>{}<br><code>{}</code></td><td class=\"num\">{}</td><td>{}</td>\
             <td class=\"num\">{}</td><td class=\"rating\">{rating}</td><td>{}</td></tr>",
            Esc(&r.title),
            Esc(&r.id),
            r.weight,
            format!("{:?}", r.evidence).to_lowercase(),
            number(r.strength),
            criteria.join(" ")
        )?;
    }
    table_end(out, c.requirements.len(), c.requirements.len(), "")
}

/// The criteria table, a group row per level.
fn criteria(out: &mut String, c: &CategoryScore) -> fmt::Result {
    let headers = ["Criterion", "Metric", "Value", "Threshold", "Outcome"];
    table_start(out, "criteria", &headers)?;
    let mut group = None;
    for r in &c.criteria {
        if group != Some(r.level) {
            group = Some(r.level);
            writeln!(
                out,
                "<tr class=\"group\"><th colspan=\"5\">Level {}</th></tr>",
                r.level
            )?;
        }
        let limiting = c.limiting.contains(&r.id);
        criterion(out, r, limiting)?;
    }
    table_end(out, c.criteria.len(), c.criteria.len(), "")
}

fn criterion(out: &mut String, r: &CriterionResult, limiting: bool) -> fmt::Result {
    let class = if limiting { " class=\"limiting\"" } else { "" };
    let mut value = with_unit(r.value, r.unit);
    if r.unit == Unit::Percent {
        let counts = ratio(r.numerator, r.denominator);
        if !counts.is_empty() {
            value = format!("{value} ({counts})");
        }
    }
    let overridden = if r.overridden {
        "<span class=\"tag\">overridden</span>"
    } else {
        ""
    };
    writeln!(
        out,
        "<tr{class}><td><code>{}</code></td><td><code>{}</code></td><td class=\"num\">{}</td>\
         <td class=\"num\">{}{overridden}</td><td>{}</td></tr>",
        Esc(&r.id),
        Esc(&r.metric),
        Esc(&value),
        threshold(r),
        outcome(r)
    )
}

/// `≤ 2%` and the like, escaped.
fn threshold(r: &CriterionResult) -> String {
    let compare = match r.compare.as_str() {
        "<=" => "≤",
        ">=" => "≥",
        other => other,
    };
    format!(
        "{} {}",
        Esc(compare),
        Esc(&with_unit(Some(r.threshold), r.unit))
    )
}

/// The outcome, with the reason when unknown.
fn outcome(r: &CriterionResult) -> String {
    match r.outcome {
        Outcome::Pass => "<span class=\"outcome pass\">pass</span>".to_string(),
        Outcome::Fail => "<span class=\"outcome fail\">fail</span>".to_string(),
        Outcome::Unknown => match &r.reason {
            Some(reason) => format!(
                "<span class=\"outcome unknown\">unknown</span><br><span class=\"desc\">{}</span>",
                Esc(reason)
            ),
            None => "<span class=\"outcome unknown\">unknown</span>".to_string(),
        },
    }
}
