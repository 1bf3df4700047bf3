//! The built-in rules and example fixtures, embedded in the binary: the
//! explicit registry of every file under `rules/` (maturity ladders and the
//! rule data of `rules/data/`, embedded by [`super::distrust`], aside)
//! and `fixtures/rules/`. A test checks the lists match the directories.

use std::path::PathBuf;

use super::error::RuleError;
use super::{rulefile, Rule};

/// `(path under rules/, text)` of every built-in rule, embedded.
macro_rules! rule_files {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $path)))),*]
    };
}

/// `(name, text)` of every built-in fixture, embedded.
macro_rules! fixture_files {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/rules/", $name, ".json")))),*]
    };
}

/// Every built-in rule file.
pub const RULE_FILES: &[(&str, &str)] = rule_files![
    "cabf/distrusted-public-ca.toml",
    "cabf/lifetime-100-days.toml",
    "cabf/lifetime-200-days.toml",
    "cabf/lifetime-398-days.toml",
    "cabf/lifetime-47-days.toml",
    "ietf/chain-incomplete.toml",
    "ietf/chain-out-of-order.toml",
    "ietf/chain-root-included.toml",
    "ietf/chain-unrelated-certificates.toml",
    "ietf/host-name-mismatch.toml",
    "ietf/no-hybrid-pq-key-exchange.toml",
    "ietf/san-missing.toml",
    "ietf/sslv3-accepted.toml",
    "ietf/static-rsa-key-exchange.toml",
    "ietf/tls10-tls11-accepted.toml",
    "ietf/weak-cipher-suites.toml",
    "ietf/wildcard-certificate.toml",
    "inventory/ca-expiring-within-90-days.toml",
    "inventory/expiring-within-30-days.toml",
    "inventory/expiring-within-7-days.toml",
    "inventory/incomplete-scan.toml",
    "inventory/key-reuse.toml",
    "inventory/lifetime-over-398-days.toml",
    "inventory/name-conflict.toml",
    "inventory/no-approved-anchors.toml",
    "inventory/owner-unassigned.toml",
    "inventory/self-signed-leaf.toml",
    "inventory/shadow-ca-issued.toml",
    "inventory/unknown-issuer.toml",
    "nist/ca-key-too-weak.toml",
    "nist/dsa-key.toml",
    "nist/ec-key-below-256.toml",
    "nist/md5-signed-leaf.toml",
    "nist/no-tls13.toml",
    "nist/rsa-key-below-2048.toml",
    "nist/sha1-signed-leaf.toml",
    "nist/weak-hash-signed-intermediate.toml",
    "rfc5280/ca-expired.toml",
    "rfc5280/ca-flag-on-leaf.toml",
    "rfc5280/ca-missing-ca-flag.toml",
    "rfc5280/expired.toml",
    "rfc5280/key-usage-inconsistent.toml",
    "rfc5280/missing-server-auth-eku.toml",
    "rfc5280/no-revocation-info.toml",
    "rfc5280/revoked-certificate-served.toml",
    "rfc5280/not-version-3.toml",
    "rfc5280/not-yet-valid.toml",
];

/// Every built-in fixture.
pub const FIXTURE_FILES: &[(&str, &str)] = fixture_files![
    "ca-issuing",
    "ca-root",
    "ca-shadow-root",
    "chain-good-rsa",
    "chain-missing-intermediate",
    "chain-root-included",
    "endpoint-good-rsa",
    "endpoint-legacy-tls10",
    "endpoint-tls12-only",
    "inventory-lab",
    "leaf-ed25519",
    "leaf-expired",
    "leaf-expiring-soon",
    "leaf-good-ecdsa",
    "leaf-good-rsa",
    "leaf-missing-intermediate",
    "leaf-root-included",
    "leaf-rsa-1024",
    "leaf-self-signed",
    "leaf-sha1-signed",
    "leaf-shadow-ca",
    "leaf-wrong-host",
];

/// The built-in rules, parsed, with their texts.
pub fn rules() -> Result<Vec<(Rule, String)>, RuleError> {
    RULE_FILES
        .iter()
        .map(|(path, text)| {
            let path = PathBuf::from("rules").join(path);
            Ok((rulefile::parse(text, &path, true)?, text.to_string()))
        })
        .collect()
}

/// The text of the built-in fixture `name`.
pub fn fixture(name: &str) -> Option<&'static str> {
    FIXTURE_FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;
    use crate::policy::{examples, RuleSet};

    fn files_under(dir: &Path, root: &Path, found: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("readable") {
            let path = entry.expect("entry").path();
            let skipped = |n: &std::ffi::OsStr| n == "maturity" || n == "data";
            if path.is_dir() && path.file_name().is_some_and(|n| !skipped(n)) {
                files_under(&path, root, found);
            } else if path.extension().is_some_and(|e| e == "toml") {
                let relative = path.strip_prefix(root).expect("under root");
                found.insert(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }

    #[test]
    fn the_registry_lists_exactly_the_rule_files_and_fixtures() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        let mut on_disk = BTreeSet::new();
        files_under(&root, &root, &mut on_disk);
        let registered: BTreeSet<String> = RULE_FILES.iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(on_disk, registered);
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules");
        let on_disk: BTreeSet<String> = std::fs::read_dir(fixtures)
            .expect("fixtures dir")
            .filter_map(|e| {
                e.ok()?
                    .path()
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
            })
            .filter(|name| name != "README")
            .collect();
        let registered: BTreeSet<String> =
            FIXTURE_FILES.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(on_disk, registered);
    }

    #[test]
    fn at_least_thirty_rules_with_ids_matching_their_paths() {
        let rules = RuleSet::builtin().expect("built-in rules load");
        assert!(rules.rules().len() >= 30, "{} rules", rules.rules().len());
        for rule in rules.rules() {
            let path = rule
                .origin
                .path
                .strip_prefix("rules")
                .expect("under rules/");
            let source = path.parent().expect("source dir").to_string_lossy();
            let stem = path.file_stem().expect("stem").to_string_lossy();
            assert_eq!(
                rule.id,
                format!("{source}.{stem}"),
                "id of {}",
                path.display()
            );
            assert!(!rule.references.is_empty() && rule.references.iter().all(|r| !r.is_empty()));
            assert!(rule
                .categories
                .iter()
                .all(|c| crate::policy::category::find(c).is_some()));
        }
    }

    #[test]
    fn every_built_in_example_holds_and_each_rule_has_both_sides() {
        let rules = RuleSet::builtin().expect("built-in rules load");
        let results = examples::run_all(&rules);
        let failed: Vec<_> = results.iter().filter(|r| !r.ok).collect();
        assert!(failed.is_empty(), "{failed:#?}");
        for rule in rules.rules() {
            let sides: BTreeSet<&str> = results
                .iter()
                .filter(|r| r.rule == rule.id)
                .map(|r| r.expected.as_str())
                .collect();
            assert_eq!(sides, BTreeSet::from(["finding", "pass"]), "{}", rule.id);
        }
    }
}
