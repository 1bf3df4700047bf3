-- Schema version 3: the maturity score of each scan (an automated
-- estimate from network observations, not a PKIMM assessment): the whole
-- score card as JSON, plus one row per category and per criterion so that
-- sqlite3 users can query levels and criteria directly.
CREATE TABLE scores (
    scan_id        INTEGER PRIMARY KEY REFERENCES scans (id),
    computed_at    TEXT NOT NULL,
    profile        TEXT NOT NULL,
    profile_digest TEXT NOT NULL,
    overall_value  REAL,
    overall_level  INTEGER,
    card           TEXT NOT NULL
);

CREATE TABLE category_scores (
    scan_id  INTEGER NOT NULL REFERENCES scans (id),
    category TEXT NOT NULL,
    level    INTEGER,
    basis    TEXT NOT NULL,
    PRIMARY KEY (scan_id, category)
);

CREATE TABLE criterion_results (
    scan_id   INTEGER NOT NULL REFERENCES scans (id),
    category  TEXT NOT NULL,
    level     INTEGER NOT NULL,
    criterion TEXT NOT NULL,
    metric    TEXT NOT NULL,
    value     REAL,
    threshold REAL NOT NULL,
    outcome   TEXT NOT NULL CHECK (outcome IN ('pass', 'fail', 'unknown')),
    samples   INTEGER NOT NULL,
    PRIMARY KEY (scan_id, category, criterion)
);
