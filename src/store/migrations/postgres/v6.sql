-- PostgreSQL form of schema version 6 (migrations/sqlite/v6.sql), produced
-- once from the SQLite file by the SQLite-to-PostgreSQL DDL translator that
-- schema.rs ran at every open until issue 16: INTEGER PRIMARY KEY is an
-- identity column, INTEGER BIGINT, REAL DOUBLE PRECISION, BLOB BYTEA, TEXT
-- TEXT COLLATE "C" (byte order, as SQLite sorts), no WITHOUT ROWID.
-- Change it with its SQLite twin; never edit a released one.

-- Schema version 6: a finding lifecycle that only moves on evidence.
-- Each evaluation records the digests of the policy it used (JSON object:
-- rules, anchors, owners, exceptions, profile), so that a later evaluation
-- can tell a policy change from a change on the network. Each tracked scan
-- records how the findings it no longer has went: fixed (its subject was
-- observed again, the rule no longer fires), withdrawn (the policy made it
-- go) or unobserved (its subject was not observed: still open).
-- Portable SQL: plain types, no SQLite-only functions.
ALTER TABLE finding_runs ADD COLUMN policy TEXT COLLATE "C" NOT NULL DEFAULT '{}';

CREATE TABLE finding_outcomes (
    scan_id       BIGINT NOT NULL REFERENCES scans (id),
    rule_id       TEXT COLLATE "C" NOT NULL,
    subject_key   TEXT COLLATE "C" NOT NULL,
    status        TEXT COLLATE "C" NOT NULL CHECK (status IN ('fixed', 'withdrawn', 'unobserved')),
    open_since    TEXT COLLATE "C" NOT NULL,
    last_observed TEXT COLLATE "C",
    days_to_fix   BIGINT,
    severity      TEXT COLLATE "C" NOT NULL,
    subject_kind  TEXT COLLATE "C" NOT NULL,
    certificate   TEXT COLLATE "C",
    message       TEXT COLLATE "C" NOT NULL,
    detail        TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    PRIMARY KEY (scan_id, rule_id, subject_key)
);
CREATE INDEX finding_outcomes_by_status ON finding_outcomes (status, scan_id);
