//! The database schema and its versioned migrations: one file per version
//! and database, `migrations/sqlite/v<N>.sql` and
//! `migrations/postgres/v<N>.sql`, the same schema in each dialect. The
//! same description, with example queries, is in the guide (section "The
//! inventory database").
//!
//! # Schema (version 10)
//!
//! Conventions: every time is UTC text of a fixed width so that text order is
//! time order (`2026-06-01T12:00:00.000000000Z` for instants the tool
//! records, `2026-06-01T12:00:00Z` for certificate validity bounds; both are
//! understood by SQLite's date functions). JSON columns hold JSON text;
//! booleans are 0/1; SHA-256 fingerprints are lowercase hex.
//!
//! - `schema_migrations(version, name, applied_at)`: one row per applied
//!   migration; in SQLite `PRAGMA user_version` also holds the newest
//!   version applied.
//! - `scans(id, started_at, finished_at, status, targets, options,
//!   tool_version, pid, host, summary, scope, lineage)`: one row per scan.
//!   `status` is `running`, `complete` or `interrupted` (the process went
//!   away while running: noticed by the next open on the same host).
//!   `targets` is a JSON array of the target specs, `options` and `summary`
//!   JSON objects; `pid` and `host` identify the scanning process. `scope`
//!   (version 7) is the SHA-256 of the targets (order ignored) and shard;
//!   `lineage` the id of the first scan of that scope (a cycle scan is its
//!   own lineage).
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
//!   verdict, extra, lineage, last_scan_id, payload)`: one row per change of
//!   what an endpoint presents (version 7). The row holds for every scan of
//!   `lineage` from `scan_id` to `last_scan_id`; a later scan of the lineage
//!   that sees the same (`payload`, a digest of every column but the times)
//!   extends `last_scan_id`, and only from the lineage's previous scan, so a
//!   scan that missed the endpoint ends the range. `observed_at` and
//!   `duration_ms` are those of the first scan. The view
//!   `scan_observations(scan_id, id, first_scan_id, ...)` lists each scan's
//!   observations (one per probe), held rows included; their `observed_at`
//!   in a later scan is that scan's start. `status` is the outcome word
//!   (`tls`, `closed`, `timeout`, `dns_error`, ...), `reason` its key with
//!   the most useful detail (`timeout(connect)`), `detail` a JSON object of
//!   the outcome's other fields, `tls` the TLS session as JSON, `verdict` the
//!   strict verification verdict as JSON. `chain_id`/`leaf_certificate_id`
//!   are NULL when no certificate was received. `extra` is a JSON object of
//!   every other field of the observation's JSON form (`sni_source`,
//!   `starttls`, `signature_offer`, `versions`, and whatever later versions
//!   add), so a stored observation can be rebuilt whole.
//! - `unresponsive_counts(scan_id, port, reason, count)` (version 7): the
//!   probes of a scan that found nothing answering (`closed`,
//!   `unreachable`, `timeout(connect)`) at an (address, port) that never
//!   answered before, counted by port and reason instead of stored as rows
//!   (`scan --keep-unresponsive` stores rows).
//! - `responsive_places(address, port)` (version 7): every (address, port)
//!   where a TCP connection was ever accepted; its unresponsive probes keep
//!   their rows (so "endpoint gone" and history work).
//! - `events(id, scan_id, kind, endpoint_id, old_certificate_id,
//!   new_certificate_id, lead_days, detail, at)`: changes found when a scan is
//!   compared with the previous one. `kind` is one of `new_certificate`,
//!   `certificate_gone`, `certificate_changed`, `renewal`, `rekey`,
//!   `endpoint_gone`, `expired_in_service`.
//! - `finding_runs(scan_id, ruleset_digest, evaluated_at, rules, findings,
//!   policy)` (version 2; `policy` version 6): one row per scan whose
//!   findings were evaluated, with the digest of the rule set (and config)
//!   that evaluated them; `policy` is a JSON object of the digests of each
//!   part of the policy (`rules`, `anchors`, `owners`, `exceptions`,
//!   `profile`), `{}` for evaluations made before version 6.
//! - `finding_outcomes(scan_id, rule_id, subject_key, status, open_since,
//!   last_observed, days_to_fix, severity, subject_kind, certificate,
//!   message, detail)` (version 6; indexed by key, version 11): for each tracked scan, the findings it
//!   no longer has and how they went: `fixed` (subject observed again, the
//!   rule no longer fires; `days_to_fix` set), `withdrawn` (the policy made
//!   it go) or `unobserved` (subject not observed: still open;
//!   `last_observed` is the last scan that observed it). The finding's
//!   columns are as in `findings`.
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
//! - `scan_shards(scan_id, scope_key, shard, shard_count)` (version 4):
//!   one row per shard scan (`--shard K/N`); `scope_key` is the SHA-256 of
//!   the scan's targets and scope options without the shard, `shard` is K.
//! - `scan_cycles(scan_id, scope_key, shard_count, members, made_at)`
//!   (version 4): one row per cycle scan, made when every shard of a
//!   scope is in; `members` lists the member scan ids in shard order
//!   (`3,4,5,6`), unique per scope key.
//! - `scan_cycle_members(cycle_scan_id, shard, scan_id)` (version 4):
//!   the members of each cycle, one row per shard.
//! - `alert_outbox(id, webhook, event_key, kind, scan_id, created_at,
//!   payload, status, attempts, failures, next_attempt_at, last_attempt_at,
//!   last_http_status, last_error, delivered_at)` (version 5): one row per
//!   webhook and alert event, unique on `(webhook, event_key)` (the
//!   deduplication across scans). `payload` is the JSON body as sent;
//!   `status` is `pending`, `delivered` or `failed`; `failures` counts the
//!   attempts that did not deliver.
//! - `revocation_checks(id, scan_id, certificate, source, url, checked_at,
//!   status, reason, revoked_at, detail, this_update, next_update,
//!   fresh_until)` (version 8): one row per revocation check
//!   (`--check-revocation`) of a certificate (`certificate` is its
//!   SHA-256); `source` `ocsp`, `crl` or `none`; `status` `good`, `revoked`
//!   (`reason`, `revoked_at`) or `unknown` (why in `detail`);
//!   `fresh_until` is when the result stops counting.
//! - `imports(id, scan_id, sha256, file_name, lines, header, imported_at,
//!   finished_at)` (version 9): one row per JSON Lines file imported
//!   with `certatlas import`, unique on the file's SHA-256 (a second import
//!   is refused); `header` is 1 when the file named its targets and
//!   options, `finished_at` NULL until the import stored everything.
//! - `file_placements(id, scan_id, path, alias, position, format,
//!   certificate_id, observed_at)` (version 10): one row per
//!   certificate found at rest by an import of files (`path` absolute,
//!   `alias` the keystore entry or `''`, `position` in the file or chain,
//!   `format` `pem`, `der`, `pkcs12` or `jks`); never an endpoint.

