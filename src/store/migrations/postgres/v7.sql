-- PostgreSQL form of schema version 7 (migrations/sqlite/v7.sql), produced
-- once from the SQLite file by the SQLite-to-PostgreSQL DDL translator that
-- schema.rs ran at every open until issue 16: INTEGER PRIMARY KEY is an
-- identity column, INTEGER BIGINT, REAL DOUBLE PRECISION, BLOB BYTEA, TEXT
-- TEXT COLLATE "C" (byte order, as SQLite sorts), no WITHOUT ROWID.
-- Change it with its SQLite twin; never edit a released one.

-- Schema version 7: a store that grows with change, not with time.
--
-- 1. Scans of one scope (the same targets, order ignored, and shard) form a
--    lineage: `scans.scope` is the scope's key (SHA-256 hex), `scans.lineage`
--    the id of the lineage's first scan.
-- 2. An observation is held across scans: a row is written when an
--    endpoint's outcome changes, and a later scan of the lineage that sees
--    the same (same chain, same parameters; `payload` is their digest)
--    extends `last_scan_id` instead of writing a row. A row holds for every
--    scan of its lineage from `scan_id` to `last_scan_id`: it is extended
--    only from the lineage's immediately previous scan, so a scan that did
--    not see the endpoint ends the range. The view `scan_observations`
--    lists each scan's observations, held ones included.
-- 3. Unresponsive outcomes (refused, unreachable, connect timeout) of
--    endpoints never seen responsive are counted per scan, port and reason
--    in `unresponsive_counts`, not stored as rows. `responsive_places`
--    lists every (address, port) that ever answered (a TCP connection was
--    accepted): those keep their rows, so "endpoint gone" and history work.
--
-- Existing stores are converted: each scan is its own lineage, each row
-- holds for its own scan only (no payload digest: the next scan writes
-- afresh), and the unresponsive rows of never-responsive endpoints become
-- counts (those endpoints go, unless an event names them).
-- Portable SQL: plain types, no SQLite-only functions.
ALTER TABLE scans ADD COLUMN scope TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE scans ADD COLUMN lineage BIGINT;
UPDATE scans SET lineage = id;
CREATE INDEX scans_by_scope ON scans (scope, id);
CREATE INDEX scans_by_lineage ON scans (lineage, id);

ALTER TABLE observations ADD COLUMN lineage BIGINT;
ALTER TABLE observations ADD COLUMN last_scan_id BIGINT;
ALTER TABLE observations ADD COLUMN payload BIGINT;
UPDATE observations SET lineage = scan_id, last_scan_id = scan_id;
DROP INDEX observations_by_scan;
CREATE INDEX observations_held ON observations (lineage, last_scan_id, endpoint_id);

CREATE TABLE unresponsive_counts (
    scan_id BIGINT NOT NULL REFERENCES scans (id),
    port    BIGINT NOT NULL,
    reason  TEXT COLLATE "C" NOT NULL,
    count   BIGINT NOT NULL,
    PRIMARY KEY (scan_id, port, reason)
);

CREATE TABLE responsive_places (
    address TEXT COLLATE "C" NOT NULL,
    port    BIGINT NOT NULL,
    PRIMARY KEY (address, port)
);
INSERT INTO responsive_places (address, port)
SELECT DISTINCT e.address, e.port FROM observations o JOIN endpoints e ON e.id = o.endpoint_id
WHERE o.status IN ('tls', 'not_tls', 'handshake_failed', 'starttls_refused', 'needs_name')
   OR o.reason IN ('reset(starttls)', 'reset(handshake)', 'timeout(starttls)', 'timeout(handshake)');

INSERT INTO unresponsive_counts (scan_id, port, reason, count)
SELECT o.scan_id, e.port, o.reason, count(*)
FROM observations o JOIN endpoints e ON e.id = o.endpoint_id
WHERE o.reason IN ('closed', 'unreachable', 'timeout(connect)')
  AND NOT EXISTS (SELECT 1 FROM responsive_places p WHERE p.address = e.address AND p.port = e.port)
GROUP BY o.scan_id, e.port, o.reason;
DELETE FROM observations
WHERE reason IN ('closed', 'unreachable', 'timeout(connect)')
  AND endpoint_id IN (SELECT e.id FROM endpoints e WHERE NOT EXISTS
      (SELECT 1 FROM responsive_places p WHERE p.address = e.address AND p.port = e.port));
DELETE FROM endpoints
WHERE NOT EXISTS (SELECT 1 FROM observations o WHERE o.endpoint_id = endpoints.id)
  AND NOT EXISTS (SELECT 1 FROM events v WHERE v.endpoint_id = endpoints.id);

CREATE VIEW scan_observations AS
SELECT s.id AS scan_id, o.id AS id, o.scan_id AS first_scan_id, o.endpoint_id AS endpoint_id,
    o.host AS host,
    CASE WHEN o.scan_id = s.id THEN o.observed_at ELSE s.started_at END AS observed_at,
    o.duration_ms AS duration_ms, o.status AS status, o.reason AS reason, o.detail AS detail,
    o.tls AS tls, o.tls_version AS tls_version, o.chain_id AS chain_id,
    o.leaf_certificate_id AS leaf_certificate_id, o.verdict AS verdict, o.extra AS extra
FROM observations o JOIN scans s
    ON s.lineage = o.lineage AND s.id >= o.scan_id AND s.id <= o.last_scan_id;
