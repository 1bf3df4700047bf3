//! The layer check: data flows one way through certatlas's stages, and this
//! test makes the compiler's silence about it a failure. It reads every
//! non-test source file under `src/`, takes each `crate::<module>` path it
//! names, and fails when a module names one that comes later in [`STAGES`]
//! (an arrow up the pipeline) or one that is not a stage at all.
//!
//! Test code (`tests.rs`, `*_tests.rs`, `tests/` folders and inline
//! `#[cfg(test)] mod tests`) may reach anywhere.
//!
//! Inside each stage, [`circles`] fails on files (or sub-folders) of one
//! folder that import each other in a loop. And each outside crate is
//! named by one module only ([`CRATE_OWNERS`]).
//!
//! There are no known exceptions: each check fails on the first case, and
//! its own test (on a small tree or source list) shows it failing.

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
    "pem",
    "observation",
    "located",
    "time_text",
    "sanitize",
    "document",
    "rule_vocabulary",
    "exception",
    "http",
    // the pipeline
    "targets",
    "certs",
    // vocabulary over certs: SHA-256s as bytes, texts in one column
    "columns",
    "tls",
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

/// Every `crate::<module>` a module's non-test code names, by module.
fn arrows(sources: &[(String, String)]) -> BTreeMap<String, BTreeSet<String>> {
    let mut arrows: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (top, code) in sources {
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            let module: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
                .collect();
            if !module.is_empty() && module != *top {
                arrows.entry(top.clone()).or_default().insert(module);
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
    let arrows = arrows(&non_test_sources(&src()));
    assert!(arrows.len() > 10, "the walk found the modules: {arrows:?}");
    let found = violations(&arrows);
    assert!(
        found.is_empty(),
        "imports up the pipeline (module → later stage): {found:?}; stages, earliest first: {STAGES:?}"
    );
}

/// The crate's `src` folder.
fn src() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn every_module_is_a_stage() {
    let src = src();
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
    let found = violations(&arrows(&non_test_sources(src)));
    assert_eq!(
        found,
        vec![
            ("probe".to_string(), "judge".to_string()),
            ("stray".to_string(), "certs".to_string()),
        ]
    );
}

#[test]
fn no_files_of_one_folder_import_each_other_in_a_loop() {
    let tree = circles::Tree::read(&src());
    let found = tree.circles();
    let described: Vec<String> = found
        .iter()
        .map(|circle| {
            let why = tree.evidence(circle).join("\n    ");
            format!("{}\n    {why}", circle.join(" ↔ "))
        })
        .collect();
    assert!(
        found.is_empty(),
        "sibling modules importing each other in a loop (cut along the concept: \
         shared types in mod.rs or a file of their own):\n{}",
        described.join("\n")
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

// ---------------------------------------------------------------------------
// Each outside crate in one module.

/// Outside crates and the one top-level module that may name them (issue
/// 16). Vocabulary crates are not listed and may be named anywhere: tokio,
/// serde, serde_json, time, thiserror, tracing, strum, and
/// rustls's `pki_types` (`CertificateDer`, `DnsName`, `ServerName`, named as
/// `rustls::pki_types`), and the tokio family's shared types (`tokio_util`'s
/// cancellation token, `bytes`). The `postgres` crate is not listed: its name
/// is also the name of probe's PostgreSQL STARTTLS dialect module, and the
/// store names it through `tokio_postgres` beside it.
const CRATE_OWNERS: &[(&str, &str)] = &[
    ("rustls", "tls"),
    ("tokio_rustls", "tls"),
    ("webpki", "probe"),
    ("webpki_roots", "tls"),
    ("tls_parser", "probe"),
    ("ipnetwork", "targets"),
    ("x509_parser", "certs"),
    ("sha2", "certs"),
    ("sha1", "certs"),
    ("base64", "pem"),
    ("aws_lc_rs", "certs"),
    ("rsa", "certs"),
    ("cel", "policy"),
    ("croner", "schedule"),
    ("rustix", "platform"),
    ("reqwest", "alerts"),
    ("hyper", "http"),
    ("hyper_util", "http"),
    ("http_body_util", "http"),
    ("ed25519_dalek", "evidence"),
    ("indicatif", "report"),
    ("p12_keystore", "import"),
    ("quick_xml", "import"),
    ("rcgen", "demo"),
    ("rusqlite", "store"),
    ("tokio_postgres", "store"),
    ("toml", "document"),
    ("chrono", "schedule"),
    ("fastrand", "schedule"),
    ("clap", "cli"),
    ("clap_complete", "cli"),
    ("clap_mangen", "cli"),
    ("maud", "report"),
];

/// The non-test source of every top-level module, as (module, code without
/// comments). Test files (`tests.rs`, `*_tests.rs`, `tests/` folders, files
/// of `#[cfg(test)]` modules) and inline `#[cfg(test)] mod tests` are left out.
fn non_test_sources(src: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if path.is_dir() && name != "tests" {
                stack.push(path);
            } else if name.ends_with(".rs") && name != "tests.rs" && !name.ends_with("_tests.rs") {
                files.push(path);
            }
        }
    }
    let texts: Vec<(std::path::PathBuf, String)> = files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("read source");
            (path, text)
        })
        .collect();
    let test_files = test_module_files(&texts);
    let mut sources = Vec::new();
    for (path, text) in &texts {
        let relative = path.strip_prefix(src).unwrap();
        let top = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let top = top.trim_end_matches(".rs").to_string();
        if top == "main" || top == "lib" || test_files.contains(path) {
            continue;
        }
        let code = text
            .split("#[cfg(test)]\nmod tests {")
            .next()
            .unwrap_or_default();
        let code: Vec<&str> = code
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect();
        sources.push((top, code.join("\n")));
    }
    sources
}

