-- PostgreSQL form of schema version 2 (migrations/sqlite/v2.sql), produced
-- once from the SQLite file by the SQLite-to-PostgreSQL DDL translator that
-- schema.rs ran at every open until issue 16: INTEGER PRIMARY KEY is an
-- identity column, INTEGER BIGINT, REAL DOUBLE PRECISION, BLOB BYTEA, TEXT
-- TEXT COLLATE "C" (byte order, as SQLite sorts), no WITHOUT ROWID.
-- Change it with its SQLite twin; never edit a released one.

-- Schema version 2: the findings of each scan, as evaluated by the policy
-- rules (raw: exceptions are applied when they are shown), and which rule
-- set produced them.
CREATE TABLE finding_runs (
    scan_id        BIGINT PRIMARY KEY REFERENCES scans (id),
    ruleset_digest TEXT COLLATE "C" NOT NULL,
    evaluated_at   TEXT COLLATE "C" NOT NULL,
    rules          BIGINT NOT NULL,
    findings       BIGINT NOT NULL
);

CREATE TABLE findings (
    scan_id      BIGINT NOT NULL REFERENCES scans (id),
    rule_id      TEXT COLLATE "C" NOT NULL,
    subject_key  TEXT COLLATE "C" NOT NULL,
    severity     TEXT COLLATE "C" NOT NULL,
    subject_kind TEXT COLLATE "C" NOT NULL,
    certificate  TEXT COLLATE "C",
    message      TEXT COLLATE "C" NOT NULL,
    detail       TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    PRIMARY KEY (scan_id, rule_id, subject_key)
);
CREATE INDEX findings_by_key ON findings (rule_id, subject_key, scan_id);
