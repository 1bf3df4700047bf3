//! `rules.md`: the built-in rules as certatlas loads them (`rules/`,
//! embedded in the binary): a summary table, then each rule's condition,
//! rationale, remediation and references.

use super::markdown::{cell, code, table};
use super::ReferenceError;
use crate::policy::builtin;

/// The page.
pub fn page() -> Result<String, ReferenceError> {
    let mut rules: Vec<_> = builtin::rules()?
        .into_iter()
        .map(|(rule, _)| rule.summary())
        .collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    let mut text = format!(
        "Read from the built-in rule files (`rules/<source>/<rule>.toml`, embedded in the \
         binary): {} rules. `certatlas rules list` shows the same, with the rules of \
         `[rules] dirs`; the rule file format is in `rules/README.md`, the fields a \
         condition reads in [rule-models.md](rule-models.md).\n\n",
        rules.len()
    );
    let rows: Vec<Vec<String>> = rules
        .iter()
        .map(|r| {
            vec![
                format!("[`{}`](#{})", r.id, anchor(&r.id)),
                r.severity.to_string(),
                r.subject.to_string(),
                cell(&r.categories.join(", ")),
                cell(&r.title),
            ]
        })
        .collect();
    text.push_str(&table(
        &["id", "severity", "subject", "PKIMM categories", "title"],
        &rows,
    ));
    for r in &rules {
        text.push_str(&format!("\n## {}\n\n{}\n\n", r.id, r.title.trim()));
        let mut facts = vec![
            ("severity", r.severity.to_string()),
            ("subject", r.subject.to_string()),
            ("condition", code(&r.condition)),
        ];
        if let Some(date) = &r.effective {
            facts.push(("effective", date.clone()));
        }
        facts.push(("rationale", cell(r.rationale.trim())));
        facts.push(("remediation", cell(r.remediation.trim())));
        if !r.references.is_empty() {
            facts.push(("references", cell(&r.references.join("; "))));
        }
        for (name, value) in facts {
            text.push_str(&format!("- **{name}**: {value}\n"));
        }
    }
    Ok(text)
}

/// The heading anchor GitHub makes of a rule id (`ietf.no-tls13` ->
/// `ietfno-tls13`).
fn anchor(id: &str) -> String {
    id.chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
        .collect::<String>()
        .to_lowercase()
}
