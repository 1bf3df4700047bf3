-- PostgreSQL form of schema version 3 (migrations/sqlite/v3.sql), produced
-- once from the SQLite file by the SQLite-to-PostgreSQL DDL translator that
-- schema.rs ran at every open until issue 16: INTEGER PRIMARY KEY is an
-- identity column, INTEGER BIGINT, REAL DOUBLE PRECISION, BLOB BYTEA, TEXT
-- TEXT COLLATE "C" (byte order, as SQLite sorts), no WITHOUT ROWID.
-- Change it with its SQLite twin; never edit a released one.

-- Schema version 3: the maturity score of each scan (an automated
-- estimate from network observations, not a PKIMM assessment): the whole
-- score card as JSON, plus one row per category and per criterion so that
-- sqlite3 users can query levels and criteria directly.
CREATE TABLE scores (
    scan_id        BIGINT PRIMARY KEY REFERENCES scans (id),
    computed_at    TEXT COLLATE "C" NOT NULL,
    profile        TEXT COLLATE "C" NOT NULL,
    profile_digest TEXT COLLATE "C" NOT NULL,
    overall_value  DOUBLE PRECISION,
    overall_level  BIGINT,
    card           TEXT COLLATE "C" NOT NULL
);

CREATE TABLE category_scores (
    scan_id  BIGINT NOT NULL REFERENCES scans (id),
    category TEXT COLLATE "C" NOT NULL,
    level    BIGINT,
    basis    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (scan_id, category)
);

CREATE TABLE criterion_results (
    scan_id   BIGINT NOT NULL REFERENCES scans (id),
    category  TEXT COLLATE "C" NOT NULL,
    level     BIGINT NOT NULL,
    criterion TEXT COLLATE "C" NOT NULL,
    metric    TEXT COLLATE "C" NOT NULL,
    value     DOUBLE PRECISION,
    threshold DOUBLE PRECISION NOT NULL,
    outcome   TEXT COLLATE "C" NOT NULL CHECK (outcome IN ('pass', 'fail', 'unknown')),
    samples   BIGINT NOT NULL,
    PRIMARY KEY (scan_id, category, criterion)
);
