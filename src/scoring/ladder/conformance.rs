//! Whether a profile's ladders implement the PKIMM model they claim to:
//! categories, weights and requirements (ids, weights, each classed) as
//! the model data says, and no criterion rating a requirement without
//! evidence.

use std::collections::BTreeSet;

use super::{Evidence, Profile};
use crate::policy::category::CATEGORIES;
use crate::scoring::model::Model;

/// Where a profile disagrees with the model: one line per problem, empty
/// when every ladder's category, weight and requirements (ids, weights,
/// each classed) match the model and the category list of
/// `policy::category` matches it too.
pub fn model_disagreements(model: &Model, profile: &Profile) -> Vec<String> {
    let mut problems = Vec::new();
    let ids: Vec<&str> = model.categories.iter().map(|c| c.id.as_str()).collect();
    let ours: Vec<&str> = CATEGORIES.iter().map(|c| c.id).collect();
    if ids != ours {
        problems.push(format!(
            "categories {ids:?} differ from certatlas's {ours:?}"
        ));
    }
    for c in CATEGORIES {
        if let Some(m) = model.category(c.id) {
            if m.weight != c.weight {
                problems.push(format!(
                    "{}: weight {} in the model, {} in certatlas",
                    c.id, m.weight, c.weight
                ));
            }
        }
    }
    let names: Vec<&str> = model.levels.iter().map(|l| l.name.as_str()).collect();
    if names
        != [
            "Initial",
            "Foundational",
            "Advanced",
            "Managed",
            "Optimized",
        ]
    {
        problems.push(format!("level names {names:?}"));
    }
    for ladder in &profile.ladders {
        let Some(category) = model.category(&ladder.category) else {
            problems.push(format!("{}: not a category of the model", ladder.category));
            continue;
        };
        let mut seen = BTreeSet::new();
        for r in &ladder.requirements {
            let short = ladder.short_id(r);
            seen.insert(short.to_string());
            match category.requirement(short) {
                None => problems.push(format!("{}: not a requirement of the model", r.id)),
                Some(m) if m.weight != r.weight => problems.push(format!(
                    "{}: weight {} in {}, {} in the model",
                    r.id, r.weight, ladder.source, m.weight
                )),
                Some(_) => {}
            }
        }
        for m in &category.requirements {
            if !seen.contains(&m.id) {
                problems.push(format!(
                    "{}.{}: not classed in {} (direct, partial or none)",
                    ladder.category, m.id, ladder.source
                ));
            }
        }
        for c in &ladder.criteria {
            for short in &c.requirements {
                let rated = ladder
                    .requirements
                    .iter()
                    .any(|r| ladder.short_id(r) == short && r.evidence != Evidence::None);
                if !rated {
                    problems.push(format!(
                        "{}/{}: rates {short:?}, which has no evidence",
                        ladder.category, c.id
                    ));
                }
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::model_disagreements as check;
    use crate::scoring::ladder::{self, Overrides};
    use crate::scoring::model::builtin;

    #[test]
    fn every_ladder_agrees_with_the_model() {
        let profile = ladder::load(&Overrides::default()).unwrap();
        assert_eq!(check(builtin(), &profile), Vec::<String>::new());
        // The nine ladders class all 45 requirements of their categories.
        let classed: usize = profile.ladders.iter().map(|l| l.requirements.len()).sum();
        assert_eq!((profile.ladders.len(), classed), (9, 45));
    }

    #[test]
    fn the_checker_fails_when_a_weight_changes() {
        let profile = ladder::load(&Overrides::default()).unwrap();
        // A requirement weight changed in the model data...
        let mut model = builtin().clone();
        let cert = model
            .categories
            .iter_mut()
            .find(|c| c.id == "M.certificate-management")
            .unwrap();
        cert.requirements[2].weight = 4; // cert-inventory: 3 in the model
        let problems = check(&model, &profile);
        assert_eq!(
            problems,
            ["M.certificate-management.cert-inventory: weight 3 in \
              rules/maturity/certificate-management.toml, 4 in the model"]
        );
        // ...or in a ladder, or a category weight, or a requirement dropped.
        let mut changed = profile.clone();
        changed.ladders[0].requirements[1].weight = 6;
        assert!(check(builtin(), &changed)[0].contains("weight 6 in"));
        let mut model = builtin().clone();
        model.categories[4].weight = 4;
        assert!(check(&model, &profile)[0].contains("G.cryptography: weight 4 in the model"));
        let mut unclassed = profile.clone();
        unclassed.ladders[1].requirements.pop();
        assert!(check(builtin(), &unclassed)[0].contains("not classed"));
    }
}
