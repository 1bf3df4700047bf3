//! `database.md`: the inventory database schema, read from the migration
//! files (`src/store/migrations/sqlite/v*.sql`; PostgreSQL runs the
//! same schema from `migrations/postgres/`) and the migration list in `schema.rs`: every table and
//! view with its columns as the migrations leave them (and the version
//! that added each), the indexes, then each migration's text.

use std::path::Path;

use super::markdown::{cell, code, table};
use super::ReferenceError;

const STORE: &str = "src/store";

/// The SQLite migration files, the ones the page is read from.
const MIGRATIONS: &str = "src/store/migrations/sqlite";

/// One migration file.
struct Migration {
    version: u32,
    name: String,
    sql: String,
}

/// A table or view as the migrations leave it.
#[derive(Default)]
struct Table {
    name: String,
    kind: &'static str,
    since: u32,
    about: String,
    columns: Vec<(String, String, u32)>,
}

/// The page.
pub fn page(root: &Path) -> Result<String, ReferenceError> {
    let migrations = migrations(&root.join(STORE), &root.join(MIGRATIONS))?;
    let (tables, indexes) = replay(&migrations);
    let mut text = String::from(
        "Read from the SQLite migration files (`src/store/migrations/sqlite/v*.sql`; \
         PostgreSQL runs its own files of the same schema, `src/store/migrations/postgres/`). `since` is the schema version that added \
         a table or column. Timestamps are RFC 3339 text; fingerprints lowercase hex.\n\n\
         ## Tables and views\n",
    );
    for t in &tables {
        text.push_str(&format!(
            "\n### `{}` ({}, since v{})\n\n",
            t.name, t.kind, t.since
        ));
        if !t.about.is_empty() {
            text.push_str(&format!("{}\n\n", cell(&t.about)));
        }
        let rows: Vec<Vec<String>> = t
            .columns
            .iter()
            .map(|(name, def, since)| vec![code(name), def.clone(), format!("v{since}")])
            .collect();
        if !rows.is_empty() {
            text.push_str(&table(&["column", "definition", "since"], &rows));
        }
    }
    if let Some(ddl) = bookkeeping(root)? {
        text.push_str(&format!(
            "\n### `schema_migrations` (table)\n\nOne row per applied migration, created by \
             `schema.rs` before the first:\n\n```sql\n{ddl}\n```\n"
        ));
    }
    text.push_str("\n## Indexes\n\n");
    text.push_str(&table(&["index", "definition", "since"], &indexes));
    text.push_str("\n## Migrations\n");
    for m in &migrations {
        text.push_str(&format!(
            "\n### v{}: {}\n\n```sql\n{}\n```\n",
            m.version,
            m.name,
            m.sql.trim_end()
        ));
    }
    Ok(text)
}

/// The `schema_migrations` DDL of `schema.rs`, when it is written there.
fn bookkeeping(root: &Path) -> Result<Option<String>, ReferenceError> {
    let path = root.join(STORE).join("schema.rs");
    let text =
        std::fs::read_to_string(&path).map_err(|source| ReferenceError::Read { path, source })?;
    let Some((_, rest)) = text.split_once("const SCHEMA_MIGRATIONS: &str = \"") else {
        return Ok(None);
    };
    Ok(rest.split_once("\";").map(|(ddl, _)| ddl.to_string()))
}

/// Every `v<N>.sql` of `dir` in version order, named as `schema.rs` (in
/// `store`) names it.
fn migrations(store: &Path, dir: &Path) -> Result<Vec<Migration>, ReferenceError> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|source| ReferenceError::Read {
            path: path.to_path_buf(),
            source,
        })
    };
    let registry = read(&store.join("schema.rs"))?;
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|source| ReferenceError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().to_string();
        let version = file
            .strip_prefix('v')
            .and_then(|v| v.strip_suffix(".sql"))
            .and_then(|v| v.parse::<u32>().ok());
        if let Some(version) = version {
            out.push(Migration {
                version,
                name: migration_name(&registry, &file),
                sql: read(&entry.path())?,
            });
        }
    }
    out.sort_by_key(|m| m.version);
    match out.is_empty() {
        true => Err(ReferenceError::Missing {
            what: format!("{MIGRATIONS}/v*.sql"),
        }),
        false => Ok(out),
    }
}

