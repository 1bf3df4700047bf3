//! A fresh PostgreSQL database for one integration test, on the server
//! named by `CERTATLAS_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`, which `.ci/run` starts).
//! Without a server the caller gets `None` and a `SKIPPED` line is printed
//! past the test harness's output capture, never silently.

use std::io::Write;

/// A database created for one test and dropped after it.
pub struct TestDatabase {
    admin: String,
    name: String,
    /// The URL certatlas's `--db` takes.
    pub url: String,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
            let _ = client.batch_execute(&drop);
        }
    }
}

/// A new empty database named after `test`, or `None` (with a `SKIPPED`
/// line) when no server answers.
pub fn database(test: &str) -> Option<TestDatabase> {
    let admin = std::env::var("CERTATLAS_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_string());
    let mut client = match postgres::Client::connect(&admin, postgres::NoTls) {
        Ok(client) => client,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {test}: no PostgreSQL at {admin} ({e})"
            );
            return None;
        }
    };
    let name = format!("certatlas_it_{test}_{}", std::process::id());
    let create = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE); CREATE DATABASE {name}");
    for statement in create.split("; ") {
        client
            .batch_execute(statement)
            .expect("create the test database");
    }
    let base = admin.split('?').next().unwrap_or(&admin);
    let base = base.rsplit_once('/').map_or(base, |(base, _)| base);
    let url = format!("{base}/{name}");
    Some(TestDatabase { admin, name, url })
}
