//! The per-database migration files: every schema version has a SQLite and
//! a PostgreSQL file and the registry includes exactly those; the SQLite
//! files take an empty database to the schema documented in `schema.rs`;
//! the PostgreSQL files take an empty database to the same tables and
//! columns, with the types that match SQLite's.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::super::schema::{migrate, supported_version, MIGRATIONS};
use super::super::sql::{params, Database, Session};
use super::{postgres_test_db, temp_db};

/// `src/store/migrations/<dialect>`.
fn folder(dialect: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src/store/migrations")
        .join(dialect)
}

/// The versions `vN.sql` found in `folder`, with their text.
fn files(folder: &Path) -> BTreeMap<u32, String> {
    let mut found = BTreeMap::new();
    for entry in std::fs::read_dir(folder).expect("migration folder") {
        let path = entry.expect("entry").path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let version = name
            .strip_prefix('v')
            .and_then(|v| v.strip_suffix(".sql"))
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or_else(|| panic!("{}: not a vN.sql migration file", path.display()));
        found.insert(version, std::fs::read_to_string(&path).expect("read"));
    }
    found
}

#[test]
fn every_version_has_a_sqlite_and_a_postgres_file_and_the_registry_runs_them() {
    let sqlite = files(&folder("sqlite"));
    let postgres = files(&folder("postgres"));
    let versions: Vec<u32> = (1..=supported_version()).collect();
    assert_eq!(sqlite.keys().copied().collect::<Vec<_>>(), versions);
    assert_eq!(postgres.keys().copied().collect::<Vec<_>>(), versions);
    for m in MIGRATIONS {
        assert_eq!(m.sqlite, sqlite[&m.version], "v{}: sqlite file", m.version);
        assert_eq!(
            m.postgres, postgres[&m.version],
            "v{}: postgres file",
            m.version
        );
        let header = format!("-- PostgreSQL form of schema version {} ", m.version);
        assert!(
            m.postgres.starts_with(&header),
            "v{}: {header:?}",
            m.version
        );
        assert!(
            !code(m.sqlite).contains("COLLATE \"C\"") && !code(m.postgres).contains("ROWID"),
            "v{}: each file in its own dialect",
            m.version
        );
    }
}

/// `sql` without its comment lines.
fn code(sql: &str) -> String {
    let lines = sql.lines().filter(|l| !l.trim_start().starts_with("--"));
    lines.collect::<Vec<_>>().join("\n")
}

/// Every table and view of a migrated SQLite database with its columns
/// and declared types.
fn sqlite_schema(conn: &dyn Session) -> BTreeMap<String, BTreeMap<String, String>> {
    let names: Vec<String> = conn
        .rows(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')
             AND name NOT LIKE 'sqlite_%' ORDER BY name",
            params![],
            |r| r.get(0),
        )
        .unwrap();
    names
        .into_iter()
        .map(|table| {
            let columns = conn
                .rows(
                    "SELECT name, type FROM pragma_table_info(?1)",
                    params![table],
                    |r| Ok((r.get::<String>(0)?, r.get::<String>(1)?)),
                )
                .unwrap();
            (table, columns.into_iter().collect())
        })
        .collect()
}

/// The tables documented in `schema.rs`'s header (`- \`name(a, b, ...)\``),
/// with their columns.
fn documented_schema() -> BTreeMap<String, BTreeSet<String>> {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store/schema.rs"))
            .unwrap();
    let doc: String = text
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .map(|l| l.trim_start_matches("//!").trim())
        .collect::<Vec<_>>()
        .join(" ");
    let mut tables = BTreeMap::new();
    for item in doc.split("- `").skip(1) {
        let Some((name, rest)) = item.split_once('(') else {
            continue;
        };
        let columns = rest.split_once(')').map_or("", |(c, _)| c);
        let columns = columns.split(',').map(|c| c.trim().to_string()).collect();
        tables.insert(name.to_string(), columns);
    }
    tables
}

#[test]
fn the_sqlite_files_migrate_an_empty_database_to_the_documented_schema() {
    let (_dir, path) = temp_db();
    let conn = Database::Sqlite(path.clone()).connect().unwrap();
    assert_eq!(migrate(conn.as_ref(), &path).unwrap(), supported_version());
    let version: u32 = conn
        .one("PRAGMA user_version", params![], |r| r.get(0))
        .unwrap();
    assert_eq!(version, supported_version());
    let migrated: BTreeMap<String, BTreeSet<String>> = sqlite_schema(conn.as_ref())
        .into_iter()
        .filter(|(_, columns)| !columns.is_empty())
        .map(|(table, columns)| (table, columns.into_keys().collect()))
        .filter(|(table, _)| table != "scan_observations")
        .collect();
    assert_eq!(
        migrated,
        documented_schema(),
        "schema.rs documents the schema"
    );
}

/// SQLite's declared type as PostgreSQL names the column's type.
fn postgres_type(sqlite: &str) -> &str {
    match sqlite {
        "INTEGER" => "bigint",
        "TEXT" => "text",
        "REAL" => "double precision",
        "BLOB" => "bytea",
        other => panic!("a SQLite type the PostgreSQL files do not map: {other:?}"),
    }
}

#[test]
fn the_postgres_files_migrate_to_the_tables_and_columns_of_the_sqlite_files() {
    let db = match postgres_test_db() {
        Ok(db) => db,
        Err(why) => {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "SKIPPED: PostgreSQL migrations: {why}");
            return;
        }
    };
    let conn = db.database().connect().unwrap();
    let location = db.database().location();
    assert_eq!(
        migrate(conn.as_ref(), &location).unwrap(),
        supported_version()
    );
    let mut postgres: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let columns: Vec<(String, String, String)> = conn
        .rows(
            "SELECT table_name::text, column_name::text, data_type::text
             FROM information_schema.columns WHERE table_schema = current_schema()",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    for (table, column, data_type) in columns {
        postgres.entry(table).or_default().insert(column, data_type);
    }

    let (_dir, path) = temp_db();
    let lite = Database::Sqlite(path.clone()).connect().unwrap();
    migrate(lite.as_ref(), &path).unwrap();
    let sqlite = sqlite_schema(lite.as_ref());

    let names = |s: &BTreeMap<String, BTreeMap<String, String>>| -> Vec<(String, Vec<String>)> {
        s.iter()
            .map(|(t, c)| (t.clone(), c.keys().cloned().collect()))
            .collect()
    };
    assert_eq!(names(&postgres), names(&sqlite), "same tables and columns");
    // schema_migrations is made by schema.rs with one statement for both
    // databases (`INTEGER` stays `integer` in PostgreSQL), as it always was.
    for (table, columns) in sqlite.iter().filter(|(t, _)| *t != "schema_migrations") {
        for (column, declared) in columns {
            if declared.is_empty() {
                continue; // a view's computed column: SQLite declares no type
            }
            assert_eq!(
                postgres[table][column],
                postgres_type(declared),
                "{table}.{column}"
            );
        }
    }
    let applied: i64 = conn
        .one("SELECT count(*) FROM schema_migrations", params![], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(applied, i64::from(supported_version()));
}
