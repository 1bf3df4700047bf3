-- Schema version 6: a finding lifecycle that only moves on evidence.
-- Each evaluation records the digests of the policy it used (JSON object:
-- rules, anchors, owners, exceptions, profile), so that a later evaluation
-- can tell a policy change from a change on the network. Each tracked scan
-- records how the findings it no longer has went: fixed (its subject was
-- observed again, the rule no longer fires), withdrawn (the policy made it
-- go) or unobserved (its subject was not observed: still open).
-- Portable SQL: plain types, no SQLite-only functions.
ALTER TABLE finding_runs ADD COLUMN policy TEXT NOT NULL DEFAULT '{}';

CREATE TABLE finding_outcomes (
    scan_id       INTEGER NOT NULL REFERENCES scans (id),
    rule_id       TEXT NOT NULL,
    subject_key   TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('fixed', 'withdrawn', 'unobserved')),
    open_since    TEXT NOT NULL,
    last_observed TEXT,
    days_to_fix   INTEGER,
    severity      TEXT NOT NULL,
    subject_kind  TEXT NOT NULL,
    certificate   TEXT,
    message       TEXT NOT NULL,
    detail        TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (scan_id, rule_id, subject_key)
);
CREATE INDEX finding_outcomes_by_status ON finding_outcomes (status, scan_id);
