//! A fresh PostgreSQL database for one integration test, on the server
//! named by `CERTATLAS_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`, which `.ci/run` starts).
//! Without a server the caller gets `None` and a `SKIPPED` line is printed
//! past the test harness's output capture, never silently.
//!
//! The URL certatlas gets keeps the server URL's query (`.ci/run` gives
//! `sslmode=verify-full&sslrootcert=...`, so certatlas connects over
//! verified TLS). This helper's own connection, which only creates and
//! drops the database, goes through the `postgres` driver without TLS,
//! which knows neither those modes nor `sslrootcert`: it drops the `ssl*`
//! parameters (the CI cluster accepts plaintext from 127.0.0.1 too).

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
        if let Ok(mut client) =
            postgres::Client::connect(&without_tls(&self.admin), postgres::NoTls)
        {
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
    let mut client = match postgres::Client::connect(&without_tls(&admin), postgres::NoTls) {
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
    let (base, query) = admin.split_once('?').unwrap_or((&admin, ""));
    let base = base.rsplit_once('/').map_or(base, |(base, _)| base);
    let url = match query.is_empty() {
        true => format!("{base}/{name}"),
        false => format!("{base}/{name}?{query}"),
    };
    Some(TestDatabase { admin, name, url })
}

/// `url` without its `ssl*` parameters (for the driver without TLS).
fn without_tls(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("ssl"))
        .collect();
    match kept.is_empty() {
        true => base.to_string(),
        false => format!("{base}?{}", kept.join("&")),
    }
}
