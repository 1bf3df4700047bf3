//! The generated reference (`docs/reference/`) must be what the code
//! generates now: this test regenerates every page into a temporary
//! directory and fails, naming the pages, when the committed text differs.
//! `CERTATLAS_BLESS=1 cargo test --release --test reference` rewrites the
//! committed pages instead (then review and commit them).

use std::path::Path;

use certatlas::reference::{self, differences, generate, write_all};

#[test]
fn the_committed_reference_is_what_the_code_generates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let committed = root.join("docs/reference");
    let pages = generate(root).expect("the reference generates");
    if std::env::var_os("CERTATLAS_BLESS").is_some() {
        write_all(&committed, &pages).expect("write docs/reference");
        eprintln!("docs/reference regenerated ({} pages)", pages.len());
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    write_all(scratch.path(), &pages).unwrap();
    let fresh = std::fs::read_to_string(scratch.path().join("rules.md")).unwrap();
    assert!(
        fresh.starts_with(&reference::header()),
        "pages say they are generated"
    );
    let drift = differences(&committed, &pages).expect("docs/reference is readable");
    assert!(
        drift.is_empty(),
        "docs/reference is out of date with the code:\n  {}\nRegenerate with: {}\nthen review and commit docs/reference/.",
        drift.join("\n  "),
        reference::REGENERATE
    );
}

/// The comparison is honest: a page changed by hand, or missing, or one
/// no generator writes, is reported.
#[test]
fn a_changed_missing_or_stray_page_is_reported() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let pages = generate(root).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_all(dir.path(), &pages).unwrap();
    assert_eq!(
        differences(dir.path(), &pages).unwrap(),
        Vec::<String>::new()
    );
    let metrics = dir.path().join("metrics.md");
    let text = std::fs::read_to_string(&metrics).unwrap();
    std::fs::write(&metrics, text.replace("owner_coverage", "owner_cover")).unwrap();
    std::fs::remove_file(dir.path().join("config.md")).unwrap();
    std::fs::write(dir.path().join("old.md"), "x").unwrap();
    assert_eq!(
        differences(dir.path(), &pages).unwrap(),
        [
            "config.md is missing",
            "metrics.md differs",
            "old.md is not generated (remove it)"
        ]
    );
}

/// A change in the code (here: a doc comment of a config key, in a copy
/// of the source tree) changes the generated text.
#[test]
fn a_change_in_the_code_changes_the_reference() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copy = tempfile::tempdir().unwrap();
    copy_tree(&root.join("src"), &copy.path().join("src"));
    std::fs::copy(root.join("Cargo.toml"), copy.path().join("Cargo.toml")).unwrap();
    let before = generate(copy.path()).unwrap();
    let scope = copy.path().join("src/config/scope.rs");
    let text = std::fs::read_to_string(&scope).unwrap();
    let changed = text.replacen("    per_host:", "    /// Renamed.\n    per_host_x:", 1);
    assert_ne!(text, changed, "the scope table has a per_host key");
    std::fs::write(&scope, changed).unwrap();
    let after = generate(copy.path()).unwrap();
    let config = |pages: &[reference::Page]| {
        pages
            .iter()
            .find(|p| p.name == "config.md")
            .map(|p| p.text.clone())
            .unwrap()
    };
    assert!(config(&after).contains("| `per_host_x` |"));
    assert!(!config(&before).contains("per_host_x"));
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
