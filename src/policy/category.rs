//! The PKI Maturity Model's category ids (PKIMM 2.0.0, `pkic/pkimm`), with
//! their module and weight: the one list rule files and scores refer to.

/// One PKIMM category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Category {
    /// Stable id, e.g. `M.certificate-management`.
    pub id: &'static str,
    /// Module: Governance, Management, Operations or Resources.
    pub module: &'static str,
    /// The category's weight in the model's roll-up.
    pub weight: u32,
}

const fn category(id: &'static str, module: &'static str, weight: u32) -> Category {
    Category { id, module, weight }
}

/// The 16 categories of PKIMM 2.0.0.
pub const CATEGORIES: [Category; 16] = [
    category("G.strategy-and-vision", "Governance", 5),
    category("G.policies-and-documentation", "Governance", 4),
    category("G.compliance", "Governance", 2),
    category("G.processes-and-procedures", "Governance", 3),
    category("G.cryptography", "Governance", 5),
    category("M.key-management", "Management", 4),
    category("M.certificate-management", "Management", 4),
    category("M.infrastructure-management", "Management", 2),
    category("M.change-management-and-agility", "Management", 3),
    category("O.resilience", "Operations", 4),
    category("O.automation", "Operations", 2),
    category("O.interoperability", "Operations", 2),
    category("O.monitoring-and-auditing", "Operations", 2),
    category("R.sourcing", "Resources", 4),
    category("R.knowledge-and-training", "Resources", 3),
    category("R.awareness", "Resources", 3),
];

/// The category with this id, if it exists.
pub fn find(id: &str) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_unique_categories_in_four_modules() {
        let mut ids: Vec<&str> = CATEGORIES.iter().map(|c| c.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 16);
        assert_eq!(find("M.key-management").map(|c| c.weight), Some(4));
        assert!(find("M.keys").is_none());
        for c in CATEGORIES {
            assert_eq!(&c.id[..1], &c.module[..1], "{} sits in {}", c.id, c.module);
        }
    }
}
