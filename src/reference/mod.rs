//! The generated reference (`docs/reference/`): pages written from what
//! the code holds — the rule list, the rule models, the metric catalogue
//! and Prometheus families, the config keys, the JSON output types and the
//! database schema — so that the documentation cannot drift from the code
//! unnoticed. `tests/reference.rs` regenerates every page and fails when
//! the committed text differs; `CERTATLAS_BLESS=1 cargo test --release
//! --test reference` rewrites them.
//!
//! A leaf of the pipeline: it reads every stage and nothing reads it.

mod config;
mod database;
mod json;
mod markdown;
mod metrics;
mod models;
mod rules;
pub mod source;
mod types;

use std::path::{Path, PathBuf};

use source::SourceIndex;

/// The command that regenerates the reference, as the pages and the drift
/// test print it.
pub const REGENERATE: &str = "CERTATLAS_BLESS=1 cargo test --release --test reference";

/// The first line of every generated page.
pub fn header() -> String {
    format!(
        "<!-- Generated from the code by certatlas::reference (tests/reference.rs); do not edit. Regenerate: {REGENERATE} -->"
    )
}

/// Why the reference could not be generated or compared.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReferenceError {
    /// A source file or a committed page could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A page could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Something a page documents is not where the generator looks.
    #[error("reference generator: {what} not found")]
    Missing {
        /// What was looked for.
        what: String,
    },
    /// A built-in rule failed to load.
    #[error("reference generator: {0}")]
    Rules(#[from] crate::policy::RuleError),
    /// The built-in maturity profile failed to load.
    #[error("reference generator: {0}")]
    Ladder(#[from] crate::scoring::ladder::LadderError),
}

/// One generated page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// File name inside the reference directory.
    pub name: &'static str,
    /// Title, for the index.
    pub title: &'static str,
    /// Full text, starting with [`header`].
    pub text: String,
}

/// Every page, generated from the source tree at `root` (the crate
/// directory: `src/` and `rules/` are read from it) and from the
/// built-in rules, metrics and ladders.
pub fn generate(root: &Path) -> Result<Vec<Page>, ReferenceError> {
    let index = SourceIndex::load(root, &["src"])?;
    let bodies = [
        ("rules.md", "Built-in rules", rules::page()?),
        ("rule-models.md", "Rule models", models::page(&index)?),
        ("metrics.md", "Metrics", metrics::page()?),
        ("config.md", "Configuration keys", config::page(&index)?),
        ("json.md", "JSON outputs", json::page(&index)?),
        ("database.md", "Database schema", database::page(root)?),
    ];
    let mut pages: Vec<Page> = bodies
        .into_iter()
        .map(|(name, title, body)| Page {
            name,
            title,
            text: format!("{}\n\n# {title}\n\n{body}", header()),
        })
        .collect();
    let index_page = index_page(&pages);
    pages.insert(0, index_page);
    Ok(pages)
}

fn index_page(pages: &[Page]) -> Page {
    let mut text = format!(
        "{}\n\n# Reference\n\nGenerated from the code; each page says what it is read from. \
         To regenerate after a change: `{REGENERATE}`.\n\n",
        header()
    );
    for page in pages {
        text.push_str(&format!("- [{}]({})\n", page.title, page.name));
    }
    Page {
        name: "README.md",
        title: "Reference",
        text,
    }
}

/// Writes `pages` into `dir` (created if needed).
pub fn write_all(dir: &Path, pages: &[Page]) -> Result<(), ReferenceError> {
    let write = |path: &Path, source| ReferenceError::Write {
        path: path.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(|e| write(dir, e))?;
    for page in pages {
        let path = dir.join(page.name);
        std::fs::write(&path, &page.text).map_err(|e| write(&path, e))?;
    }
    Ok(())
}

/// How the committed directory differs from `pages`: the names of pages
/// missing or different, and of `.md` files no page produces.
pub fn differences(dir: &Path, pages: &[Page]) -> Result<Vec<String>, ReferenceError> {
    let mut out = Vec::new();
    for page in pages {
        match std::fs::read_to_string(dir.join(page.name)) {
            Ok(text) if text == page.text => {}
            Ok(_) => out.push(format!("{} differs", page.name)),
            Err(_) => out.push(format!("{} is missing", page.name)),
        }
    }
    let entries = std::fs::read_dir(dir).map_err(|source| ReferenceError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if name.ends_with(".md") && !pages.iter().any(|p| p.name == name) {
            out.push(format!("{name} is not generated (remove it)"));
        }
    }
    out.sort();
    Ok(out)
}