use std::path::Path;

use super::codec::format_instant;
use super::error::StoreError;
use super::sql::{params, Dialect, Session, SqlError};

/// One schema change; later issues append to [`MIGRATIONS`].
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The schema version this migration produces (1, 2, ...).
    pub version: u32,
    /// A short name, recorded in `schema_migrations`.
    pub name: &'static str,
    /// The SQLite DDL that turns version `version - 1` into `version`
    /// (`migrations/sqlite/v<N>.sql`).
    pub sqlite: &'static str,
    /// The same change in PostgreSQL's DDL (`migrations/postgres/v<N>.sql`).
    pub postgres: &'static str,
}

/// All migrations, in order. Append only: never edit a released one.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial inventory",
        sqlite: include_str!("migrations/sqlite/v1.sql"),
        postgres: include_str!("migrations/postgres/v1.sql"),
    },
    Migration {
        version: 2,
        name: "findings",
        sqlite: include_str!("migrations/sqlite/v2.sql"),
        postgres: include_str!("migrations/postgres/v2.sql"),
    },
    Migration {
        version: 3,
        name: "scores",
        sqlite: include_str!("migrations/sqlite/v3.sql"),
        postgres: include_str!("migrations/postgres/v3.sql"),
    },
    Migration {
        version: 4,
        name: "shard cycles",
        sqlite: include_str!("migrations/sqlite/v4.sql"),
        postgres: include_str!("migrations/postgres/v4.sql"),
    },
    Migration {
        version: 5,
        name: "alert outbox",
        sqlite: include_str!("migrations/sqlite/v5.sql"),
        postgres: include_str!("migrations/postgres/v5.sql"),
    },
    Migration {
        version: 6,
        name: "finding lifecycle on evidence",
        sqlite: include_str!("migrations/sqlite/v6.sql"),
        postgres: include_str!("migrations/postgres/v6.sql"),
    },
    Migration {
        version: 7,
        name: "held observations and unresponsive counts",
        sqlite: include_str!("migrations/sqlite/v7.sql"),
        postgres: include_str!("migrations/postgres/v7.sql"),
    },
    Migration {
        version: 8,
        name: "revocation checks",
        sqlite: include_str!("migrations/sqlite/v8.sql"),
        postgres: include_str!("migrations/postgres/v8.sql"),
    },
    Migration {
        version: 9,
        name: "imported files",
        sqlite: include_str!("migrations/sqlite/v9.sql"),
        postgres: include_str!("migrations/postgres/v9.sql"),
    },
    Migration {
        version: 10,
        name: "certificates at rest",
        sqlite: include_str!("migrations/sqlite/v10.sql"),
        postgres: include_str!("migrations/postgres/v10.sql"),
    },
    Migration {
        version: 11,
        name: "finding presence by key",
        sqlite: include_str!("migrations/sqlite/v11.sql"),
        postgres: include_str!("migrations/postgres/v11.sql"),
    },
];

