//! The layer check: data flows one way through certatlas's stages, and this
//! test makes the compiler's silence about it a failure. It reads every
//! non-test source file under `src/`, takes each `crate::<module>` path it
//! names, and fails when a module names one that comes later in [`STAGES`]
//! (an arrow up the pipeline) or one that is not a stage at all.
//!
//! [`KNOWN_UPWARD`] lists the arrows that exist today and are to be
//! removed (issue 16); the test also fails when one of them is gone, so the
//! list can only shrink. Test code (`tests.rs`, `*_tests.rs`, `tests/`
//! folders and inline `#[cfg(test)] mod tests`) may reach anywhere.
//!
//! Inside each stage, [`circles`] fails on files (or sub-folders) of one
//! folder that import each other in a loop; [`KNOWN_CIRCLES`] lists the
//! loops left in folders being reworked, and can only shrink too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[path = "layers/circles.rs"]
mod circles;

/// The top-level modules, earliest first: a module may name itself and
/// those before it. Leaf vocabulary first, the command line and its
/// wiring last.
const STAGES: &[&str] = &[
    // leaf vocabulary: no stage of their own
    "clock",
    "at_rest",
    "platform",
    "parallel",
    "schedule",
    "observation",
    "located",
    "time_text",
    "sanitize",
    "document",
    "rule_vocabulary",
    // the pipeline
    "targets",
    "certs",
    "probe",
    "scan",
    "store",
    "inventory",
    "revocation",
    "config",
    "policy",
    "scoring",
    "judge",
    "report",
    "evidence",
    "alerts",
    "import",
    "demo",
    "cli",
    "app",
    // generates docs/reference from the code; nothing reads it
    "reference",
];

/// Upward arrows that exist today, each to be removed (issue 16):
/// (from, to, why it is there).
const KNOWN_UPWARD: &[(&str, &str, &str)] = &[];

/// Every `crate::<module>` a module's non-test code names, by module.
fn arrows(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut arrows: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if path.is_dir() {
                if name != "tests" {
                    stack.push(path);
                }
                continue;
            }
            if !name.ends_with(".rs") || name == "tests.rs" || name.ends_with("_tests.rs") {
                continue;
            }
            let relative = path.strip_prefix(src).unwrap();
            let top = relative
                .components()
                .next()
                .unwrap()
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            if top == "main" || top == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read source");
            let code = text
                .split("#[cfg(test)]\nmod tests {")
                .next()
                .unwrap_or_default();
            let code: String = code
                .lines()
                .filter(|line| !line.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            for (at, _) in code.match_indices("crate::") {
                let rest = &code[at + "crate::".len()..];
                let module: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
                    .collect();
                if !module.is_empty() && module != top {
                    arrows.entry(top.clone()).or_default().insert(module);
                }
            }
        }
    }
    arrows
}

/// The arrows that run up [`STAGES`] or to an unknown module.
fn violations(arrows: &BTreeMap<String, BTreeSet<String>>) -> Vec<(String, String)> {
    let rank = |m: &str| STAGES.iter().position(|s| *s == m);
    let mut found = Vec::new();
    for (from, targets) in arrows {
        for to in targets {
            let upward = match (rank(from), rank(to)) {
                (Some(f), Some(t)) => t > f,
                _ => true,
            };
            if upward {
                found.push((from.clone(), to.clone()));
            }
        }
    }
    found
}

#[test]
fn no_module_imports_a_later_stage() {
    let arrows = arrows(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(arrows.len() > 10, "the walk found the modules: {arrows:?}");
    let found: BTreeSet<(String, String)> = violations(&arrows).into_iter().collect();
    let known: BTreeSet<(String, String)> = KNOWN_UPWARD
        .iter()
        .map(|(f, t, _)| (f.to_string(), t.to_string()))
        .collect();
    let new: Vec<_> = found.difference(&known).collect();
    assert!(
        new.is_empty(),
        "imports up the pipeline (module → later stage): {new:?}; stages, earliest first: {STAGES:?}"
    );
    let gone: Vec<_> = known.difference(&found).collect();
    assert!(
        gone.is_empty(),
        "known upward imports no longer present (remove them from KNOWN_UPWARD): {gone:?}"
    );
}

#[test]
fn every_module_is_a_stage() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in std::fs::read_dir(&src).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        let module = name.trim_end_matches(".rs");
        if module != "main" && module != "lib" {
            assert!(STAGES.contains(&module), "{module} is in no stage");
        }
    }
}

