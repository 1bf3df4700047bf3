-- Schema version 10: certificates at rest (`certatlas import` of PEM, DER,
-- PKCS#12 files, Java keystores and directories of them). A location at
-- rest is not an endpoint: it has its own table, never `endpoints`, so no
-- endpoint count, diff or endpoint rule ever sees it. One row per
-- certificate found: the scan (the import) that found it, the file's
-- absolute `path`, the keystore entry's `alias` ('' outside keystores),
-- its `position` in the file or the entry's chain (0 first), the file's
-- `format` and when it was read. The certificate itself is a row of
-- `certificates`, shared with the served ones (deduplicated by SHA-256).
-- Stores made before have no such rows: nothing to convert.
-- Portable SQL: plain types, no SQLite-only functions.
CREATE TABLE file_placements (
    id             INTEGER PRIMARY KEY,
    scan_id        INTEGER NOT NULL REFERENCES scans (id),
    path           TEXT NOT NULL,
    alias          TEXT NOT NULL DEFAULT '',
    position       INTEGER NOT NULL,
    format         TEXT NOT NULL CHECK (format IN ('pem', 'der', 'pkcs12', 'jks')),
    certificate_id INTEGER NOT NULL REFERENCES certificates (id),
    observed_at    TEXT NOT NULL,
    UNIQUE (scan_id, path, alias, position)
);
CREATE INDEX file_placements_by_certificate ON file_placements (certificate_id);