/// The newest schema version this binary understands.
pub fn supported_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The schema version a database is at (0 when new).
fn found_version(conn: &dyn Session) -> Result<u32, SqlError> {
    match conn.dialect() {
        Dialect::Sqlite => conn.one("PRAGMA user_version", params![], |row| row.get(0)),
        Dialect::Postgres => {
            let exists: i64 = conn.one(
                "SELECT to_regclass('schema_migrations') IS NOT NULL",
                params![],
                |row| row.get(0),
            )?;
            if exists == 0 {
                return Ok(0);
            }
            let newest: Option<i64> = conn.one(
                "SELECT max(version) FROM schema_migrations",
                params![],
                |row| row.get(0),
            )?;
            Ok(newest.and_then(|v| u32::try_from(v).ok()).unwrap_or(0))
        }
    }
}

/// For a read-only open: the database must be at exactly the schema this
/// binary reads (never migrated here).
pub fn check_current(conn: &dyn Session, path: &Path) -> Result<(), StoreError> {
    let supported = supported_version();
    let found = found_version(conn).map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    check_not_newer(path, found, supported)?;
    match found < supported {
        true => Err(StoreError::NeedsMigration {
            path: path.to_path_buf(),
            found,
            supported,
        }),
        false => Ok(()),
    }
}

/// The table that records applied migrations.
const SCHEMA_MIGRATIONS: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

