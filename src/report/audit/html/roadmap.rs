//! The roadmap of `report.html`: for each category, the requirements
//! holding it below its next level, ordered by what raising each would add
//! to the category's value, each with the criteria to pass (their target
//! values, where they stand now) and the certificates, endpoints or rules
//! behind them.

use std::fmt::{self, Write};

use super::{level_text, number, with_unit, Esc};
use crate::scoring::{RoadmapCriterion, ScoreCard};

/// The roadmap section.
pub(crate) fn section(out: &mut String, card: &ScoreCard) -> fmt::Result {
    out.write_str("<section id=\"roadmap-section\">\n<h2>Roadmap</h2>\n")?;
    out.write_str(
        "<p class=\"note\">For each category, the requirements limiting its next level, the \
         one adding most to the category's value first (a requirement's weight × evidence \
         strength × the levels it would gain, of the category's rated weight).</p>\n",
    )?;
    let mut any = false;
    for c in card.categories.iter().filter(|c| !c.roadmap.is_empty()) {
        any = true;
        let next = c.level.or(c.evidence_level).unwrap_or(1) + 1;
        writeln!(
            out,
            "<h3><span class=\"cat-id\">{}</span> — {} to {}</h3>\n<ol class=\"roadmap\">",
            Esc(&c.category),
            Esc(&c.title),
            Esc(&level_text(Some(next)))
        )?;
        for step in &c.roadmap {
            writeln!(
                out,
                "<li><strong>{}</strong> <code>{}</code>: rated {} → {}, adds {} to the \
                 category's value<ul>",
                Esc(&step.title),
                Esc(&step.requirement),
                step.rating,
                step.target,
                number(step.adds)
            )?;
            for k in &step.criteria {
                criterion(out, k)?;
            }
            out.write_str("</ul></li>\n")?;
        }
        out.write_str("</ol>\n")?;
    }
    if !any {
        out.write_str("<p class=\"muted\">Nothing on the roadmap: no rated requirement is held below its category's next level by a criterion this profile has.</p>\n")?;
    }
    out.write_str("</section>\n")
}

fn criterion(out: &mut String, k: &RoadmapCriterion) -> fmt::Result {
    let compare = match k.compare.as_str() {
        "<=" => "≤",
        ">=" => "≥",
        other => other,
    };
    write!(
        out,
        "<li><code>{}</code> (level {}): <code>{}</code> {} {} — now {}. {}",
        Esc(&k.id),
        k.level,
        Esc(&k.metric),
        Esc(compare),
        Esc(&with_unit(Some(k.threshold), k.unit)),
        Esc(&with_unit(k.value, k.unit)),
        Esc(&k.lift)
    )?;
    if !k.subjects.is_empty() {
        let more = k.subjects_total.saturating_sub(k.subjects.len() as u64);
        let list: Vec<String> = k
            .subjects
            .iter()
            .map(|s| format!("<code>{}</code>", Esc(s)))
            .collect();
        write!(
            out,
            "<br><span class=\"desc\">Behind it: {}",
            list.join(", ")
        )?;
        if more > 0 {
            write!(out, " and {more} more")?;
        }
        out.write_str("</span>")?;
    }
    out.write_str("</li>\n")
}
