-- Schema version 5: the alert outbox. One row per (webhook, event key):
-- the unique key is what deduplicates alerts across scans; the row then
-- records the delivery (attempts, failures, the last error, when it was
-- delivered). Times are fixed-width UTC text (text order = time order).
-- Portable SQL: plain types, no SQLite-only functions.
CREATE TABLE alert_outbox (
    id              INTEGER PRIMARY KEY,
    webhook         TEXT NOT NULL,
    event_key       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    scan_id         INTEGER NOT NULL REFERENCES scans (id),
    created_at      TEXT NOT NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    failures        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_attempt_at TEXT,
    last_http_status INTEGER,
    last_error      TEXT,
    delivered_at    TEXT,
    UNIQUE (webhook, event_key)
);
CREATE INDEX alert_outbox_due ON alert_outbox (status, next_attempt_at);