/// The `name: "..."` given next to `include_str!("<file>")` in schema.rs.
fn migration_name(registry: &str, file: &str) -> String {
    let lines: Vec<&str> = registry.lines().collect();
    let Some(at) = lines
        .iter()
        .position(|l| l.contains(&format!("include_str!(\"migrations/sqlite/{file}\")")))
    else {
        return "(not registered in schema.rs)".into();
    };
    lines[at.saturating_sub(2)..at]
        .iter()
        .find_map(|l| l.trim().strip_prefix("name: \""))
        .map(|n| n.trim_end_matches("\",").to_string())
        .unwrap_or_default()
}

/// Tables, views and indexes after every migration.
fn replay(migrations: &[Migration]) -> (Vec<Table>, Vec<Vec<String>>) {
    let mut tables: Vec<Table> = Vec::new();
    let mut indexes: Vec<(String, String, u32)> = Vec::new();
    for m in migrations {
        let mut comments: Vec<String> = Vec::new();
        let mut lines = m.sql.lines();
        while let Some(line) = lines.next() {
            let trimmed = line.trim();
            if let Some(comment) = trimmed.strip_prefix("--") {
                comments.push(comment.trim().to_string());
                continue;
            }
            let about = std::mem::take(&mut comments).join(" ");
            let words: Vec<&str> = trimmed.split_whitespace().collect();
            match words.as_slice() {
                ["CREATE", "TABLE", name, ..] => {
                    let mut t = Table {
                        name: name.trim_end_matches('(').to_string(),
                        kind: "table",
                        since: m.version,
                        about,
                        ..Table::default()
                    };
                    for column in lines.by_ref() {
                        if column.trim_start().starts_with(')') {
                            break;
                        }
                        push_column(&mut t, column, m.version);
                    }
                    tables.push(t);
                }
                ["CREATE", "VIEW", name, ..] => tables.push(Table {
                    name: name.to_string(),
                    kind: "view",
                    since: m.version,
                    about,
                    ..Table::default()
                }),
                ["ALTER", "TABLE", name, "ADD", "COLUMN", column @ ..] => {
                    if let Some(t) = tables.iter_mut().find(|t| t.name == *name) {
                        let def = column.join(" ");
                        push_column(t, def.trim_end_matches(';'), m.version);
                    }
                }
                ["CREATE", "INDEX" | "UNIQUE", ..] => {
                    let name = words
                        .iter()
                        .skip_while(|w| **w != "INDEX")
                        .nth(1)
                        .unwrap_or(&"");
                    let def = trimmed.trim_end_matches(';').to_string();
                    indexes.push((name.to_string(), def, m.version));
                }
                ["DROP", "INDEX", name, ..] => {
                    let name = name.trim_end_matches(';');
                    indexes.retain(|(n, _, _)| n != name);
                }
                ["DROP", "TABLE" | "VIEW", name, ..] => {
                    let name = name.trim_end_matches(';');
                    tables.retain(|t| t.name != name);
                }
                _ => {}
            }
        }
    }
    let indexes = indexes
        .into_iter()
        .map(|(name, def, since)| vec![code(&name), code(&def), format!("v{since}")])
        .collect();
    (tables, indexes)
}

/// A column definition line (table constraints are kept as they are,
/// named by their first word).
fn push_column(t: &mut Table, line: &str, since: u32) {
    let (line, comment) = line.split_once("--").unwrap_or((line, ""));
    let line = line.trim().trim_end_matches(',').trim();
    if line.is_empty() {
        return;
    }
    let (name, def) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let mut def = code(def.trim());
    if !comment.trim().is_empty() {
        def = format!("{def} {}", cell(comment.trim()));
    }
    t.columns.push((name.to_string(), def, since));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_migration_table_and_added_column_is_listed() {
        let text = page(Path::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        for needle in [
            "### `scans` (table, since v1)",
            "| `lineage` | `INTEGER` | v7 |",
            "### `schema_migrations` (table)",
            "### `scan_observations` (view, since v7)",
            "### v9: imported files",
            "| `imports_by_scan` |",
        ] {
            assert!(text.contains(needle), "{needle} missing");
        }
        assert!(
            !text.contains("`observations_by_scan`"),
            "an index v7 dropped is not listed"
        );
    }
}