/// Applies every migration newer than the database's version, all in one
/// transaction that first takes the write lock (SQLite: an immediate
/// transaction; PostgreSQL: an advisory lock), so two processes opening a
/// new database at once do not both migrate. Refuses a database newer than
/// this binary.
pub fn migrate(conn: &dyn Session, path: &Path) -> Result<u32, StoreError> {
    let supported = supported_version();
    let open_error = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let found = found_version(conn).map_err(open_error)?;
    check_not_newer(path, found, supported)?;
    if found == supported {
        return Ok(found);
    }
    conn.transaction(true, open_error, |tx| {
        let found = found_version(tx).map_err(open_error)?;
        check_not_newer(path, found, supported)?;
        tx.batch(SCHEMA_MIGRATIONS).map_err(open_error)?;
        for migration in MIGRATIONS.iter().filter(|m| m.version > found) {
            apply(tx, migration).map_err(|source| StoreError::Migrate {
                path: path.to_path_buf(),
                version: migration.version,
                source,
            })?;
        }
        Ok(supported)
    })
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
fn apply(conn: &dyn Session, migration: &Migration) -> Result<(), SqlError> {
    match conn.dialect() {
        Dialect::Sqlite => conn.batch(migration.sqlite)?,
        Dialect::Postgres => conn.batch(migration.postgres)?,
    }
    conn.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
        params![
            migration.version,
            migration.name,
            format_instant(time::OffsetDateTime::now_utc())
        ],
    )?;
    if conn.dialect() == Dialect::Sqlite {
        conn.batch(&format!("PRAGMA user_version = {}", migration.version))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sql::Database;

    #[test]
    fn migration_versions_are_consecutive_from_one() {
        for (index, migration) in MIGRATIONS.iter().enumerate() {
            assert_eq!(migration.version as usize, index + 1, "{}", migration.name);
        }
        assert_eq!(supported_version() as usize, MIGRATIONS.len());
    }

    /// A new SQLite session on a file in `dir`.
    fn sqlite(dir: &tempfile::TempDir) -> (std::path::PathBuf, Box<dyn Session>) {
        let path = dir.path().join("m.db");
        let conn = Database::Sqlite(path.clone()).connect().unwrap();
        (path, conn)
    }

    #[test]
    fn migrating_twice_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (path, conn) = sqlite(&dir);
        assert_eq!(migrate(conn.as_ref(), &path).unwrap(), supported_version());
        assert_eq!(migrate(conn.as_ref(), &path).unwrap(), supported_version());
        let applied: i64 = conn
            .one("SELECT count(*) FROM schema_migrations", &[], |r| r.get(0))
            .unwrap();
        assert_eq!(applied as usize, MIGRATIONS.len());
        let mode: String = conn.one("PRAGMA journal_mode", &[], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn version_7_converts_a_store_silent_rows_to_counts_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let (path, conn) = sqlite(&dir);
        conn.batch(SCHEMA_MIGRATIONS).unwrap();
        for migration in MIGRATIONS.iter().filter(|m| m.version <= 6) {
            apply(conn.as_ref(), migration).unwrap();
        }
        let at = "2026-01-01T00:00:00.000000000Z";
        for scan in [1, 2] {
            conn.execute(
                "INSERT INTO scans (id, started_at, status, targets, options, tool_version, pid,
                     host) VALUES (?1, ?2, 'complete', '[]', '{}', 't', 1, 'h')",
                params![scan, at],
            )
            .unwrap();
        }
        // 1: never answered; 2: answered in scan 1, closed in scan 2
        for (id, address) in [(1, "127.0.0.1"), (2, "127.0.0.2")] {
            conn.execute(
                "INSERT INTO endpoints (id, address, port, sni, host, first_seen, last_seen)
                 VALUES (?1, ?2, 443, '', ?2, ?3, ?3)",
                params![id, address, at],
            )
            .unwrap();
        }
        let rows = [
            (1, 1, "closed", "closed"),
            (2, 1, "closed", "closed"),
            (1, 2, "not_tls", "not_tls"),
            (2, 2, "closed", "closed"),
        ];
        for (scan, endpoint, status, reason) in rows {
            conn.execute(
                "INSERT INTO observations (scan_id, endpoint_id, host, observed_at, duration_ms,
                     status, reason, detail) VALUES (?1, ?2, 'h', ?3, 1.0, ?4, ?5, '{}')",
                params![scan, endpoint, at, status, reason],
            )
            .unwrap();
        }
        assert_eq!(migrate(conn.as_ref(), &path).unwrap(), supported_version());
        let count = |sql: &str| -> i64 { conn.one(sql, params![], |r| r.get(0)).unwrap() };
        assert_eq!(
            count("SELECT count(*) FROM observations"),
            2,
            "the answering place keeps its rows"
        );
        assert_eq!(
            count("SELECT count(*) FROM endpoints"),
            1,
            "the silent endpoint goes"
        );
        assert_eq!(
            count("SELECT sum(count) FROM unresponsive_counts WHERE port = 443"),
            2,
            "one count per scan for the silent place"
        );
        assert_eq!(
            count("SELECT count(*) FROM scan_observations WHERE scan_id = 2"),
            1
        );
        assert_eq!(count("SELECT count(*) FROM scans WHERE lineage = id"), 2);
    }

    #[test]
    fn a_newer_schema_is_refused_with_both_versions() {
        let dir = tempfile::tempdir().unwrap();
        let (path, conn) = sqlite(&dir);
        let future = supported_version() + 3;
        conn.batch(&format!("PRAGMA user_version = {future}"))
            .unwrap();
        match migrate(conn.as_ref(), &path) {
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
