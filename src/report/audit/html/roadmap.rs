//! The roadmap of `report.html`: for each category, the requirements
//! holding it below its next level, ordered by what raising each would add
//! to the category's value, each with the criteria to pass (their target
//! values, where they stand now) and the certificates, endpoints or rules
//! behind them.

use maud::{html, Markup};

use super::{comparison, level_text, number, with_unit};
use crate::scoring::{CategoryScore, RoadmapCriterion, RoadmapStep, ScoreCard};

/// The roadmap section.
pub(super) fn section(card: &ScoreCard) -> Markup {
    let steps: Vec<&CategoryScore> = card
        .categories
        .iter()
        .filter(|c| !c.roadmap.is_empty())
        .collect();
    html! {
        section id="roadmap-section" {
            h2 { "Roadmap" }
            p.note {
                "For each category, the requirements limiting its next level, the one adding \
                 most to the category's value first (a requirement's weight × evidence \
                 strength × the levels it would gain, of the category's rated weight)."
            }
            @for c in &steps {
                (category(c))
            }
            @if steps.is_empty() {
                p.muted {
                    "Nothing on the roadmap: no rated requirement is held below its \
                     category's next level by a criterion this profile has."
                }
            }
        }
    }
}

/// One category's steps to its next level.
fn category(c: &CategoryScore) -> Markup {
    let next = c.level.or(c.evidence_level).unwrap_or(1) + 1;
    html! {
        h3 { span.cat-id { (c.category) } " — " (c.title) " to " (level_text(Some(next))) }
        ol.roadmap {
            @for step in &c.roadmap {
                (self::step(step))
            }
        }
    }
}

fn step(step: &RoadmapStep) -> Markup {
    html! {
        li {
            strong { (step.title) } " " code { (step.requirement) }
            ": rated " (step.rating) " → " (step.target) ", adds " (number(step.adds))
            " to the category's value"
            ul {
                @for k in &step.criteria {
                    (criterion(k))
                }
            }
        }
    }
}

fn criterion(k: &RoadmapCriterion) -> Markup {
    let more = k.subjects_total.saturating_sub(k.subjects.len() as u64);
    html! {
        li {
            code { (k.id) } " (level " (k.level) "): " code { (k.metric) } " "
            (comparison(&k.compare)) " " (with_unit(Some(k.threshold), k.unit))
            " — now " (with_unit(k.value, k.unit)) ". " (k.lift)
            @if !k.subjects.is_empty() {
                br;
                span.desc {
                    "Behind it: "
                    @for (i, s) in k.subjects.iter().enumerate() {
                        @if i > 0 { ", " }
                        code { (s) }
                    }
                    @if more > 0 {
                        " and " (more) " more"
                    }
                }
            }
        }
    }
}
