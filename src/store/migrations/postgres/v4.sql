-- PostgreSQL form of schema version 4 (migrations/sqlite/v4.sql), produced
-- once from the SQLite file by the SQLite-to-PostgreSQL DDL translator that
-- schema.rs ran at every open until issue 16: INTEGER PRIMARY KEY is an
-- identity column, INTEGER BIGINT, REAL DOUBLE PRECISION, BLOB BYTEA, TEXT
-- TEXT COLLATE "C" (byte order, as SQLite sorts), no WITHOUT ROWID.
-- Change it with its SQLite twin; never edit a released one.

-- Schema version 4: shard cycles. A scan run with `--shard K/N` covers one
-- part of its scope; when every part of a scope has a complete shard scan
-- newer than the scope's last cycle, a cycle scan is made whose
-- observations are the union of those members', and only cycle scans (and
-- unsharded scans) are judged: diffed, evaluated and scored.
-- Portable SQL (SQLite and PostgreSQL): no SQLite-only functions.

-- One row per shard scan: its scope (a digest of targets and scope options
-- without the shard) and which part of how many it covers.
CREATE TABLE scan_shards (
    scan_id     BIGINT PRIMARY KEY REFERENCES scans (id),
    scope_key   TEXT COLLATE "C" NOT NULL,
    shard       BIGINT NOT NULL,
    shard_count BIGINT NOT NULL,
    CHECK (shard >= 1 AND shard <= shard_count)
);
CREATE INDEX scan_shards_by_scope ON scan_shards (scope_key, shard_count, shard);

-- One row per cycle: the cycle scan, its scope and parts, and its member
-- scan ids in shard order ("3,4,5,6"). The unique key makes a second
-- attempt to make the same cycle (another scanner finishing at the same
-- moment) insert nothing.
CREATE TABLE scan_cycles (
    scan_id     BIGINT PRIMARY KEY REFERENCES scans (id),
    scope_key   TEXT COLLATE "C" NOT NULL,
    shard_count BIGINT NOT NULL,
    members     TEXT COLLATE "C" NOT NULL,
    made_at     TEXT COLLATE "C" NOT NULL,
    UNIQUE (scope_key, members)
);

-- The members of each cycle, one row per shard.
CREATE TABLE scan_cycle_members (
    cycle_scan_id BIGINT NOT NULL REFERENCES scan_cycles (scan_id),
    shard         BIGINT NOT NULL,
    scan_id       BIGINT NOT NULL REFERENCES scans (id),
    PRIMARY KEY (cycle_scan_id, shard)
);
CREATE INDEX scan_cycle_members_by_scan ON scan_cycle_members (scan_id);
