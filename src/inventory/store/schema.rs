//! The inventory database schema, its versioned migrations and connection
//! settings. The same description, with example queries, is in
//! the README (section "The inventory database").
//!
//! # Schema (version 3)
//!
//! Conventions: every time is UTC text of a fixed width so that text order is
//! time order (`2026-06-01T12:00:00.000000000Z` for instants the tool
//! records, `2026-06-01T12:00:00Z` for certificate validity bounds; both are
//! understood by SQLite's date functions). JSON columns hold JSON text;
//! booleans are 0/1; SHA-256 fingerprints are lowercase hex.
//!
//! - `schema_migrations(version, name, applied_at)`: one row per applied
//!   migration; `PRAGMA user_version` holds the newest version applied.
//! - `scans(id, started_at, finished_at, status, targets, options,
//!   tool_version, pid, host, summary)`: one row per scan. `status` is
//!   `running`, `complete` or `interrupted` (the process went away while
//!   running: noticed by the next open on the same host). `targets` is a JSON
//!   array of the target specs, `options` and `summary` JSON objects; `pid`
//!   and `host` identify the scanning process.
//! - `endpoints(id, address, port, sni, host, first_seen, last_seen)`: one row
//!   per `(address, port, sni)`. `address` is the IP address as text, or —
//!   when name resolution failed (`dns_error`) and there is no address — the
//!   target host name as the user gave it. `sni` is `''` when no SNI was
//!   sent. `host` is the target as last named by the user.
//! - `certificates(id, sha256, der, spki_sha256, subject_dn, issuer_dn,
//!   subject_cn, not_before, not_after, key_algorithm, key_bits,
//!   signature_algorithm, is_ca, self_signed, view, parse_error, first_seen,
//!   last_seen)`: one row per distinct certificate (by SHA-256 of its DER).
//!   `view` is the whole parsed certificate as JSON. When the DER does not
//!   parse, only `sha256`, `der`, `parse_error` and the seen times are set.
//!   `first_seen`/`last_seen` are the earliest/latest observation times.
//! - `chains(id, fingerprint, length)`: one row per distinct ordered chain;
//!   `fingerprint` is the SHA-256 of the concatenated lowercase-hex SHA-256s
//!   of its certificates, leaf first, without separators.
//! - `chain_links(chain_id, position, certificate_id)`: the certificates of a
//!   chain in the order the server sent them; position 0 is the leaf.
//! - `observations(id, scan_id, endpoint_id, host, observed_at, duration_ms,
//!   status, reason, detail, tls, tls_version, chain_id, leaf_certificate_id,
//!   verdict, extra)`: one row per probe. `status` is the outcome word
//!   (`tls`, `closed`, `timeout`, `dns_error`, ...), `reason` its key with
//!   the most useful detail (`timeout(connect)`), `detail` a JSON object of
//!   the outcome's other fields, `tls` the TLS session as JSON, `verdict` the
//!   strict verification verdict as JSON. `chain_id`/`leaf_certificate_id`
//!   are NULL when no certificate was received. `extra` is a JSON object of
//!   every other field of the observation's JSON form (`sni_source`,
//!   `starttls`, `signature_offer`, `versions`, and whatever later versions
//!   add), so a stored observation can be rebuilt whole.
//! - `events(id, scan_id, kind, endpoint_id, old_certificate_id,
//!   new_certificate_id, lead_days, detail, at)`: changes found when a scan is
//!   compared with the previous one. `kind` is one of `new_certificate`,
//!   `certificate_gone`, `certificate_changed`, `renewal`, `rekey`,
//!   `endpoint_gone`, `expired_in_service`.
//! - `finding_runs(scan_id, ruleset_digest, evaluated_at, rules, findings)`
//!   (version 2): one row per scan whose findings were evaluated, with the
//!   digest of the rule set (and config) that evaluated them.
//! - `findings(scan_id, rule_id, subject_key, severity, subject_kind,
//!   certificate, message, detail)` (version 2): one row per finding of a
//!   scan, before exceptions. `subject_key` is the leaf's or CA's SHA-256,
//!   the chain fingerprint, the endpoint (`address:port (sni)`) or
//!   `inventory`; `certificate` the SHA-256 of the certificate concerned;
//!   `detail` a JSON object (title, endpoints, categories).
//! - `scores(scan_id, computed_at, profile, profile_digest, overall_value,
//!   overall_level, card)` (version 3): the maturity score of a scan;
//!   `profile` is `name@version`, `card` the whole score card as JSON (the
//!   `score` object of `report.json`).
//! - `category_scores(scan_id, category, level, basis)` (version 3): one
//!   row per PKIMM category; `level` is NULL when not assessed, `basis` is
//!   `evidence`, `claim` or `not_assessed`.
//! - `criterion_results(scan_id, category, level, criterion, metric, value,
//!   threshold, outcome, samples)` (version 3): every ladder criterion as
//!   judged; `outcome` is `pass`, `fail` or `unknown` (`value` NULL when the
//!   metric is unknown).

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