#[test]
fn the_checker_catches_an_upward_import_and_an_unknown_module() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("probe")).unwrap();
    std::fs::create_dir_all(src.join("scoring/tests")).unwrap();
    // probe reaching into the judging stage: upward
    std::fs::write(
        src.join("probe/mod.rs"),
        "use crate::judge::Judge;\nuse crate::certs::view;\n",
    )
    .unwrap();
    // scoring reading the store: downward, fine; its tests may reach anywhere
    std::fs::write(src.join("scoring/mod.rs"), "use crate::store;\n").unwrap();
    std::fs::write(src.join("scoring/tests/mod.rs"), "use crate::app::run;\n").unwrap();
    std::fs::write(src.join("scoring/card_tests.rs"), "use crate::cli::Cli;\n").unwrap();
    // an inline test module is test code too
    std::fs::write(
        src.join("clock.rs"),
        "pub fn now() {}\n#[cfg(test)]\nmod tests {\n    use crate::app::run;\n}\n",
    )
    .unwrap();
    // a module outside the stage list
    std::fs::write(src.join("stray.rs"), "use crate::certs::view;\n").unwrap();
    let found = violations(&arrows(src));
    assert_eq!(
        found,
        vec![
            ("probe".to_string(), "judge".to_string()),
            ("stray".to_string(), "certs".to_string()),
        ]
    );
}

/// Loops of sibling files or folders that exist today, in folders being
/// reworked on other branches (issue 16): each `folder/child` loop, sorted,
/// and why it is there. The test fails when one is gone, so the list can
/// only shrink; it is to be empty once those branches are merged.
const KNOWN_CIRCLES: &[(&[&str], &str)] = &[
    (
        &["cli/policy", "cli/settings"],
        "the policy request fails with settings' SettingsError; settings builds the policy request (cli arguments being flattened)",
    ),
    (
        &["report/audit", "report/score"],
        "the score report reads audit::TrendPoint; the audit HTML reads score::overall_basis (audit report moving to templates)",
    ),
];

#[test]
fn no_files_of_one_folder_import_each_other_in_a_loop() {
    let tree = circles::Tree::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let found = tree.circles();
    let known: BTreeSet<Vec<String>> = KNOWN_CIRCLES
        .iter()
        .map(|(circle, _)| circle.iter().map(|m| m.to_string()).collect())
        .collect();
    let new: Vec<String> = found
        .difference(&known)
        .map(|circle| {
            let why = tree.evidence(circle).join("\n    ");
            format!("{}\n    {why}", circle.join(" ↔ "))
        })
        .collect();
    assert!(
        new.is_empty(),
        "sibling modules importing each other in a loop (cut along the concept: \
         shared types in mod.rs or a file of their own):\n{}",
        new.join("\n")
    );
    let gone: Vec<_> = known.difference(&found).collect();
    assert!(
        gone.is_empty(),
        "known circles no longer present (remove them from KNOWN_CIRCLES): {gone:?}"
    );
}

#[test]
fn the_circle_checker_follows_super_crate_self_and_reexports() {
    let tree = circles::tree_of(&[
        // a plain pair: a → b by super::, b → a by crate::
        (
            "app/mod.rs",
            "mod a;\nmod b;\nmod c;\nmod d;\npub use d::Shared;\n",
        ),
        ("app/a.rs", "use super::b::run;\n"),
        ("app/b.rs", "pub fn run() { crate::app::a::go() }\n"),
        // c → d through the re-export in mod.rs; d → c by an inline path
        ("app/c.rs", "use super::{Shared, a as _};\n"),
        (
            "app/d.rs",
            "pub struct Shared;\nfn f() { super::c::g(); }\n",
        ),
        // a folder as one node: x/inner.rs → y, y → x (x/mod.rs)
        (
            "scan/mod.rs",
            "mod x;\nmod y;\nmod z;\n#[cfg(test)]\nmod z_check;\n",
        ),
        ("scan/x/mod.rs", "mod inner;\npub struct X;\n"),
        ("scan/x/inner.rs", "use super::super::y::Y;\n"),
        ("scan/y.rs", "pub struct Y(crate::scan::x::X);\n"),
        // downward only, and test code reaching back: no loop
        (
            "scan/z.rs",
            "use super::y::Y;\n#[cfg(test)]\nmod tests {\n    use super::super::x::X;\n}\n",
        ),
        ("scan/z_check.rs", "use super::z;\n"),
        ("scan/y_tests.rs", "use super::z;\n"),
        // a comment is no import
        ("judge/mod.rs", "mod p;\nmod q;\n"),
        ("judge/p.rs", "use super::q::Q;\n"),
        ("judge/q.rs", "// see super::p::P\npub struct Q;\n"),
    ]);
    let found: Vec<Vec<String>> = tree.circles().into_iter().collect();
    let expected: Vec<Vec<String>> = [
        vec!["app/a", "app/b"],
        vec!["app/c", "app/d"],
        vec!["scan/x", "scan/y"],
    ]
    .iter()
    .map(|c| c.iter().map(|m| m.to_string()).collect())
    .collect();
    assert_eq!(found, expected);
}
