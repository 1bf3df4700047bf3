-- Schema version 2: the findings of each scan, as evaluated by the policy
-- rules (raw: exceptions are applied when they are shown), and which rule
-- set produced them.
CREATE TABLE finding_runs (
    scan_id        INTEGER PRIMARY KEY REFERENCES scans (id),
    ruleset_digest TEXT NOT NULL,
    evaluated_at   TEXT NOT NULL,
    rules          INTEGER NOT NULL,
    findings       INTEGER NOT NULL
);

CREATE TABLE findings (
    scan_id      INTEGER NOT NULL REFERENCES scans (id),
    rule_id      TEXT NOT NULL,
    subject_key  TEXT NOT NULL,
    severity     TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    certificate  TEXT,
    message      TEXT NOT NULL,
    detail       TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (scan_id, rule_id, subject_key)
);
CREATE INDEX findings_by_key ON findings (rule_id, subject_key, scan_id);