use super::codec::format_instant;
use super::error::StoreError;

/// How long a statement waits for another connection's lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Page cache per connection, in KiB (as a negative `cache_size`); grown
/// lazily, it keeps the indexes of a 100,000-endpoint scan in memory.
const CACHE_KIB: i64 = -32 * 1024;

/// One schema change; later issues append to [`MIGRATIONS`].
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The schema version this migration produces (1, 2, ...).
    pub version: u32,
    /// A short name, recorded in `schema_migrations`.
    pub name: &'static str,
    /// The SQL that turns version `version - 1` into `version`.
    pub sql: &'static str,
}

/// All migrations, in order. Append only: never edit a released one.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial inventory",
        sql: include_str!("schema_v1.sql"),
    },
    Migration {
        version: 2,
        name: "findings",
        sql: include_str!("schema_v2.sql"),
    },
    Migration {
        version: 3,
        name: "scores",
        sql: include_str!("schema_v3.sql"),
    },
];

/// The newest schema version this binary understands.
pub fn supported_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Opens a connection to `path` with the store's settings: WAL journal,
/// busy timeout, foreign keys, `synchronous = NORMAL` (a committed
/// transaction survives a process crash), a 32 MiB page cache, temporary
/// structures in memory, a statement cache.
pub fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let open_error = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let conn = Connection::open(path).map_err(open_error)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
    conn.query_row("PRAGMA journal_mode = WAL", [], |row| {
        row.get::<_, String>(0)
    })
    .map_err(open_error)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(open_error)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(open_error)?;
    conn.pragma_update(None, "cache_size", CACHE_KIB)
        .map_err(open_error)?;
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(open_error)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Reads `PRAGMA user_version`.
fn user_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Applies every migration newer than the database's version, each in the
/// same immediate transaction (so two processes opening a new file at once
/// do not both migrate). Refuses a database newer than this binary.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<u32, StoreError> {
    let supported = supported_version();
    let open_error = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let found = user_version(conn).map_err(open_error)?;
    check_not_newer(path, found, supported)?;
    if found == supported {
        return Ok(found);
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(open_error)?;
    let found = user_version(&tx).map_err(open_error)?;
    check_not_newer(path, found, supported)?;
    for migration in MIGRATIONS.iter().filter(|m| m.version > found) {
        apply(&tx, migration).map_err(|source| StoreError::Migrate {
            path: path.to_path_buf(),
            version: migration.version,
            source,
        })?;
    }
    tx.commit().map_err(|source| StoreError::Migrate {
        path: path.to_path_buf(),
        version: supported,
        source,
    })?;
    Ok(supported)
}

/// Errors with [`StoreError::TooNew`] when `found > supported`.
fn check_not_newer(path: &Path, found: u32, supported: u32) -> Result<(), StoreError> {
    if found > supported {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found,
            supported,
        });
    }
    Ok(())
}

/// Runs one migration and records it.
fn apply(conn: &Connection, migration: &Migration) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    conn.execute_batch(migration.sql)?;
    conn.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
        rusqlite::params![
            migration.version,
            migration.name,
            format_instant(time::OffsetDateTime::now_utc())
        ],
    )?;
    conn.pragma_update(None, "user_version", migration.version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_versions_are_consecutive_from_one() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version as usize, index + 1, "{}", migration.name);
        }
        assert_eq!(supported_version() as usize, MIGRATIONS.len());
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        let mut conn = open_connection(&path).unwrap();
        assert_eq!(migrate(&mut conn, &path).unwrap(), supported_version());
        assert_eq!(migrate(&mut conn, &path).unwrap(), supported_version());
        let applied: i64 = conn
            .query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(applied as usize, MIGRATIONS.len());
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_newer_schema_is_refused_with_both_versions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        let mut conn = open_connection(&path).unwrap();
        let future = supported_version() + 3;
        conn.pragma_update(None, "user_version", future).unwrap();
        match migrate(&mut conn, &path) {
            Err(StoreError::TooNew {
                found, supported, ..
            }) => {
                assert_eq!(found, future);
                assert_eq!(supported, supported_version());
            }
            other => panic!("expected TooNew, got {other:?}"),
        }
    }
}
