//! The built-in maturity profile and ladders, embedded in the binary: the
//! explicit registry of every file under `rules/maturity/`. A test checks
//! the list matches the directory.

/// `(file name, text)` of every built-in ladder, embedded.
macro_rules! ladder_files {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/maturity/", $name)))),*]
    };
}

/// The built-in profile (`rules/maturity/profile.toml`).
pub const PROFILE_FILE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/rules/maturity/profile.toml"
));

/// Every built-in ladder file, one per measured category.
pub const LADDER_FILES: &[(&str, &str)] = ladder_files![
    "certificate-management.toml",
    "change-management-and-agility.toml",
    "cryptography.toml",
    "infrastructure-management.toml",
    "interoperability.toml",
    "key-management.toml",
    "monitoring-and-auditing.toml",
    "automation.toml",
    "resilience.toml",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_lists_every_file_of_rules_maturity() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/maturity");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml") && n != "profile.toml" && n != "pkimm-model.toml")
            .collect();
        on_disk.sort();
        let mut listed: Vec<String> = LADDER_FILES.iter().map(|(n, _)| n.to_string()).collect();
        listed.sort();
        assert_eq!(listed, on_disk);
    }

    #[test]
    fn builtin_profile_loads_with_one_ladder_per_measured_category() {
        let profile = super::super::load(&Default::default()).unwrap();
        let categories: Vec<&str> = profile
            .ladders
            .iter()
            .map(|l| l.category.as_str())
            .collect();
        assert_eq!(
            categories,
            [
                "G.cryptography",
                "M.key-management",
                "M.certificate-management",
                "M.infrastructure-management",
                "M.change-management-and-agility",
                "O.resilience",
                "O.automation",
                "O.interoperability",
                "O.monitoring-and-auditing",
            ]
        );
        assert_eq!(profile.window_days, 90);
        assert_eq!(profile.digest.len(), 64);
    }
}
