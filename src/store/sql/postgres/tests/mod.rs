//! Tests of the PostgreSQL backend that need no PostgreSQL: placeholders
//! (here), connecting with each `sslmode` (`connect`) against a fake server
//! (`fake_server`).

mod connect;
mod fake_server;

use super::translate;

#[test]
fn placeholders_are_numbered_outside_quotes_only() {
    assert_eq!(
        translate("SELECT ?2, '?1', \"a?\" FROM t WHERE x = ?1 AND y = ?"),
        "SELECT $2, '?1', \"a?\" FROM t WHERE x = $1 AND y = $2"
    );
    assert_eq!(translate("VALUES (?, ?, ?10)"), "VALUES ($1, $2, $10)");
}
