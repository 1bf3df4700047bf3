//! The per-category evidence of `report.html`: for each of the sixteen
//! categories its level, basis, coverage and cap, claim and contradiction,
//! what would lift it to the next level, and every criterion of its ladder
//! grouped by level with value, threshold and outcome.

use maud::{html, Markup};

use super::{comparison, level_class, level_text, number, ratio, table, with_unit, Rows};
use crate::scoring::metrics::Unit;
use crate::scoring::{Basis, CategoryScore, CriterionResult, Outcome, ScoreCard};

/// The categories section.
pub(super) fn section(card: &ScoreCard) -> Markup {
    html! {
        section id="categories-section" {
            h2 { "Categories" }
            p.note {
                "Thresholds are those of profile "
                strong { (card.profile.name) " " (card.profile.version) }
                " (digest " code { (card.profile.digest) } "); thresholds marked "
                span.tag { "overridden" }
                " come from the config. A level needs every criterion of it and of the \
                 levels below to pass."
            }
            @for (index, category) in card.categories.iter().enumerate() {
                (self::category(index, category))
            }
        }
    }
}

fn category(index: usize, c: &CategoryScore) -> Markup {
    html! {
        details.category id={ "category-" (index) } open[c.basis != Basis::NotAssessed] {
            summary {
                span.cat-id { (c.category) }
                " — " (c.title) " "
                span class={ "level " (level_class(c.level)) } { (level_text(c.level)) }
            }
            (facts(c))
            (notes(c))
            (lift(c))
            @if !c.requirements.is_empty() {
                (requirements(c))
            }
            @if !c.criteria.is_empty() {
                (criteria(c))
            }
        }
    }
}

/// Module, weight, basis, evidence level and coverage on one line.
fn facts(c: &CategoryScore) -> Markup {
    let basis = match c.basis {
        Basis::Evidence => "evidence",
        Basis::Claim => "claim",
        Basis::NotAssessed if c.supporting => "supporting facts",
        Basis::NotAssessed => "not assessed",
        Basis::NotApplicable => "not applicable",
    };
    html! {
        p.cat-facts {
            "Module " (c.module) " · weight " (c.weight) " · basis " strong { (basis) }
            @if let Some(value) = c.value {
                " · value " (number(value))
            }
            @if let Some(value) = c.evidence_value {
                " · evidence value " (number(value))
            }
            @match c.coverage {
                Some(coverage) => { " · coverage " (number(coverage * 100.0)) "%" },
                None => " · coverage n/a",
            }
        }
    }
}

/// The cap, the claim, the contradiction and a word on unassessed ones.
fn notes(c: &CategoryScore) -> Markup {
    html! {
        @if c.capped {
            p.capped {
                "Capped: the evidence supports " (level_text(c.evidence_level))
                ", but it speaks to only " ((c.coverage.unwrap_or(0.0) * 100.0).floor())
                "% of the category's requirement weight, under the profile's coverage floor; \
                 the requirements it cannot see count as unknown, so the level is held at "
                (level_text(c.level)) "."
            }
        }
        @if let Some(claim) = c.claim {
            p.claim { "Self-assessed claim: level " (claim) "." }
        }
        @if let Some(contradiction) = &c.contradiction {
            p.contradiction { "Contradiction: " (contradiction) }
        }
        @if let Some(reason) = c.reason.as_deref().filter(|_| c.supporting) {
            p.muted { "Supporting facts: " (reason) "." }
        }
        (unassessed(c))
    }
}

/// Why a category is left out of the roll-up: declared not applicable,
/// or not assessed (with the reason when there is one).
fn unassessed(c: &CategoryScore) -> Markup {
    html! {
        @if let Some(reason) = &c.not_applicable {
            p.muted {
                "Not applicable (declared in the config): " (reason)
                ". It is left out of the roll-up."
            }
        } @else if c.supporting {
        } @else if let (Basis::NotAssessed, Some(reason)) = (c.basis, &c.reason) {
            p.muted { "Not assessed: " (reason) ". It is left out of the roll-up." }
        } @else if c.basis == Basis::NotAssessed {
            p.muted {
                "Not assessed: network observations do not measure it and no \
                 self-assessment claims a level. It is left out of the roll-up."
            }
        }
    }
}