/// The files of modules declared under `#[cfg(test)]` (`mod testpki;`,
/// `#[path = "x.rs"] mod y;`), and everything below them.
fn test_module_files(texts: &[(std::path::PathBuf, String)]) -> BTreeSet<std::path::PathBuf> {
    let mut roots = Vec::new();
    for (path, text) in texts {
        let stem = path.file_stem().unwrap().to_string_lossy();
        let dir = if stem == "mod" || stem == "lib" || stem == "main" {
            path.parent().unwrap().to_path_buf()
        } else {
            path.with_extension("")
        };
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        for (at, line) in lines.iter().enumerate() {
            if *line != "#[cfg(test)]" {
                continue;
            }
            let mut next = at + 1;
            let mut explicit = None;
            if let Some(attr) = lines.get(next).and_then(|l| l.strip_prefix("#[path = \"")) {
                explicit = attr.strip_suffix("\"]").map(str::to_string);
                next += 1;
            }
            let Some(declared) = lines.get(next) else {
                continue;
            };
            let declared = declared
                .trim_start_matches("pub ")
                .trim_start_matches("pub(crate) ");
            let Some(name) = declared
                .strip_prefix("mod ")
                .and_then(|n| n.strip_suffix(';'))
            else {
                continue;
            };
            match explicit {
                Some(file) => roots.push(path.parent().unwrap().join(file)),
                None => {
                    roots.push(dir.join(format!("{name}.rs")));
                    roots.push(dir.join(name));
                }
            }
        }
    }
    texts
        .iter()
        .map(|(path, _)| path.clone())
        .filter(|path| roots.iter().any(|root| path.starts_with(root)))
        .collect()
}

/// (crate, module) for every listed crate a module other than its owner names.
fn crates_elsewhere(sources: &[(String, String)]) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    for (module, code) in sources {
        for (krate, owner) in CRATE_OWNERS {
            if module != owner && names_crate(code, krate) {
                found.insert((krate.to_string(), module.clone()));
            }
        }
    }
    found
}

/// Whether `code` names `krate` as a path root (`krate::…`, `use krate`),
/// not as a segment of another path (`rustls::crypto::aws_lc_rs`,
/// `super::postgres::`), and not only as `rustls::pki_types` (vocabulary).
fn names_crate(code: &str, krate: &str) -> bool {
    code.match_indices(krate).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = &code[at + krate.len()..];
        let starts_path = !matches!(before, Some(c) if c.is_alphanumeric() || c == '_' || c == ':');
        let is_root =
            after.starts_with("::") || after.starts_with(';') || after.starts_with(" as ");
        let vocabulary = krate == "rustls" && after.starts_with("::pki_types");
        starts_path && is_root && !vocabulary
    })
}

#[test]
fn each_outside_crate_is_named_by_its_owner_only() {
    let sources = non_test_sources(&src());
    assert!(sources.len() > 50, "the walk found the sources");
    let found = crates_elsewhere(&sources);
    assert!(
        found.is_empty(),
        "crates named outside their owning module (crate, module): {found:?}; owners: {CRATE_OWNERS:?}"
    );
}

#[test]
fn the_crate_checker_catches_a_crate_outside_its_owner() {
    let sources = vec![
        ("tls".to_string(), "use rustls::ClientConfig;".to_string()),
        (
            "alerts".to_string(),
            "let roots = webpki_roots::TLS_SERVER_ROOTS;".to_string(),
        ),
        (
            "cli".to_string(),
            "use rustls::pki_types::DnsName;".to_string(),
        ),
        (
            "tls".to_string(),
            "use rustls::crypto::aws_lc_rs::default_provider;".to_string(),
        ),
        // probe asks tls: the crate itself is tls's
        (
            "probe".to_string(),
            "let versions = rustls::ALL_VERSIONS;".to_string(),
        ),
        (
            "inventory".to_string(),
            "use super::postgres::Client; use sha2 as hash;".to_string(),
        ),
    ];
    let found: Vec<(String, String)> = crates_elsewhere(&sources).into_iter().collect();
    assert_eq!(
        found,
        vec![
            ("rustls".to_string(), "probe".to_string()),
            ("sha2".to_string(), "inventory".to_string()),
            ("webpki_roots".to_string(), "alerts".to_string()),
        ]
    );
}