/// "What would lift it to level N": the limiting criteria's lift texts.
fn lift(c: &CategoryScore) -> Markup {
    let limiting: Vec<&CriterionResult> = c
        .limiting
        .iter()
        .filter_map(|id| c.criteria.iter().find(|r| &r.id == id))
        .collect();
    let Some(next) = limiting.iter().map(|r| r.level).min() else {
        return html! {};
    };
    html! {
        h4 { "What would lift it to level " (next) }
        ul.lift {
            @for r in limiting {
                li {
                    strong { (r.lift) }
                    br;
                    span.desc {
                        code { (r.id) } ": " (r.metric) " is " (with_unit(r.value, r.unit))
                        ", needs " (threshold(r)) "; " (state(r.outcome))
                        @if let Some(reason) = &r.reason {
                            ": " (reason)
                        }
                    }
                }
            }
        }
    }
}

/// `passes`, `fails` or `unknown`.
fn state(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "passes",
        Outcome::Fail => "fails",
        Outcome::Unknown => "unknown",
    }
}

/// The requirements table: weight, evidence and strength, rating and the
/// criteria behind each, so the category value can be recomputed by hand.
fn requirements(c: &CategoryScore) -> Markup {
    let headers = [
        "Requirement",
        "Weight",
        "Evidence",
        "Strength",
        "Rating",
        "Criteria",
    ];
    let rows = html! {
        @for r in &c.requirements {
            tr {
                td { (r.title) br; code { (r.id) } }
                td.num { (r.weight) }
                td { (format!("{:?}", r.evidence).to_lowercase()) }
                td.num { (number(r.strength)) }
                td.rating {
                    @match (&r.not_applicable, r.rating) {
                        (Some(why), _) => { "not applicable: " (why) },
                        (None, Some(rating)) => (level_text(Some(rating))),
                        (None, None) => {
                            "not assessed"
                            @if let Some(why) = &r.reason {
                                br; span.desc { (why) }
                            }
                        },
                    }
                }
                td {
                    @for (i, id) in r.criteria.iter().enumerate() {
                        @if i > 0 { " " }
                        code { (id) }
                    }
                }
            }
        }
    };
    html! {
        h4 { "Requirements" }
        p.note {
            "Value = Σ rating × weight × strength ÷ Σ weight × strength over the rated \
             requirements"
            @if let Some(value) = c.evidence_value {
                " = " (number(value))
            }
            "."
        }
        (table("requirements", &headers, rows, Rows::all(c.requirements.len())))
    }
}

/// The criteria table, a group row per level.
fn criteria(c: &CategoryScore) -> Markup {
    let headers = ["Criterion", "Metric", "Value", "Threshold", "Outcome"];
    let rows = html! {
        @for (i, r) in c.criteria.iter().enumerate() {
            @if i == 0 || c.criteria[i - 1].level != r.level {
                tr.group { th colspan="5" { "Level " (r.level) } }
            }
            (criterion(r, c.limiting.contains(&r.id)))
        }
    };
    table("criteria", &headers, rows, Rows::all(c.criteria.len()))
}

fn criterion(r: &CriterionResult, limiting: bool) -> Markup {
    let mut value = with_unit(r.value, r.unit);
    if r.unit == Unit::Percent {
        let counts = ratio(r.numerator, r.denominator);
        if !counts.is_empty() {
            value = format!("{value} ({counts})");
        }
    }
    html! {
        tr class=[limiting.then_some("limiting")] {
            td { code { (r.id) } }
            td { code { (r.metric) } }
            td.num { (value) }
            td.num {
                (threshold(r))
                @if r.overridden { span.tag { "overridden" } }
            }
            td { (outcome(r)) }
        }
    }
}

/// `≤ 2%` and the like.
fn threshold(r: &CriterionResult) -> String {
    format!(
        "{} {}",
        comparison(&r.compare),
        with_unit(Some(r.threshold), r.unit)
    )
}

/// The outcome, with the reason when unknown.
fn outcome(r: &CriterionResult) -> Markup {
    html! {
        @match r.outcome {
            Outcome::Pass => span.outcome.pass { "pass" },
            Outcome::Fail => span.outcome.fail { "fail" },
            Outcome::Unknown => {
                span.outcome.unknown { "unknown" }
                @if let Some(reason) = &r.reason {
                    br; span.desc { (reason) }
                }
            },
        }
    }
}
